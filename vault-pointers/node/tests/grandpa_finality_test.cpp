// The dev node finalises every block with a GRANDPA justification of its configured voters;
// a follower started from genesis and the voters' keys (not the node's word) verifies each one
// and reads storage through read proofs against the finalised state root.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <mutex>
#include <string>

#include "ev/chain/grandpa.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/rpc/client.hpp"
#include "ev/chain/trie.hpp"
#include "ev/devnode/node.hpp"

using namespace ev;
using namespace ev::devnode;
using nlohmann::json;
namespace grandpa = ev::chain::grandpa;

namespace {

json call(chain::RpcClient& rpc, const std::string& method, const json& params) {
  auto r = rpc.call(method, params.dump());
  INFO(method << " " << params.dump());
  REQUIRE(r.ok());
  return std::move(r).value();
}

Bytes hex(const json& j) {
  auto b = from_hex(j.get<std::string>());
  REQUIRE(b.ok());
  return std::move(b).value();
}

Bytes bytes_of(const json& arr) {
  Bytes out;
  for (const auto& x : arr) out.push_back(x.get<std::uint8_t>());
  return out;
}

// The header as hashed, rebuilt from the JSON the node serves and checked against its hash.
grandpa::Header header_from_json(const json& hj, const std::string& hash) {
  scale::Encoder e;
  auto parent = from_hex(hj["parentHash"].get<std::string>());
  auto state = from_hex(hj["stateRoot"].get<std::string>());
  auto xts = from_hex(hj["extrinsicsRoot"].get<std::string>());
  REQUIRE((parent.ok() && state.ok() && xts.ok()));
  e.raw(*parent).compact(std::stoul(hj["number"].get<std::string>(), nullptr, 16)).raw(*state);
  e.raw(*xts).compact(hj["digest"]["logs"].size());
  for (const auto& log : hj["digest"]["logs"]) e.raw(hex(log));
  auto h = grandpa::decode_header(e.take());
  REQUIRE(h.ok());
  REQUIRE(to_hex(h->hash) == hash);
  return std::move(h).value();
}

grandpa::AuthoritySet voters(const std::vector<std::string>& suris) {
  grandpa::AuthoritySet set{0, {}};
  for (const auto& s : suris) {
    auto k = chain::from_suri(chain::Scheme::Ed25519, s);
    REQUIRE(k.ok());
    chain::H256 id{};
    const Bytes pk = k->public_key();
    std::copy(pk.begin(), pk.end(), id.begin());
    set.authorities.push_back({id, 1});
  }
  return set;
}

void remark(Node& node, chain::RpcClient& rpc, std::uint64_t nonce) {
  auto bob = chain::from_suri(chain::Scheme::Ed25519, "//Bob");
  REQUIRE(bob.ok());
  scale::Encoder e;
  e.u8(kSystemIndex).u8(7).string("finality " + std::to_string(nonce));
  chain::TxOptions o;
  o.nonce = nonce;
  o.immortal = true;
  const chain::ChainIdentity id{node.runtime().version().spec_version,
                                node.runtime().version().transaction_version, node.genesis_hash()};
  auto xt = node.runtime().format().build_signed(*bob, e.take(), id, o);
  REQUIRE(xt.ok());
  const auto before = node.best().number;
  call(rpc, "author_submitExtrinsic", json::array({to_hex(*xt)}));
  REQUIRE(node.wait_for_block(before + 1, 10'000));
}

}  // namespace

TEST_CASE(
    "devnode: GRANDPA justifications of three voters verify from genesis, and proofs "
    "against the finalised root",
    "[node][grandpa]") {
  const std::vector<std::string> suris = {"//Alice", "//Bob", "//Charlie"};
  NodeConfig cfg;
  cfg.dev = true;
  cfg.rpc.port = 0;
  cfg.grandpa_authorities = suris;
  auto opened = Node::open(cfg);
  REQUIRE(opened.ok());
  auto node = std::move(opened).value();
  auto port = node->start();
  REQUIRE(port.ok());
  auto client = chain::connect("ws://127.0.0.1:" + std::to_string(*port));
  REQUIRE(client.ok());
  auto& rpc = **client;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Bytes> notified;
  auto sub = rpc.subscribe("grandpa_subscribeJustifications", "[]",
                           "grandpa_unsubscribeJustifications", [&](Result<json> note) {
                             if (!note.ok()) return;
                             auto b = from_hex(note->get<std::string>());
                             if (!b.ok()) return;
                             std::lock_guard lock(mu);
                             notified.push_back(std::move(b).value());
                             cv.notify_all();
                           });
  REQUIRE(sub.ok());
  for (std::uint64_t i = 0; i < 3; ++i) remark(*node, rpc, i);
  {
    std::unique_lock lock(mu);
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return notified.size() >= 3; }));
  }

  const std::string genesis = call(rpc, "chain_getBlockHash", json::array({0})).get<std::string>();
  auto genesis_hash = from_hex_fixed<32>(genesis);
  REQUIRE(genesis_hash.ok());
  CHECK(call(rpc, "chain_getBlock", json::array({genesis}))["justifications"].is_null());
  grandpa::Follower follower(*genesis_hash, 0, voters(suris));
  for (std::uint32_t n = 1; n <= 3; ++n) {
    INFO("block " << n);
    const std::string hash = call(rpc, "chain_getBlockHash", json::array({n})).get<std::string>();
    const json block = call(rpc, "chain_getBlock", json::array({hash}));
    const grandpa::Header h = header_from_json(block["block"]["header"], hash);
    REQUIRE(follower.import_header(h).ok());

    const json& js = block["justifications"];
    REQUIRE(js.is_array());
    REQUIRE(js.size() == 1);
    CHECK(bytes_of(js[0][0]) == Bytes{'F', 'R', 'N', 'K'});
    const Bytes encoded = bytes_of(js[0][1]);
    CHECK(encoded == notified[n - 1]);
    auto j = grandpa::decode_justification(encoded);
    REQUIRE(j.ok());
    CHECK(j->commit.precommits.size() == 3);
    // A replayed justification of the previous block does not finalise this one.
    if (n > 1) {
      auto prev = grandpa::decode_justification(notified[n - 2]);
      REQUIRE(prev.ok());
      CHECK(!follower.finalize(h.hash, *prev).ok());
    }
    auto fin = follower.finalize(h.hash, *j);
    INFO((fin.ok() ? std::string() : fin.error().to_string()));
    REQUIRE(fin.ok());

    // grandpa_proveFinality: FinalityProof { block, justification, unknown_headers: [] }.
    const json proof = call(rpc, "grandpa_proveFinality", json::array({n}));
    scale::Encoder e;
    e.raw(h.hash).bytes(encoded).compact(0);
    CHECK(hex(proof) == e.take());
  }
  CHECK(follower.finalized_number() == 3);
  CHECK(call(rpc, "grandpa_proveFinality", json::array({99})).is_null());

  // Storage read through the verified view: Bob's account, proven against the final root.
  const Bytes key = [] {
    auto k = hex(json("0x26aa394eea5630e07c48ae0c9558cef7b99d880ec681799c0cf30e8886371da9"));
    auto bob = chain::from_suri(chain::Scheme::Ed25519, "//Bob");
    REQUIRE(bob.ok());
    const auto id = bob->account_id();
    const auto h = chain::blake2_128(id);
    append(k, h);
    append(k, id);
    return k;
  }();
  const json rp =
      call(rpc, "state_getReadProof",
           json::array({json::array({to_hex(key)}), to_hex(follower.finalized_hash())}));
  std::vector<Bytes> nodes;
  for (const auto& x : rp["proof"]) nodes.push_back(hex(x));
  auto read =
      chain::trie::verify_read_proof(follower.finalized_header()->state_root, nodes, {key}, true);
  REQUIRE(read.ok());
  REQUIRE(read->at(key).has_value());
  // AccountInfo starts with the nonce (u32 LE): Bob sent three transactions.
  CHECK(read->at(key)->at(0) == 3);

  // A justification signed by only one of the three voters is below the threshold of 3.
  auto one = grandpa::decode_justification(notified.back());
  REQUIRE(one.ok());
  one->commit.precommits.resize(1);
  auto r = grandpa::verify_justification(*one, voters(suris), follower.finalized_hash(), 3);
  REQUIRE(!r.ok());
  CHECK(is(r.error(), grandpa::Errc::InsufficientWeight));
}

