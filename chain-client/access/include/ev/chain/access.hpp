// Fixed-layout chain access: the small path the rotation worker reaches the chain through
// (docs/formats/chain-access.md). Instead of the full client's type-registry codec, metadata
// model and two transports, it has
//   - Runtime: a strict reading of RuntimeMetadataPrefixed V14/V15 that keeps only the type
//     shapes, the pallets' names, indices and call/event/error types, and the signed-extension
//     identifiers;
//   - a fixed-layout signed-extrinsic builder for the extensions it knows (an unknown one with
//     non-empty data is refused with AccessErrc::UnknownExtension naming it);
//   - an event reader that only finds the events of one extrinsic and names a DispatchError;
//   - one transport: JSON-RPC over HTTP (ws:// and wss:// endpoints are reached over HTTP on the
//     same host and port, as Polkadot-SDK nodes and the dev node serve both there).
// Every decoder takes untrusted bytes: it never reads past its input and returns an Error.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ev/chain/keys.hpp"
#include "ev/chain/scale.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain::access {

enum class AccessErrc {
  Metadata = 1,      // malformed or unsupported metadata, or a name it lacks
  UnknownExtension,  // a signed extension this path cannot fill in
  BadChainData,      // the node's reply or state does not decode
  Rpc,               // transport failure or JSON-RPC error
  Rejected,          // the transaction pool refused the transaction
  Timeout,           // the transaction was not seen in a block in time
};

}  // namespace ev::chain::access

namespace ev {
template <>
struct ErrorTraits<chain::access::AccessErrc> {
  static constexpr std::string_view domain = "chain-access";
  static std::string_view message(chain::access::AccessErrc e);
};
}  // namespace ev

namespace ev::chain::access {

using H256 = ByteArray<32>;

struct Variant {
  std::string name;
  std::uint8_t index = 0;
  std::vector<std::uint32_t> fields;  // type ids
};

// The shape of one registry type: enough to skip a value of it.
struct Type {
  enum Kind : std::uint8_t { Composite, Enum, Sequence, Array, Tuple, Primitive, Compact, Bits };
  Kind kind = Composite;
  std::vector<std::uint32_t> fields;  // Composite fields, Tuple elements
  std::vector<Variant> variants;      // Enum
  std::uint32_t element = 0;          // Sequence, Array, Compact
  std::uint32_t length = 0;           // Array
  std::uint8_t primitive = 0;         // Primitive: scale-info's TypeDefPrimitive tag
  [[nodiscard]] const Variant* variant(std::uint8_t index) const;
  [[nodiscard]] const Variant* variant(std::string_view name) const;
};

struct Pallet {
  std::string name;
  std::uint8_t index = 0;
  std::optional<std::uint32_t> calls, events, errors;
};

struct Extension {
  std::string identifier;
  std::uint32_t type = 0;        // explicit part
  std::uint32_t additional = 0;  // implicit part
};

struct CallIndex {
  std::uint8_t pallet = 0;
  std::uint8_t call = 0;
  std::size_t args = 0;  // fields of the call variant
};

// One event of an extrinsic, its fields left encoded.
struct Event {
  std::string pallet;
  const Variant* variant = nullptr;  // into the Runtime it was read with
  Bytes fields;
};

class Runtime {
 public:
  // Strict: the "meta" magic, version 14 or 15, every type id inside the registry, no trailing
  // bytes. Other versions are refused (AccessErrc::Metadata, naming the version).
  [[nodiscard]] static Result<Runtime> decode(ByteSpan metadata);

  [[nodiscard]] std::uint8_t version() const { return version_; }
  [[nodiscard]] const std::vector<Extension>& extensions() const { return extensions_; }
  [[nodiscard]] const Type& type(std::uint32_t id) const { return types_[id]; }
  [[nodiscard]] Result<CallIndex> call(std::string_view pallet, std::string_view call) const;
  // "Pallet.Error" of a module error.
  [[nodiscard]] Result<std::string> error_name(std::uint8_t pallet, std::uint8_t error) const;
  // The events System.Events (`events`, the raw storage value) holds for extrinsic `index`.
  [[nodiscard]] Result<std::vector<Event>> extrinsic_events(ByteSpan events,
                                                            std::uint32_t index) const;
  // Reads a DispatchError of type `type` and names it as the full client does
  // ("VaultPointers.EpochMismatch", "BadOrigin", "Token.FundsUnavailable").
  [[nodiscard]] Result<std::string> dispatch_error(std::uint32_t type, scale::Decoder& d) const;
  // Reads the variant index of an enum of type `type`.
  [[nodiscard]] Result<const Variant*> read_variant(std::uint32_t type, scale::Decoder& d) const;
  // Skips one value of type `type`.
  [[nodiscard]] Result<void> skip(std::uint32_t type, scale::Decoder& d, int depth = 0) const;
  // Whether values of the type encode to zero bytes.
  [[nodiscard]] bool empty_type(std::uint32_t type, int depth = 0) const;

