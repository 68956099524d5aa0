// HTTP transport: JSON-RPC over POST with cpp-httplib (one keep-alive connection).
#include <httplib.h>
#include <atomic>
#include <chrono>
#include <mutex>
#include <utility>

#include "ev/chain/rpc/message.hpp"
#include "ev/common/signals.hpp"
#include "rpc_transports.hpp"

namespace ev::chain::detail {
namespace {

using Clock = std::chrono::steady_clock;

void set_timeout(std::chrono::milliseconds t, const std::function<void(time_t, time_t)>& set) {
  set(static_cast<time_t>(t.count() / 1000), static_cast<time_t>((t.count() % 1000) * 1000));
}

std::string origin(const RpcUrl& u) {
  const bool v6 = u.host.find(':') != std::string::npos;
  return u.scheme + "://" + (v6 ? "[" + u.host + "]" : u.host) + ":" + std::to_string(u.port);
}

std::string snippet(std::string_view body) {
  constexpr std::size_t kMax = 200;
  std::string s(body.substr(0, kMax));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '.';
  }
  return body.size() > kMax ? s + "..." : s;
}

class HttpClient final : public RpcClient {
 public:
  HttpClient(RpcUrl url, RpcOptions options)
      : url_(std::move(url)), options_(std::move(options)), client_(origin(url_)) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // small requests: do not wait for delayed ACKs
    set_timeout(options_.connect_timeout,
                [this](time_t s, time_t us) { client_.set_connection_timeout(s, us); });
    set_timeout(options_.request_timeout,
                [this](time_t s, time_t us) { client_.set_read_timeout(s, us); });
    set_timeout(options_.request_timeout,
                [this](time_t s, time_t us) { client_.set_write_timeout(s, us); });
    if (url_.tls()) {
      client_.enable_server_certificate_verification(options_.verify_tls);
      if (!options_.ca_file.empty()) client_.set_ca_cert_path(options_.ca_file);
    }
  }

  Result<JsonValue> call(std::string_view method, std::string_view params_json) override {
    if (params_json.empty()) params_json = "[]";
    EV_TRY(validate_params(params_json, options_.limits));
    std::lock_guard lock(mu_);
    const std::uint64_t id = next_id_++;
    std::string body = EV_TRY(post(method, build_request(id, method, params_json)));
    return interpret(method, id, body);
  }

  Result<Subscription> subscribe(std::string_view method, std::string_view /*params_json*/,
                                 std::string_view /*unsubscribe_method*/,
                                 NotificationCallback /*on_notification*/) override {
    return make_error(RpcErrc::SubscriptionsUnsupported,
                      std::string(method) + ": this client uses " + origin(url_) +
                          "; connect with ws:// or wss://, or poll (rpc::poll_finalized_heads)");
  }

  bool supports_subscriptions() const override { return false; }
  const RpcUrl& endpoint() const override { return url_; }
  RpcStats stats() const override { return RpcStats{0, dropped_.load()}; }

 private:
  // Sends one request; the body of a complete reply, or a transport error.
  Result<std::string> post(std::string_view method, std::string request_text) {
    httplib::Request req;
    req.method = "POST";
    req.path = url_.target;
    req.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
    req.body = std::move(request_text);
    std::string body;
    bool too_large = false;
    const std::size_t limit = options_.limits.max_bytes;
    req.content_receiver = [&](const char* data, std::size_t len, std::uint64_t, std::uint64_t) {
      if (len > limit - body.size()) {
        too_large = true;
        return false;
      }
      body.append(data, len);
      return true;
    };
    httplib::Response res;
    httplib::Error err = httplib::Error::Success;
    const auto started = Clock::now();
    bool sent = false;
    try {
      SigpipeGuard no_sigpipe;
      sent = client_.send(req, res, err);
    } catch (const std::exception& e) {
      return make_error(RpcErrc::ConnectionLost, std::string(method) + ": " + e.what());
    }
    if (too_large) {
      return make_error(RpcErrc::ResponseTooLarge,
                        std::string(method) + ": more than " + std::to_string(limit) + " bytes");
    }
    if (!sent || err != httplib::Error::Success) {
      return transport_error(method, err, Clock::now() - started);
    }
    if (res.status != 200) return status_error(method, res.status, body);
    return body;
  }

