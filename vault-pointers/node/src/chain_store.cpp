// The dev node's SQLite chain store. Schema: docs/devnode.md ("Chain store").
#include "ev/devnode/chain_store.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace ev {
std::string_view ErrorTraits<devnode::StoreErrc>::message(devnode::StoreErrc e) {
  using devnode::StoreErrc;
  switch (e) {
    case StoreErrc::Sqlite: return "SQLite error";
    case StoreErrc::SchemaTooNew: return "chain store written by a newer schema";
    case StoreErrc::NotAStore: return "not a dev node chain store";
    case StoreErrc::InvalidBlock: return "invalid block";
    case StoreErrc::Corrupt: return "corrupt chain store";
  }
  return "unknown chain store error";
}
}  // namespace ev

namespace ev::devnode {
namespace {

// PRAGMA application_id: "EVDN".
constexpr int kApplicationId = 0x4556444e;

constexpr const char* kSchema = R"sql(
CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value BLOB NOT NULL
) WITHOUT ROWID;
CREATE TABLE blocks (
  number INTEGER PRIMARY KEY,
  hash   BLOB NOT NULL UNIQUE CHECK (length(hash) = 32),
  parent BLOB NOT NULL CHECK (length(parent) = 32),
  header BLOB NOT NULL
);
CREATE TABLE extrinsics (
  block INTEGER NOT NULL REFERENCES blocks(number),
  idx   INTEGER NOT NULL,
  data  BLOB NOT NULL,
  PRIMARY KEY (block, idx)
) WITHOUT ROWID;
CREATE TABLE storage (
  key   BLOB NOT NULL,
  block INTEGER NOT NULL,
  value BLOB,
  PRIMARY KEY (key, block)
) WITHOUT ROWID;
)sql";

// The latest version of each key at or below ?at, restricted to a key range.
constexpr const char* kLiveKeysSql = R"sql(
SELECT s.key, s.value FROM storage AS s
WHERE s.key >= ?1 AND (?2 IS NULL OR s.key < ?2) AND (?3 IS NULL OR s.key > ?3)
  AND s.block = (SELECT MAX(block) FROM storage WHERE key = s.key AND block <= ?4)
  AND s.value IS NOT NULL
ORDER BY s.key
LIMIT ?5
)sql";

Error sqlite_error(sqlite3* db, std::string_view what) {
  std::string detail(what);
  detail += ": ";
  detail += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  return make_error(StoreErrc::Sqlite, detail);
}

// A prepared statement. An owned one is finalised on destruction; a borrowed one (from the
// connection's statement cache) is reset and its bindings cleared, ready for the next use.
class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* s, bool owned = true) : db_(db), s_(s), owned_(owned) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(std::exchange(o.s_, nullptr)), owned_(o.owned_) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  ~Stmt() {
    if (s_ == nullptr) return;
    if (owned_) {
      sqlite3_finalize(s_);
    } else {
      reset();
    }
  }

  // Ready to bind and step again.
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  [[nodiscard]] Result<void> bind(int i, ByteSpan b) {
    // A zero-length blob must still bind as a blob, not NULL: pass a non-null pointer.
    static const std::uint8_t kEmpty = 0;
    const void* p = b.empty() ? &kEmpty : b.data();
    return check(sqlite3_bind_blob64(s_, i, p, b.size(), SQLITE_TRANSIENT), "bind blob");
  }
  [[nodiscard]] Result<void> bind_text(int i, std::string_view t) {
    return check(sqlite3_bind_text64(s_, i, t.data(), t.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
                 "bind text");
  }
  [[nodiscard]] Result<void> bind_int(int i, std::int64_t v) {
    return check(sqlite3_bind_int64(s_, i, v), "bind integer");
  }
  [[nodiscard]] Result<void> bind_null(int i) {
    return check(sqlite3_bind_null(s_, i), "bind null");
  }

  // true: a row is available; false: done.
  [[nodiscard]] Result<bool> step() {
    const int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return sqlite_error(db_, "step");
  }
  [[nodiscard]] Result<void> run() {
    const bool row = EV_TRY(step());
    (void)row;
    return ok();
  }

  [[nodiscard]] Bytes blob(int col) const {
    const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(s_, col));
    const int n = sqlite3_column_bytes(s_, col);
    return p == nullptr || n <= 0 ? Bytes{} : Bytes(p, p + n);
  }
  [[nodiscard]] std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p == nullptr ? std::string() : std::string(p);
  }
  [[nodiscard]] bool is_null(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  [[nodiscard]] std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }

 private:
  Result<void> check(int rc, std::string_view what) {
    if (rc != SQLITE_OK) return sqlite_error(db_, what);
    return ok();
  }
  sqlite3* db_;
  sqlite3_stmt* s_;
  bool owned_;
};

