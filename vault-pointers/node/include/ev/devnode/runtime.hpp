// The dev node's runtime: System (0), Utility (1), Sudo (2) and VaultPointers (3), executed
// natively. Metadata, runtime version, genesis state, transaction validation and dispatch.
// Behaviour and formats: docs/devnode.md ("Runtime", "Blocks and transactions").
//
// Thread safety: Runtime is immutable after create(); every const member may be called
// concurrently. Overlay is a plain value (not thread-safe).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ev/chain/extrinsic.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/chain/scale.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/state.hpp"

namespace ev::devnode {

inline constexpr std::uint8_t kSystemIndex = 0;
inline constexpr std::uint8_t kUtilityIndex = 1;
inline constexpr std::uint8_t kSudoIndex = 2;
inline constexpr std::uint8_t kVaultIndex = 3;
inline constexpr std::uint16_t kSs58Prefix = 42;
// Nesting limit of RuntimeCall (batch_all / sudo inside each other).
inline constexpr std::size_t kMaxCallDepth = 8;

// sp_version::RuntimeVersion.
struct RuntimeVersion {
  std::string spec_name = "epochvault-dev";
  std::string impl_name = "epochvault-dev";
  std::uint32_t authoring_version = 1;
  std::uint32_t spec_version = 100;
  std::uint32_t impl_version = 1;
  std::vector<std::pair<ByteArray<8>, std::uint32_t>> apis;  // (blake2_64(name), version)
  std::uint32_t transaction_version = 1;
  std::uint8_t state_version = 1;

  // SCALE as Core_version returns it (and System's Version constant).
  [[nodiscard]] Bytes encode() const;
  // As state_getRuntimeVersion answers.
  [[nodiscard]] nlohmann::json to_json() const;
};

// blake2b with an 8-byte digest (the runtime API id of a name).
[[nodiscard]] ByteArray<8> blake2_64(ByteSpan data);

// frame_system::AccountInfo<u32, pallet_balances::AccountData<u128>>.
struct AccountInfo {
  std::uint32_t nonce = 0;
  std::uint32_t consumers = 0;
  std::uint32_t providers = 0;
  std::uint32_t sufficients = 0;
  u128 free = 0;
  u128 reserved = 0;
  u128 frozen = 0;
  u128 flags = 0;
  EV_SCALE_FIELDS(nonce, consumers, providers, sufficients, free, reserved, frozen, flags)
  friend bool operator==(const AccountInfo&, const AccountInfo&) = default;
};

// Storage keys of System and Sudo (FRAME layout).
namespace keys {
[[nodiscard]] Bytes system_account(const ByteArray<32>& who);  // Blake2_128Concat
[[nodiscard]] Bytes system_number();
[[nodiscard]] Bytes system_parent_hash();
[[nodiscard]] Bytes system_block_hash(std::uint32_t n);  // Twox64Concat
[[nodiscard]] Bytes system_events();
[[nodiscard]] Bytes system_event_count();
[[nodiscard]] Bytes system_extrinsic_count();
[[nodiscard]] Bytes sudo_key();
// Timestamp.Now (u64 milliseconds, FRAME's key): the block's time, set by the block author.
[[nodiscard]] Bytes timestamp_now();
}  // namespace keys

// A decoded RuntimeCall (only the calls this runtime publishes).
struct RuntimeCall {
  enum class Kind { Remark, RemarkWithEvent, BatchAll, Sudo, SetKey, Vault } kind = Kind::Remark;
  Bytes remark;                    // Remark, RemarkWithEvent
  std::vector<RuntimeCall> calls;  // BatchAll: the batch; Sudo: exactly one
  ByteArray<32> new_key{};         // SetKey (MultiAddress::Id)
  vault::Call vault;               // Vault
};

// Decodes one RuntimeCall from d (nesting bounded by kMaxCallDepth). Errors name the pallet,
// call and offset.
[[nodiscard]] Result<RuntimeCall> decode_runtime_call(scale::Decoder& d, std::size_t depth = 0);
// The whole input must be one call.
[[nodiscard]] Result<RuntimeCall> decode_runtime_call(ByteSpan bytes);

// Reads the state a block builds on. get: value under a key; keys: every key with a prefix,
// ascending.
struct StateReader {
  std::function<Result<std::optional<Bytes>>(ByteSpan key)> get;
  std::function<Result<std::vector<Bytes>>(ByteSpan prefix)> keys;
};

// Pending writes over a StateReader. A read error of the base is remembered (failed()) and reads
// as absent; the block builder refuses the block then.
class Overlay final : public vault::StateAccess {
 public:
  explicit Overlay(StateReader base) : base_(std::move(base)) {}
  std::optional<Bytes> get(ByteSpan key) const override;
  void put(ByteSpan key, ByteSpan value) override;
  void erase(ByteSpan key) override;
  std::vector<Bytes> keys_with_prefix(ByteSpan prefix) const override;

  using Changes = std::map<Bytes, std::optional<Bytes>>;
  [[nodiscard]] const Changes& changes() const { return changes_; }
  // Transactional layers: snapshot() then restore() discards everything written since.
  [[nodiscard]] Changes snapshot() const { return changes_; }
  void restore(Changes c) { changes_ = std::move(c); }
  [[nodiscard]] const std::optional<Error>& failed() const { return failed_; }

