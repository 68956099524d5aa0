// Errors of the JSON-RPC client (domain "rpc") and the classification of transaction-pool
// rejections (codes 1001-1017 of Substrate's author API).
//
// A JSON-RPC error object returned by the node becomes RpcErrc::ServerError whose message ends
// with `JSON-RPC error <the error object as compact JSON>`; rpc_error_info() reads it back.
// Transport failures have their own codes and never look like server errors.
// Message format: docs/rpc.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ev/chain/rpc/json.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class RpcErrc {
  ServerError = 1,           // the node answered with a JSON-RPC error object: rpc_error_info()
  InvalidResponse,           // the reply is not well-formed JSON-RPC 2.0 (detail says where)
  ResponseTooLarge,          // a reply exceeded the configured JsonLimits::max_bytes
  BadResult,                 // a well-formed reply whose result has the wrong shape for the call
  ConnectFailed,             // refused, unreachable, TLS or WebSocket handshake failure
  Timeout,                   // no connection or no reply within the configured time
  ConnectionLost,            // connection closed before the reply: the request may have run
  HttpStatus,                // an HTTP status other than 200 without a JSON-RPC body
  SubscriptionsUnsupported,  // subscribe() over http:// or https://
  SubscriptionClosed,        // a subscription ended because its connection was lost
  InvalidUrl,                // not ws://, wss://, http:// or https://, or malformed
  InvalidArgument,           // bad params JSON, bad caller input, or a call that would deadlock
  Closed,                    // the client shut down, or gave up reconnecting
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::RpcErrc> {
  static constexpr std::string_view domain = "rpc";
  static std::string_view message(chain::RpcErrc e);
};
}  // namespace ev

namespace ev::chain {

// The parts of a JSON-RPC error object.
struct RpcErrorInfo {
  std::optional<std::int64_t> code;  // absent when the node sends none (Chopsticks over HTTP)
  std::string message;
  std::optional<JsonValue> data;  // absent when the node sends no "data" member

  bool operator==(const RpcErrorInfo&) const = default;
};

// RpcErrc::ServerError for `method`; the message is
//   "node returned an error: <method>: JSON-RPC error {"code":..,"message":..,"data":..}".
[[nodiscard]] Error make_server_error(std::string_view method, const RpcErrorInfo& info);

// The structured parts of a ServerError built by make_server_error (context prefixes added with
// Error::context are skipped). nullopt for any other error.
[[nodiscard]] std::optional<RpcErrorInfo> rpc_error_info(const Error& e);

// True for ConnectFailed, Timeout and ConnectionLost: the same call may succeed later. For a
// submission, ConnectionLost and Timeout mean "unknown": the extrinsic may be in the pool.
[[nodiscard]] bool is_transient(const Error& e);

// ---- Transaction-pool rejections -------------------------------------------------------------

// sp_runtime::transaction_validity::InvalidTransaction.
enum class InvalidTx {
  Call,
  Payment,
  Future,
  Stale,
  BadProof,
  AncientBirthBlock,
  ExhaustsResources,
  Custom,
  BadMandatory,
  MandatoryValidation,  // "MandatoryDispatch" in older runtimes
  BadSigner,
  IndeterminateImplicit,
  UnknownOrigin,
  Unrecognised,  // a reason this client does not know (the raw text is in the error)
};

// sp_runtime::transaction_validity::UnknownTransaction.
enum class UnknownTx { CannotLookup, NoUnsignedValidator, Custom, Unrecognised };

// The author API's error codes.
enum class TxPoolErrc {
  BadFormat = 1001,
  Verification = 1002,
  Invalid = 1010,
  UnknownValidity = 1011,
  TemporarilyBanned = 1012,
  AlreadyImported = 1013,
  TooLowPriority = 1014,
  CycleDetected = 1015,
  ImmediatelyDropped = 1016,
  Unactionable = 1017,
};

struct TxRejection {
  TxPoolErrc kind = TxPoolErrc::Invalid;
  std::optional<InvalidTx> invalid;    // set when kind == Invalid
  std::optional<UnknownTx> unknown;    // set when kind == UnknownValidity
  std::optional<std::uint8_t> custom;  // the custom code of InvalidTx/UnknownTx::Custom, if sent

  bool operator==(const TxRejection&) const = default;
};

// Classifies a transaction-pool rejection. Understands Substrate's forms (data as the human
// text "Transaction is outdated", as the serde name "Stale" or {"Custom":3}, "Custom error: 3")
// and Chopsticks' ({"invalid":{"stale":null}} in data or in the message, with or without a
// code). nullopt when the error is not a transaction-pool rejection.
[[nodiscard]] std::optional<TxRejection> classify_tx_rejection(const RpcErrorInfo& info);
[[nodiscard]] std::optional<TxRejection> classify_tx_rejection(const Error& e);

// Classifies a validity-error value on its own: {"invalid":..} / {"unknown":..} objects (as
// Chopsticks sends them, also inside an "invalid" transaction status). nullopt otherwise.
[[nodiscard]] std::optional<TxRejection> classify_validity_json(const JsonValue& v);

[[nodiscard]] std::string_view to_string(InvalidTx v);
[[nodiscard]] std::string_view to_string(UnknownTx v);

}  // namespace ev::chain
