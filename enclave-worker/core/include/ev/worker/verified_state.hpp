// The workers' verified view of the chain: storage read through Merkle read proofs against the
// state root of the last block finalised by a GRANDPA justification that verifies under the
// trusted authority set, followed from a trusted checkpoint (docs/verified-chain.md, "Workers").
//
// Nothing the node answers is believed: headers are hashed here and linked by parent hash,
// justifications are verified (grandpa::Follower), values and listings are read out of proofs
// (trie::verify_read_proof, trie::read_prefix). An answer that does not verify is
// WorkerErrc::Unavailable "chain answer does not verify: ...", and the view stays where it was.
//
// The RPC is a function (method, params JSON) -> result, so the view does not depend on how the
// worker talks to its node. Thread safety: every method may be called from several threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ev/chain/grandpa.hpp"
#include "ev/chain/rpc/json.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::worker {

// The trusted starting point, from the worker's (attested) configuration: a block the operator
// vouches for and the GRANDPA authority set that finalises its successors.
struct ChainCheckpoint {
  chain::H256 hash{};
  std::uint32_t number = 0;
  chain::grandpa::AuthoritySet set;
};

// Parses the configuration form: checkpoint "0x<hash>:<number>", authorities
// "0x<ed25519 id>[:<weight>],..." and the set id. Errors: WorkerErrc::Config.
[[nodiscard]] Result<ChainCheckpoint> parse_checkpoint(std::string_view checkpoint,
                                                       std::string_view authorities,
                                                       std::uint64_t set_id);

// FinalityProof as grandpa_proveFinality returns it (SCALE): the finalised block's hash, the
// encoded GrandpaJustification and headers between (unknown_headers, not used here: headers are
// fetched by hash and linked). Errors: grandpa Decode.
struct FinalityProof {
  chain::H256 block{};
  Bytes justification;
};
[[nodiscard]] Result<FinalityProof> decode_finality_proof(ByteSpan bytes);

using RpcCall =
    std::function<Result<chain::JsonValue>(std::string_view method, std::string_view params)>;

class VerifiedState {
 public:
  VerifiedState(RpcCall rpc, ChainCheckpoint checkpoint);

  // The verified finalised block a read is made at.
  struct Head {
    chain::H256 hash{};
    std::uint32_t number = 0;
    chain::H256 state_root{};
  };

  // Follows the node's finalised head: fetches the headers from it back to the verified one,
  // imports them by parent hash, and finalises with the node's justifications (stopping at each
  // scheduled authority-set change). On any failure the view is unchanged.
  [[nodiscard]] Result<Head> sync();
  // The value under `key` at the verified head (after sync()).
  [[nodiscard]] Result<std::optional<Bytes>> read(ByteSpan key);
  // Every entry under `prefix` at the verified head, complete (after sync()).
  [[nodiscard]] Result<std::vector<std::pair<Bytes, Bytes>>> read_prefix(ByteSpan prefix);

  struct Status {
    std::uint32_t finalized = 0;
    std::uint64_t set_id = 0;
    std::uint64_t verified_reads = 0;
    std::uint64_t refusals = 0;  // answers that did not verify
    std::string last_refusal;
  };
  [[nodiscard]] Status status() const;

 private:
  Result<Head> sync_locked();
  Result<chain::grandpa::Header> fetch_header(const chain::H256& hash);
  Result<std::vector<Bytes>> fetch_proof(const std::vector<Bytes>& keys, const chain::H256& at);
  Error refuse(const Error& e);

  RpcCall rpc_;
  mutable std::mutex mu_;  // guards everything below
  chain::grandpa::Follower follower_;
  std::vector<std::uint32_t> change_at_;  // blocks that enact a scheduled set change
  chain::H256 state_root_{};              // of the finalised block (checkpoint: fetched)
  bool root_known_ = false;
  Status status_;
};

// Prometheus lines of the view for a worker's /metrics (`<prefix>_chain_verified_block`,
// `<prefix>_chain_verified_reads_total`, `<prefix>_chain_refusals_total`); "" without a view.
[[nodiscard]] std::string verified_view_metrics(std::string_view prefix, const VerifiedState* v);

}  // namespace ev::worker
