// Keys and signatures: schemes, seeds, sign/verify, account ids, MultiSignature.
#include <catch2/catch.hpp>

#include <string>

#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"
#include "require_error.hpp"

namespace ev::chain {
namespace {

using ev::test::require_error;

Bytes hex(std::string_view s) { return from_hex(s).value(); }

// The secp256k1 group order n.
const Bytes kOrder = hex("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");

Bytes seed_of(std::uint8_t fill) { return Bytes(kSeedSize, fill); }

KeyPair key(Scheme scheme, std::uint8_t fill = 7) {
  return KeyPair::from_seed(scheme, seed_of(fill)).value();
}

// a - b for 32-byte big-endian numbers, a >= b.
Bytes sub256(ByteSpan a, ByteSpan b) {
  Bytes out(32);
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = a[static_cast<std::size_t>(i)] - b[static_cast<std::size_t>(i)] - borrow;
    borrow = d < 0 ? 1 : 0;
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(d + 256 * borrow);
  }
  return out;
}

const Bytes kMessage = [] {
  ByteSpan s = as_bytes("epochvault");
  return Bytes(s.begin(), s.end());
}();

}  // namespace

TEST_CASE("scheme: parses the three names, any ASCII case", "[keys]") {
  REQUIRE(parse_scheme("ed25519").value() == Scheme::Ed25519);
  REQUIRE(parse_scheme("Ecdsa").value() == Scheme::Ecdsa);
  REQUIRE(parse_scheme("SR25519").value() == Scheme::Sr25519);
  for (Scheme s : {Scheme::Ed25519, Scheme::Ecdsa, Scheme::Sr25519}) {
    REQUIRE(parse_scheme(scheme_name(s)).value() == s);
  }
}

TEST_CASE("scheme: rejects an unknown name and says which", "[keys]") {
  require_error(parse_scheme("secp256k1"), KeyErrc::UnknownScheme, "'secp256k1'");
  require_error(parse_scheme(""), KeyErrc::UnknownScheme, "expected ed25519, ecdsa or sr25519");
  require_error(parse_scheme("ed25519 "), KeyErrc::UnknownScheme, "ed25519");
}

TEST_CASE("from_seed: rejects a seed that is not 32 bytes", "[keys]") {
  for (Scheme s : {Scheme::Ed25519, Scheme::Ecdsa}) {
    require_error(KeyPair::from_seed(s, Bytes(31, 1)), KeyErrc::InvalidSeed, "got 31");
    require_error(KeyPair::from_seed(s, Bytes(33, 1)), KeyErrc::InvalidSeed, "got 33");
    require_error(KeyPair::from_seed(s, Bytes{}), KeyErrc::InvalidSeed, "got 0");
  }
}

TEST_CASE("from_seed: ecdsa rejects zero and seeds not below the group order", "[keys]") {
  const std::string_view why = "not a secp256k1 secret key";
  require_error(KeyPair::from_seed(Scheme::Ecdsa, Bytes(32, 0)), KeyErrc::InvalidSeed, why);
  require_error(KeyPair::from_seed(Scheme::Ecdsa, kOrder), KeyErrc::InvalidSeed, why);
  require_error(KeyPair::from_seed(Scheme::Ecdsa, Bytes(32, 0xff)), KeyErrc::InvalidSeed, why);
  Bytes below = kOrder;
  below[31] = 0x40;  // n - 1
  REQUIRE(KeyPair::from_seed(Scheme::Ecdsa, below).ok());
  // ed25519 takes any 32 bytes.
  REQUIRE(KeyPair::from_seed(Scheme::Ed25519, Bytes(32, 0)).ok());
}

TEST_CASE("keypair: sizes, scheme and seed as given", "[keys]") {
  KeyPair ed = key(Scheme::Ed25519);
  REQUIRE(ed.scheme() == Scheme::Ed25519);
  REQUIRE(ed.public_key().size() == kEd25519PublicKeySize);
  REQUIRE(Bytes(ed.seed().view().begin(), ed.seed().view().end()) == seed_of(7));
  KeyPair ec = key(Scheme::Ecdsa);
  REQUIRE(ec.scheme() == Scheme::Ecdsa);
  REQUIRE(ec.public_key().size() == kEcdsaPublicKeySize);
  REQUIRE((ec.public_key()[0] == 0x02 || ec.public_key()[0] == 0x03));
  KeyPair copy = ec;
  REQUIRE(copy.public_key() == ec.public_key());
  REQUIRE(copy.seed() == ec.seed());
}

