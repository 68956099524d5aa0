// The SQLite mirror of the VaultPointers pallet. Schema: docs/mirror.md.
#include "ev/vault/mirror.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "ev/chain/client.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/storage.hpp"

namespace ev {

std::string_view ErrorTraits<vault::MirrorErrc>::message(vault::MirrorErrc e) {
  using vault::MirrorErrc;
  switch (e) {
    case MirrorErrc::Sqlite: return "database error";
    case MirrorErrc::WrongChain: return "the mirror does not belong to this chain";
    case MirrorErrc::Schema: return "unsupported mirror schema";
    case MirrorErrc::ChainData: return "undecodable chain data";
  }
  return "unknown error";
}

}  // namespace ev

namespace ev::vault {
namespace {

constexpr int kSchemaVersion = 1;
constexpr std::uint32_t kKeysPage = 1000;
// Blocks written per SQLite transaction by one sync pass.
constexpr std::uint64_t kBlocksPerTransaction = 256;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  block INTEGER NOT NULL, block_hash TEXT NOT NULL, event_index INTEGER NOT NULL,
  extrinsic_index INTEGER, name TEXT NOT NULL, wallet TEXT, fields TEXT NOT NULL,
  PRIMARY KEY (block, event_index));
CREATE INDEX IF NOT EXISTS events_wallet ON events (wallet, block);
CREATE TABLE IF NOT EXISTS pointers (
  key BLOB PRIMARY KEY, wallet TEXT NOT NULL, blob_id TEXT NOT NULL, service TEXT NOT NULL,
  agent TEXT NOT NULL, epoch INTEGER NOT NULL, ciphertext_hash TEXT NOT NULL,
  size INTEGER NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
  raw BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS pointers_wallet ON pointers (wallet, epoch);
CREATE TABLE IF NOT EXISTS epochs (
  key BLOB PRIMARY KEY, wallet TEXT NOT NULL UNIQUE, current INTEGER NOT NULL,
  rotated_at INTEGER NOT NULL, reason TEXT NOT NULL, revoked_agent TEXT, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS epoch_deks (
  key BLOB PRIMARY KEY, wallet TEXT NOT NULL, epoch INTEGER NOT NULL,
  wrapped_dek_size INTEGER NOT NULL, created_at INTEGER NOT NULL, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS live_blobs (
  key BLOB PRIMARY KEY, wallet TEXT NOT NULL, epoch INTEGER NOT NULL, count INTEGER NOT NULL,
  raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS agents (
  key BLOB PRIMARY KEY, wallet TEXT NOT NULL, agent TEXT NOT NULL, services TEXT NOT NULL,
  granted_at INTEGER NOT NULL, revoked_at INTEGER, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS workers (
  key BLOB PRIMARY KEY, worker TEXT NOT NULL, role TEXT NOT NULL, measurement TEXT NOT NULL,
  attestation_hash TEXT NOT NULL, registered_at INTEGER NOT NULL, raw BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS approved_measurements (
  key BLOB PRIMARY KEY, measurement TEXT NOT NULL, role TEXT NOT NULL, raw BLOB NOT NULL);
)sql";

// WAL with synchronous=NORMAL: commits are not fsynced, checkpoints are. A power loss may lose
// the last commits, never a part of one: the mirror resumes after the last whole block it holds
// (and can always be rebuilt from the chain). Checkpoints (an fsync of the WAL and one of the
// database each) run every 8192 WAL pages (32 MiB) instead of SQLite's default 1000, and the
// page cache holds up to 32 MiB.
constexpr const char* kPragmas =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=8192; "
    "PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;";

// The mirrored storage items and their tables, in dump order.
struct ItemTable {
  std::string_view item;
  const char* table;
};
constexpr ItemTable kItems[] = {
    {item::kPointers, "pointers"},
    {item::kEpochs, "epochs"},
    {item::kEpochDeks, "epoch_deks"},
    {item::kLiveBlobs, "live_blobs"},
    {item::kAgents, "agents"},
    {item::kWorkers, "workers"},
    {item::kApprovedMeasurements, "approved_measurements"},
};

// A prepared statement: either prepared for this use and finalised on destruction, or borrowed
// from a StmtCache and reset (bindings cleared) on destruction, ready for the next use.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr);
  }
  // Borrows `s` (nullptr when preparing it failed with `rc`).
  Stmt(sqlite3* db, sqlite3_stmt* s, int rc) : db_(db), s_(s), rc_(rc), owned_(false) {}
  ~Stmt() {
    if (owned_) {
      sqlite3_finalize(s_);
    } else if (s_ != nullptr) {
      sqlite3_reset(s_);
      sqlite3_clear_bindings(s_);
    }
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&&) = delete;
  Stmt& operator=(Stmt&&) = delete;

  Stmt& bind(int i, std::int64_t v) {
    if (ok()) rc_ = sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, std::string_view v) {
    if (ok())
      rc_ = sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_blob(int i, ByteSpan v) {
    if (ok())
      rc_ = sqlite3_bind_blob(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind_null(int i) {
    if (ok()) rc_ = sqlite3_bind_null(s_, i);
    return *this;
  }
  // Steps once: true when a row is available.
  Result<bool> step() {
    if (!ok()) return fail("prepare/bind");
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) return rc == SQLITE_ROW;
    rc_ = rc;
    return fail("step");
  }
  Result<void> run() {
    EV_TRY(step());
    return ok_result();
  }
  std::int64_t i64(int col) { return sqlite3_column_int64(s_, col); }
  bool is_null(int col) { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string text(int col) {
    const auto* p = sqlite3_column_text(s_, col);
    return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p));
  }
  Bytes blob(int col) {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
    const int n = sqlite3_column_bytes(s_, col);
    return p == nullptr ? Bytes() : Bytes(p, p + n);
  }

 private:
  bool ok() const { return rc_ == SQLITE_OK; }
  static Result<void> ok_result() { return ev::ok(); }
  Error fail(const char* what) const {
    return make_error(MirrorErrc::Sqlite, std::string(what) + ": " + sqlite3_errmsg(db_));
  }
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
  int rc_ = SQLITE_OK;
  bool owned_ = true;
};

// The statements of one connection, each prepared once (SQLITE_PREPARE_PERSISTENT) and reused.
class StmtCache {
 public:
  StmtCache() = default;
  StmtCache(const StmtCache&) = delete;
  StmtCache& operator=(const StmtCache&) = delete;
  StmtCache(StmtCache&&) = delete;
  StmtCache& operator=(StmtCache&&) = delete;
  ~StmtCache() { clear(); }

  void attach(sqlite3* db) { db_ = db; }
  [[nodiscard]] sqlite3* db() const { return db_; }
  // The statement for `sql`, borrowed until the returned Stmt is destroyed. REQUIRES: no other
  // Stmt of the same SQL alive.
  [[nodiscard]] Stmt get(std::string_view sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) {
      sqlite3_stmt* s = nullptr;
      const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) {
        sqlite3_finalize(s);
        return {db_, nullptr, rc};
      }
      it = cache_.emplace(std::string(sql), s).first;
    }
    return {db_, it->second, SQLITE_OK};
  }
  // Finalises every statement (before the connection closes).
  void clear() {
    for (const auto& [sql, s] : cache_) sqlite3_finalize(s);
    cache_.clear();
  }

 private:
  sqlite3* db_ = nullptr;
  std::map<std::string, sqlite3_stmt*, std::less<>> cache_;
};

Result<void> exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg != nullptr ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    return make_error(MirrorErrc::Sqlite, text);
  }
  return ok();
}

Error chain_data(std::string_view what, const Error& e) {
  return make_error(MirrorErrc::ChainData, std::string(what) + ": " + e.to_string());
}

// A storage entry an event touched; for a Pointers entry also the key's parts.
struct Touched {
  std::string_view item;
  Bytes key;
  std::optional<std::pair<AccountId, BlobId>> pointer_key;
  Touched(std::string_view i, Bytes k) : item(i), key(std::move(k)) {}
  Touched(std::string_view i, const AccountId& wallet, const BlobId& blob)
      : item(i), key(pointers_key(wallet, blob)), pointer_key(std::pair(wallet, blob)) {}
};

// The storage entries an event touched.
std::vector<Touched> touched(const Event& ev) {
  std::vector<Touched> out;
  std::visit(
      [&out](const auto& e) {
        using T = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<T, MeasurementApproved> ||
                      std::is_same_v<T, MeasurementRevoked>) {
          out.emplace_back(item::kApprovedMeasurements, approved_measurements_key(e.measurement));
        } else if constexpr (std::is_same_v<T, WorkerRegistered>) {
          out.emplace_back(item::kWorkers, workers_key(e.worker));
        } else if constexpr (std::is_same_v<T, AgentAuthorized> ||
                             std::is_same_v<T, AgentRevoked>) {
          out.emplace_back(item::kAgents, agents_key(e.wallet, e.agent));
        } else if constexpr (std::is_same_v<T, BlobWritten> || std::is_same_v<T, BlobRemoved>) {
          out.emplace_back(item::kPointers, e.wallet, e.blob_id);
          out.emplace_back(item::kLiveBlobs, live_blobs_key(e.wallet, e.epoch));
        } else if constexpr (std::is_same_v<T, BlobReencrypted>) {
          out.emplace_back(item::kPointers, e.wallet, e.blob_id);
          out.emplace_back(item::kLiveBlobs, live_blobs_key(e.wallet, e.from_epoch));
          out.emplace_back(item::kLiveBlobs, live_blobs_key(e.wallet, e.to_epoch));
        } else if constexpr (std::is_same_v<T, EpochRotated>) {
          out.emplace_back(item::kEpochs, epochs_key(e.wallet));
          out.emplace_back(item::kEpochDeks, epoch_deks_key(e.wallet, e.to_epoch));
          out.emplace_back(item::kLiveBlobs, live_blobs_key(e.wallet, e.from_epoch));
        } else if constexpr (std::is_same_v<T, EpochDestroyed>) {
          out.emplace_back(item::kEpochDeks, epoch_deks_key(e.wallet, e.epoch));
          out.emplace_back(item::kLiveBlobs, live_blobs_key(e.wallet, e.epoch));
        }
      },
      ev);
  return out;
}

