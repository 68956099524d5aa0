// FRAME storage keys. Format: docs/formats/ss58-and-storage-keys.md.
#include "ev/chain/storage_key.hpp"

#include <algorithm>
#include <array>

#include "ev/chain/hash.hpp"

namespace ev {

std::string_view ErrorTraits<chain::StorageKeyErrc>::message(chain::StorageKeyErrc e) {
  using chain::StorageKeyErrc;
  switch (e) {
    case StorageKeyErrc::UnknownHasher: return "unknown storage hasher";
    case StorageKeyErrc::PrefixMismatch: return "storage key prefix mismatch";
    case StorageKeyErrc::ShortKey: return "storage key too short";
    case StorageKeyErrc::HashMismatch: return "storage key hash mismatch";
    case StorageKeyErrc::TrailingBytes: return "trailing bytes in storage key";
  }
  return "unknown storage key error";
}

}  // namespace ev

namespace ev::chain {
namespace {

constexpr std::array<Hasher, 7> kAllHashers = {
    Hasher::Blake2_128, Hasher::Blake2_256,   Hasher::Blake2_128Concat, Hasher::Twox128,
    Hasher::Twox256,    Hasher::Twox64Concat, Hasher::Identity,
};
constexpr std::size_t kPrefixLength = 32;

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return ascii_lower(x) == ascii_lower(y);
         });
}

std::string part_label(std::size_t index, Hasher h) {
  return "part " + std::to_string(index) + " (" + std::string(name(h)) + ")";
}

Bytes to_bytes(ByteSpan s) { return Bytes(s.begin(), s.end()); }

// Reads n bytes at offset, or ShortKey.
Result<ByteSpan> take(ByteSpan key, std::size_t offset, std::size_t n, const std::string& what) {
  if (n > key.size() - offset) {
    return make_error(StorageKeyErrc::ShortKey, what + ": needs " + std::to_string(n) +
                                                    " bytes at offset " + std::to_string(offset) +
                                                    ", the key has " +
                                                    std::to_string(key.size() - offset) + " left");
  }
  return key.subspan(offset, n);
}

Result<DecodedKeyPart> decode_part(ByteSpan key, std::size_t& offset, std::size_t index,
                                   const KeyPartSpec& spec) {
  const std::string label = part_label(index, spec.hasher);
  DecodedKeyPart part{spec.hasher, {}, std::nullopt};
  ByteSpan hash = EV_TRY(take(key, offset, hash_length(spec.hasher), label + " hash"));
  part.hash = to_bytes(hash);
  const std::size_t hash_offset = offset;
  offset += hash.size();
  if (!is_reversible(spec.hasher)) return part;
  ByteSpan original = EV_TRY(take(key, offset, spec.key_length, label + " key bytes"));
  offset += original.size();
  if (spec.hasher != Hasher::Identity) {
    Bytes expected = apply_hasher(spec.hasher, original);
    expected.resize(hash.size());
    if (!std::equal(expected.begin(), expected.end(), hash.begin())) {
      return make_error(StorageKeyErrc::HashMismatch,
                        label + ": hash at offset " + std::to_string(hash_offset) + " is " +
                            to_hex(hash) + ", the key bytes hash to " + to_hex(expected));
    }
  }
  part.key = to_bytes(original);
  return part;
}

}  // namespace

Result<Hasher> parse_hasher(std::string_view text) {
  for (Hasher h : kAllHashers) {
    if (iequals(text, name(h))) return h;
  }
  std::string accepted;
  for (Hasher h : kAllHashers) {
    accepted += accepted.empty() ? "" : ", ";
    accepted += name(h);
  }
  return make_error(StorageKeyErrc::UnknownHasher,
                    "'" + std::string(text.substr(0, 64)) + "'; expected one of " + accepted);
}

