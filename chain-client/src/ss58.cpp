// SS58 and base58btc. Format: docs/formats/ss58-and-storage-keys.md.
#include "ev/chain/ss58.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "ev/chain/hash.hpp"

namespace ev {

std::string_view ErrorTraits<chain::Ss58Errc>::message(chain::Ss58Errc e) {
  using chain::Ss58Errc;
  switch (e) {
    case Ss58Errc::InvalidBase58: return "invalid base58 character";
    case Ss58Errc::InvalidLength: return "invalid address length";
    case Ss58Errc::InvalidPrefix: return "invalid prefix byte";
    case Ss58Errc::NonCanonicalPrefix: return "non-canonical two-byte prefix";
    case Ss58Errc::ReservedPrefix: return "reserved prefix";
    case Ss58Errc::PrefixOutOfRange: return "prefix out of range";
    case Ss58Errc::InvalidPayloadLength: return "invalid payload length";
    case Ss58Errc::BadChecksum: return "checksum mismatch";
    case Ss58Errc::PrefixMismatch: return "unexpected network prefix";
    case Ss58Errc::NotAnAccountId: return "not an account id";
  }
  return "unknown ss58 error";
}

}  // namespace ev

namespace ev::chain {
namespace {

constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr std::string_view kChecksumContext = "SS58PRE";

// Value of each byte as a base58 digit, kNotDigit outside the alphabet.
constexpr std::uint8_t kNotDigit = 0xff;
constexpr std::array<std::uint8_t, 256> make_digit_table() {
  std::array<std::uint8_t, 256> t{};
  t.fill(kNotDigit);
  for (std::size_t i = 0; i < kAlphabet.size(); ++i) {
    t[static_cast<unsigned char>(kAlphabet[i])] = static_cast<std::uint8_t>(i);
  }
  return t;
}
constexpr std::array<std::uint8_t, 256> kDigitOf = make_digit_table();

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  char buf[16];
  if (u >= 0x21 && u < 0x7f) {
    std::snprintf(buf, sizeof buf, "'%c'", c);
  } else {
    std::snprintf(buf, sizeof buf, "byte 0x%02x", u);
  }
  return buf;
}

bool is_reserved(std::uint16_t prefix) { return prefix == 46 || prefix == 47; }

// Checksum length for a payload length already known to be allowed.
std::size_t checksum_length(std::size_t payload_len) { return payload_len >= 32 ? 2 : 1; }

H512 checksum_hash(ByteSpan prefix_and_payload) {
  Bytes buf;
  buf.reserve(kChecksumContext.size() + prefix_and_payload.size());
  append(buf, as_bytes(kChecksumContext));
  append(buf, prefix_and_payload);
  return blake2_512(buf);
}

struct PrefixForm {
  std::uint16_t ident = 0;
  std::size_t length = 0;  // 1 or 2 bytes
};

// Reads the prefix form from the decoded bytes. REQUIRES: raw is not empty.
Result<PrefixForm> read_prefix(const Bytes& raw) {
  std::uint8_t b0 = raw[0];
  if (b0 < 64) return PrefixForm{b0, 1};
  if (b0 >= 128) {
    return make_error(Ss58Errc::InvalidPrefix,
                      "first byte " + to_hex(ByteSpan(raw.data(), 1)) +
                          " is neither a one-byte (< 0x40) nor a two-byte (0x40..0x7f) form");
  }
  if (raw.size() < 2) {
    return make_error(Ss58Errc::InvalidLength,
                      "decoded to 1 byte; the two-byte prefix form needs 2");
  }
  std::uint8_t b1 = raw[1];
  auto lower = static_cast<std::uint8_t>((b0 << 2) | (b1 >> 6));
  auto upper = static_cast<std::uint8_t>(b1 & 0x3f);
  return PrefixForm{static_cast<std::uint16_t>(lower | (upper << 8)), 2};
}

// Payload length implied by the bytes after the prefix, or 0 when no layout fits.
std::size_t payload_length_for(std::size_t body) {
  for (std::size_t n : {1, 2, 4, 8, 32, 33}) {
    if (n + checksum_length(n) == body) return n;
  }
  return 0;
}

Result<void> check_prefix_semantics(const PrefixForm& p) {
  if (p.length == 2 && p.ident < 64) {
    return make_error(Ss58Errc::NonCanonicalPrefix, "two-byte form encodes ident " +
                                                        std::to_string(p.ident) +
                                                        ", which must use the one-byte form");
  }
  if (is_reserved(p.ident)) {
    return make_error(Ss58Errc::ReservedPrefix,
                      "ident " + std::to_string(p.ident) + " is reserved (46 and 47)");
  }
  return ok();
}

}  // namespace

std::string base58_encode(ByteSpan bytes) {
  std::size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  // Base-58 digits of the remaining big-endian number, least significant first.
  std::vector<std::uint8_t> digits;
  digits.reserve((bytes.size() - zeros) * 138 / 100 + 1);
  for (std::size_t i = zeros; i < bytes.size(); ++i) {
    unsigned carry = bytes[i];
    for (std::uint8_t& d : digits) {
      carry += static_cast<unsigned>(d) << 8;
      d = static_cast<std::uint8_t>(carry % 58);
      carry /= 58;
    }
    for (; carry != 0; carry /= 58) digits.push_back(static_cast<std::uint8_t>(carry % 58));
  }
  std::string out(zeros, kAlphabet[0]);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) out += kAlphabet[*it];
  return out;
}

