// Substrate's base-16 Patricia-Merkle trie (sp-trie / trie-db, blake2_256), layouts V0 and V1.
// Format: docs/formats/trie.md.
//
//   * Node codec: encode_node / decode_node (headers, nibble partial keys, children bitmap,
//     inline children shorter than 32 bytes, V1 hashed values).
//   * trie_root: the root of a key/value set, computed in one pass over sorted entries.
//   * Trie: a mutable in-memory trie caching each node's encoding; root() re-encodes only the
//     nodes on paths changed since the previous root(), and prove() builds read proofs.
//   * ProofReader / verify_read_proof: reading values (or proving absence) from a read proof
//     (the unordered set of node encodings `state_getReadProof` returns) against a root.
//
// Depends only on hash.hpp and the SCALE primitives: no RPC, no I/O.
// Thread safety: all types are plain values; a const Trie may be read from several threads
// only if no thread calls root() (which updates the cache).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain::trie {

enum class Errc {
  InvalidNode = 1,      // bytes that must be a node do not decode as a canonical node
  IncompleteProof,      // the lookup needs a node (or a value) that the proof does not hold
  ExtraneousNode,       // a strict check found a proof entry no lookup used
  DuplicateProofEntry,  // the same node encoding appears twice in a proof
  InvalidProof,         // the proof container itself does not decode
};

}  // namespace ev::chain::trie

namespace ev {
template <>
struct ErrorTraits<chain::trie::Errc> {
  static constexpr std::string_view domain = "trie";
  static std::string_view message(chain::trie::Errc e);
};
}  // namespace ev

namespace ev::chain::trie {

// LayoutV0 = state_version 0 (values always inline); LayoutV1 = state_version 1 (values of
// kHashedValueThreshold bytes or more stored as separate value nodes, referenced by hash).
enum class Layout : std::uint8_t { V0 = 0, V1 = 1 };
inline constexpr std::size_t kHashedValueThreshold = 33;
// Longest partial key a node header can announce (trie-db's NIBBLE_SIZE_BOUND).
inline constexpr std::size_t kMaxPartialNibbles = 65535;

using Nibbles = std::vector<std::uint8_t>;  // one nibble (0..15) per element

// Key bytes -> nibbles, high nibble first.
[[nodiscard]] Nibbles to_nibbles(ByteSpan key);

// A decoded node. Empty is the encoding 0x00 (only ever a root). A child is a reference: a
// 32-byte hash, or (shorter than 32 bytes) the child's encoding inline.
struct Node {
  enum class Kind : std::uint8_t { Empty, Leaf, Branch };
  Kind kind = Kind::Empty;
  Nibbles partial;
  std::optional<Bytes> value;  // the value, or its 32-byte hash when value_hashed
  bool value_hashed = false;
  std::array<std::optional<Bytes>, 16> children;  // branches only; at least one present
};

// Canonical encoding of a node (value_hashed selects the hashed-value header kinds).
[[nodiscard]] Bytes encode_node(const Node& n);
// Strict decoding: InvalidNode for unknown header kinds, a partial key with a non-zero padding
// nibble, a branch without children, a child reference longer than 32 bytes, a truncated
// node or trailing bytes.
[[nodiscard]] Result<Node> decode_node(ByteSpan encoded);

// Sorted key -> value map (std::map orders bytes lexicographically, as the trie does).
using Entries = std::map<Bytes, Bytes>;

// Root of a key/value set (blake2_256 of the root node; of 0x00 when empty).
[[nodiscard]] H256 trie_root(Layout layout, const Entries& entries);

// A mutable trie with cached node encodings.
class Trie {
 public:
  explicit Trie(Layout layout = Layout::V1);
  ~Trie();
  Trie(Trie&&) noexcept;
  Trie& operator=(Trie&&) noexcept;
  Trie(const Trie&) = delete;
  Trie& operator=(const Trie&) = delete;

  [[nodiscard]] Layout layout() const { return layout_; }
  void set(ByteSpan key, ByteSpan value);
  void remove(ByteSpan key);
  [[nodiscard]] std::optional<Bytes> get(ByteSpan key) const;
  [[nodiscard]] std::size_t size() const { return size_; }

  // The root hash; re-encodes only nodes changed since the last call.
  [[nodiscard]] H256 root();
  // A read proof for `keys` (present or absent): the sorted set of encodings of every node a
  // reader visits that is referenced by hash (the root included), plus the values of V1
  // hashed-value nodes read. Calls root() first.
  [[nodiscard]] std::vector<Bytes> prove(const std::vector<Bytes>& keys);

  struct MNode;  // defined in trie.cpp

 private:
  Layout layout_;
  std::unique_ptr<MNode> root_;
  std::size_t size_ = 0;
};

// Reads keys from a read proof. The proof is indexed by blake2_256 of each entry; entries are
// decoded only when a lookup reaches them, so entries that are values (or unrelated bytes)
// never fail a proof. DuplicateProofEntry if an encoding appears twice.
class ProofReader {
 public:
  [[nodiscard]] static Result<ProofReader> make(const H256& root, std::vector<Bytes> proof);

  // The value under key, nullopt when the proof shows the key is absent; IncompleteProof when
  // the lookup needs an entry the proof lacks, InvalidNode when a reached entry is not a node.
  [[nodiscard]] Result<std::optional<Bytes>> get(ByteSpan key);
  // ExtraneousNode unless every entry has been used by the lookups so far.
  [[nodiscard]] Result<void> check_all_used() const;

 private:
  H256 root_{};
  std::vector<Bytes> entries_;
  std::map<H256, std::size_t> by_hash_;  // blake2_256(entry) -> index in entries_
  std::vector<bool> used_;
};

// Verifies `keys` against a proof. With strict, the proof must hold nothing beyond what the
// lookups use (ExtraneousNode).
[[nodiscard]] Result<std::map<Bytes, std::optional<Bytes>>> verify_read_proof(
    const H256& root, std::vector<Bytes> proof, const std::vector<Bytes>& keys, bool strict);

// SCALE Vec<Vec<u8>> (StorageProof's encoding) <-> proof entries. InvalidProof when the
// container does not decode (entries themselves are not decoded here).
[[nodiscard]] Result<std::vector<Bytes>> decode_proof(ByteSpan scale_bytes);
[[nodiscard]] Bytes encode_proof(const std::vector<Bytes>& proof);

}  // namespace ev::chain::trie