// The wallet an event concerns (for the events table's index), if any.
std::optional<AccountId> wallet_of(const Event& ev) {
  return std::visit(
      [](const auto& e) -> std::optional<AccountId> {
        if constexpr (requires { e.wallet; }) {
          return e.wallet;
        } else {
          return std::nullopt;
        }
      },
      ev);
}

const char* table_of(std::string_view item_name) {
  for (const auto& it : kItems) {
    if (it.item == item_name) return it.table;
  }
  return nullptr;
}

// Writes the decoded row of one storage entry (key, raw SCALE value). `pointer_key`: the parts
// of a Pointers key when the caller built the key from them (saves parsing it back).
Result<void> upsert(StmtCache& db, std::string_view item_name, ByteSpan key, ByteSpan raw,
                    const std::optional<std::pair<AccountId, BlobId>>& pointer_key = {}) {
  if (item_name == item::kPointers) {
    auto [wallet, blob] = pointer_key ? *pointer_key : EV_TRY(parse_pointers_key(key));
    VaultPointer p = EV_TRY(decode_vault_pointer(raw));
    Stmt s = db.get(
        "INSERT OR REPLACE INTO pointers (key, wallet, blob_id, service, agent, epoch, "
        "ciphertext_hash, size, created_at, updated_at, raw) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    s.bind_blob(1, key).bind(2, to_hex(wallet)).bind(3, to_hex(blob)).bind(4, p.service.view());
    s.bind(5, to_hex(p.agent)).bind(6, p.epoch).bind(7, to_hex(p.ciphertext_hash)).bind(8, p.size);
    s.bind(9, p.created_at).bind(10, p.updated_at).bind_blob(11, raw);
    return s.run();
  }
  if (item_name == item::kEpochs) {
    AccountId wallet = EV_TRY(parse_epochs_key(key));
    EpochInfo e = EV_TRY(decode_epoch_info(raw));
    Stmt s = db.get(
        "INSERT OR REPLACE INTO epochs (key, wallet, current, rotated_at, reason, "
        "revoked_agent, raw) VALUES (?,?,?,?,?,?,?)");
    s.bind_blob(1, key).bind(2, to_hex(wallet)).bind(3, e.current).bind(4, e.rotated_at);
    s.bind(5, reason_name(e.reason));
    if (const auto* r = std::get_if<Revocation>(&e.reason)) {
      s.bind(6, to_hex(r->agent));
    } else {
      s.bind_null(6);
    }
    s.bind_blob(7, raw);
    return s.run();
  }
  if (item_name == item::kEpochDeks) {
    auto [wallet, epoch] = EV_TRY(parse_epoch_deks_key(key));
    EpochDek d = EV_TRY(decode_epoch_dek(raw));
    Stmt s = db.get(
        "INSERT OR REPLACE INTO epoch_deks (key, wallet, epoch, wrapped_dek_size, created_at, "
        "raw) VALUES (?,?,?,?,?,?)");
    s.bind_blob(1, key).bind(2, to_hex(wallet)).bind(3, epoch);
    s.bind(4, static_cast<std::int64_t>(d.wrapped_dek.size())).bind(5, d.created_at);
    s.bind_blob(6, raw);
    return s.run();
  }
  if (item_name == item::kLiveBlobs) {
    auto [wallet, epoch] = EV_TRY(parse_live_blobs_key(key));
    std::uint32_t n = EV_TRY(decode_live_blobs(raw));
    Stmt s = db.get(
        "INSERT OR REPLACE INTO live_blobs (key, wallet, epoch, count, raw) "
        "VALUES (?,?,?,?,?)");
    s.bind_blob(1, key).bind(2, to_hex(wallet)).bind(3, epoch).bind(4, n).bind_blob(5, raw);
    return s.run();
  }
  if (item_name == item::kAgents) {
    auto [wallet, agent] = EV_TRY(parse_agents_key(key));
    AgentGrant g = EV_TRY(decode_agent_grant(raw));
    nlohmann::json services = nlohmann::json::array();
    for (const auto& sv : g.services.items()) services.push_back(std::string(sv.view()));
    Stmt s = db.get(
        "INSERT OR REPLACE INTO agents (key, wallet, agent, services, granted_at, revoked_at, "
        "raw) VALUES (?,?,?,?,?,?,?)");
    s.bind_blob(1, key).bind(2, to_hex(wallet)).bind(3, to_hex(agent)).bind(4, services.dump());
    s.bind(5, g.granted_at);
    if (g.revoked_at) {
      s.bind(6, *g.revoked_at);
    } else {
      s.bind_null(6);
    }
    s.bind_blob(7, raw);
    return s.run();
  }
  if (item_name == item::kWorkers) {
    AccountId worker = EV_TRY(parse_workers_key(key));
    WorkerInfo w = EV_TRY(decode_worker_info(raw));
    Stmt s = db.get(
        "INSERT OR REPLACE INTO workers (key, worker, role, measurement, attestation_hash, "
        "registered_at, raw) VALUES (?,?,?,?,?,?,?)");
    s.bind_blob(1, key).bind(2, to_hex(worker)).bind(3, role_name(w.role));
    s.bind(4, to_hex(w.measurement.bytes())).bind(5, to_hex(w.attestation_hash));
    s.bind(6, w.registered_at).bind_blob(7, raw);
    return s.run();
  }
  if (item_name == item::kApprovedMeasurements) {
    Measurement m = EV_TRY(parse_approved_measurements_key(key));
    Role r = EV_TRY(decode_role(raw));
    Stmt s = db.get(
        "INSERT OR REPLACE INTO approved_measurements (key, measurement, role, raw) "
        "VALUES (?,?,?,?)");
    s.bind_blob(1, key).bind(2, to_hex(m.bytes())).bind(3, role_name(r)).bind_blob(4, raw);
    return s.run();
  }
  return make_error(MirrorErrc::ChainData, "no table for item " + std::string(item_name));
}

Result<void> erase(StmtCache& db, std::string_view item_name, ByteSpan key) {
  const std::string sql = std::string("DELETE FROM ") + table_of(item_name) + " WHERE key = ?";
  Stmt s = db.get(sql);
  s.bind_blob(1, key);
  return s.run();
}

Result<void> set_meta(StmtCache& db, std::string_view k, std::string_view v) {
  Stmt s = db.get("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)");
  s.bind(1, k).bind(2, v);
  return s.run();
}

Result<std::optional<std::string>> get_meta(StmtCache& db, std::string_view k) {
  Stmt s = db.get("SELECT v FROM meta WHERE k = ?");
  s.bind(1, k);
  if (!EV_TRY(s.step())) return std::optional<std::string>{};
  return std::optional<std::string>(s.text(0));
}

// A readable name for an entry's key: the decoded key parts.
std::string describe_key(std::string_view item_name, ByteSpan key) {
  auto hex_or = [&](auto r, auto fmt) -> std::string {
    if (!r) return to_hex(key);
    return fmt(*r);
  };
  if (item_name == item::kPointers) {
    return hex_or(parse_pointers_key(key),
                  [](const auto& p) { return to_hex(p.first) + ", " + to_hex(p.second); });
  }
  if (item_name == item::kEpochs) {
    return hex_or(parse_epochs_key(key), [](const auto& w) { return to_hex(w); });
  }
  if (item_name == item::kEpochDeks) {
    return hex_or(parse_epoch_deks_key(key), [](const auto& p) {
      return to_hex(p.first) + ", epoch " + std::to_string(p.second);
    });
  }
  if (item_name == item::kLiveBlobs) {
    return hex_or(parse_live_blobs_key(key), [](const auto& p) {
      return to_hex(p.first) + ", epoch " + std::to_string(p.second);
    });
  }
  if (item_name == item::kAgents) {
    return hex_or(parse_agents_key(key),
                  [](const auto& p) { return to_hex(p.first) + ", " + to_hex(p.second); });
  }
  if (item_name == item::kWorkers) {
    return hex_or(parse_workers_key(key), [](const auto& w) { return to_hex(w); });
  }
  return hex_or(parse_approved_measurements_key(key),
                [](const auto& m) { return to_hex(m.bytes()); });
}

class ClientSource final : public ChainSource {
 public:
  explicit ClientSource(chain::ChainClient& c) : c_(c) {}
  Result<chain::H256> genesis_hash() override { return c_.info().genesis_hash; }
  Result<std::uint64_t> finalized_number() override {
    chain::H256 head = EV_TRY(chain::rpc::chain_get_finalized_head(c_.rpc()));
    auto header = EV_TRY(chain::rpc::chain_get_header(c_.rpc(), head));
    if (!header) return make_error(MirrorErrc::ChainData, "no header for the finalized head");
    return header->number;
  }
  Result<chain::H256> block_hash(std::uint64_t number) override {
    auto h = EV_TRY(chain::rpc::chain_get_block_hash(c_.rpc(), number));
    if (!h) return make_error(MirrorErrc::ChainData, "no block #" + std::to_string(number));
    return *h;
  }
  Result<std::vector<chain::EventRecord>> events(const chain::H256& block) override {
    return c_.events_at(block);
  }
  Result<std::optional<Bytes>> storage(ByteSpan key, const chain::H256& block) override {
    return chain::rpc::state_get_storage(c_.rpc(), key, block);
  }
  // state_queryStorageAt in chunks of kKeysPage keys. Every asked key must be answered (with a
  // value or null) in a change set of the asked block, else ChainData; keys not asked for are
  // ignored, and of a key answered twice the last answer counts.
  Result<std::vector<std::optional<Bytes>>> storage_many(const std::vector<Bytes>& keys,
                                                         const chain::H256& block) override {
    std::vector<std::optional<Bytes>> out;
    out.reserve(keys.size());
    for (std::size_t first = 0; first < keys.size(); first += kKeysPage) {
      const std::size_t end = std::min(keys.size(), first + kKeysPage);
      const std::vector<Bytes> chunk(keys.begin() + static_cast<std::ptrdiff_t>(first),
                                     keys.begin() + static_cast<std::ptrdiff_t>(end));
      auto sets = EV_TRY(chain::rpc::state_query_storage_at(c_.rpc(), chunk, block));
      std::map<Bytes, std::optional<Bytes>> answered;
      for (auto& set : sets) {
        if (set.block != block) {
          return make_error(MirrorErrc::ChainData, "state_queryStorageAt answered for block " +
                                                       to_hex(set.block) + ", asked " +
                                                       to_hex(block));
        }
        for (auto& change : set.changes) {
          answered.insert_or_assign(std::move(change.key), std::move(change.value));
        }
      }
      for (const auto& key : chunk) {
        auto it = answered.find(key);
        if (it == answered.end()) {
          return make_error(MirrorErrc::ChainData,
                            "state_queryStorageAt gave no answer for key " + to_hex(key));
        }
        out.push_back(it->second);  // copied: a key may be asked twice
      }
    }
    return out;
  }
  Result<std::vector<Bytes>> keys(ByteSpan prefix, const chain::H256& block) override {
    std::vector<Bytes> out;
    std::optional<Bytes> start;
    for (;;) {
      auto page =
          EV_TRY(chain::rpc::state_get_keys_paged(c_.rpc(), prefix, kKeysPage, start, block));
      out.insert(out.end(), page.begin(), page.end());
      if (page.size() < kKeysPage) break;
      start = page.back();
    }
    return out;
  }

 private:
  chain::ChainClient& c_;
};

}  // namespace