Result<Bytes> base58_decode(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (kDigitOf[static_cast<unsigned char>(text[i])] == kNotDigit) {
      return make_error(Ss58Errc::InvalidBase58, describe_char(text[i]) + " at offset " +
                                                     std::to_string(i) +
                                                     " is not in the base58btc alphabet");
    }
  }
  std::size_t ones = 0;
  while (ones < text.size() && text[ones] == kAlphabet[0]) ++ones;
  // Base-256 digits of the number, least significant first.
  std::vector<std::uint8_t> le;
  le.reserve((text.size() - ones) * 733 / 1000 + 1);
  for (std::size_t i = ones; i < text.size(); ++i) {
    unsigned carry = kDigitOf[static_cast<unsigned char>(text[i])];
    for (std::uint8_t& b : le) {
      carry += static_cast<unsigned>(b) * 58;
      b = static_cast<std::uint8_t>(carry & 0xff);
      carry >>= 8;
    }
    for (; carry != 0; carry >>= 8) le.push_back(static_cast<std::uint8_t>(carry & 0xff));
  }
  Bytes out(ones, 0);
  out.insert(out.end(), le.rbegin(), le.rend());
  return out;
}

bool ss58_payload_length_ok(std::size_t n) {
  return n == 1 || n == 2 || n == 4 || n == 8 || n == 32 || n == 33;
}

Bytes ss58_prefix_bytes(std::uint16_t prefix) {
  EV_ASSERT(prefix <= kSs58MaxPrefix, "ss58_prefix_bytes: prefix above 16383");
  if (prefix < 64) return {static_cast<std::uint8_t>(prefix)};
  return {static_cast<std::uint8_t>(((prefix & 0xfc) >> 2) | 0x40),
          static_cast<std::uint8_t>((prefix >> 8) | ((prefix & 0x03) << 6))};
}

Result<std::string> ss58_encode(ByteSpan payload, std::uint16_t prefix) {
  if (prefix > kSs58MaxPrefix) {
    return make_error(Ss58Errc::PrefixOutOfRange,
                      "ident " + std::to_string(prefix) + " is above 16383");
  }
  if (is_reserved(prefix)) {
    return make_error(Ss58Errc::ReservedPrefix,
                      "ident " + std::to_string(prefix) + " is reserved (46 and 47)");
  }
  if (!ss58_payload_length_ok(payload.size())) {
    return make_error(
        Ss58Errc::InvalidPayloadLength,
        "payload is " + std::to_string(payload.size()) + " bytes; allowed: 1, 2, 4, 8, 32, 33");
  }
  Bytes raw = ss58_prefix_bytes(prefix);
  append(raw, payload);
  H512 sum = checksum_hash(raw);
  raw.insert(raw.end(), sum.begin(),
             sum.begin() + static_cast<std::ptrdiff_t>(checksum_length(payload.size())));
  return base58_encode(raw);
}

Result<Ss58Decoded> ss58_decode(std::string_view address) {
  if (address.empty()) return make_error(Ss58Errc::InvalidLength, "empty address");
  if (address.size() > kSs58MaxTextLength) {
    return make_error(Ss58Errc::InvalidLength, std::to_string(address.size()) +
                                                   " characters; an address has at most " +
                                                   std::to_string(kSs58MaxTextLength));
  }
  Bytes raw = EV_TRY(base58_decode(address));
  PrefixForm p = EV_TRY(read_prefix(raw));
  std::size_t payload_len = payload_length_for(raw.size() - p.length);
  if (payload_len == 0) {
    return make_error(Ss58Errc::InvalidLength,
                      "decoded to " + std::to_string(raw.size()) + " bytes, which fits no " +
                          "payload of 1, 2, 4, 8, 32 or 33 bytes after a " +
                          std::to_string(p.length) + "-byte prefix");
  }
  std::size_t body_end = p.length + payload_len;
  H512 sum = checksum_hash(ByteSpan(raw.data(), body_end));
  if (!std::equal(raw.begin() + static_cast<std::ptrdiff_t>(body_end), raw.end(), sum.begin())) {
    return make_error(Ss58Errc::BadChecksum,
                      "checksum " + to_hex(ByteSpan(raw).subspan(body_end)) + ", expected " +
                          to_hex(ByteSpan(sum).first(raw.size() - body_end)));
  }
  EV_TRY(check_prefix_semantics(p));
  return Ss58Decoded{p.ident, Bytes(raw.begin() + static_cast<std::ptrdiff_t>(p.length),
                                    raw.begin() + static_cast<std::ptrdiff_t>(body_end))};
}

Result<ByteArray<32>> parse_account_id(std::string_view text,
                                       std::optional<std::uint16_t> expected_prefix) {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    auto hex = from_hex_fixed<32>(text);
    if (!hex.ok()) {
      return make_error(Ss58Errc::NotAnAccountId, "hex account id: " + hex.error().message);
    }
    return std::move(hex).value();
  }
  Ss58Decoded d = EV_TRY(ss58_decode(text));
  if (d.payload.size() != 32) {
    return make_error(
        Ss58Errc::NotAnAccountId,
        "SS58 payload is " + std::to_string(d.payload.size()) + " bytes; an account id is 32");
  }
  if (expected_prefix && d.prefix != *expected_prefix) {
    return make_error(Ss58Errc::PrefixMismatch, "address has prefix " + std::to_string(d.prefix) +
                                                    ", expected " +
                                                    std::to_string(*expected_prefix));
  }
  ByteArray<32> out{};
  std::copy(d.payload.begin(), d.payload.end(), out.begin());
  return out;
}

}  // namespace ev::chain
