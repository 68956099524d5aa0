// SS58 addresses and base58btc: unit and property tests.
#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/ss58.hpp"
#include "require_error.hpp"

namespace {

using ev::test::require_error;

using ev::Bytes;
using ev::ByteSpan;
using ev::chain::base58_decode;
using ev::chain::base58_encode;
using ev::chain::parse_account_id;
using ev::chain::ss58_decode;
using ev::chain::ss58_encode;
using ev::chain::Ss58Errc;

constexpr std::string_view kAlphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
// Alice's sr25519 public key and its generic-substrate (42) address, as every Substrate tool
// prints them.
constexpr std::string_view kAliceHex =
    "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
constexpr std::string_view kAlice42 = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";

Bytes hex(std::string_view h) { return ev::from_hex(h).value(); }

// Builds an address from raw bytes with a correct checksum of checksum_len bytes, without the
// encoder's checks, so tests can reach the decoder's semantic checks.
std::string raw_address(Bytes body, std::size_t checksum_len) {
  Bytes pre = {'S', 'S', '5', '8', 'P', 'R', 'E'};
  ev::append(pre, body);
  auto sum = ev::chain::blake2_512(pre);
  body.insert(body.end(), sum.begin(), sum.begin() + static_cast<std::ptrdiff_t>(checksum_len));
  return base58_encode(body);
}

// A deterministic generator (mt19937_64 output is specified by the standard; distributions are
// not, so they are avoided).
struct Rng {
  std::mt19937_64 engine{0x5358'3538'2024ULL};
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(engine() % n); }
  std::uint8_t byte() { return static_cast<std::uint8_t>(engine()); }
  Bytes bytes(std::size_t n) {
    Bytes b(n);
    for (auto& x : b) x = byte();
    return b;
  }
  std::uint16_t prefix() {
    for (;;) {
      auto p = static_cast<std::uint16_t>(below(16384));
      if (p != 46 && p != 47) return p;
    }
  }
};

}  // namespace

// ---------------------------------------------------------------- base58

TEST_CASE("base58: the empty string encodes and decodes to empty", "[ss58][base58]") {
  CHECK(base58_encode({}).empty());
  CHECK(base58_decode("").value().empty());
}

TEST_CASE("base58: matches the Bitcoin known-answer vectors", "[ss58][base58]") {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"0x61", "2g"},
      {"0x626262", "a3gV"},
      {"0x636363", "aPEr"},
      {"0x73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"},
      {"0x00eb15231dfceb60925886b67d065299925915aeb172c06647",
       "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"},
      {"0x516b6fcd0f", "ABnLTmg"},
      {"0xbf4f89001e670274dd", "3SEo3LWLoPntC"},
      {"0x572e4794", "3EFU7m"},
      {"0xecac89cad93923c02321", "EJDM8drfXA6uyA"},
      {"0x10c8511e", "Rt5zm"},
      {"0x00000000000000000000", "1111111111"},
  };
  for (const auto& [h, text] : cases) {
    INFO(h << " <-> " << text);
    CHECK(base58_encode(hex(h)) == text);
    CHECK(base58_decode(text).value() == hex(h));
  }
}

TEST_CASE("base58: leading zero bytes become leading ones and back", "[ss58][base58]") {
  CHECK(base58_encode(Bytes{0}) == "1");
  CHECK(base58_encode(Bytes{0, 0, 0}) == "111");
  CHECK(base58_encode(Bytes{0, 0, 57}) == "11z");
  CHECK(base58_encode(Bytes{0, 58}) == "121");
  CHECK(base58_decode("11z").value() == Bytes{0, 0, 57});
  CHECK(base58_decode("121").value() == Bytes{0, 58});
}

TEST_CASE("base58: rejects characters outside the alphabet, naming the offset", "[ss58][base58]") {
  const std::string_view bads[] = {"0", "O", "I", "l", "+", "/", " ", "-", "\xff", {"\0", 1}};
  for (std::string_view bad : bads) {
    std::string text = "5Grw" + std::string(bad) + "aEF";
    auto r = base58_decode(text);
    require_error(r, Ss58Errc::InvalidBase58);
    CHECK(r.error().message.find("offset 4") != std::string::npos);
  }
}

// ---------------------------------------------------------------- prefix forms

TEST_CASE("ss58: prefix below 64 uses the one-byte form", "[ss58]") {
  CHECK(ev::chain::ss58_prefix_bytes(0) == Bytes{0x00});
  CHECK(ev::chain::ss58_prefix_bytes(42) == Bytes{0x2a});
  CHECK(ev::chain::ss58_prefix_bytes(63) == Bytes{0x3f});
}

