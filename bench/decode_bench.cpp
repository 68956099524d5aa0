// Metadata and event decoding (issue 3 §7), the C++ half of bench/decode_bench.sh; the other
// half is bench/polkadotjs_decode.js doing the same jobs with polkadot-js in the same run.
//   BM_metadata_decode_v15: the real Polkadot v15 metadata bytes -> ev::chain::Metadata.
//   BM_events_decode_10k:   System.Events with 10,000 records (the vectors' three records
//                           repeated in turn) -> ev::chain::decode_events (JSON values).
// The shared vectors folder is $EV_VECTORS_DIR, else ../shared/vectors beside the source tree.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/events.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/chain/scale.hpp"

namespace {

std::filesystem::path vectors_dir() {
  if (const char* env = std::getenv("EV_VECTORS_DIR")) return env;
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "shared" /
         "vectors";
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::string out(static_cast<std::size_t>(in.tellg()), '\0');
  in.seekg(0);
  if (!in.read(out.data(), static_cast<std::streamsize>(out.size()))) {
    throw std::runtime_error("cannot read " + p.string());
  }
  return out;
}

const std::string& metadata_bytes() {
  static const std::string raw = slurp(vectors_dir() / "substrate" / "metadata_polkadot_v15.bin");
  return raw;
}

const ev::chain::Metadata& metadata() {
  static const ev::chain::Metadata md =
      ev::chain::decode_metadata(ev::as_bytes(metadata_bytes())).value();
  return md;
}

// Vec<EventRecord> of n records cycling through the vectors' records.
ev::Bytes events_input(std::size_t n) {
  const auto v = nlohmann::json::parse(slurp(vectors_dir() / "substrate" / "vectors.json"));
  const ev::Bytes raw =
      ev::from_hex(v["events"]["encoded_vec_event_record"].get<std::string>()).value();
  const auto& md = metadata();
  const auto* entry = md.storage("System", "Events").value();
  const std::uint32_t record_type = md.types.at(entry->value_type).element;
  ev::scale::Decoder in(raw);
  const std::size_t count = in.length(1).value();
  std::vector<ev::Bytes> records;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t start = in.pos();
    (void)ev::chain::decode_value(md, record_type, in).value();
    records.emplace_back(raw.begin() + static_cast<std::ptrdiff_t>(start),
                         raw.begin() + static_cast<std::ptrdiff_t>(in.pos()));
  }
  ev::Bytes out;
  ev::scale::append_compact(out, n);
  for (std::size_t i = 0; i < n; ++i) ev::append(out, records[i % records.size()]);
  return out;
}

void BM_metadata_decode_v15(benchmark::State& state) {
  const auto bytes = ev::as_bytes(metadata_bytes());
  for (auto _ : state) {
    auto md = ev::chain::decode_metadata(bytes);
    benchmark::DoNotOptimize(md);
    if (!md.ok()) state.SkipWithError(md.error().to_string().c_str());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_metadata_decode_v15)->Unit(benchmark::kMillisecond);

void BM_events_decode_10k(benchmark::State& state) {
  const ev::Bytes input = events_input(10000);
  const auto& md = metadata();
  for (auto _ : state) {
    auto events = ev::chain::decode_events(md, input);
    benchmark::DoNotOptimize(events);
    if (!events.ok()) state.SkipWithError(events.error().to_string().c_str());
  }
  state.counters["records"] = 10000;
  state.counters["input_bytes"] = static_cast<double>(input.size());
}
BENCHMARK(BM_events_decode_10k)->Unit(benchmark::kMillisecond);

}  // namespace
