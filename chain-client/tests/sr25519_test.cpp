// sr25519 and what it stands on: Keccak-f[1600] (against OpenSSL's SHA3-256 through a sponge),
// merlin transcripts (merlin's published vectors), signing, verification and its rejections,
// derivation through secret URIs. Known answers from upstream: conformance/sr25519_vectors_test.
#include <openssl/evp.h>
#include <sodium.h>

#include <catch2/catch.hpp>
#include <string>

#include "ev/chain/keys.hpp"
#include "ev/chain/merlin.hpp"
#include "ev/chain/sr25519.hpp"

namespace ev::chain {
namespace {

Bytes hex(std::string_view s) { return from_hex(s).value(); }

template <class T>
void require_error(const Result<T>& r, KeyErrc errc, std::string_view fragment) {
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  REQUIRE(is(r.error(), errc));
  REQUIRE_THAT(r.error().message, Catch::Contains(std::string(fragment)));
}

Bytes random_bytes(std::size_t n) {
  Bytes b(n);
  randombytes_buf(b.data(), b.size());
  return b;
}

// SHA3-256 as a sponge over keccak_f1600: rate 136 bytes, domain padding 0x06 ... 0x80.
Bytes sha3_256_by_sponge(ByteSpan msg) {
  std::array<std::uint8_t, 200> st{};
  constexpr std::size_t kRate = 136;
  std::size_t pos = 0;
  for (std::uint8_t b : msg) {
    st[pos++] ^= b;
    if (pos == kRate) {
      keccak_f1600(st);
      pos = 0;
    }
  }
  st[pos] ^= 0x06;
  st[kRate - 1] ^= 0x80;
  keccak_f1600(st);
  return Bytes(st.begin(), st.begin() + 32);
}

Bytes sha3_256_openssl(ByteSpan msg) {
  Bytes out(32);
  unsigned int len = 0;
  REQUIRE(EVP_Digest(msg.data(), msg.size(), out.data(), &len, EVP_sha3_256(), nullptr) == 1);
  REQUIRE(len == 32);
  return out;
}

const Bytes kMessage = [] {
  ByteSpan s = as_bytes("epochvault");
  return Bytes(s.begin(), s.end());
}();

}  // namespace

TEST_CASE("keccak-f[1600]: SHA3-256 built on it equals OpenSSL's, every length to 3 blocks",
          "[sr25519][keccak]") {
  // FIPS 202 example: SHA3-256("") = a7ffc6f8...
  CHECK(to_hex(sha3_256_by_sponge({})) ==
        "0xa7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a");
  for (std::size_t n = 0; n <= 3 * 136 + 1; ++n) {
    const Bytes msg = random_bytes(n);
    INFO("length " << n);
    REQUIRE(sha3_256_by_sponge(msg) == sha3_256_openssl(msg));
  }
}

TEST_CASE("merlin: the published transcript vectors", "[sr25519][merlin]") {
  MerlinTranscript simple("test protocol");
  simple.append_message("some label", as_bytes("some data"));
  ByteArray<32> c{};
  simple.challenge_bytes("challenge", c);
  CHECK(to_hex(c) == "0xd5a21972d0d5fe320c0d263fac7fffb8145aa640af6e9bca177c03c7efcf0615");

  // Many permutations deep: 1 KiB messages and challenges fed back, 32 rounds.
  MerlinTranscript complex("test protocol");
  complex.append_message("step1", as_bytes("some data"));
  const Bytes data(1024, 99);
  for (int i = 0; i < 32; ++i) {
    complex.challenge_bytes("challenge", c);
    complex.append_message("bigdata", data);
    complex.append_message("challengedata", c);
  }
  CHECK(to_hex(c) == "0xa8c933f54fae76e3f9bea93648c1308e7dfa2152dd51674ff3ca438351cf003c");
}

TEST_CASE("merlin: the transcript RNG depends on transcript, witness and randomness",
          "[sr25519][merlin]") {
  auto draw = [](std::string_view commitment, std::string_view witness, std::uint8_t rnd) {
    MerlinTranscript t("test protocol");
    t.append_message("com", as_bytes(commitment));
    MerlinRng rng = t.build_rng();
    rng.rekey_with_witness("witness", as_bytes(witness));
    std::array<std::uint8_t, 32> r{};
    r.fill(rnd);
    rng.finalize(r);
    ByteArray<32> out{};
    rng.fill(out);
    return out;
  };
  CHECK(draw("c2", "w2", 0) == draw("c2", "w2", 0));
  CHECK(draw("c1", "w1", 0) != draw("c2", "w1", 0));
  CHECK(draw("c2", "w1", 0) != draw("c2", "w2", 0));
  CHECK(draw("c2", "w2", 0) != draw("c2", "w2", 1));
}

TEST_CASE("sr25519: sign and verify random keys and messages; signatures are randomised",
          "[sr25519]") {
  for (int i = 0; i < 20; ++i) {
    const KeyPair pair = KeyPair::generate(Scheme::Sr25519).value();
    REQUIRE(pair.has_seed());
    REQUIRE(pair.public_key().size() == kSr25519PublicKeySize);
    const Bytes msg = random_bytes(static_cast<std::size_t>(i * 37));
    const Bytes a = pair.sign(msg).value();
    const Bytes b = pair.sign(msg).value();
    REQUIRE(a.size() == kSr25519SignatureSize);
    CHECK(a != b);
    CHECK((a[63] & 0x80) != 0);
    CHECK(verify(Scheme::Sr25519, pair.public_key(), msg, a).ok());
    CHECK(verify(Scheme::Sr25519, pair.public_key(), msg, b).ok());
    CHECK(verify_for_account(Scheme::Sr25519, pair.account_id(), msg, a).ok());
    CHECK(pair.account_id() == account_id_of(Scheme::Sr25519, pair.public_key()).value());
    const Bytes multi = pair.multisignature(msg).value();
    REQUIRE(multi.size() == 65);
    CHECK(multi[0] == 1);
    CHECK(verify(Scheme::Sr25519, pair.public_key(), msg, ByteSpan(multi).subspan(1)).ok());
  }
}

TEST_CASE("sr25519: verification rejects, each with its reason", "[sr25519]") {
  const KeyPair pair = from_suri(Scheme::Sr25519, "//Alice").value();
  const Bytes pk = pair.public_key();
  const Bytes sig = pair.sign(kMessage).value();
  REQUIRE(verify(Scheme::Sr25519, pk, kMessage, sig).ok());

  Bytes other_msg = kMessage;
  other_msg[0] ^= 1;
  require_error(verify(Scheme::Sr25519, pk, other_msg, sig), KeyErrc::BadSignature, "does not");
  Bytes flipped_r = sig;
  flipped_r[0] ^= 1;
  require_error(verify(Scheme::Sr25519, pk, kMessage, flipped_r), KeyErrc::BadSignature, "");
  const KeyPair bob = from_suri(Scheme::Sr25519, "//Bob").value();
  require_error(verify(Scheme::Sr25519, bob.public_key(), kMessage, sig), KeyErrc::BadSignature,
                "");
  CHECK_FALSE(sr25519::verify(pk, kMessage, sig, "not substrate").ok());

  Bytes unmarked = sig;
  unmarked[63] &= 0x7f;
  require_error(verify(Scheme::Sr25519, pk, kMessage, unmarked), KeyErrc::MalformedSignature,
                "marker bit");
  // s = l (the group order), marked: not canonical.
  Bytes s_is_l = sig;
  const Bytes l = hex("0xedd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  std::copy(l.begin(), l.end(), s_is_l.begin() + 32);
  s_is_l[63] |= 0x80;
  require_error(verify(Scheme::Sr25519, pk, kMessage, s_is_l), KeyErrc::MalformedSignature,
                "not below the group order");
  require_error(verify(Scheme::Sr25519, pk, kMessage, ByteSpan(sig).first(63)),
                KeyErrc::MalformedSignature, "64 bytes");
  require_error(verify(Scheme::Sr25519, ByteSpan(pk).first(31), kMessage, sig),
                KeyErrc::InvalidPublicKey, "32 bytes");
  require_error(verify(Scheme::Sr25519, Bytes(32, 0xff), kMessage, sig), KeyErrc::InvalidPublicKey,
                "ristretto255");
  // Bit 255 set: not canonical (libsodium 1.0.18 alone would decode it, ignoring the bit).
  Bytes high = pk;
  high[31] |= 0x80;
  require_error(verify(Scheme::Sr25519, high, kMessage, sig), KeyErrc::InvalidPublicKey,
                "ristretto255");
  Bytes identity_high(32, 0);
  identity_high[31] = 0x80;
  require_error(sr25519::derive_soft_public(identity_high, junction_chain_code("x")),
                KeyErrc::InvalidPublicKey, "ristretto255");
  // The identity key with R = identity and s = 0 would satisfy the equation for any message.
  Bytes trivial(64, 0);
  trivial[63] = 0x80;
  require_error(verify(Scheme::Sr25519, Bytes(32, 0), kMessage, trivial), KeyErrc::InvalidPublicKey,
                "identity");
  require_error(encode_multisignature(Scheme::Sr25519, Bytes(65, 1)), KeyErrc::MalformedSignature,
                "64 bytes");
}

TEST_CASE("sr25519: secret URIs with hard and soft junctions and passwords", "[sr25519][suri]") {
  const KeyPair root = from_suri(Scheme::Sr25519, std::string(kDevPhrase)).value();
  const KeyPair alice = from_suri(Scheme::Sr25519, "//Alice").value();
  REQUIRE(alice.has_seed());
  // A hard junction is the schnorrkel hard derivation of the expanded root.
  const Seed derived =
      derive_hard(Scheme::Sr25519, root.seed(), junction_chain_code("Alice")).value();
  CHECK(KeyPair::from_seed(Scheme::Sr25519, derived.view()).value().public_key() ==
        alice.public_key());
  CHECK(alice.seed() == derived);

  // Soft junctions: no seed left (subkey's "n/a"), public key reproducible from the parent's
  // public key alone, and a hard junction after a soft one still has no seed.
  const KeyPair soft = from_suri(Scheme::Sr25519, "//Alice/x").value();
  CHECK_FALSE(soft.has_seed());
  const auto soft_pub =
      sr25519::derive_soft_public(alice.public_key(), junction_chain_code("x")).value();
  CHECK(Bytes(soft_pub.begin(), soft_pub.end()) == soft.public_key());
  CHECK(from_suri(Scheme::Sr25519, "//Alice/x").value().public_key() == soft.public_key());
  CHECK_FALSE(from_suri(Scheme::Sr25519, "//Alice/x//y").value().has_seed());
  const Bytes sig = soft.sign(kMessage).value();
  CHECK(verify(Scheme::Sr25519, soft.public_key(), kMessage, sig).ok());

  // Passwords change the root; in the URI or as an argument, not both.
  const KeyPair pw = from_suri(Scheme::Sr25519, "//Alice///secret").value();
  CHECK(pw.public_key() != alice.public_key());
  CHECK(from_suri(Scheme::Sr25519, "//Alice", "secret").value().public_key() == pw.public_key());
  require_error(from_suri(Scheme::Sr25519, "//Alice///a", "b"), KeyErrc::InvalidSecretUri, "both");
  require_error(from_suri(Scheme::Sr25519, "0x" + std::string(64, '1') + "///pw"),
                KeyErrc::InvalidSecretUri, "0x seed");
  require_error(from_suri(Scheme::Sr25519, "/"), KeyErrc::InvalidSecretUri, "empty soft");

  // The same URI gives different keys per scheme.
  CHECK(from_suri(Scheme::Ed25519, "//Alice").value().public_key() != alice.public_key());
}

TEST_CASE("sr25519: the 64-byte secret export round trips and is checked", "[sr25519]") {
  const KeyPair alice = from_suri(Scheme::Sr25519, "//Alice").value();
  const auto expanded = sr25519::expand_mini_secret(alice.seed());
  const auto exported = sr25519::secret_to_ed25519_bytes(expanded);
  const KeyPair back = KeyPair::from_sr25519_secret(exported.view()).value();
  CHECK(back.public_key() == alice.public_key());
  CHECK_FALSE(back.has_seed());
  Bytes odd(exported.view().begin(), exported.view().end());
  odd[0] |= 1;
  require_error(KeyPair::from_sr25519_secret(odd), KeyErrc::InvalidSeed, "multiple of 8");
  Bytes big(64, 0xff);
  big[0] = 0xf8;
  require_error(KeyPair::from_sr25519_secret(big), KeyErrc::InvalidSeed, "not below l");
  require_error(KeyPair::from_sr25519_secret(Bytes(63, 0)), KeyErrc::InvalidSeed, "64 bytes");
}

}  // namespace ev::chain