TEST_CASE("ss58: prefix 64..16383 uses the two-byte form", "[ss58]") {
  CHECK(ev::chain::ss58_prefix_bytes(64) == Bytes{0x50, 0x00});
  CHECK(ev::chain::ss58_prefix_bytes(69) == Bytes{0x51, 0x40});
  CHECK(ev::chain::ss58_prefix_bytes(255) == Bytes{0x7f, 0xc0});
  CHECK(ev::chain::ss58_prefix_bytes(1284) == Bytes{0x41, 0x05});
  CHECK(ev::chain::ss58_prefix_bytes(16383) == Bytes{0x7f, 0xff});
}

TEST_CASE("ss58: every allowed prefix survives encode and decode", "[ss58]") {
  Bytes payload = hex(kAliceHex);
  for (std::uint32_t p = 0; p <= ev::chain::kSs58MaxPrefix; ++p) {
    if (p == 46 || p == 47) continue;
    auto prefix = static_cast<std::uint16_t>(p);
    auto addr = ss58_encode(payload, prefix);
    REQUIRE(addr.ok());
    auto d = ss58_decode(*addr);
    REQUIRE(d.ok());
    if (d->prefix != prefix || d->payload != payload) FAIL("prefix " << p << " did not round-trip");
  }
}

// ---------------------------------------------------------------- encode

TEST_CASE("ss58: encodes Alice under the generic substrate prefix", "[ss58]") {
  CHECK(ss58_encode(hex(kAliceHex), 42).value() == kAlice42);
}

TEST_CASE("ss58: 32- and 33-byte payloads carry a two-byte checksum", "[ss58]") {
  Rng rng;
  for (std::size_t n : {32, 33}) {
    auto addr = ss58_encode(rng.bytes(n), 7).value();
    CHECK(base58_decode(addr).value().size() == 1 + n + 2);
    addr = ss58_encode(rng.bytes(n), 300).value();
    CHECK(base58_decode(addr).value().size() == 2 + n + 2);
  }
}

TEST_CASE("ss58: 1-, 2-, 4- and 8-byte payloads carry a one-byte checksum", "[ss58]") {
  Rng rng;
  for (std::size_t n : {1, 2, 4, 8}) {
    Bytes payload = rng.bytes(n);
    auto addr = ss58_encode(payload, 2).value();
    CHECK(base58_decode(addr).value().size() == 1 + n + 1);
    auto d = ss58_decode(addr).value();
    CHECK(d.prefix == 2);
    CHECK(d.payload == payload);
  }
}

TEST_CASE("ss58: encode rejects the reserved prefixes 46 and 47", "[ss58]") {
  require_error(ss58_encode(hex(kAliceHex), 46), Ss58Errc::ReservedPrefix);
  require_error(ss58_encode(hex(kAliceHex), 47), Ss58Errc::ReservedPrefix);
}

TEST_CASE("ss58: encode rejects prefixes above 16383", "[ss58]") {
  require_error(ss58_encode(hex(kAliceHex), 16384), Ss58Errc::PrefixOutOfRange);
  require_error(ss58_encode(hex(kAliceHex), 65535), Ss58Errc::PrefixOutOfRange);
}

TEST_CASE("ss58: encode rejects payload lengths other than 1, 2, 4, 8, 32, 33", "[ss58]") {
  for (std::size_t n : {0, 3, 5, 7, 9, 16, 31, 34, 64}) {
    INFO("payload length " << n);
    require_error(ss58_encode(Bytes(n, 1), 0), Ss58Errc::InvalidPayloadLength);
  }
}

// ---------------------------------------------------------------- decode

TEST_CASE("ss58: decodes Alice to prefix 42 and her public key", "[ss58]") {
  auto d = ss58_decode(kAlice42).value();
  CHECK(d.prefix == 42);
  CHECK(d.payload == hex(kAliceHex));
}

TEST_CASE("ss58: decode rejects the empty string", "[ss58]") {
  require_error(ss58_decode(""), Ss58Errc::InvalidLength);
}

TEST_CASE("ss58: decode rejects text longer than any address", "[ss58]") {
  std::string longer = std::string(kAlice42) + "1111";
  require_error(ss58_decode(longer), Ss58Errc::InvalidLength);
  require_error(ss58_decode(std::string(10000, 'z')), Ss58Errc::InvalidLength);
}

TEST_CASE("ss58: decode rejects characters outside the base58 alphabet", "[ss58]") {
  std::string bad(kAlice42);
  bad[10] = '0';
  auto r = ss58_decode(bad);
  require_error(r, Ss58Errc::InvalidBase58);
  CHECK(r.error().message.find("offset 10") != std::string::npos);
}

