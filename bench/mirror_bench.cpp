// Mirror ingest: VaultPointers events applied per second by Mirror::sync vs a plain SQLite insert
// loop writing the same event rows, in the same run. Argument: events per block.
//
// The chain is an in-memory ChainSource driven by the pallet's own state transition: a serve
// worker, a wallet with an authorised agent and an open epoch, then kBlocks blocks of
// register_blob calls, each block's events (a System event first, as a real block has, then one
// BlobWritten per call, SCALE fields exactly as on chain) and its storage writes kept per block,
// so storage reads at any block give the chain's value there.
//
// ours: one iteration = Mirror::sync of the next block into a Mirror on a temp file (events
// decoded, touched entries re-read, event rows and pointer / live-blob rows written in one
// transaction). After the loop the mirror's event count must equal the events produced.
// raw: one iteration = BEGIN, one prepared INSERT per event row (the same column values the
// mirror stores, computed before the loop) into a table with the mirror's events columns and
// primary key, COMMIT; same journal mode and synchronous setting as the mirror.
// rows: one iteration = BEGIN, one prepared INSERT per row the mirror writes for that block
// (the event rows, the Pointers rows, the block's LiveBlobs row, the blocks row and the two meta
// rows, every column value computed before the loop from the same chain), COMMIT; into a
// database created by Mirror::open (the mirror's own tables and indexes) and with the mirror's
// connection settings. It is a plain insert loop doing the same SQLite work as the mirror, so
// ours/rows is the cost of everything the mirror does besides writing its rows: reading the
// block's events and touched entries, decoding, choosing and encoding the rows.
// items/s = VaultPointers events; ours also reports source_us, the wall-clock microseconds per
// event spent inside the fake ChainSource (not the mirror's own cost).
#include <benchmark/benchmark.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ev/chain/events.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/scale.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/mirror.hpp"
#include "ev/vault/pallet.hpp"
#include "ev/vault/registry.hpp"
#include "ev/vault/state.hpp"
#include "ev/vault/storage.hpp"

namespace {

namespace vault = ev::vault;
using ev::Bytes;
using ev::ByteSpan;
using ev::chain::H256;

constexpr std::size_t kBlocks = 32;  // iterations per run: one block each

template <class T>
T must(ev::Result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "mirror_bench: %s: %s\n", what, r.error().to_string().c_str());
    std::abort();
  }
  return std::move(r).value();
}

// A folder under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ev-mirror-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mirror_bench: mkdtemp");
      std::abort();
    }
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const char* name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Forwards to a MemoryState and records every write of the current block.
class RecordingState final : public vault::StateAccess {
 public:
  std::optional<Bytes> get(ByteSpan key) const override { return mem_.get(key); }
  void put(ByteSpan key, ByteSpan value) override {
    mem_.put(key, value);
    changes_[Bytes(key.begin(), key.end())] = Bytes(value.begin(), value.end());
  }
  void erase(ByteSpan key) override {
    mem_.erase(key);
    changes_[Bytes(key.begin(), key.end())] = std::nullopt;
  }
  std::vector<Bytes> keys_with_prefix(ByteSpan prefix) const override {
    return mem_.keys_with_prefix(prefix);
  }
  std::map<Bytes, std::optional<Bytes>> take_changes() { return std::exchange(changes_, {}); }

 private:
  vault::MemoryState mem_;
  std::map<Bytes, std::optional<Bytes>> changes_;
};

// A simulated registration attestation (docs/enclave.md, "Attestation report") for `who` on a
// chain whose dispatch context carries a zero genesis hash, as a platform-tagged bundle.
Bytes simulated_evidence(const vault::AccountId& who, const vault::Measurement& m) {
  const Bytes rd = vault::registration_report_data(who, vault::Hash256{});
  Bytes r(283, 0);
  std::memcpy(r.data(), "EVSIMREP", 8);
  r[8] = 1;
  std::memcpy(r.data() + 9, "SIMULATED-NOT-HARDWARE-BACKED", 29);
  std::copy(m.bytes().begin(), m.bytes().end(), r.begin() + 38);
  r[118] = 1;
  r[122] = static_cast<std::uint8_t>(rd.size());
  std::copy(rd.begin(), rd.end(), r.begin() + 123);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  std::size_t publen = 32;
  std::size_t siglen = 64;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const bool signed_ok = key != nullptr && ctx != nullptr &&
                         EVP_PKEY_get_raw_public_key(key, r.data() + 187, &publen) == 1 &&
                         EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1 &&
                         EVP_DigestSign(ctx, r.data() + 219, &siglen, r.data(), 219) == 1;
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!signed_ok) {
    std::fprintf(stderr, "cannot sign the simulated report\n");
    std::exit(1);
  }
  const std::string bundle = R"({"platform":"simulated","report":")" + ev::to_hex(r, false) + "\"}";
  return Bytes(bundle.begin(), bundle.end());
}

