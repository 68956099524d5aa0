// Substrate's base-16 Patricia-Merkle trie: node codec, roots, read proofs. See trie.hpp and
// docs/formats/trie.md.
#include "ev/chain/trie.hpp"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "ev/chain/scale.hpp"

namespace ev {

std::string_view ErrorTraits<chain::trie::Errc>::message(chain::trie::Errc e) {
  using chain::trie::Errc;
  switch (e) {
    case Errc::InvalidNode: return "invalid trie node";
    case Errc::IncompleteProof: return "incomplete proof";
    case Errc::ExtraneousNode: return "proof holds an entry no lookup used";
    case Errc::DuplicateProofEntry: return "duplicate proof entry";
    case Errc::InvalidProof: return "invalid proof encoding";
  }
  return "unknown trie error";
}

}  // namespace ev

namespace ev::chain::trie {

namespace {

// Header kinds (first byte); the low bits hold the partial key length in nibbles.
constexpr std::uint8_t kEmpty = 0x00;
constexpr std::uint8_t kLeaf = 0x40;               // 0b01, 6 length bits
constexpr std::uint8_t kBranchNoValue = 0x80;      // 0b10, 6 length bits
constexpr std::uint8_t kBranchWithValue = 0xC0;    // 0b11, 6 length bits
constexpr std::uint8_t kHashedValueLeaf = 0x20;    // 0b001, 5 length bits
constexpr std::uint8_t kHashedValueBranch = 0x10;  // 0b0001, 4 length bits

constexpr std::size_t kHashLen = 32;

Error invalid(std::string_view what) { return make_error(Errc::InvalidNode, what); }

// First byte = prefix | min(n, max); when n >= max, the rest as 255-saturated bytes.
void append_header(Bytes& out, std::uint8_t prefix, unsigned prefix_bits, std::size_t nibbles) {
  const std::size_t max = std::size_t{255} >> prefix_bits;
  if (nibbles < max) {
    out.push_back(static_cast<std::uint8_t>(prefix | nibbles));
    return;
  }
  out.push_back(static_cast<std::uint8_t>(prefix | max));
  std::size_t rem = nibbles - (max - 1);
  while (rem >= 256) {
    out.push_back(255);
    rem -= 255;
  }
  out.push_back(static_cast<std::uint8_t>(rem - 1));
}

Result<std::size_t> read_length(std::uint8_t first, unsigned prefix_bits, scale::Decoder& d) {
  const std::size_t max = std::size_t{255} >> prefix_bits;
  std::size_t n = first & max;
  if (n < max) return n;
  n -= 1;
  for (;;) {
    auto b = d.u8();
    if (!b.ok()) return invalid("header length truncated");
    if (*b < 255) {
      n += std::size_t{*b} + 1;
      break;
    }
    n += 255;
    if (n > kMaxPartialNibbles) break;
  }
  if (n > kMaxPartialNibbles) return invalid("partial key longer than 65535 nibbles");
  return n;
}

void append_partial(Bytes& out, const Nibbles& p, std::size_t from = 0) {
  const std::size_t n = p.size() - from;
  std::size_t i = from;
  if (n % 2 == 1) out.push_back(p[i++]);
  for (; i < p.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>((p[i] << 4) | p[i + 1]));
  }
}

Result<Nibbles> read_partial(scale::Decoder& d, std::size_t nibbles) {
  auto raw = d.raw((nibbles + 1) / 2);
  if (!raw.ok()) return invalid("partial key truncated");
  Nibbles out;
  out.reserve(nibbles);
  std::size_t i = 0;
  if (nibbles % 2 == 1) {
    if (((*raw)[0] >> 4) != 0) return invalid("non-zero padding nibble in partial key");
    out.push_back((*raw)[0]);
    i = 1;
  }
  for (; i < raw->size(); ++i) {
    out.push_back(static_cast<std::uint8_t>((*raw)[i] >> 4));
    out.push_back(static_cast<std::uint8_t>((*raw)[i] & 0x0f));
  }
  return out;
}

// The reference a parent holds to a child: the encoding itself below 32 bytes, else its hash.
Bytes child_ref(const Bytes& encoded) {
  if (encoded.size() < kHashLen) return encoded;
  const H256 h = blake2_256(encoded);
  return {h.begin(), h.end()};
}

bool hashed_value(Layout layout, const Bytes& value) {
  return layout == Layout::V1 && value.size() >= kHashedValueThreshold;
}

// Encodes a node from parts; value is the stored value (hashed here when the layout says so).
Bytes encode_parts(Layout layout, const Nibbles& partial, std::size_t partial_from,
                   const Bytes* value, const std::array<const Bytes*, 16>& refs) {
  Node n;
  n.partial.assign(partial.begin() + static_cast<std::ptrdiff_t>(partial_from), partial.end());
  if (value != nullptr) {
    if (hashed_value(layout, *value)) {
      const H256 h = blake2_256(*value);
      n.value = Bytes(h.begin(), h.end());
      n.value_hashed = true;
    } else {
      n.value = *value;
    }
  }
  bool any = false;
  for (std::size_t i = 0; i < 16; ++i) {
    if (refs[i] != nullptr) {
      n.children[i] = *refs[i];
      any = true;
    }
  }
  n.kind = any ? Node::Kind::Branch : Node::Kind::Leaf;
  return encode_node(n);
}

bool starts_with(const Nibbles& key, std::size_t pos, const Nibbles& prefix) {
  if (key.size() - pos < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), key.begin() + static_cast<std::ptrdiff_t>(pos));
}

