// Known answers from substrate/trie/ (see its SOURCE.txt): roots under LayoutV0 and V1
// (upstream-asserted and independently computed), real storage proofs from live chains, and
// proofs that must be refused.
#include <simdjson.h>
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/trie.hpp"
#include "test_support.hpp"

namespace {

using ev::Bytes;
using ev::chain::H256;
namespace trie = ev::chain::trie;
using simdjson::dom::element;

element load(const std::string& rel) {
  static simdjson::dom::parser parser;  // one document alive at a time per call site
  return parser.load(ev::test::require_vectors(rel).string());
}

Bytes hex(std::string_view h) {
  auto r = ev::from_hex(h);
  if (!r.ok()) FAIL("bad hex in vectors: " << h);
  return std::move(r).value();
}

H256 hash(std::string_view h) {
  auto r = ev::from_hex_fixed<32>(h);
  if (!r.ok()) FAIL("bad hash in vectors: " << h);
  return *r;
}

std::string_view str(element e) { return std::string_view(e.get_string()); }

std::vector<Bytes> hex_list(element arr) {
  std::vector<Bytes> out;
  for (element e : arr.get_array()) out.push_back(hex(str(e)));
  return out;
}

// Checks the root both ways (closed form, and the mutable trie filled in a shuffled order) and
// that proofs of every key, plus an absent one, verify strictly.
void check_root(trie::Layout layout, const trie::Entries& entries, const H256& expected,
                const std::string& name) {
  INFO(name << (layout == trie::Layout::V0 ? " V0" : " V1"));
  CHECK(trie::trie_root(layout, entries) == expected);
  std::vector<const std::pair<const Bytes, Bytes>*> order;
  for (const auto& e : entries) order.push_back(&e);
  std::mt19937 rng(7);
  std::shuffle(order.begin(), order.end(), rng);
  trie::Trie t(layout);
  for (const auto* e : order) t.set(e->first, e->second);
  REQUIRE(t.size() == entries.size());
  CHECK(t.root() == expected);

  std::vector<Bytes> keys;
  for (const auto& e : entries) keys.push_back(e.first);
  keys.push_back(hex("0xfeedfacefeedface"));
  if (entries.size() > 200) keys.resize(64);  // the big sets: a sample is enough
  auto proof = t.prove(keys);
  auto read = trie::verify_read_proof(expected, proof, keys, true);
  REQUIRE(read.ok());
  for (const auto& k : keys) {
    auto it = entries.find(k);
    if (it == entries.end()) {
      CHECK(!read->at(k).has_value());
    } else {
      REQUIRE(read->at(k).has_value());
      CHECK(*read->at(k) == it->second);
    }
  }
}

}  // namespace

TEST_CASE("trie roots of roots.json under both layouts", "[trie][vectors]") {
  element doc = load("substrate/trie/roots.json");
  std::size_t checked = 0;
  for (element v : doc["vectors"].get_array()) {
    const std::string name(str(v["name"]));
    const auto layout = str(v["layout"]) == "V0" ? trie::Layout::V0 : trie::Layout::V1;
    trie::Entries entries;
    for (element kv : v["entries"].get_array()) {
      auto a = kv.get_array();
      entries[hex(str(a.at(0)))] = hex(str(a.at(1)));
    }
    const H256 root = hash(str(v["root"]));
    check_root(layout, entries, root, name);
    std::string_view root_node;
    if (v["root_node"].get(root_node) == simdjson::SUCCESS && !entries.empty()) {
      // The root node's encoding is what gets hashed: it must be in any proof we generate.
      trie::Trie t(layout);
      for (const auto& [k, val] : entries) t.set(k, val);
      auto proof = t.prove({entries.begin()->first});
      INFO(name);
      CHECK(std::find(proof.begin(), proof.end(), hex(root_node)) != proof.end());
    }
    ++checked;
  }
  CHECK(checked == 84);
}

TEST_CASE("trie root of the Westend genesis (123 keys, :code included)", "[trie][vectors]") {
  element doc = load("substrate/trie/roots.json");
  element w = doc["westend_1015000_genesis"];
  const H256 v0 = hash(str(w["root_V0"]));
  const H256 v1 = hash(str(w["root_V1"]));
  static simdjson::dom::parser gp;
  element g =
      gp.load(ev::test::require_vectors("runtimes/westend-1015000/westend-1015000-raw-genesis.json")
                  .string());
  trie::Entries entries;
  for (auto [k, v] : g["genesis"]["raw"]["top"].get_object()) {
    entries[hex(k)] = hex(str(v));
  }
  REQUIRE(entries.size() == 123);
  CHECK(trie::trie_root(trie::Layout::V0, entries) == v0);
  CHECK(trie::trie_root(trie::Layout::V1, entries) == v1);
  trie::Trie t(trie::Layout::V1);
  for (const auto& [k, v] : entries) t.set(k, v);
  CHECK(t.root() == v1);
}

