#include "ev/worker/rotate.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ev/enclave/dek.hpp"
#include "ev/worker/blobs.hpp"
#include "ev/worker/destruction.hpp"
#include "ev/worker/errors.hpp"
#include "ev/worker/http_gate.hpp"
#include "ev/worker/listen.hpp"
#include "ev/worker/reattest.hpp"
#include "parallel.hpp"

namespace ev::worker {

namespace {

void log(const std::string& line) { std::fprintf(stderr, "rotate: %s\n", line.c_str()); }

std::string short_hex(const AccountId& a) { return to_hex(a).substr(0, 10) + "…"; }

// The worker's own bookkeeping: when it first saw each wallet's current epoch (for the
// schedule) and the drain deadline of each draining epoch. Only timing lives here; what to do is
// always derived from the chain and the store.
class StateDb {
 public:
  static Result<std::unique_ptr<StateDb>> open(const std::filesystem::path& file) {
    sqlite3* db = nullptr;
    if (sqlite3_open(file.c_str(), &db) != SQLITE_OK) {
      std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      return make_error(WorkerErrc::Config, "cannot open " + file.string() + ": " + msg);
    }
    auto s = std::unique_ptr<StateDb>(new StateDb(db));
    EV_TRY(s->exec(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE IF NOT EXISTS epoch_seen (wallet TEXT PRIMARY KEY, epoch INTEGER NOT NULL,"
        " since INTEGER NOT NULL);"
        "CREATE TABLE IF NOT EXISTS drains (wallet TEXT NOT NULL, epoch INTEGER NOT NULL,"
        " since INTEGER NOT NULL, deadline INTEGER NOT NULL, missed INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (wallet, epoch));"
        "CREATE TABLE IF NOT EXISTS known_hashes (key TEXT PRIMARY KEY, hash TEXT NOT NULL);"));
    return s;
  }
  ~StateDb() { sqlite3_close(db_); }
  StateDb(const StateDb&) = delete;
  StateDb& operator=(const StateDb&) = delete;

  // When `epoch` was first seen current for the wallet (now, if it is new).
  Result<std::int64_t> observe(const AccountId& w, Epoch epoch, std::int64_t now) {
    const std::string wh = to_hex(w);
    std::int64_t since = now;
    bool found = false;
    EV_TRY(
        query("SELECT epoch, since FROM epoch_seen WHERE wallet = ?", {wh}, [&](sqlite3_stmt* st) {
          if (static_cast<Epoch>(sqlite3_column_int64(st, 0)) == epoch) {
            since = sqlite3_column_int64(st, 1);
            found = true;
          }
        }));
    if (!found) {
      EV_TRY(query("INSERT OR REPLACE INTO epoch_seen VALUES (?, ?, ?)",
                   {wh, std::to_string(epoch), std::to_string(now)}, {}));
    }
    return since;
  }

  Result<void> drain(const AccountId& w, Epoch e, std::int64_t now, std::int64_t deadline) {
    return query("INSERT OR IGNORE INTO drains (wallet, epoch, since, deadline) VALUES (?,?,?,?)",
                 {to_hex(w), std::to_string(e), std::to_string(now), std::to_string(deadline)}, {});
  }
  Result<void> drained(const AccountId& w, Epoch e) {
    return query("DELETE FROM drains WHERE wallet = ? AND epoch = ?",
                 {to_hex(w), std::to_string(e)}, {});
  }
  // SHA-256 of old objects the sweep fetched and checked against their pointer: the
  // destruction digest needs them and need not fetch those objects again. A cache only: a
  // missing entry means "fetch it".
  Result<void> remember(const std::vector<std::pair<std::string, vault::Hash256>>& objects) {
    if (objects.empty()) return ok();
    EV_TRY(exec("BEGIN"));
    for (const auto& [key, hash] : objects) {
      auto r = query("INSERT OR REPLACE INTO known_hashes VALUES (?, ?)", {key, to_hex(hash)}, {});
      if (!r) {
        (void)exec("ROLLBACK");
        return r;
      }
    }
    return exec("COMMIT");
  }
  // Every remembered hash of keys starting with `prefix`, in one query.
  Result<std::map<std::string, vault::Hash256>> known_under(const std::string& prefix) {
    std::map<std::string, vault::Hash256> out;
    EV_TRY(query("SELECT key, hash FROM known_hashes WHERE substr(key, 1, ?) = ?",
                 {std::to_string(prefix.size()), prefix}, [&](sqlite3_stmt* st) {
                   auto h = from_hex_fixed<32>(
                       reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
                   if (h)
                     out.emplace(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), *h);
                 }));
    return out;
  }
  Result<void> forget(const std::vector<std::pair<std::string, vault::Hash256>>& objects) {
    if (objects.empty()) return ok();
    EV_TRY(exec("BEGIN"));
    for (const auto& o : objects) {
      auto r = query("DELETE FROM known_hashes WHERE key = ?", {o.first}, {});
      if (!r) {
        (void)exec("ROLLBACK");
        return r;
      }
    }
    return exec("COMMIT");
  }

  // Draining epochs past their deadline not reported yet; marks them reported.
  Result<std::vector<std::pair<std::string, Epoch>>> newly_missed(std::int64_t now) {
    std::vector<std::pair<std::string, Epoch>> out;
    EV_TRY(query("SELECT wallet, epoch FROM drains WHERE missed = 0 AND deadline < ?",
                 {std::to_string(now)}, [&](sqlite3_stmt* st) {
                   out.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                                    static_cast<Epoch>(sqlite3_column_int64(st, 1)));
                 }));
    EV_TRY(query("UPDATE drains SET missed = 1 WHERE missed = 0 AND deadline < ?",
                 {std::to_string(now)}, {}));
    return out;
  }

