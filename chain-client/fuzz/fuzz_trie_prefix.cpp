// Arbitrary bytes as a prefix read: the first byte gives the prefix length, then the prefix,
// then a SCALE-encoded read proof, read against the hash of its first entry. Never crashes;
// every failure names the trie domain and says why; entries that come out are under the prefix,
// in strictly increasing key order.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/trie.hpp"
#include "ev/chain/trie_prefix.hpp"

namespace trie = ev::chain::trie;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t plen = std::min<std::size_t>(data[0] % 8, size - 1);
  const ev::ByteSpan prefix(data + 1, plen);
  auto proof = trie::decode_proof(ev::ByteSpan(data + 1 + plen, size - 1 - plen));
  if (!proof.ok() || proof->empty()) return 0;
  const auto root = ev::chain::blake2_256(proof->front());
  auto got = trie::read_prefix(root, *proof, prefix);
  if (!got.ok()) {
    EV_ASSERT(got.error().domain == "trie" && !got.error().message.empty(),
              "a trie error must say why");
    return 0;
  }
  for (std::size_t i = 0; i < got->size(); ++i) {
    const ev::Bytes& k = (*got)[i].first;
    EV_ASSERT(k.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), k.begin()),
              "an entry outside the prefix");
    if (i > 0) EV_ASSERT((*got)[i - 1].first < k, "entries out of order");
  }
  return 0;
}
