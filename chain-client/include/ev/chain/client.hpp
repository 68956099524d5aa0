// A connected chain: one RPC connection plus what a client needs to know about the runtime
// behind it (version, metadata, genesis hash, SS58 prefix), storage reads by pallet and item
// name, event reading, and signed submission that waits for inclusion or finality and reports
// the extrinsic's own events and its DispatchError by name. Nothing about the runtime is
// hard-coded: calls, storage, events and signed extensions all come from its metadata.
//
// Runtime upgrades: refresh_runtime() re-reads the runtime version and, when the spec version
// changed, the metadata; submit() calls it before building each extrinsic, so a transaction is
// never signed against an outdated spec or transaction version. metadata() hands out a
// shared_ptr, so a caller's view stays valid across a refresh.
//
// Thread safety: every method may be called from several threads at once (the nonce manager
// keeps many extrinsics of one account in flight).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ev/chain/events.hpp"
#include "ev/chain/extrinsic.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/chain/nonce.hpp"
#include "ev/chain/rpc.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class ClientErrc {
  BadChainData = 1,  // the node's answer does not make sense (e.g. no genesis block)
  Rejected,          // the transaction pool refused the extrinsic (the reason follows)
  Dropped,           // the extrinsic left the pool without being included
  NotFound,          // the extrinsic's block does not contain it, or no block at a number
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::ClientErrc> {
  static constexpr std::string_view domain = "chain";
  static std::string_view message(chain::ClientErrc e);
};
}  // namespace ev

namespace ev::chain {

struct ChainInfo {
  std::string chain;  // system_chain
  H256 genesis_hash{};
  RuntimeVersion version;
  std::uint8_t metadata_version = 0;
  std::uint16_t ss58_prefix = 42;  // system_properties.ss58Format (42 when absent)
};

struct SubmitOptions {
  rpc::TxWait wait = rpc::TxWait::InBlock;
  bool immortal = false;      // default: mortal
  std::uint64_t period = 64;  // mortal era period (rounded up to a power of two, 4..65536)
  u128 tip = 0;
  std::chrono::milliseconds timeout{120000};
  // Every status the node reports (ready, broadcast, inBlock, ...), on the I/O thread.
  std::function<void(const TxStatus&)> on_status;
};

struct SubmitOutcome {
  H256 extrinsic_hash{};  // blake2_256 of the encoded extrinsic
  H256 block_hash{};
  std::uint64_t block_number = 0;
  std::uint32_t extrinsic_index = 0;  // position in the block
  std::uint64_t nonce = 0;
  bool success = false;                       // System.ExtrinsicSuccess was emitted
  std::optional<std::string> dispatch_error;  // "Pallet.Error" (or the variant) on failure
  std::vector<EventRecord> events;            // the extrinsic's events, in order
};

class ChainClient {
 public:
  // Connects (http://, https://, ws://, wss://), reads the genesis hash, chain name,
  // properties, runtime version and metadata.
  [[nodiscard]] static Result<std::unique_ptr<ChainClient>> connect(std::string_view url,
                                                                    const RpcOptions& options = {});

  [[nodiscard]] RpcClient& rpc() { return *rpc_; }
  [[nodiscard]] std::shared_ptr<const Metadata> metadata() const;
  [[nodiscard]] ChainInfo info() const;

  // Re-reads the runtime version; reloads the metadata when the spec version changed.
  // Returns true when it did.
  [[nodiscard]] Result<bool> refresh_runtime();

  // The storage key of Pallet.Item for `keys` (a JSON array, one value per map key, encoded
  // against the entry's key types; empty or null for a plain value). Errors name the key.
  [[nodiscard]] Result<Bytes> storage_key(std::string_view pallet, std::string_view item,
                                          const nlohmann::json& keys) const;
  // The value as JSON; nullopt when absent and the entry has no default.
  [[nodiscard]] Result<std::optional<nlohmann::json>> storage(
      std::string_view pallet, std::string_view item, const nlohmann::json& keys,
      const std::optional<H256>& at = std::nullopt);
  // Every event record of a block.
  [[nodiscard]] Result<std::vector<EventRecord>> events_at(const H256& block);

  // pallet index ++ call index ++ args, looked up by name in the current metadata.
  [[nodiscard]] Result<Bytes> encode_call(std::string_view pallet, std::string_view call,
                                          const nlohmann::json& args) const;

  // Signs `call` with `signer` (nonce from the nonce manager; mortal era from the best block
  // unless immortal), submits it and waits as asked; then reads System.Events at the block.
  // A pool rejection is ClientErrc::Rejected with the reason ("1010: invalid transaction:
  // stale"); stale or future nonces also resynchronise the signer's nonce.
  [[nodiscard]] Result<SubmitOutcome> submit(const KeyPair& signer, ByteSpan call,
                                             const SubmitOptions& options = {});
  // The signed extrinsic submit() would send, without sending it (for tests and tooling).
  [[nodiscard]] Result<Bytes> sign(const KeyPair& signer, ByteSpan call, std::uint64_t nonce,
                                   const SubmitOptions& options = {});

  [[nodiscard]] NonceManager& nonces() { return *nonces_; }

 private:
  ChainClient() = default;
  Result<void> load_metadata();
  Result<SubmitOutcome> locate(const H256& block, const H256& xt_hash, std::uint64_t nonce);
  Result<H256> wait_http(const H256& xt_hash, const SubmitOptions& options);

  std::unique_ptr<RpcClient> rpc_;
  std::unique_ptr<NonceManager> nonces_;
  mutable std::mutex mu_;  // guards the fields below
  ChainInfo info_;
  std::shared_ptr<const Metadata> metadata_;
  std::shared_ptr<const ExtrinsicFormat> format_;
};

}  // namespace ev::chain
