#include <catch2/catch.hpp>
#include <vector>

#include "ev/enclave/envelope.hpp"
#include "ev/enclave/errors.hpp"
#include "test_helpers.hpp"

using namespace ev;
using namespace ev::enclave;
using ev::enclave::test::filled;
using ev::enclave::test::FixedRng;

namespace {

Dek dek_of(std::uint8_t key_byte, std::uint8_t id_byte) {
  Dek d;
  for (auto& x : d.key.mut()) x = key_byte;
  d.id = filled<kDekIdSize>(id_byte);
  return d;
}

BlobContext ctx(std::uint8_t wallet = 0x22, std::string service = "github", std::uint32_t epoch = 7,
                std::uint8_t blob = 0x33) {
  return {filled<32>(wallet), std::move(service), epoch, filled<16>(blob)};
}

const Bytes kCredential = {'h', 'u', 'n', 't', 'e', 'r', '2'};

}  // namespace

TEST_CASE("blob_aad: SCALE of (wallet, service, epoch, blob id)", "[envelope]") {
  auto aad = blob_aad(ctx());
  REQUIRE(aad.ok());
  CHECK(to_hex(*aad, false) ==
        std::string(64, '2') + "18" + "676974687562" + "07000000" + std::string(32, '3'));
  for (const char* bad : {"", "GitHub", "a/b", "x y"}) {
    INFO(bad);
    auto r = blob_aad(ctx(0x22, bad));
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::InvalidArgument));
  }
  CHECK_FALSE(blob_aad(ctx(0x22, std::string(65, 'a'))).ok());
  CHECK(blob_aad(ctx(0x22, std::string(64, 'a'))).ok());
}

// Expected object computed independently (Python `cryptography` AESGCM) from
// docs/formats/envelope.md: DEK 11..11, DEK id 0102030405060708, nonce 44..44.
TEST_CASE("seal_blob: known answer and ciphertext hash", "[envelope]") {
  Dek dek = dek_of(0x11, 0);
  dek.id = {1, 2, 3, 4, 5, 6, 7, 8};
  FixedRng rng(0x44);
  auto obj = seal_blob(dek, ctx(), kCredential, rng);
  REQUIRE(obj.ok());
  CHECK(to_hex(*obj, false) ==
        "4556454e0101070000000102030405060708444444444444444444444444a430261a2f4a16ecb857fde0d353"
        "e3ec2b2442ab7e99e0");
  CHECK(to_hex(ciphertext_hash(*obj), false) ==
        "13c13395beb1a9167c28fbc2fd07bcc29b8b4788de5cbeac42a2ea9c3dfdc15e");
  auto back = open_blob(dek, ctx(), *obj);
  REQUIRE(back.ok());
  CHECK(back->equals(kCredential));
}

TEST_CASE("envelope: round trip of empty, small and large credentials", "[envelope]") {
  SystemRng rng;
  const Dek dek = dek_of(0x11, 0x0d);
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{4096}, kMaxCredentialSize}) {
    Bytes pt(n);
    for (std::size_t i = 0; i < n; ++i) pt[i] = static_cast<std::uint8_t>(i * 7);
    auto obj = seal_blob(dek, ctx(), pt, rng);
    REQUIRE(obj.ok());
    CHECK(obj->size() == n + kEnvelopeOverhead);
    auto back = open_blob(dek, ctx(), *obj);
    REQUIRE(back.ok());
    CHECK(back->equals(pt));
    auto view = parse_envelope(*obj);
    REQUIRE(view.ok());
    CHECK(view->epoch == 7);
    CHECK(view->dek_id == dek.id);
  }
  CHECK(
      is(seal_blob(dek, ctx(), Bytes(kMaxCredentialSize + 1), rng).error(), Errc::InvalidArgument));
}

TEST_CASE("envelope: two seals of one credential use different nonces", "[envelope]") {
  SystemRng rng;
  const Dek dek = dek_of(0x11, 0x0d);
  auto a = seal_blob(dek, ctx(), kCredential, rng);
  auto b = seal_blob(dek, ctx(), kCredential, rng);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(parse_envelope(*a)->nonce != parse_envelope(*b)->nonce);
}

