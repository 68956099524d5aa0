// ed25519 and ecdsa sign/verify: our KeyPair / verify vs the raw libsodium / libsecp256k1 calls
// doing the same work (ecdsa: blake2_256 prehash, recoverable signature, verify by recovery).
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"

namespace {

using ev::chain::KeyPair;
using ev::chain::Scheme;

const ev::Bytes kMessage(128, 0x5a);
const ev::ByteArray<32> kSeed = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

KeyPair pair(Scheme s) { return KeyPair::from_seed(s, kSeed).value(); }

secp256k1_context* raw_ctx() {
  static secp256k1_context* ctx =
      secp256k1_context_create(SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY);
  return ctx;
}

void BM_ed25519_sign_ours(benchmark::State& st) {
  auto kp = pair(Scheme::Ed25519);
  for (auto _ : st) benchmark::DoNotOptimize(kp.sign(kMessage));
}

void BM_ed25519_sign_raw(benchmark::State& st) {
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_seed_keypair(pk, sk, kSeed.data());
  for (auto _ : st) {
    crypto_sign_detached(sig, nullptr, kMessage.data(), kMessage.size(), sk);
    benchmark::DoNotOptimize(sig);
  }
}

void BM_ed25519_verify_ours(benchmark::State& st) {
  auto kp = pair(Scheme::Ed25519);
  auto sig = kp.sign(kMessage).value();
  auto pk = kp.public_key();
  for (auto _ : st) benchmark::DoNotOptimize(ev::chain::verify(Scheme::Ed25519, pk, kMessage, sig));
}

void BM_ed25519_verify_raw(benchmark::State& st) {
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_seed_keypair(pk, sk, kSeed.data());
  crypto_sign_detached(sig, nullptr, kMessage.data(), kMessage.size(), sk);
  for (auto _ : st) {
    benchmark::DoNotOptimize(
        crypto_sign_verify_detached(sig, kMessage.data(), kMessage.size(), pk));
  }
}

void BM_ecdsa_sign_ours(benchmark::State& st) {
  auto kp = pair(Scheme::Ecdsa);
  for (auto _ : st) benchmark::DoNotOptimize(kp.sign(kMessage));
}

void BM_ecdsa_sign_raw(benchmark::State& st) {
  secp256k1_ecdsa_recoverable_signature sig;
  unsigned char out[65];
  int recid = 0;
  for (auto _ : st) {
    auto h = ev::chain::blake2_256(kMessage);
    secp256k1_ecdsa_sign_recoverable(raw_ctx(), &sig, h.data(), kSeed.data(), nullptr, nullptr);
    secp256k1_ecdsa_recoverable_signature_serialize_compact(raw_ctx(), out, &recid, &sig);
    out[64] = static_cast<unsigned char>(recid);
    benchmark::DoNotOptimize(out);
  }
}

void BM_ecdsa_verify_ours(benchmark::State& st) {
  auto kp = pair(Scheme::Ecdsa);
  auto sig = kp.sign(kMessage).value();
  auto pk = kp.public_key();
  for (auto _ : st) benchmark::DoNotOptimize(ev::chain::verify(Scheme::Ecdsa, pk, kMessage, sig));
}

// Recover the key from the signature and compare it with the expected compressed key.
void BM_ecdsa_verify_raw(benchmark::State& st) {
  auto kp = pair(Scheme::Ecdsa);
  auto sig = kp.sign(kMessage).value();
  auto expected = kp.public_key();
  for (auto _ : st) {
    auto h = ev::chain::blake2_256(kMessage);
    secp256k1_ecdsa_recoverable_signature rs;
    secp256k1_pubkey pub;
    unsigned char ser[33];
    size_t len = sizeof ser;
    bool good =
        secp256k1_ecdsa_recoverable_signature_parse_compact(raw_ctx(), &rs, sig.data(), sig[64]) ==
            1 &&
        secp256k1_ecdsa_recover(raw_ctx(), &pub, &rs, h.data()) == 1 &&
        secp256k1_ec_pubkey_serialize(raw_ctx(), ser, &len, &pub, SECP256K1_EC_COMPRESSED) == 1 &&
        std::equal(ser, ser + 33, expected.begin());
    benchmark::DoNotOptimize(good);
  }
}

}  // namespace

BENCHMARK(BM_ed25519_sign_ours);
BENCHMARK(BM_ed25519_sign_raw);
BENCHMARK(BM_ed25519_verify_ours);
BENCHMARK(BM_ed25519_verify_raw);
BENCHMARK(BM_ecdsa_sign_ours);
BENCHMARK(BM_ecdsa_sign_raw);
BENCHMARK(BM_ecdsa_verify_ours);
BENCHMARK(BM_ecdsa_verify_raw);
