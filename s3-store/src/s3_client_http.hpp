// The S3 client's HTTP layer: endpoint parsing and a small pool of keep-alive connections to
// one host (cpp-httplib). Internal to s3-store.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/s3/errors.hpp"

namespace httplib {
class ClientImpl;
}

namespace ev::s3::detail {

struct Endpoint {
  bool tls = false;
  std::string host;  // lower-case name, IPv4 text or IPv6 text (without brackets)
  int port = 0;
  bool ip_literal = false;

  // "host[:port]" as sent in Host (the port only when it is not the scheme's default), with
  // brackets around an IPv6 address; name replaces host when given.
  [[nodiscard]] std::string authority(std::string_view name = {}) const;
};

// "http://host[:port][/]" or "https://...". InvalidArgument for anything else (userinfo, a
// path, a query, a bad port, an empty or malformed host).
[[nodiscard]] Result<Endpoint> parse_endpoint(std::string_view url);

struct HttpRequest {
  std::string method;
  std::string target;                                        // encoded path and query
  std::vector<std::pair<std::string, std::string>> headers;  // Host included
  std::string_view body;                                     // not owned
  std::uint64_t max_response_bytes = 0;                      // a longer body fails with Protocol
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  Bytes body;  // bytes, so an object's data needs no further copy

  [[nodiscard]] std::string_view text() const {
    return {reinterpret_cast<const char*>(body.data()), body.size()};
  }

  // The first value of a header (case-insensitive name), or nullptr.
  [[nodiscard]] const std::string* header(std::string_view name) const;
};

// No response: the error (Transient, Protocol or InvalidArgument) and whether the request
// may have reached the server (false only when no connection could be made).
struct SendFailure {
  Error error;
  bool may_have_arrived = true;
};

using SendResult = std::variant<HttpResponse, SendFailure>;

struct PoolSettings {
  std::string connect_host;  // DNS name or address to connect to (SNI and verification too)
  std::size_t max_connections = 8;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{30000};
  bool verify_tls = true;
  std::string ca_file;
};

// Keep-alive connections to one endpoint. send() borrows an idle connection (or opens one),
// waits while max_connections requests are in flight, and returns the connection to the pool
// when it is still open after a complete exchange. Thread-safe.
class ConnectionPool {
 public:
  ConnectionPool(Endpoint endpoint, PoolSettings settings);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  [[nodiscard]] SendResult send(const HttpRequest& request);

 private:
  std::unique_ptr<httplib::ClientImpl> acquire();
  void release(std::unique_ptr<httplib::ClientImpl> connection);
  std::unique_ptr<httplib::ClientImpl> open() const;

  Endpoint endpoint_;
  PoolSettings settings_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<httplib::ClientImpl>> idle_;
  std::size_t in_flight_ = 0;
};

}  // namespace ev::s3::detail
