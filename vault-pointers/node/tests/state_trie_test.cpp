// The dev node's state root is the LayoutV1 trie root of its whole state: recomputed here from
// an internal dump at every block and from a dump over RPC (state_getKeysPaged +
// state_getStorage); state_getReadProof answers verify against the header's state root.
#include <catch2/catch.hpp>

#include <string>

#include "ev/chain/keys.hpp"
#include "ev/chain/rpc/client.hpp"
#include "ev/chain/trie.hpp"
#include "ev/devnode/node.hpp"
#include "test_support.hpp"

using namespace ev;
using namespace ev::devnode;
using nlohmann::json;
namespace trie = ev::chain::trie;

namespace {

struct Harness {
  std::unique_ptr<Node> node;
  std::unique_ptr<chain::RpcClient> rpc;

  explicit Harness(NodeConfig cfg = {}) {
    cfg.dev = true;
    cfg.rpc.port = 0;
    auto n = Node::open(std::move(cfg));
    REQUIRE(n.ok());
    node = std::move(n).value();
    auto port = node->start();
    REQUIRE(port.ok());
    auto c = chain::connect("ws://127.0.0.1:" + std::to_string(*port));
    REQUIRE(c.ok());
    rpc = std::move(c).value();
  }

  json call(const std::string& method, const json& params) {
    auto r = rpc->call(method, params.dump());
    INFO(method << " " << params.dump());
    REQUIRE(r.ok());
    return std::move(r).value();
  }

