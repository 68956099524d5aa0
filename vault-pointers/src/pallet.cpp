// The VaultPointers state transition. Each handler only reads and returns a Plan (the outcome,
// the writes and the event); dispatch() applies a Plan only when its outcome is Ok.
// Check order and error choices: docs/pallet.md.
#include "ev/vault/pallet.hpp"

#include <limits>
#include <string>
#include <utility>

#include "ev/chain/hash.hpp"
#include "ev/chain/scale.hpp"
#include "ev/vault/registry.hpp"
#include "ev/vault/storage.hpp"

namespace ev::vault {

namespace {

struct Plan {
  DispatchOutcome outcome;
  std::vector<std::pair<Bytes, std::optional<Bytes>>> writes;  // nullopt = erase
  std::optional<Event> event;

  template <class T>
  void put(Bytes key, const T& value) {
    writes.emplace_back(std::move(key), scale::encode(value));
  }
  void erase(Bytes key) { writes.emplace_back(std::move(key), std::nullopt); }
  // LiveBlobs is a ValueQuery with default 0: a zero count is stored as an absent key.
  void put_count(Bytes key, std::uint32_t n) {
    if (n == 0) {
      erase(std::move(key));
    } else {
      put(std::move(key), n);
    }
  }
};

Plan fail(DispatchOutcome o) { return Plan{o, {}, std::nullopt}; }
Plan fail(PalletError e) { return fail(DispatchOutcome::module(e)); }
Plan done(Plan p, Event e) {
  p.event = std::move(e);
  return p;
}

// A failed check: the outcome to report, or nullopt when the check passed.
using Check = std::optional<DispatchOutcome>;

#define EV_REQUIRE(cond, err)                   \
  do {                                          \
    if (!(cond)) return fail(PalletError::err); \
  } while (0)
#define EV_CHECK(...)                            \
  do {                                           \
    const Check ev_check_ = EV_TRY(__VA_ARGS__); \
    if (ev_check_) return fail(*ev_check_);      \
  } while (0)

struct Env {
  const StateAccess& state;
  BlockNumber block;
  std::int64_t now = 0;
  ByteArray<32> genesis_hash{};
};

template <class T>
Result<std::optional<T>> read(const StateAccess& s, const Bytes& key, std::string_view what) {
  std::optional<Bytes> raw = s.get(key);
  if (!raw) return std::optional<T>();
  auto v = scale::decode_all<T>(*raw);
  if (!v) {
    return make_error(VaultErrc::CorruptState,
                      std::string(what) + " at 0x" + to_hex(key, false) + ": " + v.error().message);
  }
  return std::optional<T>(std::move(v).value());
}

Result<std::uint32_t> live_count(const StateAccess& s, const AccountId& w, Epoch e) {
  auto n = EV_TRY(read<std::uint32_t>(s, live_blobs_key(w, e), "LiveBlobs"));
  return n.value_or(0);
}

Result<std::optional<EpochInfo>> epoch_info(const StateAccess& s, const AccountId& w) {
  return read<EpochInfo>(s, epochs_key(w), "Epochs");
}

Error corrupt(std::string_view what) { return make_error(VaultErrc::CorruptState, what); }

Check require_root(const Origin& o) {
  if (o.kind != Origin::Kind::Root) return DispatchOutcome::bad_origin();
  return std::nullopt;
}
Check require_signed(const Origin& o) {
  if (o.kind != Origin::Kind::Signed) return DispatchOutcome::bad_origin();
  return std::nullopt;
}

enum class Need { Serve, Rotate, Any };

// A worker's attestation has lapsed once the block's time passed its expiry.
bool attestation_lapsed(const WorkerInfo& w, std::int64_t now) {
  return now < 0 || static_cast<std::uint64_t>(now) > w.expires_at;
}

// The registry's genesis configuration (production defaults when genesis set none).
Result<AttestationConfig> attestation_config(const StateAccess& s) {
  auto c = EV_TRY(read<AttestationConfig>(s, attestation_config_key(), "AttestationConfig"));
  return c ? std::move(*c) : production_attestation_config();
}

// The signer is a registered worker of the needed role whose measurement is still approved
// for that worker's role.
Result<Check> require_worker(const Env& env, const Origin& o, Need need) {
  const StateAccess& s = env.state;
  const std::int64_t now = env.now;
  if (Check c = require_signed(o)) return c;
  auto w = EV_TRY(read<WorkerInfo>(s, workers_key(o.who), "Workers"));
  if (!w) return Check(DispatchOutcome::module(PalletError::NotWorker));
  const bool role_ok = need == Need::Any || (need == Need::Serve && w->role == Role::Serve) ||
                       (need == Need::Rotate && w->role == Role::Rotate);
  if (!role_ok) return Check(DispatchOutcome::module(PalletError::WrongRole));
  auto approved =
      EV_TRY(read<Role>(s, approved_measurements_key(w->measurement), "ApprovedMeasurements"));
  if (!approved || *approved != w->role) {
    return Check(DispatchOutcome::module(PalletError::MeasurementNotApproved));
  }
  if (attestation_lapsed(*w, now)) {
    return Check(DispatchOutcome::module(PalletError::AttestationExpired));
  }
  return Check();
}

Result<Check> ok_check(Check c) { return c; }

Result<Plan> handle(const ApproveMeasurement& c, const Origin& o, const Env&) {
  EV_CHECK(ok_check(require_root(o)));
  Plan p;
  p.put(approved_measurements_key(c.measurement), c.role);
  return done(std::move(p), MeasurementApproved{c.measurement, c.role});
}

Result<Plan> handle(const RevokeMeasurement& c, const Origin& o, const Env& env) {
  EV_CHECK(ok_check(require_root(o)));
  const Bytes key = approved_measurements_key(c.measurement);
  auto role = EV_TRY(read<Role>(env.state, key, "ApprovedMeasurements"));
  EV_REQUIRE(role.has_value(), MeasurementNotApproved);
  Plan p;
  p.erase(key);
  return done(std::move(p), MeasurementRevoked{c.measurement});
}

Result<Plan> handle(const RegisterWorker& c, const Origin& o, const Env& env) {
  EV_CHECK(ok_check(require_signed(o)));
  EV_REQUIRE(c.attestation.size() <= kMaxAttestationBytes, TooLong);
  auto role = EV_TRY(
      read<Role>(env.state, approved_measurements_key(c.measurement), "ApprovedMeasurements"));
  EV_REQUIRE(role.has_value(), MeasurementNotApproved);
  EV_REQUIRE(*role == c.role, WrongRole);
  const AttestationConfig config = EV_TRY(attestation_config(env.state));
  auto attested = verify_worker_attestation(c.attestation, c.measurement, o.who, config,
                                            env.genesis_hash, env.now);
  if (!attested) return fail(registry_error(attested.error()));
  Plan p;
  p.put(workers_key(o.who), WorkerInfo{c.role, c.measurement, chain::blake2_256(c.attestation),
                                       env.block, attested->platform, attested->tcb_status,
                                       attested->attested_at, attested->expires_at});
  return done(std::move(p),
              WorkerRegistered{o.who, c.role, c.measurement, attested->platform,
                               attested->tcb_status, attested->attested_at, attested->expires_at});
}

Result<Plan> handle(const AuthorizeAgent& c, const Origin& o, const Env& env) {
  EV_CHECK(ok_check(require_signed(o)));
  Plan p;
  p.put(agents_key(o.who, c.agent), AgentGrant{c.services, env.block, std::nullopt, c.access});
  return done(std::move(p), AgentAuthorized{o.who, c.agent, c.services, c.access});
}

Result<Plan> handle(const RevokeAgent& c, const Origin& o, const Env& env) {
  EV_CHECK(ok_check(require_signed(o)));
  const Bytes key = agents_key(o.who, c.agent);
  auto grant = EV_TRY(read<AgentGrant>(env.state, key, "Agents"));
  EV_REQUIRE(grant.has_value(), NoSuchGrant);
  EV_REQUIRE(grant->active(), AgentRevoked);
  grant->revoked_at = env.block;
  Plan p;
  p.put(key, *grant);
  return done(std::move(p), AgentRevoked{o.who, c.agent});
}

Result<Plan> handle(const OpenEpoch& c, const Origin& o, const Env& env) {
  EV_CHECK(require_worker(env, o, Need::Any));
  auto info = EV_TRY(epoch_info(env.state, c.wallet));
  EV_REQUIRE(!info.has_value(), EpochExists);
  Plan p;
  p.put(epochs_key(c.wallet), EpochInfo{1, env.block, Operator{}});
  p.put(epoch_deks_key(c.wallet, 1), EpochDek{c.wrapped_dek, env.block});
  return done(std::move(p), EpochRotated{c.wallet, 0, 1, Operator{}});
}

// The agent may write for the wallet: it is the wallet, or holds an active grant covering
// the service that allows writing (Access::ReadWrite).
Result<Check> require_agent(const StateAccess& s, const AccountId& wallet, const AccountId& agent,
                            const ServiceName& service) {
  if (agent == wallet) return Check();
  auto grant = EV_TRY(read<AgentGrant>(s, agents_key(wallet, agent), "Agents"));
  if (!grant) return Check(DispatchOutcome::module(PalletError::AgentNotAuthorized));
  if (!grant->active()) return Check(DispatchOutcome::module(PalletError::AgentRevoked));
  if (!grant->covers(service)) {
    return Check(DispatchOutcome::module(PalletError::AgentNotAuthorized));
  }
  if (!grant->can_write()) return Check(DispatchOutcome::module(PalletError::AgentReadOnly));
  return Check();
}

Result<Plan> handle(const RegisterBlob& c, const Origin& o, const Env& env) {
  EV_CHECK(require_worker(env, o, Need::Serve));
  auto info = EV_TRY(epoch_info(env.state, c.wallet));
  EV_REQUIRE(info.has_value(), NoEpoch);
  EV_REQUIRE(c.epoch == info->current, EpochMismatch);
  const Bytes key = pointers_key(c.wallet, c.blob_id);
  EV_REQUIRE(!env.state.get(key).has_value(), BlobExists);
  EV_CHECK(require_agent(env.state, c.wallet, c.agent, c.service));
  const std::uint32_t live = EV_TRY(live_count(env.state, c.wallet, c.epoch));
  EV_REQUIRE(live < std::numeric_limits<std::uint32_t>::max(), Overflow);
  Plan p;
  p.put(key, VaultPointer{c.service, c.agent, c.epoch, c.ciphertext_hash, c.size, env.block,
                          env.block, c.name, c.readers});
  p.put_count(live_blobs_key(c.wallet, c.epoch), live + 1);
  return done(std::move(p), BlobWritten{c.wallet, c.blob_id, c.service, c.agent, c.epoch,
                                        c.ciphertext_hash, c.name});
}

Result<Plan> handle(const ReencryptBlob& c, const Origin& o, const Env& env) {
  EV_CHECK(require_worker(env, o, Need::Any));
  const Bytes key = pointers_key(c.wallet, c.blob_id);
  auto ptr = EV_TRY(read<VaultPointer>(env.state, key, "Pointers"));
  EV_REQUIRE(ptr.has_value(), NoSuchBlob);
  EV_REQUIRE(ptr->epoch == c.from_epoch, EpochMismatch);
  auto info = EV_TRY(epoch_info(env.state, c.wallet));
  EV_REQUIRE(info.has_value(), NoEpoch);
  EV_REQUIRE(c.to_epoch == info->current, EpochMismatch);
  Plan p;
  if (c.from_epoch != c.to_epoch) {
    const std::uint32_t from_live = EV_TRY(live_count(env.state, c.wallet, c.from_epoch));
    const std::uint32_t to_live = EV_TRY(live_count(env.state, c.wallet, c.to_epoch));
    if (from_live == 0) return corrupt("LiveBlobs of the pointer's epoch is 0");
    EV_REQUIRE(to_live < std::numeric_limits<std::uint32_t>::max(), Overflow);
    p.put_count(live_blobs_key(c.wallet, c.from_epoch), from_live - 1);
    p.put_count(live_blobs_key(c.wallet, c.to_epoch), to_live + 1);
  }
  ptr->epoch = c.to_epoch;
  ptr->ciphertext_hash = c.ciphertext_hash;
  ptr->size = c.size;
  ptr->updated_at = env.block;
  p.put(key, *ptr);
  return done(std::move(p),
              BlobReencrypted{c.wallet, c.blob_id, c.from_epoch, c.to_epoch, c.ciphertext_hash});
}

Result<Plan> handle(const RemoveBlob& c, const Origin& o, const Env& env) {
  EV_CHECK(require_worker(env, o, Need::Any));
  const Bytes key = pointers_key(c.wallet, c.blob_id);
  auto ptr = EV_TRY(read<VaultPointer>(env.state, key, "Pointers"));
  EV_REQUIRE(ptr.has_value(), NoSuchBlob);
  const std::uint32_t live = EV_TRY(live_count(env.state, c.wallet, ptr->epoch));
  if (live == 0) return corrupt("LiveBlobs of the pointer's epoch is 0");
  Plan p;
  p.erase(key);
  p.put_count(live_blobs_key(c.wallet, ptr->epoch), live - 1);
  return done(std::move(p), BlobRemoved{c.wallet, c.blob_id, ptr->epoch});
}

Result<Plan> handle(const RotateEpoch& c, const Origin& o, const Env& env) {
  EV_CHECK(require_worker(env, o, Need::Rotate));
  auto info = EV_TRY(epoch_info(env.state, c.wallet));
  EV_REQUIRE(info.has_value(), NoEpoch);
  EV_REQUIRE(c.from_epoch == info->current, EpochMismatch);
  EV_REQUIRE(c.from_epoch < std::numeric_limits<Epoch>::max(), Overflow);
  const Epoch next = c.from_epoch + 1;
  Plan p;
  p.put(epochs_key(c.wallet), EpochInfo{next, env.block, c.reason});
  p.put(epoch_deks_key(c.wallet, next), EpochDek{c.wrapped_dek, env.block});
  return done(std::move(p), EpochRotated{c.wallet, c.from_epoch, next, c.reason});
}

Result<Plan> handle(const DestroyEpoch& c, const Origin& o, const Env& env) {
  EV_CHECK(require_worker(env, o, Need::Rotate));
  auto info = EV_TRY(epoch_info(env.state, c.wallet));
  EV_REQUIRE(info.has_value(), NoEpoch);
  EV_REQUIRE(c.epoch < info->current, EpochStillLive);
  const std::uint32_t live = EV_TRY(live_count(env.state, c.wallet, c.epoch));
  EV_REQUIRE(live == 0, LiveBlobsRemain);
  const Bytes dek_key = epoch_deks_key(c.wallet, c.epoch);
  EV_REQUIRE(env.state.get(dek_key).has_value(), NoSuchDek);
  Plan p;
  p.erase(dek_key);
  return done(std::move(p),
              EpochDestroyed{c.wallet, c.epoch, c.objects_deleted, c.deletion_digest});
}

#undef EV_REQUIRE
#undef EV_CHECK

}  // namespace

Result<DispatchOutcome> dispatch(const Call& call, const Origin& origin, DispatchContext& ctx) {
  const Env env{ctx.state, ctx.block, ctx.now, ctx.genesis_hash};
  Plan plan = EV_TRY(std::visit([&](const auto& c) { return handle(c, origin, env); }, call));
  if (!plan.outcome.ok()) return plan.outcome;
  EV_ASSERT(plan.event.has_value(), "a successful VaultPointers call emits an event");
  for (const auto& [key, value] : plan.writes) {
    if (value) {
      ctx.state.put(key, *value);
    } else {
      ctx.state.erase(key);
    }
  }
  ctx.events.push_back(std::move(*plan.event));
  return plan.outcome;
}

}  // namespace ev::vault