 private:
  explicit StateDb(sqlite3* db) : db_(db) {}
  Result<void> exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "error";
      sqlite3_free(err);
      return make_error(WorkerErrc::Config, "rotate state: " + msg);
    }
    return ok();
  }
  template <class F>
  Result<void> query(const char* sql, const std::vector<std::string>& args, F&& row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) {
      return make_error(WorkerErrc::Config, std::string("rotate state: ") + sqlite3_errmsg(db_));
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
      if (sqlite3_bind_text(st, static_cast<int>(i + 1), args[i].c_str(), -1, SQLITE_TRANSIENT) !=
          SQLITE_OK) {
        std::string msg = sqlite3_errmsg(db_);
        sqlite3_finalize(st);
        return make_error(WorkerErrc::Config,
                          "rotate state: binding parameter " + std::to_string(i + 1) + ": " + msg);
      }
    }
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      if constexpr (!std::is_same_v<std::decay_t<F>, std::nullptr_t>) {
        if constexpr (std::is_invocable_v<F, sqlite3_stmt*>) row(st);
      }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
      return make_error(WorkerErrc::Config, std::string("rotate state: ") + sqlite3_errmsg(db_));
    }
    return ok();
  }
  Result<void> query(const char* sql, const std::vector<std::string>& args,
                     std::initializer_list<int> /*no rows*/) {
    return query(sql, args, [](sqlite3_stmt*) {});
  }

  sqlite3* db_;
};

}  // namespace

struct RotateWorker::Impl {
  explicit Impl(Enclave e) : enclave(std::move(e)) {}
  Enclave enclave;
  std::unique_ptr<VaultChain> chain;
  std::unique_ptr<s3::ObjectStore> store;
  RotateOptions opt;
  std::unique_ptr<StateDb> state;
  Clock* clock = &system_clock();
  // Randomness comes from the enclave platform.
  [[nodiscard]] enclave::Rng& rng() { return *enclave.platform; }
  [[nodiscard]] std::int64_t unix_now() { return clock->unix_seconds(); }

  std::mutex stats_mu;
  TickReport totals;
  std::int64_t last_tick = 0;
  bool last_tick_ok = false;
  std::string last_error;
  std::atomic<std::uint16_t> health_port{0};
  std::unique_ptr<GatedServer> http;  // /healthz and /metrics, once start_health() bound
  std::thread http_thread;

