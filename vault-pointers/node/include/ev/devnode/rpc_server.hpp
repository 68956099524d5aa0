// JSON-RPC 2.0 server of the dev node: HTTP POST and WebSocket on one port, answering like a
// Substrate node (jsonrpsee). Wire behaviour, limits and error codes: docs/devnode.md
// ("JSON-RPC server").
//
//   ev::devnode::RpcServer server({.port = 0});
//   EV_TRY(server.register_method("system_chain", [](const nlohmann::json&) -> RpcResult {
//     return "Development";
//   }));
//   std::uint16_t port = EV_TRY(server.start());
//   ...
//   server.stop();
//
// Transport: one listening socket; a request with `Upgrade: websocket` becomes a WebSocket
// connection (any path), any other request is plain HTTP: POST with a JSON body is a JSON-RPC
// call (one response per request, connection closed afterwards), OPTIONS answers a CORS
// pre-flight, every other HTTP method gets 405 with a text body.
//
// Requests: single objects and batches (arrays). Ids may be any JSON value other than an object
// or array (string, number, null) and are echoed back unchanged. A request without "id" is a
// notification: it is not executed and gets no response (as jsonrpsee). "params" may be absent
// or null (handlers then see an empty array), an array or an object.
//
// Threading: one I/O thread owns every socket; handlers run on a pool of worker threads
// (RpcServerConfig::worker_threads), so several handlers may run at once, also for one
// connection. Handlers must be thread-safe. Responses to one connection may come out of request
// order (clients match them by id); a subscription's notifications are delivered in send()
// order and never before the response that carries its id.
//
// Shutdown: stop() (also run by the destructor) closes the listener and every connection
// (WebSocket close 1001 "going away"), waits for running handlers, closes every subscription sink
// and joins all threads; afterwards the port is free again. The server's threads block the
// asynchronous signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE) so a signal reaches the thread
// that waits for it; stop() is not async-signal-safe: call it from that thread (e.g. after
// sigwait() or after a handler has set a flag), never from inside a signal handler, a method
// handler or a sink call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ev/common/result.hpp"

namespace ev::devnode {

// ---- JSON-RPC error objects ------------------------------------------------------------------

// Error codes the server itself produces. The -32700..-32603 codes are JSON-RPC 2.0's; the
// -32006..-32011 codes and their messages are jsonrpsee's (the server library of Substrate).
namespace rpc_code {
inline constexpr int kParseError = -32700;            // "Parse error"
inline constexpr int kInvalidRequest = -32600;        // "Invalid request"
inline constexpr int kMethodNotFound = -32601;        // "Method not found"
inline constexpr int kInvalidParams = -32602;         // "Invalid params"
inline constexpr int kInternalError = -32603;         // "Internal error"
inline constexpr int kTooManySubscriptions = -32006;  // "Too many subscriptions on the connection"
inline constexpr int kOversizedRequest = -32007;      // "Request is too big"
inline constexpr int kOversizedResponse = -32008;     // "Response is too big"
inline constexpr int kServerBusy = -32009;            // "Server is busy, try again later"
inline constexpr int kTooBigBatch = -32010;           // "The batch request was too large"
inline constexpr int kTooBigBatchResponse = -32011;   // "The batch response was too large"
}  // namespace rpc_code

// A JSON-RPC error object: {"code":..,"message":..,"data":..} ("data" only when set).
// Application errors use their own codes, e.g. {1010, "Invalid Transaction", "Transaction is
// outdated"} for a stale extrinsic.
struct RpcError {
  int code = rpc_code::kInternalError;
  std::string message;
  std::optional<nlohmann::json> data;

  // The standard errors with jsonrpsee's messages; `detail` (when not empty) becomes "data".
  [[nodiscard]] static RpcError parse_error(std::string detail = {});
  [[nodiscard]] static RpcError invalid_request(std::string detail = {});
  [[nodiscard]] static RpcError method_not_found(std::string detail = {});
  [[nodiscard]] static RpcError invalid_params(std::string detail = {});
  [[nodiscard]] static RpcError internal(std::string detail = {});
  // An ev::Error as an internal error whose data is e.to_string().
  [[nodiscard]] static RpcError from(const Error& e);

