// Hardware platform backends against fake devices that answer with documents recorded on real
// hardware (../shared/vectors/attestation): the request each backend sends, the answer it
// decodes, and the offline verifier's result on the evidence it returns (report data round trip).
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "ev/attestation/evidence.hpp"
#include "ev/attestation/roots.hpp"
#include "ev/enclave/errors.hpp"
#include "fake_tee.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace ev;
using namespace ev::enclave;
using namespace ev::enclave::test;
namespace att = ev::attestation;

namespace {

Bytes vector_bytes(const std::string& rel) {
  const std::string raw = ev::test::read_file(ev::test::require_vectors("attestation/" + rel));
  return att::decode_document_text(Bytes(raw.begin(), raw.end()));
}

std::string vector_text(const std::string& rel) {
  return ev::test::read_file(ev::test::require_vectors("attestation/" + rel));
}

std::unique_ptr<HardwarePlatform> make(HardwareKind kind, std::unique_ptr<ReportSource> s) {
  auto p = HardwarePlatform::create(kind, std::move(s));
  if (!p) FAIL(p.error().to_string());
  return std::move(p).value();
}

Bytes measurement_of(const Platform& p) {
  const Measurement m = p.measurement();
  return Bytes(m.begin(), m.end());
}

Bytes signer_of(const Platform& p) {
  const SignerId s = p.identity().signer;
  return Bytes(s.begin(), s.end());
}

att::VerifyOptions at(std::int64_t t) {
  att::VerifyOptions o;
  o.at = t;
  return o;
}

// DER of each certificate in a PEM bundle.
std::vector<Bytes> pem_certs(const std::string& pem) {
  std::vector<Bytes> out;
  constexpr std::string_view kEnd = "-----END CERTIFICATE-----";
  std::size_t from = 0;
  for (auto e = pem.find(kEnd); e != std::string::npos; e = pem.find(kEnd, from)) {
    auto der = att::pem_to_der(pem.substr(from, e + kEnd.size() - from));
    REQUIRE(der.ok());
    out.push_back(*der);
    from = e + kEnd.size();
  }
  return out;
}

constexpr std::int64_t kVirteeTime = 1680636223;    // 2023-04-04T19:23:43Z
constexpr std::int64_t kPhalaSgxTime = 1751626571;  // 2025-07-04T10:56:11Z
constexpr std::int64_t kPhalaTdxTime = 1751624163;  // 2025-07-04T10:16:03Z

struct SnpCase {
  Bytes report, vcek, ask, ark;
};
SnpCase virtee() {
  const auto chain = pem_certs(vector_text("amd-sev-snp/virtee-milan/cert_chain_milan"));
  REQUIRE(chain.size() == 2);
  return {vector_bytes("amd-sev-snp/virtee-milan/report_milan.hex"),
          vector_bytes("amd-sev-snp/virtee-milan/vcek_milan.der"), chain[0], chain[1]};
}

Bytes report_data_of(const Bytes& snp_report) {
  return Bytes(snp_report.begin() + 0x50, snp_report.begin() + 0x90);
}

// The bundle the verifier reads for a quote with its recorded collateral.
Bytes dcap_bundle(const char* platform, const Bytes& quote, const std::string& collateral) {
  nlohmann::json j;
  j["platform"] = platform;
  j["quote"] = to_hex(quote, false);
  j["collateral"] = nlohmann::json::parse(collateral);
  const std::string s = j.dump();
  return Bytes(s.begin(), s.end());
}

}  // namespace

// --- Nitro ---

TEST_CASE("nitro: the NSM Attestation request is the NSM API's CBOR", "[hardware][nitro]") {
  // {"Attestation": {"user_data": h'0102', "nonce": null, "public_key": null}}
  CHECK(to_hex(nsm_attestation_request(Bytes{1, 2}), false) ==
        "a16b4174746573746174696f6ea369757365725f64617461420102656e6f6e6365f66a7075626c69635f6b"
        "6579f6");
  // no report data: user_data null
  CHECK(to_hex(nsm_attestation_request({}), false).find("69757365725f64617461f6") !=
        std::string::npos);
  // {"DescribePCR": {"index": 0}}
  CHECK(to_hex(nsm_describe_pcr_request(0), false) == "a16b4465736372696265504352a165696e64657800");
}