TEST_CASE("account id: ed25519 is the public key, ecdsa its blake2_256", "[keys]") {
  KeyPair ed = key(Scheme::Ed25519);
  Bytes pk = ed.public_key();
  AccountId32 id = ed.account_id();
  REQUIRE(Bytes(id.begin(), id.end()) == pk);
  REQUIRE(account_id_of(Scheme::Ed25519, pk).value() == ed.account_id());
  KeyPair ec = key(Scheme::Ecdsa);
  REQUIRE(ec.account_id() == blake2_256(ec.public_key()));
  REQUIRE(account_id_of(Scheme::Ecdsa, ec.public_key()).value() == ec.account_id());
  require_error(account_id_of(Scheme::Ed25519, Bytes(33, 1)), KeyErrc::InvalidPublicKey, "got 33");
  require_error(account_id_of(Scheme::Ecdsa, pk), KeyErrc::InvalidPublicKey, "got 32");
}

TEST_CASE("ed25519: sign then verify round-trips", "[keys]") {
  KeyPair k = key(Scheme::Ed25519);
  Bytes sig = k.sign(kMessage).value();
  REQUIRE(sig.size() == kEd25519SignatureSize);
  REQUIRE(verify(Scheme::Ed25519, k.public_key(), kMessage, sig).ok());
  REQUIRE(verify_for_account(Scheme::Ed25519, k.account_id(), kMessage, sig).ok());
  REQUIRE(verify(Scheme::Ed25519, k.public_key(), {}, k.sign({}).value()).ok());
}

TEST_CASE("ed25519: tampered message, signature or key is rejected", "[keys]") {
  KeyPair k = key(Scheme::Ed25519);
  Bytes sig = k.sign(kMessage).value();
  Bytes msg = kMessage;
  msg[0] ^= 1;
  require_error(verify(Scheme::Ed25519, k.public_key(), msg, sig), KeyErrc::BadSignature, "");
  Bytes bad_sig = sig;
  bad_sig[10] ^= 0x80;
  require_error(verify(Scheme::Ed25519, k.public_key(), kMessage, bad_sig), KeyErrc::BadSignature,
                "");
  require_error(verify(Scheme::Ed25519, key(Scheme::Ed25519, 8).public_key(), kMessage, sig),
                KeyErrc::BadSignature, "");
  require_error(verify(Scheme::Ed25519, Bytes(31, 1), kMessage, sig), KeyErrc::InvalidPublicKey,
                "got 31");
  require_error(verify(Scheme::Ed25519, k.public_key(), kMessage, Bytes(65, 0)),
                KeyErrc::MalformedSignature, "got 65");
}

TEST_CASE("ed25519: the identity key with a trivial signature is rejected", "[keys]") {
  // With A = R = identity and S = 0, [S]B == R + [h]A holds for every message; libsodium
  // refuses small-order keys, so this must not verify.
  Bytes identity(32, 0);
  identity[0] = 1;
  Bytes sig(64, 0);
  sig[0] = 1;
  require_error(verify(Scheme::Ed25519, identity, kMessage, sig), KeyErrc::BadSignature, "");
}

TEST_CASE("ecdsa: sign then verify round-trips, by key and by account", "[keys]") {
  KeyPair k = key(Scheme::Ecdsa);
  Bytes sig = k.sign(kMessage).value();
  REQUIRE(sig.size() == kEcdsaSignatureSize);
  REQUIRE(sig[64] <= 1);
  REQUIRE(verify(Scheme::Ecdsa, k.public_key(), kMessage, sig).ok());
  REQUIRE(verify_for_account(Scheme::Ecdsa, k.account_id(), kMessage, sig).ok());
  require_error(
      verify_for_account(Scheme::Ecdsa, key(Scheme::Ecdsa, 8).account_id(), kMessage, sig),
      KeyErrc::BadSignature, "is not of account");
}

TEST_CASE("ecdsa: signing is deterministic", "[keys]") {
  KeyPair k = key(Scheme::Ecdsa);
  REQUIRE(k.sign(kMessage).value() == k.sign(kMessage).value());
  REQUIRE(key(Scheme::Ecdsa).sign(kMessage).value() == k.sign(kMessage).value());
  REQUIRE(k.sign(kMessage).value() != k.sign(as_bytes("other")).value());
}

TEST_CASE("ecdsa: tampered message, signature or key is rejected", "[keys]") {
  KeyPair k = key(Scheme::Ecdsa);
  Bytes sig = k.sign(kMessage).value();
  Bytes msg = kMessage;
  msg.push_back(0);
  require_error(verify(Scheme::Ecdsa, k.public_key(), msg, sig), KeyErrc::BadSignature,
                "recovered public key");
  Bytes flipped_v = sig;
  flipped_v[64] ^= 1;
  require_error(verify(Scheme::Ecdsa, k.public_key(), kMessage, flipped_v), KeyErrc::BadSignature,
                "");
  Bytes bad_r = sig;
  bad_r[5] ^= 4;
  REQUIRE_FALSE(verify(Scheme::Ecdsa, k.public_key(), kMessage, bad_r).ok());
  require_error(verify(Scheme::Ecdsa, key(Scheme::Ecdsa, 9).public_key(), kMessage, sig),
                KeyErrc::BadSignature, "not the expected one");
}

