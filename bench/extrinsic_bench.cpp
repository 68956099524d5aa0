// Signed extrinsics built per second (extension data, payload, signature, assembly: the whole
// ExtrinsicFormat::build_signed) vs the raw signature of the same signed bytes through libsodium
// / libsecp256k1 alone. Argument: call size in bytes (42: a transfer; 300: a payload above 256
// bytes, hashed before signing).
#include <benchmark/benchmark.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "ev/chain/extrinsic.hpp"
#include "ev/chain/hash.hpp"

namespace {

using ev::chain::ExtrinsicFormat;
using ev::chain::KeyPair;
using ev::chain::Scheme;

const ev::ByteArray<32> kSeed = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

template <class T>
T must(ev::Result<T> r) {
  if (!r.ok()) {
    std::fprintf(stderr, "extrinsic_bench: %s\n", r.error().to_string().c_str());
    std::abort();
  }
  return std::move(r).value();
}

const ExtrinsicFormat& format() {
  static constexpr std::array<std::string_view, 11> kIds = {
      "AuthorizeCall",     "CheckNonZeroSender", "CheckSpecVersion",
      "CheckTxVersion",    "CheckGenesis",       "CheckMortality",
      "CheckNonce",        "CheckWeight",        "ChargeTransactionPayment",
      "CheckMetadataHash", "WeightReclaim"};
  static const ExtrinsicFormat f = must(ExtrinsicFormat::from_identifiers(kIds));
  return f;
}

ev::chain::ChainIdentity identity() {
  ev::chain::ChainIdentity id;
  id.spec_version = 1'003'000;
  id.transaction_version = 26;
  id.genesis_hash.fill(0x91);
  return id;
}

ev::chain::TxOptions options() {
  ev::chain::TxOptions o;
  o.nonce = 7;
  o.birth_number = 42;
  o.birth_hash.fill(0xab);
  return o;
}

ev::Bytes call(benchmark::State& st) {
  return ev::Bytes(static_cast<std::size_t>(st.range(0)), 0x61);
}

// The bytes the key signs for this call: the payload, or its blake2_256 above 256 bytes.
ev::Bytes signed_bytes(const ev::Bytes& c) {
  const auto& f = format();
  return ExtrinsicFormat::signing_payload(c, must(f.encode_extra(options())),
                                          must(f.encode_implicit(identity(), options())));
}

void build_ours(benchmark::State& st, Scheme scheme) {
  const KeyPair key = must(KeyPair::from_seed(scheme, kSeed));
  const ev::Bytes c = call(st);
  const auto id = identity();
  auto opts = options();
  for (auto _ : st) {
    ++opts.nonce;  // a new transaction each time, as a sender does
    auto xt = format().build_signed(key, c, id, opts);
    if (!xt.ok()) st.SkipWithError(xt.error().to_string().c_str());
    benchmark::DoNotOptimize(xt);
  }
}

void BM_xt_build_ed25519_ours(benchmark::State& st) { build_ours(st, Scheme::Ed25519); }
void BM_xt_build_ecdsa_ours(benchmark::State& st) { build_ours(st, Scheme::Ecdsa); }

void BM_xt_build_ed25519_raw(benchmark::State& st) {
  unsigned char pk[32], sk[64], sig[64];
  if (crypto_sign_seed_keypair(pk, sk, kSeed.data()) != 0) st.SkipWithError("keypair");
  const ev::Bytes msg = signed_bytes(call(st));
  for (auto _ : st) {
    if (crypto_sign_detached(sig, nullptr, msg.data(), msg.size(), sk) != 0) {
      st.SkipWithError("sign");
    }
    benchmark::DoNotOptimize(sig);
  }
  sodium_memzero(sk, sizeof sk);
}

void BM_xt_build_ecdsa_raw(benchmark::State& st) {
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_SIGN);
  const ev::Bytes msg = signed_bytes(call(st));
  secp256k1_ecdsa_recoverable_signature sig;
  unsigned char out[65];
  int recid = 0;
  for (auto _ : st) {
    const auto h = ev::chain::blake2_256(msg);  // ecdsa signs blake2_256 of the signed bytes
    if (secp256k1_ecdsa_sign_recoverable(ctx, &sig, h.data(), kSeed.data(), nullptr, nullptr) !=
            1 ||
        secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, out, &recid, &sig) != 1) {
      st.SkipWithError("sign");
    }
    out[64] = static_cast<unsigned char>(recid);
    benchmark::DoNotOptimize(out);
  }
  secp256k1_context_destroy(ctx);
}

}  // namespace

BENCHMARK(BM_xt_build_ed25519_ours)->Arg(42)->Arg(300);
BENCHMARK(BM_xt_build_ed25519_raw)->Arg(42)->Arg(300);
BENCHMARK(BM_xt_build_ecdsa_ours)->Arg(42)->Arg(300);
BENCHMARK(BM_xt_build_ecdsa_raw)->Arg(42)->Arg(300);
