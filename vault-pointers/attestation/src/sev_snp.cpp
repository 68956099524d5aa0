// AMD SEV-SNP attestation reports: the report's ECDSA P-384 signature (little-endian r and s) by
// the VCEK, the VCEK's TCB and hardware-id extensions against the report, and VCEK -> ASK -> ARK
// (RSA-PSS) to the pinned ARK of the product (Milan, Genoa, Turin).
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <ctime>

#include "crypto_internal.hpp"
#include "ev/attestation/roots.hpp"
#include "ev/attestation/verify.hpp"

namespace ev::attestation {
namespace {

using detail::fail;

constexpr std::size_t kReportSize = 0x4A0;
constexpr std::size_t kOffVersion = 0x00;
constexpr std::size_t kOffPolicy = 0x08;
constexpr std::size_t kOffSigAlgo = 0x34;
constexpr std::size_t kOffReportData = 0x50;
constexpr std::size_t kOffMeasurement = 0x90;
constexpr std::size_t kOffHostData = 0xC0;
constexpr std::size_t kOffReportedTcb = 0x180;
constexpr std::size_t kOffChipId = 0x1A0;
constexpr std::size_t kOffSignature = 0x2A0;
constexpr std::size_t kSigComponent = 72;
constexpr std::uint64_t kPolicyDebug = 1ULL << 19;

struct Product {
  const char* name;
  std::string_view ark_pem;
  bool turin_tcb_layout;
};
constexpr std::array<Product, 3> kProducts{
    {{"Milan", {}, false}, {"Genoa", {}, false}, {"Turin", {}, true}}};

std::string_view ark_pem_of(std::size_t i) {
  switch (i) {
    case 0: return kAmdArkMilanPem;
    case 1: return kAmdArkGenoaPem;
    default: return kAmdArkTurinPem;
  }
}

// An extension's raw extnValue contents, or nullopt.
std::optional<Bytes> extension(X509* cert, const char* oid) {
  ASN1_OBJECT* obj = OBJ_txt2obj(oid, 1);
  if (obj == nullptr) return std::nullopt;
  const int idx = X509_get_ext_by_OBJ(cert, obj, -1);
  ASN1_OBJECT_free(obj);
  if (idx < 0) return std::nullopt;
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  return Bytes(ASN1_STRING_get0_data(data), ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
}

Result<std::uint64_t> spl_extension(X509* vcek, const char* oid, std::string_view name) {
  auto raw = extension(vcek, oid);
  if (!raw)
    return fail(Errc::TcbMismatch, "vcek tcb", "VCEK has no " + std::string(name) + " extension");
  const unsigned char* p = raw->data();
  ASN1_INTEGER* i = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(raw->size()));
  if (i == nullptr) return fail(Errc::Malformed, "vcek tcb", std::string(name) + " not an INTEGER");
  const long v = ASN1_INTEGER_get(i);
  ASN1_INTEGER_free(i);
  if (v < 0 || v > 255)
    return fail(Errc::Malformed, "vcek tcb", std::string(name) + " out of range");
  return static_cast<std::uint64_t>(v);
}

}  // namespace

Result<Verified> verify_sev_snp(const SnpEvidence& ev, const VerifyOptions& opts) {
  const ByteSpan r = ev.report;
  if (r.size() < kReportSize) {
    return fail(Errc::Truncated, "sev-snp report",
                std::to_string(r.size()) + " bytes, expected " + std::to_string(kReportSize));
  }
  if (r.size() > kReportSize) {
    return fail(Errc::TrailingData, "sev-snp report",
                std::to_string(r.size() - kReportSize) + " bytes after the report");
  }
  const std::uint32_t version = detail::le32(r.data() + kOffVersion);
  if (version < 2 || version > 5) {
    return fail(Errc::Unsupported, "sev-snp report", "version " + std::to_string(version));
  }
  if (detail::le32(r.data() + kOffSigAlgo) != 1) {
    return fail(Errc::Unsupported, "sev-snp report", "signature algorithm is not ECDSA P-384");
  }
  const std::int64_t at = opts.at.value_or(static_cast<std::int64_t>(std::time(nullptr)));

  // Certificates: VCEK, ASK (and optionally the ARK) -> pinned ARK of the ASK's product.
  detail::X509Ptr vcek = EV_TRY(detail::parse_der_cert(ev.vcek_der, "vcek"));
  auto bundle = EV_TRY(detail::parse_pem_certs(ev.ask_ark_pem, "ask/ark bundle"));
  if (bundle.size() > 2) return fail(Errc::Malformed, "ask/ark bundle", "more than ASK and ARK");
  X509* ask = bundle[0].get();
  if (bundle.size() == 2 && X509_check_issued(ask, ask) == X509_V_OK) {
    return fail(Errc::ChainOrder, "sev-snp vcek chain",
                "the bundle starts with the self-signed " + detail::subject_cn(ask) +
                    "; the ASK must come first");
  }
  std::optional<std::size_t> product;
  detail::X509Ptr ark;
  for (std::size_t i = 0; i < kProducts.size(); ++i) {
    auto pinned = EV_TRY(detail::parse_pem_certs(ark_pem_of(i), "pinned ark"));
    if (X509_check_issued(pinned[0].get(), ask) == X509_V_OK) {
      product = i;
      ark = std::move(pinned[0]);
      break;
    }
  }
  if (!product) {
    return fail(
        Errc::WrongRoot, "sev-snp ask",
        detail::subject_cn(ask) + " is not issued by a pinned AMD ARK (Milan, Genoa, Turin)");
  }
  const Bytes ark_der = detail::cert_der(ark.get());
  if (bundle.size() == 2 && detail::cert_der(bundle[1].get()) != ark_der) {
    return fail(Errc::WrongRoot, "sev-snp ark",
                "the bundle's " + detail::subject_cn(bundle[1].get()) + " is not the pinned ARK-" +
                    kProducts[*product].name);
  }
  std::array<X509*, 2> chain{vcek.get(), ask};
  EV_TRY(detail::verify_chain("sev-snp vcek chain", chain, ark.get(), ark_der, at));

  // Report signature by the VCEK.
  EVP_PKEY* key = X509_get0_pubkey(vcek.get());
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 384) {
    return fail(Errc::Unsupported, "vcek", "key is not P-384");
  }
  std::array<std::uint8_t, 48> rb{};
  std::array<std::uint8_t, 48> sb{};
  for (std::size_t i = kSigComponent; i-- > 48;) {
    if (r[kOffSignature + i] != 0 || r[kOffSignature + kSigComponent + i] != 0) {
      return fail(Errc::BadSignature, "sev-snp report signature", "r or s wider than 384 bits");
    }
  }
  for (std::size_t i = 0; i < 48; ++i) {
    rb[47 - i] = r[kOffSignature + i];
    sb[47 - i] = r[kOffSignature + kSigComponent + i];
  }
  if (!detail::ecdsa_verify(key, EVP_sha384(), r.first(kOffSignature), rb, sb)) {
    return fail(Errc::BadSignature, "sev-snp report signature",
                "ECDSA P-384 over bytes 0x000-0x29F does not verify with the VCEK");
  }

