// The registry's acceptance rule: forged, replayed (other account, other chain, other purpose),
// stale, debug-mode and simulated-on-production registrations are refused with named errors.
#include <catch2/catch.hpp>

#include "attest_test_util.hpp"
#include "ev/attestation/registration.hpp"

using namespace ev;
using namespace ev::attestation;
using ev::attestation::test::simulated_report;

namespace {

const ByteArray<32> kAccount = [] {
  ByteArray<32> a{};
  a.fill(0xA1);
  return a;
}();
const ByteArray<32> kGenesis = [] {
  ByteArray<32> g{};
  g.fill(0x6E);
  return g;
}();
const Bytes kNonce = {4, 2};
constexpr std::int64_t kNow = 1800000000;

Bytes report_for(const ByteArray<32>& account, const ByteArray<32>& genesis, Purpose p) {
  Commitment c;
  c.account = account;
  c.genesis_hash = genesis;
  c.purpose = p;
  c.nonce = kNonce;
  const auto rd = report_data_commitment(c).value();
  return simulated_report(rd, 0x33);
}

RegistrationPolicy dev() {
  RegistrationPolicy p;
  p.dev_mode = true;
  return p;
}

void require_error(const Result<Registration>& r, Errc e, std::string_view check) {
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(ev::is(r.error(), e));
  CHECK(r.error().message.find(check) != std::string::npos);
}

}  // namespace

TEST_CASE("registration: a dev-mode chain accepts a simulated attestation made for it",
          "[registration]") {
  const Bytes r = report_for(kAccount, kGenesis, Purpose::Register);
  auto reg = verify_registration(r, kAccount, kGenesis, kNonce, kNow, dev());
  if (!reg.ok()) FAIL(reg.error().to_string());
  CHECK(reg->platform == Platform::Simulated);
  CHECK_FALSE(reg->tee_verified);
  CHECK(reg->measurement == Bytes(48, 0x33));
  CHECK(reg->attested_at == kNow);
  CHECK(reg->expires_at == kNow + 24 * 3600);
}

TEST_CASE("registration: every forged or replayed registration is refused", "[registration]") {
  const Bytes good = report_for(kAccount, kGenesis, Purpose::Register);
  SECTION("simulated on a production chain") {
    require_error(verify_registration(good, kAccount, kGenesis, kNonce, kNow, {}),
                  Errc::NotHardware, "dev-mode");
  }
  SECTION("forged (a changed measurement byte)") {
    Bytes bad = good;
    bad[40] ^= 1;
    require_error(verify_registration(bad, kAccount, kGenesis, kNonce, kNow, dev()),
                  Errc::BadSignature, "simulated report signature");
  }
  SECTION("replayed by another account") {
    ByteArray<32> other{};
    other.fill(0xB2);
    require_error(verify_registration(good, other, kGenesis, kNonce, kNow, dev()), Errc::ReportData,
                  "report data");
  }
  SECTION("replayed on another chain") {
    ByteArray<32> other{};
    other.fill(0x6F);
    require_error(verify_registration(good, kAccount, other, kNonce, kNow, dev()), Errc::ReportData,
                  "report data");
  }
  SECTION("made for another purpose or nonce") {
    const Bytes session = report_for(kAccount, kGenesis, Purpose::Session);
    require_error(verify_registration(session, kAccount, kGenesis, kNonce, kNow, dev()),
                  Errc::ReportData, "report data");
    require_error(verify_registration(good, kAccount, kGenesis, Bytes{4, 3}, kNow, dev()),
                  Errc::ReportData, "report data");
  }
}

TEST_CASE("registration: a genuine Nitro document is judged at its own time and for its age",
          "[registration]") {
  const Bytes doc =
      ev::attestation::test::vector_document("nitro/marlin-oyster-2024-12-13/aws.bin");
  const std::int64_t t = 1734075478;
  // Its user_data commits to nothing of ours: refused as a replay, after every other check.
  require_error(verify_registration(doc, kAccount, kGenesis, kNonce, t + 60, {}), Errc::ReportData,
                "report data");
  // Stale: a day and a minute later.
  require_error(verify_registration(doc, kAccount, kGenesis, kNonce, t + 24 * 3600 + 60, {}),
                Errc::NotValidAtTime, "attestation age");
  // Dated in the future.
  require_error(verify_registration(doc, kAccount, kGenesis, kNonce, t - 3600, {}),
                Errc::NotValidAtTime, "attestation age");
  // A debug-mode document is refused.
  const Bytes dbg = ev::attestation::test::vector_document(
      "nitro/blocky-nitrite-2024-09-07-debug/nitro_attestation_debug.b64");
  require_error(verify_registration(dbg, kAccount, kGenesis, kNonce, 1725719886 + 60, {}),
                Errc::DebugMode, "debug");
}
