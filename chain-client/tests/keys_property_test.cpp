// Properties of sign/verify over random seeds and messages (fixed PRNG seed: reproducible).
#include <catch2/catch.hpp>

#include <random>

#include "ev/chain/keys.hpp"

namespace ev::chain {
namespace {

constexpr int kIterations = 2000;

Bytes random_bytes(std::mt19937_64& rng, std::size_t n) {
  Bytes out(n);
  for (auto& b : out) b = static_cast<std::uint8_t>(rng());
  return out;
}

// The upper half of the secp256k1 order, (n - 1) / 2, big-endian.
const Bytes kHalfOrder =
    from_hex("7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0").value();

bool low_s(ByteSpan sig) {
  ByteSpan s = sig.subspan(32, 32);
  return !std::lexicographical_compare(kHalfOrder.begin(), kHalfOrder.end(), s.begin(), s.end());
}

void check_scheme(Scheme scheme, std::uint64_t prng_seed) {
  std::mt19937_64 rng(prng_seed);
  for (int i = 0; i < kIterations; ++i) {
    auto pair = KeyPair::from_seed(scheme, random_bytes(rng, kSeedSize));
    REQUIRE(pair.ok());  // a random ecdsa seed is invalid with probability ~2^-128
    Bytes msg = random_bytes(rng, rng() % 300);
    Bytes sig = pair->sign(msg).value();
    INFO("iteration " << i);
    REQUIRE(verify(scheme, pair->public_key(), msg, sig).ok());
    REQUIRE(verify_for_account(scheme, pair->account_id(), msg, sig).ok());
    REQUIRE(sig == pair->sign(msg).value());
    if (scheme == Scheme::Ecdsa) {
      REQUIRE(sig[64] <= 1);
      REQUIRE(low_s(sig));
    }
    // Any single flipped bit of the message or the signature is rejected.
    Bytes bad_msg = msg.empty() ? Bytes{0} : msg;
    bad_msg[rng() % bad_msg.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    REQUIRE_FALSE(verify(scheme, pair->public_key(), bad_msg, sig).ok());
    Bytes bad_sig = sig;
    bad_sig[rng() % bad_sig.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    REQUIRE_FALSE(verify(scheme, pair->public_key(), msg, bad_sig).ok());
  }
}

}  // namespace

TEST_CASE("property: ed25519 sign/verify over random seeds and messages", "[keys][property]") {
  check_scheme(Scheme::Ed25519, 0xed25519);
}

TEST_CASE("property: ecdsa sign/verify over random seeds and messages", "[keys][property]") {
  check_scheme(Scheme::Ecdsa, 0x5ec9256b1);
}

TEST_CASE("property: derived keys differ per junction and round-trip", "[suri][property]") {
  std::mt19937_64 rng(42);
  for (Scheme scheme : {Scheme::Ed25519, Scheme::Ecdsa}) {
    for (int i = 0; i < 100; ++i) {
      std::string seed_hex = to_hex(random_bytes(rng, kSeedSize));
      std::string junction = std::to_string(rng() % 1000) + "x";
      KeyPair root = from_suri(scheme, seed_hex).value();
      KeyPair child = from_suri(scheme, seed_hex + "//" + junction).value();
      REQUIRE(child.public_key() != root.public_key());
      Bytes msg = random_bytes(rng, 40);
      REQUIRE(verify(scheme, child.public_key(), msg, child.sign(msg).value()).ok());
    }
  }
}

}  // namespace ev::chain