  Result<void> rotate(const AccountId& w, Epoch from, const vault::RotationReason& reason,
                      TickReport& rep) {
    auto fresh = EV_TRY(enclave::new_epoch_dek(enclave.shielding, w, from + 1, rng()));
    vault::RotateEpoch call;
    call.wallet = w;
    call.from_epoch = from;
    call.wrapped_dek = EV_TRY(vault::WrappedDek::from(fresh.wrapped));
    call.reason = reason;
    const auto out = EV_TRY(chain->submit(enclave.signer, call));
    if (!out.success) {
      return make_error(WorkerErrc::Rejected, "rotate_epoch " + std::to_string(from) + " -> " +
                                                  std::to_string(from + 1) + ": " +
                                                  out.error.value_or("failed"));
    }
    ++rep.rotations;
    log("rotated wallet " + to_hex(w) + " epoch " + std::to_string(from) + " -> " +
        std::to_string(from + 1) + " (" + std::string(vault::reason_name(reason)) + ", block " +
        std::to_string(out.block) + ")");
    return ok();
  }

  // Re-encrypts or removes every pointer still at epoch `e`, in batches.
  Result<void> sweep(const AccountId& w, Epoch e, Epoch current, TickReport& rep) {
    auto all = EV_TRY(chain->pointers(w));
    std::vector<std::pair<BlobId, vault::VaultPointer>> todo;
    for (auto& x : all) {
      if (x.second.epoch == e) todo.push_back(std::move(x));
    }
    if (todo.empty()) return ok();
    // Every credential moves to the new epoch, those a revoked agent wrote included: a
    // revocation ends the agent's access, never the wallet's credentials (docs/workers.md).
    const enclave::Dek from = EV_TRY(load_dek(*chain, enclave.shielding, w, e));
    const enclave::Dek to = EV_TRY(load_dek(*chain, enclave.shielding, w, current));
    log("sweeping wallet " + to_hex(w) + " epoch " + std::to_string(e) + " -> " +
        std::to_string(current) + ": " + std::to_string(todo.size()) + " blobs");
    std::size_t done = 0;
    const std::size_t threads = std::max<std::size_t>(1, opt.concurrency);
    Inflight inflight;
    for (std::size_t start = 0; start < todo.size(); start += opt.batch) {
      const std::size_t n = std::min(opt.batch, todo.size() - start);
      std::vector<std::optional<vault::Call>> calls(n);
      std::vector<std::string> failures(n);
      std::vector<std::unique_ptr<enclave::DekCipher>> from_c(threads), to_c(threads);
      detail::parallel_for(n, threads, [&](std::size_t i, std::size_t t) {
        const auto& [id, p] = todo[start + i];
        if (!from_c[t]) {
          from_c[t] = std::make_unique<enclave::DekCipher>(from);
          to_c[t] = std::make_unique<enclave::DekCipher>(to);
        }
        auto mv =
            move_blob(*store, opt.store_prefix, *from_c[t], *to_c[t], w, id, p, current, rng());
        if (mv) {
          calls[i] = *mv;
        } else {
          failures[i] = mv.error().to_string();
        }
      });
      std::vector<vault::Call> ready;
      std::vector<std::pair<std::string, vault::Hash256>> verified;  // old objects we hashed
      for (std::size_t i = 0; i < n; ++i) {
        if (calls[i]) {
          ready.push_back(*calls[i]);
          const auto& [id, p] = todo[start + i];
          if (std::holds_alternative<vault::ReencryptBlob>(*calls[i])) {
            if (auto k = blob_key(opt.store_prefix, w, p.service.view(), e, id)) {
              verified.emplace_back(*k, p.ciphertext_hash);
            }
          }
        }
        if (!failures[i].empty()) {
          ++rep.errors;
          log("blob " + uuid_text(todo[start + i].first) + ": " + failures[i]);
        }
      }
      // The previous batch's chain call ran while this batch was re-encrypted: settle it first,
      // so calls reach the chain in order and at most one batch is in flight.
      EV_TRY(settle(inflight, rep));
      if (ready.empty()) continue;
      EV_TRY(state->remember(verified));
      inflight.calls = std::move(ready);
      inflight.outcome = std::async(std::launch::async, [this, calls_ref = &inflight.calls] {
        return chain->submit_batch(enclave.signer, *calls_ref);
      });
      done += n;
      log("sweep wallet " + short_hex(w) + " epoch " + std::to_string(e) + ": " +
          std::to_string(done) + "/" + std::to_string(todo.size()));
    }
    return settle(inflight, rep);
  }

  // A batch submitted on its own thread while the next one is prepared.
  struct Inflight {
    std::vector<vault::Call> calls;
    std::future<Result<CallOutcome>> outcome;
  };

