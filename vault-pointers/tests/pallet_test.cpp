// The state transition: every call's success and each failure path of the spec, on MemoryState.
#include <catch2/catch.hpp>

#include <limits>
#include <string>

#include "ev/chain/hash.hpp"
#include "ev/chain/scale.hpp"
#include "ev/vault/pallet.hpp"
#include "ev/vault/storage.hpp"
#include "pallet_harness.hpp"
#include "registry_test_helpers.hpp"
#include "vault_test_helpers.hpp"

using namespace ev;
using namespace ev::vault;

namespace {

using test::acct;
using test::blob;
// 48-byte measurements, as the simulated reports of the registrations carry.
Measurement meas(std::string_view s) { return test::meas48(s); }
using test::svc;
WrappedDek dek(std::uint8_t b) { return WrappedDek::from(Bytes(48, b)).value(); }

const AccountId kWallet = acct(1);
const AccountId kAgent = acct(2);
const AccountId kServe = acct(10);
const AccountId kRotate = acct(11);
const AccountId kStranger = acct(12);

using test::kGenesis;
using test::kStart;

struct Chain : test::PalletHarness {
  using PalletHarness::PalletHarness;

  // register_worker with a simulated attestation made for `who` on this chain.
  RegisterWorker reg(const AccountId& who, Role r, const Measurement& m) const {
    return RegisterWorker{r, m, test::sim_evidence(who, kGenesis, m)};
  }

  template <class T>
  std::optional<T> get(const Bytes& key) const {
    auto raw = state.get(key);
    if (!raw) return std::nullopt;
    return scale::decode_all<T>(*raw).value();
  }
  std::uint32_t live(Epoch e) const {
    return get<std::uint32_t>(live_blobs_key(kWallet, e)).value_or(0);
  }
  std::optional<EpochInfo> epoch() const { return get<EpochInfo>(epochs_key(kWallet)); }

  // Approved measurements "serve" and "rotate", one worker of each, the wallet's epoch 1.
  void setup_workers() {
    REQUIRE(root(ApproveMeasurement{meas("serve"), Role::Serve}).ok());
    REQUIRE(root(ApproveMeasurement{meas("rotate"), Role::Rotate}).ok());
    REQUIRE(as(kServe, reg(kServe, Role::Serve, meas("serve"))).ok());
    REQUIRE(as(kRotate, reg(kRotate, Role::Rotate, meas("rotate"))).ok());
  }
  void setup_epoch() {
    setup_workers();
    REQUIRE(as(kServe, OpenEpoch{kWallet, dek(1)}).ok());
  }
  RegisterBlob blob_call(std::uint8_t id, Epoch e = 1, const AccountId& agent = kWallet,
                         std::string_view service = "mail") {
    return RegisterBlob{kWallet, blob(id), svc(service), agent, e, Hash256{id}, 100, {}, {}};
  }
};

}  // namespace

TEST_CASE("approve_measurement: Root approves, signed origin is BadOrigin", "[pallet]") {
  Chain c;
  CHECK(c.as(kWallet, ApproveMeasurement{meas("m"), Role::Serve}) == DispatchOutcome::bad_origin());
  CHECK(c.state.entries().size() == 1);  // the genesis AttestationConfig only
  CHECK(c.root(ApproveMeasurement{meas("m"), Role::Serve}).ok());
  CHECK(c.get<Role>(approved_measurements_key(meas("m"))) == Role::Serve);
  REQUIRE(c.events.size() == 1);
  CHECK(c.events[0] == Event{MeasurementApproved{meas("m"), Role::Serve}});
}

TEST_CASE("revoke_measurement: removes the approval, workers lose their rights", "[pallet]") {
  Chain c;
  c.setup_epoch();
  CHECK(c.as(kServe, RevokeMeasurement{meas("serve")}) == DispatchOutcome::bad_origin());
  CHECK(c.root(RevokeMeasurement{meas("serve")}).ok());
  CHECK_FALSE(c.state.get(approved_measurements_key(meas("serve"))).has_value());
  CHECK(c.events.back() == Event{MeasurementRevoked{meas("serve")}});
  c.expect_error(kServe, c.blob_call(1), PalletError::MeasurementNotApproved);
  c.expect_error(kServe, RemoveBlob{kWallet, blob(1)}, PalletError::MeasurementNotApproved);
  // The rotate worker keeps its rights.
  CHECK(c.as(kRotate, RotateEpoch{kWallet, 1, dek(2), Scheduled{}}).ok());
}

