// JSON-RPC client over HTTP (cpp-httplib) and WebSocket (websocketpp + standalone asio).
//
//   auto client = EV_TRY(ev::chain::connect("ws://127.0.0.1:9944"));
//   JsonValue chain = EV_TRY(client->call("system_chain", "[]"));
//
// Transports, chosen by the URL scheme:
//   http://, https://  one keep-alive connection (requests serialised), no subscriptions.
//   ws://, wss://      one connection and one background I/O thread; concurrent calls from any
//                      number of threads are matched to replies by id; subscriptions.
// Thread safety: every RpcClient method may be called from any thread at the same time, except
// the destructor, which must not race other calls.
//
// WebSocket reconnection: when the connection drops, every pending call fails at once with
// RpcErrc::ConnectionLost (never re-sent: the node may have executed it), every subscription
// receives one RpcErrc::SubscriptionClosed error and is not re-established (the owner decides
// whether to subscribe again: re-sending author_submitAndWatchExtrinsic would resubmit), and the
// client reconnects in the background with bounded exponential backoff. Calls made while it
// reconnects wait (within request_timeout) for the new connection. After
// ReconnectPolicy::max_attempts failed attempts the client stays closed: every call fails with
// RpcErrc::Closed. The first connection is made by connect() with a single attempt.
//
// Callbacks (NotificationCallback) run on the I/O thread, one at a time, in arrival order. They
// must return quickly and must not call call()/subscribe() on the same client (that would wait
// for the thread it blocks; such calls fail with RpcErrc::InvalidArgument).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ev/chain/rpc/errors.hpp"
#include "ev/chain/rpc/json.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

// Reconnection schedule of the WebSocket transport.
struct ReconnectPolicy {
  std::uint32_t max_attempts = 8;  // 0: never reconnect
  std::chrono::milliseconds initial_delay{100};
  std::chrono::milliseconds max_delay{5000};
};

// Delay before reconnect attempt `attempt` (0-based): min(max_delay, initial_delay * 2^attempt).
[[nodiscard]] std::chrono::milliseconds backoff_delay(const ReconnectPolicy& p,
                                                      std::uint32_t attempt);

struct RpcOptions {
  std::chrono::milliseconds connect_timeout{5000};   // TCP + TLS + WebSocket handshake
  std::chrono::milliseconds request_timeout{30000};  // per call, from send to reply
  JsonLimits limits;                                 // every reply (and caller params)
  ReconnectPolicy reconnect;                         // WebSocket only
  bool verify_tls = true;  // https/wss: verify the certificate chain and host name
  std::string ca_file;     // https/wss: PEM trust anchors; empty = the system's default paths
};

// A parsed endpoint URL: scheme://host[:port][/path]. Default ports 80/443.
struct RpcUrl {
  std::string scheme;  // "http", "https", "ws" or "wss"
  std::string host;    // IPv6 without brackets
  std::uint16_t port = 0;
  std::string target;  // path and query, "/" when absent

  [[nodiscard]] bool tls() const { return scheme == "https" || scheme == "wss"; }
  [[nodiscard]] bool websocket() const { return scheme == "ws" || scheme == "wss"; }
};
[[nodiscard]] Result<RpcUrl> parse_rpc_url(std::string_view url);

// Receives each notification's "result", in order; then, at most once, an error if the
// subscription ends without being cancelled (RpcErrc::SubscriptionClosed). Runs on the I/O thread.
using NotificationCallback = std::function<void(Result<JsonValue>)>;

namespace detail {
// Implemented by transports that support subscriptions.
class SubscriptionHost {
 public:
  virtual ~SubscriptionHost() = default;
  // Stops delivery for `key` and sends the unsubscribe method; when `wait`, waits for its reply.
  virtual Result<void> end_subscription(std::uint64_t key, bool wait) = 0;
};
}  // namespace detail

// A live subscription. Move-only. Destroying it (or reset()) stops delivery and sends the
// unsubscribe method without waiting; once the destructor returns no callback for it runs, unless
// it is destroyed from inside its own callback. Safe to outlive its client (then it does nothing).
class Subscription {
 public:
  Subscription() = default;
  Subscription(std::weak_ptr<detail::SubscriptionHost> host, std::uint64_t key, std::string id);
  Subscription(Subscription&& o) noexcept;
  Subscription& operator=(Subscription&& o) noexcept;
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription();

  // The node's subscription id ("" for an empty handle).
  [[nodiscard]] const std::string& id() const { return id_; }
  [[nodiscard]] bool empty() const { return key_ == 0; }

  // Stops delivery, sends the unsubscribe method and waits for its reply. The handle is empty
  // afterwards, whatever the outcome.
  [[nodiscard]] Result<void> unsubscribe();
  // Stops delivery and sends the unsubscribe method without waiting.
  void reset();

 private:
  std::weak_ptr<detail::SubscriptionHost> host_;
  std::uint64_t key_ = 0;
  std::string id_;
};

struct RpcStats {
  std::uint64_t reconnects = 0;        // successful WebSocket reconnections
  std::uint64_t dropped_messages = 0;  // malformed or unmatched messages from the node
};

class RpcClient {
 public:
  virtual ~RpcClient() = default;

  // Calls `method` with `params_json` (a JSON array or object text; "" means "[]") and returns the
  // result. Errors: ServerError for a JSON-RPC error (rpc_error_info() gives its parts), and the
  // transport codes of RpcErrc.
  [[nodiscard]] virtual Result<JsonValue> call(std::string_view method,
                                               std::string_view params_json) = 0;

  // Calls a subscription method; its result is the subscription id, and notifications carrying
  // that id go to `on_notification` (including those that arrive before the reply).
  // `unsubscribe_method` is called with [id] when the handle is reset or destroyed.
  // Over HTTP: RpcErrc::SubscriptionsUnsupported.
  [[nodiscard]] virtual Result<Subscription> subscribe(std::string_view method,
                                                       std::string_view params_json,
                                                       std::string_view unsubscribe_method,
                                                       NotificationCallback on_notification) = 0;

  [[nodiscard]] virtual bool supports_subscriptions() const = 0;
  [[nodiscard]] virtual const RpcUrl& endpoint() const = 0;
  [[nodiscard]] virtual RpcStats stats() const = 0;
};

// Opens a client for `url` (scheme picks the transport). WebSocket: connects now, one attempt
// within connect_timeout (ConnectFailed / Timeout). HTTP: connects lazily on the first call.
[[nodiscard]] Result<std::unique_ptr<RpcClient>> connect(std::string_view url,
                                                         const RpcOptions& options = {});

}  // namespace ev::chain