std::string_view name(Hasher h) {
  switch (h) {
    case Hasher::Blake2_128: return "Blake2_128";
    case Hasher::Blake2_256: return "Blake2_256";
    case Hasher::Blake2_128Concat: return "Blake2_128Concat";
    case Hasher::Twox128: return "Twox128";
    case Hasher::Twox256: return "Twox256";
    case Hasher::Twox64Concat: return "Twox64Concat";
    case Hasher::Identity: return "Identity";
  }
  ::ev::fatal(__FILE__, __LINE__, "name: Hasher value outside the enum");
}

bool is_reversible(Hasher h) {
  return h == Hasher::Blake2_128Concat || h == Hasher::Twox64Concat || h == Hasher::Identity;
}

std::size_t hash_length(Hasher h) {
  switch (h) {
    case Hasher::Identity: return 0;
    case Hasher::Twox64Concat: return 8;
    case Hasher::Blake2_128:
    case Hasher::Blake2_128Concat:
    case Hasher::Twox128: return 16;
    case Hasher::Blake2_256:
    case Hasher::Twox256: return 32;
  }
  ::ev::fatal(__FILE__, __LINE__, "hash_length: Hasher value outside the enum");
}

Bytes apply_hasher(Hasher h, ByteSpan key_bytes) {
  Bytes out;
  switch (h) {
    case Hasher::Blake2_128: append(out, blake2_128(key_bytes)); break;
    case Hasher::Blake2_256: append(out, blake2_256(key_bytes)); break;
    case Hasher::Blake2_128Concat:
      append(out, blake2_128(key_bytes));
      append(out, key_bytes);
      break;
    case Hasher::Twox128: append(out, twox128(key_bytes)); break;
    case Hasher::Twox256: append(out, twox256(key_bytes)); break;
    case Hasher::Twox64Concat:
      append(out, twox64(key_bytes));
      append(out, key_bytes);
      break;
    case Hasher::Identity: append(out, key_bytes); break;
  }
  return out;
}

Bytes storage_prefix(std::string_view pallet, std::string_view item) {
  Bytes out;
  out.reserve(kPrefixLength);
  append(out, twox128(as_bytes(pallet)));
  append(out, twox128(as_bytes(item)));
  return out;
}

Bytes storage_key(std::string_view pallet, std::string_view item,
                  std::span<const std::pair<Hasher, Bytes>> keys) {
  Bytes out = storage_prefix(pallet, item);
  for (const auto& [hasher, key] : keys) append(out, apply_hasher(hasher, key));
  return out;
}

Result<std::vector<DecodedKeyPart>> decode_key_parts(ByteSpan full_key,
                                                     std::span<const KeyPartSpec> parts) {
  if (full_key.size() < kPrefixLength) {
    return make_error(StorageKeyErrc::ShortKey,
                      "key is " + std::to_string(full_key.size()) +
                          " bytes, shorter than the 32-byte pallet/item prefix");
  }
  std::vector<DecodedKeyPart> out;
  out.reserve(parts.size());
  std::size_t offset = kPrefixLength;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    out.push_back(EV_TRY(decode_part(full_key, offset, i, parts[i])));
  }
  if (offset != full_key.size()) {
    return make_error(StorageKeyErrc::TrailingBytes, std::to_string(full_key.size() - offset) +
                                                         " bytes after the last part, at offset " +
                                                         std::to_string(offset));
  }
  return out;
}

Result<std::vector<DecodedKeyPart>> decode_storage_key(ByteSpan full_key, std::string_view pallet,
                                                       std::string_view item,
                                                       std::span<const KeyPartSpec> parts) {
  Bytes prefix = storage_prefix(pallet, item);
  if (full_key.size() < prefix.size() ||
      !std::equal(prefix.begin(), prefix.end(), full_key.begin())) {
    return make_error(StorageKeyErrc::PrefixMismatch,
                      "key does not start with twox128(\"" + std::string(pallet) +
                          "\") ++ twox128(\"" + std::string(item) + "\") = " + to_hex(prefix));
  }
  return decode_key_parts(full_key, parts);
}

}  // namespace ev::chain