Result<BlockHash> to_hash(const Bytes& b, std::string_view what) {
  if (b.size() != 32) {
    return make_error(StoreErrc::Corrupt,
                      std::string(what) + " has " + std::to_string(b.size()) + " bytes, not 32");
  }
  BlockHash h{};
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

// The smallest byte string greater than every string starting with `prefix`; nullopt when none
// exists (empty prefix or all 0xff).
std::optional<Bytes> prefix_end(ByteSpan prefix) {
  Bytes end(prefix.begin(), prefix.end());
  while (!end.empty()) {
    if (end.back() != 0xff) {
      ++end.back();
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

}  // namespace

struct ChainStore::Impl {
  sqlite3* db = nullptr;
  mutable std::mutex mu;
  // Prepared statements of this connection, keyed by their SQL (string literals), prepared once
  // with SQLITE_PREPARE_PERSISTENT and reused under mu.
  mutable std::unordered_map<std::string_view, sqlite3_stmt*> cache;

  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  Impl(Impl&&) = delete;
  Impl& operator=(Impl&&) = delete;
  ~Impl() {
    for (const auto& [sql, s] : cache) sqlite3_finalize(s);
    if (db != nullptr) sqlite3_close_v2(db);
  }

  // A one-off statement (schema setup, pragmas), finalised after use.
  Result<Stmt> prepare(std::string_view sql) const {
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), 0, &s, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(s);
      return sqlite_error(db, "prepare");
    }
    return Stmt(db, s);
  }

  // The cached statement for `sql`, which must outlive the store (a string literal); reset and
  // unbound again when the returned Stmt goes out of scope. REQUIRES: mu held.
  Result<Stmt> cached(std::string_view sql) const {
    if (auto it = cache.find(sql); it != cache.end()) return Stmt(db, it->second, false);
    sqlite3_stmt* s = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &s, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(s);
      return sqlite_error(db, "prepare");
    }
    cache.emplace(sql, s);
    return Stmt(db, s, false);
  }

  Result<void> exec(const char* sql, std::string_view what) const {
    char* msg = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &msg);
    if (rc != SQLITE_OK) {
      std::string detail = std::string(what) + ": " + (msg != nullptr ? msg : sqlite3_errstr(rc));
      sqlite3_free(msg);
      return make_error(StoreErrc::Sqlite, detail);
    }
    return ok();
  }

  Result<std::int64_t> pragma_int(const char* sql) const {
    Stmt s = EV_TRY(prepare(sql));
    if (!EV_TRY(s.step())) return make_error(StoreErrc::Sqlite, std::string(sql) + ": no row");
    return s.integer(0);
  }

  Result<void> init_schema(bool durable) {
    EV_TRY(exec("PRAGMA foreign_keys = ON", "enable foreign keys"));
    if (durable) {
      Stmt wal = EV_TRY(prepare("PRAGMA journal_mode = WAL"));
      if (!EV_TRY(wal.step()) || wal.text(0) != "wal") {
        return make_error(StoreErrc::Sqlite, "cannot switch to the WAL journal");
      }
      EV_TRY(exec("PRAGMA synchronous = NORMAL", "set synchronous"));
    }
    EV_TRY(exec("BEGIN IMMEDIATE", "begin schema check"));
    Result<void> r = check_or_create_schema();
    if (!r.ok()) {
      (void)exec("ROLLBACK", "rollback schema check");
      return r;
    }
    return exec("COMMIT", "commit schema");
  }

  Result<void> check_or_create_schema() {
    const std::int64_t version = EV_TRY(pragma_int("PRAGMA user_version"));
    const std::int64_t app = EV_TRY(pragma_int("PRAGMA application_id"));
    const std::int64_t tables = EV_TRY(pragma_int("SELECT count(*) FROM sqlite_schema"));
    if (app != kApplicationId && (app != 0 || tables != 0)) {
      return make_error(StoreErrc::NotAStore, "application_id " + std::to_string(app) + " and " +
                                                  std::to_string(tables) + " schema objects");
    }
    if (version > kChainStoreSchemaVersion) {
      return make_error(StoreErrc::SchemaTooNew,
                        "file has schema version " + std::to_string(version) +
                            ", this program reads up to " +
                            std::to_string(kChainStoreSchemaVersion) + ": use a newer program");
    }
    if (version == kChainStoreSchemaVersion) return ok();
    EV_TRY(exec(kSchema, "create schema"));
    const std::string stamp = "PRAGMA application_id = " + std::to_string(kApplicationId) +
                              "; PRAGMA user_version = " + std::to_string(kChainStoreSchemaVersion);
    return exec(stamp.c_str(), "stamp schema version");
  }

  Result<std::optional<BlockRef>> best() const {
    Stmt s = EV_TRY(cached("SELECT number, hash FROM blocks ORDER BY number DESC LIMIT 1"));
    if (!EV_TRY(s.step())) return std::optional<BlockRef>();
    BlockRef ref;
    ref.number = static_cast<std::uint32_t>(s.integer(0));
    ref.hash = EV_TRY(to_hash(s.blob(1), "block hash"));
    return std::optional<BlockRef>(ref);
  }

  Result<void> check_successor(const BlockRecord& b) const {
    const std::optional<BlockRef> top = EV_TRY(best());
    if (!top) {
      if (b.number != 0) {
        return make_error(StoreErrc::InvalidBlock,
                          "empty store: first block must be 0, got " + std::to_string(b.number));
      }
      return ok();
    }
    if (b.number != top->number + 1) {
      return make_error(StoreErrc::InvalidBlock, "block " + std::to_string(b.number) +
                                                     " does not follow best block " +
                                                     std::to_string(top->number));
    }
    if (b.parent != top->hash) {
      return make_error(StoreErrc::InvalidBlock, "block " + std::to_string(b.number) + ": parent " +
                                                     to_hex(b.parent) + " is not the best block " +
                                                     to_hex(top->hash));
    }
    Stmt dup = EV_TRY(cached("SELECT 1 FROM blocks WHERE hash = ?1"));
    EV_TRY(dup.bind(1, b.hash));
    if (EV_TRY(dup.step())) {
      return make_error(StoreErrc::InvalidBlock, "hash " + to_hex(b.hash) + " already stored");
    }
    return ok();
  }

  Result<void> insert_block(const BlockRecord& b) const {
    Stmt s =
        EV_TRY(cached("INSERT INTO blocks (number, hash, parent, header) VALUES (?1, ?2, ?3, ?4)"));
    EV_TRY(s.bind_int(1, b.number));
    EV_TRY(s.bind(2, b.hash));
    EV_TRY(s.bind(3, b.parent));
    EV_TRY(s.bind(4, b.header));
    EV_TRY_CTX("insert block", s.run());
    Stmt x = EV_TRY(cached("INSERT INTO extrinsics (block, idx, data) VALUES (?1, ?2, ?3)"));
    for (std::size_t i = 0; i < b.extrinsics.size(); ++i) {
      EV_TRY(x.bind_int(1, b.number));
      EV_TRY(x.bind_int(2, static_cast<std::int64_t>(i)));
      EV_TRY(x.bind(3, b.extrinsics[i]));
      EV_TRY_CTX("insert extrinsic", x.run());
      x.reset();
    }
    Stmt c = EV_TRY(cached("INSERT INTO storage (key, block, value) VALUES (?1, ?2, ?3)"));
    for (const auto& [key, value] : b.changes) {
      EV_TRY(c.bind(1, key));
      EV_TRY(c.bind_int(2, b.number));
      if (value) {
        EV_TRY(c.bind(3, *value));
      } else {
        EV_TRY(c.bind_null(3));
      }
      EV_TRY_CTX("insert storage change", c.run());
      c.reset();
    }
    return ok();
  }

  Result<void> commit(const BlockRecord& b) const {
    EV_TRY(exec("BEGIN IMMEDIATE", "begin block"));
    Result<void> r = check_successor(b);
    if (r.ok()) r = insert_block(b);
    if (!r.ok()) {
      (void)exec("ROLLBACK", "rollback block");
      return std::move(r).error().context("block " + std::to_string(b.number));
    }
    Result<void> c = exec("COMMIT", "commit block");
    if (!c.ok()) (void)exec("ROLLBACK", "rollback block");
    return c;
  }

  Result<std::vector<std::pair<Bytes, Bytes>>> live(ByteSpan prefix, ByteSpan start_key,
                                                    std::int64_t limit, std::uint32_t at) const {
    Stmt s = EV_TRY(cached(kLiveKeysSql));
    EV_TRY(s.bind(1, prefix));
    const std::optional<Bytes> end = prefix_end(prefix);
    if (end) {
      EV_TRY(s.bind(2, *end));
    } else {
      EV_TRY(s.bind_null(2));
    }
    if (start_key.empty()) {
      EV_TRY(s.bind_null(3));
    } else {
      EV_TRY(s.bind(3, start_key));
    }
    EV_TRY(s.bind_int(4, at));
    EV_TRY(s.bind_int(5, limit));
    std::vector<std::pair<Bytes, Bytes>> out;
    while (EV_TRY(s.step())) out.emplace_back(s.blob(0), s.blob(1));
    return out;
  }
};

