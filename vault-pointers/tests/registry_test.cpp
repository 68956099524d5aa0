// The worker registry: register_worker verifies the attestation against the chain's genesis
// configuration; forged, replayed, stale, unapproved, debug-mode and simulated-on-production
// registrations are refused with named errors, and a lapsed worker loses its rights at once.
#include <catch2/catch.hpp>

#include <string>

#include "ev/attestation/verify.hpp"
#include "ev/chain/scale.hpp"
#include "ev/vault/pallet.hpp"
#include "ev/vault/registry.hpp"
#include "ev/vault/storage.hpp"
#include "pallet_harness.hpp"
#include "registry_test_helpers.hpp"
#include "test_support.hpp"
#include "vault_test_helpers.hpp"

using namespace ev;
using namespace ev::vault;
using ev::vault::test::acct;
using ev::vault::test::bundle;
using ev::vault::test::meas48;
using ev::vault::test::sim_evidence;

namespace {

const AccountId kWallet = acct(1);
const AccountId kServe = acct(10);
const AccountId kRotate = acct(11);
const AccountId kStranger = acct(12);
using ev::vault::test::kGenesis;
using ev::vault::test::kStart;
const Hash256 kOtherGenesis = [] {
  Hash256 g{};
  g.fill(0x6F);
  return g;
}();

struct Chain : ev::vault::test::PalletHarness {
  using PalletHarness::PalletHarness;
  void approve(const Measurement& m, Role r) { REQUIRE(root(ApproveMeasurement{m, r}).ok()); }
  void refused(const AccountId& who, const Call& c, PalletError e) { expect_error(who, c, e); }
};

Bytes vector_document(const std::string& rel) {
  const std::string raw = ev::test::read_file(ev::test::require_vectors("attestation/" + rel));
  return ev::attestation::decode_document_text(Bytes(raw.begin(), raw.end()));
}

// The genuine Nitro document of 2024-12-13 and its time (Unix seconds).
constexpr std::int64_t kNitroTime = 1734075478;
Bytes nitro_evidence() {
  return bundle(ev::attestation::Platform::Nitro,
                vector_document("nitro/marlin-oyster-2024-12-13/aws.bin"));
}
Measurement nitro_pcr0() {
  const Bytes doc = vector_document("nitro/marlin-oyster-2024-12-13/aws.bin");
  auto v = ev::attestation::verify_nitro(doc);
  REQUIRE(v.ok());
  return Measurement::from(ByteSpan(v->primary_measurement())).value();
}

}  // namespace

TEST_CASE("registry: forged attestations are refused as AttestationInvalid", "[registry]") {
  Chain c;
  const Measurement m = meas48("serve");
  c.approve(m, Role::Serve);
  const Bytes rd = registration_report_data(kServe, kGenesis);
  Bytes report = ev::vault::test::simulated_report_for(m.bytes(), rd);
  report[50] ^= 1;  // a measurement byte after signing
  c.refused(kServe,
            RegisterWorker{Role::Serve, m, bundle(attestation::Platform::Simulated, report)},
            PalletError::AttestationInvalid);
  // Bytes that are no attestation at all, and a bare document without its platform tag.
  c.refused(kServe, RegisterWorker{Role::Serve, m, Bytes{1, 2, 3}},
            PalletError::AttestationInvalid);
  c.refused(kServe,
            RegisterWorker{Role::Serve, m, ev::vault::test::simulated_report_for(m.bytes(), rd)},
            PalletError::AttestationInvalid);
  CHECK_FALSE(c.state.get(workers_key(kServe)).has_value());
}

TEST_CASE("registry: replayed attestations (other account, other chain) are AttestationNotBound",
          "[registry]") {
  Chain c;
  const Measurement m = meas48("serve");
  c.approve(m, Role::Serve);
  c.refused(kStranger, RegisterWorker{Role::Serve, m, sim_evidence(kServe, kGenesis, m)},
            PalletError::AttestationNotBound);
  c.refused(kServe, RegisterWorker{Role::Serve, m, sim_evidence(kServe, kOtherGenesis, m)},
            PalletError::AttestationNotBound);
  CHECK(c.as(kServe, RegisterWorker{Role::Serve, m, sim_evidence(kServe, kGenesis, m)}).ok());
}

TEST_CASE("registry: the attested measurement must be the approved one named in the call",
          "[registry]") {
  Chain c;
  const Measurement approved = meas48("serve");
  const Measurement other = meas48("evil");
  c.approve(approved, Role::Serve);
  // Unapproved measurement, honestly named.
  c.refused(kServe, RegisterWorker{Role::Serve, other, sim_evidence(kServe, kGenesis, other)},
            PalletError::MeasurementNotApproved);
  // An approved measurement named over an attestation of another one.
  c.refused(kServe, RegisterWorker{Role::Serve, approved, sim_evidence(kServe, kGenesis, other)},
            PalletError::MeasurementMismatch);
}

TEST_CASE("registry: simulated attestations only on a dev-mode genesis", "[registry]") {
  const Measurement m = meas48("serve");
  SECTION("a production genesis") {
    Chain c(production_attestation_config());
    c.approve(m, Role::Serve);
    c.refused(kServe, RegisterWorker{Role::Serve, m, sim_evidence(kServe, kGenesis, m)},
              PalletError::SimulatedNotAllowed);
  }
  SECTION("a genesis without configuration is production") {
    Chain c(std::nullopt);
    c.approve(m, Role::Serve);
    c.refused(kServe, RegisterWorker{Role::Serve, m, sim_evidence(kServe, kGenesis, m)},
              PalletError::SimulatedNotAllowed);
  }
}

