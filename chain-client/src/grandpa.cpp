// GRANDPA justifications: decoding and verification. See grandpa.hpp.
#include "ev/chain/grandpa.hpp"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "ev/chain/keys.hpp"
#include "ev/chain/scale.hpp"

namespace ev {

std::string_view ErrorTraits<chain::grandpa::Errc>::message(chain::grandpa::Errc e) {
  using chain::grandpa::Errc;
  switch (e) {
    case Errc::Decode: return "malformed justification";
    case Errc::TargetMismatch: return "commit target is not the block being finalised";
    case Errc::BadSignature: return "invalid precommit signature";
    case Errc::InsufficientWeight: return "precommits below the threshold";
    case Errc::NotDescendant: return "invalid precommit ancestry proof";
    case Errc::UnusedAncestry: return "votes_ancestries holds unused headers";
    case Errc::EmptySet: return "empty authority set";
    case Errc::NotLinked: return "header does not extend the followed chain";
    case Errc::UnknownBlock: return "block not imported";
    case Errc::AlreadyFinal: return "block already final";
    case Errc::SkipsSetChange: return "finality skips an authority set change";
    case Errc::BadConsensusLog: return "malformed GRANDPA consensus log";
  }
  return "unknown grandpa error";
}

}  // namespace ev

namespace ev::chain::grandpa {

namespace {

Error decode_error(std::string_view where, const Error& e) {
  return make_error(Errc::Decode, std::string(where) + ": " + e.message);
}

template <class T>
Result<T> read(scale::Decoder& d, std::string_view where) {
  auto r = scale::decode<T>(d);
  if (!r.ok()) return decode_error(where, r.error());
  return std::move(r).value();
}

Result<Header> read_header(scale::Decoder& d, ByteSpan input) {
  const std::size_t start = d.pos();
  Header h;
  h.parent_hash = EV_TRY(read<H256>(d, "header parent_hash"));
  auto number = d.compact_as<std::uint32_t>();
  if (!number.ok()) return decode_error("header number", number.error());
  h.number = *number;
  h.state_root = EV_TRY(read<H256>(d, "header state_root"));
  h.extrinsics_root = EV_TRY(read<H256>(d, "header extrinsics_root"));
  auto n = d.length(1);
  if (!n.ok()) return decode_error("header digest", n.error());
  for (std::size_t i = 0; i < *n; ++i) {
    DigestItem item;
    item.kind = EV_TRY(read<std::uint8_t>(d, "digest item kind"));
    switch (item.kind) {
      case 0: {
        auto b = d.bytes();
        if (!b.ok()) return decode_error("digest Other", b.error());
        item.data = std::move(b).value();
        break;
      }
      case 4:
      case 5:
      case 6: {
        item.engine = EV_TRY(read<std::array<std::uint8_t, 4>>(d, "digest engine id"));
        auto b = d.bytes();
        if (!b.ok()) return decode_error("digest item data", b.error());
        item.data = std::move(b).value();
        break;
      }
      case 8: break;
      default:
        return make_error(Errc::Decode,
                          "header digest: unknown item kind " + std::to_string(item.kind));
    }
    h.digest.push_back(std::move(item));
  }
  h.hash = blake2_256(input.subspan(start, d.pos() - start));
  return h;
}

void write_header(scale::Encoder& e, const Header& h) {
  e.raw(h.parent_hash).compact(h.number).raw(h.state_root).raw(h.extrinsics_root);
  e.compact(h.digest.size());
  for (const auto& item : h.digest) {
    e.u8(item.kind);
    if (item.kind == 4 || item.kind == 5 || item.kind == 6) e.raw(item.engine);
    if (item.kind != 8) e.bytes(item.data);
  }
}

}  // namespace

Result<Header> decode_header(ByteSpan bytes) {
  scale::Decoder d(bytes);
  Header h = EV_TRY(read_header(d, bytes));
  if (!d.empty()) {
    return make_error(Errc::Decode, std::to_string(d.remaining()) + " trailing bytes after header");
  }
  return h;
}

Bytes encode_header(const Header& h) {
  scale::Encoder e;
  write_header(e, h);
  return e.take();
}

Result<Justification> decode_justification(ByteSpan bytes) {
  scale::Decoder d(bytes);
  Justification j;
  j.round = EV_TRY(read<std::uint64_t>(d, "round"));
  j.commit.target_hash = EV_TRY(read<H256>(d, "commit target_hash"));
  j.commit.target_number = EV_TRY(read<std::uint32_t>(d, "commit target_number"));
  // A SignedPrecommit is 32 + 4 + 64 + 32 bytes.
  auto n = d.length(132);
  if (!n.ok()) return decode_error("precommits", n.error());
  j.commit.precommits.reserve(*n);
  for (std::size_t i = 0; i < *n; ++i) {
    SignedPrecommit s;
    s.precommit.target_hash = EV_TRY(read<H256>(d, "precommit target_hash"));
    s.precommit.target_number = EV_TRY(read<std::uint32_t>(d, "precommit target_number"));
    s.signature = EV_TRY(read<H512>(d, "precommit signature"));
    s.id = EV_TRY(read<H256>(d, "precommit id"));
    j.commit.precommits.push_back(s);
  }
  // A header is at least 32 + 1 + 32 + 32 + 1 bytes.
  auto m = d.length(98);
  if (!m.ok()) return decode_error("votes_ancestries", m.error());
  for (std::size_t i = 0; i < *m; ++i) {
    auto h = read_header(d, bytes);
    if (!h.ok()) return std::move(h).error().context("votes_ancestries[" + std::to_string(i) + "]");
    j.votes_ancestries.push_back(std::move(h).value());
  }
  if (!d.empty()) {
    return make_error(Errc::Decode,
                      std::to_string(d.remaining()) + " trailing bytes after justification");
  }
  return j;
}

Bytes encode_justification(const Justification& j) {
  scale::Encoder e;
  e.u64(j.round).raw(j.commit.target_hash).u32(j.commit.target_number);
  e.compact(j.commit.precommits.size());
  for (const auto& s : j.commit.precommits) {
    e.raw(s.precommit.target_hash).u32(s.precommit.target_number).raw(s.signature).raw(s.id);
  }
  e.compact(j.votes_ancestries.size());
  for (const auto& h : j.votes_ancestries) write_header(e, h);
  return e.take();
}

Bytes precommit_message(const Precommit& p, std::uint64_t round, std::uint64_t set_id) {
  scale::Encoder e;
  e.u8(1).raw(p.target_hash).u32(p.target_number).u64(round).u64(set_id);
  return e.take();
}

std::uint64_t threshold(const AuthoritySet& set) {
  std::uint64_t total = 0;
  for (const auto& a : set.authorities) total += a.weight;
  if (total == 0) return 0;
  return total - (total - 1) / 3;
}

Result<void> verify_justification(const Justification& j, const AuthoritySet& set, const H256& hash,
                                  std::uint32_t number) {
  const std::uint64_t need = threshold(set);
  if (need == 0) return make_error(Errc::EmptySet, "set " + std::to_string(set.set_id));
  if (j.commit.target_hash != hash || j.commit.target_number != number) {
    return make_error(Errc::TargetMismatch, "commit targets #" +
                                                std::to_string(j.commit.target_number) + " " +
                                                to_hex(j.commit.target_hash) + ", expected #" +
                                                std::to_string(number) + " " + to_hex(hash));
  }
  std::map<H256, const Header*> ancestry;
  for (const auto& h : j.votes_ancestries) ancestry.emplace(h.hash, &h);
  std::map<H256, std::uint64_t> weights;
  for (const auto& a : set.authorities) weights[a.id] += a.weight;

  std::set<H256> visited;
  std::set<H256> voted;
  std::uint64_t weight = 0;
  for (std::size_t i = 0; i < j.commit.precommits.size(); ++i) {
    const SignedPrecommit& s = j.commit.precommits[i];
    const std::string who = "precommit " + std::to_string(i) + " by " + to_hex(s.id);
    const Bytes msg = precommit_message(s.precommit, j.round, set.set_id);
    if (!verify(Scheme::Ed25519, s.id, msg, s.signature).ok()) {
      return make_error(Errc::BadSignature, who + " (round " + std::to_string(j.round) + ", set " +
                                                std::to_string(set.set_id) + ")");
    }
    // Route from the precommit target down to the commit target.
    if (s.precommit.target_hash != j.commit.target_hash) {
      H256 cur = s.precommit.target_hash;
      std::uint32_t cur_number = s.precommit.target_number;
      for (;;) {
        auto it = ancestry.find(cur);
        if (it == ancestry.end() || it->second->number != cur_number ||
            cur_number <= j.commit.target_number) {
          return make_error(Errc::NotDescendant,
                            who + ": no route from #" + std::to_string(s.precommit.target_number) +
                                " " + to_hex(s.precommit.target_hash) + " to the commit target");
        }
        visited.insert(cur);
        cur = it->second->parent_hash;
        cur_number = it->second->number - 1;
        if (cur == j.commit.target_hash) {
          if (cur_number != j.commit.target_number) {
            return make_error(Errc::NotDescendant, who + ": ancestry numbers disagree");
          }
          break;
        }
      }
    } else if (s.precommit.target_number != j.commit.target_number) {
      return make_error(Errc::NotDescendant, who + ": target number differs from the commit's");
    }
    auto w = weights.find(s.id);
    if (w != weights.end() && voted.insert(s.id).second) weight += w->second;
  }
  for (const auto& h : j.votes_ancestries) {
    if (visited.count(h.hash) == 0) {
      return make_error(Errc::UnusedAncestry, "header #" + std::to_string(h.number) + " " +
                                                  to_hex(h.hash) + " is on no precommit's route");
    }
  }
  if (weight < need) {
    return make_error(Errc::InsufficientWeight, "signed weight " + std::to_string(weight) +
                                                    " of the set's voters, threshold " +
                                                    std::to_string(need));
  }
  return ok();
}

namespace {

Result<std::vector<Authority>> read_authorities(scale::Decoder& d) {
  auto n = d.length(40);
  if (!n.ok()) return make_error(Errc::BadConsensusLog, "authorities: " + n.error().message);
  std::vector<Authority> out;
  for (std::size_t i = 0; i < *n; ++i) {
    auto id = scale::decode<H256>(d);
    auto w = d.u64();
    if (!id.ok() || !w.ok()) return make_error(Errc::BadConsensusLog, "authority truncated");
    out.push_back({*id, *w});
  }
  return out;
}

Result<std::uint32_t> read_u32(scale::Decoder& d, std::string_view what) {
  auto v = d.u32();
  if (!v.ok()) return make_error(Errc::BadConsensusLog, std::string(what) + " truncated");
  return *v;
}

}  // namespace

Result<ConsensusLog> decode_consensus_log(ByteSpan bytes) {
  scale::Decoder d(bytes);
  auto tag = d.u8();
  if (!tag.ok()) return make_error(Errc::BadConsensusLog, "empty");
  ConsensusLog log;
  switch (*tag) {
    case 1:
      log.kind = ConsensusLog::Kind::ScheduledChange;
      log.next_authorities = EV_TRY(read_authorities(d));
      log.delay = EV_TRY(read_u32(d, "delay"));
      break;
    case 2:
      log.kind = ConsensusLog::Kind::ForcedChange;
      log.median = EV_TRY(read_u32(d, "median"));
      log.next_authorities = EV_TRY(read_authorities(d));
      log.delay = EV_TRY(read_u32(d, "delay"));
      break;
    case 3: {
      log.kind = ConsensusLog::Kind::OnDisabled;
      auto v = d.u64();
      if (!v.ok()) return make_error(Errc::BadConsensusLog, "authority index truncated");
      log.disabled = *v;
      break;
    }
    case 4:
    case 5:
      log.kind = *tag == 4 ? ConsensusLog::Kind::Pause : ConsensusLog::Kind::Resume;
      log.delay = EV_TRY(read_u32(d, "delay"));
      break;
    default: return make_error(Errc::BadConsensusLog, "unknown log tag " + std::to_string(*tag));
  }
  if (!d.empty()) return make_error(Errc::BadConsensusLog, "trailing bytes");
  return log;
}

Bytes encode_consensus_log(const ConsensusLog& log) {
  scale::Encoder e;
  e.u8(static_cast<std::uint8_t>(log.kind));
  auto authorities = [&] {
    e.compact(log.next_authorities.size());
    for (const auto& a : log.next_authorities) e.raw(a.id).u64(a.weight);
  };
  switch (log.kind) {
    case ConsensusLog::Kind::ScheduledChange:
      authorities();
      e.u32(log.delay);
      break;
    case ConsensusLog::Kind::ForcedChange:
      e.u32(log.median);
      authorities();
      e.u32(log.delay);
      break;
    case ConsensusLog::Kind::OnDisabled: e.u64(log.disabled); break;
    case ConsensusLog::Kind::Pause:
    case ConsensusLog::Kind::Resume: e.u32(log.delay); break;
  }
  return e.take();
}

Follower::Follower(const H256& checkpoint_hash, std::uint32_t checkpoint_number, AuthoritySet set)
    : set_(std::move(set)),
      finalized_hash_(checkpoint_hash),
      finalized_number_(checkpoint_number) {}

void Follower::enact(std::vector<Authority> next) {
  set_.set_id += 1;
  set_.authorities = std::move(next);
}

Result<void> Follower::import_header(const Header& h) {
  const H256& tip = unfinalized_.empty() ? finalized_hash_ : unfinalized_.back().hash;
  const std::uint64_t tip_number =
      unfinalized_.empty() ? finalized_number_ : unfinalized_.back().number;
  if (h.parent_hash != tip || h.number != tip_number + 1) {
    return make_error(Errc::NotLinked, "header #" + std::to_string(h.number) + " " +
                                           to_hex(h.hash) + " has parent " + to_hex(h.parent_hash) +
                                           ", expected #" + std::to_string(tip_number + 1) +
                                           " on " + to_hex(tip));
  }
  std::vector<Pending> scheduled;
  std::optional<Pending> forced;
  for (const auto& item : h.digest) {
    if (item.kind != 4 || item.engine != kEngineId) continue;
    auto log = decode_consensus_log(item.data);
    if (!log.ok()) {
      return std::move(log).error().context("header #" + std::to_string(h.number));
    }
    if (log->kind == ConsensusLog::Kind::ScheduledChange) {
      scheduled.push_back({std::uint64_t{h.number} + log->delay, log->next_authorities});
    } else if (log->kind == ConsensusLog::Kind::ForcedChange) {
      forced = Pending{std::uint64_t{h.number} + log->delay, log->next_authorities};
    }
  }
  unfinalized_.push_back(h);
  for (auto& p : scheduled) scheduled_.push_back(std::move(p));
  if (forced) forced_ = std::move(forced);
  if (forced_ && forced_->effective == h.number) {
    enact(std::move(forced_->next));
    forced_.reset();
  }
  return ok();
}

Result<void> Follower::finalize(const H256& hash, const Justification& j) {
  if (j.commit.target_number <= finalized_number_ || hash == finalized_hash_) {
    return make_error(Errc::AlreadyFinal, "#" + std::to_string(j.commit.target_number) +
                                              " is not above the finalized #" +
                                              std::to_string(finalized_number_));
  }
  std::size_t idx = 0;
  while (idx < unfinalized_.size() && unfinalized_[idx].hash != hash) ++idx;
  if (idx == unfinalized_.size()) return make_error(Errc::UnknownBlock, to_hex(hash));
  const Header& h = unfinalized_[idx];
  if (!scheduled_.empty() && scheduled_.front().effective < h.number) {
    return make_error(Errc::SkipsSetChange, "block #" +
                                                std::to_string(scheduled_.front().effective) +
                                                " enacts a set change and must be finalised first");
  }
  EV_TRY(verify_justification(j, set_, hash, h.number));
  finalized_ = h;
  finalized_hash_ = h.hash;
  finalized_number_ = h.number;
  unfinalized_.erase(unfinalized_.begin(),
                     unfinalized_.begin() + static_cast<std::ptrdiff_t>(idx) + 1);
  if (!scheduled_.empty() && scheduled_.front().effective == finalized_number_) {
    enact(std::move(scheduled_.front().next));
    scheduled_.erase(scheduled_.begin());
  }
  return ok();
}

}  // namespace ev::chain::grandpa
