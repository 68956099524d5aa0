// The S3 client's HTTP layer (s3_client_http.hpp): endpoint parsing and the connection pool.
#include "s3_client_http.hpp"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace ev::s3::detail {
namespace {

Error bad_endpoint(std::string_view url, std::string_view why) {
  return make_error(Errc::InvalidArgument,
                    "endpoint '" + std::string(url) + "': " + std::string(why));
}

bool valid_host_name(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '.' || h.back() == '.') return false;
  char prev = 0;
  for (char c : h) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.';
    if (!ok || (c == '.' && prev == '.')) return false;
    prev = c;
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Blocks SIGPIPE in this thread while alive and swallows one raised meanwhile: OpenSSL writes
// with write(2), which raises SIGPIPE on a connection the server has closed; the failed write
// must become an error, not end the process. (Plain sockets use MSG_NOSIGNAL.)
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    active_ = pthread_sigmask(SIG_BLOCK, &pipe_, &saved_) == 0;
    had_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
  }
  ~SigpipeBlock() {
    if (!active_) return;
    sigset_t pending;
    sigemptyset(&pending);
    if (!had_pending_ && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
      const timespec zero{0, 0};
      (void)sigtimedwait(&pipe_, nullptr, &zero);
    }
    (void)pthread_sigmask(SIG_SETMASK, &saved_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t saved_{};
  bool active_ = false;
  bool had_pending_ = false;
};

template <class Set>
void set_timeout(std::chrono::milliseconds t, Set set) {
  set(static_cast<time_t>(t.count() / 1000), static_cast<time_t>((t.count() % 1000) * 1000));
}

bool is_loopback_name(std::string_view host) {
  return host == "localhost" || host.ends_with(".localhost");
}

}  // namespace

std::string Endpoint::authority(std::string_view name) const {
  std::string h = name.empty() ? host : std::string(name);
  if (name.empty() && h.find(':') != std::string::npos) h = "[" + h + "]";
  const int default_port = tls ? 443 : 80;
  if (port != default_port) h += ":" + std::to_string(port);
  return h;
}

Result<Endpoint> parse_endpoint(std::string_view url) {
  Endpoint e;
  std::string_view rest;
  const std::string scheme = lower(url.substr(0, url.find("://")));
  if (url.find("://") == std::string_view::npos || (scheme != "http" && scheme != "https")) {
    return bad_endpoint(url, "expected http://host[:port] or https://host[:port]");
  }
  e.tls = scheme == "https";
  rest = url.substr(scheme.size() + 3);
  if (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#@ ") != std::string_view::npos) {
    return bad_endpoint(url, "only scheme, host and port are allowed (no path, query or user)");
  }
  std::string_view port_text;
  if (rest.starts_with('[')) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return bad_endpoint(url, "unterminated IPv6 address");
    e.host = std::string(rest.substr(1, close - 1));
    in6_addr a6{};
    if (inet_pton(AF_INET6, e.host.c_str(), &a6) != 1) {
      return bad_endpoint(url, "bad IPv6 address");
    }
    e.ip_literal = true;
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad_endpoint(url, "junk after ']'");
    if (!after.empty()) port_text = after.substr(1);
    if (!after.empty() && port_text.empty()) return bad_endpoint(url, "empty port");
  } else {
    const auto colon = rest.rfind(':');
    e.host = lower(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return bad_endpoint(url, "empty port");
    }
    if (!valid_host_name(e.host)) return bad_endpoint(url, "bad host name");
    in_addr a4{};
    e.ip_literal = inet_pton(AF_INET, e.host.c_str(), &a4) == 1;
  }
  e.port = e.tls ? 443 : 80;
  if (!port_text.empty()) {
    int p = 0;
    const char* end = port_text.data() + port_text.size();
    const auto [ptr, ec] = std::from_chars(port_text.data(), end, p);
    if (ec != std::errc{} || ptr != end || p < 1 || p > 65535 || port_text[0] == '+') {
      return bad_endpoint(url, "port must be 1..65535");
    }
    e.port = p;
  }
  return e;
}

const std::string* HttpResponse::header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return &v;
    }
  }
  return nullptr;
}

ConnectionPool::ConnectionPool(Endpoint endpoint, PoolSettings settings)
    : endpoint_(std::move(endpoint)), settings_(std::move(settings)) {
  EV_ASSERT(settings_.max_connections > 0, "connection pool without connections");
}

ConnectionPool::~ConnectionPool() = default;

