// The dev node: chain store + runtime + transaction pool + block production + JSON-RPC.
// Behaviour: docs/devnode.md ("Blocks and transactions").
//
//   auto node = EV_TRY(ev::devnode::Node::open({.dev = true, .rpc = {.port = 0}}));
//   std::uint16_t port = EV_TRY(node->start());   // RPC server and block producer
//   ...
//   node->stop();
//
// Blocks: instant seal (a block as soon as a transaction is ready) unless block_time_ms is set
// (then one block every block_time_ms, empty or not); manual_seal disables the producer thread
// (seal() makes blocks). Every block is final at once.
//
// Thread safety: every public method may be called from any thread (one internal mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ev/chain/grandpa.hpp"
#include "ev/chain/keys.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/devnode/chain_store.hpp"
#include "ev/devnode/rpc_server.hpp"
#include "ev/devnode/runtime.hpp"

namespace ev::devnode {

// A well-known development account: //Alice .. //Ferdie, for ed25519 and ecdsa.
struct DevAccount {
  std::string name;  // "Alice"
  chain::Scheme scheme = chain::Scheme::Ed25519;
  std::string suri;  // "//Alice"
  ByteArray<32> account{};
  std::string ss58;  // prefix 42
};

// The eighteen dev accounts (6 names x {ed25519, ecdsa, sr25519}). Errors only from key
// derivation.
[[nodiscard]] Result<std::vector<DevAccount>> dev_accounts();

// Free balance given to every dev account at genesis (1 million UNIT, 12 decimals).
inline constexpr u128 kDevBalance = static_cast<u128>(1'000'000) * 1'000'000'000'000ULL;

struct NodeConfig {
  std::optional<std::string> base_path;        // folder for chain.sqlite; nullopt: in memory
  bool dev = false;                            // endow the dev accounts, sudo = //Alice (ecdsa)
  std::optional<std::uint32_t> block_time_ms;  // nullopt: instant seal
  bool manual_seal = false;                    // no producer thread; call seal()
  RpcServerConfig rpc;
  std::size_t max_pool = 4096;             // ready + future transactions
  std::size_t max_future_per_sender = 64;  // future transactions held per account
  // Future transactions held in all: well below max_pool, so the rest of the pool stays for
  // ready ones (unfunded keys with nonce gaps cannot wedge it).
  std::size_t max_future = 1024;
  std::size_t max_block_extrinsics = 1024;
  // GRANDPA voters (ed25519 SURIs, weight 1 each, set id 0): every block is finalised with a
  // justification they all sign (docs/devnode.md, "Finality").
  std::vector<std::string> grandpa_authorities = {"//Alice"};
  // The worker registry's genesis configuration (VaultPointers.AttestationConfig, written
  // into a new chain's genesis only): simulated attestations are accepted when
  // attestation_dev_mode is true (nullopt: as `dev`), and attestations expire after
  // attestation_max_age_secs (docs/pallet.md, "Worker registry").
  std::optional<bool> attestation_dev_mode;
  std::uint64_t attestation_max_age_secs = std::uint64_t{24} * 60 * 60;
  // The block time source (milliseconds since the Unix epoch); nullopt: the system clock.
  std::function<std::uint64_t()> clock_ms;
  std::string node_name = "epochvault-devnode";
  std::string node_version = "0.1.0";
};

// The hash of an accepted transaction, or the RPC error a Substrate node answers.
using SubmitOutcome = std::variant<ByteArray<32>, RpcError>;

// Transaction status notifications (author_extrinsicUpdate results): "future", "ready",
// {"inBlock": hash}, {"finalized": hash}, "dropped", "invalid".
using TxWatcher = std::function<void(const nlohmann::json& status)>;

class Node {
 public:
  // Opens (or creates, writing the genesis block) the chain. Errors: store, runtime.
  [[nodiscard]] static Result<std::unique_ptr<Node>> open(NodeConfig config);
  ~Node();  // stop()
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Registers every RPC method, starts the server and the block producer; returns the port.
  [[nodiscard]] Result<std::uint16_t> start();
  // Idempotent. REQUIRES: not called from an RPC handler or a signal handler.
  void stop();