TEST_CASE("nitro: recorded documents pass through the NSM backend and verify",
          "[hardware][nitro]") {
  const char* docs[] = {
      "nitro/marlin-oyster-2024-12-13/aws.bin",
      "nitro/marlin-oyster-2025-04-29-pcr16/aws_pcr16.bin",
      "nitro/base-nitro-validator-2026-01-03-indefinite/real_attestation.repaired.bin",
      "nitro/blocky-nitrite-2024-09-07/nitro_attestation.b64",
      "nitro/evervault-2022-10-13/valid-attestation-doc-bytes",
  };
  int round_trips = 0;
  for (const char* path : docs) {
    INFO(path);
    const Bytes doc = vector_bytes(path);
    const auto recorded = att::verify_nitro(doc);
    REQUIRE(recorded.ok());
    if (recorded->report_data.size() > kMaxReportData) continue;  // larger than our 64 bytes
    auto nsm = std::make_unique<FakeNsm>();
    FakeNsm& fake = *nsm;
    fake.document = doc;
    fake.pcr0 = *recorded->measurement("PCR0");
    auto p = make(HardwareKind::Nitro, nitro_source(std::move(nsm)));
    CHECK(measurement_of(*p) == fake.pcr0);

    auto ev = p->attest(recorded->report_data);
    REQUIRE(ev.ok());
    CHECK(*ev == doc);
    REQUIRE(fake.last_user_data.has_value());
    CHECK(*fake.last_user_data == recorded->report_data);
    const auto v = att::verify_evidence(*ev, {});
    REQUIRE(v.ok());
    CHECK(v->platform == att::Platform::Nitro);
    CHECK(v->report_data == recorded->report_data);
    CHECK(v->primary_measurement() == fake.pcr0);
    ++round_trips;
  }
  CHECK(round_trips == 4);  // one of the five carries more than 64 bytes of user_data
}

TEST_CASE("nitro: NSM errors, failed ioctls and bad answers are refused", "[hardware][nitro]") {
  auto nsm = std::make_unique<FakeNsm>();
  FakeNsm& fake = *nsm;
  fake.pcr0 = Bytes(48, 7);
  fake.document = Bytes{0x84};
  auto p = make(HardwareKind::Nitro, nitro_source(std::move(nsm)));

  Bytes err;
  cbor_head(err, 5, 1);
  cbor_text(err, "Error");
  cbor_text(err, "InvalidArgument");
  fake.forced_response = err;
  auto r = p->attest(Bytes{1});
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::Device));
  CHECK(r.error().message.find("InvalidArgument") != std::string::npos);

  fake.forced_response = Bytes{0xa1, 0x6b};  // truncated
  CHECK(is(p->attest(Bytes{1}).error(), Errc::Malformed));
  fake.forced_response = Bytes{0xbb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};  // huge map
  CHECK(is(p->attest(Bytes{1}).error(), Errc::Malformed));

  fake.forced_response.reset();
  fake.overstate_length = true;
  CHECK(is(p->attest(Bytes{1}).error(), Errc::Device));
  fake.overstate_length = false;
  fake.fail_errno = EIO;
  r = p->attest(Bytes{1});
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("NSM_IOCTL_RAW") != std::string::npos);

  CHECK(is(p->attest(Bytes(65, 1)).error(), Errc::InvalidArgument));
  CHECK(is(p->seal(SealPolicy::this_measurement(), Bytes{1}, {}).error(), Errc::Unsupported));

  // A PCR of the wrong size is refused when the platform is created.
  auto bad = std::make_unique<FakeNsm>();
  bad->pcr0 = Bytes(32, 1);
  auto made = HardwarePlatform::create(HardwareKind::Nitro, nitro_source(std::move(bad)));
  REQUIRE_FALSE(made.ok());
  CHECK(is(made.error(), Errc::Malformed));
}

// --- SEV-SNP through /dev/sev-guest ---

