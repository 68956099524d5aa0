// Internal state of ev::devnode::Node (shared by node.cpp and node_rpc.cpp).
#pragma once

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "ev/chain/trie.hpp"
#include "ev/devnode/node.hpp"

namespace ev::devnode {

struct StorageSubscription {
  SubscriptionSink sink;
  std::vector<Bytes> keys;  // empty: every change
};

struct Node::Impl {
  NodeConfig config;
  std::shared_ptr<const Runtime> runtime;
  std::unique_ptr<ChainStore> store;
  ByteArray<32> genesis{};

  mutable std::mutex mu;  // everything below
  mutable std::condition_variable block_cv;
  std::condition_variable producer_cv;
  bool stopping = false;
  std::thread producer;
  BlockRef best;
  // The state of block `best` as a trie (LayoutV1): its root is the header's state root.
  chain::trie::Trie state_trie{chain::trie::Layout::V1};
  // GRANDPA voters and the justification subscribers (node_grandpa.cpp).
  std::vector<chain::KeyPair> grandpa_keys;
  chain::grandpa::AuthoritySet grandpa_set;
  std::vector<SubscriptionSink> justification_subs;
  struct GrandpaChange {
    std::vector<chain::KeyPair> keys;
    chain::grandpa::AuthoritySet set;  // set_id already incremented
    std::uint32_t delay = 0;
    std::optional<std::uint32_t> effective;  // set once announced in a header
  };
  std::optional<GrandpaChange> grandpa_change;
  // Adds the pending change's digest to the header being built (under mu).
  void announce_grandpa_change(Header& h);

  // Pool: ready in submission order (per sender in nonce order), future keyed by (who, nonce).
  std::deque<CheckedExtrinsic> ready;
  std::set<std::pair<ByteArray<32>, std::uint64_t>> ready_by_key;
  std::map<std::pair<ByteArray<32>, std::uint64_t>, CheckedExtrinsic> future;
  std::set<ByteArray<32>> known;  // hashes in the pool
  // next_index_locked's answers for the state of block next_cache_block: per sender, the first
  // nonce at or above the account's that has no ready transaction. Kept exact as transactions
  // turn ready; dropped when the pool loses ready transactions (seal) or the best block moves.
  mutable std::map<ByteArray<32>, std::uint32_t> next_cache;
  mutable std::uint32_t next_cache_block = 0;
  std::map<ByteArray<32>, TxWatcher> watchers;
  std::vector<std::pair<TxWatcher, nlohmann::json>> pending_notes;  // sent outside the lock

  std::vector<SubscriptionSink> new_heads;
  std::vector<SubscriptionSink> finalized_heads;
  std::vector<SubscriptionSink> all_heads;
  std::vector<StorageSubscription> storage_subs;

  std::unique_ptr<RpcServer> server;

  [[nodiscard]] StateReader reader_at(std::uint32_t at) const;
  [[nodiscard]] std::uint32_t next_index_locked(const ByteArray<32>& who) const;
  // Records that (who, nonce) joined ready_by_key (keeps next_cache exact).
  void note_ready(const ByteArray<32>& who, std::uint64_t nonce);
  void notify_tx(const ByteArray<32>& hash, nlohmann::json status);
  [[nodiscard]] SubmitOutcome submit_locked(ByteSpan encoded, TxWatcher watcher);
  void promote(const ByteArray<32>& who);
  [[nodiscard]] Result<std::optional<BlockRef>> seal_locked(bool allow_empty);
  void flush_notifications();
  void produce_loop(Node& node);
  // Sends the new block to head and storage subscribers (under mu).
  void announce_block(const Header& h, const BlockRecord& rec);
  // Signs, stores and announces the justification finalising block (hash, number) (under mu).
  [[nodiscard]] Result<void> finalize_with_grandpa(const ByteArray<32>& hash, std::uint32_t number);
};

// Applies a block's changes to the state trie; returns the changes that undo them.
StorageChanges apply_to_trie(chain::trie::Trie& trie, const StorageChanges& changes);
// Fills `trie` with the state of block `best` and checks its root against best's header.
[[nodiscard]] Result<void> load_state_trie(const ChainStore& store, const BlockRef& best,
                                           chain::trie::Trie& trie);

// Loads the configured GRANDPA keys into impl (node_grandpa.cpp).
[[nodiscard]] Result<void> load_grandpa_keys(Node::Impl& impl);
// Registers grandpa_proveFinality and grandpa_(un)subscribeJustifications.
[[nodiscard]] Result<void> register_grandpa_rpc(Node& node, Node::Impl& impl, RpcServer& server);

// Registers the node's JSON-RPC methods on `server` (node_rpc.cpp).
[[nodiscard]] Result<void> register_rpc(Node& node, Node::Impl& impl, RpcServer& server);

}  // namespace ev::devnode
