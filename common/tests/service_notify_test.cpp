#include "ev/common/service_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

// A datagram unix socket bound in a fresh folder, as systemd's notification socket.
class Receiver {
 public:
  Receiver() {
    dir_ = std::filesystem::temp_directory_path() /
           ("ev-notify-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "notify").string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof(addr.sun_path));
    std::memcpy(addr.sun_path, path_.c_str(), path_.size());
    REQUIRE(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
    timeval tv{0, 300000};
    REQUIRE(::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0);
  }
  ~Receiver() {
    ::close(fd_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  [[nodiscard]] const std::string& path() const { return path_; }
  // The next datagram, or "" after 300 ms without one.
  std::string next() const {
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::string path_;
  int fd_ = -1;
};

void clear_env() {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
}

}  // namespace

TEST_CASE("service notify: without NOTIFY_SOCKET nothing is enabled", "[service_notify]") {
  clear_env();
  ::setenv("WATCHDOG_USEC", "100000", 1);
  ev::service::Notifier n;
  CHECK_FALSE(n.enabled());
  CHECK(n.watchdog_interval().count() == 0);
  n.ready("ready");  // no socket: must neither fail nor block
  n.status("status");
  n.stopping("stopping");
  clear_env();
}

TEST_CASE("service notify: READY, STATUS, WATCHDOG at half the interval, STOPPING",
          "[service_notify]") {
  clear_env();
  Receiver r;
  ::setenv("NOTIFY_SOCKET", r.path().c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  {
    ev::service::Notifier n;
    REQUIRE(n.enabled());
    CHECK(n.watchdog_interval() == std::chrono::microseconds(200000));
    n.status("starting");
    CHECK(r.next() == "STATUS=starting");
    n.ready("serving on 127.0.0.1:1");
    CHECK(r.next() == "READY=1\nSTATUS=serving on 127.0.0.1:1");
    int pings = 0;
    const auto start = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - start < std::chrono::milliseconds(450)) {
      if (r.next() == "WATCHDOG=1") ++pings;
    }
    CHECK(pings >= 3);  // every 100 ms: the first at once, then ~4 more in 450 ms
    n.stopping("stopping");
    std::string m;
    while ((m = r.next()) == "WATCHDOG=1") {
    }
    CHECK(m == "STOPPING=1\nSTATUS=stopping");
    CHECK(r.next().empty());  // no ping after STOPPING
  }
  clear_env();
}

TEST_CASE("service notify: a watchdog meant for another process is ignored", "[service_notify]") {
  clear_env();
  Receiver r;
  ::setenv("NOTIFY_SOCKET", r.path().c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  ev::service::Notifier n;
  CHECK(n.enabled());
  CHECK(n.watchdog_interval().count() == 0);
  n.ready("ready");
  CHECK(r.next() == "READY=1\nSTATUS=ready");
  CHECK(r.next().empty());  // no watchdog thread
  clear_env();
}