  Result<void> settle(Inflight& b, TickReport& rep) {
    if (!b.outcome.valid()) return ok();
    auto count = [&rep](const vault::Call& c) {
      if (std::holds_alternative<vault::RemoveBlob>(c)) {
        ++rep.removed;
      } else {
        ++rep.reencrypted;
      }
    };
    const auto out = EV_TRY(b.outcome.get());
    if (out.success) {
      for (const auto& c : b.calls) count(c);
    } else {
      // One call failed (e.g. serve moved that blob meanwhile): go one by one.
      for (const auto& c : b.calls) {
        const auto one = EV_TRY(chain->submit(enclave.signer, c));
        if (one.success) {
          count(c);
        } else if (!one.failed_with("NoSuchBlob") && !one.failed_with("EpochMismatch")) {
          ++rep.errors;
          log(std::string(vault::call_name(c)) + ": " + one.error.value_or("failed"));
        }
      }
    }
    b.calls.clear();
    return ok();
  }

  // Deletes the epoch's objects (until a listing comes back empty) and records the destruction:
  // the list / verify / delete / record steps of destruction.hpp, in rounds.
  Result<void> destroy(const AccountId& w, Epoch e, TickReport& rep) {
    DeletedObjects deleted;
    // Keys sent in a multi-object delete that failed as a whole: perhaps deleted. Those the
    // next listing no longer shows were deleted by it; the others are simply deleted again.
    std::map<std::string, vault::Hash256> maybe;
    for (int round = 0;; ++round) {
      const auto keys = EV_TRY(list_epoch_objects(*store, opt.store_prefix, w, e));
      for (auto& d : settle_maybe(maybe, keys)) deleted.push_back(std::move(d));
      maybe.clear();
      if (keys.empty()) break;
      if (round == 3) {
        return make_error(WorkerErrc::Unavailable,
                          std::to_string(keys.size()) + " objects of epoch " + std::to_string(e) +
                              " remain after three deletion rounds (first: " + keys.front() +
                              "); " + std::to_string(deleted.size()) +
                              " deleted meanwhile are in the log, not in a destruction record");
      }
      // Each object's SHA-256: known when the sweep verified it against its pointer, else
      // fetched now (objects moved lazily by serve, revoked agents' blobs, orphans).
      const auto known = EV_TRY(state->known_under(opt.store_prefix + wallet_hex(w) + "/"));
      const auto hashes = object_hashes(*store, keys, known, opt.concurrency);
      DeletionRound r = delete_objects(*store, keys, hashes, opt.concurrency);
      log("wallet " + short_hex(w) + " epoch " + std::to_string(e) + ": deleted " +
          std::to_string(r.deleted.size()) + " of " + std::to_string(keys.size()) +
          " listed objects (round " + std::to_string(round + 1) + ")");
      for (auto& d : r.deleted) deleted.push_back(std::move(d));
      maybe = std::move(r.maybe);
    }
    const vault::DestroyEpoch call = destruction_record(w, e, deleted);
    const auto out = EV_TRY(chain->submit(enclave.signer, call));
    if (!out.success) {
      if (out.failed_with("NoSuchDek")) return ok();  // an earlier run recorded it
      return make_error(WorkerErrc::Rejected,
                        "destroy_epoch " + std::to_string(e) + ": " + out.error.value_or("failed"));
    }
    rep.objects_deleted += call.objects_deleted;
    ++rep.destroyed;
    EV_TRY(state->drained(w, e));
    EV_TRY(state->forget(deleted));
    log("destroyed wallet " + to_hex(w) + " epoch " + std::to_string(e) + ": " +
        std::to_string(call.objects_deleted) + " objects deleted, digest " +
        to_hex(call.deletion_digest) + " (block " + std::to_string(out.block) + ")");
    return ok();
  }

