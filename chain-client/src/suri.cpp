// Secret URIs, hard and (sr25519) soft derivation, with subkey's grammar and sp_core's derivation.
// Format notes: docs/formats/keys.md#secret-uris.
#include <sodium.h>

#include <optional>
#include <string>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/scale.hpp"
#include "ev/chain/sr25519.hpp"
#include "keys_internal.hpp"

namespace ev::chain {
namespace {

struct Junction {
  std::string_view name;
  bool hard = true;
  std::size_t offset = 0;  // of its first '/' in the URI
};

struct ParsedUri {
  std::string_view phrase;          // empty: the development phrase
  std::vector<Junction> junctions;  // in order
  std::optional<std::string_view> password;
};

Error uri_error(std::string_view why, std::size_t offset) {
  return make_error(KeyErrc::InvalidSecretUri,
                    std::string(why) + " at offset " + std::to_string(offset));
}

// Offset of the first byte that does not belong to a well-formed UTF-8 sequence, if any.
std::optional<std::size_t> invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80           ? 1
                      : (b >> 5) == 0x6  ? 2
                      : (b >> 4) == 0xe  ? 3
                      : (b >> 3) == 0x1e ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return i;
    std::uint32_t cp = len == 1 ? b : b & (0x7fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c >> 6) != 0x2) return i;
      cp = (cp << 6) | (c & 0x3fu);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += len;
  }
  return std::nullopt;
}

bool phrase_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ';
}

// Length of the junction name starting at `from` (up to the next '/').
std::size_t name_length(std::string_view s, std::size_t from) {
  std::size_t end = s.find('/', from);
  return (end == std::string_view::npos ? s.size() : end) - from;
}

// phrase ( "//" hard | "/" soft )* ( "///" password )?
Result<ParsedUri> parse_uri(std::string_view suri) {
  if (suri.empty()) {
    return make_error(KeyErrc::InvalidSecretUri, "empty (for a development key write //Alice)");
  }
  if (auto bad = invalid_utf8_at(suri)) return uri_error("invalid UTF-8", *bad);
  ParsedUri out;
  std::size_t i = 0;
  while (i < suri.size() && phrase_char(suri[i])) ++i;
  out.phrase = suri.substr(0, i);
  while (i < suri.size()) {
    std::string_view rest = suri.substr(i);
    if (rest.starts_with("///")) {
      std::string_view password = rest.substr(3);
      if (auto nl = password.find('\n'); nl != std::string_view::npos) {
        return uri_error("line break in the password", i + 3 + nl);
      }
      out.password = password;
      break;
    }
    if (rest[0] != '/') {
      return uri_error("invalid character (a phrase holds only ASCII letters, digits and spaces)",
                       i);
    }
    bool hard = rest.starts_with("//");
    std::size_t start = i + (hard ? 2 : 1);
    std::size_t len = name_length(suri, start);
    if (len == 0) return uri_error(hard ? "empty hard junction" : "empty soft junction", i);
    out.junctions.push_back(Junction{suri.substr(start, len), hard, i});
    i = start + len;
  }
  return out;
}

// Rust's u64 FromStr: an optional '+', then one or more ASCII digits, no overflow.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.starts_with('+')) s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 64 hex digits after "0x" (offset 2 of the URI), straight into a wiping buffer.
Result<Seed> parse_hex_seed(std::string_view digits) {
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (hex_digit(digits[i]) < 0) {
      return make_error(KeyErrc::InvalidSeed,
                        "non-hex character at offset " + std::to_string(i + 2) + " of the 0x seed");
    }
  }
  if (digits.size() != 2 * kSeedSize) {
    return make_error(KeyErrc::InvalidSeed, "a 0x seed must be 32 bytes (64 hex digits), got " +
                                                std::to_string(digits.size()) + " hex digits");
  }
  Seed seed;
  for (std::size_t i = 0; i < kSeedSize; ++i) {
    seed.data()[i] =
        static_cast<std::uint8_t>((hex_digit(digits[2 * i]) << 4) | hex_digit(digits[2 * i + 1]));
  }
  return seed;
}

