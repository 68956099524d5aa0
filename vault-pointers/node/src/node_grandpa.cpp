// The dev node's finality: every block is finalised by a GRANDPA justification signed by the
// configured authorities, stored beside the block and served as Substrate serves it.
#include <string>
#include <utility>

#include "ev/common/errors.hpp"
#include "node_internal.hpp"

namespace ev::devnode {

namespace {

using json = nlohmann::json;

std::string meta_key(std::uint32_t number) {
  return "grandpa_justification/" + std::to_string(number);
}

struct Voters {
  std::vector<chain::KeyPair> keys;
  chain::grandpa::AuthoritySet set;
};

Result<Voters> load_voters(const std::vector<std::string>& suris, std::uint64_t set_id) {
  if (suris.empty()) {
    return make_error(CommonErrc::InvalidArgument, "at least one GRANDPA authority is needed");
  }
  Voters v;
  v.set.set_id = set_id;
  for (const auto& suri : suris) {
    auto key = chain::from_suri(chain::Scheme::Ed25519, suri);
    if (!key.ok()) return std::move(key).error().context("GRANDPA authority");
    chain::H256 id{};
    const Bytes pk = key->public_key();
    std::copy(pk.begin(), pk.end(), id.begin());
    for (const auto& a : v.set.authorities) {
      if (a.id == id) return make_error(CommonErrc::InvalidArgument, "GRANDPA authority twice");
    }
    v.set.authorities.push_back({id, 1});
    v.keys.push_back(std::move(key).value());
  }
  return v;
}

}  // namespace

Result<void> load_grandpa_keys(Node::Impl& impl) {
  Voters v = EV_TRY(load_voters(impl.config.grandpa_authorities, 0));
  impl.grandpa_keys = std::move(v.keys);
  impl.grandpa_set = std::move(v.set);
  return ok();
}

Result<void> Node::schedule_grandpa_change(const std::vector<std::string>& suris,
                                           std::uint32_t delay) {
  std::lock_guard lock(impl_->mu);
  if (impl_->grandpa_change) {
    return make_error(CommonErrc::InvalidArgument, "a GRANDPA set change is already pending");
  }
  Voters v = EV_TRY(load_voters(suris, impl_->grandpa_set.set_id + 1));
  impl_->grandpa_change = Impl::GrandpaChange{std::move(v.keys), std::move(v.set), delay, {}};
  return ok();
}

void Node::Impl::announce_grandpa_change(Header& h) {
  if (!grandpa_change || grandpa_change->effective) return;
  chain::grandpa::ConsensusLog log;
  log.kind = chain::grandpa::ConsensusLog::Kind::ScheduledChange;
  log.next_authorities = grandpa_change->set.authorities;
  log.delay = grandpa_change->delay;
  chain::grandpa::DigestItem item;
  item.kind = 4;  // Consensus
  item.engine = chain::grandpa::kEngineId;
  item.data = chain::grandpa::encode_consensus_log(log);
  h.digest.push_back(std::move(item));
  grandpa_change->effective = h.number + grandpa_change->delay;
}

Result<void> Node::Impl::finalize_with_grandpa(const ByteArray<32>& hash, std::uint32_t number) {
  chain::grandpa::Justification j;
  j.round = number;  // one round per block
  j.commit.target_hash = hash;
  j.commit.target_number = number;
  for (const auto& key : grandpa_keys) {
    chain::grandpa::SignedPrecommit s;
    s.precommit = {hash, number};
    const Bytes sig = EV_TRY(
        key.sign(chain::grandpa::precommit_message(s.precommit, j.round, grandpa_set.set_id)));
    std::copy(sig.begin(), sig.end(), s.signature.begin());
    const Bytes pk = key.public_key();
    std::copy(pk.begin(), pk.end(), s.id.begin());
    j.commit.precommits.push_back(s);
  }
  const Bytes encoded = chain::grandpa::encode_justification(j);
  EV_TRY(store->set_meta(meta_key(number), encoded));
  std::erase_if(justification_subs, [](const SubscriptionSink& s) { return s.is_closed(); });
  for (const auto& s : justification_subs) (void)s.send(json(to_hex(encoded)));
  if (grandpa_change && grandpa_change->effective == number) {  // enacted by this block
    grandpa_keys = std::move(grandpa_change->keys);
    grandpa_set = std::move(grandpa_change->set);
    grandpa_change.reset();
  }
  return ok();
}

Result<std::optional<Bytes>> Node::justification(std::uint32_t number) const {
  if (number == 0) return std::optional<Bytes>();
  return store_->get_meta(meta_key(number));
}

chain::grandpa::AuthoritySet Node::grandpa_set() const {
  std::lock_guard lock(impl_->mu);
  return impl_->grandpa_set;
}

Result<void> register_grandpa_rpc(Node& node, Node::Impl& impl, RpcServer& server) {
  Node* n = &node;
  Node::Impl* im = &impl;
  // FinalityProof { block, justification: Vec<u8>, unknown_headers: Vec<Header> } for the
  // block of that number: every block here carries its own justification, so no headers.
  EV_TRY(server.register_method("grandpa_proveFinality", [n](const json& p) -> RpcResult {
    const json v = p.is_array() && !p.empty() ? p[0]
                   : p.is_object()            ? p.value("block", json())
                                              : json();
    if (!v.is_number_unsigned()) return RpcError::invalid_params("block: expected a number");
    const auto number = v.get<std::uint64_t>();
    if (number > n->best().number) return json();
    const auto at = static_cast<std::uint32_t>(number);
    auto hash = n->store().hash_of(at);
    if (!hash) return RpcError::from(hash.error());
    auto just = n->justification(at);
    if (!just) return RpcError::from(just.error());
    if (!*hash || !*just) return json();
    scale::Encoder e;
    e.raw(**hash).bytes(**just).compact(0);
    return json(to_hex(e.take()));
  }));
  EV_TRY(server.register_subscription("grandpa_subscribeJustifications",
                                      "grandpa_unsubscribeJustifications", "grandpa_justifications",
                                      [im](const json&, const SubscriptionSink& sink) -> RpcResult {
                                        std::lock_guard lock(im->mu);
                                        im->justification_subs.push_back(sink);
                                        return json();
                                      }));
  return ok();
}

}  // namespace ev::devnode
