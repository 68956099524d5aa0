// Readiness, status, watchdog and stop notifications to the service manager (systemd's
// sd_notify protocol, through libsystemd). Every call is a no-op when the process was not
// started with $NOTIFY_SOCKET, so the executables behave the same outside systemd.
// docs/operations.md describes the units that use it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

namespace ev::service {

class Notifier {
 public:
  // Reads the watchdog interval the manager asked for ($WATCHDOG_USEC for this process).
  Notifier();
  // Stops the watchdog thread, if one runs.
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;
  Notifier(Notifier&&) = delete;
  Notifier& operator=(Notifier&&) = delete;

  // READY=1 with STATUS=<status>; then, when the manager enabled the watchdog, a thread sends
  // WATCHDOG=1 every half interval until stopping() or destruction.
  void ready(std::string_view status);
  // STATUS=<status>.
  void status(std::string_view status);
  // STOPPING=1 with STATUS=<status>; stops the watchdog thread.
  void stopping(std::string_view status);

  // Whether $NOTIFY_SOCKET was set when this object was made.
  [[nodiscard]] bool enabled() const { return enabled_; }
  // The manager's watchdog interval (WatchdogSec=), zero when the watchdog is off.
  [[nodiscard]] std::chrono::microseconds watchdog_interval() const { return watchdog_; }

 private:
  void send(const std::string& message) const;
  void stop_watchdog();

  bool enabled_ = false;
  std::chrono::microseconds watchdog_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread pinger_;
};

}  // namespace ev::service