  // Includes one remark signed by //Bob (ed25519) with `nonce`.
  void remark(std::uint64_t nonce, std::string_view text) {
    auto bob = chain::from_suri(chain::Scheme::Ed25519, "//Bob");
    REQUIRE(bob.ok());
    scale::Encoder e;
    e.u8(kSystemIndex).u8(7).string(text);
    chain::TxOptions o;
    o.nonce = nonce;
    o.immortal = true;
    const chain::ChainIdentity id{node->runtime().version().spec_version,
                                  node->runtime().version().transaction_version,
                                  node->genesis_hash()};
    auto xt = node->runtime().format().build_signed(*bob, e.take(), id, o);
    REQUIRE(xt.ok());
    const auto before = node->best().number;
    call("author_submitExtrinsic", json::array({to_hex(*xt)}));
    REQUIRE(node->wait_for_block(before + 1, 10'000));
  }

  ByteArray<32> header_root(std::uint32_t number) {
    auto hash = node->store().hash_of(number);
    REQUIRE(hash.ok());
    REQUIRE(hash->has_value());
    auto raw = node->store().header(**hash);
    REQUIRE(raw.ok());
    REQUIRE(raw->has_value());
    auto h = Header::decode(**raw);
    REQUIRE(h.ok());
    return h->state_root;
  }
};

Bytes hex(const json& j) {
  auto b = from_hex(j.get<std::string>());
  REQUIRE(b.ok());
  return std::move(b).value();
}

}  // namespace

TEST_CASE("devnode: every header's state root is the V1 trie root of that block's state",
          "[node][trie]") {
  Harness h;
  CHECK(h.node->runtime().version().state_version == 1);
  for (std::uint64_t i = 0; i < 4; ++i) h.remark(i, "block " + std::to_string(i));
  REQUIRE(h.node->best().number == 4);
  for (std::uint32_t n = 0; n <= 4; ++n) {
    auto pairs = h.node->store().pairs({}, n);
    REQUIRE(pairs.ok());
    trie::Entries all(pairs->begin(), pairs->end());
    INFO("block " << n << ", " << all.size() << " keys");
    CHECK(trie::trie_root(trie::Layout::V1, all) == h.header_root(n));
  }
}

TEST_CASE("devnode: the root recomputed from an RPC dump agrees, and read proofs verify",
          "[node][trie]") {
  Harness h;
  for (std::uint64_t i = 0; i < 3; ++i) h.remark(i, std::string(40 + i, 'x'));
  const json head = h.call("chain_getHeader", json::array());
  const std::string best_hash = h.call("chain_getBlockHash", json::array()).get<std::string>();
  auto root = from_hex_fixed<32>(head["stateRoot"].get<std::string>());
  REQUIRE(root.ok());

  // Dump the whole state through the public RPC, page by page.
  trie::Entries dump;
  std::string start;
  for (;;) {
    json params = json::array({"0x", 1000});
    params.push_back(start.empty() ? json() : json(start));
    params.push_back(best_hash);
    const json keys = h.call("state_getKeysPaged", params);
    for (const auto& k : keys) {
      const json v = h.call("state_getStorage", json::array({k, best_hash}));
      REQUIRE(v.is_string());
      dump[hex(k)] = hex(v);
    }
    if (keys.size() < 1000) break;
    start = keys.back().get<std::string>();
  }
  REQUIRE(dump.size() > 10);
  CHECK(trie::trie_root(trie::Layout::V1, dump) == *root);
  bool hashed_value = false;  // values of 33+ bytes are separate proof entries under V1
  for (const auto& [k, v] : dump) hashed_value = hashed_value || v.size() >= 33;
  CHECK(hashed_value);

  // Proofs for every key plus absent ones, strictly: nothing missing, nothing extra.
  std::vector<Bytes> keys;
  json key_list = json::array();
  for (const auto& [k, v] : dump) {
    keys.push_back(k);
    key_list.push_back(to_hex(k));
  }
  for (const char* absent : {"0x00", "0xffff", "0x26aa394eea5630e07c48ae0c9558cef7ff"}) {
    keys.push_back(hex(json(absent)));
    key_list.push_back(absent);
  }
  const json answer = h.call("state_getReadProof", json::array({key_list, best_hash}));
  CHECK(answer["at"] == best_hash);
  std::vector<Bytes> proof;
  for (const auto& p : answer["proof"]) proof.push_back(hex(p));
  auto read = trie::verify_read_proof(*root, proof, keys, true);
  REQUIRE(read.ok());
  for (const auto& k : keys) {
    auto it = dump.find(k);
    if (it == dump.end()) {
      CHECK(!read->at(k).has_value());
    } else {
      CHECK(read->at(k) == it->second);
    }
  }

  // One key's proof alone is small and verifies strictly; a proof at an older block verifies
  // against that block's root, not the best one.
  const Bytes one = dump.begin()->first;
  const json single = h.call("state_getReadProof", json::array({json::array({to_hex(one)})}));
  std::vector<Bytes> small;
  for (const auto& p : single["proof"]) small.push_back(hex(p));
  CHECK(small.size() < proof.size());
  CHECK(trie::verify_read_proof(*root, small, {one}, true).ok());
  const std::string hash1 = h.call("chain_getBlockHash", json::array({1})).get<std::string>();
  const json old = h.call("state_getReadProof", json::array({json::array({to_hex(one)}), hash1}));
  CHECK(old["at"] == hash1);
  std::vector<Bytes> old_proof;
  for (const auto& p : old["proof"]) old_proof.push_back(hex(p));
  CHECK(trie::verify_read_proof(h.header_root(1), old_proof, {one}, true).ok());
  CHECK(!trie::verify_read_proof(*root, old_proof, {one}, false).ok());

  // A node altered by the server no longer links to the root.
  auto bad = small;
  bad.back().back() ^= 0x01;
  auto r = trie::verify_read_proof(*root, bad, {one}, false);
  REQUIRE(!r.ok());
  CHECK(is(r.error(), trie::Errc::IncompleteProof));

  auto bad_params = h.rpc->call("state_getReadProof", R"(["0x00"])");
  CHECK(!bad_params.ok());
}

TEST_CASE("devnode: a restarted node rebuilds its trie and keeps extending the same roots",
          "[node][trie]") {
  test::TempDir dir;
  {
    NodeConfig cfg;
    cfg.base_path = dir.path().string();
    Harness h(cfg);
    h.remark(0, "before restart");
    h.node->stop();
  }
  NodeConfig cfg;
  cfg.base_path = dir.path().string();
  Harness h(cfg);
  REQUIRE(h.node->best().number == 1);
  h.remark(1, "after restart");
  auto pairs = h.node->store().pairs({}, 2);
  REQUIRE(pairs.ok());
  CHECK(trie::trie_root(trie::Layout::V1, trie::Entries(pairs->begin(), pairs->end())) ==
        h.header_root(2));
}