TEST_CASE("sev-snp: /dev/sev-guest extended reports carry the host's certificates and verify",
          "[hardware][snp]") {
  const SnpCase c = virtee();
  auto dev = std::make_unique<FakeSevGuest>();
  FakeSevGuest& fake = *dev;
  fake.report = c.report;
  fake.certs = snp_cert_table(c.vcek, c.ask, c.ark);
  fake.min_certs_len = 5 * 4096;  // more than the first buffer: the backend asks again
  auto p = make(HardwareKind::SevSnp, sev_guest_source(std::move(dev)));
  CHECK(measurement_of(*p) == Bytes(c.report.begin() + 0x90, c.report.begin() + 0xc0));

  const Bytes want = report_data_of(c.report);
  auto ev = p->attest(want);
  if (!ev) FAIL(ev.error().to_string());
  CHECK(fake.ext_calls == 2);
  CHECK(fake.user_data.back() == want);
  const auto v = att::verify_evidence(*ev, at(kVirteeTime));
  if (!v) FAIL(v.error().to_string());
  CHECK(v->platform == att::Platform::SevSnp);
  CHECK(v->report_data == want);
  CHECK(v->tee_verified);
}

TEST_CASE("sev-snp: without extended reports the backend falls back to SNP_GET_REPORT",
          "[hardware][snp]") {
  const SnpCase c = virtee();
  auto dev = std::make_unique<FakeSevGuest>();
  FakeSevGuest& fake = *dev;
  fake.report = c.report;
  fake.ext_unsupported = true;
  auto p = make(HardwareKind::SevSnp, sev_guest_source(std::move(dev)));
  auto ev = p->attest(report_data_of(c.report));
  REQUIRE(ev.ok());
  const auto j = nlohmann::json::parse(std::string(ev->begin(), ev->end()));
  CHECK(j["report"] == to_hex(c.report, false));
  CHECK_FALSE(j.contains("vcek"));
  // The verifier then needs the VCEK from elsewhere, and says so.
  const auto v = att::verify_evidence(*ev, at(kVirteeTime));
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().message.find("vcek") != std::string::npos);

  // A report with other report data than requested is refused; so is a firmware error.
  CHECK(is(p->attest(Bytes{9}).error(), Errc::Device));
  fake.status = 0x16;
  auto r = p->attest(report_data_of(c.report));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("invalid parameters") != std::string::npos);
}

TEST_CASE("sev-snp: certificate tables and report responses are parsed strictly",
          "[hardware][snp]") {
  const Bytes a(100, 1), b(50, 2);
  auto t = snp_cert_table(a, b, {});
  auto certs = parse_snp_cert_table(t);
  REQUIRE(certs.ok());
  CHECK(certs->vcek == a);
  CHECK(certs->ask == b);
  CHECK(certs->ark.empty());
  CHECK(parse_snp_cert_table(Bytes(24, 0))->vcek.empty());

  Bytes no_end(t.begin(), t.begin() + 24);  // one entry, no terminator
  CHECK(is(parse_snp_cert_table(no_end).error(), Errc::Malformed));
  Bytes outside = t;
  put_u32(outside, 20, 100000);
  CHECK(is(parse_snp_cert_table(outside).error(), Errc::Malformed));
  Bytes twice = snp_cert_table(a, b, {});
  std::copy_n(twice.begin(), 16, twice.begin() + 24);  // the ASK entry now says VCEK
  CHECK(is(parse_snp_cert_table(twice).error(), Errc::Malformed));

  Bytes resp(4000, 0);
  put_u32(resp, 4, 1184);
  CHECK(parse_snp_report_response(resp)->size() == 1184);
  put_u32(resp, 4, 1000);
  CHECK(is(parse_snp_report_response(resp).error(), Errc::Malformed));
  put_u32(resp, 0, 0x16);
  CHECK(is(parse_snp_report_response(resp).error(), Errc::Device));
  CHECK(is(parse_snp_report_response(Bytes(10, 0)).error(), Errc::Malformed));
}

// --- configfs-tsm (SEV-SNP and TDX) ---