struct Mirror::Db {
  sqlite3* db = nullptr;
  StmtCache stmts;  // statements of db, finalised before it closes
  // Set by sync while the open batch transaction holds no block yet: the next block needs no
  // savepoint, a failure rolls the whole (otherwise empty) transaction back.
  bool batch_empty = false;
  Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  Db(Db&&) = delete;
  Db& operator=(Db&&) = delete;
  ~Db() {
    stmts.clear();
    sqlite3_close(db);
  }
};

Result<std::vector<std::optional<Bytes>>> ChainSource::storage_many(const std::vector<Bytes>& keys,
                                                                    const chain::H256& block) {
  std::vector<std::optional<Bytes>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) out.push_back(EV_TRY(storage(key, block)));
  return out;
}

std::unique_ptr<ChainSource> chain_source(chain::ChainClient& client) {
  return std::make_unique<ClientSource>(client);
}

Mirror::Mirror(std::unique_ptr<Db> db) : db_(std::move(db)) {}
Mirror::~Mirror() = default;

Result<std::unique_ptr<Mirror>> Mirror::open(const std::string& path) {
  auto db = std::make_unique<Db>();
  if (sqlite3_open_v2(path.c_str(), &db->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    return make_error(MirrorErrc::Sqlite,
                      path + ": " + (db->db != nullptr ? sqlite3_errmsg(db->db) : "out of memory"));
  }
  db->stmts.attach(db->db);
  sqlite3_busy_timeout(db->db, 5000);
  EV_TRY(exec(db->db, kPragmas));
  EV_TRY(exec(db->db, kSchema));
  auto version = EV_TRY(get_meta(db->stmts, "schema_version"));
  if (!version) {
    EV_TRY(set_meta(db->stmts, "schema_version", std::to_string(kSchemaVersion)));
  } else if (*version != std::to_string(kSchemaVersion)) {
    return make_error(MirrorErrc::Schema, path + " has schema version " + *version +
                                              "; this build reads version " +
                                              std::to_string(kSchemaVersion));
  }
  return std::unique_ptr<Mirror>(new Mirror(std::move(db)));
}

Result<std::optional<MirroredBlock>> Mirror::last_block() {
  auto n = EV_TRY(get_meta(db_->stmts, "last_number"));
  auto h = EV_TRY(get_meta(db_->stmts, "last_hash"));
  if (!n || !h) return std::optional<MirroredBlock>{};
  MirroredBlock b;
  b.number = std::stoull(*n);
  b.hash = EV_TRY(from_hex_fixed<32>(*h));
  return std::optional<MirroredBlock>(b);
}

Result<void> Mirror::apply_block(ChainSource& chain, std::uint64_t number,
                                 const chain::H256& hash) {
  // Read everything first, then write it in one transaction.
  std::vector<chain::EventRecord> records =
      EV_TRY_CTX("events of block #" + std::to_string(number), chain.events(hash));
  struct Row {
    std::uint32_t index;
    const chain::EventRecord* rec;
    Event event;
  };
  std::vector<Row> rows;
  // Touched entries, each read once: key -> (item, the parts of a Pointers key).
  using KeyInfo = std::pair<std::string_view, std::optional<std::pair<AccountId, BlobId>>>;
  std::map<Bytes, KeyInfo> keys;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.pallet != "VaultPointers") continue;
    auto ev = decode_event(r.name, r.fields);
    if (!ev) {
      return chain_data(
          "block #" + std::to_string(number) + " event " + std::to_string(i) + " " + r.name,
          ev.error());
    }
    for (auto& t : touched(*ev)) {
      keys.emplace(std::move(t.key), KeyInfo(t.item, t.pointer_key));
    }
    rows.push_back({static_cast<std::uint32_t>(i), &r, std::move(*ev)});
  }
  std::vector<Bytes> key_list;
  key_list.reserve(keys.size());
  for (const auto& [key, info] : keys) key_list.push_back(key);
  std::vector<std::optional<Bytes>> read = EV_TRY_CTX(
      "storage entries at block #" + std::to_string(number), chain.storage_many(key_list, hash));
  if (read.size() != key_list.size()) {
    return make_error(MirrorErrc::ChainData, "storage entries at block #" + std::to_string(number) +
                                                 ": " + std::to_string(read.size()) +
                                                 " values for " + std::to_string(key_list.size()) +
                                                 " keys");
  }
  std::vector<std::pair<std::map<Bytes, KeyInfo>::const_iterator, std::optional<Bytes>>> values;
  values.reserve(keys.size());
  std::size_t at = 0;
  for (auto it = keys.begin(); it != keys.end(); ++it, ++at) {
    values.emplace_back(it, std::move(read[at]));
  }

  // Inside sync's batch transaction the block is a savepoint (undone alone on failure) unless
  // it is the batch's first block (then the transaction holds nothing else); called on its own
  // it is a transaction. A savepoint is not free: every page the block changes is first copied
  // to the statement journal.
  const bool own_transaction = sqlite3_get_autocommit(db_->db) != 0;
  const bool savepoint = !own_transaction && !db_->batch_empty;
  if (own_transaction) EV_TRY(exec(db_->db, "BEGIN IMMEDIATE"));
  if (savepoint) EV_TRY(exec(db_->db, "SAVEPOINT mirror_block"));
  auto body = [&]() -> Result<void> {
    const std::string hash_hex = to_hex(hash);
    for (const auto& row : rows) {
      Stmt s = db_->stmts.get(
          "INSERT OR REPLACE INTO events (block, block_hash, event_index, extrinsic_index, "
          "name, wallet, fields) VALUES (?,?,?,?,?,?,?)");
      s.bind(1, static_cast<std::int64_t>(number)).bind(2, hash_hex).bind(3, row.index);
      if (row.rec->phase == chain::EventRecord::Phase::ApplyExtrinsic) {
        s.bind(4, row.rec->extrinsic_index);
      } else {
        s.bind_null(4);
      }
      s.bind(5, row.rec->name);
      if (auto w = wallet_of(row.event)) {
        s.bind(6, to_hex(*w));
      } else {
        s.bind_null(6);
      }
      s.bind(7, row.rec->value.dump());
      EV_TRY(s.run());
    }
    for (const auto& [it, value] : values) {
      const auto& [item_name, pointer_key] = it->second;
      if (value) {
        auto r = upsert(db_->stmts, item_name, it->first, *value, pointer_key);
        if (!r) {
          if (r.error().domain == ErrorTraits<MirrorErrc>::domain) return std::move(r).error();
          return chain_data(std::string(item_name) + " " + describe_key(item_name, it->first),
                            r.error());
        }
      } else {
        EV_TRY(erase(db_->stmts, item_name, it->first));
      }
    }
    Stmt b = db_->stmts.get("INSERT OR REPLACE INTO blocks (number, hash) VALUES (?, ?)");
    b.bind(1, static_cast<std::int64_t>(number)).bind(2, hash_hex);
    EV_TRY(b.run());
    EV_TRY(set_meta(db_->stmts, "last_number", std::to_string(number)));
    EV_TRY(set_meta(db_->stmts, "last_hash", hash_hex));
    return ok();
  };
  auto r = body();
  if (!r) {
    (void)exec(db_->db, savepoint ? "ROLLBACK TO mirror_block; RELEASE mirror_block" : "ROLLBACK");
    return r;
  }
  if (own_transaction) return exec(db_->db, "COMMIT");
  db_->batch_empty = false;
  return savepoint ? exec(db_->db, "RELEASE mirror_block") : ok();
}

