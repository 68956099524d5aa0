// A fault-injecting HTTP/1.1 proxy for tests (threads and sockets on 127.0.0.1): it reads each
// request from the client, asks a plan what to do with it, and either forwards it unchanged to
// the upstream server (one upstream connection per client connection, keep-alive on both
// sides) and relays the answer, or injects a fault:
//   ResetBeforeForward  close the client connection with a TCP RST; upstream never sees it
//   ResetAfterForward   forward, read the whole answer, then RST instead of relaying it
//   TruncateResponse    forward, relay the headers and half the body, then RST
//   SlowDown            answer 503 SlowDown (Retry-After: 0) without forwarding
//   InternalError       answer 500 InternalError without forwarding
//   Delay               wait delay(), then forward and relay
// Requests are numbered from 0 across all connections, in the order they arrive.
#pragma once

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ev::s3::test {

class FaultProxy {
 public:
  enum class Fault {
    None,
    ResetBeforeForward,
    ResetAfterForward,
    TruncateResponse,
    SlowDown,
    InternalError,
    Delay
  };
  using Plan = std::function<Fault(std::size_t index, const std::string& request_line)>;

  FaultProxy(int upstream_port, Plan plan, std::chrono::milliseconds delay = {})
      : upstream_port_(upstream_port), plan_(std::move(plan)), delay_(delay) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listen_fd_ >= 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = loopback(0);
    REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listen_fd_, 64) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~FaultProxy() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    ::close(listen_fd_);
    acceptor_.join();
    {
      std::lock_guard lock(mu_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : workers_) t.join();
  }
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  int port() const { return port_; }
  std::size_t requests() const { return next_index_.load(); }
  // How many times each fault was injected.
  std::map<Fault, int> injected() const {
    std::lock_guard lock(mu_);
    return injected_;
  }

 private:
  static sockaddr_in loopback(int port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  static bool send_all(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Makes the coming close() send a TCP RST instead of a FIN.
  static void reset(int fd) {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }

  // Buffered reads from one socket.
  struct Reader {
    int fd;
    std::string buf;

    bool fill() {
      char tmp[16384];
      const ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    // Everything up to and including the blank line after the headers.
    std::optional<std::string> head() {
      for (;;) {
        const auto end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {
          std::string h = buf.substr(0, end + 4);
          buf.erase(0, end + 4);
          return h;
        }
        if (buf.size() > (1u << 20) || !fill()) return std::nullopt;
      }
    }
    std::optional<std::string> exactly(std::size_t n) {
      while (buf.size() < n) {
        if (!fill()) return std::nullopt;
      }
      std::string out = buf.substr(0, n);
      buf.erase(0, n);
      return out;
    }
    std::optional<std::string> line() {
      for (;;) {
        const auto end = buf.find("\r\n");
        if (end != std::string::npos) {
          std::string l = buf.substr(0, end + 2);
          buf.erase(0, end + 2);
          return l;
        }
        if (!fill()) return std::nullopt;
      }
    }
  };

  static std::string header_value(const std::string& head, std::string name) {
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos && pos + 2 < head.size()) {
      const std::size_t start = pos + 2;
      const std::size_t end = head.find("\r\n", start);
      const std::string line = head.substr(start, end - start);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string n = line.substr(0, colon);
        for (char& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (n == name) {
          std::size_t v = colon + 1;
          while (v < line.size() && line[v] == ' ') ++v;
          return line.substr(v);
        }
      }
      pos = end;
    }
    return "";
  }

  // The body of a message whose head is given (Content-Length or chunked, raw bytes kept).
  static std::optional<std::string> body(Reader& r, const std::string& head, bool no_body) {
    if (no_body) return std::string();
    if (header_value(head, "Transfer-Encoding").find("chunked") != std::string::npos) {
      std::string raw;
      for (;;) {
        auto size_line = r.line();
        if (!size_line) return std::nullopt;
        raw += *size_line;
        const std::size_t size = std::stoul(*size_line, nullptr, 16);
        if (size == 0) {
          for (;;) {  // trailers up to the blank line
            auto t = r.line();
            if (!t) return std::nullopt;
            raw += *t;
            if (*t == "\r\n") return raw;
          }
        }
        auto chunk = r.exactly(size + 2);
        if (!chunk) return std::nullopt;
        raw += *chunk;
      }
    }
    const std::string length = header_value(head, "Content-Length");
    return r.exactly(length.empty() ? 0 : std::stoul(length));
  }

  static std::string canned(int status, const std::string& reason, const std::string& code) {
    const std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                            "</Code><Message>injected by the test proxy</Message></Error>";
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Type: application/xml\r\nRetry-After: 0\r\nContent-Length: " +
           std::to_string(xml.size()) + "\r\n\r\n" + xml;
  }

  void count(Fault f) {
    std::lock_guard lock(mu_);
    ++injected_[f];
  }

  void track(int fd, bool add) {
    std::lock_guard lock(mu_);
    if (add) {
      open_fds_.push_back(fd);
    } else {
      std::erase(open_fds_, fd);
    }
  }

  void accept_loop() {
    while (!stopping_) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      std::lock_guard lock(mu_);
      open_fds_.push_back(fd);
      workers_.emplace_back([this, fd] { serve(fd); });
    }
  }

  int connect_upstream() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    sockaddr_in a = loopback(upstream_port_);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      return -1;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    track(fd, true);
    return fd;
  }

  void serve(int client) {
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    Reader from_client{client, {}};
    int upstream = -1;
    Reader from_upstream{-1, {}};
    for (;;) {
      auto head = from_client.head();
      if (!head) break;
      auto req_body = body(from_client, *head, false);
      if (!req_body) break;
      const std::string request_line = head->substr(0, head->find("\r\n"));
      const bool is_head = request_line.rfind("HEAD ", 0) == 0;
      const std::size_t index = next_index_.fetch_add(1);
      const Fault fault = plan_ ? plan_(index, request_line) : Fault::None;
      if (fault != Fault::None) count(fault);
      if (fault == Fault::ResetBeforeForward) {
        reset(client);
        break;
      }
      if (fault == Fault::SlowDown || fault == Fault::InternalError) {
        const std::string answer = fault == Fault::SlowDown
                                       ? canned(503, "Slow Down", "SlowDown")
                                       : canned(500, "Internal Server Error", "InternalError");
        if (!send_all(client, answer)) break;
        continue;
      }
      if (fault == Fault::Delay) std::this_thread::sleep_for(delay_);
      if (upstream < 0) {
        upstream = connect_upstream();
        from_upstream = Reader{upstream, {}};
        if (upstream < 0) break;
      }
      if (!send_all(upstream, *head + *req_body)) break;
      auto res_head = from_upstream.head();
      if (!res_head) break;
      const int status = std::atoi(res_head->c_str() + 9);
      auto res_body =
          body(from_upstream, *res_head, is_head || status == 204 || status == 304 || status < 200);
      if (!res_body) break;
      if (fault == Fault::ResetAfterForward) {
        reset(client);
        break;
      }
      if (fault == Fault::TruncateResponse) {
        send_all(client, *res_head + res_body->substr(0, res_body->size() / 2));
        reset(client);
        break;
      }
      if (!send_all(client, *res_head + *res_body)) break;
    }
    if (upstream >= 0) {
      track(upstream, false);
      ::close(upstream);
    }
    track(client, false);
    ::close(client);
  }

  int upstream_port_;
  Plan plan_;
  std::chrono::milliseconds delay_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> next_index_{0};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<int> open_fds_;
  std::map<Fault, int> injected_;
};

}  // namespace ev::s3::test
