// Envelope throughput: re-encryption (decrypt + encrypt, the sweep's inner loop) and a single
// seal, against raw single-pass AES-256-GCM through EVP the way `openssl speed -evp` drives it
// (one context, EVP_EncryptUpdate over the same buffer). bench/enclave_bench.sh also runs
// `openssl speed -evp aes-256-gcm` at the same sizes and prints the ratios.
#include <benchmark/benchmark.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "ev/enclave/envelope.hpp"

using namespace ev;
using namespace ev::enclave;

namespace {

Dek dek_of(std::uint8_t b) {
  Dek d;
  for (auto& x : d.key.mut()) x = b;
  d.id.fill(b);
  return d;
}

BlobContext ctx_at(std::uint32_t epoch) {
  BlobContext c;
  c.wallet.fill(0x22);
  c.service = "github";
  c.epoch = epoch;
  c.blob_id.fill(0x33);
  return c;
}

void fail(benchmark::State& state, const Error& e) { state.SkipWithError(e.message.c_str()); }

// The sweep's inner loop: one DekCipher per DEK for the batch, re-encryption per blob.
void BM_enclave_reencrypt(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  SystemRng rng;
  const Dek a = dek_of(1), b = dek_of(2);
  const BlobContext ca = ctx_at(1), cb = ctx_at(2);
  auto obj = seal_blob(a, ca, Bytes(size, 0x5a), rng);
  if (!obj.ok()) return fail(state, obj.error());
  DekCipher from(a), to(b);
  for (auto _ : state) {
    auto moved = reencrypt(from, ca, to, cb, *obj, rng);
    if (!moved.ok()) return fail(state, moved.error());
    benchmark::DoNotOptimize(moved->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

// One blob on its own (a lazy re-encryption on read): both DEKs keyed for this blob only.
void BM_enclave_reencrypt_oneshot(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  SystemRng rng;
  const Dek a = dek_of(1), b = dek_of(2);
  const BlobContext ca = ctx_at(1), cb = ctx_at(2);
  auto obj = seal_blob(a, ca, Bytes(size, 0x5a), rng);
  if (!obj.ok()) return fail(state, obj.error());
  for (auto _ : state) {
    auto moved = reencrypt(a, ca, b, cb, *obj, rng);
    if (!moved.ok()) return fail(state, moved.error());
    benchmark::DoNotOptimize(moved->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

void BM_enclave_seal(benchmark::State& state) {
  const auto size = static_cast<std::size_t>(state.range(0));
  SystemRng rng;
  const Dek a = dek_of(1);
  const BlobContext ca = ctx_at(1);
  const Bytes pt(size, 0x5a);
  DekCipher cipher(a);
  for (auto _ : state) {
    auto obj = cipher.seal(ca, pt, rng);
    if (!obj.ok()) return fail(state, obj.error());
    benchmark::DoNotOptimize(obj->data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
}

// What `openssl speed -evp aes-256-gcm -bytes N` measures: EVP_EncryptUpdate of N bytes on one
// keyed context, no per-message nonce, AAD or tag.
void BM_gcm_evp_raw(benchmark::State& state) {
  const auto size = static_cast<int>(state.range(0));
  unsigned char key[32] = {1};
  unsigned char iv[12] = {2};
  Bytes buf(static_cast<std::size_t>(size), 0x5a);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr || EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key, iv) != 1) {
    std::abort();
  }
  for (auto _ : state) {
    int outl = 0;
    if (EVP_EncryptUpdate(ctx, buf.data(), &outl, buf.data(), size) != 1) std::abort();
    benchmark::DoNotOptimize(buf.data());
  }
  EVP_CIPHER_CTX_free(ctx);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * size);
}

}  // namespace

BENCHMARK(BM_enclave_reencrypt)->Arg(256)->Arg(4096)->Arg(65536);
BENCHMARK(BM_enclave_reencrypt_oneshot)->Arg(256)->Arg(4096)->Arg(65536);
BENCHMARK(BM_enclave_seal)->Arg(256)->Arg(4096)->Arg(65536);
BENCHMARK(BM_gcm_evp_raw)->Arg(256)->Arg(4096)->Arg(65536);
