// The simulated platform's report (built here from its documented layout), the report-data
// commitment and evidence recognition.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <cstring>

#include "attest_test_util.hpp"
#include "ev/attestation/evidence.hpp"
#include "ev/attestation/report_data.hpp"

using namespace ev;
using namespace ev::attestation;
using ev::attestation::test::simulated_report;

namespace {

Commitment commitment(std::uint8_t account, std::uint8_t genesis, Purpose p, Bytes nonce) {
  Commitment c;
  c.account.fill(account);
  c.genesis_hash.fill(genesis);
  c.purpose = p;
  c.nonce = std::move(nonce);
  return c;
}

}  // namespace

TEST_CASE("simulated: a report verifies, is never tee_verified, and corruption is refused",
          "[simulated]") {
  const Bytes rd = {1, 2, 3};
  const Bytes r = simulated_report(rd);
  auto v = verify_simulated(r);
  REQUIRE(v.ok());
  CHECK(v->platform == Platform::Simulated);
  CHECK_FALSE(v->tee_verified);
  CHECK(v->report_data == rd);
  CHECK(v->primary_measurement() == Bytes(48, 0x11));
  CHECK(v->measurement("PLATFORM_KEY") != nullptr);

  Bytes bad = r;
  bad[40] ^= 1;
  CHECK(ev::is(verify_simulated(bad).error(), Errc::BadSignature));
  bad = r;
  bad[200] ^= 1;  // the embedded key
  CHECK(ev::is(verify_simulated(bad).error(), Errc::BadSignature));
  CHECK(ev::is(verify_simulated(ByteSpan(r).first(282)).error(), Errc::Truncated));
  bad = r;
  bad.push_back(0);
  CHECK(ev::is(verify_simulated(bad).error(), Errc::TrailingData));
  bad = r;
  bad[150] = 1;  // report data padding
  CHECK(ev::is(verify_simulated(bad).error(), Errc::Malformed));
  bad = r;
  bad[10] = 'X';  // marker
  CHECK(ev::is(verify_simulated(bad).error(), Errc::Malformed));
}

TEST_CASE("report data: the commitment binds account, chain, purpose and nonce", "[report-data]") {
  const Commitment c = commitment(0xA1, 0x6E, Purpose::Register, {9, 8, 7});
  const auto rd = report_data_commitment(c).value();
  CHECK(check_report_data(rd, c).ok());
  for (const Commitment& other :
       {commitment(0xA2, 0x6E, Purpose::Register, {9, 8, 7}),     // another account
        commitment(0xA1, 0x6F, Purpose::Register, {9, 8, 7}),     // another chain
        commitment(0xA1, 0x6E, Purpose::Session, {9, 8, 7}),      // another purpose
        commitment(0xA1, 0x6E, Purpose::SeedRelease, {9, 8, 7}),  // another purpose
        commitment(0xA1, 0x6E, Purpose::Register, {9, 8}),        // another nonce
        commitment(0xA1, 0x6E, Purpose::Register, {})}) {
    auto r = check_report_data(rd, other);
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), Errc::ReportData));
  }
  CHECK_FALSE(check_report_data(ByteSpan(rd).first(32), c).ok());
  CHECK_FALSE(report_data_commitment(commitment(1, 2, Purpose::Register, Bytes(65, 0))).ok());
  // Independent recomputation of the documented formula.
  Bytes msg(kReportDataDomain.begin(), kReportDataDomain.end());
  msg.push_back(1);
  msg.insert(msg.end(), 32, 0xA1);
  msg.insert(msg.end(), 32, 0x6E);
  msg.push_back(3);
  msg.insert(msg.end(), {9, 8, 7});
  ByteArray<64> want{};
  unsigned int n = 0;
  REQUIRE(EVP_Digest(msg.data(), msg.size(), want.data(), &n, EVP_sha512(), nullptr) == 1);
  CHECK(want == rd);
  CHECK(purpose_from_name("seed-release").value() == Purpose::SeedRelease);
  CHECK_FALSE(purpose_from_name("other").ok());
}

TEST_CASE("report data: a simulated report made for one account is refused for another",
          "[report-data][simulated]") {
  const Commitment mine = commitment(0xA1, 0x6E, Purpose::Register, {1});
  const auto rd = report_data_commitment(mine).value();
  auto v = verify_simulated(simulated_report(rd));
  REQUIRE(v.ok());
  CHECK(check_report_data(v->report_data, mine).ok());
  CHECK_FALSE(
      check_report_data(v->report_data, commitment(0xB2, 0x6E, Purpose::Register, {1})).ok());
}

TEST_CASE("evidence: bare documents and JSON bundles are recognised", "[evidence]") {
  using ev::attestation::test::vector_bytes;
  using ev::attestation::test::vector_text;
  VerifyOptions o;
  auto nitro =
      verify_evidence(vector_bytes("nitro/blocky-nitrite-2024-09-07/nitro_attestation.b64"), o);
  REQUIRE(nitro.ok());
  CHECK(nitro->platform == Platform::Nitro);

  const Bytes sim = simulated_report(Bytes{5});
  auto s = verify_evidence(sim, o);
  REQUIRE(s.ok());
  CHECK(s->platform == Platform::Simulated);
  const std::string bundle = evidence_bundle(Platform::Simulated, sim);
  auto sb = verify_evidence(as_bytes(bundle), o);
  REQUIRE(sb.ok());
  CHECK_FALSE(sb->tee_verified);

  const std::string snp =
      std::string(R"({"platform":"sev-snp","report":")") +
      vector_text("amd-sev-snp/virtee-milan/report_milan.hex") + R"(","vcek":")" +
      to_hex(vector_bytes("amd-sev-snp/virtee-milan/vcek_milan.der"), false) + R"(","ask_ark":)";
  std::string pem = vector_text("amd-sev-snp/virtee-milan/cert_chain_milan");
  std::string escaped;
  for (char c : pem) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  VerifyOptions at;
  at.at = 1680636223;
  auto sv = verify_evidence(as_bytes(snp + "\"" + escaped + "\"}"), at);
  if (!sv.ok()) FAIL(sv.error().to_string());
  CHECK(sv->platform == Platform::SevSnp);

  const std::string dcap = R"({"platform":"tdx","quote":")" +
                           to_hex(vector_bytes("intel-dcap/phala-tdx-v4/tdx_quote"), false) +
                           R"(","collateral":)" +
                           vector_text("intel-dcap/phala-tdx-v4/tdx_quote_collateral.json") + "}";
  at.at = 1751624163;
  auto dv = verify_evidence(as_bytes(dcap), at);
  if (!dv.ok()) FAIL(dv.error().to_string());
  CHECK(dv->platform == Platform::Tdx);
  CHECK(dv->tcb_status == "UpToDate");
  std::string wrong = dcap;
  wrong.replace(wrong.find("\"tdx\""), 5, "\"sgx\"");
  CHECK_FALSE(verify_evidence(as_bytes(wrong), at).ok());

  CHECK(ev::is(verify_evidence(as_bytes("{\"platform\":1}"), o).error(), Errc::Malformed));
  CHECK(ev::is(verify_evidence(as_bytes("hello"), o).error(), Errc::Malformed));
  CHECK_FALSE(verify_evidence(as_bytes(R"({"platform":"mars"})"), o).ok());
}
