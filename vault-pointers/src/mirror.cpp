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
#include "mirror_internal.hpp"

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
namespace detail {

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
                    const std::optional<std::pair<AccountId, BlobId>>& pointer_key) {
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

}  // namespace detail

using namespace detail;

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

}  // namespace ev::vault
