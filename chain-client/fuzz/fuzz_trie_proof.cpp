// Arbitrary bytes as a trie node, and as a SCALE-encoded read proof read against the hash of
// one of its entries. Never crashes; a decoded node re-encodes to exactly its input; every
// failure names the trie domain and says why.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/trie.hpp"

namespace {

namespace trie = ev::chain::trie;

void check_error(const ev::Error& e) {
  EV_ASSERT(e.domain == "trie" && !e.message.empty(), "a trie error must say why");
}

void check_node(ev::ByteSpan in) {
  auto n = trie::decode_node(in);
  if (!n.ok()) {
    check_error(n.error());
    return;
  }
  const ev::Bytes again = trie::encode_node(*n);
  EV_ASSERT(ev::Bytes(in.begin(), in.end()) == again, "node decoding must be canonical");
}

void check_proof(ev::ByteSpan in) {
  auto proof = trie::decode_proof(in);
  if (!proof.ok()) {
    check_error(proof.error());
    return;
  }
  EV_ASSERT(trie::encode_proof(*proof) == ev::Bytes(in.begin(), in.end()),
            "proof decoding must be canonical");
  if (proof->empty()) return;
  // Read under the hash of the first entry (so it is the root node): keys made of the last
  // entry's bytes and a few fixed ones.
  const ev::chain::H256 root = ev::chain::blake2_256(proof->front());
  std::vector<ev::Bytes> keys = {{}, {0x00}, {0xff, 0xff}, proof->back()};
  auto r = trie::verify_read_proof(root, *proof, keys, true);
  if (!r.ok()) check_error(r.error());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ev::ByteSpan in(data, size);
  check_node(in);
  check_proof(in);
  return 0;
}