namespace {

Result<std::unique_ptr<ChainStore::Impl>> open_impl(const std::string& path, int flags,
                                                    bool durable) {
  auto impl = std::make_unique<ChainStore::Impl>();
  const int rc = sqlite3_open_v2(path.c_str(), &impl->db, flags, nullptr);
  if (rc != SQLITE_OK) {
    return make_error(StoreErrc::Sqlite,
                      "open " + path + ": " +
                          (impl->db != nullptr ? sqlite3_errmsg(impl->db) : sqlite3_errstr(rc)));
  }
  if (sqlite3_extended_result_codes(impl->db, 1) != SQLITE_OK) {
    return sqlite_error(impl->db, "enable extended result codes");
  }
  if (sqlite3_busy_timeout(impl->db, 5000) != SQLITE_OK) {
    return sqlite_error(impl->db, "set busy timeout");
  }
  EV_TRY_CTX("open " + path, impl->init_schema(durable));
  return impl;
}

}  // namespace

ChainStore::ChainStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChainStore::~ChainStore() = default;

Result<std::unique_ptr<ChainStore>> ChainStore::open(const std::string& path) {
  auto impl = EV_TRY(open_impl(
      path,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      true));
  return std::unique_ptr<ChainStore>(new ChainStore(std::move(impl)));
}

