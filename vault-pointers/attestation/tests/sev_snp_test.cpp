// SEV-SNP verifier: the recorded Milan reports verify with their VCEKs and AMD chains; each
// corruption made from them is refused by the check it breaks.
#include <catch2/catch.hpp>

#include "attest_test_util.hpp"
#include "ev/attestation/roots.hpp"

using namespace ev;
using namespace ev::attestation;
using ev::attestation::test::vector_bytes;
using ev::attestation::test::vector_document;
using ev::attestation::test::vector_text;

namespace {

SnpEvidence virtee() {
  return {vector_document("amd-sev-snp/virtee-milan/report_milan.hex"),
          vector_bytes("amd-sev-snp/virtee-milan/vcek_milan.der"),
          vector_text("amd-sev-snp/virtee-milan/cert_chain_milan")};
}
SnpEvidence google() {
  return {vector_bytes("amd-sev-snp/google-milan/attestation.bin"),
          vector_bytes("amd-sev-snp/google-milan/vcek.testcer"),
          vector_text("amd-sev-snp/google-milan/milan.testcer")};
}
VerifyOptions at(std::int64_t t) {
  VerifyOptions o;
  o.at = t;
  return o;
}
constexpr std::int64_t kVirteeTime = 1680636223;  // 2023-04-04T19:23:43Z
constexpr std::int64_t kGoogleTime = 1664067328;  // 2022-09-25T00:55:28Z

void require_error(const Result<Verified>& r, Errc e, std::string_view check) {
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(ev::is(r.error(), e));
  CHECK(r.error().message.find(check) != std::string::npos);
}

// PEM of the ARK alone, then the ASK: the wrong order.
std::string swapped(const std::string& pem) {
  const auto mid = pem.find("-----BEGIN CERTIFICATE-----", 10);
  return pem.substr(mid) + "\n" + pem.substr(0, mid);
}

}  // namespace

TEST_CASE("sev-snp: the recorded Milan reports verify", "[snp]") {
  auto r = verify_sev_snp(virtee(), at(kVirteeTime));
  if (!r.ok()) FAIL(r.error().to_string());
  CHECK(r->platform == Platform::SevSnp);
  CHECK_FALSE(r->debug);
  CHECK(to_hex(r->primary_measurement(), false) ==
        "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd"
        "81841f");
  CHECK(to_hex(r->report_data, false).substr(0, 16) == "d447b55d197491bf");
  CHECK(r->verified_at == kVirteeTime);

  // google's guest was launched with the debug policy bit: refused unless debug is allowed.
  require_error(verify_sev_snp(google(), at(kGoogleTime)), Errc::DebugMode, "sev-snp debug policy");
  VerifyOptions dbg = at(kGoogleTime);
  dbg.allow_debug = true;
  auto g = verify_sev_snp(google(), dbg);
  if (!g.ok()) FAIL(g.error().to_string());
  CHECK(g->debug);
  CHECK(to_hex(g->primary_measurement(), false).substr(0, 16) == "b07af9620f3b839b");
  CHECK(to_hex(g->report_data, false).substr(0, 10) == "0102030405");
}

