// Prefix reads from read proofs: every entry under a prefix comes out of a proof of the keys
// listed, in key order, under both layouts; a proof that leaves an entry's node out is
// incomplete, never a shorter list; an empty listing is proven by a proof of the prefix itself.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <vector>

#include "ev/chain/trie.hpp"
#include "ev/chain/trie_prefix.hpp"

namespace {

using ev::Bytes;
namespace trie = ev::chain::trie;

Bytes bytes_of(std::initializer_list<int> v) {
  Bytes b;
  for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
  return b;
}

// Entries under three prefixes of a map-like storage layout; values long enough that most
// leaves are referenced by hash (and hashed in V1).
trie::Entries sample(std::mt19937& rng, std::size_t per_prefix) {
  trie::Entries e;
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<std::size_t> len(1, 60);
  for (int p = 0; p < 3; ++p) {
    for (std::size_t i = 0; i < per_prefix; ++i) {
      Bytes k = bytes_of({0xaa, 0xbb, p});
      for (int j = 0; j < 8; ++j) k.push_back(static_cast<std::uint8_t>(byte(rng)));
      Bytes v(len(rng));
      for (auto& x : v) x = static_cast<std::uint8_t>(byte(rng));
      e[k] = v;
    }
  }
  e[bytes_of({0xaa, 0xbb})] = bytes_of({1});  // a value at a prefix of the prefixes
  return e;
}

std::vector<std::pair<Bytes, Bytes>> under(const trie::Entries& e, const Bytes& prefix) {
  std::vector<std::pair<Bytes, Bytes>> out;
  for (const auto& [k, v] : e) {
    if (k.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), k.begin())) {
      out.emplace_back(k, v);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("read_prefix returns exactly the entries under the prefix, in key order", "[trie]") {
  std::mt19937 rng(7);
  for (const auto layout : {trie::Layout::V0, trie::Layout::V1}) {
    for (const std::size_t n : {1U, 2U, 17U, 200U}) {
      const trie::Entries e = sample(rng, n);
      trie::Trie t(layout);
      for (const auto& [k, v] : e) t.set(k, v);
      const auto root = t.root();
      for (const Bytes& prefix :
           {bytes_of({0xaa, 0xbb, 1}), bytes_of({0xaa, 0xbb}), bytes_of({0xaa}), Bytes{}}) {
        const auto want = under(e, prefix);
        std::vector<Bytes> keys{prefix};
        for (const auto& [k, v] : want) keys.push_back(k);
        const auto got = trie::read_prefix(root, t.prove(keys), prefix);
        REQUIRE(got.ok());
        CHECK(*got == want);
      }
    }
  }
}

TEST_CASE("read_prefix of an absent prefix is empty, proven by a proof of the prefix", "[trie]") {
  std::mt19937 rng(8);
  const trie::Entries e = sample(rng, 20);
  trie::Trie t;
  for (const auto& [k, v] : e) t.set(k, v);
  const auto root = t.root();
  for (const Bytes& prefix :
       {bytes_of({0xaa, 0xbb, 7}), bytes_of({0x01}), bytes_of({0xaa, 0xbc})}) {
    const auto got = trie::read_prefix(root, t.prove({prefix}), prefix);
    REQUIRE(got.ok());
    CHECK(got->empty());
  }
  // The empty trie.
  trie::Trie empty;
  const auto r = empty.root();
  const auto got = trie::read_prefix(r, empty.prove({bytes_of({1})}), bytes_of({1}));
  REQUIRE(got.ok());
  CHECK(got->empty());
}

TEST_CASE("read_prefix refuses a proof that leaves an entry out", "[trie]") {
  std::mt19937 rng(9);
  const trie::Entries e = sample(rng, 50);
  trie::Trie t;
  for (const auto& [k, v] : e) t.set(k, v);
  const auto root = t.root();
  const Bytes prefix = bytes_of({0xaa, 0xbb, 2});
  const auto want = under(e, prefix);
  REQUIRE(want.size() == 50);
  std::size_t refused = 0;
  std::size_t complete = 0;
  for (std::size_t skip = 0; skip < want.size(); ++skip) {
    // A host that lists every key but one and proves only those.
    std::vector<Bytes> keys{prefix};
    for (std::size_t i = 0; i < want.size(); ++i) {
      if (i != skip) keys.push_back(want[i].first);
    }
    const auto got = trie::read_prefix(root, t.prove(keys), prefix);
    if (got.ok()) {
      // Only when the left-out entry lives inline in a node the proof holds anyway.
      CHECK(*got == want);
      ++complete;
    } else {
      CHECK(got.error().code == static_cast<int>(trie::Errc::IncompleteProof));
      ++refused;
    }
  }
  CHECK(refused > 0);
  CHECK(refused + complete == want.size());
  // Nothing but the root: the sub-trie is missing.
  const auto only_root = trie::read_prefix(root, t.prove({}), prefix);
  REQUIRE_FALSE(only_root.ok());
  CHECK(only_root.error().code == static_cast<int>(trie::Errc::IncompleteProof));
  // Against another root.
  const auto other = trie::read_prefix(ev::chain::H256{}, t.prove({prefix}), prefix);
  REQUIRE_FALSE(other.ok());
  CHECK(other.error().code == static_cast<int>(trie::Errc::IncompleteProof));
}

TEST_CASE("read_prefix refuses entries that are not nodes", "[trie]") {
  const Bytes junk = bytes_of({0xff, 0xff, 0xff});
  const auto root = ev::chain::blake2_256(junk);
  const auto got = trie::read_prefix(root, {junk}, bytes_of({1}));
  REQUIRE_FALSE(got.ok());
  CHECK(got.error().code == static_cast<int>(trie::Errc::InvalidNode));
}