Result<std::unique_ptr<ChainStore>> ChainStore::open_memory() {
  auto impl = EV_TRY(open_impl(":memory:",
                               SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                                   SQLITE_OPEN_MEMORY | SQLITE_OPEN_EXRESCODE,
                               false));
  return std::unique_ptr<ChainStore>(new ChainStore(std::move(impl)));
}

Result<void> ChainStore::commit_block(const BlockRecord& block) {
  std::lock_guard lock(impl_->mu);
  return impl_->commit(block);
}

Result<std::optional<BlockRef>> ChainStore::best() const {
  std::lock_guard lock(impl_->mu);
  return impl_->best();
}

Result<std::optional<BlockHash>> ChainStore::hash_of(std::uint32_t number) const {
  std::lock_guard lock(impl_->mu);
  Stmt s = EV_TRY(impl_->cached("SELECT hash FROM blocks WHERE number = ?1"));
  EV_TRY(s.bind_int(1, number));
  if (!EV_TRY(s.step())) return std::optional<BlockHash>();
  return std::optional<BlockHash>(EV_TRY(to_hash(s.blob(0), "block hash")));
}

Result<std::optional<std::uint32_t>> ChainStore::number_of(const BlockHash& hash) const {
  std::lock_guard lock(impl_->mu);
  Stmt s = EV_TRY(impl_->cached("SELECT number FROM blocks WHERE hash = ?1"));
  EV_TRY(s.bind(1, hash));
  if (!EV_TRY(s.step())) return std::optional<std::uint32_t>();
  return std::optional<std::uint32_t>(static_cast<std::uint32_t>(s.integer(0)));
}

