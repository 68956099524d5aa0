// The simulated platform's reports verify with the shared attestation library (ev_attestation)
// as platform "simulated", never tee_verified, and carry a report-data commitment that binds
// the account, chain and purpose.
#include <catch2/catch.hpp>

#include "ev/attestation/evidence.hpp"
#include "ev/attestation/report_data.hpp"
#include "ev/enclave/simulated_platform.hpp"
#include "test_helpers.hpp"
#include "test_support.hpp"

using namespace ev;
using ev::enclave::test::filled;

TEST_CASE("attestation library: a simulated platform report verifies as simulated",
          "[platform][attestation]") {
  ev::test::TempDir dir;
  enclave::SimulatedPlatformOptions o;
  o.secret_path = dir.path() / "platform.secret";
  o.measurement = filled<enclave::kMeasurementSize>(7);
  o.version = 2;
  auto platform = enclave::SimulatedPlatform::create(o);
  REQUIRE(platform.ok());

  attestation::Commitment c;
  c.account.fill(0xA1);
  c.genesis_hash.fill(0x6E);
  c.purpose = attestation::Purpose::Register;
  c.nonce = {1, 2, 3, 4};
  const auto rd = attestation::report_data_commitment(c).value();
  auto report = (*platform)->attest(rd);
  REQUIRE(report.ok());

  auto v = attestation::verify_simulated(*report);
  REQUIRE(v.ok());
  CHECK(v->platform == attestation::Platform::Simulated);
  CHECK_FALSE(v->tee_verified);
  CHECK(v->primary_measurement() == Bytes(enclave::kMeasurementSize, 7));
  const Bytes* key = v->measurement("PLATFORM_KEY");
  REQUIRE(key != nullptr);
  CHECK(*key == Bytes((*platform)->platform_key().begin(), (*platform)->platform_key().end()));
  CHECK(attestation::check_report_data(v->report_data, c).ok());
  attestation::Commitment other = c;
  other.genesis_hash.fill(0x6F);
  CHECK_FALSE(attestation::check_report_data(v->report_data, other).ok());

  // The same report inside an evidence bundle.
  const std::string bundle =
      attestation::evidence_bundle(attestation::Platform::Simulated, *report);
  auto b = attestation::verify_evidence(as_bytes(bundle), {});
  REQUIRE(b.ok());
  CHECK(b->report_data == v->report_data);
}