TEST_CASE("revoke_measurement: an unknown measurement fails", "[pallet]") {
  Chain c;
  const auto o = c.root(RevokeMeasurement{meas("nope")});
  CHECK(o == DispatchOutcome::module(PalletError::MeasurementNotApproved));
  CHECK(c.events.empty());
}

TEST_CASE("register_worker: verifies the attestation and records what it proved", "[pallet]") {
  Chain c;
  REQUIRE(c.root(ApproveMeasurement{meas("m"), Role::Rotate}).ok());
  const RegisterWorker call = c.reg(kRotate, Role::Rotate, meas("m"));
  const BlockNumber at = c.block;
  REQUIRE(c.as(kRotate, call).ok());
  const auto w = c.get<WorkerInfo>(workers_key(kRotate));
  REQUIRE(w.has_value());
  const auto expires = static_cast<std::uint64_t>(kStart) + 24 * 3600;
  const WorkerInfo want{Role::Rotate,
                        meas("m"),
                        chain::blake2_256(call.attestation),
                        at,
                        AttestationPlatform::Simulated,
                        TcbStatus::from(std::string_view("Simulated")).value(),
                        static_cast<std::uint64_t>(kStart),
                        expires};
  CHECK(w->tcb_status.view() == want.tcb_status.view());
  CHECK(*w == want);
  CHECK(c.events.back() ==
        Event{WorkerRegistered{kRotate, Role::Rotate, meas("m"), AttestationPlatform::Simulated,
                               want.tcb_status, static_cast<std::uint64_t>(kStart), expires}});
}

TEST_CASE("register_worker: measurement must be approved for the role", "[pallet]") {
  Chain c;
  c.expect_error(kServe, c.reg(kServe, Role::Serve, meas("m")),
                 PalletError::MeasurementNotApproved);
  REQUIRE(c.root(ApproveMeasurement{meas("m"), Role::Rotate}).ok());
  c.expect_error(kServe, c.reg(kServe, Role::Serve, meas("m")), PalletError::WrongRole);
  CHECK(c.root(c.reg(kServe, Role::Rotate, meas("m"))) == DispatchOutcome::bad_origin());
}

TEST_CASE("register_worker: an oversized attestation fails TooLong", "[pallet]") {
  Chain c;
  REQUIRE(c.root(ApproveMeasurement{meas("m"), Role::Serve}).ok());
  c.expect_error(kServe, RegisterWorker{Role::Serve, meas("m"), Bytes(kMaxAttestationBytes + 1)},
                 PalletError::TooLong);
  // At the bound the size is accepted and the content judged: zero bytes are no attestation.
  c.expect_error(kServe, RegisterWorker{Role::Serve, meas("m"), Bytes(kMaxAttestationBytes)},
                 PalletError::AttestationInvalid);
}

TEST_CASE("authorize_agent: creates and replaces the grant", "[pallet]") {
  Chain c;
  const auto services = ServiceList::from({svc("mail")}).value();
  const BlockNumber at = c.block;
  REQUIRE(c.as(kWallet, AuthorizeAgent{kAgent, services, Access::Read}).ok());
  CHECK(c.get<AgentGrant>(agents_key(kWallet, kAgent)) ==
        AgentGrant{services, at, std::nullopt, Access::Read});
  CHECK(c.events.back() == Event{AgentAuthorized{kWallet, kAgent, services, Access::Read}});
  REQUIRE(c.as(kWallet, RevokeAgent{kAgent}).ok());
  const BlockNumber again = c.block;
  REQUIRE(c.as(kWallet, AuthorizeAgent{kAgent, ServiceList{}, Access::ReadWrite}).ok());
  CHECK(c.get<AgentGrant>(agents_key(kWallet, kAgent)) ==
        AgentGrant{ServiceList{}, again, std::nullopt, Access::ReadWrite});
  CHECK(c.events.back() ==
        Event{AgentAuthorized{kWallet, kAgent, ServiceList{}, Access::ReadWrite}});
  CHECK(c.root(AuthorizeAgent{kAgent, ServiceList{}, Access::Read}) ==
        DispatchOutcome::bad_origin());
}