// --- closed-form root over sorted entries ---

struct Item {
  Nibbles key;
  const Bytes* value;
};

Bytes build(Layout layout, const std::vector<Item>& items, std::size_t lo, std::size_t hi,
            std::size_t depth) {
  const Nibbles& first = items[lo].key;
  if (hi - lo == 1) {
    return encode_parts(layout, first, depth, items[lo].value, {});
  }
  // Sorted: the common prefix of the range is that of its first and last keys.
  const Nibbles& last = items[hi - 1].key;
  std::size_t d = depth;
  while (d < first.size() && d < last.size() && first[d] == last[d]) ++d;
  const Bytes* value = nullptr;
  std::size_t i = lo;
  if (first.size() == d) value = items[i++].value;
  std::array<Bytes, 16> encoded;
  std::array<const Bytes*, 16> refs{};
  while (i < hi) {
    const std::uint8_t nib = items[i].key[d];
    std::size_t j = i;
    while (j < hi && items[j].key[d] == nib) ++j;
    encoded[nib] = child_ref(build(layout, items, i, j, d + 1));
    refs[nib] = &encoded[nib];
    i = j;
  }
  Nibbles partial(first.begin() + static_cast<std::ptrdiff_t>(depth),
                  first.begin() + static_cast<std::ptrdiff_t>(d));
  return encode_parts(layout, partial, 0, value, refs);
}

}  // namespace

Nibbles to_nibbles(ByteSpan key) {
  Nibbles out;
  out.reserve(key.size() * 2);
  for (std::uint8_t b : key) {
    out.push_back(static_cast<std::uint8_t>(b >> 4));
    out.push_back(static_cast<std::uint8_t>(b & 0x0f));
  }
  return out;
}

Bytes encode_node(const Node& n) {
  Bytes out;
  if (n.kind == Node::Kind::Empty) {
    out.push_back(kEmpty);
    return out;
  }
  const std::size_t len = n.partial.size();
  if (n.kind == Node::Kind::Leaf) {
    if (n.value_hashed) {
      append_header(out, kHashedValueLeaf, 3, len);
    } else {
      append_header(out, kLeaf, 2, len);
    }
  } else if (!n.value) {
    append_header(out, kBranchNoValue, 2, len);
  } else if (n.value_hashed) {
    append_header(out, kHashedValueBranch, 4, len);
  } else {
    append_header(out, kBranchWithValue, 2, len);
  }
  append_partial(out, n.partial);
  if (n.kind == Node::Kind::Branch) {
    std::uint16_t bitmap = 0;
    for (std::size_t i = 0; i < 16; ++i) {
      if (n.children[i]) bitmap = static_cast<std::uint16_t>(bitmap | (1U << i));
    }
    out.push_back(static_cast<std::uint8_t>(bitmap & 0xff));
    out.push_back(static_cast<std::uint8_t>(bitmap >> 8));
  }
  if (n.value) {
    if (n.value_hashed) {
      append(out, *n.value);
    } else {
      scale::append_compact(out, n.value->size());
      append(out, *n.value);
    }
  }
  if (n.kind == Node::Kind::Branch) {
    for (const auto& c : n.children) {
      if (!c) continue;
      scale::append_compact(out, c->size());
      append(out, *c);
    }
  }
  return out;
}

