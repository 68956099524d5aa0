// Mortal and immortal eras: construction, encoding, decoding, birth and death.
#include "ev/chain/era.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <vector>

using ev::Bytes;
using ev::chain::Era;
using ev::scale::Decoder;
using ev::scale::Errc;

namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

Bytes hex(std::string_view h) { return ev::from_hex(h).value(); }

std::string encode_hex(const Era& era) { return ev::to_hex(ev::scale::encode(era)); }

struct Signed {
  std::optional<std::uint32_t> tip;
  Era era;
  EV_SCALE_FIELDS(tip, era)
};

}  // namespace

TEST_CASE("era: immortal is one zero byte", "[era]") {
  const Era e = Era::immortal();
  REQUIRE(e.is_immortal());
  REQUIRE(e == Era{});
  REQUIRE(encode_hex(e) == "0x00");
  auto back = ev::scale::decode_all<Era>(hex("00"));
  REQUIRE(back.ok());
  REQUIRE(back->is_immortal());
  REQUIRE(e.birth(12345) == 0);
  REQUIRE(e.death(12345) == kMax);
}

TEST_CASE("era: mortal rounds the period up to a power of two in 4..65536", "[era]") {
  REQUIRE(Era::mortal(0, 0).period() == 4);
  REQUIRE(Era::mortal(1, 0).period() == 4);
  REQUIRE(Era::mortal(5, 0).period() == 8);
  REQUIRE(Era::mortal(64, 0).period() == 64);
  REQUIRE(Era::mortal(65, 0).period() == 128);
  REQUIRE(Era::mortal(65536, 0).period() == 65536);
  REQUIRE(Era::mortal(65537, 0).period() == 65536);
  REQUIRE(Era::mortal(kMax, 0).period() == 65536);
  REQUIRE_FALSE(Era::mortal(64, 0).is_immortal());
}

TEST_CASE("era: mortal phase is current modulo period, quantized above 4096", "[era]") {
  REQUIRE(Era::mortal(64, 42).phase() == 42);
  REQUIRE(Era::mortal(64, 12345678).phase() == 12345678 % 64);
  const Era big = Era::mortal(65536, 1000001);  // q = 16
  REQUIRE(big.phase() == (1000001 % 65536) / 16 * 16);
  REQUIRE(Era::mortal(8192, 8191).phase() == 8190);  // q = 2
}

TEST_CASE("era: encodes as u16 LE of log2(period)-1 and quantized phase", "[era]") {
  REQUIRE(encode_hex(Era::mortal(64, 42)) == "0xa502");    // 5 | 42 << 4
  REQUIRE(encode_hex(Era::mortal(4, 5)) == "0x1100");      // 1 | 1 << 4
  REQUIRE(encode_hex(Era::mortal(65536, 0)) == "0x0f00");  // 15 | 0
  REQUIRE(encode_hex(Era::mortal(65536, 65535)) == "0xffff");
}

TEST_CASE("era: decode rejects a period below 4", "[era]") {
  // Low nibble 0: period = 2 << 0 = 2.
  for (const char* h : {"1000", "f0ff", "2000"}) {
    INFO(h);
    auto r = ev::scale::decode_all<Era>(hex(h));
    REQUIRE_FALSE(r.ok());
    REQUIRE(ev::is(r.error(), Errc::InvalidEra));
    REQUIRE(r.error().message.find("at offset 0") != std::string::npos);
  }
}

TEST_CASE("era: decode rejects a phase not below the period", "[era]") {
  // period 4 (nibble 1), phase 4; period 8 (nibble 2), phase 8; period 4096, phase 4095 is fine.
  for (const char* h : {"4100", "8200", "f1ff"}) {
    INFO(h);
    auto r = ev::scale::decode_all<Era>(hex(h));
    REQUIRE_FALSE(r.ok());
    REQUIRE(ev::is(r.error(), Errc::InvalidEra));
  }
  REQUIRE(ev::scale::decode_all<Era>(hex("fbff")).ok());
}

TEST_CASE("era: a mortal era cut after its first byte is truncated", "[era]") {
  auto r = ev::scale::decode_all<Era>(hex("a5"));
  REQUIRE_FALSE(r.ok());
  REQUIRE(ev::is(r.error(), Errc::Truncated));
  REQUIRE(ev::is(ev::scale::decode_all<Era>({}).error(), Errc::Truncated));
}

