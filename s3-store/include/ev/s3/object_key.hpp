// Object keys: the validator every ObjectStore applies, and epochvault's key layout.
// Format and rationale: docs/formats/object-keys.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ev/common/result.hpp"
#include "ev/s3/errors.hpp"

namespace ev::s3 {

inline constexpr std::size_t kMaxKeyBytes = 1024;

// OK when key is a usable object key: 1..1024 bytes of valid UTF-8 (shortest form, no
// surrogates, at most U+10FFFF) with no control character (U+0000..U+001F, U+007F,
// U+0080..U+009F), no backslash, no leading '/', no empty segment ("//" or a trailing '/'),
// and no segment "." or "..". Otherwise InvalidKey, with the byte offset and the reason.
[[nodiscard]] Result<void> validate_key(std::string_view key);

// OK when prefix can start a valid key (ListOptions::prefix): empty, or at most 1024 bytes
// obeying validate_key()'s rules, except that it may end with '/' and its last segment may be
// "." or ".." (the start of ".foo"). Otherwise InvalidArgument.
[[nodiscard]] Result<void> validate_prefix(std::string_view prefix);

// The parts of an epochvault blob key:
//   <prefix><wallet_hex>/<service>/<epoch: 10 digits>/<blob_uuid>.enc
struct BlobKey {
  std::string prefix;      // "" or ends with '/'
  std::string wallet_hex;  // "0x" + 64 lowercase hex digits (AccountId32)
  std::string service;     // 1..64 of [a-z0-9._-], not "." or ".."
  std::uint32_t epoch = 0;
  std::string blob_uuid;  // canonical lowercase UUIDv7 text, 8-4-4-4-12
};

// Builds the key, checking every part (InvalidKey names the part and why).
[[nodiscard]] Result<std::string> object_key(std::string_view prefix, std::string_view wallet_hex,
                                             std::string_view service, std::uint32_t epoch,
                                             std::string_view blob_uuid_text);

// The prefix holding every blob of (wallet, service, epoch), for listing and destruction:
//   <prefix><wallet_hex>/<service>/<epoch: 10 digits>/
[[nodiscard]] Result<std::string> epoch_prefix(std::string_view prefix, std::string_view wallet_hex,
                                               std::string_view service, std::uint32_t epoch);

// Parses a key built by object_key() with the same prefix. Strict: any other text (upper-case
// hex, a 9-digit epoch, another UUID version, a missing ".enc") fails with InvalidKey.
// object_key() of the result reproduces key exactly.
[[nodiscard]] Result<BlobKey> parse_object_key(std::string_view key, std::string_view prefix);

}  // namespace ev::s3
