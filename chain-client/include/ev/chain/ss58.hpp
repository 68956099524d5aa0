// SS58 addresses (Substrate's account text form) and the base58btc codec under them.
// Format: docs/formats/ss58-and-storage-keys.md.
//
//   address = base58btc(prefix_bytes ++ payload ++ checksum)
//   checksum = blake2b_512("SS58PRE" ++ prefix_bytes ++ payload)[0..n]
//     n = 2 for 32- and 33-byte payloads (account ids, compressed public keys),
//     n = 1 for 1-, 2-, 4- and 8-byte payloads (account indices).
//   prefix_bytes: ident < 64 -> one byte = ident;
//                 64 <= ident < 16384 -> b0 = ((ident & 0xfc) >> 2) | 0x40,
//                                        b1 = (ident >> 8) | ((ident & 0x03) << 6).
//   Idents 46 and 47 are reserved and never valid.
//
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class Ss58Errc {
  InvalidBase58 = 1,     // a character outside the base58btc alphabet
  InvalidLength,         // decoded length is not prefix + allowed payload + checksum
  InvalidPrefix,         // first byte >= 128: neither the one- nor the two-byte form
  NonCanonicalPrefix,    // two-byte form that encodes an ident below 64
  ReservedPrefix,        // ident 46 or 47
  PrefixOutOfRange,      // ident > 16383 (encode only)
  InvalidPayloadLength,  // payload not 1, 2, 4, 8, 32 or 33 bytes (encode only)
  BadChecksum,           // checksum bytes do not match
  PrefixMismatch,        // parse_account_id: valid address, but not the expected network
  NotAnAccountId,        // parse_account_id: neither a 32-byte SS58 payload nor 0x + 32 bytes
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::Ss58Errc> {
  static constexpr std::string_view domain = "ss58";
  static std::string_view message(chain::Ss58Errc e);
};
}  // namespace ev

namespace ev::chain {

// Largest valid prefix (ident); 14 bits.
inline constexpr std::uint16_t kSs58MaxPrefix = 16383;

// Longest text an SS58 address can have (2-byte prefix + 33-byte payload + 2-byte checksum
// is 37 bytes, at most 51 base58 characters). ss58_decode rejects longer input up front.
inline constexpr std::size_t kSs58MaxTextLength = 51;

// --- base58btc (Bitcoin alphabet, leading zero bytes as leading '1's) ---

// Encodes any byte string; the empty string encodes to "".
[[nodiscard]] std::string base58_encode(ByteSpan bytes);

// Decodes base58btc text. Errors: Ss58Errc::InvalidBase58 naming the offending offset.
// Time is quadratic in the input length: callers bound the length of untrusted input first.
// The decoding is canonical: base58_encode(base58_decode(s)) == s whenever it succeeds.
[[nodiscard]] Result<Bytes> base58_decode(std::string_view text);

// --- SS58 ---

struct Ss58Decoded {
  std::uint16_t prefix = 0;  // network ident, 0..16383, never 46/47
  Bytes payload;             // 1, 2, 4, 8, 32 or 33 bytes

  bool operator==(const Ss58Decoded&) const = default;
};

// True for a payload length SS58 allows: 1, 2, 4, 8, 32, 33.
[[nodiscard]] bool ss58_payload_length_ok(std::size_t n);

// The one- or two-byte prefix form of an ident. REQUIRES: prefix <= kSs58MaxPrefix.
[[nodiscard]] Bytes ss58_prefix_bytes(std::uint16_t prefix);

// Encodes payload under the network prefix.
// Errors: PrefixOutOfRange (> 16383), ReservedPrefix (46, 47), InvalidPayloadLength.
[[nodiscard]] Result<std::string> ss58_encode(ByteSpan payload, std::uint16_t prefix);

// Decodes and fully verifies an address: alphabet, text and byte length, prefix form,
// reserved idents, checksum. Every failure is a distinct Ss58Errc whose message says why.
[[nodiscard]] Result<Ss58Decoded> ss58_decode(std::string_view address);

// An AccountId32 from user text: an SS58 address with a 32-byte payload (any prefix, or exactly
// expected_prefix when given), or "0x" followed by 64 hex digits (no prefix to check).
// Errors: any ss58_decode error, NotAnAccountId, PrefixMismatch.
[[nodiscard]] Result<ByteArray<32>> parse_account_id(
    std::string_view text, std::optional<std::uint16_t> expected_prefix = std::nullopt);

}  // namespace ev::chain
