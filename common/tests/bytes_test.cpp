#include <catch2/catch.hpp>

#include "ev/common/bytes.hpp"
#include "ev/common/digest.hpp"
#include "ev/common/secret.hpp"

TEST_CASE("hex: round trip with and without prefix", "[hex]") {
  ev::Bytes b{0x00, 0x01, 0xab, 0xff};
  CHECK(ev::to_hex(b) == "0x0001abff");
  CHECK(ev::to_hex(b, false) == "0001abff");
  CHECK(*ev::from_hex("0x0001ABff") == b);
  CHECK(*ev::from_hex("0001abff") == b);
  CHECK(ev::from_hex("0x")->empty());
}

TEST_CASE("hex: rejects odd length and non-hex characters with the position", "[hex]") {
  auto odd = ev::from_hex("0xabc");
  REQUIRE_FALSE(odd.ok());
  CHECK(odd.error().message.find("odd number") != std::string::npos);
  auto bad = ev::from_hex("0xzz");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("position 0") != std::string::npos);
}

TEST_CASE("hex: from_hex_fixed requires the exact length", "[hex]") {
  CHECK(ev::from_hex_fixed<2>("0x0102").ok());
  CHECK_FALSE(ev::from_hex_fixed<2>("0x010203").ok());
}

TEST_CASE("u128: decimal round trip and overflow", "[u128]") {
  const char* max = "340282366920938463463374607431768211455";
  auto v = ev::u128_from_string(max);
  REQUIRE(v.ok());
  CHECK(ev::u128_to_string(*v) == max);
  CHECK_FALSE(ev::u128_from_string("340282366920938463463374607431768211456").ok());
  CHECK_FALSE(ev::u128_from_string("-1").ok());
  CHECK_FALSE(ev::u128_from_string("").ok());
}

TEST_CASE("digest: sha256 and hmac known answers", "[digest]") {
  CHECK(ev::to_hex(ev::sha256(ev::as_bytes("abc"))) ==
        "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // RFC 4231 test case 2.
  CHECK(ev::to_hex(
            ev::hmac_sha256(ev::as_bytes("Jefe"), ev::as_bytes("what do ya want for nothing?"))) ==
        "0x5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("secret: compares in constant time by content", "[secret]") {
  ev::ByteArray<4> a{1, 2, 3, 4};
  ev::ByteArray<4> c{1, 2, 3, 5};
  ev::Secret<4> s1{std::span<const std::uint8_t, 4>(a)};
  ev::Secret<4> s2{std::span<const std::uint8_t, 4>(a)};
  ev::Secret<4> s3{std::span<const std::uint8_t, 4>(c)};
  CHECK(s1 == s2);
  CHECK_FALSE(s1 == s3);
}