TEST_CASE("devnode: the GRANDPA voter configuration is checked", "[node][grandpa]") {
  for (const auto& bad :
       {std::vector<std::string>{}, std::vector<std::string>{"//Alice", "//Alice"},
        std::vector<std::string>{"not a suri //"}}) {
    NodeConfig cfg;
    cfg.grandpa_authorities = bad;
    auto n = Node::open(cfg);
    CHECK(!n.ok());
  }
  NodeConfig cfg;
  auto n = Node::open(cfg);
  REQUIRE(n.ok());
  REQUIRE((*n)->grandpa_set().authorities.size() == 1);
  CHECK((*n)->grandpa_set().authorities[0].id ==
        voters({"//Alice"}).authorities[0].id);  // the default voter
}

TEST_CASE(
    "devnode: a scheduled GRANDPA set change is announced in the header digest and "
    "followed by the verifier",
    "[node][grandpa]") {
  NodeConfig cfg;
  cfg.dev = true;
  cfg.rpc.port = 0;
  auto opened = Node::open(cfg);  // voters: //Alice
  REQUIRE(opened.ok());
  auto node = std::move(opened).value();
  auto port = node->start();
  REQUIRE(port.ok());
  auto client = chain::connect("ws://127.0.0.1:" + std::to_string(*port));
  REQUIRE(client.ok());
  auto& rpc = **client;
  const std::vector<std::string> next = {"//Bob", "//Charlie"};
  REQUIRE(node->schedule_grandpa_change(next, 1).ok());
  CHECK(!node->schedule_grandpa_change(next, 1).ok());  // one change at a time
  for (std::uint64_t i = 0; i < 4; ++i) remark(*node, rpc, i);
  CHECK(node->grandpa_set().set_id == 1);

  auto genesis =
      from_hex_fixed<32>(call(rpc, "chain_getBlockHash", json::array({0})).get<std::string>());
  REQUIRE(genesis.ok());
  grandpa::Follower follower(*genesis, 0, voters({"//Alice"}));
  for (std::uint32_t n = 1; n <= 4; ++n) {
    INFO("block " << n);
    const std::string hash = call(rpc, "chain_getBlockHash", json::array({n})).get<std::string>();
    const json block = call(rpc, "chain_getBlock", json::array({hash}));
    const grandpa::Header h = header_from_json(block["block"]["header"], hash);
    if (n == 1) {  // the announcement: Consensus(FRNK, ScheduledChange{[Bob, Charlie], 1})
      REQUIRE(h.digest.size() == 1);
      auto log = grandpa::decode_consensus_log(h.digest[0].data);
      REQUIRE(log.ok());
      CHECK(log->kind == grandpa::ConsensusLog::Kind::ScheduledChange);
      CHECK(log->delay == 1);
      CHECK(log->next_authorities.size() == 2);
    } else {
      CHECK(h.digest.empty());
    }
    REQUIRE(follower.import_header(h).ok());
    auto j = grandpa::decode_justification(bytes_of(block["justifications"][0][1]));
    REQUIRE(j.ok());
    CHECK(j->commit.precommits.size() == (n <= 2 ? 1U : 2U));  // block 2 enacts the change
    auto fin = follower.finalize(h.hash, *j);
    INFO((fin.ok() ? std::string() : fin.error().to_string()));
    REQUIRE(fin.ok());
    CHECK(follower.authority_set().set_id == (n < 2 ? 0U : 1U));
  }
  CHECK(follower.authority_set().authorities == voters(next).authorities);
}
