// Following a chain from a checkpoint: headers linked by parent hash, justifications signed by
// dev ed25519 keys, and authority-set changes announced in FRNK consensus digests.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ev/chain/grandpa.hpp"
#include "ev/chain/keys.hpp"

namespace {

using ev::Bytes;
using ev::chain::H256;
namespace grandpa = ev::chain::grandpa;

ev::chain::KeyPair dev_key(const char* suri) {
  auto k = ev::chain::from_suri(ev::chain::Scheme::Ed25519, suri);
  REQUIRE(k.ok());
  return std::move(k).value();
}

H256 id_of(const ev::chain::KeyPair& k) {
  H256 id{};
  const Bytes pk = k.public_key();
  std::copy(pk.begin(), pk.end(), id.begin());
  return id;
}

grandpa::Header make_header(const H256& parent, std::uint32_t number,
                            std::vector<grandpa::DigestItem> digest = {}) {
  grandpa::Header h;
  h.parent_hash = parent;
  h.number = number;
  h.state_root[0] = static_cast<std::uint8_t>(number);
  h.digest = std::move(digest);
  const Bytes enc = grandpa::encode_header(h);
  h.hash = ev::chain::blake2_256(enc);
  auto back = grandpa::decode_header(enc);
  REQUIRE(back.ok());
  REQUIRE(back->hash == h.hash);
  return h;
}

grandpa::DigestItem change_digest(const grandpa::ConsensusLog& log) {
  grandpa::DigestItem d;
  d.kind = 4;
  d.engine = grandpa::kEngineId;
  d.data = grandpa::encode_consensus_log(log);
  return d;
}

grandpa::Justification justify(const grandpa::Header& h, std::uint64_t round, std::uint64_t set_id,
                               const std::vector<const ev::chain::KeyPair*>& signers) {
  grandpa::Justification j;
  j.round = round;
  j.commit.target_hash = h.hash;
  j.commit.target_number = h.number;
  for (const auto* k : signers) {
    grandpa::SignedPrecommit s;
    s.precommit = {h.hash, h.number};
    auto sig = k->sign(grandpa::precommit_message(s.precommit, round, set_id));
    REQUIRE(sig.ok());
    std::copy(sig->begin(), sig->end(), s.signature.begin());
    s.id = id_of(*k);
    j.commit.precommits.push_back(s);
  }
  // Round trip through the wire format, as a justification from a node would arrive.
  auto back = grandpa::decode_justification(grandpa::encode_justification(j));
  REQUIRE(back.ok());
  return std::move(back).value();
}

void expect(const ev::Result<void>& r, grandpa::Errc e) {
  REQUIRE(!r.ok());
  INFO(r.error().to_string());
  CHECK(ev::is(r.error(), e));
}

}  // namespace

TEST_CASE("grandpa follower: headers by hash, justifications, a scheduled set change",
          "[grandpa]") {
  const auto alice = dev_key("//Alice");
  const auto bob = dev_key("//Bob");
  const auto charlie = dev_key("//Charlie");
  const grandpa::Header genesis = make_header(H256{}, 0);
  grandpa::Follower f(genesis.hash, 0, {0, {{id_of(alice), 1}}});

  const auto h1 = make_header(genesis.hash, 1);
  REQUIRE(f.import_header(h1).ok());
  // Not linked: wrong parent, wrong number, or the same height again.
  expect(f.import_header(make_header(genesis.hash, 1)), grandpa::Errc::NotLinked);
  expect(f.import_header(make_header(h1.hash, 3)), grandpa::Errc::NotLinked);

  grandpa::ConsensusLog change;
  change.kind = grandpa::ConsensusLog::Kind::ScheduledChange;
  change.next_authorities = {{id_of(bob), 1}, {id_of(charlie), 1}};
  change.delay = 1;
  const auto h2 = make_header(h1.hash, 2, {change_digest(change)});
  REQUIRE(f.import_header(h2).ok());
  const auto h3 = make_header(h2.hash, 3);
  REQUIRE(f.import_header(h3).ok());
  const auto h4 = make_header(h3.hash, 4);
  REQUIRE(f.import_header(h4).ok());

  // Block 1 by the current set.
  REQUIRE(f.finalize(h1.hash, justify(h1, 1, 0, {&alice})).ok());
  CHECK(f.finalized_number() == 1);
  // Replay of the same justification, and an unknown block.
  expect(f.finalize(h1.hash, justify(h1, 1, 0, {&alice})), grandpa::Errc::AlreadyFinal);
  const auto stranger = make_header(h1.hash, 2);
  expect(f.finalize(stranger.hash, justify(stranger, 2, 0, {&alice})), grandpa::Errc::UnknownBlock);
  // Block 4 cannot be finalised before block 3, which enacts the change.
  expect(f.finalize(h4.hash, justify(h4, 2, 0, {&alice})), grandpa::Errc::SkipsSetChange);
  // Block 3 is still finalised by the old set; then the new set (id 1) takes over.
  expect(f.finalize(h3.hash, justify(h3, 2, 1, {&bob, &charlie})), grandpa::Errc::BadSignature);
  REQUIRE(f.finalize(h3.hash, justify(h3, 2, 0, {&alice})).ok());
  CHECK(f.authority_set().set_id == 1);
  CHECK(f.authority_set().authorities.size() == 2);
  REQUIRE(f.finalized_header().has_value());
  CHECK(f.finalized_header()->state_root == h3.state_root);
  // The old voter no longer counts; one of two new voters is below the threshold (2 of 2).
  expect(f.finalize(h4.hash, justify(h4, 3, 1, {&alice})), grandpa::Errc::InsufficientWeight);
  expect(f.finalize(h4.hash, justify(h4, 3, 1, {&bob})), grandpa::Errc::InsufficientWeight);
  expect(f.finalize(h4.hash, justify(h4, 3, 0, {&bob, &charlie})), grandpa::Errc::BadSignature);
  REQUIRE(f.finalize(h4.hash, justify(h4, 3, 1, {&bob, &charlie})).ok());
  CHECK(f.finalized_number() == 4);
  CHECK(f.finalized_hash() == h4.hash);
}