Result<std::uint64_t> Mirror::sync(ChainSource& chain, std::optional<std::uint64_t> until) {
  const chain::H256 genesis = EV_TRY(chain.genesis_hash());
  auto known = EV_TRY(get_meta(db_->stmts, "genesis_hash"));
  if (!known) {
    EV_TRY(set_meta(db_->stmts, "genesis_hash", to_hex(genesis)));
  } else if (*known != to_hex(genesis)) {
    return make_error(MirrorErrc::WrongChain,
                      "mirror of chain " + *known + ", node has genesis " + to_hex(genesis));
  }
  auto last = EV_TRY(last_block());
  if (last) {
    const chain::H256 now = EV_TRY(chain.block_hash(last->number));
    if (now != last->hash) {
      return make_error(MirrorErrc::WrongChain, "block #" + std::to_string(last->number) + " is " +
                                                    to_hex(now) + " on chain, " +
                                                    to_hex(last->hash) + " in the mirror");
    }
  }
  std::uint64_t head = EV_TRY(chain.finalized_number());
  if (until) head = std::min(head, *until);
  // Blocks are written in batches of up to kBlocksPerTransaction, one SQLite transaction each
  // (one commit instead of one per block while catching up). A failing block is undone alone:
  // the whole blocks before it are committed, then the error is returned.
  std::uint64_t applied = 0;
  std::uint64_t n = last ? last->number + 1 : 0;
  while (n <= head) {
    const std::uint64_t end = std::min(head, n + (kBlocksPerTransaction - 1));
    EV_TRY(exec(db_->db, "BEGIN IMMEDIATE"));
    db_->batch_empty = true;
    Result<void> r = ok();
    for (; n <= end; ++n) {
      auto hash = chain.block_hash(n);
      if (!hash) {
        r = std::move(hash).error();
        break;
      }
      r = apply_block(chain, n, *hash);
      if (!r) break;
      ++applied;
    }
    db_->batch_empty = false;
    // (A failure of the batch's first block has already rolled the transaction back.)
    Result<void> c = ok();
    if (sqlite3_get_autocommit(db_->db) == 0) {
      c = exec(db_->db, "COMMIT");
      if (!c) (void)exec(db_->db, "ROLLBACK");
    }
    if (!r) return std::move(r).error();
    if (!c) return std::move(c).error();
  }
  return applied;
}