TEST_CASE("envelope: every flipped bit position and every truncation is refused", "[envelope]") {
  SystemRng rng;
  const Dek dek = dek_of(0x11, 0x0d);
  auto obj = seal_blob(dek, ctx(), kCredential, rng);
  REQUIRE(obj.ok());
  for (std::size_t i = 0; i < obj->size(); ++i) {
    for (int bit : {0x01, 0x80}) {
      Bytes t = *obj;
      t[i] = static_cast<std::uint8_t>(t[i] ^ bit);
      auto r = open_blob(dek, ctx(), t);
      INFO("byte " << i);
      CHECK_FALSE(r.ok());
    }
  }
  for (std::size_t n = 0; n < obj->size(); ++n) {
    CHECK_FALSE(open_blob(dek, ctx(), ByteSpan(*obj).first(n)).ok());
  }
  Bytes longer = *obj;
  longer.push_back(0);
  CHECK_FALSE(open_blob(dek, ctx(), longer).ok());
}

TEST_CASE("envelope: a blob moved to another wallet, service, epoch or id is refused",
          "[envelope]") {
  SystemRng rng;
  const Dek dek = dek_of(0x11, 0x0d);
  auto obj = seal_blob(dek, ctx(), kCredential, rng);
  REQUIRE(obj.ok());
  auto other_wallet = open_blob(dek, ctx(0x23), *obj);
  REQUIRE_FALSE(other_wallet.ok());
  CHECK(is(other_wallet.error(), Errc::AuthFailed));
  auto other_service = open_blob(dek, ctx(0x22, "gitlab"), *obj);
  REQUIRE_FALSE(other_service.ok());
  CHECK(is(other_service.error(), Errc::AuthFailed));
  auto other_blob = open_blob(dek, ctx(0x22, "github", 7, 0x34), *obj);
  REQUIRE_FALSE(other_blob.ok());
  CHECK(is(other_blob.error(), Errc::AuthFailed));
  auto other_epoch = open_blob(dek, ctx(0x22, "github", 8), *obj);
  REQUIRE_FALSE(other_epoch.ok());
  CHECK(is(other_epoch.error(), Errc::ContextMismatch));
  CHECK_THAT(other_epoch.error().message, Catch::Contains("epoch 7"));
  // Rewriting the header's epoch to match still fails: the header is authenticated.
  Bytes t = *obj;
  t[6] = 8;
  auto forged = open_blob(dek, ctx(0x22, "github", 8), t);
  REQUIRE_FALSE(forged.ok());
  CHECK(is(forged.error(), Errc::AuthFailed));
  // Another DEK (other id) is named as such; same id but other key fails the tag.
  auto other_id = open_blob(dek_of(0x11, 0x0e), ctx(), *obj);
  REQUIRE_FALSE(other_id.ok());
  CHECK(is(other_id.error(), Errc::ContextMismatch));
  auto other_key = open_blob(dek_of(0x12, 0x0d), ctx(), *obj);
  REQUIRE_FALSE(other_key.ok());
  CHECK(is(other_key.error(), Errc::AuthFailed));
}

TEST_CASE("parse_envelope: strict header checks name the offset", "[envelope]") {
  SystemRng rng;
  auto obj = seal_blob(dek_of(0x11, 0x0d), ctx(), kCredential, rng);
  REQUIRE(obj.ok());
  Bytes t = *obj;
  t[0] = 'X';
  CHECK_THAT(parse_envelope(t).error().message, Catch::Contains("at offset 0: bad magic"));
  t = *obj;
  t[4] = 2;
  CHECK(is(parse_envelope(t).error(), Errc::Unsupported));
  t = *obj;
  t[5] = 2;
  CHECK_THAT(parse_envelope(t).error().message, Catch::Contains("algorithm 2"));
  CHECK_THAT(parse_envelope(ByteSpan(*obj).first(20)).error().message,
             Catch::Contains("truncated"));
}