Result<Node> decode_node(ByteSpan encoded) {
  if (encoded.empty()) return invalid("empty input");
  scale::Decoder d(encoded);
  const std::uint8_t h = *d.u8();
  Node n;
  if (h == kEmpty) {
    if (encoded.size() != 1) return invalid("bytes after the empty node");
    return n;
  }
  std::size_t len = 0;
  bool has_value = false;
  switch (h >> 6) {
    case 1:
      n.kind = Node::Kind::Leaf;
      has_value = true;
      len = EV_TRY(read_length(h, 2, d));
      break;
    case 2:
      n.kind = Node::Kind::Branch;
      len = EV_TRY(read_length(h, 2, d));
      break;
    case 3:
      n.kind = Node::Kind::Branch;
      has_value = true;
      len = EV_TRY(read_length(h, 2, d));
      break;
    default:
      if ((h >> 5) == 1) {
        n.kind = Node::Kind::Leaf;
        has_value = true;
        n.value_hashed = true;
        len = EV_TRY(read_length(h, 3, d));
      } else if ((h >> 4) == 1) {
        n.kind = Node::Kind::Branch;
        has_value = true;
        n.value_hashed = true;
        len = EV_TRY(read_length(h, 4, d));
      } else {
        return invalid("unknown node header 0x" + to_hex(ByteSpan(&h, 1), false));
      }
  }
  n.partial = EV_TRY(read_partial(d, len));
  std::uint16_t bitmap = 0;
  if (n.kind == Node::Kind::Branch) {
    auto b = d.u16();
    if (!b.ok()) return invalid("children bitmap truncated");
    bitmap = *b;
    if (bitmap == 0) return invalid("branch without children");
  }
  if (has_value) {
    if (n.value_hashed) {
      auto v = d.raw(kHashLen);
      if (!v.ok()) return invalid("value hash truncated");
      n.value = Bytes(v->begin(), v->end());
    } else {
      auto v = d.bytes();
      if (!v.ok()) return invalid("value: " + v.error().message);
      n.value = std::move(v).value();
    }
  }
  for (std::size_t i = 0; i < 16; ++i) {
    if ((bitmap & (1U << i)) == 0) continue;
    auto c = d.bytes();
    if (!c.ok()) return invalid("child " + std::to_string(i) + ": " + c.error().message);
    if (c->size() > kHashLen) {
      return invalid("child " + std::to_string(i) + " reference longer than 32 bytes");
    }
    if (c->empty()) return invalid("child " + std::to_string(i) + " reference is empty");
    n.children[i] = std::move(c).value();
  }
  if (!d.empty()) return invalid(std::to_string(d.remaining()) + " trailing bytes after node");
  return n;
}

H256 trie_root(Layout layout, const Entries& entries) {
  if (entries.empty()) {
    const std::uint8_t empty = kEmpty;
    return blake2_256(ByteSpan(&empty, 1));
  }
  std::vector<Item> items;
  items.reserve(entries.size());
  for (const auto& [k, v] : entries) items.push_back({to_nibbles(k), &v});
  return blake2_256(build(layout, items, 0, items.size(), 0));
}

// --- mutable trie ---

struct Trie::MNode {
  Nibbles partial;
  std::optional<Bytes> value;
  std::array<std::unique_ptr<MNode>, 16> children;
  bool dirty = true;
  Bytes encoded;  // valid when !dirty
  Bytes ref;      // what a parent stores: encoded (< 32 bytes) or its hash

  [[nodiscard]] bool has_children() const {
    return std::any_of(children.begin(), children.end(),
                       [](const auto& c) { return c != nullptr; });
  }
};

