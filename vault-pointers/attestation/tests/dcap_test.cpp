// Intel DCAP verifier: the recorded SGX v3, TDX v4 and TDX v5 quotes verify at their recorded
// times, with their collateral where it was recorded; each corruption made from a genuine quote
// is refused by the check it breaks.
#include <catch2/catch.hpp>

#include "attest_test_util.hpp"
#include "ev/attestation/roots.hpp"

using namespace ev;
using namespace ev::attestation;
using ev::attestation::test::vector_bytes;
using ev::attestation::test::vector_document;
using ev::attestation::test::vector_text;

namespace {

VerifyOptions at(std::int64_t t) {
  VerifyOptions o;
  o.at = t;
  return o;
}

DcapEvidence phala(const std::string& dir, const std::string& quote, const std::string& coll) {
  DcapEvidence e;
  e.quote = vector_document("intel-dcap/" + dir + "/" + quote);
  e.collateral = dcap_collateral_from_json(vector_text("intel-dcap/" + dir + "/" + coll)).value();
  return e;
}

DcapEvidence google_v4() {
  const std::string d = "intel-dcap/google-tdx-v4/";
  DcapEvidence e;
  e.quote = vector_bytes(d + "tdx_prod_quote_SPR_E4.dat");
  e.quote.resize(e.quote.size() - 39);  // the text the upstream repository appended for tests
  DcapCollateral c;
  auto tcb = pcs_signed_body(vector_text(d + "sample_tcbInfo_response"), "tcbInfo").value();
  auto qe =
      pcs_signed_body(vector_text(d + "sample_qeIdentity_response"), "enclaveIdentity").value();
  c.tcb_info = tcb.body;
  c.tcb_info_signature = tcb.signature;
  c.qe_identity = qe.body;
  c.qe_identity_signature = qe.signature;
  c.tcb_info_issuer_chain = vector_text(d + "tcbInfoIssuerChain.pem");
  c.qe_identity_issuer_chain = vector_text(d + "qeIdentityIssuerChain.pem");
  c.pck_crl_der = vector_bytes(d + "pckcrl");
  c.root_ca_crl_der = vector_bytes(d + "rootcrl.der");
  e.collateral = c;
  return e;
}

DcapEvidence automata() {
  const std::string d = "intel-dcap/automata-sgx-v3/";
  DcapEvidence e;
  e.quote = vector_document(d + "quotev3.hex");
  DcapCollateral c;
  auto tcb = pcs_signed_body(vector_text(d + "sgx_tcbinfov3_00606a000000.json"), "tcbInfo").value();
  auto qe = pcs_signed_body(vector_text(d + "sgx_qeidentity_v4.json"), "enclaveIdentity").value();
  c.tcb_info = tcb.body;
  c.tcb_info_signature = tcb.signature;
  c.qe_identity = qe.body;
  c.qe_identity_signature = qe.signature;
  c.tcb_info_issuer_chain = der_to_pem(vector_bytes(d + "tcb_signing.der")).value();
  c.qe_identity_issuer_chain = c.tcb_info_issuer_chain;
  c.pck_crl_der = vector_bytes(d + "platform_crl.der");
  c.root_ca_crl_der = vector_bytes(d + "intel_root_ca_crl.der");
  e.collateral = c;
  return e;
}

void put_le32(Bytes& b, std::size_t off, std::size_t v) {
  for (std::size_t i = 0; i < 4; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (8 * i));
}
std::size_t le32_at(const Bytes& b, std::size_t off) {
  return b[off] | (b[off + 1] << 8) | (b[off + 2] << 16) |
         (static_cast<std::size_t>(b[off + 3]) << 24);
}

// A v4 TD quote with its PCK certification data replaced by `pem`, every length field adjusted.
Bytes with_pck_chain(const Bytes& quote, const std::string& pem) {
  const std::size_t sig_len_off = 48 + 584;
  const std::size_t sig = sig_len_off + 4;
  const std::size_t outer_size_off = sig + 128 + 2;
  const std::size_t auth_len_off = sig + 128 + 6 + 384 + 64;
  const std::size_t auth_len = quote[auth_len_off] | (quote[auth_len_off + 1] << 8);
  const std::size_t inner_size_off = auth_len_off + 2 + auth_len + 2;
  const std::size_t old_size = le32_at(quote, inner_size_off);
  Bytes out(quote.begin(), quote.begin() + static_cast<std::ptrdiff_t>(inner_size_off + 4));
  out.insert(out.end(), pem.begin(), pem.end());
  const std::size_t delta = pem.size() - old_size;
  put_le32(out, inner_size_off, pem.size());
  put_le32(out, outer_size_off, le32_at(quote, outer_size_off) + delta);
  put_le32(out, sig_len_off, le32_at(quote, sig_len_off) + delta);
  return out;
}

struct Case {
  const char* name;
  std::function<DcapEvidence()> make;
  std::int64_t time;
  Platform platform;
  const char* measurement_prefix;
};

const std::int64_t kPhalaSgxTime = 1751626571;  // 2025-07-04T10:56:11Z
const std::int64_t kPhalaTdxTime = 1751624163;  // 2025-07-04T10:16:03Z
const std::int64_t kNearTime = 1758094919;      // 2025-09-17T07:41:59Z
const std::int64_t kGoogleV4Time = 1688173200;  // 2023-07-01T01:00:00Z
const std::int64_t kAutomataTime = 1756530498;  // 2025-08-30T05:08:18Z

std::vector<Case> with_collateral() {
  return {
      {"phala-sgx-v3",
       [] { return phala("phala-sgx-v3", "sgx_quote", "sgx_quote_collateral.json"); },
       kPhalaSgxTime, Platform::Sgx, "33d8736db756ed49"},
      {"phala-tdx-v4",
       [] { return phala("phala-tdx-v4", "tdx_quote", "tdx_quote_collateral.json"); },
       kPhalaTdxTime, Platform::Tdx, "91eb2b44d141d4ec"},
      {"phala-tdx-v4-near",
       [] { return phala("phala-tdx-v4-near", "quote_hex.txt", "quote_collateral.json"); },
       kNearTime, Platform::Tdx, "f06dfda6dce1cf90"},
      {"automata-sgx-v3", automata, kAutomataTime, Platform::Sgx, "a4f45c39dac622cb"},
  };
}

void require_error(const Result<Verified>& r, Errc e, std::string_view check) {
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(ev::is(r.error(), e));
  CHECK(r.error().message.find(check) != std::string::npos);
}

}  // namespace

