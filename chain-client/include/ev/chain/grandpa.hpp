// GRANDPA finality justifications (sp-consensus-grandpa / sc-consensus-grandpa): SCALE
// decoding of GrandpaJustification and of the headers it carries, and verification against an
// authority set. Format and rules: docs/verified-chain.md.
//
// Depends only on hash, keys (ed25519) and the SCALE primitives: no RPC.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain::grandpa {

enum class Errc {
  Decode = 1,          // bytes that are not a canonical justification / header
  TargetMismatch,      // the commit finalises another block than the one asked about
  BadSignature,        // a precommit signature does not verify for (round, set_id)
  InsufficientWeight,  // distinct voters of the set sign less than the threshold
  NotDescendant,       // a precommit target does not reach the commit target via the ancestry
  UnusedAncestry,      // votes_ancestries holds headers no precommit route uses
  EmptySet,            // an authority set without weight
  NotLinked,           // a header that does not extend the followed chain by parent hash
  UnknownBlock,        // finalising a block that was not imported
  AlreadyFinal,        // a justification for a block at or below the finalized one (replay)
  SkipsSetChange,      // finalising past a pending set change without its own justification
  BadConsensusLog,     // an FRNK consensus digest that does not decode
};

}  // namespace ev::chain::grandpa

namespace ev {
template <>
struct ErrorTraits<chain::grandpa::Errc> {
  static constexpr std::string_view domain = "grandpa";
  static std::string_view message(chain::grandpa::Errc e);
};
}  // namespace ev