  Result<void> process(const AccountId& w, const vault::EpochInfo& listed, TickReport& rep) {
    // Sweeps of other wallets may have taken a while: read the wallet's state now before
    // deciding, so that a revocation is never taken for a scheduled rotation.
    const vault::EpochInfo info = EV_TRY(chain->epoch(w)).value_or(listed);
    const std::int64_t now = unix_now();
    Epoch current = info.current;
    const std::int64_t since = EV_TRY(state->observe(w, current, now));
    std::optional<vault::RotationReason> reason;
    for (const auto& [agent, g] : EV_TRY(chain->grants(w))) {
      if (g.revoked_at && *g.revoked_at >= info.rotated_at) {
        reason = vault::Revocation{agent};
        break;
      }
    }
    if (!reason && now - since >= opt.period.count()) reason = vault::Scheduled{};
    if (reason) {
      // The chain state decides: re-read it just before the call.
      const auto live = EV_TRY(chain->epoch(w));
      if (live && live->current == current) {
        auto r = rotate(w, current, *reason, rep);
        if (!r) {
          ++rep.errors;
          log(r.error().to_string());
        }
      }
      const auto after = EV_TRY(chain->epoch(w));
      if (after && after->current != current) {
        const bool revocation = std::holds_alternative<vault::Revocation>(after->reason);
        const auto deadline = revocation ? opt.revocation_deadline : opt.scheduled_deadline;
        EV_TRY(state->drain(w, after->current - 1, now, now + deadline.count()));
        current = after->current;
        EV_TRY(state->observe(w, current, now));
      }
    }
    for (const Epoch e : EV_TRY(chain->dek_epochs(w))) {
      if (e >= current) continue;
      EV_TRY(state->drain(w, e, now, now + opt.scheduled_deadline.count()));
      EV_TRY(sweep(w, e, current, rep));
      if (EV_TRY(chain->live_blobs(w, e)) != 0) continue;  // next pass
      if (!EV_TRY(chain->dek_on_chain(w, e))) {
        EV_TRY(state->drained(w, e));
        continue;
      }
      EV_TRY(destroy(w, e, rep));
    }
    return ok();
  }

  Result<TickReport> tick() {
    TickReport rep;
    // The chain position this pass follows (reported by /healthz and the block gauges).
    const ChainPosition pos = EV_TRY(chain->position());
    rep.block = pos.best;
    rep.finalized = pos.finalized;
    for (const auto& [w, info] : EV_TRY(chain->wallets())) {
      auto r = process(w, info, rep);
      if (!r) {
        ++rep.errors;
        log("wallet " + to_hex(w) + ": " + r.error().to_string());
      }
    }
    for (const auto& [w, e] : EV_TRY(state->newly_missed(unix_now()))) {
      ++rep.deadlines_missed;
      log("ERROR: drain deadline missed for wallet " + w + " epoch " + std::to_string(e));
    }
    {
      std::lock_guard lock(stats_mu);
      totals.block = rep.block;
      totals.finalized = rep.finalized;
      totals.rotations += rep.rotations;
      totals.reencrypted += rep.reencrypted;
      totals.removed += rep.removed;
      totals.objects_deleted += rep.objects_deleted;
      totals.destroyed += rep.destroyed;
      totals.deadlines_missed += rep.deadlines_missed;
      totals.errors += rep.errors;
    }
    return rep;
  }

  std::string metrics() {
    std::lock_guard lock(stats_mu);
    std::string out;
    auto metric = [&out](const char* type, const char* name, const char* help, std::uint64_t v) {
      out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
             name + " " + std::to_string(v) + "\n";
    };
    metric("counter", "epochvault_rotate_rotations_total",
           "Epochs rotated (revocation and scheduled).", totals.rotations);
    metric("counter", "epochvault_rotate_reencrypted_total",
           "Blobs moved to the current epoch by sweeps.", totals.reencrypted);
    metric("counter", "epochvault_rotate_removed_total",
           "Pointers of revoked agents removed by sweeps.", totals.removed);
    metric("counter", "epochvault_rotate_objects_deleted_total",
           "Objects of draining epochs deleted from the store.", totals.objects_deleted);
    metric("counter", "epochvault_rotate_epochs_destroyed_total",
           "Epochs whose destruction was recorded on chain.", totals.destroyed);
    metric("counter", "epochvault_rotate_deadline_missed_total",
           "Draining epochs still undestroyed past their deadline.", totals.deadlines_missed);
    metric("counter", "epochvault_rotate_errors_total",
           "Failures logged and left for the next pass (a blob, a call, a rotation or a wallet).",
           totals.errors);
    metric("gauge", "epochvault_rotate_block", "Best block number the last pass followed.",
           totals.block);
    metric("gauge", "epochvault_rotate_finalized_block",
           "Finalized block number the last pass followed.", totals.finalized);
    out += verified_view_metrics("epochvault_rotate", chain->verified());
    return out;
  }
};