TEST_CASE("configfs-tsm: an SEV-SNP report and its auxblob certificates verify",
          "[hardware][tsm]") {
  const SnpCase c = virtee();
  ev::test::TempDir dir;
  auto files = std::make_unique<FakeTsm>();
  FakeTsm& fake = *files;
  fake.outblob = c.report;
  fake.auxblob = snp_cert_table(c.vcek, c.ask, c.ark);
  auto p =
      make(HardwareKind::SevSnp, tsm_source(HardwareKind::SevSnp, dir.path(), std::move(files)));
  const Bytes want = report_data_of(c.report);
  auto ev = p->attest(want);
  if (!ev) FAIL(ev.error().to_string());
  CHECK(fake.inblobs.back() == want);
  const auto v = att::verify_evidence(*ev, at(kVirteeTime));
  if (!v) FAIL(v.error().to_string());
  CHECK(v->report_data == want);
  CHECK(v->primary_measurement() == measurement_of(*p));
  CHECK(fake.entries_made == fake.entries_removed);
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("configfs-tsm: a concurrent writer is detected by the generation and retried",
          "[hardware][tsm]") {
  const SnpCase c = virtee();
  ev::test::TempDir dir;
  auto files = std::make_unique<FakeTsm>();
  FakeTsm& fake = *files;
  fake.outblob = c.report;
  auto p =
      make(HardwareKind::SevSnp, tsm_source(HardwareKind::SevSnp, dir.path(), std::move(files)));
  const Bytes want = report_data_of(c.report);

  fake.disturb = 2;  // two attempts disturbed, the third is clean
  const int before = fake.entries_made;
  REQUIRE(p->attest(want).ok());
  CHECK(fake.entries_made - before == 3);

  fake.disturb = 3;  // every attempt disturbed
  auto r = p->attest(want);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::Conflict));
  CHECK(r.error().message.find("generation") != std::string::npos);
  CHECK(fs::is_empty(dir.path()));
}

TEST_CASE("configfs-tsm: a TDX quote verifies with its recorded collateral", "[hardware][tsm]") {
  const Bytes quote = vector_bytes("intel-dcap/phala-tdx-v4/tdx_quote");
  const std::string coll = vector_text("intel-dcap/phala-tdx-v4/tdx_quote_collateral.json");
  ev::test::TempDir dir;
  auto files = std::make_unique<FakeTsm>();
  FakeTsm& fake = *files;
  fake.provider = "tdx_guest";
  fake.outblob = quote;
  auto p = make(HardwareKind::Tdx, tsm_source(HardwareKind::Tdx, dir.path(), std::move(files)));
  const auto fields = dcap_quote_fields(quote, HardwareKind::Tdx);
  REQUIRE(fields.ok());
  auto ev = p->attest(fields->report_data);
  if (!ev) FAIL(ev.error().to_string());
  CHECK(*ev == quote);
  CHECK(fake.inblobs.back() == fields->report_data);
  const auto v = att::verify_evidence(dcap_bundle("tdx", *ev, coll), at(kPhalaTdxTime));
  if (!v) FAIL(v.error().to_string());
  CHECK(v->platform == att::Platform::Tdx);
  CHECK(v->report_data == fields->report_data);
  CHECK(*v->measurement("MRTD") == measurement_of(*p));
}

TEST_CASE("configfs-tsm: another provider than the platform's is refused", "[hardware][tsm]") {
  ev::test::TempDir dir;
  auto files = std::make_unique<FakeTsm>();
  files->provider = "sev_guest";
  files->outblob = Bytes(1184, 0);
  auto made = HardwarePlatform::create(HardwareKind::Tdx,
                                       tsm_source(HardwareKind::Tdx, dir.path(), std::move(files)));
  REQUIRE_FALSE(made.ok());
  CHECK(made.error().message.find("provider is 'sev_guest'") != std::string::npos);
}

TEST_CASE("configfs-tsm: generation attributes are decimal numbers", "[hardware][tsm]") {
  CHECK(*parse_tsm_generation(as_bytes("0\n")) == 0);
  CHECK(*parse_tsm_generation(as_bytes("18446744073")) == 18446744073ULL);
  CHECK(is(parse_tsm_generation(as_bytes("")).error(), Errc::Malformed));
  CHECK(is(parse_tsm_generation(as_bytes("1x\n")).error(), Errc::Malformed));
  CHECK(is(parse_tsm_generation(as_bytes("99999999999999999999")).error(), Errc::Malformed));
}

// --- SGX under Gramine ---

