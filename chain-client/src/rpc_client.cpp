// Endpoint URLs, the transport factory, backoff schedule and subscription handles.
#include <algorithm>
#include <cctype>
#include <utility>

#include "ev/chain/rpc/client.hpp"
#include "rpc_transports.hpp"

namespace ev::chain {
namespace {

Error bad_url(std::string_view url, std::string_view why) {
  return make_error(RpcErrc::InvalidUrl, "\"" + std::string(url) + "\": " + std::string(why));
}

Result<std::uint16_t> parse_port(std::string_view url, std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return bad_url(url, "bad port");
  unsigned v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return bad_url(url, "bad port");
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v == 0 || v > 65535) return bad_url(url, "port out of range");
  return static_cast<std::uint16_t>(v);
}

bool valid_host_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_';
}

}  // namespace

Result<RpcUrl> parse_rpc_url(std::string_view url) {
  RpcUrl out;
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return bad_url(url, "expected scheme://host");
  out.scheme = std::string(url.substr(0, sep));
  std::transform(out.scheme.begin(), out.scheme.end(), out.scheme.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  if (out.scheme != "http" && out.scheme != "https" && out.scheme != "ws" && out.scheme != "wss") {
    return bad_url(url, "scheme must be http, https, ws or wss");
  }
  std::string_view rest = url.substr(sep + 3);
  const auto path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos) {
    std::string_view target = rest.substr(path_at);
    if (target.find('#') != std::string_view::npos) return bad_url(url, "fragments not allowed");
    out.target = target.front() == '?' ? "/" + std::string(target) : std::string(target);
  } else {
    out.target = "/";
  }
  if (authority.find('@') != std::string_view::npos) {
    return bad_url(url, "credentials in the URL are not supported");
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad_url(url, "unterminated [IPv6] host");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad_url(url, "junk after ]");
      port_text = after.substr(1);
      if (port_text.empty()) return bad_url(url, "bad port");
    }
    for (char c : out.host) {
      if (std::isxdigit(static_cast<unsigned char>(c)) == 0 && c != ':' && c != '.') {
        return bad_url(url, "bad IPv6 address");
      }
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return bad_url(url, "bad port");
    }
    for (char c : out.host) {
      if (!valid_host_char(c)) return bad_url(url, "bad host name");
    }
  }
  if (out.host.empty()) return bad_url(url, "missing host");
  if (!port_text.empty()) {
    out.port = EV_TRY(parse_port(url, port_text));
  } else {
    out.port = out.tls() ? 443 : 80;
  }
  return out;
}

std::chrono::milliseconds backoff_delay(const ReconnectPolicy& p, std::uint32_t attempt) {
  const auto cap = std::max(p.max_delay, std::chrono::milliseconds(0));
  auto d = std::max(p.initial_delay, std::chrono::milliseconds(0));
  for (std::uint32_t i = 0; i < attempt && d < cap; ++i) d = d > cap / 2 ? cap : d * 2;
  return std::min(d, cap);
}

Result<std::unique_ptr<RpcClient>> connect(std::string_view url, const RpcOptions& options) {
  RpcUrl parsed = EV_TRY(parse_rpc_url(url));
  if (options.connect_timeout.count() <= 0 || options.request_timeout.count() <= 0) {
    return make_error(RpcErrc::InvalidArgument, "timeouts must be positive");
  }
  if (parsed.websocket()) return detail::make_ws_client(parsed, url, options);
  return detail::make_http_client(parsed, options);
}

// ---- Subscription ------------------------------------------------------------------------------

Subscription::Subscription(std::weak_ptr<detail::SubscriptionHost> host, std::uint64_t key,
                           std::string id)
    : host_(std::move(host)), key_(key), id_(std::move(id)) {}

Subscription::Subscription(Subscription&& o) noexcept
    : host_(std::move(o.host_)), key_(std::exchange(o.key_, 0)), id_(std::move(o.id_)) {}

Subscription& Subscription::operator=(Subscription&& o) noexcept {
  if (this != &o) {
    reset();
    host_ = std::move(o.host_);
    key_ = std::exchange(o.key_, 0);
    id_ = std::move(o.id_);
  }
  return *this;
}

Subscription::~Subscription() { reset(); }

Result<void> Subscription::unsubscribe() {
  const std::uint64_t key = std::exchange(key_, 0);
  auto host = std::exchange(host_, {}).lock();
  if (key == 0 || !host) return ok();
  return host->end_subscription(key, /*wait=*/true);
}

void Subscription::reset() {
  const std::uint64_t key = std::exchange(key_, 0);
  auto host = std::exchange(host_, {}).lock();
  if (key == 0 || !host) return;
  (void)host->end_subscription(key, /*wait=*/false);
}

}  // namespace ev::chain