TEST_CASE("revoke_agent: sets revoked_at, needs an active grant", "[pallet]") {
  Chain c;
  c.expect_error(kWallet, RevokeAgent{kAgent}, PalletError::NoSuchGrant);
  REQUIRE(c.as(kWallet, AuthorizeAgent{kAgent, ServiceList{}, Access::Read}).ok());
  const BlockNumber at = c.block;
  REQUIRE(c.as(kWallet, RevokeAgent{kAgent}).ok());
  CHECK(c.get<AgentGrant>(agents_key(kWallet, kAgent))->revoked_at == at);
  CHECK(c.events.back() == Event{AgentRevoked{kWallet, kAgent}});
  c.expect_error(kWallet, RevokeAgent{kAgent}, PalletError::AgentRevoked);
  // Another wallet's grant is a different entry.
  c.expect_error(kStranger, RevokeAgent{kAgent}, PalletError::NoSuchGrant);
}

TEST_CASE("open_epoch: creates epoch 1 with its DEK, only once", "[pallet]") {
  Chain c;
  c.setup_workers();
  const BlockNumber at = c.block;
  REQUIRE(c.as(kRotate, OpenEpoch{kWallet, dek(5)}).ok());
  CHECK(c.epoch() == EpochInfo{1, at, Operator{}});
  CHECK(c.get<EpochDek>(epoch_deks_key(kWallet, 1)) == EpochDek{dek(5), at});
  CHECK(c.events.back() == Event{EpochRotated{kWallet, 0, 1, Operator{}}});
  c.expect_error(kServe, OpenEpoch{kWallet, dek(6)}, PalletError::EpochExists);
}

TEST_CASE("worker checks: non-workers and Root are refused", "[pallet]") {
  Chain c;
  c.setup_workers();
  c.expect_error(kStranger, OpenEpoch{kWallet, dek(1)}, PalletError::NotWorker);
  CHECK(c.root(OpenEpoch{kWallet, dek(1)}) == DispatchOutcome::bad_origin());
}

TEST_CASE("register_blob: writes the pointer and counts it live", "[pallet]") {
  Chain c;
  c.setup_epoch();
  const BlockNumber at = c.block;
  REQUIRE(c.as(kServe, c.blob_call(1)).ok());
  CHECK(c.get<VaultPointer>(pointers_key(kWallet, blob(1))) ==
        VaultPointer{svc("mail"), kWallet, 1, Hash256{1}, 100, at, at, {}, {}});
  CHECK(c.live(1) == 1);
  CHECK(c.events.back() ==
        Event{BlobWritten{kWallet, blob(1), svc("mail"), kWallet, 1, Hash256{1}, {}}});
  REQUIRE(c.as(kServe, c.blob_call(2)).ok());
  CHECK(c.live(1) == 2);
}

TEST_CASE("register_blob: role, epoch and blob id checks", "[pallet]") {
  Chain c;
  c.setup_workers();
  c.expect_error(kServe, c.blob_call(1), PalletError::NoEpoch);
  REQUIRE(c.as(kServe, OpenEpoch{kWallet, dek(1)}).ok());
  c.expect_error(kRotate, c.blob_call(1), PalletError::WrongRole);
  c.expect_error(kStranger, c.blob_call(1), PalletError::NotWorker);
  c.expect_error(kServe, c.blob_call(1, 2), PalletError::EpochMismatch);
  REQUIRE(c.as(kServe, c.blob_call(1)).ok());
  c.expect_error(kServe, c.blob_call(1), PalletError::BlobExists);
}