std::unique_ptr<httplib::ClientImpl> ConnectionPool::open() const {
  std::unique_ptr<httplib::ClientImpl> c;
  if (endpoint_.tls) {
    auto ssl = std::make_unique<httplib::SSLClient>(settings_.connect_host, endpoint_.port);
    ssl->enable_server_certificate_verification(settings_.verify_tls);
    if (!settings_.ca_file.empty()) ssl->set_ca_cert_path(settings_.ca_file);
    c = std::move(ssl);
  } else {
    c = std::make_unique<httplib::ClientImpl>(settings_.connect_host, endpoint_.port);
  }
  if (is_loopback_name(settings_.connect_host)) {
    c->set_hostname_addr_map({{settings_.connect_host, "127.0.0.1"}});
  }
  c->set_keep_alive(true);
  c->set_tcp_nodelay(true);  // headers and body go out in two writes: no Nagle delay
  c->set_url_encode(false);  // targets arrive encoded (SigV4's canonical form)
  c->set_decompress(false);  // bytes as stored; the MD5 check needs them unchanged
  c->set_follow_location(false);
  set_timeout(settings_.connect_timeout,
              [&](time_t s, time_t us) { c->set_connection_timeout(s, us); });
  set_timeout(settings_.io_timeout, [&](time_t s, time_t us) { c->set_read_timeout(s, us); });
  set_timeout(settings_.io_timeout, [&](time_t s, time_t us) { c->set_write_timeout(s, us); });
  return c;
}

std::unique_ptr<httplib::ClientImpl> ConnectionPool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ < settings_.max_connections; });
  ++in_flight_;
  if (!idle_.empty()) {
    auto c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  lock.unlock();
  return open();
}

void ConnectionPool::release(std::unique_ptr<httplib::ClientImpl> connection) {
  {
    std::lock_guard lock(mu_);
    --in_flight_;
    if (connection && idle_.size() < settings_.max_connections) {
      idle_.push_back(std::move(connection));
    }
  }
  cv_.notify_one();
}

SendResult ConnectionPool::send(const HttpRequest& request) {
  auto conn = acquire();
  httplib::Request req;
  req.method = request.method;
  req.path = request.target;
  for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
  req.headers.emplace("User-Agent", "epochvault-s3/0.1");
  req.body.assign(request.body.data(), request.body.size());
  Bytes body;
  bool too_big = false;
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    if (body.size() + n > request.max_response_bytes) {
      too_big = true;
      return false;
    }
    const auto* bytes = reinterpret_cast<const std::uint8_t*>(data);
    body.insert(body.end(), bytes, bytes + n);
    return true;
  };
  // Once the headers are in, acknowledge at once: servers that write headers and body apart
  // without TCP_NODELAY (Ceph RGW's beast) hold a small body back until the headers are ACKed,
  // and a delayed ACK on a keep-alive connection would cost ~40 ms per small GET.
  httplib::ClientImpl* raw = conn.get();
  req.response_handler = [raw, &body, &request](const httplib::Response& head) {
    const int one = 1;
    (void)::setsockopt(raw->socket(), IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
    // Room for the announced body at once (bounded: the receiver enforces the limit).
    const auto length = head.get_header_value<std::uint64_t>("Content-Length");
    if (length > 0 && length <= request.max_response_bytes) body.reserve(length);
    return true;
  };
  httplib::Response res;
  httplib::Error err = httplib::Error::Success;
  bool ok = false;
  if (endpoint_.tls) {
    SigpipeBlock no_sigpipe;
    ok = conn->send(req, res, err);
  } else {
    ok = conn->send(req, res, err);
  }
  const std::string where = settings_.connect_host + ":" + std::to_string(endpoint_.port);
  if (!ok) {
    release(nullptr);
    using E = httplib::Error;
    switch (err) {
      case E::Connection:
      case E::ConnectionTimeout:
      case E::BindIPAddress:
        return SendFailure{make_error(Errc::Transient, "cannot connect to " + where), false};
      case E::SSLConnection:
        return SendFailure{make_error(Errc::Transient, "TLS handshake with " + where + " failed"),
                           false};
      case E::SSLServerVerification:
        return SendFailure{
            make_error(Errc::Protocol, "the TLS certificate of " + where + " failed verification"),
            false};
      case E::SSLLoadingCerts:
        return SendFailure{make_error(Errc::InvalidArgument, "cannot load the CA certificates '" +
                                                                 settings_.ca_file + "'"),
                           false};
      case E::Canceled:
        if (too_big) {
          return SendFailure{
              make_error(Errc::Protocol, "response from " + where + " exceeds " +
                                             std::to_string(request.max_response_bytes) + " bytes"),
              true};
        }
        break;
      case E::Write:
        return SendFailure{
            make_error(Errc::Transient, "sending the request to " + where +
                                            " failed (connection closed, reset or timed out)"),
            true};
      case E::Read:
        return SendFailure{
            make_error(Errc::Transient, "no complete response from " + where +
                                            " (connection closed, reset or timed out)"),
            true};
      default: break;
    }
    return SendFailure{
        make_error(Errc::Transient, "request to " + where + " failed: " + httplib::to_string(err)),
        true};
  }
  HttpResponse out;
  out.status = res.status;
  out.headers.assign(res.headers.begin(), res.headers.end());
  out.body = std::move(body);
  release(conn->is_socket_open() != 0 ? std::move(conn) : nullptr);
  return out;
}

}  // namespace ev::s3::detail