TEST_CASE("era: immortal is exactly one byte, more is trailing", "[era]") {
  auto r = ev::scale::decode_all<Era>(hex("0000"));
  REQUIRE_FALSE(r.ok());
  REQUIRE(ev::is(r.error(), Errc::TrailingBytes));
}

TEST_CASE("era: every two-byte input decodes canonically or is rejected", "[era]") {
  std::size_t valid = 0;
  for (std::uint32_t x = 0; x < 65536; ++x) {
    if ((x & 0xff) == 0) continue;  // a zero first byte is the one-byte immortal form
    const Bytes in{static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8)};
    auto r = ev::scale::decode_all<Era>(in);
    if (!r.ok()) continue;
    ++valid;
    if (ev::scale::encode(*r) != in) FAIL("re-encoding differs for " << ev::to_hex(in));
  }
  // Periods 4..4096 admit every phase below the period; periods 8192..65536 admit 4096
  // quantized phases each.
  std::size_t expected = 4 * 4096;
  for (std::uint64_t p = 4; p <= 4096; p *= 2) expected += p;
  REQUIRE(valid == expected);
}

TEST_CASE("era: from_parts accepts only canonical parts", "[era]") {
  REQUIRE(Era::from_parts(64, 42).value() == Era::mortal(64, 42));
  REQUIRE(Era::from_parts(65536, 16).ok());
  for (auto [p, ph] : std::vector<std::pair<std::uint64_t, std::uint64_t>>{
           {0, 0}, {2, 0}, {6, 1}, {64, 64}, {131072, 0}, {65536, 17}, {8192, 1}}) {
    INFO(p << "/" << ph);
    auto r = Era::from_parts(p, ph);
    REQUIRE_FALSE(r.ok());
    REQUIRE(ev::is(r.error(), Errc::InvalidEra));
  }
}

TEST_CASE("era: birth and death", "[era]") {
  const Era e = Era::mortal(64, 42);
  REQUIRE(e.birth(42) == 42);
  REQUIRE(e.death(42) == 106);
  REQUIRE(e.birth(105) == 42);
  REQUIRE(e.birth(106) == 106);
  REQUIRE(e.birth(10) == 42);  // before the phase: the first block with that phase
  const Era big = Era::mortal(65536, 4294967295ull);
  REQUIRE(big.birth(4294967295ull) == 4294967280ull);
  REQUIRE(big.death(4294967295ull) == 4295032816ull);
}

TEST_CASE("era: death saturates at the top of the block range", "[era]") {
  const Era e = Era::mortal(64, kMax);
  REQUIRE(e.birth(kMax) <= kMax);
  REQUIRE(e.death(kMax) == kMax);
}

TEST_CASE("era: usable as a struct field", "[era]") {
  const Signed s{7, Era::mortal(64, 42)};
  const Bytes b = ev::scale::encode(s);
  REQUIRE(ev::to_hex(b) == "0x0107000000a502");
  auto back = ev::scale::decode_all<Signed>(b);
  REQUIRE(back.ok());
  REQUIRE(back->era == s.era);
  auto bad = ev::scale::decode_all<Signed>(hex("004100"));
  REQUIRE_FALSE(bad.ok());
  REQUIRE(bad.error().message.rfind("Signed.era: invalid era: at offset 1", 0) == 0);
}

TEST_CASE("property: random eras round trip and contain the current block", "[era][property]") {
  constexpr std::uint64_t kSeed = 0xe7a5eed;
  std::mt19937_64 rng(kSeed);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t period = rng() % 70000;
    const std::uint64_t current = (rng() & 1) != 0 ? rng() % 10000000 : rng();
    const Era e = Era::mortal(period, current);
    const std::uint64_t q = std::max<std::uint64_t>(e.period() >> 12, 1);
    const Bytes b = ev::scale::encode(e);
    auto back = ev::scale::decode_all<Era>(b);
    const std::uint64_t birth = e.birth(current);
    const bool good = back.ok() && *back == e && b.size() == 2 && e.phase() < e.period() &&
                      birth <= current && current - birth < q && birth % e.period() == e.phase() &&
                      e.death(current) - birth == e.period() &&
                      Era::from_parts(e.period(), e.phase()).ok();
    if (!good) FAIL("seed " << kSeed << ", iteration " << i << ": " << period << "/" << current);
  }
}