TEST_CASE("register_blob: agent needs an active grant covering the service", "[pallet]") {
  Chain c;
  c.setup_epoch();
  c.expect_error(kServe, c.blob_call(1, 1, kAgent), PalletError::AgentNotAuthorized);
  const auto mail = ServiceList::from({svc("mail")}).value();
  REQUIRE(c.as(kWallet, AuthorizeAgent{kAgent, mail, Access::ReadWrite}).ok());
  c.expect_error(kServe, c.blob_call(1, 1, kAgent, "bank"), PalletError::AgentNotAuthorized);
  REQUIRE(c.as(kServe, c.blob_call(1, 1, kAgent, "mail")).ok());
  REQUIRE(c.as(kWallet, AuthorizeAgent{kAgent, ServiceList{}, Access::ReadWrite}).ok());
  REQUIRE(c.as(kServe, c.blob_call(2, 1, kAgent, "bank")).ok());
  REQUIRE(c.as(kWallet, RevokeAgent{kAgent}).ok());
  c.expect_error(kServe, c.blob_call(3, 1, kAgent), PalletError::AgentRevoked);
  CHECK(c.live(1) == 2);
}

TEST_CASE("register_blob: a read-only grant refuses writes, the wallet always writes",
          "[pallet][sharing]") {
  Chain c;
  c.setup_epoch();
  const auto mail = ServiceList::from({svc("mail")}).value();
  REQUIRE(c.as(kWallet, AuthorizeAgent{kAgent, mail, Access::Read}).ok());
  c.expect_error(kServe, c.blob_call(1, 1, kAgent, "mail"), PalletError::AgentReadOnly);
  // The service check comes first: an uncovered service is AgentNotAuthorized.
  c.expect_error(kServe, c.blob_call(1, 1, kAgent, "bank"), PalletError::AgentNotAuthorized);
  CHECK(c.live(1) == 0);
  // The wallet writes a named credential restricted to the agent: both are kept on the pointer.
  RegisterBlob named = c.blob_call(2);
  named.name = CredentialName::from("work").value();
  named.readers = ReaderList::from({kAgent}).value();
  const BlockNumber at = c.block;
  REQUIRE(c.as(kServe, named).ok());
  const auto p = c.get<VaultPointer>(pointers_key(kWallet, blob(2)));
  REQUIRE(p.has_value());
  CHECK(*p ==
        VaultPointer{svc("mail"), kWallet, 1, Hash256{2}, 100, at, at, named.name, named.readers});
  CHECK(p->readable_by(kAgent));
  CHECK_FALSE(p->readable_by(kStranger));
  CHECK(c.events.back() ==
        Event{BlobWritten{kWallet, blob(2), svc("mail"), kWallet, 1, Hash256{2}, named.name}});
  // Upgraded to read and write, the agent's write records it as the writer.
  REQUIRE(c.as(kWallet, AuthorizeAgent{kAgent, mail, Access::ReadWrite}).ok());
  REQUIRE(c.as(kServe, c.blob_call(3, 1, kAgent, "mail")).ok());
  CHECK(c.get<VaultPointer>(pointers_key(kWallet, blob(3)))->agent == kAgent);
}

TEST_CASE("reencrypt_blob: moves the pointer and its live count to the current epoch", "[pallet]") {
  Chain c;
  c.setup_epoch();
  const BlockNumber created = c.block;
  REQUIRE(c.as(kServe, c.blob_call(1)).ok());
  REQUIRE(c.as(kRotate, RotateEpoch{kWallet, 1, dek(2), Scheduled{}}).ok());
  const BlockNumber at = c.block;
  REQUIRE(c.as(kRotate, ReencryptBlob{kWallet, blob(1), 1, 2, Hash256{0x22}, 120}).ok());
  CHECK(c.get<VaultPointer>(pointers_key(kWallet, blob(1))) ==
        VaultPointer{svc("mail"), kWallet, 2, Hash256{0x22}, 120, created, at, {}, {}});
  CHECK(c.live(1) == 0);
  CHECK_FALSE(c.state.get(live_blobs_key(kWallet, 1)).has_value());
  CHECK(c.live(2) == 1);
  CHECK(c.events.back() == Event{BlobReencrypted{kWallet, blob(1), 1, 2, Hash256{0x22}}});
}