namespace {

using MNode = Trie::MNode;

std::unique_ptr<MNode> make_leaf(const Nibbles& key, std::size_t from, ByteSpan value) {
  auto n = std::make_unique<MNode>();
  n->partial.assign(key.begin() + static_cast<std::ptrdiff_t>(from), key.end());
  n->value = Bytes(value.begin(), value.end());
  return n;
}

// Returns true when a new key was added.
bool insert(std::unique_ptr<MNode>& node, const Nibbles& key, std::size_t pos, ByteSpan value) {
  if (!node) {
    node = make_leaf(key, pos, value);
    return true;
  }
  const Nibbles& p = node->partial;
  std::size_t cp = 0;
  while (cp < p.size() && pos + cp < key.size() && p[cp] == key[pos + cp]) ++cp;
  if (cp == p.size()) {
    pos += cp;
    if (pos == key.size()) {
      if (node->value &&
          std::equal(node->value->begin(), node->value->end(), value.begin(), value.end())) {
        return false;
      }
      const bool added = !node->value.has_value();
      node->value = Bytes(value.begin(), value.end());
      node->dirty = true;
      return added;
    }
    auto& child = node->children[key[pos]];
    const bool added = insert(child, key, pos + 1, value);
    node->dirty = true;
    return added;
  }
  // Split: a new branch holding the common part, the old node below it.
  auto branch = std::make_unique<MNode>();
  branch->partial.assign(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(cp));
  std::unique_ptr<MNode> old = std::move(node);
  const std::uint8_t old_nib = old->partial[cp];
  old->partial.erase(old->partial.begin(),
                     old->partial.begin() + static_cast<std::ptrdiff_t>(cp) + 1);
  old->dirty = true;
  branch->children[old_nib] = std::move(old);
  if (pos + cp == key.size()) {
    branch->value = Bytes(value.begin(), value.end());
  } else {
    branch->children[key[pos + cp]] = make_leaf(key, pos + cp + 1, value);
  }
  node = std::move(branch);
  return true;
}

// Returns true when the key was present (and is now removed).
bool erase(std::unique_ptr<MNode>& node, const Nibbles& key, std::size_t pos) {
  if (!node || !starts_with(key, pos, node->partial)) return false;
  pos += node->partial.size();
  if (pos == key.size()) {
    if (!node->value) return false;
    node->value.reset();
  } else if (!erase(node->children[key[pos]], key, pos + 1)) {
    return false;
  }
  node->dirty = true;
  if (node->value) return true;
  std::size_t count = 0;
  std::size_t only = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    if (node->children[i]) {
      ++count;
      only = i;
    }
  }
  if (count == 0) {
    node.reset();
  } else if (count == 1) {
    // A branch without value and with one child merges into that child.
    std::unique_ptr<MNode> c = std::move(node->children[only]);
    Nibbles merged = std::move(node->partial);
    merged.push_back(static_cast<std::uint8_t>(only));
    merged.insert(merged.end(), c->partial.begin(), c->partial.end());
    c->partial = std::move(merged);
    c->dirty = true;
    node = std::move(c);
  }
  return true;
}

void refresh(Layout layout, MNode& n) {
  if (!n.dirty) return;
  std::array<const Bytes*, 16> refs{};
  for (std::size_t i = 0; i < 16; ++i) {
    if (!n.children[i]) continue;
    refresh(layout, *n.children[i]);
    refs[i] = &n.children[i]->ref;
  }
  n.encoded = encode_parts(layout, n.partial, 0, n.value ? &*n.value : nullptr, refs);
  n.ref = child_ref(n.encoded);
  n.dirty = false;
}

}  // namespace

Trie::Trie(Layout layout) : layout_(layout) {}
Trie::~Trie() = default;
Trie::Trie(Trie&&) noexcept = default;
Trie& Trie::operator=(Trie&&) noexcept = default;

void Trie::set(ByteSpan key, ByteSpan value) {
  if (insert(root_, to_nibbles(key), 0, value)) ++size_;
}

void Trie::remove(ByteSpan key) {
  if (erase(root_, to_nibbles(key), 0)) --size_;
}

std::optional<Bytes> Trie::get(ByteSpan key) const {
  const Nibbles k = to_nibbles(key);
  const MNode* n = root_.get();
  std::size_t pos = 0;
  while (n != nullptr) {
    if (!starts_with(k, pos, n->partial)) return std::nullopt;
    pos += n->partial.size();
    if (pos == k.size()) return n->value;
    n = n->children[k[pos++]].get();
  }
  return std::nullopt;
}

H256 Trie::root() {
  if (!root_) {
    const std::uint8_t empty = kEmpty;
    return blake2_256(ByteSpan(&empty, 1));
  }
  refresh(layout_, *root_);
  return blake2_256(root_->encoded);
}

std::vector<Bytes> Trie::prove(const std::vector<Bytes>& keys) {
  std::set<Bytes> nodes;
  (void)root();
  if (!root_) {
    nodes.insert(Bytes{kEmpty});
    return {nodes.begin(), nodes.end()};
  }
  for (const Bytes& key : keys) {
    const Nibbles k = to_nibbles(key);
    const MNode* n = root_.get();
    nodes.insert(n->encoded);
    std::size_t pos = 0;
    while (starts_with(k, pos, n->partial)) {
      pos += n->partial.size();
      if (pos == k.size()) {
        if (n->value && hashed_value(layout_, *n->value)) nodes.insert(*n->value);
        break;
      }
      const MNode* c = n->children[k[pos++]].get();
      if (c == nullptr) break;
      if (c->encoded.size() >= kHashLen) nodes.insert(c->encoded);
      n = c;
    }
  }
  return {nodes.begin(), nodes.end()};
}

// --- proofs ---