  // Validates and pools a transaction (as author_submitExtrinsic). The watcher (optional) gets
  // every status of this transaction.
  [[nodiscard]] SubmitOutcome submit(ByteSpan encoded, TxWatcher watcher = {});

  // Builds, commits and announces one block from the ready transactions (possibly empty when
  // allow_empty). nullopt when nothing was ready and !allow_empty.
  [[nodiscard]] Result<std::optional<BlockRef>> seal(bool allow_empty = false);

  [[nodiscard]] BlockRef best() const;
  [[nodiscard]] const ByteArray<32>& genesis_hash() const { return genesis_; }
  [[nodiscard]] const Runtime& runtime() const { return *runtime_; }
  [[nodiscard]] ChainStore& store() { return *store_; }
  // The next nonce for `who`: the account's nonce plus its ready transactions.
  [[nodiscard]] std::uint32_t next_index(const ByteArray<32>& who) const;
  // Ready / future transaction counts.
  [[nodiscard]] std::pair<std::size_t, std::size_t> pool_size() const;
  // A read proof (as state_getReadProof: the trie nodes a reader of `keys` visits) of the state
  // after block `at`; the best block's comes from the live trie, older ones are rebuilt from the
  // store. Errors: store.
  [[nodiscard]] Result<std::vector<Bytes>> read_proof(const std::vector<Bytes>& keys,
                                                      std::uint32_t at) const;
  // The GRANDPA justification (SCALE GrandpaJustification) finalising block `number`;
  // nullopt for genesis or an unknown block. Errors: store.
  [[nodiscard]] Result<std::optional<Bytes>> justification(std::uint32_t number) const;
  // The authority set that signs the justifications now.
  [[nodiscard]] chain::grandpa::AuthoritySet grandpa_set() const;
  // Schedules a GRANDPA authority-set change as Substrate announces it: the next block carries
  // a Consensus(FRNK, ScheduledChange{next, delay}) digest; block (that block + delay) is still
  // finalised by the current set, later blocks by the new one with set id + 1. Kept in memory
  // only (a restart returns to the configured set). Errors: bad SURIs, a change already pending.
  [[nodiscard]] Result<void> schedule_grandpa_change(const std::vector<std::string>& suris,
                                                     std::uint32_t delay);
  // Blocks until best().number >= number or timeout_ms passed; true when reached.
  bool wait_for_block(std::uint32_t number, std::uint32_t timeout_ms) const;

  struct Impl;

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const Runtime> runtime_;
  ChainStore* store_ = nullptr;
  ByteArray<32> genesis_{};
};

// SCALE header: parent ++ Compact(number) ++ state_root ++ extrinsics_root ++ digest (empty
// except for GRANDPA authority-set changes).
struct Header {
  ByteArray<32> parent_hash{};
  std::uint32_t number = 0;
  ByteArray<32> state_root{};
  ByteArray<32> extrinsics_root{};
  std::vector<chain::grandpa::DigestItem> digest;
  [[nodiscard]] chain::grandpa::Header generic() const;
  [[nodiscard]] Bytes encode() const;
  // Errors: malformed header bytes.
  [[nodiscard]] static Result<Header> decode(ByteSpan bytes);
  // As chain_getHeader answers (number as 0x-hex, digest {"logs":[]}).
  [[nodiscard]] nlohmann::json to_json() const;
};

// state_root is the trie root (ev/chain/trie.hpp, LayoutV1, as the runtime's state_version = 1
// declares) of the whole state after the block; extrinsics_root =
// blake2_256(SCALE(Vec<extrinsic>)).
[[nodiscard]] ByteArray<32> extrinsics_root(const std::vector<Bytes>& extrinsics);

}  // namespace ev::devnode