TEST_CASE("reencrypt_blob: pointer must exist at from_epoch, to_epoch must be current",
          "[pallet]") {
  Chain c;
  c.setup_epoch();
  c.expect_error(kServe, ReencryptBlob{kWallet, blob(1), 1, 1, Hash256{}, 1},
                 PalletError::NoSuchBlob);
  REQUIRE(c.as(kServe, c.blob_call(1)).ok());
  REQUIRE(c.as(kRotate, RotateEpoch{kWallet, 1, dek(2), Scheduled{}}).ok());
  c.expect_error(kServe, ReencryptBlob{kWallet, blob(1), 2, 2, Hash256{}, 1},
                 PalletError::EpochMismatch);
  c.expect_error(kServe, ReencryptBlob{kWallet, blob(1), 1, 3, Hash256{}, 1},
                 PalletError::EpochMismatch);
  c.expect_error(kServe, ReencryptBlob{kWallet, blob(1), 1, 1, Hash256{}, 1},
                 PalletError::EpochMismatch);
  c.expect_error(kStranger, ReencryptBlob{kWallet, blob(1), 1, 2, Hash256{}, 1},
                 PalletError::NotWorker);
  CHECK(c.as(kServe, ReencryptBlob{kWallet, blob(1), 1, 2, Hash256{}, 1}).ok());
}

TEST_CASE("remove_blob: erases the pointer and decrements its epoch's count", "[pallet]") {
  Chain c;
  c.setup_epoch();
  REQUIRE(c.as(kServe, c.blob_call(1)).ok());
  REQUIRE(c.as(kServe, c.blob_call(2)).ok());
  REQUIRE(c.as(kRotate, RemoveBlob{kWallet, blob(1)}).ok());
  CHECK_FALSE(c.state.get(pointers_key(kWallet, blob(1))).has_value());
  CHECK(c.live(1) == 1);
  CHECK(c.events.back() == Event{BlobRemoved{kWallet, blob(1), 1}});
  c.expect_error(kServe, RemoveBlob{kWallet, blob(1)}, PalletError::NoSuchBlob);
  c.expect_error(kStranger, RemoveBlob{kWallet, blob(2)}, PalletError::NotWorker);
}

TEST_CASE("rotate_epoch: opens from_epoch + 1, a stale rotation fails", "[pallet]") {
  Chain c;
  c.setup_workers();
  c.expect_error(kRotate, RotateEpoch{kWallet, 0, dek(2), Scheduled{}}, PalletError::NoEpoch);
  REQUIRE(c.as(kServe, OpenEpoch{kWallet, dek(1)}).ok());
  const RotationReason why = Revocation{kAgent};
  const BlockNumber at = c.block;
  REQUIRE(c.as(kRotate, RotateEpoch{kWallet, 1, dek(2), why}).ok());
  CHECK(c.epoch() == EpochInfo{2, at, why});
  CHECK(c.get<EpochDek>(epoch_deks_key(kWallet, 2)) == EpochDek{dek(2), at});
  CHECK(c.get<EpochDek>(epoch_deks_key(kWallet, 1)).has_value());
  CHECK(c.events.back() == Event{EpochRotated{kWallet, 1, 2, why}});
  // A second rotation prepared against epoch 1 is stale.
  c.expect_error(kRotate, RotateEpoch{kWallet, 1, dek(3), Scheduled{}}, PalletError::EpochMismatch);
  c.expect_error(kServe, RotateEpoch{kWallet, 2, dek(3), Scheduled{}}, PalletError::WrongRole);
}

TEST_CASE("rotate_epoch: epoch u32::MAX cannot be rotated", "[pallet]") {
  Chain c;
  c.setup_workers();
  const Epoch max = std::numeric_limits<Epoch>::max();
  c.state.put(epochs_key(kWallet), scale::encode(EpochInfo{max, 1, Scheduled{}}));
  c.expect_error(kRotate, RotateEpoch{kWallet, max, dek(3), Scheduled{}}, PalletError::Overflow);
}