TEST_CASE("real storage proof: Polkadot genesis Claims.Preclaims", "[trie][vectors]") {
  element doc = load("substrate/trie/proof_polkadot_genesis_claims.json");
  const H256 root = hash(str(doc["root"]));
  const auto proof = hex_list(doc["proof"]);
  auto decoded = trie::decode_proof(hex(str(doc["proof_scale"])));
  REQUIRE(decoded.ok());
  CHECK(*decoded == proof);
  CHECK(trie::encode_proof(proof) == hex(str(doc["proof_scale"])));

  auto reader = trie::ProofReader::make(root, proof);
  REQUIRE(reader.ok());
  std::size_t checks = 0;
  for (element c : doc["checks"].get_array()) {
    auto v = reader->get(hex(str(c["key"])));
    REQUIRE(v.ok());
    std::string_view want;
    if (c["value"].get(want) == simdjson::SUCCESS) {
      REQUIRE(v->has_value());
      CHECK(**v == hex(want));
    } else {
      CHECK(!v->has_value());
    }
    ++checks;
  }
  CHECK(checks == 2);
  for (element c : doc["incomplete"].get_array()) {
    auto v = reader->get(hex(str(c["key"])));
    REQUIRE(!v.ok());
    CHECK(ev::is(v.error(), trie::Errc::IncompleteProof));
  }
}

TEST_CASE("real storage proof: Timestamp.Now with inline children", "[trie][vectors]") {
  element doc = load("substrate/trie/proof_timestamp_now.json");
  const H256 root = hash(str(doc["root"]));
  auto proof = trie::decode_proof(hex(str(doc["proof_scale"])));
  REQUIRE(proof.ok());
  CHECK(*proof == hex_list(doc["proof"]));
  std::vector<Bytes> keys;
  for (element c : doc["checks"].get_array()) keys.push_back(hex(str(c["key"])));
  // Strict: this proof holds exactly the nodes on the path of Timestamp.Now.
  auto read = trie::verify_read_proof(root, *proof, keys, true);
  REQUIRE(read.ok());
  for (element c : doc["checks"].get_array()) {
    CHECK(read->at(hex(str(c["key"]))) == hex(str(c["value"])));
  }
}

TEST_CASE("proof edge cases: tiny root, shared children, duplicates, non-node entries",
          "[trie][vectors]") {
  element doc = load("substrate/trie/proof_edge_cases.json");
  std::size_t cases = 0;
  for (element c : doc["cases"].get_array()) {
    const std::string name(str(c["name"]));
    INFO(name);
    auto proof = trie::decode_proof(hex(str(c["proof_scale"])));
    REQUIRE(proof.ok());
    std::int64_t n_entries = 0;
    if (c["proof_entries"].get(n_entries) == simdjson::SUCCESS) {
      CHECK(proof->size() == static_cast<std::size_t>(n_entries));
    }
    std::string_view root_hex;
    if (c["root"].get(root_hex) != simdjson::SUCCESS) {
      ++cases;  // storage_values_that_decode_as_nodes: only the container must decode
      continue;
    }
    auto reader = trie::ProofReader::make(hash(root_hex), *proof);
    if (name == "duplicate_proof_entry") {
      REQUIRE(!reader.ok());
      CHECK(ev::is(reader.error(), trie::Errc::DuplicateProofEntry));
      ++cases;
      continue;
    }
    REQUIRE(reader.ok());
    simdjson::dom::object contents;
    if (c["contents"].get(contents) == simdjson::SUCCESS) {
      std::vector<Bytes> keys;
      for (auto [k, v] : contents) {
        auto got = reader->get(hex(k));
        REQUIRE(got.ok());
        REQUIRE(got->has_value());
        CHECK(**got == hex(str(v)));
        keys.push_back(hex(k));
      }
      // Complete proofs: every entry is on some path.
      CHECK(reader->check_all_used().ok());
    } else {
      // Entries that are not nodes must not fail the proof: the root node still decodes
      // and lookups give answers, not InvalidNode.
      for (const Bytes& k : {hex("0x00"), hex("0x3a636f6465"), hex("0xffffffff")}) {
        auto got = reader->get(k);
        if (!got.ok()) CHECK(ev::is(got.error(), trie::Errc::IncompleteProof));
      }
    }
    ++cases;
  }
  CHECK(cases == 6);
}