Result<std::uint64_t> Mirror::rebuild(ChainSource& chain) {
  EV_TRY(exec(db_->db,
              "BEGIN IMMEDIATE; DELETE FROM events; DELETE FROM blocks; DELETE FROM pointers; "
              "DELETE FROM epochs; DELETE FROM epoch_deks; DELETE FROM live_blobs; "
              "DELETE FROM agents; DELETE FROM workers; DELETE FROM approved_measurements; "
              "DELETE FROM meta WHERE k IN ('last_number', 'last_hash', 'genesis_hash'); COMMIT"));
  return sync(chain);
}

Result<std::vector<Divergence>> Mirror::verify(ChainSource& chain) {
  auto last = EV_TRY(last_block());
  if (!last) return make_error(MirrorErrc::WrongChain, "the mirror has not read any block yet");
  std::vector<Divergence> out;
  for (const auto& it : kItems) {
    std::map<Bytes, Bytes> on_chain;
    for (Bytes& key : EV_TRY(chain.keys(item_prefix(it.item), last->hash))) {
      auto v = EV_TRY(chain.storage(key, last->hash));
      if (v) on_chain.emplace(std::move(key), std::move(*v));
    }
    std::map<Bytes, Bytes> mirrored;
    const std::string sql = std::string("SELECT key, raw FROM ") + it.table + " ORDER BY key";
    Stmt s(db_->db, sql.c_str());
    while (EV_TRY(s.step())) mirrored.emplace(s.blob(0), s.blob(1));
    std::set<Bytes> all;
    for (const auto& [k, v] : on_chain) all.insert(k);
    for (const auto& [k, v] : mirrored) all.insert(k);
    for (const Bytes& k : all) {
      auto c = on_chain.find(k);
      auto m = mirrored.find(k);
      const std::string cv = c == on_chain.end() ? "absent" : to_hex(c->second);
      const std::string mv = m == mirrored.end() ? "absent" : to_hex(m->second);
      if (cv != mv) out.push_back({std::string(it.item), describe_key(it.item, k), mv, cv});
    }
  }
  return out;
}