TEST_CASE("destroy_epoch: removes the DEK of an old, empty epoch", "[pallet]") {
  Chain c;
  c.setup_epoch();
  REQUIRE(c.as(kServe, c.blob_call(1)).ok());
  REQUIRE(c.as(kRotate, RotateEpoch{kWallet, 1, dek(2), Scheduled{}}).ok());
  const Call destroy = DestroyEpoch{kWallet, 1, 4, Hash256{0xdd}};
  c.expect_error(kRotate, destroy, PalletError::LiveBlobsRemain);
  REQUIRE(c.as(kRotate, ReencryptBlob{kWallet, blob(1), 1, 2, Hash256{}, 1}).ok());
  c.expect_error(kServe, destroy, PalletError::WrongRole);
  REQUIRE(c.as(kRotate, destroy).ok());
  CHECK_FALSE(c.state.get(epoch_deks_key(kWallet, 1)).has_value());
  CHECK(c.events.back() == Event{EpochDestroyed{kWallet, 1, 4, Hash256{0xdd}}});
  c.expect_error(kRotate, destroy, PalletError::NoSuchDek);
}

TEST_CASE("destroy_epoch: the current epoch and wallets without epochs are refused", "[pallet]") {
  Chain c;
  c.setup_workers();
  c.expect_error(kRotate, DestroyEpoch{kWallet, 1, 0, Hash256{}}, PalletError::NoEpoch);
  REQUIRE(c.as(kServe, OpenEpoch{kWallet, dek(1)}).ok());
  c.expect_error(kRotate, DestroyEpoch{kWallet, 1, 0, Hash256{}}, PalletError::EpochStillLive);
  c.expect_error(kRotate, DestroyEpoch{kWallet, 5, 0, Hash256{}}, PalletError::EpochStillLive);
  c.expect_error(kRotate, DestroyEpoch{kWallet, 0, 0, Hash256{}}, PalletError::NoSuchDek);
}

TEST_CASE("dispatch: a corrupt stored value is an error and writes nothing", "[pallet]") {
  Chain c;
  c.setup_epoch();
  c.state.put(epochs_key(kWallet), Bytes{1, 2});
  const auto before = c.state.entries();
  DispatchContext ctx{c.state, c.block, c.events, c.now, kGenesis};
  const std::size_t n = c.events.size();
  auto r = dispatch(c.blob_call(1), Origin::signed_by(kServe), ctx);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), VaultErrc::CorruptState));
  CHECK(c.state.entries() == before);
  CHECK(c.events.size() == n);
}

TEST_CASE("dispatch: a worker re-approved for another role loses its rights", "[pallet]") {
  Chain c;
  c.setup_epoch();
  REQUIRE(c.root(ApproveMeasurement{meas("serve"), Role::Rotate}).ok());
  c.expect_error(kServe, c.blob_call(1), PalletError::MeasurementNotApproved);
}

TEST_CASE("errors: names follow the metadata order", "[errors]") {
  CHECK(error_name(PalletError::NotWorker) == "NotWorker");
  CHECK(error_name(PalletError::TooLong) == "TooLong");
  CHECK(static_cast<int>(PalletError::TooLong) == 11);
  CHECK(error_name(PalletError::Overflow) == "Overflow");
  CHECK(static_cast<int>(PalletError::Overflow) == 16);
  CHECK(error_name(PalletError::AgentReadOnly) == "AgentReadOnly");
  CHECK(static_cast<int>(PalletError::AgentReadOnly) == 17);
  CHECK(error_name(PalletError::AttestationExpired) == "AttestationExpired");
  CHECK(static_cast<int>(PalletError::AttestationExpired) == kPalletErrorCount - 1);
  const Error e = make_error(PalletError::EpochMismatch, "stale");
  CHECK(e.to_string() == "VaultPointers: EpochMismatch: stale");
}

TEST_CASE("state: keys_with_prefix lists only matching keys in order", "[state]") {
  MemoryState s;
  s.put(Bytes{1, 2}, Bytes{9});
  s.put(Bytes{1, 1}, Bytes{8});
  s.put(Bytes{2}, Bytes{7});
  s.put(Bytes{1}, Bytes{6});
  CHECK(s.keys_with_prefix(Bytes{1}) == std::vector<Bytes>{{1}, {1, 1}, {1, 2}});
  s.erase(Bytes{1, 1});
  CHECK(s.keys_with_prefix(Bytes{1}) == std::vector<Bytes>{{1}, {1, 2}});
  CHECK(s.get(Bytes{2}) == Bytes{7});
  CHECK_FALSE(s.get(Bytes{3}).has_value());
}