TEST_CASE("sp-trie test-res: a parachain validation witness reads its values", "[trie][vectors]") {
  const auto proof_path = ev::test::require_vectors("substrate/trie/sp_trie_test_res/proof");
  const std::string raw = ev::test::read_file(proof_path);
  auto proof = trie::decode_proof(
      ev::ByteSpan(reinterpret_cast<const std::uint8_t*>(raw.data()), raw.size()));
  REQUIRE(proof.ok());
  const std::string root_raw = ev::test::read_file(
      ev::test::require_vectors("substrate/trie/sp_trie_test_res/storage_root"));
  REQUIRE(root_raw.size() == 32);
  H256 root{};
  std::copy(root_raw.begin(), root_raw.end(), root.begin());
  element doc = load("substrate/trie/sp_trie_test_res/test_res.json");
  CHECK(root == hash(str(doc["root"])));
  CHECK(*proof == hex_list(doc["proof"]));
  auto reader = trie::ProofReader::make(root, *proof);
  REQUIRE(reader.ok());
  std::size_t n = 0;
  for (auto [k, v] : doc["values_in_proof"].get_object()) {
    auto got = reader->get(hex(k));
    INFO(k);
    REQUIRE(got.ok());
    REQUIRE(got->has_value());
    CHECK(**got == hex(str(v)));
    ++n;
  }
  CHECK(n == 11);
}

TEST_CASE("real proofs: 922 Staking.Validators entries of a live chain", "[trie][vectors]") {
  element doc = load("substrate/trie/smoldot_prefix_scan_staking_validators.json");
  const H256 root = hash(str(doc["trie_root_hash"]));
  std::vector<Bytes> all;
  for (element p : doc["proofs"].get_array()) {
    auto entries = trie::decode_proof(hex(str(p)));
    REQUIRE(entries.ok());
    for (auto& e : *entries) {
      if (std::find(all.begin(), all.end(), e) == all.end()) all.push_back(std::move(e));
    }
  }
  auto reader = trie::ProofReader::make(root, all);
  REQUIRE(reader.ok());
  std::size_t n = 0;
  for (element k : doc["expected_entries"].get_array()) {
    auto got = reader->get(hex(str(k)));
    REQUIRE(got.ok());
    CHECK(got->has_value());
    ++n;
  }
  CHECK(n == 922);
}

TEST_CASE("tampered real proofs are refused", "[trie][vectors]") {
  element doc = load("substrate/trie/proof_polkadot_genesis_claims.json");
  const H256 root = hash(str(doc["root"]));
  const auto proof = hex_list(doc["proof"]);
  const Bytes key = hex(str(doc["checks"].at(0)["key"]));
  const Bytes value = hex(str(doc["checks"].at(0)["value"]));
  {
    auto ok = trie::verify_read_proof(root, proof, {key}, false);
    REQUIRE(ok.ok());
    CHECK(ok->at(key) == value);
  }
  // Each node dropped in turn: the read fails as incomplete, or (for nodes off the path)
  // strict checking of the full proof is what notices the difference.
  std::size_t incomplete = 0;
  for (std::size_t i = 0; i < proof.size(); ++i) {
    auto fewer = proof;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
    auto r = trie::verify_read_proof(root, fewer, {key}, false);
    if (!r.ok()) {
      CHECK(ev::is(r.error(), trie::Errc::IncompleteProof));
      ++incomplete;
    }
  }
  CHECK(incomplete >= 2);
  // A byte flipped anywhere in a node on the path changes its hash: it no longer links.
  for (std::size_t i = 0; i < proof.size(); ++i) {
    auto bad = proof;
    bad[i].back() ^= 0x01;
    auto r = trie::verify_read_proof(root, bad, {key}, false);
    if (r.ok()) {
      CHECK(r->at(key) == value);  // the flipped node was not on this key's path
    } else {
      CHECK(ev::is(r.error(), trie::Errc::IncompleteProof));
    }
  }
  // Wrong root.
  H256 other = root;
  other[0] ^= 1;
  auto wr = trie::verify_read_proof(other, proof, {key}, false);
  REQUIRE(!wr.ok());
  CHECK(ev::is(wr.error(), trie::Errc::IncompleteProof));
  // An unrelated extra entry is refused in strict mode only.
  auto extra = proof;
  extra.push_back(hex("0x1234"));
  CHECK(trie::verify_read_proof(root, extra, {key}, false).ok());
  auto strict = trie::verify_read_proof(root, extra, {key}, true);
  REQUIRE(!strict.ok());
  CHECK(ev::is(strict.error(), trie::Errc::ExtraneousNode));
}
