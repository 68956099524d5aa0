#include "ev/chain/trie_prefix.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace ev::chain::trie {

namespace {

constexpr std::size_t kHashLen = 32;

// Nibbles (an even count) -> bytes.
Bytes to_key(const Nibbles& n) {
  Bytes out(n.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::uint8_t>((n[2 * i] << 4) | n[2 * i + 1]);
  }
  return out;
}

struct Pending {
  Bytes encoding;  // the node's encoding (looked up or inline)
  Nibbles path;    // nibbles of the key before this node's partial key
  bool is_root = false;
};

}  // namespace

Result<std::vector<std::pair<Bytes, Bytes>>> read_prefix(const H256& root,
                                                         const std::vector<Bytes>& proof,
                                                         ByteSpan prefix) {
  std::map<H256, const Bytes*> by_hash;
  for (const Bytes& e : proof) by_hash.emplace(blake2_256(e), &e);
  auto lookup = [&by_hash](ByteSpan hash, std::string_view what) -> Result<const Bytes*> {
    H256 h{};
    std::copy(hash.begin(), hash.end(), h.begin());
    auto it = by_hash.find(h);
    if (it == by_hash.end()) {
      return make_error(Errc::IncompleteProof,
                        std::string(what) + " " + to_hex(h) + " is not in the proof");
    }
    return it->second;
  };

  const Nibbles want = to_nibbles(prefix);
  std::vector<std::pair<Bytes, Bytes>> out;
  // Depth-first, children in descending order on the stack so that entries come out in key
  // order; explicit stack (a hostile proof may chain many single-child branches).
  std::vector<Pending> stack;
  stack.push_back({*EV_TRY(lookup(root, "root node")), {}, true});
  while (!stack.empty()) {
    Pending cur = std::move(stack.back());
    stack.pop_back();
    auto decoded = decode_node(cur.encoding);
    if (!decoded.ok()) {
      return std::move(decoded).error().context("node at nibble " +
                                                std::to_string(cur.path.size()));
    }
    Node n = std::move(decoded).value();
    if (n.kind == Node::Kind::Empty) {
      if (!cur.is_root) return make_error(Errc::InvalidNode, "empty node below the root");
      continue;
    }
    Nibbles full = std::move(cur.path);
    full.insert(full.end(), n.partial.begin(), n.partial.end());
    const std::size_t common = std::min(full.size(), want.size());
    if (!std::equal(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(common),
                    want.begin())) {
      continue;  // diverges from the prefix: nothing below is under it
    }
    const bool under = full.size() >= want.size();
    if (under && n.value) {
      if (full.size() % 2 != 0) {
        return make_error(Errc::InvalidNode,
                          "a value at an odd nibble count " + std::to_string(full.size()));
      }
      Bytes value = n.value_hashed ? *EV_TRY(lookup(*n.value, "value node")) : *n.value;
      out.emplace_back(to_key(full), std::move(value));
    }
    if (n.kind != Node::Kind::Branch) continue;
    for (std::size_t i = 16; i-- > 0;) {
      auto& child = n.children[i];
      if (!child) continue;
      if (!under && i != want[full.size()]) continue;  // not towards the prefix
      Nibbles path = full;
      path.push_back(static_cast<std::uint8_t>(i));
      if (child->size() == kHashLen) {
        stack.push_back({*EV_TRY(lookup(*child, "node")), std::move(path), false});
      } else {
        stack.push_back({std::move(*child), std::move(path), false});
      }
    }
  }
  // Values precede their descendants in a pre-order walk, and children are visited in order,
  // so `out` is sorted; check rather than assume (a malformed trie could break it).
  for (std::size_t i = 1; i < out.size(); ++i) {
    if (!(out[i - 1].first < out[i].first)) {
      return make_error(Errc::InvalidNode, "entries out of key order at " + to_hex(out[i].first));
    }
  }
  return out;
}

}  // namespace ev::chain::trie