TEST_CASE("gramine: an SGX quote from /dev/attestation verifies with its collateral",
          "[hardware][sgx]") {
  const Bytes quote = vector_bytes("intel-dcap/phala-sgx-v3/sgx_quote");
  const std::string coll = vector_text("intel-dcap/phala-sgx-v3/sgx_quote_collateral.json");
  ev::test::TempDir dir;
  SystemFiles files;
  REQUIRE(files.write(dir.path() / "attestation_type", as_bytes("dcap")).ok());
  REQUIRE(files.write(dir.path() / "quote", quote).ok());
  auto p = make(HardwareKind::Sgx, gramine_source(dir.path(), std::make_unique<SystemFiles>()));
  const auto fields = dcap_quote_fields(quote, HardwareKind::Sgx);
  REQUIRE(fields.ok());
  CHECK(p->identity().version == fields->identity.version);

  auto ev = p->attest(fields->report_data);
  if (!ev) FAIL(ev.error().to_string());
  CHECK(*files.read(dir.path() / "user_report_data", 64) == fields->report_data);
  const auto v = att::verify_evidence(dcap_bundle("sgx", *ev, coll), at(kPhalaSgxTime));
  if (!v) FAIL(v.error().to_string());
  CHECK(v->report_data == fields->report_data);
  const Bytes m = measurement_of(*p);
  CHECK(*v->measurement("MRENCLAVE") == Bytes(m.begin(), m.begin() + 32));
  CHECK(std::all_of(m.begin() + 32, m.end(), [](std::uint8_t b) { return b == 0; }));
  CHECK(*v->measurement("MRSIGNER") == signer_of(*p));

  // A quote for other report data (another writer of user_report_data) is refused.
  CHECK(is(p->attest(Bytes{1, 2, 3}).error(), Errc::Device));
  // Without DCAP attestation in the manifest there is nothing to ask.
  REQUIRE(files.write(dir.path() / "attestation_type", as_bytes("none")).ok());
  auto r = p->attest(fields->report_data);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("sgx.remote_attestation") != std::string::npos);
}

TEST_CASE("dcap quote fields: truncated quotes and other TEE types are refused",
          "[hardware][sgx]") {
  const Bytes quote = vector_bytes("intel-dcap/phala-sgx-v3/sgx_quote");
  CHECK(is(dcap_quote_fields(quote, HardwareKind::Tdx).error(), Errc::Malformed));
  CHECK(is(dcap_quote_fields(Bytes(quote.begin(), quote.begin() + 300), HardwareKind::Sgx).error(),
           Errc::Malformed));
  CHECK(is(dcap_quote_fields(Bytes(10, 0), HardwareKind::Sgx).error(), Errc::Malformed));
  CHECK(is(snp_report_fields(Bytes(1183, 0)).error(), Errc::Malformed));
}

TEST_CASE("hardware platforms: unknown names and absent devices are errors", "[hardware]") {
  CHECK(is(open_hardware_platform("tpm", std::nullopt).error(), Errc::InvalidArgument));
  ev::test::TempDir dir;
  auto r = open_hardware_platform("nitro", dir.path() / "nsm");
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::Io));
  CHECK(r.error().message.find("nsm") != std::string::npos);
}

TEST_CASE("hardware platforms: sev-snp uses configfs-tsm for a directory, sev-guest otherwise",
          "[hardware]") {
  ev::test::TempDir dir;
  // A directory: a configfs-tsm report directory, whose entry here has no generation attribute.
  auto tsm = open_hardware_platform("sev-snp", dir.path());
  REQUIRE_FALSE(tsm.ok());
  CHECK(tsm.error().message.find("generation") != std::string::npos);
  CHECK(fs::is_empty(dir.path()));  // the entry it made is removed again
  // Anything else: the sev-guest device, on which a plain file refuses the ioctl.
  SystemFiles files;
  REQUIRE(files.write(dir.path() / "sev-guest", as_bytes("x")).ok());
  auto dev = open_hardware_platform("sev-snp", dir.path() / "sev-guest");
  REQUIRE_FALSE(dev.ok());
  CHECK(is(dev.error(), Errc::Device));
  CHECK(dev.error().message.find("SNP_GET_REPORT") != std::string::npos);
}