 private:
  friend class MetadataReader;
  std::uint8_t version_ = 0;
  std::vector<Type> types_;
  std::vector<Pallet> pallets_;
  std::vector<Extension> extensions_;
  std::optional<std::uint32_t> events_type_;  // System.Events' value type
};

// What identifies the runtime a transaction is for.
struct ChainIdentity {
  std::uint32_t spec_version = 0;
  std::uint32_t transaction_version = 0;
  H256 genesis_hash{};
};

// The signed-extension data of one transaction: mortal(period, birth_number) unless immortal;
// tip 0, CheckMetadataHash mode 0.
struct TxParams {
  std::uint64_t nonce = 0;
  bool immortal = false;
  std::uint64_t period = 64;
  std::uint64_t birth_number = 0;
  H256 birth_hash{};
};

// The plan of a runtime's signed extensions, fixed per identifier.
class Extensions {
 public:
  [[nodiscard]] static Result<Extensions> of(const Runtime& rt);
  [[nodiscard]] Bytes extra(const TxParams& p) const;
  [[nodiscard]] Bytes implicit(const ChainIdentity& id, const TxParams& p) const;
  // compact(len) ++ 0x84 ++ MultiAddress::Id(account) ++ MultiSignature ++ extra ++ call.
  [[nodiscard]] Result<Bytes> sign(const KeyPair& key, ByteSpan call, const ChainIdentity& id,
                                   const TxParams& p) const;

 private:
  enum class Kind : std::uint8_t {
    Empty,
    Spec,
    Tx,
    Genesis,
    Mortality,
    Nonce,
    Tip,
    AssetTip,
    Hash
  };
  std::vector<Kind> kinds_;
};

// What became of a submitted extrinsic.
struct Included {
  H256 block_hash{};
  std::uint64_t block_number = 0;
  std::uint32_t index = 0;
  bool success = false;
  std::optional<std::string> dispatch_error;  // ExtrinsicFailed, named
  std::vector<Event> events;                  // every event of the extrinsic
  std::shared_ptr<const Runtime> runtime;     // the runtime the events were read with
};

// A node reached over JSON-RPC/HTTP, with its runtime. Every method may be called from several
// threads (each request on a keep-alive connection of its own, reused afterwards).
class ChainAccess {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ChainAccess>> connect(std::string_view url);
  ChainAccess(const ChainAccess&) = delete;
  ChainAccess& operator=(const ChainAccess&) = delete;
  ~ChainAccess();

  [[nodiscard]] std::shared_ptr<const Runtime> runtime() const;
  // Genesis hash, spec and transaction versions of the runtime in use.
  [[nodiscard]] ChainIdentity identity() const;
  [[nodiscard]] Result<std::uint64_t> best_number();
  [[nodiscard]] Result<std::uint64_t> finalized_number();
  [[nodiscard]] Result<std::optional<Bytes>> storage(ByteSpan key);
  [[nodiscard]] Result<std::vector<Bytes>> keys_paged(ByteSpan prefix, std::uint32_t count,
                                                      const std::optional<Bytes>& start);
  // The values of `keys` at the best block (nullopt: no value).
  [[nodiscard]] Result<std::vector<std::pair<Bytes, std::optional<Bytes>>>> values(
      const std::vector<Bytes>& keys);
  // Signs `call` (mortal, 64 blocks), submits it and waits until it is in a block (up to 120 s).
  // Errors: Rejected ("invalid transaction: Stale (...)"), Timeout, Rpc, BadChainData.
  [[nodiscard]] Result<Included> submit(const KeyPair& signer, ByteSpan call);
  // Any JSON-RPC method; `params` is a JSON array's text. Its result, or the node's error (Rpc,
  // Rejected), or BadChainData when the reply is not JSON-RPC. For readers that check what
  // they read themselves (the workers' verified view).
  [[nodiscard]] Result<nlohmann::json> rpc(std::string_view method, std::string_view params);

 private:
  struct Impl;
  explicit ChainAccess(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ev::chain::access