TEST_CASE("ss58: decode rejects a first byte of 128 or more", "[ss58]") {
  Bytes body = {0x80};
  ev::append(body, hex(kAliceHex));
  require_error(ss58_decode(raw_address(body, 2)), Ss58Errc::InvalidPrefix);
  body[0] = 0xff;
  require_error(ss58_decode(raw_address(body, 2)), Ss58Errc::InvalidPrefix);
}

TEST_CASE("ss58: decode rejects a two-byte form cut after its first byte", "[ss58]") {
  require_error(ss58_decode(base58_encode(Bytes{0x50})), Ss58Errc::InvalidLength);
}

TEST_CASE("ss58: decode rejects lengths that fit no payload", "[ss58]") {
  // One-byte prefix: valid totals are 3, 4, 6, 10, 35, 36 bytes.
  for (std::size_t total : {1, 2, 5, 7, 11, 20, 34, 37}) {
    INFO("total " << total);
    Bytes raw(total, 0x11);
    raw[0] = 42;
    require_error(ss58_decode(base58_encode(raw)), Ss58Errc::InvalidLength);
  }
  // Two-byte prefix: valid totals are 4, 5, 7, 11, 36, 37 bytes.
  for (std::size_t total : {3, 6, 35, 38}) {
    INFO("total " << total);
    Bytes raw(total, 0x11);
    raw[0] = 0x50;
    require_error(ss58_decode(base58_encode(raw)), Ss58Errc::InvalidLength);
  }
}

TEST_CASE("ss58: decode rejects a wrong checksum", "[ss58]") {
  Bytes raw = base58_decode(kAlice42).value();
  raw.back() ^= 0x01;
  auto r = ss58_decode(base58_encode(raw));
  require_error(r, Ss58Errc::BadChecksum);
  CHECK(r.error().message.find("expected") != std::string::npos);
  // The one-byte checksum of short payloads too.
  Bytes idx = base58_decode(ss58_encode(Bytes{1, 2, 3, 4}, 0).value()).value();
  idx.back() ^= 0x80;
  require_error(ss58_decode(base58_encode(idx)), Ss58Errc::BadChecksum);
}

TEST_CASE("ss58: decode rejects a checksum over the wrong context", "[ss58]") {
  // blake2b-512 of prefix ++ payload without "SS58PRE" must not be accepted.
  Bytes body = {42};
  ev::append(body, hex(kAliceHex));
  auto sum = ev::chain::blake2_512(body);
  body.insert(body.end(), sum.begin(), sum.begin() + 2);
  require_error(ss58_decode(base58_encode(body)), Ss58Errc::BadChecksum);
}

TEST_CASE("ss58: decode rejects a two-byte form that encodes an ident below 64", "[ss58]") {
  // Ident 42 written in the two-byte form: b0 = 0x40 | (42 >> 2), b1 = (42 & 3) << 6.
  Bytes body = {0x4a, 0x80};
  ev::append(body, hex(kAliceHex));
  auto r = ss58_decode(raw_address(body, 2));
  require_error(r, Ss58Errc::NonCanonicalPrefix);
  CHECK(r.error().message.find("42") != std::string::npos);
}

TEST_CASE("ss58: decode rejects the reserved idents 46 and 47", "[ss58]") {
  for (std::uint8_t ident : {std::uint8_t{46}, std::uint8_t{47}}) {
    Bytes body = {ident};
    ev::append(body, hex(kAliceHex));
    require_error(ss58_decode(raw_address(body, 2)), Ss58Errc::ReservedPrefix);
  }
}