TEST_CASE("registry: genuine hardware documents are judged for age, binding, debug and root",
          "[registry]") {
  const Measurement pcr0 = nitro_pcr0();
  SECTION("stale: a day and a minute after it was made") {
    Chain c(production_attestation_config());
    c.now = kNitroTime + 24 * 3600 + 60;
    c.approve(pcr0, Role::Serve);
    c.refused(kServe, RegisterWorker{Role::Serve, pcr0, nitro_evidence()},
              PalletError::AttestationStale);
  }
  SECTION("fresh, but its user_data commits to nothing of this chain's") {
    Chain c(production_attestation_config());
    c.now = kNitroTime + 60;
    c.approve(pcr0, Role::Serve);
    c.refused(kServe, RegisterWorker{Role::Serve, pcr0, nitro_evidence()},
              PalletError::AttestationNotBound);
  }
  SECTION("a genesis that does not trust the AWS root") {
    AttestationConfig cfg = production_attestation_config();
    cfg.trusted_roots = {};
    Chain c(cfg);
    c.now = kNitroTime + 60;
    c.approve(pcr0, Role::Serve);
    c.refused(kServe, RegisterWorker{Role::Serve, pcr0, nitro_evidence()},
              PalletError::UntrustedRoot);
  }
  SECTION("a debug-mode enclave") {
    const Bytes dbg =
        vector_document("nitro/blocky-nitrite-2024-09-07-debug/nitro_attestation_debug.b64");
    Chain c(production_attestation_config());
    c.now = 1725719886 + 60;
    const Measurement zero = Measurement::from(ByteSpan(Bytes(48, 0))).value();
    c.approve(zero, Role::Serve);
    c.refused(kServe, RegisterWorker{Role::Serve, zero, bundle(attestation::Platform::Nitro, dbg)},
              PalletError::DebugEnclave);
  }
}

TEST_CASE("registry: a lapsed worker loses its rights at once and regains them by re-attesting",
          "[registry]") {
  Chain c;
  const Measurement m = meas48("rotate");
  c.approve(m, Role::Rotate);
  REQUIRE(c.as(kRotate, RegisterWorker{Role::Rotate, m, sim_evidence(kRotate, kGenesis, m)}).ok());
  const WrappedDek dek = WrappedDek::from(Bytes(48, 1)).value();
  REQUIRE(c.as(kRotate, OpenEpoch{kWallet, dek}).ok());
  c.now = kStart + 24 * 3600 + 1;
  c.refused(kRotate, RotateEpoch{kWallet, 1, dek, Scheduled{}}, PalletError::AttestationExpired);
  REQUIRE(c.as(kRotate, RegisterWorker{Role::Rotate, m, sim_evidence(kRotate, kGenesis, m)}).ok());
  CHECK(c.as(kRotate, RotateEpoch{kWallet, 1, dek, Scheduled{}}).ok());
}

TEST_CASE("registry: the lifetime comes from the genesis configuration", "[registry]") {
  AttestationConfig cfg = dev_attestation_config();
  cfg.max_age_secs = 600;
  Chain c(cfg);
  const Measurement m = meas48("rotate");
  c.approve(m, Role::Rotate);
  REQUIRE(c.as(kRotate, RegisterWorker{Role::Rotate, m, sim_evidence(kRotate, kGenesis, m)}).ok());
  const auto w = scale::decode_all<WorkerInfo>(*c.state.get(workers_key(kRotate))).value();
  CHECK(w.expires_at == static_cast<std::uint64_t>(kStart) + 600);
  c.now = kStart + 601;
  c.refused(kRotate, OpenEpoch{kWallet, WrappedDek::from(Bytes(48, 1)).value()},
            PalletError::AttestationExpired);
}

TEST_CASE("registry: an ordinary account naming an approved measurement cannot remove a blob",
          "[registry]") {
  Chain c;
  const Measurement m = meas48("serve");
  c.approve(m, Role::Serve);
  REQUIRE(c.as(kServe, RegisterWorker{Role::Serve, m, sim_evidence(kServe, kGenesis, m)}).ok());
  REQUIRE(c.as(kServe, OpenEpoch{kWallet, WrappedDek::from(Bytes(48, 1)).value()}).ok());
  BlobId blob{};
  blob.fill(7);
  REQUIRE(
      c.as(kServe,
           RegisterBlob{
               kWallet, blob, ServiceName::from("mail").value(), kWallet, 1, Hash256{}, 10, {}, {}})
          .ok());
  // Names the approved measurement with arbitrary bytes, or with the real worker's attestation.
  c.refused(kStranger, RegisterWorker{Role::Serve, m, Bytes{1}}, PalletError::AttestationInvalid);
  c.refused(kStranger, RegisterWorker{Role::Serve, m, sim_evidence(kServe, kGenesis, m)},
            PalletError::AttestationNotBound);
  c.refused(kStranger, RemoveBlob{kWallet, blob}, PalletError::NotWorker);
  CHECK(c.state.get(pointers_key(kWallet, blob)).has_value());
}