Result<std::optional<StoredBlock>> ChainStore::block(const BlockHash& hash) const {
  std::lock_guard lock(impl_->mu);
  Stmt s = EV_TRY(impl_->cached("SELECT number, parent, header FROM blocks WHERE hash = ?1"));
  EV_TRY(s.bind(1, hash));
  if (!EV_TRY(s.step())) return std::optional<StoredBlock>();
  StoredBlock b;
  b.number = static_cast<std::uint32_t>(s.integer(0));
  b.hash = hash;
  b.parent = EV_TRY(to_hash(s.blob(1), "parent hash"));
  b.header = s.blob(2);
  Stmt x = EV_TRY(impl_->cached("SELECT data FROM extrinsics WHERE block = ?1 ORDER BY idx"));
  EV_TRY(x.bind_int(1, b.number));
  while (EV_TRY(x.step())) b.extrinsics.push_back(x.blob(0));
  return std::optional<StoredBlock>(std::move(b));
}

Result<std::optional<Bytes>> ChainStore::header(const BlockHash& hash) const {
  std::lock_guard lock(impl_->mu);
  Stmt s = EV_TRY(impl_->cached("SELECT header FROM blocks WHERE hash = ?1"));
  EV_TRY(s.bind(1, hash));
  if (!EV_TRY(s.step())) return std::optional<Bytes>();
  return std::optional<Bytes>(s.blob(0));
}

Result<std::optional<Bytes>> ChainStore::get(ByteSpan key, std::uint32_t at) const {
  std::lock_guard lock(impl_->mu);
  Stmt s = EV_TRY(impl_->cached(
      "SELECT value FROM storage WHERE key = ?1 AND block <= ?2 ORDER BY block DESC LIMIT 1"));
  EV_TRY(s.bind(1, key));
  EV_TRY(s.bind_int(2, at));
  if (!EV_TRY(s.step()) || s.is_null(0)) return std::optional<Bytes>();
  return std::optional<Bytes>(s.blob(0));
}

Result<std::vector<Bytes>> ChainStore::keys_paged(ByteSpan prefix, std::uint32_t count,
                                                  ByteSpan start_key, std::uint32_t at) const {
  std::lock_guard lock(impl_->mu);
  auto rows = EV_TRY(impl_->live(prefix, start_key, count, at));
  std::vector<Bytes> keys;
  keys.reserve(rows.size());
  for (auto& row : rows) keys.push_back(std::move(row.first));
  return keys;
}

Result<std::vector<std::pair<Bytes, Bytes>>> ChainStore::pairs(ByteSpan prefix,
                                                               std::uint32_t at) const {
  std::lock_guard lock(impl_->mu);
  return impl_->live(prefix, {}, -1, at);
}

Result<std::optional<Bytes>> ChainStore::get_meta(std::string_view key) const {
  std::lock_guard lock(impl_->mu);
  Stmt s = EV_TRY(impl_->cached("SELECT value FROM meta WHERE key = ?1"));
  EV_TRY(s.bind_text(1, key));
  if (!EV_TRY(s.step())) return std::optional<Bytes>();
  return std::optional<Bytes>(s.blob(0));
}

Result<void> ChainStore::set_meta(std::string_view key, ByteSpan value) {
  std::lock_guard lock(impl_->mu);
  Stmt s =
      EV_TRY(impl_->cached("INSERT INTO meta (key, value) VALUES (?1, ?2) "
                           "ON CONFLICT (key) DO UPDATE SET value = excluded.value"));
  EV_TRY(s.bind_text(1, key));
  EV_TRY(s.bind(2, value));
  EV_TRY_CTX("set meta " + std::string(key), s.run());
  return ok();
}

}  // namespace ev::devnode