  [[nodiscard]] nlohmann::json to_json() const;
  bool operator==(const RpcError&) const = default;
};

// What a handler returns: a result value (any JSON, null included) or an error object.
class RpcResult {
 public:
  RpcResult(nlohmann::json value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  RpcResult(RpcError error) : v_(std::move(error)) {}        // NOLINT(google-explicit-constructor)
  // Anything nlohmann::json is constructible from: return true; return "text"; return nullptr;
  template <class T>
  requires(std::is_constructible_v<nlohmann::json, T&&> &&
           !std::is_same_v<std::remove_cvref_t<T>, nlohmann::json> &&
           !std::is_same_v<std::remove_cvref_t<T>, RpcError> &&
           !std::is_same_v<std::remove_cvref_t<T>, RpcResult>)
      // The constraints exclude RpcResult itself, so copy and move are not hidden.
      // NOLINTNEXTLINE(google-explicit-constructor,bugprone-forwarding-reference-overload)
      RpcResult(T&& value)
      : v_(std::in_place_index<0>, std::forward<T>(value)) {}

  [[nodiscard]] bool ok() const { return v_.index() == 0; }
  // REQUIRES: ok().
  [[nodiscard]] const nlohmann::json& value() const;
  // REQUIRES: !ok().
  [[nodiscard]] const RpcError& error() const;

 private:
  std::variant<nlohmann::json, RpcError> v_;
};

// ---- Request parsing (pure functions; thread-safe) -------------------------------------------

struct RpcRequestLimits {
  std::size_t max_bytes = std::size_t{15} << 20;  // whole request text
  std::size_t max_depth = 64;                     // JSON nesting; 1 = "[]"
  std::size_t max_values = std::size_t{1} << 20;  // scalars + containers + object keys
  std::size_t max_batch_len = 1024;               // entries of one batch
};

// One well-formed call. (nlohmann::json members make the implicit special members
// potentially throwing, on allocation failure only.)
// NOLINTNEXTLINE(bugprone-exception-escape)
struct RpcCall {
  nlohmann::json id;          // echoed back (null when the request's "id" is null)
  bool notification = false;  // no "id" member: executed by nobody, answered by nobody
  std::string method;
  nlohmann::json params;  // an array or an object; [] when absent or null
};

// An entry that is not a valid call: answered with `error`, echoing `id` when the entry carried
// a usable one (null otherwise).
struct RpcInvalidCall {
  nlohmann::json id;
  RpcError error;
};

using RpcEntry = std::variant<RpcCall, RpcInvalidCall>;

struct RpcRequest {
  bool batch = false;             // the text was an array: the reply is an array too
  std::vector<RpcEntry> entries;  // exactly one when !batch; at least one when batch
};

// Parses one request text. A whole-text failure is the error to answer with id null:
// kOversizedRequest (text over max_bytes), kParseError (not JSON within the limits; data says
// at which byte and why), kInvalidRequest (not an object or array, or an empty batch),
// kTooBigBatch (more than max_batch_len entries). Per-entry problems (missing or non-string
// "method", "jsonrpc" other than "2.0", an object or array id, unknown members, params that are
// neither array, object nor null) become RpcInvalidCall entries (kInvalidRequest, or
// kInvalidParams for params). Never throws; memory stays proportional to the accepted text.
[[nodiscard]] std::variant<RpcRequest, RpcError> parse_rpc_request(std::string_view text,
                                                                   const RpcRequestLimits& limits);

// Compact response texts: {"jsonrpc":"2.0","result":..,"id":..} and
// {"jsonrpc":"2.0","error":{..},"id":..}.
[[nodiscard]] std::string rpc_result_text(const nlohmann::json& id, const nlohmann::json& result);
[[nodiscard]] std::string rpc_error_text(const nlohmann::json& id, const RpcError& error);

// ---- Subscriptions ---------------------------------------------------------------------------

namespace detail {
struct SubscriptionState;
}

// The server side of one subscription. A cheap, copyable handle; every method is thread-safe
// and may be called from any thread, also after the server has stopped (it then does nothing).
// A default-constructed sink is closed.
class SubscriptionSink {
 public:
  SubscriptionSink() = default;
  explicit SubscriptionSink(std::shared_ptr<detail::SubscriptionState> state);

  // The subscription id sent to the client (16 alphanumeric characters, like Substrate's).
  [[nodiscard]] const std::string& id() const;

  // Queues {"jsonrpc":"2.0","method":<notification method>,"params":{"subscription":<id>,
  // "result":<result>}} for the client. Sends made while the subscribe handler is still running
  // are held and delivered right after the response carrying the id. Returns false (and sends
  // nothing) when the subscription is closed or the notification exceeds the response size
  // limit; a connection whose unsent data exceeds RpcServerConfig::max_send_buffer_bytes is
  // closed (its subscriptions with it).
  bool send(const nlohmann::json& result) const;