Result<Seed> root_seed(std::string_view phrase, std::optional<std::string_view> password) {
  if (phrase.empty()) phrase = kDevPhrase;
  if (phrase.starts_with("0x")) {
    if (password) {
      return make_error(KeyErrc::InvalidSecretUri,
                        "a password applies to a mnemonic phrase, not to a 0x seed");
    }
    return parse_hex_seed(phrase.substr(2));
  }
  return mini_secret_from_phrase(phrase, password.value_or(""));
}

}  // namespace

ByteArray<32> junction_chain_code(std::string_view name) {
  Bytes encoded;
  if (auto n = parse_u64(name)) {
    for (int b = 0; b < 8; ++b) encoded.push_back(static_cast<std::uint8_t>(*n >> (8 * b)));
  } else {
    scale::append_compact(encoded, name.size());
    append(encoded, as_bytes(name));
  }
  if (encoded.size() > 32) return blake2_256(encoded);
  ByteArray<32> code{};
  std::copy(encoded.begin(), encoded.end(), code.begin());
  return code;
}

Result<Seed> derive_hard(Scheme scheme, const Seed& seed, const ByteArray<32>& chain_code) {
  std::string_view label;
  switch (scheme) {
    case Scheme::Ed25519: label = "Ed25519HDKD"; break;
    case Scheme::Ecdsa: label = "Secp256k1HDKD"; break;
    case Scheme::Sr25519:
      return sr25519::derive_hard(sr25519::expand_mini_secret(seed), chain_code);
  }
  // SCALE((label, seed, chain_code)) = compact(len) || label || seed || chain_code.
  Secret<1 + 13 + kSeedSize + 32> input;
  std::size_t n = 0;
  input.data()[n++] = static_cast<std::uint8_t>(label.size() << 2);  // compact, len < 64
  for (char c : label) input.data()[n++] = static_cast<std::uint8_t>(c);
  for (std::uint8_t b : seed.view()) input.data()[n++] = b;
  for (std::uint8_t b : chain_code) input.data()[n++] = b;
  H256 digest = blake2_256(input.view().first(n));
  Seed derived(digest);
  sodium_memzero(digest.data(), digest.size());
  if (scheme == Scheme::Ecdsa && !detail::ecdsa_seed_valid(derived)) {
    return make_error(KeyErrc::InvalidSeed, "derived ecdsa seed is not a secp256k1 secret key");
  }
  return derived;
}

Result<KeyPair> from_suri(Scheme scheme, std::string_view suri,
                          std::optional<std::string_view> password) {
  ParsedUri uri = EV_TRY(parse_uri(suri));
  if (uri.password && password) {
    return make_error(KeyErrc::InvalidSecretUri,
                      "a password was given both in the URI (///) and separately");
  }
  Seed seed = EV_TRY(root_seed(uri.phrase, password ? password : uri.password));
  if (scheme == Scheme::Sr25519) {
    // sp_core::sr25519::Pair::derive: a hard junction yields a new mini secret (expanded in
    // Ed25519 mode), a soft one moves the expanded key and leaves no seed.
    sr25519::SecretKey key = sr25519::expand_mini_secret(seed);
    bool has_seed = true;
    for (const Junction& j : uri.junctions) {
      const ByteArray<32> code = junction_chain_code(j.name);
      if (j.hard) {
        seed = sr25519::derive_hard(key, code);
        key = sr25519::expand_mini_secret(seed);
      } else {
        key = sr25519::derive_soft(key, sr25519::public_of(key), code);
        has_seed = false;
      }
    }
    return KeyPair::make_sr25519(key, has_seed ? &seed : nullptr);
  }
  EV_TRY(KeyPair::from_seed(scheme, seed.view()));  // the root must be a valid key itself
  for (const Junction& j : uri.junctions) {
    if (!j.hard) {
      return make_error(
          KeyErrc::SoftDerivation,
          "soft junction at offset " + std::to_string(j.offset) + " (use // for hard)");
    }
    seed = EV_TRY(derive_hard(scheme, seed, junction_chain_code(j.name)));
  }
  return KeyPair::from_seed(scheme, seed.view());
}

}  // namespace ev::chain