TEST_CASE("dcap: every quote with collateral verifies at its recorded time", "[dcap]") {
  for (const auto& c : with_collateral()) {
    INFO(c.name);
    auto r = verify_dcap(c.make(), at(c.time));
    if (!r.ok()) FAIL(r.error().to_string());
    CHECK(r->platform == c.platform);
    CHECK(r->tee_verified);
    CHECK_FALSE(r->debug);
    CHECK(to_hex(r->primary_measurement(), false).substr(0, 16) == c.measurement_prefix);
    CHECK(r->report_data.size() == 64);
    CHECK(r->tcb_status != "NoCollateral");
    CHECK(r->verified_at == c.time);
  }
}

TEST_CASE("dcap: google's TDX v4 quote passes every check but the TCB level", "[dcap]") {
  // Its TEE_TCB_SVN is 03 00 04 ...: the late-microcode component (4) is below the 5 that both
  // levels of the recorded TCB info require, so no level matches (Intel's QVL reports
  // TCB_NOT_SUPPORTED). Every other check (quote, QE report, binding, PCK chain with CRLs, TCB
  // info and QE identity signatures) runs before and passes.
  require_error(verify_dcap(google_v4(), at(kGoogleV4Time)), Errc::TcbStatus,
                "below every listed level");
  auto e = google_v4();
  e.collateral.reset();
  VerifyOptions o = at(kGoogleV4Time);
  o.allow_no_collateral = true;
  auto r = verify_dcap(e, o);
  if (!r.ok()) FAIL(r.error().to_string());
  CHECK(to_hex(r->primary_measurement(), false).substr(0, 16) == "6363b8043668a3ad");
  CHECK(to_hex(r->report_data, false).substr(0, 16) == "6c62dec1b8191749");
}