  // True once the client unsubscribed, its connection closed, the server stopped, or close()
  // was called. A closed sink never opens again; owners may drop it.
  [[nodiscard]] bool is_closed() const;

  // Ends the subscription from the server side (e.g. after a final transaction status): nothing
  // more is sent and the client's later unsubscribe answers false. No message is sent for it.
  void close() const;

 private:
  std::shared_ptr<detail::SubscriptionState> state_;
};

// ---- The server ------------------------------------------------------------------------------

enum class RpcServerErrc {
  InvalidArgument = 1,  // bad configuration or registration (empty or duplicate name, ...)
  AlreadyRunning,       // start() twice, or register_* while running (see below)
  Bind,                 // cannot resolve, bind or listen on host:port
  Io,                   // the I/O service could not be initialised
};

struct RpcServerConfig {
  std::string host = "127.0.0.1";  // an IP address to bind; "0.0.0.0" or "::" for every interface
  std::uint16_t port = 9944;       // 0: any free port (start() returns the one bound)
  RpcRequestLimits request;        // max_bytes also bounds HTTP bodies and WebSocket messages
  std::size_t max_response_bytes = std::size_t{15} << 20;  // one response, batch or notification
  std::size_t max_connections = 100;                       // WebSocket + in-flight HTTP
  std::size_t max_subscriptions_per_connection = 1024;
  std::size_t max_send_buffer_bytes = std::size_t{64} << 20;  // unsent data per connection
  std::size_t worker_threads = 2;                             // handler threads, >= 1
  std::size_t max_queued_requests = 4096;  // waiting for a worker; beyond: kServerBusy
  std::size_t max_queued_bytes = std::size_t{256} << 20;  // their total text; beyond: kServerBusy
  bool cors_any_origin = true;  // HTTP answers carry Access-Control-Allow-Origin: *
};

// handler(params) -> result. params is an array or an object (see RpcCall::params).
using MethodHandler = std::function<RpcResult(const nlohmann::json& params)>;
// handler(params, sink) -> result. On success the result is ignored and the client receives the
// sink's id; on error no subscription exists (the sink is closed). Keep the sink to notify.
using SubscriptionHandler =
    std::function<RpcResult(const nlohmann::json& params, SubscriptionSink sink)>;

class RpcServer {
 public:
  explicit RpcServer(RpcServerConfig config = {});
  ~RpcServer();  // stop()
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // Registers a plain method. Errors: InvalidArgument for an empty or already registered name
  // (subscription method names included), AlreadyRunning once start() succeeded.
  [[nodiscard]] Result<void> register_method(std::string name, MethodHandler handler);

  // Registers a subscription: `subscribe` calls handler(params, sink) and answers the sink's id;
  // `unsubscribe` takes [id] and answers true when that subscription of this connection was
  // open (and closes it), false otherwise; notifications use `notification` as their "method".
  // Over HTTP both methods answer kInternalError "Internal error" (as Substrate does). Beyond
  // max_subscriptions_per_connection open subscriptions, subscribe answers
  // kTooManySubscriptions. Errors as register_method (for either name).
  [[nodiscard]] Result<void> register_subscription(std::string subscribe, std::string unsubscribe,
                                                   std::string notification,
                                                   SubscriptionHandler handler);

  // Every registered method name (plain, subscribe and unsubscribe), sorted: what rpc_methods
  // lists.
  [[nodiscard]] std::vector<std::string> method_names() const;

  // Binds host:port, starts the I/O thread and the workers, returns the bound port. Errors:
  // Bind (message names the address and the reason), Io, AlreadyRunning, InvalidArgument
  // (worker_threads == 0 or a host that is not an IP address).
  [[nodiscard]] Result<std::uint16_t> start();

  // The bound port while running, 0 otherwise.
  [[nodiscard]] std::uint16_t port() const;
  [[nodiscard]] bool running() const;

  // Idempotent; see "Shutdown" above. REQUIRES: not called from a handler or a signal handler.
  void stop();

  // Answers one request text as an HTTP POST would (no subscriptions), on the calling thread,
  // whether or not the server is running. nullopt when nothing is to be sent (notifications
  // only). For tests and fuzzing of the full dispatch.
  [[nodiscard]] std::optional<std::string> handle_text(std::string_view request_text);

  struct Core;  // implementation (rpc_server.cpp)

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace ev::devnode

namespace ev {
template <>
struct ErrorTraits<devnode::RpcServerErrc> {
  static constexpr std::string_view domain = "rpc-server";
  static std::string_view message(devnode::RpcServerErrc e);
};
}  // namespace ev