TEST_CASE("ecdsa: high-S signature is rejected even though it would recover", "[keys]") {
  KeyPair k = key(Scheme::Ecdsa);
  Bytes sig = k.sign(kMessage).value();
  // (r, n - s, v ^ 1) is the same signature with S mirrored: mathematically valid.
  Bytes high = sig;
  Bytes s_high = sub256(kOrder, ByteSpan(sig).subspan(32, 32));
  std::copy(s_high.begin(), s_high.end(), high.begin() + 32);
  high[64] ^= 1;
  require_error(verify(Scheme::Ecdsa, k.public_key(), kMessage, high), KeyErrc::MalformedSignature,
                "high S");
}

TEST_CASE("ecdsa: malformed signatures are rejected with the reason", "[keys]") {
  KeyPair k = key(Scheme::Ecdsa);
  Bytes sig = k.sign(kMessage).value();
  for (int v : {4, 27, 28, 255}) {
    Bytes bad = sig;
    bad[64] = static_cast<std::uint8_t>(v);
    require_error(verify(Scheme::Ecdsa, k.public_key(), kMessage, bad), KeyErrc::MalformedSignature,
                  "v = " + std::to_string(v));
  }
  Bytes r_overflow = sig;
  std::copy(kOrder.begin(), kOrder.end(), r_overflow.begin());
  require_error(verify(Scheme::Ecdsa, k.public_key(), kMessage, r_overflow),
                KeyErrc::MalformedSignature, "not below the group order");
  require_error(verify(Scheme::Ecdsa, k.public_key(), kMessage, Bytes(64, 1)),
                KeyErrc::MalformedSignature, "got 64");
  Bytes zero_r = sig;
  std::fill(zero_r.begin(), zero_r.begin() + 32, 0);
  require_error(verify(Scheme::Ecdsa, k.public_key(), kMessage, zero_r), KeyErrc::BadSignature,
                "no ecdsa public key can be recovered");
}

TEST_CASE("ecdsa: invalid public keys are rejected", "[keys]") {
  KeyPair k = key(Scheme::Ecdsa);
  Bytes sig = k.sign(kMessage).value();
  Bytes pk = k.public_key();
  require_error(verify(Scheme::Ecdsa, ByteSpan(pk).first(32), kMessage, sig),
                KeyErrc::InvalidPublicKey, "got 32");
  Bytes uncompressed_tag = pk;
  uncompressed_tag[0] = 0x04;
  require_error(verify(Scheme::Ecdsa, uncompressed_tag, kMessage, sig), KeyErrc::InvalidPublicKey,
                "0x02 or 0x03");
  // x = p (the field prime) is not a field element.
  Bytes x_is_p = hex("02fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f");
  require_error(verify(Scheme::Ecdsa, x_is_p, kMessage, sig), KeyErrc::InvalidPublicKey,
                "not a point");
}

TEST_CASE("multisignature: tag 0 for ed25519, 2 for ecdsa, no length prefix", "[keys]") {
  KeyPair ed = key(Scheme::Ed25519);
  Bytes ms = ed.multisignature(kMessage).value();
  REQUIRE(ms.size() == 1 + kEd25519SignatureSize);
  REQUIRE(ms[0] == 0);
  REQUIRE(Bytes(ms.begin() + 1, ms.end()) == ed.sign(kMessage).value());
  KeyPair ec = key(Scheme::Ecdsa);
  ms = ec.multisignature(kMessage).value();
  REQUIRE(ms.size() == 1 + kEcdsaSignatureSize);
  REQUIRE(ms[0] == 2);
  REQUIRE(Bytes(ms.begin() + 1, ms.end()) == ec.sign(kMessage).value());
}

TEST_CASE("multisignature: rejects a signature of the wrong length for the scheme", "[keys]") {
  require_error(encode_multisignature(Scheme::Ed25519, Bytes(65, 0)), KeyErrc::MalformedSignature,
                "got 65");
  require_error(encode_multisignature(Scheme::Ecdsa, Bytes(64, 0)), KeyErrc::MalformedSignature,
                "got 64");
}

TEST_CASE("generate: fresh keys differ and sign/verify", "[keys]") {
  for (Scheme s : {Scheme::Ed25519, Scheme::Ecdsa}) {
    KeyPair a = KeyPair::generate(s).value();
    KeyPair b = KeyPair::generate(s).value();
    REQUIRE(a.public_key() != b.public_key());
    REQUIRE_FALSE(a.seed() == b.seed());
    REQUIRE(verify(s, a.public_key(), kMessage, a.sign(kMessage).value()).ok());
    // The seed reproduces the key.
    REQUIRE(KeyPair::from_seed(s, a.seed().view()).value().public_key() == a.public_key());
  }
}

TEST_CASE("errors: carry the keys domain and a readable message", "[keys]") {
  auto r = KeyPair::from_seed(Scheme::Ed25519, Bytes(3, 0));
  REQUIRE(r.error().domain == "keys");
  REQUIRE(r.error().to_string() == "keys: invalid seed: seed must be 32 bytes, got 3");
}

}  // namespace ev::chain
