#include "ev/worker/rotate.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ev/common/digest.hpp"
#include "ev/enclave/dek.hpp"
#include "ev/s3/object_key.hpp"
#include "ev/vault/mirror.hpp"
#include "ev/worker/blobs.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

namespace {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
      sqlite3_bind_text(st, static_cast<int>(i + 1), args[i].c_str(), -1, SQLITE_TRANSIENT);
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

// Runs f(i) for i in [0, n) on up to `threads` threads.
template <class F>
void parallel_for(std::size_t n, std::size_t threads, F f) {
  threads = std::max<std::size_t>(1, std::min(threads, n));
  if (threads == 1) {
    for (std::size_t i = 0; i < n; ++i) f(i, 0);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = next++; i < n; i = next++) f(i, t);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace

vault::Hash256 deletion_digest(std::vector<std::pair<std::string, vault::Hash256>> deleted) {
  std::sort(deleted.begin(), deleted.end());
  Bytes buf;
  for (const auto& [key, hash] : deleted) {
    const auto n = static_cast<std::uint32_t>(key.size());
    for (int i = 0; i < 4; ++i) buf.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    buf.insert(buf.end(), key.begin(), key.end());
    buf.insert(buf.end(), hash.begin(), hash.end());
  }
  return sha256(buf);
}

struct RotateWorker::Impl {
  explicit Impl(Enclave e) : enclave(std::move(e)) {}
  Enclave enclave;
  std::unique_ptr<VaultChain> chain;
  std::unique_ptr<s3::ObjectStore> store;
  RotateOptions opt;
  std::unique_ptr<vault::Mirror> mirror;
  std::unique_ptr<vault::ChainSource> source;
  std::unique_ptr<StateDb> state;
  enclave::SystemRng rng;

  std::mutex stats_mu;
  TickReport totals;
  std::int64_t last_tick = 0;
  bool last_tick_ok = false;
  std::string last_error;
  std::atomic<std::uint16_t> health_port{0};

  Result<void> rotate(const AccountId& w, Epoch from, const vault::RotationReason& reason,
                      TickReport& rep) {
    auto fresh = EV_TRY(enclave::new_epoch_dek(enclave.shielding, w, from + 1, rng));
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
    std::map<AccountId, bool> revoked;
    for (const auto& [id, p] : todo) {
      if (p.agent == w || revoked.count(p.agent) != 0) continue;
      auto g = EV_TRY(chain->grant(w, p.agent));
      revoked[p.agent] = g && !g->active();
    }
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
      parallel_for(n, threads, [&](std::size_t i, std::size_t t) {
        const auto& [id, p] = todo[start + i];
        if (revoked.count(p.agent) != 0 && revoked.at(p.agent)) {
          calls[i] = vault::RemoveBlob{w, id};
          return;
        }
        if (!from_c[t]) {
          from_c[t] = std::make_unique<enclave::DekCipher>(from);
          to_c[t] = std::make_unique<enclave::DekCipher>(to);
        }
        auto mv = move_blob(*store, opt.store_prefix, *from_c[t], *to_c[t], w, id, p, current, rng);
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

  // Every object key of the wallet at epoch `e`. The wallet's services are found by skipping
  // through its keys in order (a one-key listing per service: all keys of a service lie between
  // "<wallet>/<service>/" and "<wallet>/<service>0", '0' being the byte after '/'), then each
  // service's epoch prefix is listed in full; the other epochs' objects are never listed.
  Result<std::vector<std::string>> epoch_objects(const AccountId& w, Epoch e) {
    const std::string base = opt.store_prefix + wallet_hex(w) + "/";
    std::vector<std::string> out;
    s3::ListOptions probe;
    probe.prefix = base;
    probe.max_keys = 1;
    for (;;) {
      auto first = store->list(probe);
      if (!first) return store_error(first.error(), "list " + base);
      if (first->objects.empty()) {
        // S3 may answer a page with fewer keys than asked, even none, and more to come.
        if (!first->truncated) break;
        probe.continuation_token = first->next_continuation_token;
        continue;
      }
      probe.continuation_token.clear();
      const std::string& key = first->objects.front().key;
      if (!probe.start_after.empty() && key <= probe.start_after) {
        return make_error(WorkerErrc::Unavailable, "the store ignored start-after " +
                                                       probe.start_after + " (answered " + key +
                                                       "); cannot enumerate the wallet's services");
      }
      const std::size_t slash = key.find('/', base.size());
      if (slash == std::string::npos) {  // "<wallet>/<name>": not a blob key
        log("ignoring foreign key " + key);
        probe.start_after = key;
        continue;
      }
      const std::string service_dir = key.substr(0, slash + 1);  // "<base><service>/"
      const std::string service = key.substr(base.size(), slash - base.size());
      probe.start_after = key.substr(0, slash);
      probe.start_after += '0';
      auto prefix = s3::epoch_prefix(opt.store_prefix, wallet_hex(w), service, e);
      if (!prefix) {  // a segment no service can have: nothing of ours under it
        log("ignoring foreign keys under " + service_dir);
        continue;
      }
      s3::ListOptions lo;
      lo.prefix = *prefix;
      for (;;) {
        auto page = store->list(lo);
        if (!page) return store_error(page.error(), "list " + lo.prefix);
        for (const auto& o : page->objects) {
          auto k = s3::parse_object_key(o.key, opt.store_prefix);
          // Keys that do not parse as blob keys are not ours to delete; they are reported.
          if (!k || k->epoch != e) {
            log("ignoring foreign key " + o.key);
            continue;
          }
          out.push_back(o.key);
        }
        if (!page->truncated) break;
        lo.continuation_token = page->next_continuation_token;
      }
    }
    return out;
  }

  // Deletes the epoch's objects (until a listing comes back empty) and records the destruction.
  Result<void> destroy(const AccountId& w, Epoch e, TickReport& rep) {
    std::vector<std::pair<std::string, vault::Hash256>> deleted;
    // Keys sent in a multi-object delete that failed as a whole: perhaps deleted. Those the
    // next listing no longer shows were deleted by it; the others are simply deleted again.
    std::map<std::string, vault::Hash256> maybe;
    for (int round = 0;; ++round) {
      const auto keys = EV_TRY(epoch_objects(w, e));
      if (!maybe.empty()) {
        const std::set<std::string> present(keys.begin(), keys.end());
        for (const auto& [key, hash] : maybe) {
          if (present.count(key) == 0) deleted.emplace_back(key, hash);
        }
        maybe.clear();
      }
      if (keys.empty()) break;
      if (round == 3) {
        return make_error(WorkerErrc::Unavailable,
                          std::to_string(keys.size()) + " objects of epoch " + std::to_string(e) +
                              " remain after three deletion rounds (first: " + keys.front() +
                              "); " + std::to_string(deleted.size()) +
                              " deleted meanwhile are in the log, not in a destruction record");
      }
      // Each object's SHA-256: known when the sweep verified it against its pointer, else
      // fetched now (objects moved lazily by serve, revoked agents' blobs, orphans). An object
      // whose hash could not be read is not deleted in this round: it is listed and read again
      // in the next, so every deleted object is in the digest.
      std::vector<std::optional<vault::Hash256>> hashes(keys.size());
      const auto known = EV_TRY(state->known_under(opt.store_prefix + wallet_hex(w) + "/"));
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (auto it = known.find(keys[i]); it != known.end()) hashes[i] = it->second;
      }
      parallel_for(keys.size(), opt.concurrency, [&](std::size_t i, std::size_t) {
        if (hashes[i]) return;
        auto obj = store->get(keys[i]);
        if (obj) {
          hashes[i] = sha256(obj->data);
        } else if (!is(obj.error(), s3::Errc::NotFound)) {
          log("reading " + keys[i] + " before deletion: " + obj.error().to_string());
        }
      });
      std::vector<std::size_t> todo;
      todo.reserve(keys.size());
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (hashes[i]) todo.push_back(i);
      }
      // Multi-object deletes of up to 1,000 keys, `concurrency` requests at a time. A key is
      // counted as deleted when its request succeeded and named no error for it.
      const std::size_t chunks = (todo.size() + s3::kMaxKeysPerCall - 1) / s3::kMaxKeysPerCall;
      auto chunk_of = [&](std::size_t c) {
        const std::size_t at = c * s3::kMaxKeysPerCall;
        return std::pair(at, std::min(todo.size(), at + s3::kMaxKeysPerCall));
      };
      std::vector<Result<s3::RemoveManyResult>> results(
          chunks, make_error(WorkerErrc::Unavailable, "not sent"));
      parallel_for(chunks, opt.concurrency, [&](std::size_t c, std::size_t) {
        const auto [at, end] = chunk_of(c);
        std::vector<std::string> chunk;
        chunk.reserve(end - at);
        for (std::size_t j = at; j < end; ++j) chunk.push_back(keys[todo[j]]);
        results[c] = store->remove_many(chunk);
      });
      const std::size_t before = deleted.size();
      for (std::size_t c = 0; c < chunks; ++c) {
        const auto [at, end] = chunk_of(c);
        const auto& r = results[c];
        if (!r) {
          log("deleting objects of epoch " + std::to_string(e) + ": " + r.error().to_string());
          for (std::size_t j = at; j < end; ++j) maybe.emplace(keys[todo[j]], *hashes[todo[j]]);
          continue;
        }
        std::set<std::string> failed;
        for (const auto& ke : r->errors) {
          failed.insert(ke.key);
          log("deleting " + ke.key + ": " + ke.error.to_string());
        }
        for (std::size_t j = at; j < end; ++j) {
          const std::size_t i = todo[j];
          if (failed.count(keys[i]) == 0) deleted.emplace_back(keys[i], *hashes[i]);
        }
      }
      log("wallet " + short_hex(w) + " epoch " + std::to_string(e) + ": deleted " +
          std::to_string(deleted.size() - before) + " of " + std::to_string(keys.size()) +
          " listed objects (round " + std::to_string(round + 1) + ")");
    }
    vault::DestroyEpoch call;
    call.wallet = w;
    call.epoch = e;
    call.objects_deleted = static_cast<std::uint32_t>(deleted.size());
    call.deletion_digest = deletion_digest(deleted);
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
    // Sweeps of other wallets may have taken a while: follow the chain up to now before deciding,
    // so that a revocation is never taken for a scheduled rotation.
    EV_TRY(mirror->sync(*source));
    const vault::EpochInfo info = EV_TRY(mirror->epoch(w)).value_or(listed);
    const std::int64_t now = unix_now();
    Epoch current = info.current;
    const std::int64_t since = EV_TRY(state->observe(w, current, now));
    std::optional<vault::RotationReason> reason;
    for (const auto& [agent, g] : EV_TRY(mirror->grants(w))) {
      if (g.revoked_at && *g.revoked_at >= info.rotated_at) {
        reason = vault::Revocation{agent};
        break;
      }
    }
    if (!reason && now - since >= opt.period.count()) reason = vault::Scheduled{};
    if (reason) {
      // The chain state decides: re-read it, the mirror may be a block behind our own calls.
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
    for (const Epoch e : EV_TRY(mirror->dek_epochs(w))) {
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
    rep.block = EV_TRY(mirror->sync(*source));
    for (const auto& [w, info] : EV_TRY(mirror->wallets())) {
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
    auto counter = [&out](const char* name, std::uint64_t v) {
      out += std::string("# TYPE ") + name + " counter\n" + name + " " + std::to_string(v) + "\n";
    };
    counter("epochvault_rotate_rotations_total", totals.rotations);
    counter("epochvault_rotate_reencrypted_total", totals.reencrypted);
    counter("epochvault_rotate_removed_total", totals.removed);
    counter("epochvault_rotate_objects_deleted_total", totals.objects_deleted);
    counter("epochvault_rotate_epochs_destroyed_total", totals.destroyed);
    counter("epochvault_rotate_deadline_missed_total", totals.deadlines_missed);
    counter("epochvault_rotate_errors_total", totals.errors);
    out += "# TYPE epochvault_rotate_block gauge\nepochvault_rotate_block " +
           std::to_string(totals.block) + "\n";
    return out;
  }
};

RotateWorker::RotateWorker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RotateWorker::~RotateWorker() = default;

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
  impl->mirror = EV_TRY(vault::Mirror::open((impl->opt.state_dir / "rotate-mirror.db").string()));
  impl->source = vault::chain_source(impl->chain->client());
  impl->state = EV_TRY(StateDb::open(impl->opt.state_dir / "rotate-state.db"));
  return std::unique_ptr<RotateWorker>(new RotateWorker(std::move(impl)));
}

Result<TickReport> RotateWorker::tick() { return impl_->tick(); }

std::uint16_t RotateWorker::health_port() const { return impl_->health_port.load(); }

void RotateWorker::run(const std::atomic<bool>& stop) {
  httplib::Server http;
  std::thread http_thread;
  if (impl_->opt.health_port != 0 || !impl_->opt.health_host.empty()) {
    http.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(impl_->stats_mu);
      const bool fresh = impl_->last_tick_ok;
      nlohmann::json j = {{"status", fresh ? "ok" : "failing"},
                          {"role", "rotate"},
                          {"block", impl_->totals.block},
                          {"last_tick", impl_->last_tick}};
      if (!fresh) j["error"] = impl_->last_error;
      res.status = fresh ? 200 : 503;
      res.set_content(j.dump(), "application/json");
    });
    http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      res.set_content(impl_->metrics(), "text/plain; version=0.0.4");
    });
    if (impl_->opt.health_port != 0) {
      const int port = http.bind_to_port(impl_->opt.health_host, impl_->opt.health_port)
                           ? impl_->opt.health_port
                           : -1;
      if (port > 0) {
        impl_->health_port = static_cast<std::uint16_t>(port);
        http_thread = std::thread([&http] { http.listen_after_bind(); });
      } else {
        log("cannot listen on " + impl_->opt.health_host + ":" +
            std::to_string(impl_->opt.health_port) + " (health endpoint disabled)");
      }
    }
  }
  while (!stop) {
    auto r = impl_->tick();
    {
      std::lock_guard lock(impl_->stats_mu);
      impl_->last_tick = unix_now();
      impl_->last_tick_ok = r.ok();
      impl_->last_error = r ? "" : r.error().to_string();
    }
    if (!r) log("pass failed: " + r.error().to_string());
    const auto until = std::chrono::steady_clock::now() + impl_->opt.poll;
    while (!stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  if (http_thread.joinable()) {
    http.stop();
    http_thread.join();
  }
}

}  // namespace ev::worker