  Error transport_error(std::string_view method, httplib::Error err, Clock::duration elapsed) {
    const std::string where = std::string(method) + " to " + origin(url_) + ": ";
    const std::string what = httplib::to_string(err);
    switch (err) {
      case httplib::Error::Connection:
      case httplib::Error::BindIPAddress:
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLLoadingCerts:
      case httplib::Error::SSLServerVerification:
        return make_error(RpcErrc::ConnectFailed, where + what);
      case httplib::Error::ConnectionTimeout:
        return make_error(RpcErrc::Timeout, where + "no connection within " +
                                                std::to_string(options_.connect_timeout.count()) +
                                                " ms");
      case httplib::Error::Read:
        // cpp-httplib reports a read timeout and a closed socket alike; the clock tells them
        // apart (a close arrives before the read timeout has run out).
        if (elapsed >= options_.request_timeout * 9 / 10) {
          return make_error(RpcErrc::Timeout, where + "no reply within " +
                                                  std::to_string(options_.request_timeout.count()) +
                                                  " ms");
        }
        return make_error(RpcErrc::ConnectionLost, where + "connection closed before the reply");
      default: return make_error(RpcErrc::ConnectionLost, where + what);
    }
  }

  // A non-200 reply: a JSON-RPC error object if the body carries one, else HttpStatus.
  Error status_error(std::string_view method, int status, const std::string& body) {
    auto msg = parse_rpc_message(body, options_.limits);
    if (msg.ok()) {
      if (auto* r = std::get_if<RpcResponse>(&*msg)) {
        if (auto* info = std::get_if<RpcErrorInfo>(&r->outcome)) {
          return make_server_error(method, *info);
        }
      }
    }
    return make_error(RpcErrc::HttpStatus, std::string(method) + ": HTTP " +
                                               std::to_string(status) + ": " + snippet(body));
  }

  Result<JsonValue> interpret(std::string_view method, std::uint64_t id, const std::string& body) {
    auto msg = parse_rpc_message(body, options_.limits);
    if (!msg.ok()) {
      dropped_.fetch_add(1);
      return std::move(msg).error().context(method);
    }
    auto* r = std::get_if<RpcResponse>(&*msg);
    if (r == nullptr) {
      dropped_.fetch_add(1);
      return make_error(RpcErrc::InvalidResponse, std::string(method) + ": a notification");
    }
    if (auto* info = std::get_if<RpcErrorInfo>(&r->outcome)) {
      if (r->id && *r->id != id) return mismatched(method, id, *r->id);
      return make_server_error(method, *info);
    }
    if (!r->id || *r->id != id) return mismatched(method, id, r->id.value_or(0));
    return std::move(std::get<JsonValue>(r->outcome));
  }

  Error mismatched(std::string_view method, std::uint64_t want, std::uint64_t got) {
    dropped_.fetch_add(1);
    return make_error(RpcErrc::InvalidResponse, std::string(method) + ": reply id " +
                                                    std::to_string(got) + ", expected " +
                                                    std::to_string(want));
  }

  const RpcUrl url_;
  const RpcOptions options_;
  std::mutex mu_;  // one request at a time on the keep-alive connection
  httplib::Client client_;
  std::uint64_t next_id_ = 1;
  std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace

Result<std::unique_ptr<RpcClient>> make_http_client(const RpcUrl& url, const RpcOptions& options) {
  try {
    return std::unique_ptr<RpcClient>(std::make_unique<HttpClient>(url, options));
  } catch (const std::exception& e) {
    return make_error(RpcErrc::ConnectFailed,
                      std::string("cannot create HTTP client: ") + e.what());
  }
}

}  // namespace ev::chain::detail