  // The VCEK was issued for this chip at this TCB.
  const std::uint8_t* tcb = r.data() + kOffReportedTcb;
  const bool turin = kProducts[*product].turin_tcb_layout;
  struct Spl {
    const char* oid;
    const char* name;
    std::uint8_t value;
  };
  const std::array<Spl, 4> spls{{{"1.3.6.1.4.1.3704.1.3.1", "blSPL", turin ? tcb[1] : tcb[0]},
                                 {"1.3.6.1.4.1.3704.1.3.2", "teeSPL", turin ? tcb[2] : tcb[1]},
                                 {"1.3.6.1.4.1.3704.1.3.3", "snpSPL", turin ? tcb[3] : tcb[6]},
                                 {"1.3.6.1.4.1.3704.1.3.8", "ucodeSPL", tcb[7]}}};
  std::string tcb_text;
  for (const auto& s : spls) {
    const std::uint64_t v = EV_TRY(spl_extension(vcek.get(), s.oid, s.name));
    if (v != s.value) {
      return fail(Errc::TcbMismatch, "vcek tcb",
                  std::string(s.name) + " is " + std::to_string(v) + " in the VCEK but " +
                      std::to_string(s.value) + " in the report's reported_tcb");
    }
    tcb_text += std::string(tcb_text.empty() ? "" : ",") + s.name + "=" + std::to_string(v);
  }
  auto hwid = extension(vcek.get(), "1.3.6.1.4.1.3704.1.4");
  if (hwid && hwid->size() == 66 && (*hwid)[0] == 0x04 && (*hwid)[1] == 64) {
    hwid->erase(hwid->begin(), hwid->begin() + 2);
  }
  if (!hwid || hwid->size() != 64 ||
      !std::equal(hwid->begin(), hwid->end(), r.begin() + kOffChipId)) {
    return fail(Errc::TcbMismatch, "vcek chip id", "the VCEK's hwID is not the report's chip_id");
  }

  Verified out;
  out.platform = Platform::SevSnp;
  out.measurements.push_back(
      {"MEASUREMENT", Bytes(r.begin() + kOffMeasurement, r.begin() + kOffMeasurement + 48)});
  out.measurements.push_back(
      {"HOST_DATA", Bytes(r.begin() + kOffHostData, r.begin() + kOffHostData + 32)});
  out.report_data.assign(r.begin() + kOffReportData, r.begin() + kOffReportData + 64);
  const std::uint64_t policy = detail::le64(r.data() + kOffPolicy);
  out.debug = (policy & kPolicyDebug) != 0;
  if (out.debug && !opts.allow_debug) {
    return fail(Errc::DebugMode, "sev-snp debug policy", "guest policy allows debugging (bit 19)");
  }
  out.tcb_status = "VcekMatchesReportedTcb";
  out.verified_at = at;
  out.tee_verified = true;
  out.checks = {"report structure",
                "vcek chain to pinned ARK-" + std::string(kProducts[*product].name),
                "report signature", "vcek tcb and chip id",
                out.debug ? "debug policy (allowed)" : "no debug policy"};
  out.notes.push_back("product " + std::string(kProducts[*product].name));
  out.notes.push_back("reported_tcb " + tcb_text);
  out.notes.push_back("report version " + std::to_string(version));
  return out;
}

}  // namespace ev::attestation
