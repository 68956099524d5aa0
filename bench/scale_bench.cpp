// SCALE: our generic codec vs hand-written, type-specific code doing the same bytes (the
// "raw" reference: no generic dispatch, no per-field error context). Compact integers across
// all modes, and a Vec of 1,000 structs.
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>

#include "ev/chain/scale.hpp"

namespace {

struct Row {
  std::uint32_t id;
  std::uint64_t amount;
  ev::scale::Compact<std::uint64_t> nonce;
  bool flag;
  ev::ByteArray<32> account;
  EV_SCALE_FIELDS(id, amount, nonce, flag, account)
};

std::vector<std::uint64_t> compact_values() {
  std::mt19937_64 rng(42);
  std::vector<std::uint64_t> v(1000);
  for (auto& x : v) x = rng() >> (rng() % 64);  // every width, so every compact mode
  return v;
}

std::vector<Row> rows() {
  std::mt19937_64 rng(7);
  std::vector<Row> v(1000);
  for (auto& r : v) {
    r.id = static_cast<std::uint32_t>(rng());
    r.amount = rng();
    r.nonce.value = rng() >> (rng() % 64);
    r.flag = (rng() & 1) != 0;
    for (auto& b : r.account) b = static_cast<std::uint8_t>(rng());
  }
  return v;
}

// ---- hand-written reference codec ----
// Little-endian host: the low n bytes of v, appended with one memcpy.
void raw_le(ev::Bytes& out, std::uint64_t v, int n) {
  const std::size_t at = out.size();
  out.resize(at + static_cast<std::size_t>(n));
  std::memcpy(out.data() + at, &v, static_cast<std::size_t>(n));
}

void raw_compact(ev::Bytes& out, std::uint64_t v) {
  if (v < 64) {
    out.push_back(static_cast<std::uint8_t>(v << 2));
  } else if (v < (1u << 14)) {
    raw_le(out, (v << 2) | 1, 2);
  } else if (v < (1u << 30)) {
    raw_le(out, (v << 2) | 2, 4);
  } else {
    int n = 8 - __builtin_clzll(v) / 8;
    out.push_back(static_cast<std::uint8_t>(((n - 4) << 2) | 3));
    raw_le(out, v, n);
  }
}

bool raw_read_compact(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t& v) {
  if (p >= end) return false;
  std::uint8_t b0 = *p;
  switch (b0 & 3) {
    case 0:
      v = b0 >> 2;
      p += 1;
      return true;
    case 1:
      if (end - p < 2) return false;
      v = (b0 | (std::uint64_t{p[1]} << 8)) >> 2;
      p += 2;
      return v > 63;
    case 2: {
      if (end - p < 4) return false;
      std::uint32_t x;
      std::memcpy(&x, p, 4);
      v = x >> 2;
      p += 4;
      return v > 16383;
    }
    default: {
      int n = (b0 >> 2) + 4;
      if (n > 8 || end - p < n + 1) return false;
      v = 0;
      for (int i = 0; i < n; ++i) v |= std::uint64_t{p[1 + i]} << (8 * i);
      p += n + 1;
      return p[-1] != 0 && v >= (1u << 30);
    }
  }
}

void BM_compact_encode_ours(benchmark::State& st) {
  auto values = compact_values();
  for (auto _ : st) {
    ev::scale::Encoder e;
    for (auto v : values) e.compact(v);
    benchmark::DoNotOptimize(e.data().data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * values.size()));
}

void BM_compact_encode_raw(benchmark::State& st) {
  auto values = compact_values();
  for (auto _ : st) {
    ev::Bytes out;
    for (auto v : values) raw_compact(out, v);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * values.size()));
}

ev::Bytes encoded_compacts() {
  ev::Bytes out;
  for (auto v : compact_values()) raw_compact(out, v);
  return out;
}

void BM_compact_decode_ours(benchmark::State& st) {
  auto in = encoded_compacts();
  for (auto _ : st) {
    ev::scale::Decoder d(in);
    std::uint64_t sum = 0;
    while (!d.empty()) sum += d.compact_as<std::uint64_t>().value();
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * 1000));
}

void BM_compact_decode_raw(benchmark::State& st) {
  auto in = encoded_compacts();
  for (auto _ : st) {
    const std::uint8_t* p = in.data();
    const std::uint8_t* end = p + in.size();
    std::uint64_t sum = 0;
    std::uint64_t v = 0;
    while (p < end) {
      if (!raw_read_compact(p, end, v)) st.SkipWithError("bad compact");
      sum += v;
    }
    benchmark::DoNotOptimize(sum);
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * 1000));
}

void BM_vec1000_encode_ours(benchmark::State& st) {
  auto v = rows();
  for (auto _ : st) benchmark::DoNotOptimize(ev::scale::encode(v));
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * v.size()));
}

ev::Bytes raw_encode_rows(const std::vector<Row>& v) {
  ev::Bytes out;
  raw_compact(out, v.size());
  for (const auto& r : v) {
    raw_le(out, r.id, 4);
    raw_le(out, r.amount, 8);
    raw_compact(out, r.nonce.value);
    out.push_back(r.flag ? 1 : 0);
    out.insert(out.end(), r.account.begin(), r.account.end());
  }
  return out;
}

void BM_vec1000_encode_raw(benchmark::State& st) {
  auto v = rows();
  for (auto _ : st) benchmark::DoNotOptimize(raw_encode_rows(v));
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * v.size()));
}

void BM_vec1000_decode_ours(benchmark::State& st) {
  auto in = ev::scale::encode(rows());
  for (auto _ : st) benchmark::DoNotOptimize(ev::scale::decode_all<std::vector<Row>>(in).value());
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * 1000));
}

void BM_vec1000_decode_raw(benchmark::State& st) {
  auto in = raw_encode_rows(rows());
  for (auto _ : st) {
    const std::uint8_t* p = in.data();
    const std::uint8_t* end = p + in.size();
    std::uint64_t n = 0;
    if (!raw_read_compact(p, end, n) || n > in.size()) st.SkipWithError("bad length");
    std::vector<Row> out(n);
    for (auto& r : out) {
      if (end - p < 12) st.SkipWithError("short");
      std::memcpy(&r.id, p, 4);
      std::memcpy(&r.amount, p + 4, 8);
      p += 12;
      if (!raw_read_compact(p, end, r.nonce.value) || end - p < 33 || *p > 1) {
        st.SkipWithError("bad row");
      }
      r.flag = *p++ != 0;
      std::memcpy(r.account.data(), p, 32);
      p += 32;
    }
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * 1000));
}

}  // namespace

BENCHMARK(BM_compact_encode_ours);
BENCHMARK(BM_compact_encode_raw);
BENCHMARK(BM_compact_decode_ours);
BENCHMARK(BM_compact_decode_raw);
BENCHMARK(BM_vec1000_encode_ours);
BENCHMARK(BM_vec1000_encode_raw);
BENCHMARK(BM_vec1000_decode_ours);
BENCHMARK(BM_vec1000_decode_raw);