namespace ev::chain::grandpa {

// ConsensusEngineId of GRANDPA digests and justifications.
inline constexpr std::array<std::uint8_t, 4> kEngineId = {'F', 'R', 'N', 'K'};

struct Precommit {
  H256 target_hash{};
  std::uint32_t target_number = 0;
};

struct SignedPrecommit {
  Precommit precommit;
  H512 signature{};
  H256 id{};  // ed25519 public key
};

struct Commit {
  H256 target_hash{};
  std::uint32_t target_number = 0;
  std::vector<SignedPrecommit> precommits;
};

// sp_runtime::generic::DigestItem: Other(0), Consensus(4), Seal(5), PreRuntime(6),
// RuntimeEnvironmentUpdated(8).
struct DigestItem {
  std::uint8_t kind = 0;
  std::array<std::uint8_t, 4> engine{};  // Consensus / Seal / PreRuntime
  Bytes data;                            // all but RuntimeEnvironmentUpdated
};

// A Substrate header with u32 block numbers; hash = blake2_256(its encoding).
struct Header {
  H256 parent_hash{};
  std::uint32_t number = 0;
  H256 state_root{};
  H256 extrinsics_root{};
  std::vector<DigestItem> digest;
  H256 hash{};
};

struct Justification {
  std::uint64_t round = 0;
  Commit commit;
  std::vector<Header> votes_ancestries;
};

struct Authority {
  H256 id{};
  std::uint64_t weight = 1;
  friend bool operator==(const Authority&, const Authority&) = default;
};

struct AuthoritySet {
  std::uint64_t set_id = 0;
  std::vector<Authority> authorities;
};

// Decoding is strict and whole-buffer (trailing bytes are an error).
[[nodiscard]] Result<Justification> decode_justification(ByteSpan bytes);
[[nodiscard]] Bytes encode_justification(const Justification& j);
[[nodiscard]] Result<Header> decode_header(ByteSpan bytes);
[[nodiscard]] Bytes encode_header(const Header& h);

// The bytes a voter signs: SCALE((Message::Precommit(p), round u64, set_id u64)) =
// 0x01 ‖ target_hash ‖ target_number u32 LE ‖ round u64 LE ‖ set_id u64 LE.
[[nodiscard]] Bytes precommit_message(const Precommit& p, std::uint64_t round,
                                      std::uint64_t set_id);

// Threshold of a set with total weight t: t - (t - 1) / 3 (more than two thirds).
[[nodiscard]] std::uint64_t threshold(const AuthoritySet& set);

// Verifies that `j` finalises block (hash, number) under `set`, as sc-consensus-grandpa's
// GrandpaJustification::verify_with_voter_set does:
//   * the commit target is (hash, number) (TargetMismatch);
//   * every precommit's signature verifies over precommit_message(.., j.round, set.set_id)
//     (BadSignature, naming the precommit);
//   * every precommit target is the commit target or reaches it by parent hashes through
//     votes_ancestries, with numbers that agree (NotDescendant);
//   * every header of votes_ancestries lies on some precommit's route (UnusedAncestry);
//   * the distinct voters of the set among the signers weigh at least threshold(set)
//     (InsufficientWeight); signers outside the set, and a voter's second precommit, add
//     nothing.
[[nodiscard]] Result<void> verify_justification(const Justification& j, const AuthoritySet& set,
                                                const H256& hash, std::uint32_t number);

// ConsensusLog of sp-consensus-grandpa, carried in Consensus digests with engine FRNK.
struct ConsensusLog {
  enum class Kind : std::uint8_t {
    ScheduledChange = 1,  // next set after `delay` blocks, enacted when that block is final
    ForcedChange = 2,     // next set after `delay` blocks, enacted when that block is imported
    OnDisabled = 3,
    Pause = 4,
    Resume = 5,
  };
  Kind kind = Kind::ScheduledChange;
  std::vector<Authority> next_authorities;  // changes
  std::uint32_t delay = 0;                  // changes, Pause, Resume
  std::uint32_t median = 0;                 // ForcedChange
  std::uint64_t disabled = 0;               // OnDisabled
};
[[nodiscard]] Result<ConsensusLog> decode_consensus_log(ByteSpan bytes);
[[nodiscard]] Bytes encode_consensus_log(const ConsensusLog& log);

// Follows a chain from a trusted checkpoint (a block hash and number, and the authority set
// that finalises its successors): headers are imported by parent hash, justifications
// finalise them, and the authority set follows the FRNK set changes of the headers.
//   * ScheduledChange in block N with delay d: enacted when block N + d is finalised; that
//     block's justification is still signed by the old set, and finality cannot jump past it
//     (SkipsSetChange) since later blocks are signed by the new one;
//   * ForcedChange in block N with delay d: enacted when block N + d is imported.
// Each enacted change increments the set id. Not thread-safe.
class Follower {
 public:
  Follower(const H256& checkpoint_hash, std::uint32_t checkpoint_number, AuthoritySet set);

  // NotLinked unless h.parent_hash is the last imported (or finalised) block's hash and
  // h.number is one more; BadConsensusLog for an undecodable FRNK consensus digest.
  [[nodiscard]] Result<void> import_header(const Header& h);
  // Verifies j for the imported block `hash` under the current set and makes it final.
  [[nodiscard]] Result<void> finalize(const H256& hash, const Justification& j);

  [[nodiscard]] const AuthoritySet& authority_set() const { return set_; }
  [[nodiscard]] const H256& finalized_hash() const { return finalized_hash_; }
  [[nodiscard]] std::uint32_t finalized_number() const { return finalized_number_; }
  // The finalised header (nullopt at the checkpoint itself).
  [[nodiscard]] const std::optional<Header>& finalized_header() const { return finalized_; }

 private:
  struct Pending {
    std::uint64_t effective = 0;  // block number at which the change takes effect
    std::vector<Authority> next;
  };
  void enact(std::vector<Authority> next);

  AuthoritySet set_;
  H256 finalized_hash_{};
  std::uint32_t finalized_number_ = 0;
  std::optional<Header> finalized_;
  std::vector<Header> unfinalized_;  // linear, from finalized_number_ + 1
  std::vector<Pending> scheduled_;   // in announcement order
  std::optional<Pending> forced_;
};

}  // namespace ev::chain::grandpa