Result<std::optional<VaultPointer>> Mirror::pointer(const AccountId& wallet, const BlobId& blob) {
  Stmt s(db_->db, "SELECT raw FROM pointers WHERE key = ?");
  s.bind_blob(1, pointers_key(wallet, blob));
  if (!EV_TRY(s.step())) return std::optional<VaultPointer>{};
  return std::optional<VaultPointer>(EV_TRY(decode_vault_pointer(s.blob(0))));
}

Result<std::vector<std::pair<BlobId, VaultPointer>>> Mirror::pointers(const AccountId& wallet) {
  Stmt s(db_->db, "SELECT key, raw FROM pointers WHERE wallet = ? ORDER BY blob_id");
  s.bind(1, to_hex(wallet));
  std::vector<std::pair<BlobId, VaultPointer>> out;
  while (EV_TRY(s.step())) {
    auto [w, blob] = EV_TRY(parse_pointers_key(s.blob(0)));
    out.emplace_back(blob, EV_TRY(decode_vault_pointer(s.blob(1))));
  }
  return out;
}

Result<std::optional<EpochInfo>> Mirror::epoch(const AccountId& wallet) {
  Stmt s(db_->db, "SELECT raw FROM epochs WHERE key = ?");
  s.bind_blob(1, epochs_key(wallet));
  if (!EV_TRY(s.step())) return std::optional<EpochInfo>{};
  return std::optional<EpochInfo>(EV_TRY(decode_epoch_info(s.blob(0))));
}

