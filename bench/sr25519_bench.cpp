// sr25519 sign/verify (ours: schnorrkel on libsodium's ristretto255) against libsodium's ed25519
// in the same run; bench/sr25519_bench.sh adds polkadot-js's wasm sr25519 (schnorrkel) in the
// same run and prints the ratios recorded in docs/benchmarks.md.
#include <benchmark/benchmark.h>
#include <sodium.h>

#include "ev/chain/keys.hpp"

namespace {

using ev::chain::KeyPair;
using ev::chain::Scheme;

const ev::Bytes kMessage(128, 0x5a);
const ev::ByteArray<32> kSeed = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

void BM_sr25519_sign(benchmark::State& st) {
  const auto kp = KeyPair::from_seed(Scheme::Sr25519, kSeed).value();
  for (auto _ : st) benchmark::DoNotOptimize(kp.sign(kMessage));
}

void BM_sr25519_verify(benchmark::State& st) {
  const auto kp = KeyPair::from_seed(Scheme::Sr25519, kSeed).value();
  const auto sig = kp.sign(kMessage).value();
  const auto pk = kp.public_key();
  for (auto _ : st) {
    auto r = ev::chain::verify(Scheme::Sr25519, pk, kMessage, sig);
    if (!r.ok()) st.SkipWithError("sr25519 signature does not verify");
    benchmark::DoNotOptimize(r);
  }
}

void BM_ed25519_sign_libsodium(benchmark::State& st) {
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_seed_keypair(pk, sk, kSeed.data());
  for (auto _ : st) {
    crypto_sign_detached(sig, nullptr, kMessage.data(), kMessage.size(), sk);
    benchmark::DoNotOptimize(sig);
  }
}

void BM_ed25519_verify_libsodium(benchmark::State& st) {
  unsigned char pk[32], sk[64], sig[64];
  crypto_sign_seed_keypair(pk, sk, kSeed.data());
  crypto_sign_detached(sig, nullptr, kMessage.data(), kMessage.size(), sk);
  for (auto _ : st) {
    benchmark::DoNotOptimize(
        crypto_sign_verify_detached(sig, kMessage.data(), kMessage.size(), pk));
  }
}

}  // namespace

BENCHMARK(BM_sr25519_sign);
BENCHMARK(BM_ed25519_sign_libsodium);
BENCHMARK(BM_sr25519_verify);
BENCHMARK(BM_ed25519_verify_libsodium);
