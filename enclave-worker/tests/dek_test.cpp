#include <catch2/catch.hpp>

#include "ev/enclave/dek.hpp"
#include "ev/enclave/errors.hpp"
#include "test_helpers.hpp"

using namespace ev;
using namespace ev::enclave;
using ev::enclave::test::filled;
using ev::enclave::test::FixedRng;

namespace {

Key256 key_of(std::uint8_t b) {
  Key256 k;
  for (auto& x : k.mut()) x = b;
  return k;
}

}  // namespace

// Expected bytes computed independently (Python `cryptography` AESGCM) from the layout in
// docs/formats/envelope.md: shielding key 55..55, DEK 11..11, wallet 22..22, epoch 7,
// nonce 66..66.
TEST_CASE("wrap_dek: known answer and DEK id", "[dek]") {
  FixedRng rng(0x66);
  Secret<32> dek;
  for (auto& x : dek.mut()) x = 0x11;
  auto w = wrap_dek(key_of(0x55), dek, filled<32>(0x22), 7, rng);
  REQUIRE(w.ok());
  CHECK(to_hex(*w, false) ==
        "016666666666666666666666662eacaf43640d3858d1780114b6b9ef733e257a432c65b059769a8e7531de6e"
        "052531bc32aee0d87d3e3ebdb9044ad6f7");
  CHECK(w->size() == kWrappedDekSize);
  CHECK(w->size() <= 128);
  CHECK(to_hex(dek_id_of(*w), false) == "dbfb5e63c86a7b90");
  auto u = unwrap_dek(key_of(0x55), *w, filled<32>(0x22), 7);
  REQUIRE(u.ok());
  CHECK(u->key == dek);
  CHECK(u->id == dek_id_of(*w));
}

TEST_CASE("unwrap_dek: another wallet, epoch or shielding key is refused", "[dek]") {
  SystemRng rng;
  const Key256 shielding = key_of(0x55);
  auto fresh = new_epoch_dek(shielding, filled<32>(1), 5, rng);
  REQUIRE(fresh.ok());
  auto ok_back = unwrap_dek(shielding, fresh->wrapped, filled<32>(1), 5);
  REQUIRE(ok_back.ok());
  CHECK(ok_back->key == fresh->dek.key);
  CHECK(ok_back->id == fresh->dek.id);

  auto other_wallet = unwrap_dek(shielding, fresh->wrapped, filled<32>(2), 5);
  REQUIRE_FALSE(other_wallet.ok());
  CHECK(is(other_wallet.error(), Errc::AuthFailed));
  auto other_epoch = unwrap_dek(shielding, fresh->wrapped, filled<32>(1), 6);
  REQUIRE_FALSE(other_epoch.ok());
  CHECK(is(other_epoch.error(), Errc::AuthFailed));
  CHECK_THAT(other_epoch.error().message, Catch::Contains("epoch 6"));
  auto other_key = unwrap_dek(key_of(0x56), fresh->wrapped, filled<32>(1), 5);
  REQUIRE_FALSE(other_key.ok());
  CHECK(is(other_key.error(), Errc::AuthFailed));
}

TEST_CASE("unwrap_dek: every flipped byte and every truncation is refused", "[dek]") {
  SystemRng rng;
  const Key256 shielding = key_of(0x55);
  auto fresh = new_epoch_dek(shielding, filled<32>(1), 5, rng);
  REQUIRE(fresh.ok());
  for (std::size_t i = 0; i < fresh->wrapped.size(); ++i) {
    Bytes t = fresh->wrapped;
    t[i] ^= 0x04;
    CHECK_FALSE(unwrap_dek(shielding, t, filled<32>(1), 5).ok());
  }
  for (std::size_t n = 0; n < fresh->wrapped.size(); ++n) {
    auto r = unwrap_dek(shielding, ByteSpan(fresh->wrapped).first(n), filled<32>(1), 5);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::Malformed));
  }
  Bytes longer = fresh->wrapped;
  longer.push_back(0);
  CHECK(is(unwrap_dek(shielding, longer, filled<32>(1), 5).error(), Errc::Malformed));
}

TEST_CASE("generate_dek: two DEKs differ", "[dek]") {
  SystemRng rng;
  auto a = generate_dek(rng);
  auto b = generate_dek(rng);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK_FALSE(*a == *b);
}