TEST_CASE("dcap: TCB status as the upstream tests expect", "[dcap]") {
  auto sgx = verify_dcap(phala("phala-sgx-v3", "sgx_quote", "sgx_quote_collateral.json"),
                         at(kPhalaSgxTime));
  REQUIRE(sgx.ok());
  CHECK(sgx->tcb_status == "ConfigurationAndSWHardeningNeeded");
  CHECK(to_hex(sgx->report_data, false).substr(0, 26) == "48656c6c6f2c20776f726c6421");
  REQUIRE(sgx->measurement("MRSIGNER") != nullptr);
  CHECK(to_hex(*sgx->measurement("MRSIGNER"), false).substr(0, 16) == "815f42f11cf64430");
  auto tdx = verify_dcap(phala("phala-tdx-v4", "tdx_quote", "tdx_quote_collateral.json"),
                         at(kPhalaTdxTime));
  REQUIRE(tdx.ok());
  CHECK(tdx->tcb_status == "UpToDate");
  REQUIRE(tdx->measurement("RTMR0") != nullptr);
  CHECK(to_hex(*tdx->measurement("RTMR0"), false).substr(0, 16) == "44c0197b39157fdd");
}

TEST_CASE("dcap: quotes recorded without collateral verify their quote and PCK chain", "[dcap]") {
  VerifyOptions o;
  o.allow_no_collateral = true;
  struct NoColl {
    const char* path;
    std::int64_t time;
    int version;
    const char* mrtd;
  };
  for (const NoColl& n :
       {NoColl{"google-tdx-v4-cos113/cos-113-tdx-quote.dat", 1720008457, 4, "dae67181d3d65e07"},
        NoColl{"google-tdx-v5/quote_v5_sample.dat", 1770080400, 5, "7348651a34b2d2d3"},
        NoColl{"phala-tdx-v5/tdx_quote_outdated", 1772708331, 5, "273828c46252fcbd"}}) {
    INFO(n.path);
    DcapEvidence e{vector_document(std::string("intel-dcap/") + n.path), std::nullopt};
    o.at = n.time;
    auto r = verify_dcap(e, o);
    if (!r.ok()) FAIL(r.error().to_string());
    CHECK(r->platform == Platform::Tdx);
    CHECK(r->tcb_status == "NoCollateral");
    CHECK(to_hex(r->primary_measurement(), false).substr(0, 16) == n.mrtd);
    // Without the option, a quote without collateral is refused.
    require_error(verify_dcap(e, at(n.time)), Errc::Collateral, "dcap collateral");
  }
}