Result<ProofReader> ProofReader::make(const H256& root, std::vector<Bytes> proof) {
  ProofReader r;
  r.root_ = root;
  r.entries_ = std::move(proof);
  r.used_.assign(r.entries_.size(), false);
  for (std::size_t i = 0; i < r.entries_.size(); ++i) {
    const H256 h = blake2_256(r.entries_[i]);
    if (!r.by_hash_.emplace(h, i).second) {
      return make_error(Errc::DuplicateProofEntry, "entries " + std::to_string(r.by_hash_[h]) +
                                                       " and " + std::to_string(i) + " are both " +
                                                       to_hex(h));
    }
  }
  return r;
}

Result<std::optional<Bytes>> ProofReader::get(ByteSpan key) {
  auto lookup = [this](ByteSpan hash, std::string_view what) -> Result<const Bytes*> {
    H256 h{};
    std::copy(hash.begin(), hash.end(), h.begin());
    auto it = by_hash_.find(h);
    if (it == by_hash_.end()) {
      return make_error(Errc::IncompleteProof,
                        std::string(what) + " " + to_hex(h) + " is not in the proof");
    }
    used_[it->second] = true;
    return &entries_[it->second];
  };
  const Nibbles k = to_nibbles(key);
  std::size_t pos = 0;
  Bytes inline_copy;
  const Bytes* cur = EV_TRY(lookup(root_, "root node"));
  for (bool is_root = true;; is_root = false) {
    auto decoded = decode_node(*cur);
    if (!decoded.ok()) {
      return std::move(decoded).error().context("node at nibble " + std::to_string(pos));
    }
    Node n = std::move(decoded).value();
    if (n.kind == Node::Kind::Empty) {
      if (!is_root) return invalid("empty node below the root");
      return std::optional<Bytes>{};
    }
    if (!starts_with(k, pos, n.partial)) return std::optional<Bytes>{};
    pos += n.partial.size();
    if (pos == k.size()) {
      if (!n.value) return std::optional<Bytes>{};
      if (!n.value_hashed) return std::optional<Bytes>{std::move(*n.value)};
      const Bytes* v = EV_TRY(lookup(*n.value, "value node"));
      return std::optional<Bytes>{*v};
    }
    if (n.kind == Node::Kind::Leaf) return std::optional<Bytes>{};
    auto& child = n.children[k[pos++]];
    if (!child) return std::optional<Bytes>{};
    if (child->size() == kHashLen) {
      cur = EV_TRY(lookup(*child, "node"));
    } else {
      inline_copy = std::move(*child);
      cur = &inline_copy;
    }
  }
}

Result<void> ProofReader::check_all_used() const {
  for (std::size_t i = 0; i < used_.size(); ++i) {
    if (!used_[i]) {
      return make_error(Errc::ExtraneousNode, "entry " + std::to_string(i) + " (" +
                                                  to_hex(blake2_256(entries_[i])) +
                                                  ") is not on any path read");
    }
  }
  return ok();
}

Result<std::map<Bytes, std::optional<Bytes>>> verify_read_proof(const H256& root,
                                                                std::vector<Bytes> proof,
                                                                const std::vector<Bytes>& keys,
                                                                bool strict) {
  ProofReader r = EV_TRY(ProofReader::make(root, std::move(proof)));
  std::map<Bytes, std::optional<Bytes>> out;
  for (const Bytes& k : keys) {
    auto v = r.get(k);
    if (!v.ok()) return std::move(v).error().context("key " + to_hex(k));
    out[k] = std::move(v).value();
  }
  if (strict) EV_TRY(r.check_all_used());
  return out;
}

Result<std::vector<Bytes>> decode_proof(ByteSpan scale_bytes) {
  scale::Decoder d(scale_bytes);
  auto n = d.length(1);
  if (!n.ok()) return make_error(Errc::InvalidProof, n.error().message);
  std::vector<Bytes> out;
  out.reserve(*n);
  for (std::size_t i = 0; i < *n; ++i) {
    auto e = d.bytes();
    if (!e.ok()) {
      return make_error(Errc::InvalidProof,
                        "entry " + std::to_string(i) + ": " + e.error().message);
    }
    out.push_back(std::move(e).value());
  }
  if (auto f = d.finish(); !f.ok()) return make_error(Errc::InvalidProof, f.error().message);
  return out;
}

Bytes encode_proof(const std::vector<Bytes>& proof) {
  scale::Encoder e;
  e.compact(proof.size());
  for (const Bytes& p : proof) e.bytes(p);
  return e.take();
}

}  // namespace ev::chain::trie
