// The trie's node codec and its mutable form: header length boundaries, strict decoding, and
// the incremental root against the closed-form root under random changes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/trie.hpp"

namespace {

using ev::Bytes;
namespace trie = ev::chain::trie;

Bytes hex(std::string_view h) { return ev::from_hex(h).value(); }

Bytes random_bytes(std::mt19937& rng, std::size_t max_len) {
  std::uniform_int_distribution<std::size_t> len(0, max_len);
  std::uniform_int_distribution<int> byte(0, 255);
  Bytes b(len(rng));
  for (auto& x : b) x = static_cast<std::uint8_t>(byte(rng));
  return b;
}

}  // namespace

TEST_CASE("node codec round-trips every kind and header length boundary", "[trie]") {
  for (std::size_t len : {0, 1, 14, 15, 16, 30, 31, 32, 62, 63, 64, 317, 318, 319, 600, 1000}) {
    INFO("partial nibbles " << len);
    trie::Nibbles partial(len);
    for (std::size_t i = 0; i < len; ++i) partial[i] = static_cast<std::uint8_t>((i * 7) % 16);
    for (int kind = 0; kind < 5; ++kind) {
      trie::Node n;
      n.partial = partial;
      if (kind == 0) {
        n.kind = trie::Node::Kind::Leaf;
        n.value = hex("0x0102");
      } else if (kind == 1) {
        n.kind = trie::Node::Kind::Leaf;
        n.value = Bytes(32, 0xab);
        n.value_hashed = true;
      } else {
        n.kind = trie::Node::Kind::Branch;
        n.children[3] = Bytes(32, 0x11);
        n.children[15] = hex("0x4100");
        if (kind == 3) n.value = hex("0x");
        if (kind == 4) {
          n.value = Bytes(32, 0xcd);
          n.value_hashed = true;
        }
      }
      const Bytes enc = trie::encode_node(n);
      auto back = trie::decode_node(enc);
      REQUIRE(back.ok());
      CHECK(back->kind == n.kind);
      CHECK(back->partial == n.partial);
      CHECK(back->value == n.value);
      CHECK(back->value_hashed == n.value_hashed);
      CHECK(back->children == n.children);
      CHECK(trie::encode_node(*back) == enc);
    }
  }
}

TEST_CASE("node header bytes follow sp-trie's kinds", "[trie]") {
  trie::Node leaf;
  leaf.kind = trie::Node::Kind::Leaf;
  leaf.partial = {0xa, 0xa};
  leaf.value = hex("0xbb");
  CHECK(trie::encode_node(leaf) == hex("0x42aa04bb"));  // sp-trie codec_trie_single_tuple
  leaf.partial.assign(63, 1);
  // 63 nibbles: 0x40|63, then 0 (63 - 62 - 1), then 32 bytes of key.
  const Bytes enc = trie::encode_node(leaf);
  CHECK(enc[0] == 0x7f);
  CHECK(enc[1] == 0x00);
  CHECK(enc[2] == 0x01);  // odd length: the first nibble alone, left-padded
  leaf.value_hashed = true;
  leaf.value = Bytes(32, 0);
  leaf.partial.assign(31, 2);
  CHECK(trie::encode_node(leaf)[0] == 0x3f);
  leaf.partial.assign(30, 2);
  CHECK(trie::encode_node(leaf)[0] == 0x3e);
  trie::Node br;
  br.kind = trie::Node::Kind::Branch;
  br.children[0] = hex("0x4000");
  br.value = Bytes(32, 0);
  br.value_hashed = true;
  br.partial.assign(14, 3);
  CHECK(trie::encode_node(br)[0] == 0x1e);
  br.partial.assign(15, 3);
  CHECK(trie::encode_node(br)[0] == 0x1f);
  CHECK(trie::encode_node(br)[1] == 0x00);
  CHECK(trie::encode_node(trie::Node{}) == hex("0x00"));
}

