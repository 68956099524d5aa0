#include "ev/common/service_notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>
#include <cstdlib>
#include <string>

namespace ev::service {

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  enabled_ = socket != nullptr && *socket != '\0';
  std::uint64_t usec = 0;
  if (enabled_ && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    watchdog_ = std::chrono::microseconds(usec);
  }
}

Notifier::~Notifier() { stop_watchdog(); }

void Notifier::send(const std::string& message) const {
  if (!enabled_) return;
  // A failure to notify is not fatal: the manager then times the service out, which is the
  // outcome it is configured for.
  (void)sd_notify(0, message.c_str());
}

void Notifier::ready(std::string_view status) {
  send("READY=1\nSTATUS=" + std::string(status));
  if (!enabled_ || watchdog_.count() == 0) return;
  const std::lock_guard guard(mu_);
  if (stop_ || pinger_.joinable()) return;
  const auto half = watchdog_ / 2;
  pinger_ = std::thread([this, half] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      send("WATCHDOG=1");
      cv_.wait_for(lock, half, [this] { return stop_; });
    }
  });
}

void Notifier::status(std::string_view status) { send("STATUS=" + std::string(status)); }

void Notifier::stopping(std::string_view status) {
  stop_watchdog();
  send("STOPPING=1\nSTATUS=" + std::string(status));
}

void Notifier::stop_watchdog() {
  std::thread pinger;
  {
    const std::lock_guard lock(mu_);
    stop_ = true;
    pinger = std::move(pinger_);
  }
  cv_.notify_all();
  if (pinger.joinable()) pinger.join();
}

}  // namespace ev::service
