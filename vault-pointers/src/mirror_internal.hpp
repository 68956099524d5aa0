// Internals of the SQLite mirror shared by its source files (mirror.cpp: opening and storage
// rows; mirror_sync.cpp: following the chain; mirror_queries.cpp: reads; mirror_verify.cpp:
// comparison with chain state). Not a public header.
#pragma once

#include <sqlite3.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ev/vault/events.hpp"
#include "ev/vault/mirror.hpp"
#include "ev/vault/storage.hpp"

namespace ev::vault {
namespace detail {

inline constexpr int kSchemaVersion = 1;
inline constexpr std::uint32_t kKeysPage = 1000;
// Blocks written per SQLite transaction by one sync pass.
inline constexpr std::uint64_t kBlocksPerTransaction = 256;

inline constexpr const char* kSchema = R"sql(
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
inline constexpr const char* kPragmas =
    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=8192; "
    "PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;";

// The mirrored storage items and their tables, in dump order.
struct ItemTable {
  std::string_view item;
  const char* table;
};
inline constexpr ItemTable kItems[] = {
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

// A storage entry an event touched; for a Pointers entry also the key's parts.
struct Touched {
  std::string_view item;
  Bytes key;
  std::optional<std::pair<AccountId, BlobId>> pointer_key;
  Touched(std::string_view i, Bytes k) : item(i), key(std::move(k)) {}
  Touched(std::string_view i, const AccountId& wallet, const BlobId& blob)
      : item(i), key(pointers_key(wallet, blob)), pointer_key(std::pair(wallet, blob)) {}
};

Result<void> exec(sqlite3* db, const char* sql);

Error chain_data(std::string_view what, const Error& e);

// The storage entries an event touched.
std::vector<Touched> touched(const Event& ev);

// The wallet an event concerns (for the events table's index), if any.
std::optional<AccountId> wallet_of(const Event& ev);

const char* table_of(std::string_view item_name);

// Writes the decoded row of one storage entry (key, raw SCALE value). `pointer_key`: the parts
// of a Pointers key when the caller built the key from them (saves parsing it back).
Result<void> upsert(StmtCache& db, std::string_view item_name, ByteSpan key, ByteSpan raw,
                    const std::optional<std::pair<AccountId, BlobId>>& pointer_key = {});

Result<void> erase(StmtCache& db, std::string_view item_name, ByteSpan key);

Result<void> set_meta(StmtCache& db, std::string_view k, std::string_view v);

Result<std::optional<std::string>> get_meta(StmtCache& db, std::string_view k);

// A readable name for an entry's key: the decoded key parts.
std::string describe_key(std::string_view item_name, ByteSpan key);

}  // namespace detail

struct Mirror::Db {
  sqlite3* db = nullptr;
  detail::StmtCache stmts;  // statements of db, finalised before it closes
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

}  // namespace ev::vault