Result<std::optional<AgentGrant>> Mirror::grant(const AccountId& wallet, const AccountId& agent) {
  Stmt s(db_->db, "SELECT raw FROM agents WHERE key = ?");
  s.bind_blob(1, agents_key(wallet, agent));
  if (!EV_TRY(s.step())) return std::optional<AgentGrant>{};
  return std::optional<AgentGrant>(EV_TRY(decode_agent_grant(s.blob(0))));
}

Result<bool> Mirror::dek_present(const AccountId& wallet, Epoch epoch) {
  Stmt s(db_->db, "SELECT 1 FROM epoch_deks WHERE key = ?");
  s.bind_blob(1, epoch_deks_key(wallet, epoch));
  return s.step();
}

Result<std::vector<std::pair<AccountId, EpochInfo>>> Mirror::wallets() {
  std::vector<std::pair<AccountId, EpochInfo>> out;
  Stmt s(db_->db, "SELECT key, raw FROM epochs ORDER BY key");
  while (EV_TRY(s.step())) {
    out.emplace_back(EV_TRY(parse_epochs_key(s.blob(0))), EV_TRY(decode_epoch_info(s.blob(1))));
  }
  return out;
}

Result<std::vector<std::pair<AccountId, AgentGrant>>> Mirror::grants(const AccountId& wallet) {
  std::vector<std::pair<AccountId, AgentGrant>> out;
  Stmt s(db_->db, "SELECT key, raw FROM agents WHERE wallet = ? ORDER BY key");
  s.bind(1, to_hex(wallet));
  while (EV_TRY(s.step())) {
    out.emplace_back(EV_TRY(parse_agents_key(s.blob(0))).second,
                     EV_TRY(decode_agent_grant(s.blob(1))));
  }
  return out;
}

