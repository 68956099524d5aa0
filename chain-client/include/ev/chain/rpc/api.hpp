// Typed wrappers for the Substrate JSON-RPC methods the project uses. Each builds the params,
// calls the client and decodes the result; a result of the wrong shape is RpcErrc::BadResult
// naming the method and field. `at` = nullopt means the node's best block.
//
// Numbers in results may be JSON integers or hex strings of any zero padding ("0x0000002a", as
// Chopsticks sends block numbers). Hashes are 0x + 64 hex digits; byte strings are 0x-hex.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/rpc/client.hpp"
#include "ev/chain/rpc/errors.hpp"
#include "ev/chain/rpc/json.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

struct Header {
  H256 parent_hash{};
  std::uint64_t number = 0;
  H256 state_root{};
  H256 extrinsics_root{};
  std::vector<Bytes> digest_logs;  // each log SCALE-encoded, as the node sends it

  bool operator==(const Header&) const = default;
};

// A block as chain_getBlock returns it (justifications are not decoded).
struct Block {
  Header header;
  std::vector<Bytes> extrinsics;  // each one SCALE-encoded (with its length prefix)
};

struct RuntimeApiVersion {
  H64 id{};  // blake2_64 of the API name
  std::uint32_t version = 0;
  bool operator==(const RuntimeApiVersion&) const = default;
};

struct RuntimeVersion {
  std::string spec_name;
  std::string impl_name;
  std::uint32_t authoring_version = 0;
  std::uint32_t spec_version = 0;
  std::uint32_t impl_version = 0;
  std::uint32_t transaction_version = 0;
  std::optional<std::uint8_t> state_version;  // absent from older runtimes
  std::vector<RuntimeApiVersion> apis;
};

struct StorageChange {
  Bytes key;
  std::optional<Bytes> value;  // nullopt: no value at this key
};

struct StorageChangeSet {
  H256 block{};
  std::vector<StorageChange> changes;
};

// ---- Extrinsic status (author_submitAndWatchExtrinsic notifications) ---------------------------
struct TxFuture {};
struct TxReady {};
struct TxBroadcast {
  std::vector<std::string> peers;
};
struct TxInBlock {
  H256 block{};
};
struct TxRetracted {
  H256 block{};
};
struct TxFinalityTimeout {
  H256 block{};
};
struct TxFinalized {
  H256 block{};
};
struct TxUsurped {
  H256 by{};  // hash of the transaction that replaced it
};
struct TxDropped {};
struct TxInvalid {
  std::optional<TxRejection> reason;  // when the node says why (Chopsticks does)
};
using TxStatus = std::variant<TxFuture, TxReady, TxBroadcast, TxInBlock, TxRetracted,
                              TxFinalityTimeout, TxFinalized, TxUsurped, TxDropped, TxInvalid>;

// Decodes one status: "ready" or {"ready":null}, {"inBlock":"0x.."}, {"broadcast":[..]}, ...,
// and Chopsticks' failure form {"invalid":{"badProof":null}} (TxInvalid with a reason).
[[nodiscard]] Result<TxStatus> decode_tx_status(const JsonValue& v);
// "future", "ready", "broadcast", "inBlock", "retracted", "finalityTimeout", "finalized",
// "usurped", "dropped", "invalid".
[[nodiscard]] std::string_view tx_status_name(const TxStatus& s);
// No further status follows: finalized, finalityTimeout, usurped, dropped, invalid.
[[nodiscard]] bool is_terminal(const TxStatus& s);

// Decoders of JSON results, shared with the subscription helpers (and usable on fixtures).
[[nodiscard]] Result<Header> decode_header(const JsonValue& v);
[[nodiscard]] Result<RuntimeVersion> decode_runtime_version(const JsonValue& v);
// An unsigned integer or a 0x-hex string (zero padding allowed) that fits in 64 bits.
[[nodiscard]] Result<std::uint64_t> decode_u64(const JsonValue& v, std::string_view field);

