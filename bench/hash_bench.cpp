// blake2_256 and twox128: our wrappers vs the raw libsodium / libxxhash calls.
#include <benchmark/benchmark.h>
#include <sodium.h>
#include <xxhash.h>

#include "ev/chain/hash.hpp"

namespace {

ev::Bytes input(std::size_t n) {
  ev::Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 31 + 7);
  return b;
}

void BM_blake2_256_ours(benchmark::State& st) {
  auto in = input(static_cast<std::size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(ev::chain::blake2_256(in));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * st.range(0));
}

void BM_blake2_256_raw(benchmark::State& st) {
  auto in = input(static_cast<std::size_t>(st.range(0)));
  unsigned char out[32];
  for (auto _ : st) {
    if (crypto_generichash(out, 32, in.data(), in.size(), nullptr, 0) != 0) st.SkipWithError("");
    benchmark::DoNotOptimize(out);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * st.range(0));
}

void BM_twox128_ours(benchmark::State& st) {
  auto in = input(static_cast<std::size_t>(st.range(0)));
  for (auto _ : st) benchmark::DoNotOptimize(ev::chain::twox128(in));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * st.range(0));
}

void BM_twox128_raw(benchmark::State& st) {
  auto in = input(static_cast<std::size_t>(st.range(0)));
  for (auto _ : st) {
    XXH64_hash_t a = XXH64(in.data(), in.size(), 0);
    XXH64_hash_t b = XXH64(in.data(), in.size(), 1);
    benchmark::DoNotOptimize(a);
    benchmark::DoNotOptimize(b);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations()) * st.range(0));
}

}  // namespace

BENCHMARK(BM_blake2_256_ours)->Arg(32)->Arg(1024);
BENCHMARK(BM_blake2_256_raw)->Arg(32)->Arg(1024);
BENCHMARK(BM_twox128_ours)->Arg(32)->Arg(1024);
BENCHMARK(BM_twox128_raw)->Arg(32)->Arg(1024);
