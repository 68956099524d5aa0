// GRANDPA finality justifications (sp-consensus-grandpa / sc-consensus-grandpa): SCALE
// decoding of GrandpaJustification and of the headers it carries, and verification against an
// authority set. Format and rules: docs/verified-chain.md.
//
// Depends only on hash, keys (ed25519) and the SCALE primitives: no RPC.
#pragma once

#include <array>
#include <cstdint>
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

}  // namespace ev::chain::grandpa