TEST_CASE("ss58: errors name the ss58 domain and say why", "[ss58]") {
  auto r = ss58_decode("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().to_string().rfind("ss58: ", 0) == 0);
  CHECK(r.error().message.size() > std::string_view("checksum mismatch").size());
}

// ---------------------------------------------------------------- parse_account_id

TEST_CASE("account id: accepts an SS58 address of any prefix", "[ss58]") {
  Bytes alice = hex(kAliceHex);
  const std::uint16_t prefixes[] = {0, 2, 42, 1284, 16383};
  for (std::uint16_t p : prefixes) {
    auto id = parse_account_id(ss58_encode(alice, p).value()).value();
    CHECK(Bytes(id.begin(), id.end()) == alice);
  }
}

TEST_CASE("account id: accepts 0x-hex of 32 bytes in either case", "[ss58]") {
  auto id = parse_account_id(kAliceHex).value();
  CHECK(Bytes(id.begin(), id.end()) == hex(kAliceHex));
  std::string upper = "0X" + std::string(kAliceHex.substr(2));
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(parse_account_id(upper).value() == id);
  // A hex account id carries no prefix, so an expected prefix does not apply.
  CHECK(parse_account_id(kAliceHex, 0).value() == id);
}

TEST_CASE("account id: rejects hex that is not 32 bytes", "[ss58]") {
  require_error(parse_account_id("0x"), Ss58Errc::NotAnAccountId);
  require_error(parse_account_id(std::string(kAliceHex) + "00"), Ss58Errc::NotAnAccountId);
  require_error(parse_account_id(kAliceHex.substr(0, 64)), Ss58Errc::NotAnAccountId);
  require_error(parse_account_id("0x" + std::string(64, 'g')), Ss58Errc::NotAnAccountId);
}

TEST_CASE("account id: rejects SS58 payloads that are not 32 bytes", "[ss58]") {
  require_error(parse_account_id(ss58_encode(Bytes(33, 2), 42).value()), Ss58Errc::NotAnAccountId);
  require_error(parse_account_id(ss58_encode(Bytes(8, 2), 42).value()), Ss58Errc::NotAnAccountId);
}

TEST_CASE("account id: checks the expected prefix", "[ss58]") {
  CHECK(parse_account_id(kAlice42, 42).ok());
  auto r = parse_account_id(kAlice42, 0);
  require_error(r, Ss58Errc::PrefixMismatch);
  CHECK(r.error().message.find("42") != std::string::npos);
}

TEST_CASE("account id: passes on address decoding errors", "[ss58]") {
  require_error(parse_account_id("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQZ"),
                Ss58Errc::BadChecksum);
  require_error(parse_account_id("not an address"), Ss58Errc::InvalidBase58);
  require_error(parse_account_id(""), Ss58Errc::InvalidLength);
}

// ---------------------------------------------------------------- properties

TEST_CASE("property: random prefix and payload round-trip through SS58", "[ss58][property]") {
  Rng rng;
  for (int i = 0; i < 3000; ++i) {
    std::uint16_t prefix = rng.prefix();
    Bytes payload = rng.bytes(i % 5 == 0 ? 33 : 32);
    auto addr = ss58_encode(payload, prefix);
    REQUIRE(addr.ok());
    auto d = ss58_decode(*addr);
    if (!d.ok() || d->prefix != prefix || d->payload != payload) {
      FAIL("round trip failed for prefix " << prefix << " payload " << ev::to_hex(payload));
    }
  }
}

TEST_CASE("property: replacing one character with another base58 digit is detected",
          "[ss58][property]") {
  Rng rng;
  int detected = 0;
  for (int i = 0; i < 5000; ++i) {
    std::string addr = ss58_encode(rng.bytes(32), rng.prefix()).value();
    std::size_t pos = rng.below(addr.size());
    char replacement = addr[pos];
    while (replacement == addr[pos]) replacement = kAlphabet[rng.below(kAlphabet.size())];
    std::string corrupted = addr;
    corrupted[pos] = replacement;
    auto r = ss58_decode(corrupted);
    if (r.ok()) FAIL("corruption at " << pos << " accepted: " << addr << " -> " << corrupted);
    ++detected;
  }
  CHECK(detected == 5000);
}

TEST_CASE("property: replacing one character with a non-alphabet byte is an alphabet error",
          "[ss58][property]") {
  Rng rng;
  for (int i = 0; i < 3000; ++i) {
    std::string addr = ss58_encode(rng.bytes(32), rng.prefix()).value();
    std::size_t pos = rng.below(addr.size());
    char replacement = addr[pos];
    while (kAlphabet.find(replacement) != std::string_view::npos) {
      replacement = static_cast<char>(rng.byte());
    }
    addr[pos] = replacement;
    auto r = ss58_decode(addr);
    REQUIRE_FALSE(r.ok());
    if (!ev::is(r.error(), Ss58Errc::InvalidBase58)) FAIL(r.error().to_string());
  }
}

TEST_CASE("property: base58 round-trips random bytes with leading zeros", "[ss58][property]") {
  Rng rng;
  for (int i = 0; i < 3000; ++i) {
    Bytes data(rng.below(5), 0);  // 0..4 leading zero bytes
    ev::append(data, rng.bytes(rng.below(65)));
    std::string text = base58_encode(data);
    auto back = base58_decode(text);
    if (!back.ok() || *back != data) FAIL("round trip failed for " << ev::to_hex(data));
    std::size_t zeros = 0;
    while (zeros < data.size() && data[zeros] == 0) ++zeros;
    std::size_t ones = 0;
    while (ones < text.size() && text[ones] == '1') ++ones;
    if (zeros != ones) FAIL(zeros << " zero bytes but " << ones << " leading ones");
  }
}

TEST_CASE("property: base58 decoding is canonical for random text", "[ss58][property]") {
  Rng rng;
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng.below(60), '1');
    for (auto& c : text) c = kAlphabet[rng.below(kAlphabet.size())];
    auto bytes = base58_decode(text);
    REQUIRE(bytes.ok());
    if (base58_encode(*bytes) != text) FAIL("not canonical: " << text);
  }
}
