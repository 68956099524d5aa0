// FRAME storage keys: the hashers of storage maps, key construction and the decoding of the
// reversible parts. Format: docs/formats/ss58-and-storage-keys.md.
//
//   key = twox128(pallet) ++ twox128(item) ++ hasher_1(k_1) ++ ... ++ hasher_n(k_n)
//
// where each k_i is the SCALE encoding of the i-th map key. Blake2_128Concat and Twox64Concat
// append k_i after its hash and Identity is k_i itself, so those parts can be read back from a
// key; Blake2_128, Blake2_256, Twox128 and Twox256 keep only the hash.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class StorageKeyErrc {
  UnknownHasher = 1,  // parse_hasher: not a FRAME hasher name
  PrefixMismatch,     // the key does not start with twox128(pallet) ++ twox128(item)
  ShortKey,           // the key ends inside a part (hash or key bytes)
  HashMismatch,       // a *Concat part's hash is not the hash of the key bytes after it
  TrailingBytes,      // bytes left after the last part
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::StorageKeyErrc> {
  static constexpr std::string_view domain = "storage_key";
  static std::string_view message(chain::StorageKeyErrc e);
};
}  // namespace ev

namespace ev::chain {

// The storage hashers of FRAME (metadata V14+ StorageHasher, in that enum's order).
enum class Hasher : std::uint8_t {
  Blake2_128,
  Blake2_256,
  Blake2_128Concat,
  Twox128,
  Twox256,
  Twox64Concat,
  Identity,
};

// Parses a FRAME hasher name, ignoring ASCII case: "Blake2_128Concat", "twox64concat", ...
// Errors: StorageKeyErrc::UnknownHasher listing the accepted names.
[[nodiscard]] Result<Hasher> parse_hasher(std::string_view text);

// The FRAME spelling: "Blake2_128", "Blake2_256", "Blake2_128Concat", "Twox128", "Twox256",
// "Twox64Concat", "Identity".
[[nodiscard]] std::string_view name(Hasher h);

// True when the key bytes can be read back from the hashed form (the *Concat ones, Identity).
[[nodiscard]] bool is_reversible(Hasher h);

// Length of the hash the hasher writes before (Concat) or instead of the key bytes:
// 16, 32, 16, 16, 32, 8 and 0 in enum order.
[[nodiscard]] std::size_t hash_length(Hasher h);

// The hashed form of one SCALE-encoded map key.
[[nodiscard]] Bytes apply_hasher(Hasher h, ByteSpan key_bytes);

// twox128(pallet) ++ twox128(item): the whole key of a plain value, the prefix of a map's keys.
[[nodiscard]] Bytes storage_prefix(std::string_view pallet, std::string_view item);

// The full key of a map entry: storage_prefix ++ apply_hasher(h_i, k_i) for each (h_i, k_i),
// k_i already SCALE-encoded. With no keys it equals storage_prefix.
[[nodiscard]] Bytes storage_key(std::string_view pallet, std::string_view item,
                                std::span<const std::pair<Hasher, Bytes>> keys);

// How to read one part of a key: its hasher and, for a reversible hasher, the length of the
// SCALE-encoded key bytes (ignored for the hash-only hashers).
struct KeyPartSpec {
  Hasher hasher = Hasher::Identity;
  std::size_t key_length = 0;
};

// One part read back from a key.
struct DecodedKeyPart {
  Hasher hasher = Hasher::Identity;
  Bytes hash;                // hash_length(hasher) bytes (empty for Identity)
  std::optional<Bytes> key;  // the original key bytes; set iff is_reversible(hasher)

  bool operator==(const DecodedKeyPart&) const = default;
};

// Splits the parts of full_key after its 32-byte pallet/item prefix (not checked here) into
// one DecodedKeyPart per spec, verifying each *Concat hash against its key bytes.
// Errors: ShortKey (key ends inside the prefix or a part), HashMismatch, TrailingBytes;
// messages name the part index, hasher and byte offset.
[[nodiscard]] Result<std::vector<DecodedKeyPart>> decode_key_parts(
    ByteSpan full_key, std::span<const KeyPartSpec> parts);

// Like decode_key_parts, after checking that full_key starts with storage_prefix(pallet, item).
// Errors: PrefixMismatch, and those of decode_key_parts.
[[nodiscard]] Result<std::vector<DecodedKeyPart>> decode_storage_key(
    ByteSpan full_key, std::string_view pallet, std::string_view item,
    std::span<const KeyPartSpec> parts);

}  // namespace ev::chain
