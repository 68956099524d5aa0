// The dev node's chain database (SQLite): blocks, storage history readable at any block, and a
// small meta table. Schema and pragmas: docs/devnode.md ("Chain store").
//
//   auto store = EV_TRY(ev::devnode::ChainStore::open("/var/lib/devnode/chain.sqlite"));
//   EV_TRY(store->commit_block(genesis_record));            // number 0, all genesis storage
//   std::optional<ev::Bytes> v = EV_TRY(store->get(key, 0));
//
// The chain is linear and final: block n+1's parent is block n (no forks, no reverts).
// Storage is kept as history: every change is a row (key, block number, value or NULL for a
// deletion), so the state at block n is, per key, the latest row at or below n.
//
// Durability: WAL journal with synchronous=NORMAL: a committed block survives a crash of the
// process; after a power loss the last blocks committed before it may be missing, but the file
// is never corrupt and always holds a prefix of the chain.
//
// Thread safety: every method may be called from any thread; calls are serialised by one mutex
// (one writer or reader at a time). Values returned are copies.
//
// Errors (domain "chain-store"): every method returns Result; failures carry the SQLite message
// and the operation. Absence (unknown hash, key never written) is an empty optional, not an
// error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::devnode {

enum class StoreErrc {
  Sqlite = 1,    // SQLite failed (message has the operation and SQLite's text)
  SchemaTooNew,  // the file was written by a newer schema version: refused, left untouched
  NotAStore,     // the file is an SQLite database of some other application
  InvalidBlock,  // commit_block: wrong number, wrong parent, duplicate hash, bad field
  Corrupt,       // a row that cannot hold (wrong hash length, missing block row)
};

using BlockHash = ByteArray<32>;

// Key -> new value, or nullopt for a deletion. Keys are raw storage keys.
using StorageChanges = std::map<Bytes, std::optional<Bytes>>;

struct BlockRecord {
  std::uint32_t number = 0;
  BlockHash hash{};
  BlockHash parent{};             // zero for block 0
  Bytes header;                   // the SCALE-encoded header, as hashed
  std::vector<Bytes> extrinsics;  // each as submitted (with its compact length prefix)
  StorageChanges changes;         // the state transition of this block (block 0: genesis state)
};

// A stored block without its storage changes.
struct StoredBlock {
  std::uint32_t number = 0;
  BlockHash hash{};
  BlockHash parent{};
  Bytes header;
  std::vector<Bytes> extrinsics;
};

struct BlockRef {
  std::uint32_t number = 0;
  BlockHash hash{};
  bool operator==(const BlockRef&) const = default;
};

// The schema version this code writes and reads (PRAGMA user_version).
inline constexpr int kChainStoreSchemaVersion = 1;

class ChainStore {
 public:
  // Opens or creates the store at `path` (parent folder must exist). A file written by a newer
  // schema → SchemaTooNew, another application's database → NotAStore; both left untouched.
  [[nodiscard]] static Result<std::unique_ptr<ChainStore>> open(const std::string& path);
  // A private in-memory store (gone when destroyed).
  [[nodiscard]] static Result<std::unique_ptr<ChainStore>> open_memory();

  ~ChainStore();
  ChainStore(const ChainStore&) = delete;
  ChainStore& operator=(const ChainStore&) = delete;

  // Appends a block with its extrinsics and storage changes in one transaction: all or nothing.
  // REQUIRES (else InvalidBlock, nothing written): number == 0 on an empty store, otherwise
  // number == best().number + 1 and parent == best().hash; the hash not already stored.
  [[nodiscard]] Result<void> commit_block(const BlockRecord& block);

  // The highest block; nullopt on an empty store.
  [[nodiscard]] Result<std::optional<BlockRef>> best() const;
  [[nodiscard]] Result<std::optional<BlockHash>> hash_of(std::uint32_t number) const;
  [[nodiscard]] Result<std::optional<std::uint32_t>> number_of(const BlockHash& hash) const;
  [[nodiscard]] Result<std::optional<StoredBlock>> block(const BlockHash& hash) const;
  [[nodiscard]] Result<std::optional<Bytes>> header(const BlockHash& hash) const;

  // The value of `key` in the state after block `at` (nullopt: absent or deleted). `at` beyond
  // the best block reads the best state.
  [[nodiscard]] Result<std::optional<Bytes>> get(ByteSpan key, std::uint32_t at) const;

  // Up to `count` keys starting with `prefix` that hold a value at block `at`, in ascending byte
  // order, strictly after `start_key` when it is not empty (state_getKeysPaged semantics).
  [[nodiscard]] Result<std::vector<Bytes>> keys_paged(ByteSpan prefix, std::uint32_t count,
                                                      ByteSpan start_key, std::uint32_t at) const;

  // Every (key, value) starting with `prefix` at block `at`, ascending by key. The caller bounds
  // the prefix: the result holds the whole matching state.
  [[nodiscard]] Result<std::vector<std::pair<Bytes, Bytes>>> pairs(ByteSpan prefix,
                                                                   std::uint32_t at) const;

  // Free-form metadata (genesis hash, chain name, ...), stored as blobs.
  [[nodiscard]] Result<std::optional<Bytes>> get_meta(std::string_view key) const;
  [[nodiscard]] Result<void> set_meta(std::string_view key, ByteSpan value);

  struct Impl;  // implementation (chain_store.cpp)

 private:
  explicit ChainStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ev::devnode

namespace ev {
template <>
struct ErrorTraits<devnode::StoreErrc> {
  static constexpr std::string_view domain = "chain-store";
  static std::string_view message(devnode::StoreErrc e);
};
}  // namespace ev