RotateWorker::RotateWorker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RotateWorker::~RotateWorker() {
  if (impl_ && impl_->http) {
    impl_->http->stop();
    if (impl_->http_thread.joinable()) impl_->http_thread.join();
    impl_->http->shutdown();
  }
}

Result<std::unique_ptr<RotateWorker>> RotateWorker::create(Enclave enclave,
                                                           std::unique_ptr<VaultChain> chain,
                                                           std::unique_ptr<s3::ObjectStore> store,
                                                           RotateOptions options) {
  if (options.batch == 0 || options.batch > 1000) {
    return make_error(WorkerErrc::Config, "batch must be 1..1000");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.state_dir, ec);
  if (ec) {
    return make_error(WorkerErrc::Config,
                      "cannot create " + options.state_dir.string() + ": " + ec.message());
  }
  auto impl = std::make_unique<Impl>(std::move(enclave));
  impl->chain = std::move(chain);
  impl->store = std::move(store);
  impl->opt = std::move(options);
  if (impl->opt.clock != nullptr) impl->clock = impl->opt.clock;
  impl->state = EV_TRY(StateDb::open(impl->opt.state_dir / "rotate-state.db"));
  return std::unique_ptr<RotateWorker>(new RotateWorker(std::move(impl)));
}

Result<TickReport> RotateWorker::tick() {
  auto r = impl_->tick();
  record(r);
  return r;
}

std::uint16_t RotateWorker::health_port() const { return impl_->health_port.load(); }

Result<std::uint16_t> RotateWorker::start_health() {
  if (impl_->opt.health_port == 0 || impl_->http) return impl_->health_port.load();
  // Behind the gate, as serve: slow or idle clients never hold the threads that answer /healthz.
  HttpLimits limits;
  limits.threads = 2;
  limits.max_connections = 64;
  limits.max_per_client = 8;
  limits.max_body = 0;
  auto http = std::make_unique<GatedServer>(limits);
  exclusive_port(*http);
  http->Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(impl_->stats_mu);
    const bool fresh = impl_->last_tick_ok;
    // `block` and `finalized`: the chain position the last pass followed.
    nlohmann::json j = {{"status", fresh ? "ok" : "failing"},
                        {"role", "rotate"},
                        {"block", impl_->totals.block},
                        {"finalized", impl_->totals.finalized},
                        {"last_tick", impl_->last_tick}};
    if (!fresh) j["error"] = impl_->last_error;
    res.status = fresh ? 200 : 503;
    res.set_content(j.dump(), "application/json");
  });
  http->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(impl_->metrics(), "text/plain; version=0.0.4");
  });
  if (!http->bind_to_port(impl_->opt.health_host, impl_->opt.health_port)) {
    return make_error(WorkerErrc::Config,
                      "cannot listen on " + impl_->opt.health_host + ":" +
                          std::to_string(impl_->opt.health_port) +
                          " for /healthz: the address is in use or not available");
  }
  impl_->http = std::move(http);
  impl_->health_port = impl_->opt.health_port;
  impl_->http_thread = std::thread([h = impl_->http.get()] { h->listen_after_bind(); });
  return impl_->health_port.load();
}

void RotateWorker::record(const Result<TickReport>& r) {
  std::lock_guard lock(impl_->stats_mu);
  impl_->last_tick = impl_->unix_now();
  impl_->last_tick_ok = r.ok();
  impl_->last_error = r ? "" : r.error().to_string();
}

void RotateWorker::run(const std::atomic<bool>& stop) {
  // Renews the registration before the chain's attestation lifetime runs out.
  std::mutex platform_mu;
  Reattester reattester(impl_->enclave, *impl_->chain, platform_mu, std::chrono::minutes(1),
                        [](const std::string& line) { log(line); });
  reattester.start();
  while (!stop) {
    auto r = impl_->tick();
    record(r);
    if (!r) log("pass failed: " + r.error().to_string());
    const auto until = std::chrono::steady_clock::now() + impl_->opt.poll;
    while (!stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace ev::worker