TEST_CASE("dcap: each corruption class is refused by the check it breaks", "[dcap]") {
  const DcapEvidence good = phala("phala-tdx-v4", "tdx_quote", "tdx_quote_collateral.json");
  const auto opts = at(kPhalaTdxTime);
  REQUIRE(verify_dcap(good, opts).ok());
  constexpr std::size_t kSig = 48 + 584 + 4;  // start of the signature data (v4 TD report)

  SECTION("quote signature byte") {
    auto e = good;
    e.quote[kSig + 5] ^= 0x01;
    require_error(verify_dcap(e, opts), Errc::BadSignature, "dcap quote signature");
  }
  SECTION("payload byte (MRTD, report data)") {
    auto e = good;
    e.quote[48 + 136] ^= 0x01;
    require_error(verify_dcap(e, opts), Errc::BadSignature, "dcap quote signature");
    e = good;
    e.quote[48 + 520 + 63] ^= 0x01;
    require_error(verify_dcap(e, opts), Errc::BadSignature, "dcap quote signature");
  }
  SECTION("attestation key not bound by the QE report") {
    auto e = good;
    e.quote[kSig + 64 + 10] ^= 0x01;
    require_error(verify_dcap(e, opts), Errc::Binding, "dcap qe report data");
  }
  SECTION("QE report signature") {
    auto e = good;
    e.quote[kSig + 128 + 6 + 384 + 3] ^= 0x01;
    require_error(verify_dcap(e, opts), Errc::BadSignature, "dcap qe report signature");
  }
  SECTION("chain order and wrong root") {
    const std::string begin = "-----BEGIN CERTIFICATE-----";
    auto e = good;
    std::string q(e.quote.begin(), e.quote.end());
    const auto c0 = q.find(begin);
    const auto c1 = q.find(begin, c0 + 1);
    const auto c2 = q.find(begin, c1 + 1);
    REQUIRE(c2 != std::string::npos);
    // Leaf and intermediate swapped: same length, so the structure still parses.
    const std::string leaf = q.substr(c0, c1 - c0);
    const std::string mid = q.substr(c1, c2 - c1);
    std::string swapped = q;
    swapped.replace(c0, leaf.size() + mid.size(), mid + leaf);
    e.quote.assign(swapped.begin(), swapped.end());
    require_error(verify_dcap(e, opts), Errc::ChainOrder, "dcap pck chain");
    // The chain ending at another root (AWS's), with the quote's length fields adjusted.
    const std::string chain = q.substr(c0, c2 - c0) + std::string(kAwsNitroRootPem);
    e.quote = with_pck_chain(good.quote, chain);
    require_error(verify_dcap(e, opts), Errc::WrongRoot, "dcap pck chain");
  }
  SECTION("expired at the given time") {
    // Collateral is valid for a month: a year later the TCB info has lapsed.
    require_error(verify_dcap(good, at(kPhalaTdxTime + 365 * 86400)), Errc::NotValidAtTime, "dcap");
    // Before the PCK certificate existed.
    require_error(verify_dcap(good, at(1600000000)), Errc::NotValidAtTime, "dcap pck chain");
  }
  SECTION("truncated") {
    for (std::size_t cut :
         {std::size_t{10}, std::size_t{100}, std::size_t{700}, std::size_t{2000}}) {
      auto e = good;
      e.quote.resize(cut);
      auto r = verify_dcap(e, opts);
      REQUIRE_FALSE(r.ok());
      CHECK((ev::is(r.error(), Errc::Truncated) || ev::is(r.error(), Errc::Malformed)));
    }
  }
  SECTION("trailing garbage") {
    auto e = good;
    e.quote.push_back('x');
    require_error(verify_dcap(e, opts), Errc::TrailingData, "dcap quote");
    // The text google's repository appended to its recorded quote is refused the same way.
    DcapEvidence g{vector_bytes("intel-dcap/google-tdx-v4/tdx_prod_quote_SPR_E4.dat"),
                   google_v4().collateral};
    require_error(verify_dcap(g, at(kGoogleV4Time)), Errc::TrailingData, "dcap quote");
  }
  SECTION("collateral signature and fmspc") {
    auto e = good;
    e.collateral->tcb_info_signature[7] ^= 0x01;
    require_error(verify_dcap(e, opts), Errc::BadSignature, "dcap tcb info signature");
    e = good;
    e.collateral->qe_identity_signature[7] ^= 0x01;
    require_error(verify_dcap(e, opts), Errc::BadSignature, "dcap qe identity signature");
    auto other = phala("phala-tdx-v4-near", "quote_hex.txt", "quote_collateral.json");
    e = good;
    e.collateral->tcb_info = other.collateral->tcb_info;
    e.collateral->tcb_info_signature = other.collateral->tcb_info_signature;
    auto r = verify_dcap(e, opts);
    REQUIRE_FALSE(r.ok());
    INFO(r.error().to_string());
    CHECK((ev::is(r.error(), Errc::Collateral) || ev::is(r.error(), Errc::NotValidAtTime)));
  }
  SECTION("debug mode") {
    auto e = good;
    e.quote[48 + 120] |= 0x01;  // TD attributes: DEBUG
    require_error(verify_dcap(e, opts), Errc::DebugMode, "dcap debug mode");
    VerifyOptions dbg = opts;
    dbg.allow_debug = true;  // allowed, the signature over the changed report still fails
    require_error(verify_dcap(e, dbg), Errc::BadSignature, "dcap quote signature");
  }
}

TEST_CASE("dcap: the pinned Intel root is the recorded one", "[dcap][roots]") {
  CHECK(cert_fingerprint(pem_to_der(kIntelSgxRootPem).value()) ==
        cert_fingerprint(vector_bytes("intel-dcap/intel-sgx-root-ca/Intel_SGX_Root_CA.der")));
  CHECK(cert_fingerprint(pem_to_der(kIntelSgxRootPem).value()) ==
        "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3");
}