namespace rpc {

// chain_getBlockHash: nullopt when the node has no block with that number.
[[nodiscard]] Result<std::optional<H256>> chain_get_block_hash(
    RpcClient& c, std::optional<std::uint64_t> number = std::nullopt);
// chain_getHeader: nullopt when the block is unknown.
[[nodiscard]] Result<std::optional<Header>> chain_get_header(
    RpcClient& c, const std::optional<H256>& at = std::nullopt);
[[nodiscard]] Result<H256> chain_get_finalized_head(RpcClient& c);
// chain_getBlock: nullopt when the block is unknown.
[[nodiscard]] Result<std::optional<Block>> chain_get_block(
    RpcClient& c, const std::optional<H256>& at = std::nullopt);

// state_getStorage: nullopt when the key has no value.
[[nodiscard]] Result<std::optional<Bytes>> state_get_storage(
    RpcClient& c, ByteSpan key, const std::optional<H256>& at = std::nullopt);
// state_getKeysPaged: up to `count` keys under `prefix`, strictly after `start_key` if given.
[[nodiscard]] Result<std::vector<Bytes>> state_get_keys_paged(
    RpcClient& c, ByteSpan prefix, std::uint32_t count,
    const std::optional<Bytes>& start_key = std::nullopt,
    const std::optional<H256>& at = std::nullopt);
[[nodiscard]] Result<std::vector<StorageChangeSet>> state_query_storage_at(
    RpcClient& c, const std::vector<Bytes>& keys, const std::optional<H256>& at = std::nullopt);
// state_getMetadata: the SCALE-encoded RuntimeMetadataPrefixed.
[[nodiscard]] Result<Bytes> state_get_metadata(RpcClient& c,
                                               const std::optional<H256>& at = std::nullopt);
[[nodiscard]] Result<RuntimeVersion> state_get_runtime_version(
    RpcClient& c, const std::optional<H256>& at = std::nullopt);
// state_call: runtime API `method` (e.g. "Metadata_metadata_at_version") with SCALE `data`.
[[nodiscard]] Result<Bytes> state_call(RpcClient& c, std::string_view method, ByteSpan data,
                                       const std::optional<H256>& at = std::nullopt);

// system_accountNextIndex: `account` as an SS58 address or 0x + 64 hex digits, sent unchanged.
[[nodiscard]] Result<std::uint64_t> system_account_next_index(RpcClient& c,
                                                              std::string_view account);
[[nodiscard]] Result<std::string> system_chain(RpcClient& c);
[[nodiscard]] Result<JsonValue> system_properties(RpcClient& c);  // an object

// author_submitExtrinsic: the extrinsic's hash as the node reports it.
[[nodiscard]] Result<H256> author_submit_extrinsic(RpcClient& c, ByteSpan extrinsic);

// author_submitAndWatchExtrinsic (WebSocket only). `on_status` receives each decoded status in
// order, or an error (undecodable status, SubscriptionClosed); it runs on the I/O thread.
// A rejection at submission (1010, ...) is the returned error.
using TxStatusCallback = std::function<void(Result<TxStatus>)>;
[[nodiscard]] Result<Subscription> author_submit_and_watch_extrinsic(RpcClient& c,
                                                                     ByteSpan extrinsic,
                                                                     TxStatusCallback on_status);

enum class TxWait { InBlock, Finalized };
// Submits and watches until the status `until` (InBlock is also met by Finalized) or a terminal
// status (invalid, dropped, usurped, finalityTimeout), which is returned as a value for the
// caller to inspect. `on_status` (optional) sees every status first, on the I/O thread.
// Errors: submission rejections, SubscriptionClosed, Timeout (status unknown: the extrinsic may
// still be included), SubscriptionsUnsupported over HTTP.
[[nodiscard]] Result<TxStatus> submit_and_wait(
    RpcClient& c, ByteSpan extrinsic, TxWait until, std::chrono::milliseconds timeout,
    const std::function<void(const TxStatus&)>& on_status = {});

// chain_subscribeFinalizedHeads (WebSocket only): each finalized header, or an error.
using HeaderCallback = std::function<void(Result<Header>)>;
[[nodiscard]] Result<Subscription> chain_subscribe_finalized_heads(RpcClient& c,
                                                                   HeaderCallback on_header);

// Polling alternative for any transport: every `interval`, reads chain_getFinalizedHead and,
// when it changed, that block's header, and calls `on_header` (on the caller's thread). Blocks
// may be skipped when finality moves several blocks between polls. Returns ok when `on_header`
// returns false, or the first RPC error.
[[nodiscard]] Result<void> poll_finalized_heads(
    RpcClient& c, std::chrono::milliseconds interval,
    const std::function<bool(const Header&)>& on_header);

}  // namespace rpc
}  // namespace ev::chain
