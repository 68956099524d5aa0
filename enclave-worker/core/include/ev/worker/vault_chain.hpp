// The workers' view of the chain: VaultPointers storage read at the best block (every block of
// the dev node is final at once; on a parachain node the workers read finalized state through
// the mirror and confirm here), and pallet calls submitted and waited for. It reaches the node
// through the fixed-layout chain access (ev/chain/access.hpp: JSON-RPC over HTTP, the minimal
// metadata reading), not the full chain client.
//
// Thread safety: every method may be called from several threads.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ev/chain/access.hpp"
#include "ev/chain/keys.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/types.hpp"
#include "ev/worker/verified_state.hpp"

namespace ev::worker {

using vault::AccountId;
using vault::BlobId;
using vault::Epoch;

// What became of a submitted call.
struct CallOutcome {
  bool success = false;
  std::optional<std::string> error;  // "VaultPointers.EpochMismatch", ... when !success
  std::uint64_t block = 0;
  chain::access::H256 block_hash{};
  // True when the failure is the named pallet error (e.g. "EpochMismatch").
  [[nodiscard]] bool failed_with(std::string_view pallet_error) const;
};

// Where the chain is: its best block and its last finalized block.
struct ChainPosition {
  std::uint64_t best = 0;
  std::uint64_t finalized = 0;
};

class VaultChain {
 public:
  // Connects (http://, or ws:// reached over HTTP on the same port) and reads the runtime's
  // metadata.
  [[nodiscard]] static Result<std::unique_ptr<VaultChain>> connect(const std::string& url);

  // From now on every storage read goes through a verified view followed from `checkpoint`
  // (verified_state.hpp): read proofs against the last block finalised by a justification
  // that verifies under the trusted authority set.
  void verify_from(const ChainCheckpoint& checkpoint);
  // The verified view (nullptr when reads are not verified).
  [[nodiscard]] VerifiedState* verified() { return verified_.get(); }
  [[nodiscard]] Result<std::uint64_t> best_number();
  // The chain's genesis hash (read at connect).
  [[nodiscard]] chain::H256 genesis_hash() const { return chain_->identity().genesis_hash; }
  [[nodiscard]] Result<ChainPosition> position();

  [[nodiscard]] Result<std::optional<vault::EpochInfo>> epoch(const AccountId& wallet);
  // The wrapped DEK of (wallet, epoch); cached, since an epoch's DEK never changes (it is only
  // ever removed, when the epoch is destroyed).
  [[nodiscard]] Result<std::optional<Bytes>> wrapped_dek(const AccountId& wallet, Epoch epoch);
  // Whether the epoch's wrapped DEK is on chain now (uncached; a destroyed epoch leaves the cache).
  [[nodiscard]] Result<bool> dek_on_chain(const AccountId& wallet, Epoch epoch);
  // Every epoch of the wallet whose wrapped DEK is on chain (not destroyed), ascending.
  [[nodiscard]] Result<std::vector<Epoch>> dek_epochs(const AccountId& wallet);
  [[nodiscard]] Result<std::optional<vault::VaultPointer>> pointer(const AccountId& wallet,
                                                                   const BlobId& blob);
  // Every pointer of the wallet, in storage-key order.
  [[nodiscard]] Result<std::vector<std::pair<BlobId, vault::VaultPointer>>> pointers(
      const AccountId& wallet);
  // Every wallet with an epoch (Epochs), in storage-key order.
  [[nodiscard]] Result<std::vector<std::pair<AccountId, vault::EpochInfo>>> wallets();
  // Every agent grant of the wallet (Agents), active or revoked, in storage-key order.
  [[nodiscard]] Result<std::vector<std::pair<AccountId, vault::AgentGrant>>> grants(
      const AccountId& wallet);
  [[nodiscard]] Result<std::optional<vault::AgentGrant>> grant(const AccountId& wallet,
                                                               const AccountId& agent);
  [[nodiscard]] Result<std::uint32_t> live_blobs(const AccountId& wallet, Epoch epoch);
  [[nodiscard]] Result<std::optional<vault::WorkerInfo>> worker(const AccountId& account);
  [[nodiscard]] Result<std::optional<vault::Role>> approved(const vault::Measurement& m);

  // Signs with `signer`, submits, waits for the block and reports the outcome. A pallet error is
  // a successful Result with success == false. Errors: WorkerErrc::Rejected when the node
  // refused the transaction (invalid, pool full: it can never be included); otherwise the
  // transaction was lost or dropped, or the connection failed, and it may still be included
  // (WorkerErrc::Unavailable with the reason).
  [[nodiscard]] Result<CallOutcome> submit(const chain::KeyPair& signer, const vault::Call& call);
  // Utility.batch_all of `calls` (all or nothing).
  [[nodiscard]] Result<CallOutcome> submit_batch(const chain::KeyPair& signer,
                                                 const std::vector<vault::Call>& calls);
  // Sudo.sudo(call), for the dev stack's measurement approvals.
  [[nodiscard]] Result<CallOutcome> submit_sudo(const chain::KeyPair& sudo_key,
                                                const vault::Call& call);

 private:
  explicit VaultChain(std::unique_ptr<chain::access::ChainAccess> chain);
  Result<std::optional<Bytes>> read(ByteSpan key);
  Result<chain::access::Included> submit_encoded(const chain::KeyPair& signer, const Bytes& call);
  static CallOutcome outcome(const chain::access::Included& in);

  std::unique_ptr<chain::access::ChainAccess> chain_;
  std::unique_ptr<VerifiedState> verified_;
  std::mutex mu_;  // guards dek_cache_
  std::unordered_map<std::string, Bytes> dek_cache_;
};

}  // namespace ev::worker
