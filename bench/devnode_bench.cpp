// Signed transactions validated and included per second by the dev node vs the raw signature
// verification rate of the same transactions, in the same run. Argument: transactions per block.
//
// ours: signed System.remark_with_event extrinsics from one dev account (//Alice of the scheme),
// immortal, distinct consecutive nonces, built before the timed loop, are submitted to an
// in-process Node (manual seal, in-memory chain store). One iteration = submit <argument>
// transactions + seal one block. After the loop every block is read back and must hold exactly
// <argument> extrinsics, and the account nonce must have advanced by the number submitted, so
// only included transactions are counted.
//
// raw: one iteration = <argument> ev::chain::verify_for_account calls over the exact signing
// payloads and signatures of the same transactions (what validation must do at least).
//
// items/s = transactions.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ev/chain/extrinsic.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/scale.hpp"
#include "ev/devnode/node.hpp"

namespace {

using ev::chain::Scheme;

constexpr std::size_t kMaxPerBlock = 256;  // the argument: transactions per block, up to this
constexpr std::size_t kBlocks = 16;        // iterations per run: one block each
constexpr std::size_t kRemarkSize = 32;

template <class T>
T must(ev::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "devnode_bench: %s: %s\n", what, r.error().to_string().c_str());
    std::abort();
  }
  return std::move(r).value();
}

ev::devnode::NodeConfig node_config(std::size_t per_block) {
  ev::devnode::NodeConfig cfg;
  cfg.dev = true;
  cfg.manual_seal = true;
  cfg.max_pool = per_block * 2;
  cfg.max_block_extrinsics = per_block;
  return cfg;
}

// The transactions of one scheme, for one genesis hash (the dev genesis is deterministic).
struct Workload {
  ev::chain::AccountId32 account{};
  std::vector<ev::Bytes> extrinsics;  // nonce i at index i
  std::vector<ev::Bytes> payloads;    // what each signature covers
  std::vector<ev::Bytes> signatures;  // without the MultiSignature tag
};

const Workload& workload(Scheme scheme, const ev::devnode::Node& node) {
  static std::map<std::pair<Scheme, ev::ByteArray<32>>, Workload> cache;
  const auto key = std::make_pair(scheme, node.genesis_hash());
  if (auto it = cache.find(key); it != cache.end()) return it->second;

  const auto pair = must(ev::chain::from_suri(scheme, "//Alice"), "key //Alice");
  const auto& rt = node.runtime();
  const auto& format = rt.format();
  const ev::chain::ChainIdentity id{rt.version().spec_version, rt.version().transaction_version,
                                    node.genesis_hash()};
  Workload w;
  w.account = pair.account_id();
  const std::size_t total = kBlocks * kMaxPerBlock;
  for (std::size_t i = 0; i < total; ++i) {
    ev::scale::Encoder call;
    call.u8(ev::devnode::kSystemIndex).u8(7);  // System.remark_with_event
    ev::Bytes remark(kRemarkSize, static_cast<std::uint8_t>(i));
    call.bytes(remark);
    ev::chain::TxOptions opts;
    opts.immortal = true;
    opts.nonce = i;
    auto xt = must(format.build_signed(pair, call.data(), id, opts), "build_signed");
    const auto decoded = must(format.decode(xt), "decode");
    w.payloads.push_back(must(format.signing_payload_of(decoded, id, id.genesis_hash), "payload"));
    w.signatures.push_back(decoded.signer->signature);
    w.extrinsics.push_back(std::move(xt));
  }
  return cache.emplace(key, std::move(w)).first->second;
}

void include_ours(benchmark::State& st, Scheme scheme) {
  const auto per_block = static_cast<std::size_t>(st.range(0));
  auto node = must(ev::devnode::Node::open(node_config(per_block)), "Node::open");
  const Workload& w = workload(scheme, *node);
  std::vector<ev::devnode::BlockRef> sealed;
  sealed.reserve(kBlocks);
  std::size_t next = 0;
  std::chrono::steady_clock::duration submit_time{}, seal_time{};
  for (auto _ : st) {
    if (next + per_block > w.extrinsics.size()) {
      st.SkipWithError("more iterations than pre-built transactions");
      break;
    }
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < per_block; ++i, ++next) {
      const auto out = node->submit(w.extrinsics[next]);
      if (const auto* err = std::get_if<ev::devnode::RpcError>(&out)) {
        st.SkipWithError(("submit: " + err->message).c_str());
        return;
      }
    }
    const auto t1 = std::chrono::steady_clock::now();
    auto block = node->seal();
    seal_time += std::chrono::steady_clock::now() - t1;
    submit_time += t1 - t0;
    if (!block.ok() || !block->has_value()) {
      st.SkipWithError("seal produced no block");
      return;
    }
    sealed.push_back(**block);
  }
  // Every sealed block holds exactly per_block of our transactions, and the nonce moved on.
  for (const auto& ref : sealed) {
    const auto stored = must(node->store().block(ref.hash), "reading a sealed block");
    if (!stored || stored->extrinsics.size() != per_block) {
      st.SkipWithError("a sealed block does not hold every submitted transaction");
      return;
    }
  }
  if (node->next_index(w.account) != next || node->pool_size().first != 0) {
    st.SkipWithError("account nonce does not match the included transactions");
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(next));
  // Where the time goes: wall-clock microseconds per transaction in submit() and in seal().
  const auto us = [next](std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double, std::micro>(d).count() / static_cast<double>(next);
  };
  st.counters["submit_us"] = us(submit_time);
  st.counters["seal_us"] = us(seal_time);
}

void include_raw(benchmark::State& st, Scheme scheme) {
  const auto per_block = static_cast<std::size_t>(st.range(0));
  auto node = must(ev::devnode::Node::open(node_config(per_block)), "Node::open");
  const Workload& w = workload(scheme, *node);
  std::size_t next = 0;
  for (auto _ : st) {
    for (std::size_t i = 0; i < per_block; ++i, ++next) {
      const std::size_t k = next % w.payloads.size();
      auto r = ev::chain::verify_for_account(scheme, w.account, w.payloads[k], w.signatures[k]);
      if (!r.ok()) {
        st.SkipWithError(r.error().to_string().c_str());
        return;
      }
      benchmark::DoNotOptimize(r);
    }
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(next));
}

void BM_devnode_include_ed25519_ours(benchmark::State& st) { include_ours(st, Scheme::Ed25519); }
void BM_devnode_include_ed25519_raw(benchmark::State& st) { include_raw(st, Scheme::Ed25519); }
void BM_devnode_include_ecdsa_ours(benchmark::State& st) { include_ours(st, Scheme::Ecdsa); }
void BM_devnode_include_ecdsa_raw(benchmark::State& st) { include_raw(st, Scheme::Ecdsa); }

}  // namespace

BENCHMARK(BM_devnode_include_ed25519_ours)
    ->Arg(32)
    ->Arg(256)
    ->Iterations(kBlocks)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_devnode_include_ed25519_raw)
    ->Arg(32)
    ->Arg(256)
    ->Iterations(kBlocks)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_devnode_include_ecdsa_ours)
    ->Arg(32)
    ->Arg(256)
    ->Iterations(kBlocks)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_devnode_include_ecdsa_raw)
    ->Arg(32)
    ->Arg(256)
    ->Iterations(kBlocks)
    ->Unit(benchmark::kMillisecond);