TEST_CASE("sev-snp: each corruption class is refused by the check it breaks", "[snp]") {
  const auto opts = at(kVirteeTime);
  SECTION("signature byte") {
    auto e = virtee();
    e.report[0x2A0 + 3] ^= 0x01;
    require_error(verify_sev_snp(e, opts), Errc::BadSignature, "sev-snp report signature");
  }
  SECTION("payload byte (measurement)") {
    auto e = virtee();
    e.report[0x90] ^= 0x01;
    require_error(verify_sev_snp(e, opts), Errc::BadSignature, "sev-snp report signature");
  }
  SECTION("report data byte") {
    auto e = virtee();
    e.report[0x50 + 63] ^= 0x01;
    require_error(verify_sev_snp(e, opts), Errc::BadSignature, "sev-snp report signature");
  }
  SECTION("chain order") {
    auto e = virtee();
    e.ask_ark_pem = swapped(e.ask_ark_pem);
    require_error(verify_sev_snp(e, opts), Errc::ChainOrder, "sev-snp vcek chain");
  }
  SECTION("wrong root") {
    auto e = virtee();
    e.ask_ark_pem = std::string(kIntelSgxRootPem);
    require_error(verify_sev_snp(e, opts), Errc::WrongRoot, "sev-snp ask");
    auto g = virtee();
    g.ask_ark_pem = vector_text("amd-sev-snp/amd-roots/ask_ark_genoa.pem");
    auto r = verify_sev_snp(g, opts);
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), Errc::ChainOrder));  // the Milan VCEK is not issued by SEV-Genoa
  }
  SECTION("expired at the given time") {
    require_error(verify_sev_snp(virtee(), at(1600000000)), Errc::NotValidAtTime,
                  "sev-snp vcek chain");
    require_error(verify_sev_snp(virtee(), at(2000000000)), Errc::NotValidAtTime,
                  "sev-snp vcek chain");
  }
  SECTION("truncated and trailing garbage") {
    auto e = virtee();
    e.report.pop_back();
    require_error(verify_sev_snp(e, opts), Errc::Truncated, "sev-snp report");
    e = virtee();
    e.report.push_back(0);
    require_error(verify_sev_snp(e, opts), Errc::TrailingData, "sev-snp report");
  }
  SECTION("a VCEK of another chip") {
    auto e = virtee();
    e.vcek_der = vector_bytes("amd-sev-snp/google-milan/vcek.testcer");
    auto r = verify_sev_snp(e, opts);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().to_string());
    CHECK((ev::is(r.error(), Errc::BadSignature) || ev::is(r.error(), Errc::TcbMismatch)));
  }
  SECTION("debug mode") {
    require_error(verify_sev_snp(google(), at(kGoogleTime)), Errc::DebugMode,
                  "sev-snp debug policy");
  }
}

TEST_CASE("sev-snp: the Turin VCEK chains to the pinned ARK-Turin", "[snp]") {
  // No Turin report is recorded: pair the Turin VCEK and chain with a Milan report. The chain
  // checks pass (VCEK -> SEV-Turin -> pinned ARK-Turin) and the refusal comes from the report
  // signature, the first check that involves the report.
  SnpEvidence e{vector_document("amd-sev-snp/virtee-milan/report_milan.hex"),
                vector_bytes("amd-sev-snp/virtee-turin-certs/vcek_turin.der"),
                vector_text("amd-sev-snp/virtee-turin-certs/cert_chain_turin")};
  auto r = verify_sev_snp(e, at(1750000000));
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(ev::is(r.error(), Errc::BadSignature));
}

TEST_CASE("sev-snp: the pinned ARKs are the recorded ones", "[snp][roots]") {
  auto second = [](const std::string& pem) {
    const auto mid = pem.find("-----BEGIN CERTIFICATE-----", 10);
    return pem_to_der(pem.substr(mid)).value();
  };
  CHECK(cert_fingerprint(pem_to_der(kAmdArkMilanPem).value()) ==
        cert_fingerprint(second(vector_text("amd-sev-snp/amd-roots/ask_ark_milan.pem"))));
  CHECK(cert_fingerprint(pem_to_der(kAmdArkGenoaPem).value()) ==
        cert_fingerprint(second(vector_text("amd-sev-snp/amd-roots/ask_ark_genoa.pem"))));
  CHECK(cert_fingerprint(pem_to_der(kAmdArkTurinPem).value()) ==
        cert_fingerprint(second(vector_text("amd-sev-snp/amd-roots/ask_ark_turin_vcek.pem"))));
  CHECK(cert_fingerprint(pem_to_der(kAmdArkMilanPem).value()) ==
        "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd");
}