TEST_CASE("decode_node refuses malformed nodes with precise errors", "[trie]") {
  auto refused = [](std::string_view h, std::string_view why) {
    auto r = trie::decode_node(hex(h));
    INFO(h);
    REQUIRE(!r.ok());
    CHECK(ev::is(r.error(), trie::Errc::InvalidNode));
    CHECK(r.error().message.find(why) != std::string::npos);
  };
  refused("0x", "empty input");
  refused("0x0000", "bytes after the empty node");
  refused("0x01", "unknown node header");
  refused("0x0f", "unknown node header");
  refused("0x41f304bb", "padding nibble");
  refused("0x8000000000", "branch without children");
  refused("0x800100", "child 0");  // reference truncated
  refused(
      "0x800100"
      "84"
      "000000000000000000000000000000000000000000000000000000000000000000",
      "longer than 32 bytes");
  refused("0x42aa04bbcc", "trailing bytes");
  refused("0x42aa08bb", "value");
  refused("0x7f", "header length truncated");
  refused("0x2101", "value hash truncated");
  refused("0x8001", "children bitmap truncated");
  refused(
      "0x800100"
      "00",
      "reference is empty");
}

TEST_CASE("incremental root equals the closed-form root under random changes", "[trie]") {
  for (auto layout : {trie::Layout::V0, trie::Layout::V1}) {
    std::mt19937 rng(layout == trie::Layout::V0 ? 1 : 2);
    trie::Trie t(layout);
    std::map<Bytes, Bytes> model;
    std::vector<Bytes> keys;
    for (int round = 0; round < 60; ++round) {
      for (int op = 0; op < 25; ++op) {
        const int what = std::uniform_int_distribution<int>(0, 9)(rng);
        if (what < 6 || keys.empty()) {
          Bytes k = keys.empty() || what < 3 ? random_bytes(rng, 6) : keys[rng() % keys.size()];
          Bytes v = random_bytes(rng, 70);
          t.set(k, v);
          model[k] = v;
          keys.push_back(k);
        } else {
          const Bytes k = keys[rng() % keys.size()];
          t.remove(k);
          model.erase(k);
        }
      }
      REQUIRE(t.size() == model.size());
      REQUIRE(t.root() == trie::trie_root(layout, model));
    }
    for (const auto& [k, v] : model) CHECK(t.get(k) == v);
    // Removing everything returns to the empty root.
    for (const auto& [k, v] : model) t.remove(k);
    CHECK(t.size() == 0);
    CHECK(t.root() == ev::chain::blake2_256(hex("0x00")));
  }
}

TEST_CASE("proofs from the trie verify; missing or extra entries are refused", "[trie]") {
  std::mt19937 rng(3);
  trie::Trie t(trie::Layout::V1);
  std::map<Bytes, Bytes> model;
  for (int i = 0; i < 300; ++i) {
    Bytes k = random_bytes(rng, 8);
    Bytes v = random_bytes(rng, 60);
    t.set(k, v);
    model[k] = v;
  }
  const auto root = t.root();
  std::vector<Bytes> keys;
  for (int i = 0; i < 20; ++i) {
    auto it = model.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(rng() % model.size()));
    keys.push_back(it->first);
  }
  keys.push_back(hex("0xdeadbeefdeadbeef00"));
  const auto proof = t.prove(keys);
  auto read = trie::verify_read_proof(root, proof, keys, true);
  REQUIRE(read.ok());
  for (const auto& k : keys) {
    auto it = model.find(k);
    CHECK(read->at(k) == (it == model.end() ? std::nullopt : std::optional<Bytes>(it->second)));
  }
  for (std::size_t i = 0; i < proof.size(); ++i) {
    auto fewer = proof;
    fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(i));
    auto r = trie::verify_read_proof(root, fewer, keys, true);
    REQUIRE(!r.ok());
    CHECK(ev::is(r.error(), trie::Errc::IncompleteProof));
  }
  auto more = proof;
  more.push_back(t.prove({model.rbegin()->first, model.begin()->first}).back());
  std::sort(more.begin(), more.end());
  more.erase(std::unique(more.begin(), more.end()), more.end());
  if (more.size() > proof.size()) {
    auto r = trie::verify_read_proof(root, more, keys, true);
    REQUIRE(!r.ok());
    CHECK(ev::is(r.error(), trie::Errc::ExtraneousNode));
  }
  auto dup = proof;
  dup.push_back(proof.front());
  auto d = trie::ProofReader::make(root, dup);
  REQUIRE(!d.ok());
  CHECK(ev::is(d.error(), trie::Errc::DuplicateProofEntry));
}

TEST_CASE("decode_proof refuses a malformed container", "[trie]") {
  CHECK(trie::decode_proof(hex("0x00")).ok());
  for (auto h : {"0x", "0x04", "0x0408aa", "0x0404aabb", "0xff"}) {
    auto r = trie::decode_proof(hex(h));
    INFO(h);
    REQUIRE(!r.ok());
    CHECK(ev::is(r.error(), trie::Errc::InvalidProof));
  }
}