 private:
  StateReader base_;
  Changes changes_;
  mutable std::optional<Error> failed_;
};

// Why a transaction is not valid (sp_runtime TransactionValidityError).
enum class TxInvalid {
  Call,               // call not expected (undecodable / unknown call)
  Payment,            // cannot pay fees
  Future,             // nonce above the account's
  Stale,              // nonce below the account's
  BadProof,           // signature does not verify (also: wrong era birth, metadata mode 1)
  AncientBirthBlock,  // era birth block in the future / unknown
  ExhaustsResources,  // pool full
  BadSigner,          // unsigned extrinsics are not accepted
};

// The "data" string a Substrate node puts in its 1010 error for each kind.
[[nodiscard]] std::string_view tx_invalid_text(TxInvalid k);
// The serde JSON of TransactionValidityError, e.g. {"invalid":{"stale":null}}.
[[nodiscard]] nlohmann::json tx_invalid_json(TxInvalid k);

// A validated signed extrinsic.
struct CheckedExtrinsic {
  Bytes encoded;  // as submitted, length prefix included
  ByteArray<32> hash{};
  ByteArray<32> signer{};
  std::uint64_t nonce = 0;
  RuntimeCall call;
  // The first block number at which a mortal transaction is no longer valid (its era's death,
  // fixed at validation); UINT64_MAX when immortal. Re-checked at promotion and inclusion.
  std::uint64_t death = UINT64_MAX;
};

// What one applied extrinsic did.
struct ApplyOutcome {
  bool success = true;
  Bytes dispatch_error;  // SCALE DispatchError when !success
};

class Runtime {
 public:
  // Builds the metadata and extrinsic plan. Errors only from the metadata builder.
  [[nodiscard]] static Result<std::shared_ptr<const Runtime>> create();

  [[nodiscard]] const chain::Metadata& metadata() const { return md_; }
  // RuntimeMetadataPrefixed V14 (state_getMetadata) and V15.
  [[nodiscard]] const Bytes& metadata_v14() const { return v14_; }
  [[nodiscard]] const Bytes& metadata_v15() const { return v15_; }
  [[nodiscard]] const chain::ExtrinsicFormat& format() const { return *format_; }
  [[nodiscard]] const RuntimeVersion& version() const { return version_; }

  // Genesis storage: Sudo.Key = sudo, System.Account for every endowed account (providers 1,
  // `free` balance), System.Number 0, System.BlockHash[0] is written by the node.
  [[nodiscard]] Overlay::Changes genesis_storage(const std::vector<ByteArray<32>>& endowed,
                                                 std::optional<ByteArray<32>> sudo,
                                                 u128 free) const;

  // Validates `encoded` against the state after block `best` (the next block is best + 1),
  // `block_hash(n)` giving the hash of block n when it exists. On success the checked extrinsic
  // (its nonce may be above the account's: the caller holds it as future when
  // `future` is set). Decode failures return nullopt inside the error pair's first member.
  struct Validity {
    std::optional<CheckedExtrinsic> ok;
    std::optional<TxInvalid> invalid;
    std::string format_error;  // set when the bytes are not a valid extrinsic (RPC 1001)
    bool future = false;
    std::uint32_t account_nonce = 0;
  };
  [[nodiscard]] Validity validate(
      ByteSpan encoded, const vault::StateAccess& state, std::uint32_t best,
      const std::function<std::optional<ByteArray<32>>(std::uint32_t)>& block_hash,
      const ByteArray<32>& genesis) const;

  // Starts block `number` with parent `parent`: clears System.Events, sets System.Number,
  // ParentHash and BlockHash[number - 1].
  void initialize_block(Overlay& state, std::uint32_t number, const ByteArray<32>& parent) const;
  // Applies a checked extrinsic at position `index`: increments the signer's nonce (also when
  // the call fails), dispatches transactionally, appends ExtrinsicSuccess / ExtrinsicFailed and
  // the call's events to System.Events. Errors: corrupt state (the block must be refused).
  [[nodiscard]] Result<ApplyOutcome> apply(Overlay& state, const CheckedExtrinsic& xt,
                                           std::uint32_t index, std::uint32_t number) const;
  // Sets the block's time (Timestamp.Now, milliseconds since the Unix epoch): VaultPointers
  // judges attestations and their expiry at it (docs/pallet.md, "Worker registry").
  void set_block_time(Overlay& state, std::uint64_t now_ms) const;
  // Writes System.ExtrinsicCount for `count` extrinsics.
  void finalize_block(Overlay& state, std::uint32_t count) const;

  // Account nonce in `state` (0 for an unknown account).
  [[nodiscard]] static std::uint32_t account_nonce(const vault::StateAccess& state,
                                                   const ByteArray<32>& who);

  // state_call: "Core_version", "Metadata_metadata", "Metadata_metadata_at_version",
  // "Metadata_metadata_versions", "AccountNonceApi_account_nonce". Errors: unknown method or
  // undecodable arguments.
  [[nodiscard]] Result<Bytes> call_api(std::string_view method, ByteSpan args,
                                       const vault::StateAccess& state) const;

 private:
  Runtime() = default;
  chain::Metadata md_;
  Bytes v14_;
  Bytes v15_;
  std::optional<chain::ExtrinsicFormat> format_;
  RuntimeVersion version_;
};

// Builds the runtime's metadata model (types, pallets, extrinsic, runtime APIs).
[[nodiscard]] Result<chain::Metadata> build_runtime_metadata(const RuntimeVersion& version);

}  // namespace ev::devnode