// A finalized-only chain kept as storage history (key -> [(block, value)]).
class BenchChain final : public vault::ChainSource {
 public:
  // A dev-mode genesis: simulated attestations are accepted (docs/pallet.md).
  BenchChain() {
    state_.put(vault::attestation_config_key(), ev::scale::encode(vault::dev_attestation_config()));
    seal({});
  }

  void block(const std::vector<std::pair<vault::Origin, vault::Call>>& calls) {
    std::vector<vault::Event> events;
    for (const auto& [origin, call] : calls) {
      vault::DispatchContext ctx{state_, static_cast<vault::BlockNumber>(blocks_.size()), events};
      const auto out = must(vault::dispatch(call, origin, ctx), "dispatch");
      if (!out.ok()) {
        std::fprintf(stderr, "mirror_bench: %s failed\n",
                     std::string(vault::call_name(call)).c_str());
        std::abort();
      }
    }
    seal(events);
  }

  [[nodiscard]] std::uint64_t head() const { return blocks_.size() - 1; }
  [[nodiscard]] const std::vector<ev::chain::EventRecord>& records(std::uint64_t n) const {
    return blocks_[n].events;
  }
  [[nodiscard]] const H256& hash(std::uint64_t n) const { return blocks_[n].hash; }

  ev::Result<H256> genesis_hash() override { return blocks_[0].hash; }
  ev::Result<std::uint64_t> finalized_number() override { return head(); }
  ev::Result<H256> block_hash(std::uint64_t n) override {
    if (n >= blocks_.size()) return ev::make_error(vault::MirrorErrc::ChainData, "no such block");
    return blocks_[n].hash;
  }
  ev::Result<std::vector<ev::chain::EventRecord>> events(const H256& h) override {
    const Timer t(time_in_source_);
    auto n = number_of(h);
    if (!n) return ev::make_error(vault::MirrorErrc::ChainData, "unknown block hash");
    return blocks_[*n].events;
  }
  ev::Result<std::optional<Bytes>> storage(ByteSpan key, const H256& h) override {
    const Timer t(time_in_source_);
    auto n = number_of(h);
    if (!n) return ev::make_error(vault::MirrorErrc::ChainData, "unknown block hash");
    return value_at(Bytes(key.begin(), key.end()), *n);
  }
  // Wall-clock time spent answering events() and storage() (the fake's own share of ours).
  [[nodiscard]] std::chrono::steady_clock::duration time_in_source() const {
    return time_in_source_;
  }
  ev::Result<std::vector<Bytes>> keys(ByteSpan prefix, const H256& h) override {
    auto n = number_of(h);
    if (!n) return ev::make_error(vault::MirrorErrc::ChainData, "unknown block hash");
    std::vector<Bytes> out;
    for (auto it = history_.lower_bound(Bytes(prefix.begin(), prefix.end()));
         it != history_.end() && it->first.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), it->first.begin());
         ++it) {
      if (value_at(it->first, *n)) out.push_back(it->first);
    }
    return out;
  }

 private:
  struct Block {
    H256 hash{};
    std::vector<ev::chain::EventRecord> events;
  };
  class Timer {
   public:
    explicit Timer(std::chrono::steady_clock::duration& sum)
        : sum_(sum), start_(std::chrono::steady_clock::now()) {}
    ~Timer() { sum_ += std::chrono::steady_clock::now() - start_; }
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;

   private:
    std::chrono::steady_clock::duration& sum_;
    std::chrono::steady_clock::time_point start_;
  };
  using History = std::vector<std::pair<std::uint64_t, std::optional<Bytes>>>;

  std::optional<std::uint64_t> number_of(const H256& h) const {
    auto it = numbers_.find(h);
    if (it == numbers_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Bytes> value_at(const Bytes& key, std::uint64_t n) const {
    auto it = history_.find(key);
    if (it == history_.end()) return std::nullopt;
    std::optional<Bytes> v;
    for (const auto& [at, value] : it->second) {
      if (at > n) break;
      v = value;
    }
    return v;
  }

  // The decoded fields as a client renders them (object by field name).
  static nlohmann::json value_of(const vault::Event& e) {
    nlohmann::json v = nlohmann::json::object();
    if (const auto* w = std::get_if<vault::BlobWritten>(&e)) {
      v["wallet"] = ev::to_hex(w->wallet);
      v["blob_id"] = ev::to_hex(w->blob_id);
      v["service"] = std::string(w->service.view());
      v["agent"] = ev::to_hex(w->agent);
      v["epoch"] = w->epoch;
      v["ciphertext_hash"] = ev::to_hex(w->ciphertext_hash);
    }
    return v;
  }

  void seal(const std::vector<vault::Event>& events) {
    const std::uint64_t n = blocks_.size();
    Block b;
    ev::scale::Encoder seed;
    seed.raw(ev::as_bytes("mirror-bench")).u64(n);
    b.hash = ev::chain::blake2_256(seed.data());
    for (auto& [k, v] : state_.take_changes()) history_[k].emplace_back(n, std::move(v));
    ev::chain::EventRecord sys;  // skipped by the mirror, present in every real block
    sys.phase = ev::chain::EventRecord::Phase::ApplyExtrinsic;
    sys.pallet = "System";
    sys.name = "ExtrinsicSuccess";
    sys.value = nlohmann::json::object();
    b.events.push_back(std::move(sys));
    std::uint32_t xt = 0;
    for (const auto& e : events) {
      ev::chain::EventRecord r;
      r.phase = ev::chain::EventRecord::Phase::ApplyExtrinsic;
      r.extrinsic_index = xt++;
      r.pallet_index = 3;
      r.pallet = "VaultPointers";
      r.name = std::string(vault::event_name(e));
      r.event_index = vault::event_index(e);
      r.fields = vault::encode_event_fields(e);
      r.value = value_of(e);
      b.events.push_back(std::move(r));
    }
    numbers_[b.hash] = n;
    blocks_.push_back(std::move(b));
  }

  RecordingState state_;
  std::chrono::steady_clock::duration time_in_source_{};
  std::vector<Block> blocks_;
  std::map<H256, std::uint64_t> numbers_;
  std::map<Bytes, History> history_;
};

vault::AccountId account(std::uint8_t b) {
  vault::AccountId a{};
  a.fill(b);
  return a;
}

// Setup blocks 1..4, then kBlocks blocks of `per_block` register_blob calls (distinct blobs).
struct Scenario {
  std::unique_ptr<BenchChain> chain = std::make_unique<BenchChain>();
  std::uint64_t first_timed = 0;  // the first block of the timed part
  std::size_t per_block = 0;
};

Scenario scenario(std::size_t per_block) {
  Scenario s;
  s.per_block = per_block;
  const auto wallet = account(1);
  const auto agent = account(2);
  const auto serve = account(4);
  Bytes m48(48, 0);
  const std::string_view label = "serve-measurement";
  std::copy(label.begin(), label.end(), m48.begin());
  const auto m = must(vault::Measurement::from(ByteSpan(m48)), "m");
  const auto mail = must(vault::ServiceName::from(std::string_view("mail")), "service");
  auto& c = *s.chain;
  c.block({{vault::Origin::root(), vault::ApproveMeasurement{m, vault::Role::Serve}}});
  c.block({{vault::Origin::signed_by(serve),
            vault::RegisterWorker{vault::Role::Serve, m, simulated_evidence(serve, m)}}});
  c.block({{vault::Origin::signed_by(wallet),
            vault::AuthorizeAgent{agent, must(vault::ServiceList::from({mail}), "services"),
                                  vault::Access::ReadWrite}}});
  c.block({{vault::Origin::signed_by(serve),
            vault::OpenEpoch{wallet, must(vault::WrappedDek::from(Bytes(60, 7)), "dek")}}});
  s.first_timed = c.head() + 1;
  std::uint32_t blob_no = 0;
  for (std::size_t b = 0; b < kBlocks; ++b) {
    std::vector<std::pair<vault::Origin, vault::Call>> calls;
    for (std::size_t i = 0; i < per_block; ++i, ++blob_no) {
      vault::RegisterBlob rb;
      rb.wallet = wallet;
      ev::scale::Encoder id;
      id.u32(blob_no);
      rb.blob_id = ev::chain::blake2_128(id.data());
      rb.service = mail;
      rb.agent = agent;
      rb.epoch = 1;
      rb.ciphertext_hash = ev::chain::blake2_256(rb.blob_id);
      rb.size = 1000 + blob_no;
      calls.emplace_back(vault::Origin::signed_by(serve), std::move(rb));
    }
    c.block(calls);
  }
  return s;
}

void BM_mirror_ingest_ours(benchmark::State& st) {
  const auto per_block = static_cast<std::size_t>(st.range(0));
  Scenario s = scenario(per_block);
  TempDir dir;
  auto mirror = must(vault::Mirror::open(dir.file("mirror.db")), "Mirror::open");
  // The setup blocks are not timed.
  if (must(mirror->sync(*s.chain, s.first_timed - 1), "setup sync") != s.first_timed) {
    st.SkipWithError("setup blocks not applied");
    return;
  }
  const std::uint64_t before = must(mirror->event_count(), "event_count");
  const auto source_before = s.chain->time_in_source();
  std::uint64_t next = s.first_timed;
  for (auto _ : st) {
    if (next > s.chain->head()) {
      st.SkipWithError("more iterations than blocks");
      break;
    }
    auto applied = mirror->sync(*s.chain, next);
    if (!applied.ok() || *applied != 1) {
      st.SkipWithError(applied.ok() ? "no block applied" : applied.error().to_string().c_str());
      return;
    }
    ++next;
  }
  const std::uint64_t events = (next - s.first_timed) * per_block;
  if (must(mirror->event_count(), "event_count") - before != events) {
    st.SkipWithError("the mirror does not hold every event");
    return;
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(events));
  st.counters["source_us"] =
      std::chrono::duration<double, std::micro>(s.chain->time_in_source() - source_before).count() /
      static_cast<double>(events);
}

// The references open their database as the mirror does (no per-connection mutex).
constexpr int kOpenFlags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

bool sql(sqlite3* db, const char* text) {
  return sqlite3_exec(db, text, nullptr, nullptr, nullptr) == SQLITE_OK;
}

// One event row as the mirror stores it.
struct Row {
  std::int64_t block = 0;
  std::string block_hash;
  std::int64_t event_index = 0;
  std::int64_t extrinsic_index = 0;
  std::string name;
  std::string wallet;
  std::string fields;
};

void BM_mirror_ingest_raw(benchmark::State& st) {
  const auto per_block = static_cast<std::size_t>(st.range(0));
  Scenario s = scenario(per_block);
  std::vector<std::vector<Row>> blocks;
  for (std::uint64_t n = s.first_timed; n <= s.chain->head(); ++n) {
    std::vector<Row> rows;
    const auto& recs = s.chain->records(n);
    for (std::size_t i = 0; i < recs.size(); ++i) {
      if (recs[i].pallet != "VaultPointers") continue;
      rows.push_back(Row{static_cast<std::int64_t>(n), ev::to_hex(s.chain->hash(n)),
                         static_cast<std::int64_t>(i), recs[i].extrinsic_index, recs[i].name,
                         recs[i].value.value("wallet", std::string()), recs[i].value.dump()});
    }
    blocks.push_back(std::move(rows));
  }
  TempDir dir;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(dir.file("raw.db").c_str(), &db, kOpenFlags, nullptr) != SQLITE_OK ||
      !sql(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") ||
      !sql(db,
           "CREATE TABLE events (block INTEGER NOT NULL, block_hash TEXT NOT NULL, "
           "event_index INTEGER NOT NULL, extrinsic_index INTEGER, name TEXT NOT NULL, "
           "wallet TEXT, fields TEXT NOT NULL, PRIMARY KEY (block, event_index))")) {
    st.SkipWithError(db != nullptr ? sqlite3_errmsg(db) : "sqlite3_open");
    sqlite3_close(db);
    return;
  }
  sqlite3_stmt* ins = nullptr;
  if (sqlite3_prepare_v2(db, "INSERT INTO events VALUES (?,?,?,?,?,?,?)", -1, &ins, nullptr) !=
      SQLITE_OK) {
    st.SkipWithError(sqlite3_errmsg(db));
    sqlite3_close(db);
    return;
  }
  std::size_t next = 0;
  std::int64_t events = 0;
  for (auto _ : st) {
    if (next >= blocks.size()) {
      st.SkipWithError("more iterations than blocks");
      break;
    }
    bool good = sql(db, "BEGIN IMMEDIATE");
    for (const Row& r : blocks[next]) {
      good = good && sqlite3_bind_int64(ins, 1, r.block) == SQLITE_OK &&
             sqlite3_bind_text(ins, 2, r.block_hash.data(), static_cast<int>(r.block_hash.size()),
                               SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_int64(ins, 3, r.event_index) == SQLITE_OK &&
             sqlite3_bind_int64(ins, 4, r.extrinsic_index) == SQLITE_OK &&
             sqlite3_bind_text(ins, 5, r.name.data(), static_cast<int>(r.name.size()),
                               SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_text(ins, 6, r.wallet.data(), static_cast<int>(r.wallet.size()),
                               SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_bind_text(ins, 7, r.fields.data(), static_cast<int>(r.fields.size()),
                               SQLITE_STATIC) == SQLITE_OK &&
             sqlite3_step(ins) == SQLITE_DONE && sqlite3_reset(ins) == SQLITE_OK;
      ++events;
    }
    good = good && sql(db, "COMMIT");
    if (!good) {
      st.SkipWithError(sqlite3_errmsg(db));
      break;
    }
    ++next;
  }
  sqlite3_finalize(ins);
  sqlite3_close(db);
  st.SetItemsProcessed(events);
}

// One INSERT of the "rows" reference: statement number and column values in order.
struct Insert {
  using Value = std::variant<std::int64_t, std::string, Bytes>;
  std::size_t stmt = 0;
  std::vector<Value> values;
};

enum : std::size_t { kEvent, kPointer, kLiveBlobs, kBlock, kMeta, kStatements };
constexpr const char* kRowsSql[kStatements] = {
    "INSERT INTO events (block, block_hash, event_index, extrinsic_index, name, wallet, fields) "
    "VALUES (?,?,?,?,?,?,?)",
    "INSERT INTO pointers (key, wallet, blob_id, service, agent, epoch, ciphertext_hash, size, "
    "created_at, updated_at, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
    "INSERT OR REPLACE INTO live_blobs (key, wallet, epoch, count, raw) VALUES (?,?,?,?,?)",
    "INSERT INTO blocks (number, hash) VALUES (?,?)",
    "INSERT OR REPLACE INTO meta (k, v) VALUES (?,?)",
};

// Every row the mirror writes for block n, with the values the chain holds at n.
std::vector<Insert> rows_of_block(BenchChain& chain, std::uint64_t n) {
  std::vector<Insert> out;
  const H256 hash = chain.hash(n);
  const std::string hash_hex = ev::to_hex(hash);
  std::map<Bytes, std::pair<vault::AccountId, vault::Epoch>> live;
  const auto& recs = chain.records(n);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const auto& r = recs[i];
    if (r.pallet != "VaultPointers") continue;
    out.push_back({kEvent,
                   {static_cast<std::int64_t>(n), hash_hex, static_cast<std::int64_t>(i),
                    static_cast<std::int64_t>(r.extrinsic_index), r.name,
                    r.value.value("wallet", std::string()), r.value.dump()}});
    const auto event = must(vault::decode_event(r.name, r.fields), "decode_event");
    const auto& w = std::get<vault::BlobWritten>(event);
    const Bytes key = vault::pointers_key(w.wallet, w.blob_id);
    const Bytes raw = must(chain.storage(key, hash), "pointer").value();
    const auto p = must(vault::decode_vault_pointer(raw), "decode pointer");
    out.push_back(
        {kPointer,
         {key, ev::to_hex(w.wallet), ev::to_hex(w.blob_id), std::string(p.service.view()),
          ev::to_hex(p.agent), static_cast<std::int64_t>(p.epoch), ev::to_hex(p.ciphertext_hash),
          static_cast<std::int64_t>(p.size), static_cast<std::int64_t>(p.created_at),
          static_cast<std::int64_t>(p.updated_at), raw}});
    live.emplace(vault::live_blobs_key(w.wallet, w.epoch), std::pair(w.wallet, w.epoch));
  }
  for (const auto& [key, we] : live) {
    const Bytes raw = must(chain.storage(key, hash), "live blobs").value();
    out.push_back({kLiveBlobs,
                   {key, ev::to_hex(we.first), static_cast<std::int64_t>(we.second),
                    static_cast<std::int64_t>(must(vault::decode_live_blobs(raw), "live")), raw}});
  }
  out.push_back({kBlock, {static_cast<std::int64_t>(n), hash_hex}});
  out.push_back({kMeta, {std::string("last_number"), std::to_string(n)}});
  out.push_back({kMeta, {std::string("last_hash"), hash_hex}});
  return out;
}

bool bind(sqlite3_stmt* s, int col, const Insert::Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v))
    return sqlite3_bind_int64(s, col, *i) == SQLITE_OK;
  if (const auto* t = std::get_if<std::string>(&v)) {
    return sqlite3_bind_text(s, col, t->data(), static_cast<int>(t->size()), SQLITE_STATIC) ==
           SQLITE_OK;
  }
  const auto& b = std::get<Bytes>(v);
  return sqlite3_bind_blob(s, col, b.data(), static_cast<int>(b.size()), SQLITE_STATIC) ==
         SQLITE_OK;
}

void BM_mirror_ingest_rows(benchmark::State& st) {
  const auto per_block = static_cast<std::size_t>(st.range(0));
  Scenario s = scenario(per_block);
  std::vector<std::vector<Insert>> blocks;
  for (std::uint64_t n = s.first_timed; n <= s.chain->head(); ++n) {
    blocks.push_back(rows_of_block(*s.chain, n));
  }
  TempDir dir;
  const std::string path = dir.file("rows.db");
  {  // The mirror's schema, holding the setup blocks as in "ours".
    auto mirror = must(vault::Mirror::open(path), "Mirror::open");
    must(mirror->sync(*s.chain, s.first_timed - 1), "setup sync");
  }
  sqlite3* db = nullptr;
  // The mirror's connection settings (kPragmas in vault-pointers/src/mirror.cpp).
  if (sqlite3_open_v2(path.c_str(), &db, kOpenFlags, nullptr) != SQLITE_OK ||
      !sql(db,
           "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=8192; "
           "PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;")) {
    st.SkipWithError(db != nullptr ? sqlite3_errmsg(db) : "sqlite3_open");
    sqlite3_close(db);
    return;
  }
  std::vector<sqlite3_stmt*> stmts(kStatements, nullptr);
  bool good = true;
  for (std::size_t i = 0; i < kStatements; ++i) {
    good = good && sqlite3_prepare_v2(db, kRowsSql[i], -1, &stmts[i], nullptr) == SQLITE_OK;
  }
  std::size_t next = 0;
  std::int64_t events = 0;
  for (auto _ : st) {
    if (!good || next >= blocks.size()) {
      st.SkipWithError(good ? "more iterations than blocks" : sqlite3_errmsg(db));
      break;
    }
    good = sql(db, "BEGIN IMMEDIATE");
    for (const Insert& ins : blocks[next]) {
      sqlite3_stmt* stmt = stmts[ins.stmt];
      for (std::size_t c = 0; good && c < ins.values.size(); ++c) {
        good = bind(stmt, static_cast<int>(c + 1), ins.values[c]);
      }
      good = good && sqlite3_step(stmt) == SQLITE_DONE && sqlite3_reset(stmt) == SQLITE_OK;
      if (ins.stmt == kEvent) ++events;
    }
    good = good && sql(db, "COMMIT");
    ++next;
  }
  if (!good) st.SkipWithError(sqlite3_errmsg(db));
  for (sqlite3_stmt* stmt : stmts) sqlite3_finalize(stmt);
  sqlite3_close(db);
  st.SetItemsProcessed(events);
}

}  // namespace

BENCHMARK(BM_mirror_ingest_ours)
    ->Arg(16)
    ->Arg(256)
    ->Iterations(kBlocks)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mirror_ingest_raw)
    ->Arg(16)
    ->Arg(256)
    ->Iterations(kBlocks)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_mirror_ingest_rows)
    ->Arg(16)
    ->Arg(256)
    ->Iterations(kBlocks)
    ->Unit(benchmark::kMillisecond);
