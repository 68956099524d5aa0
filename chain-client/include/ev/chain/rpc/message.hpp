// JSON-RPC 2.0 messages as this client sends and receives them. Pure functions, thread-safe.
//
// Accepted replies (everything else is RpcErrc::InvalidResponse, with the field and reason):
//   response:     {"jsonrpc":"2.0", "id":<u64 or null>, "result":<any>}      exactly one of
//                 {"jsonrpc":"2.0", "id":<u64 or null>, "error":{...}}       result / error
//   error object: {"code":<int>?, "message":<string>, "data":<any>?}  (code optional: Chopsticks
//                 over HTTP sends none); no other members.
//   notification: {"jsonrpc":"2.0", "method":<string>,
//                  "params":{"subscription":<string or u64>, "result":<any>}}
// A response without "result" and without "error" is read as result null (Chopsticks over HTTP
// drops "result" when a handler returns nothing). Unknown top-level members are rejected; batch
// replies (arrays) are rejected. Limits: JsonLimits (json.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "ev/chain/rpc/errors.hpp"
#include "ev/chain/rpc/json.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

struct RpcResponse {
  std::optional<std::uint64_t> id;                // nullopt: "id":null (a request-level error)
  std::variant<JsonValue, RpcErrorInfo> outcome;  // result, or the error object
};

struct RpcNotification {
  std::string method;
  std::string subscription;  // a numeric id is kept as its decimal text
  JsonValue result;
};

using RpcMessage = std::variant<RpcResponse, RpcNotification>;

// Parses one reply text (parse_json + interpret_rpc_message).
[[nodiscard]] Result<RpcMessage> parse_rpc_message(std::string_view text, const JsonLimits& limits);

// Interprets an already parsed JSON value; consumes it.
[[nodiscard]] Result<RpcMessage> interpret_rpc_message(JsonValue&& v);

// The id of a reply that interpret_rpc_message rejected, when it still carries a usable one
// (so a transport can fail exactly that call).
[[nodiscard]] std::optional<std::uint64_t> peek_response_id(const JsonValue& v);

// A subscription id as text: a string as is, an unsigned integer in decimal. nullopt otherwise.
[[nodiscard]] std::optional<std::string> subscription_id_text(const JsonValue& v);

// {"jsonrpc":"2.0","id":<id>,"method":<method>,"params":<params_json>}.
// REQUIRES: params_json is valid JSON text (validate_params checks it).
[[nodiscard]] std::string build_request(std::uint64_t id, std::string_view method,
                                        std::string_view params_json);

// Checks caller-supplied params: a JSON array or object within `limits`. RpcErrc::InvalidArgument
// otherwise; an empty text is accepted as "[]" by the clients, not by this function.
[[nodiscard]] Result<void> validate_params(std::string_view params_json, const JsonLimits& limits);

}  // namespace ev::chain