TEST_CASE("grandpa follower: a forced change is enacted on import", "[grandpa]") {
  const auto alice = dev_key("//Alice");
  const auto bob = dev_key("//Bob");
  const grandpa::Header genesis = make_header(H256{}, 0);
  grandpa::Follower f(genesis.hash, 0, {5, {{id_of(alice), 1}}});
  grandpa::ConsensusLog forced;
  forced.kind = grandpa::ConsensusLog::Kind::ForcedChange;
  forced.median = 0;
  forced.next_authorities = {{id_of(bob), 1}};
  forced.delay = 1;
  const auto h1 = make_header(genesis.hash, 1, {change_digest(forced)});
  REQUIRE(f.import_header(h1).ok());
  CHECK(f.authority_set().set_id == 5);
  const auto h2 = make_header(h1.hash, 2);
  REQUIRE(f.import_header(h2).ok());
  CHECK(f.authority_set().set_id == 6);
  expect(f.finalize(h2.hash, justify(h2, 1, 6, {&alice})), grandpa::Errc::InsufficientWeight);
  REQUIRE(f.finalize(h2.hash, justify(h2, 1, 6, {&bob})).ok());
}

TEST_CASE("grandpa: consensus logs round-trip; malformed FRNK digests are refused", "[grandpa]") {
  for (auto kind :
       {grandpa::ConsensusLog::Kind::ScheduledChange, grandpa::ConsensusLog::Kind::ForcedChange,
        grandpa::ConsensusLog::Kind::OnDisabled, grandpa::ConsensusLog::Kind::Pause,
        grandpa::ConsensusLog::Kind::Resume}) {
    grandpa::ConsensusLog log;
    log.kind = kind;
    if (kind == grandpa::ConsensusLog::Kind::ScheduledChange ||
        kind == grandpa::ConsensusLog::Kind::ForcedChange) {
      log.next_authorities = {{H256{}, 7}};
    }
    log.delay = 3;
    if (kind == grandpa::ConsensusLog::Kind::ForcedChange) log.median = 9;
    if (kind == grandpa::ConsensusLog::Kind::OnDisabled) {
      log.delay = 0;
      log.disabled = 2;
    }
    const Bytes enc = grandpa::encode_consensus_log(log);
    auto back = grandpa::decode_consensus_log(enc);
    REQUIRE(back.ok());
    CHECK(grandpa::encode_consensus_log(*back) == enc);
  }
  // ScheduledChange { [(zero id, weight 1)], delay 0 } = 01 04 <32 zero bytes> 01..00 00000000
  Bytes sc = {1, 4};
  sc.resize(2 + 32, 0);
  const Bytes tail = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // weight 1 (u64), delay 0 (u32)
  sc.insert(sc.end(), tail.begin(), tail.end());
  REQUIRE(grandpa::decode_consensus_log(sc).ok());
  for (const Bytes& bad :
       {Bytes{}, Bytes{9}, Bytes{1, 4, 0}, Bytes{4, 0, 0}, Bytes{5, 1, 0, 0, 0, 0}}) {
    auto r = grandpa::decode_consensus_log(bad);
    REQUIRE(!r.ok());
    CHECK(ev::is(r.error(), grandpa::Errc::BadConsensusLog));
  }
  grandpa::Follower f(H256{}, 0, {0, {{H256{}, 1}}});
  grandpa::DigestItem d;
  d.kind = 4;
  d.engine = grandpa::kEngineId;
  d.data = {1, 4, 0};
  grandpa::Header h;
  h.number = 1;
  h.digest = {d};
  h.hash = ev::chain::blake2_256(grandpa::encode_header(h));
  expect(f.import_header(h), grandpa::Errc::BadConsensusLog);
}
