// The local SQLite index of the VaultPointers pallet: pointers, epochs, wrapped-DEK presence,
// live-blob counts, agent grants, workers, approved measurements and every VaultPointers event,
// as of the last finalized block it has read. Schema and example queries: docs/mirror.md.
//
// How it follows the chain: for each finalized block after the last one it holds, it reads the
// block's events; every VaultPointers event names the storage entries it touched (a pointer, a
// grant, an epoch, ...), and the mirror re-reads exactly those entries at that block, so each
// row is the chain's value at the block the mirror has reached — never a value reconstructed
// from event fields. Each block is applied in one SQLite transaction together with the "last
// block" marker, so a crash loses nothing and the next sync resumes after the last complete
// block. Everything here can be rebuilt from the chain (rebuild()), and verify() compares the
// mirror with the chain's storage at the mirror's block, entry by entry.
//
// Only finalized blocks are read, so there are no reorganisations to undo; a mirror opened
// against a chain with another genesis hash, or whose last block hash no longer matches the
// chain, refuses to go on (MirrorErrc::WrongChain) — rebuild it.
//
// Thread safety: one Mirror per thread (SQLite connection); several processes may read the
// file while one writes (WAL).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ev/chain/events.hpp"
#include "ev/chain/hash.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/types.hpp"

namespace ev::chain {
class ChainClient;
}

namespace ev::vault {

enum class MirrorErrc {
  Sqlite = 1,  // the database failed (message has SQLite's text)
  WrongChain,  // another chain's mirror, or the chain no longer has the mirrored block
  Schema,      // a database from a newer schema version
  ChainData,   // the chain returned something that does not decode as the pallet says
};

}  // namespace ev::vault

namespace ev {
template <>
struct ErrorTraits<vault::MirrorErrc> {
  static constexpr std::string_view domain = "mirror";
  static std::string_view message(vault::MirrorErrc e);
};
}  // namespace ev

namespace ev::vault {

// What the mirror needs from a chain. chain_source() adapts a ChainClient; tests use a fake
// driven by the pallet's own state transition.
class ChainSource {
 public:
  virtual ~ChainSource() = default;
  [[nodiscard]] virtual Result<chain::H256> genesis_hash() = 0;
  [[nodiscard]] virtual Result<std::uint64_t> finalized_number() = 0;
  [[nodiscard]] virtual Result<chain::H256> block_hash(std::uint64_t number) = 0;
  // Every event record of the block (the mirror keeps the VaultPointers ones).
  [[nodiscard]] virtual Result<std::vector<chain::EventRecord>> events(
      const chain::H256& block) = 0;
  [[nodiscard]] virtual Result<std::optional<Bytes>> storage(ByteSpan key,
                                                             const chain::H256& block) = 0;
  // The values of several keys at block, in the order of `keys` (nullopt: no value). The
  // default asks storage() for each; a source over RPC answers them in few requests.
  [[nodiscard]] virtual Result<std::vector<std::optional<Bytes>>> storage_many(
      const std::vector<Bytes>& keys, const chain::H256& block);
  // Every key under prefix at block, in key order.
  [[nodiscard]] virtual Result<std::vector<Bytes>> keys(ByteSpan prefix,
                                                        const chain::H256& block) = 0;
};

// A ChainSource over a connected ChainClient (which must outlive it).
[[nodiscard]] std::unique_ptr<ChainSource> chain_source(chain::ChainClient& client);

struct MirroredBlock {
  std::uint64_t number = 0;
  chain::H256 hash{};
};

// One difference between the mirror and the chain: the storage item, the entry (decoded key)
// and both sides' values (hex SCALE, or "absent").
struct Divergence {
  std::string item;
  std::string entry;
  std::string mirror;
  std::string chain;
};

class Mirror {
 public:
  // Opens (creating if needed) the database at `path` (":memory:" for a throwaway one).
  [[nodiscard]] static Result<std::unique_ptr<Mirror>> open(const std::string& path);
  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  // Reads finalized blocks after the last one held, up to the finalized head (or `until`).
  // Returns how many blocks were applied.
  [[nodiscard]] Result<std::uint64_t> sync(ChainSource& chain,
                                           std::optional<std::uint64_t> until = std::nullopt);
  // Empties every table and syncs from genesis.
  [[nodiscard]] Result<std::uint64_t> rebuild(ChainSource& chain);
  // Compares every mirrored storage entry with the chain's at the mirror's last block.
  [[nodiscard]] Result<std::vector<Divergence>> verify(ChainSource& chain);

  [[nodiscard]] Result<std::optional<MirroredBlock>> last_block();

  // Look-ups for the workers and the CLI.
  [[nodiscard]] Result<std::optional<VaultPointer>> pointer(const AccountId& wallet,
                                                            const BlobId& blob);
  [[nodiscard]] Result<std::vector<std::pair<BlobId, VaultPointer>>> pointers(
      const AccountId& wallet);
  [[nodiscard]] Result<std::optional<EpochInfo>> epoch(const AccountId& wallet);
  [[nodiscard]] Result<std::optional<AgentGrant>> grant(const AccountId& wallet,
                                                        const AccountId& agent);
  [[nodiscard]] Result<bool> dek_present(const AccountId& wallet, Epoch epoch);
  // Every wallet with an epoch, in key order, with its EpochInfo.
  [[nodiscard]] Result<std::vector<std::pair<AccountId, EpochInfo>>> wallets();
  // Every grant of a wallet (active and revoked), in key order.
  [[nodiscard]] Result<std::vector<std::pair<AccountId, AgentGrant>>> grants(
      const AccountId& wallet);
  // The epochs of a wallet whose wrapped DEK is still on chain (not yet destroyed), ascending.
  [[nodiscard]] Result<std::vector<Epoch>> dek_epochs(const AccountId& wallet);
  [[nodiscard]] Result<std::uint64_t> event_count();
  // Every state row as text, in a fixed order: equal dumps mean equal mirrors (used to check
  // that a rebuilt mirror equals the incrementally built one).
  [[nodiscard]] Result<std::string> dump_state();

 private:
  struct Db;
  explicit Mirror(std::unique_ptr<Db> db);
  Result<void> apply_block(ChainSource& chain, std::uint64_t number, const chain::H256& hash);
  std::unique_ptr<Db> db_;
};

}  // namespace ev::vault
