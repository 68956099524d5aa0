// Substrate hashes: known answers from their specifications and structural properties.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "ev/chain/hash.hpp"

namespace {

using ev::Bytes;
using ev::ByteSpan;

std::string hex_of(ByteSpan b) { return ev::to_hex(b); }
ByteSpan text(std::string_view s) { return ev::as_bytes(s); }

// All six Substrate hashes of data, concatenated, for comparisons across inputs.
std::vector<std::string> all_hashes(ByteSpan data) {
  using namespace ev::chain;
  return {hex_of(blake2_128(data)), hex_of(blake2_256(data)), hex_of(blake2_512(data)),
          hex_of(twox64(data)),     hex_of(twox128(data)),    hex_of(twox256(data))};
}

}  // namespace

TEST_CASE("blake2b-512: matches RFC 7693 appendix A for \"abc\"", "[hash]") {
  CHECK(hex_of(ev::chain::blake2_512(text("abc"))) ==
        "0xba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1"
        "7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923");
}

TEST_CASE("blake2b: matches the reference digests of the empty input", "[hash]") {
  CHECK(hex_of(ev::chain::blake2_512({})) ==
        "0x786a02f742015903c6c6fd852552d272912f4740e15847618a86e217f71f5419"
        "d25e1031afee585313896444934eb04b903a685b1448b755d56f701afe9be2ce");
  CHECK(hex_of(ev::chain::blake2_256({})) ==
        "0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

TEST_CASE("blake2b: a shorter digest is its own function, not a truncation", "[hash]") {
  // BLAKE2b puts the digest length in its parameter block, so blake2_128 must not be a prefix
  // of blake2_256 (a truncating implementation would be wrong for Substrate).
  for (std::string_view s : {"", "abc", "System"}) {
    auto b128 = ev::chain::blake2_128(text(s));
    auto b256 = ev::chain::blake2_256(text(s));
    auto b512 = ev::chain::blake2_512(text(s));
    CHECK_FALSE(std::equal(b128.begin(), b128.end(), b256.begin()));
    CHECK_FALSE(std::equal(b256.begin(), b256.end(), b512.begin()));
  }
}

TEST_CASE("twox64: is XXH64 with seed 0 written little-endian", "[hash]") {
  // XXH64("", 0) = 0xef46db3751d8e999 and XXH64("abc", 0) = 0x44bc2cf5ad770999.
  CHECK(hex_of(ev::chain::twox64({})) == "0x99e9d85137db46ef");
  CHECK(hex_of(ev::chain::twox64(text("abc"))) == "0x990977adf52cbc44");
}

TEST_CASE("twox128: matches the well-known pallet prefixes", "[hash]") {
  CHECK(hex_of(ev::chain::twox128(text("System"))) == "0x26aa394eea5630e07c48ae0c9558cef7");
  CHECK(hex_of(ev::chain::twox128(text("Balances"))) == "0xc2261276cc9d1f8598ea4b6a74b15c2f");
}

TEST_CASE("twox: longer outputs extend shorter ones with the next seeds", "[hash]") {
  const std::string_view inputs[] = {"", "abc", "Account",
                                     "a longer input that spans several xxh64 stripes"};
  for (std::string_view s : inputs) {
    auto t64 = ev::chain::twox64(text(s));
    auto t128 = ev::chain::twox128(text(s));
    auto t256 = ev::chain::twox256(text(s));
    CHECK(std::equal(t64.begin(), t64.end(), t128.begin()));
    CHECK(std::equal(t128.begin(), t128.end(), t256.begin()));
    // The seed-1 half differs from the seed-0 half.
    CHECK_FALSE(std::equal(t128.begin(), t128.begin() + 8, t128.begin() + 8));
  }
}

TEST_CASE("sha256: matches FIPS 180-2 for \"abc\"", "[hash]") {
  CHECK(hex_of(ev::chain::sha256(text("abc"))) ==
        "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("hashes: every byte of a multi-block input matters", "[hash]") {
  Bytes data(300);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 7 + 1);
  const auto base = all_hashes(data);
  for (std::size_t i = 0; i < data.size(); ++i) {
    Bytes flipped = data;
    flipped[i] ^= 0x01;
    const auto h = all_hashes(flipped);
    for (std::size_t k = 0; k < h.size(); ++k) {
      if (h[k] == base[k]) FAIL("hash " << k << " ignores byte " << i);
    }
  }
}

TEST_CASE("hashes: hash exactly the span given, wherever it starts", "[hash]") {
  Bytes buffer(200);
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<std::uint8_t>(i);
  ByteSpan middle = ByteSpan(buffer).subspan(13, 150);
  Bytes copy(middle.begin(), middle.end());
  CHECK(all_hashes(middle) == all_hashes(copy));
  CHECK(all_hashes(ByteSpan(buffer).subspan(13, 149)) != all_hashes(copy));
}