Result<std::vector<Epoch>> Mirror::dek_epochs(const AccountId& wallet) {
  std::vector<Epoch> out;
  Stmt s(db_->db, "SELECT epoch FROM epoch_deks WHERE wallet = ? ORDER BY epoch");
  s.bind(1, to_hex(wallet));
  while (EV_TRY(s.step())) out.push_back(static_cast<Epoch>(s.i64(0)));
  return out;
}

Result<std::uint64_t> Mirror::event_count() {
  Stmt s(db_->db, "SELECT COUNT(*) FROM events");
  EV_TRY(s.step());
  return static_cast<std::uint64_t>(s.i64(0));
}

Result<std::string> Mirror::dump_state() {
  std::string out;
  for (const auto& it : kItems) {
    const std::string sql = std::string("SELECT key, raw FROM ") + it.table + " ORDER BY key";
    Stmt s(db_->db, sql.c_str());
    while (EV_TRY(s.step())) {
      out += std::string(it.item) + " " + to_hex(s.blob(0)) + " " + to_hex(s.blob(1)) + "\n";
    }
  }
  Stmt e(db_->db,
         "SELECT block, block_hash, event_index, extrinsic_index, name, fields FROM events "
         "ORDER BY block, event_index");
  while (EV_TRY(e.step())) {
    out += "event " + std::to_string(e.i64(0)) + " " + e.text(1) + " " + std::to_string(e.i64(2)) +
           " " + (e.is_null(3) ? std::string("-") : std::to_string(e.i64(3))) + " " + e.text(4) +
           " " + e.text(5) + "\n";
  }
  auto last = EV_TRY(last_block());
  if (last) out += "last " + std::to_string(last->number) + " " + to_hex(last->hash) + "\n";
  return out;
}

}  // namespace ev::vault
