// The dev node's JSON-RPC methods (Substrate's legacy RPC set, as polkadot-js uses it).
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "ev/chain/ss58.hpp"
#include "ev/common/errors.hpp"
#include "node_internal.hpp"

namespace ev::devnode {

namespace {

using json = nlohmann::json;

// The i-th positional parameter (or the named one), null when absent.
json param(const json& params, std::size_t i, const char* name) {
  if (params.is_array()) return i < params.size() ? params[i] : json();
  if (params.is_object() && params.contains(name)) return params[name];
  return json();
}

RpcError invalid(std::string why) { return RpcError::invalid_params(std::move(why)); }

Result<Bytes> hex_param(const json& v, const char* what) {
  if (!v.is_string()) {
    return make_error(CommonErrc::InvalidArgument, std::string(what) + ": expected a hex string");
  }
  return EV_TRY_CTX(what, from_hex(v.get<std::string>()));
}

// The block number a param names: null = best.
std::variant<std::uint32_t, RpcError> at_param(Node& node, const json& v) {
  if (v.is_null()) return node.best().number;
  auto h = hex_param(v, "block hash");
  if (!h || h->size() != 32) return invalid("block hash: expected 32 bytes of hex");
  ByteArray<32> hash{};
  std::copy(h->begin(), h->end(), hash.begin());
  auto n = node.store().number_of(hash);
  if (!n) return RpcError::from(n.error());
  if (!*n) {
    return RpcError{4003, "Client error: UnknownBlock: header not found in db: " + to_hex(hash),
                    std::nullopt};
  }
  return **n;
}

json header_json(Node& node, std::uint32_t n) {
  auto hash = node.store().hash_of(n);
  if (!hash || !*hash) return json();
  auto raw = node.store().header(**hash);
  if (!raw || !*raw) return json();
  auto h = Header::decode(**raw);
  if (!h) return json();
  return h->to_json();
}

Result<ByteArray<32>> account_param(const json& v) {
  if (!v.is_string()) {
    return make_error(CommonErrc::InvalidArgument, "account: expected an SS58 or hex string");
  }
  const auto s = v.get<std::string>();
  if (s.rfind("0x", 0) == 0) return EV_TRY_CTX("account", from_hex_fixed<32>(s));
  return EV_TRY_CTX("account", chain::parse_account_id(s));
}

#define EV_RPC_TRY_AT(var, expr)                             \
  std::uint32_t var = 0;                                     \
  {                                                          \
    auto ev_at_ = (expr);                                    \
    if (auto* e = std::get_if<RpcError>(&ev_at_)) return *e; \
    var = std::get<std::uint32_t>(ev_at_);                   \
  }

}  // namespace

void Node::Impl::announce_block(const Header& h, const BlockRecord& rec) {
  const json head = h.to_json();
  for (auto* list : {&new_heads, &finalized_heads, &all_heads}) {
    std::erase_if(*list, [](const SubscriptionSink& s) { return s.is_closed(); });
    for (const auto& s : *list) (void)s.send(head);
  }
  std::erase_if(storage_subs, [](const StorageSubscription& s) { return s.sink.is_closed(); });
  for (const auto& sub : storage_subs) {
    json changes = json::array();
    if (sub.keys.empty()) {
      for (const auto& [k, v] : rec.changes) {
        changes.push_back(json::array({to_hex(k), v ? json(to_hex(*v)) : json()}));
      }
    } else {
      for (const auto& k : sub.keys) {
        auto it = rec.changes.find(k);
        if (it == rec.changes.end()) continue;
        changes.push_back(
            json::array({to_hex(k), it->second ? json(to_hex(*it->second)) : json()}));
      }
    }
    if (!changes.empty())
      (void)sub.sink.send(json{{"block", to_hex(rec.hash)}, {"changes", changes}});
  }
}

Result<void> register_rpc(Node& node, Node::Impl& impl, RpcServer& server) {
  const Runtime& rt = node.runtime();
  RpcServer* srv = &server;
  Node* n = &node;
  Node::Impl* im = &impl;

  EV_TRY(register_grandpa_rpc(node, impl, server));
  EV_TRY(server.register_method("rpc_methods", [srv](const json&) -> RpcResult {
    auto names = srv->method_names();
    names.push_back("rpc_methods");
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return json{{"methods", names}};
  }));
  EV_TRY(server.register_method(
      "system_chain", [](const json&) -> RpcResult { return json("Epochvault Development"); }));
  EV_TRY(server.register_method(
      "system_name", [im](const json&) -> RpcResult { return json(im->config.node_name); }));
  EV_TRY(server.register_method(
      "system_version", [im](const json&) -> RpcResult { return json(im->config.node_version); }));
  EV_TRY(server.register_method("system_chainType", [im](const json&) -> RpcResult {
    return im->config.dev ? json("Development") : json("Local");
  }));
  EV_TRY(server.register_method("system_properties", [](const json&) -> RpcResult {
    return json{{"ss58Format", kSs58Prefix}, {"tokenDecimals", 12}, {"tokenSymbol", "UNIT"}};
  }));
  EV_TRY(server.register_method("system_health", [](const json&) -> RpcResult {
    return json{{"peers", 0}, {"isSyncing", false}, {"shouldHavePeers", false}};
  }));
  EV_TRY(server.register_method("system_accountNextIndex", [n](const json& p) -> RpcResult {
    auto who = account_param(param(p, 0, "account"));
    if (!who) return invalid(who.error().to_string());
    return json(n->next_index(*who));
  }));

  EV_TRY(server.register_method("chain_getBlockHash", [n](const json& p) -> RpcResult {
    const json v = param(p, 0, "hash");
    std::uint64_t num = n->best().number;
    if (v.is_number_unsigned()) {
      num = v.get<std::uint64_t>();
    } else if (v.is_string()) {
      const auto s = v.get<std::string>();
      try {
        num = std::stoull(s, nullptr, s.rfind("0x", 0) == 0 ? 16 : 10);
      } catch (...) {
        return invalid("block number: " + s);
      }
    } else if (!v.is_null()) {
      return invalid("block number: expected a number");
    }
    if (num > UINT32_MAX) return json();
    auto h = n->store().hash_of(static_cast<std::uint32_t>(num));
    if (!h) return RpcError::from(h.error());
    return *h ? json(to_hex(**h)) : json();
  }));
  EV_TRY(server.register_method("chain_getHeader", [n](const json& p) -> RpcResult {
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 0, "hash")));
    return header_json(*n, at);
  }));
  EV_TRY(server.register_method("chain_getBlock", [n](const json& p) -> RpcResult {
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 0, "hash")));
    auto hash = n->store().hash_of(at);
    if (!hash || !*hash) return json();
    auto b = n->store().block(**hash);
    if (!b) return RpcError::from(b.error());
    if (!*b) return json();
    json xts = json::array();
    for (const auto& x : (*b)->extrinsics) xts.push_back(to_hex(x));
    // Justifications as Substrate serialises them: [[engine id bytes], [justification bytes]].
    auto just = n->justification(at);
    if (!just) return RpcError::from(just.error());
    json justifications = nullptr;
    if (*just) {
      justifications = json::array(
          {json::array({json(std::vector<std::uint8_t>(chain::grandpa::kEngineId.begin(),
                                                       chain::grandpa::kEngineId.end())),
                        json(**just)})});
    }
    return json{{"block", {{"header", header_json(*n, at)}, {"extrinsics", xts}}},
                {"justifications", std::move(justifications)}};
  }));
  for (const char* name : {"chain_getFinalizedHead", "chain_getFinalisedHead"}) {
    EV_TRY(server.register_method(
        name, [n](const json&) -> RpcResult { return json(to_hex(n->best().hash)); }));
  }

  EV_TRY(server.register_method("state_getStorage", [n](const json& p) -> RpcResult {
    auto key = hex_param(param(p, 0, "key"), "key");
    if (!key) return invalid(key.error().to_string());
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 1, "hash")));
    auto v = n->store().get(*key, at);
    if (!v) return RpcError::from(v.error());
    return *v ? json(to_hex(**v)) : json();
  }));
  // {at: block hash, proof: [hex node]} as Substrate answers; the proof is of the state after
  // `at` (default: best) and verifies against that block's state root.
  EV_TRY(server.register_method("state_getReadProof", [n](const json& p) -> RpcResult {
    const json ks = param(p, 0, "keys");
    if (!ks.is_array()) return invalid("keys: expected an array");
    if (ks.size() > 1000) return invalid("keys: at most 1000");
    std::vector<Bytes> keys;
    for (const auto& k : ks) {
      auto key = hex_param(k, "key");
      if (!key) return invalid(key.error().to_string());
      keys.push_back(std::move(key).value());
    }
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 1, "at")));
    auto hash = n->store().hash_of(at);
    if (!hash) return RpcError::from(hash.error());
    auto proof = n->read_proof(keys, at);
    if (!proof) return RpcError::from(proof.error());
    json nodes = json::array();
    for (const auto& entry : *proof) nodes.push_back(to_hex(entry));
    return json{{"at", to_hex(hash->value_or(ByteArray<32>{}))}, {"proof", std::move(nodes)}};
  }));
  EV_TRY(server.register_method("state_getKeysPaged", [n](const json& p) -> RpcResult {
    auto prefix = param(p, 0, "prefix").is_null() ? Result<Bytes>(Bytes{})
                                                  : hex_param(param(p, 0, "prefix"), "prefix");
    if (!prefix) return invalid(prefix.error().to_string());
    const json c = param(p, 1, "count");
    if (!c.is_number_unsigned()) return invalid("count: expected a number");
    const auto count = std::min<std::uint64_t>(c.get<std::uint64_t>(), 1000);
    Bytes start;
    if (!param(p, 2, "start_key").is_null()) {
      auto s = hex_param(param(p, 2, "start_key"), "start_key");
      if (!s) return invalid(s.error().to_string());
      start = std::move(s).value();
    }
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 3, "hash")));
    auto ks = n->store().keys_paged(*prefix, static_cast<std::uint32_t>(count), start, at);
    if (!ks) return RpcError::from(ks.error());
    json out = json::array();
    for (const auto& k : *ks) out.push_back(to_hex(k));
    return out;
  }));
  EV_TRY(server.register_method("state_queryStorageAt", [n](const json& p) -> RpcResult {
    const json ks = param(p, 0, "keys");
    if (!ks.is_array()) return invalid("keys: expected an array");
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 1, "at")));
    json changes = json::array();
    for (const auto& k : ks) {
      auto key = hex_param(k, "key");
      if (!key) return invalid(key.error().to_string());
      auto v = n->store().get(*key, at);
      if (!v) return RpcError::from(v.error());
      changes.push_back(json::array({to_hex(*key), *v ? json(to_hex(**v)) : json()}));
    }
    auto h = n->store().hash_of(at);
    return json::array(
        {json{{"block", h && *h ? to_hex(**h) : std::string()}, {"changes", changes}}});
  }));
  EV_TRY(server.register_method("state_getMetadata", [n, &rt](const json& p) -> RpcResult {
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 0, "hash")));
    (void)at;
    return json(to_hex(rt.metadata_v14()));
  }));
  for (const char* name : {"state_getRuntimeVersion", "chain_getRuntimeVersion"}) {
    EV_TRY(server.register_method(name, [n, &rt](const json& p) -> RpcResult {
      EV_RPC_TRY_AT(at, at_param(*n, param(p, 0, "hash")));
      (void)at;
      return rt.version().to_json();
    }));
  }
  EV_TRY(server.register_method("state_call", [n, im, &rt](const json& p) -> RpcResult {
    const json m = param(p, 0, "name");
    if (!m.is_string()) return invalid("name: expected a string");
    auto data = param(p, 1, "bytes").is_null() ? Result<Bytes>(Bytes{})
                                               : hex_param(param(p, 1, "bytes"), "bytes");
    if (!data) return invalid(data.error().to_string());
    EV_RPC_TRY_AT(at, at_param(*n, param(p, 2, "hash")));
    Overlay st(im->reader_at(at));
    auto r = rt.call_api(m.get<std::string>(), *data, st);
    if (!r) {
      return RpcError{4003, "Client error: Execution failed: " + r.error().to_string(),
                      std::nullopt};
    }
    return json(to_hex(*r));
  }));

  EV_TRY(server.register_method("author_submitExtrinsic", [n](const json& p) -> RpcResult {
    auto xt = hex_param(param(p, 0, "extrinsic"), "extrinsic");
    if (!xt) return invalid(xt.error().to_string());
    auto r = n->submit(*xt);
    if (auto* e = std::get_if<RpcError>(&r)) return *e;
    return json(to_hex(std::get<ByteArray<32>>(r)));
  }));
  EV_TRY(server.register_method("author_pendingExtrinsics", [im](const json&) -> RpcResult {
    std::lock_guard lock(im->mu);
    json out = json::array();
    for (const auto& x : im->ready) out.push_back(to_hex(x.encoded));
    for (const auto& [k, x] : im->future) out.push_back(to_hex(x.encoded));
    return out;
  }));
  EV_TRY(server.register_subscription(
      "author_submitAndWatchExtrinsic", "author_unwatchExtrinsic", "author_extrinsicUpdate",
      [n](const json& p, const SubscriptionSink& sink) -> RpcResult {
        auto xt = hex_param(param(p, 0, "extrinsic"), "extrinsic");
        if (!xt) return invalid(xt.error().to_string());
        // The subscription stays open after the final status (the client unsubscribes):
        // closing it here could drop statuses still held behind the subscription's response.
        auto r = n->submit(*xt, [sink](const json& status) { (void)sink.send(status); });
        if (auto* e = std::get_if<RpcError>(&r)) return *e;
        return json();
      }));

  struct HeadSub {
    const char* sub;
    const char* unsub;
    const char* note;
    std::vector<SubscriptionSink> Node::Impl::*list;
  };
  for (const HeadSub& hs :
       {HeadSub{"chain_subscribeNewHeads", "chain_unsubscribeNewHeads", "chain_newHead",
                &Node::Impl::new_heads},
        HeadSub{"chain_subscribeFinalizedHeads", "chain_unsubscribeFinalizedHeads",
                "chain_finalizedHead", &Node::Impl::finalized_heads},
        HeadSub{"chain_subscribeAllHeads", "chain_unsubscribeAllHeads", "chain_allHead",
                &Node::Impl::all_heads}}) {
    auto list = hs.list;
    EV_TRY(server.register_subscription(
        hs.sub, hs.unsub, hs.note,
        [n, im, list](const json&, const SubscriptionSink& sink) -> RpcResult {
          std::lock_guard lock(im->mu);
          (void)sink.send(header_json(*n, im->best.number));
          (im->*list).push_back(sink);
          return json();
        }));
  }
  EV_TRY(server.register_subscription(
      "state_subscribeStorage", "state_unsubscribeStorage", "state_storage",
      [n, im](const json& p, const SubscriptionSink& sink) -> RpcResult {
        StorageSubscription sub{sink, {}};
        const json ks = param(p, 0, "keys");
        if (!ks.is_null() && !ks.is_array()) return invalid("keys: expected an array");
        if (ks.is_array()) {
          for (const auto& k : ks) {
            auto key = hex_param(k, "key");
            if (!key) return invalid(key.error().to_string());
            sub.keys.push_back(std::move(key).value());
          }
        }
        std::lock_guard lock(im->mu);
        if (!sub.keys.empty()) {  // the current values first, as Substrate does
          json changes = json::array();
          for (const auto& k : sub.keys) {
            auto v = n->store().get(k, im->best.number);
            if (!v) return RpcError::from(v.error());
            changes.push_back(json::array({to_hex(k), *v ? json(to_hex(**v)) : json()}));
          }
          (void)sink.send(json{{"block", to_hex(im->best.hash)}, {"changes", changes}});
        }
        im->storage_subs.push_back(std::move(sub));
        return json();
      }));
  EV_TRY(server.register_subscription(
      "state_subscribeRuntimeVersion", "state_unsubscribeRuntimeVersion", "state_runtimeVersion",
      [&rt](const json&, const SubscriptionSink& sink) -> RpcResult {
        (void)sink.send(rt.version().to_json());
        return json();
      }));
  return ok();
}

}  // namespace ev::devnode