TEST_CASE("reencrypt: moves a blob to the new epoch's DEK, old DEK no longer opens it",
          "[envelope]") {
  SystemRng rng;
  const Dek old_dek = dek_of(0x11, 0x0d);
  const Dek new_dek = dek_of(0x77, 0x0e);
  const BlobContext old_ctx = ctx(0x22, "github", 7);
  const BlobContext new_ctx = ctx(0x22, "github", 8);
  auto obj = seal_blob(old_dek, old_ctx, kCredential, rng);
  REQUIRE(obj.ok());
  auto moved = reencrypt(old_dek, old_ctx, new_dek, new_ctx, *obj, rng);
  REQUIRE(moved.ok());
  CHECK(parse_envelope(*moved)->epoch == 8);
  CHECK(parse_envelope(*moved)->dek_id == new_dek.id);
  auto back = open_blob(new_dek, new_ctx, *moved);
  REQUIRE(back.ok());
  CHECK(back->equals(kCredential));
  CHECK_FALSE(open_blob(old_dek, old_ctx, *moved).ok());
  CHECK(ciphertext_hash(*moved) != ciphertext_hash(*obj));
}

TEST_CASE("reencrypt: a tampered or misplaced source yields an error and no object", "[envelope]") {
  SystemRng rng;
  const Dek old_dek = dek_of(0x11, 0x0d);
  const Dek new_dek = dek_of(0x77, 0x0e);
  auto obj = seal_blob(old_dek, ctx(), kCredential, rng);
  REQUIRE(obj.ok());
  Bytes t = *obj;
  t.back() ^= 1;
  auto r = reencrypt(old_dek, ctx(), new_dek, ctx(0x22, "github", 8), t, rng);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::AuthFailed));
  auto r2 = reencrypt(old_dek, ctx(0x99), new_dek, ctx(0x99, "github", 8), *obj, rng);
  REQUIRE_FALSE(r2.ok());
  CHECK(is(r2.error(), Errc::AuthFailed));
}

TEST_CASE("DekCipher: one keyed cipher serves many blobs, also after a failed open", "[envelope]") {
  SystemRng rng;
  const Dek old_dek = dek_of(0x11, 0x0d);
  const Dek new_dek = dek_of(0x77, 0x0e);
  DekCipher from(old_dek);
  DekCipher to(new_dek);
  CHECK(from.id() == old_dek.id);
  std::vector<Bytes> objects;
  for (std::uint8_t i = 0; i < 8; ++i) {
    auto obj = from.seal(ctx(0x22, "svc", 7, i), Bytes(i * 100u, i), rng);
    REQUIRE(obj.ok());
    objects.push_back(*obj);
  }
  Bytes bad = objects[3];
  bad[40] ^= 1;
  CHECK(is(from.open(ctx(0x22, "svc", 7, 3), bad).error(), Errc::AuthFailed));
  for (std::uint8_t i = 0; i < 8; ++i) {
    auto moved =
        reencrypt(from, ctx(0x22, "svc", 7, i), to, ctx(0x22, "svc", 8, i), objects[i], rng);
    REQUIRE(moved.ok());
    auto back = open_blob(new_dek, ctx(0x22, "svc", 8, i), *moved);
    REQUIRE(back.ok());
    CHECK(back->equals(Bytes(i * 100u, i)));
    // The one-shot form opens what the prepared cipher sealed, and vice versa.
    auto same = from.open(ctx(0x22, "svc", 7, i), objects[i]);
    REQUIRE(same.ok());
    CHECK(same->equals(Bytes(i * 100u, i)));
  }
}

TEST_CASE("SystemRng: successive small requests differ", "[envelope]") {
  SystemRng rng;
  std::vector<ByteArray<12>> seen;
  for (int i = 0; i < 300; ++i) {  // crosses several refills of the per-thread pool
    ByteArray<12> n{};
    REQUIRE(rng.random(n).ok());
    for (const auto& s : seen) CHECK(s != n);
    seen.push_back(n);
  }
  Bytes big(100);
  REQUIRE(rng.random(big).ok());
  CHECK(big != Bytes(100));
}
