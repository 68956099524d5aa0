// HardwarePlatform, the report-field readers and the platform choice (hardware_platform.hpp;
// docs/attestation.md, "Platform backends").
#include "ev/enclave/hardware_platform.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <string>

#include "crypto_internal.hpp"
#include "ev/common/base64.hpp"
#include "ev/enclave/errors.hpp"

namespace ev::enclave {
namespace {

// SEV-SNP ATTESTATION_REPORT offsets (AMD SEV-SNP ABI, table "ATTESTATION_REPORT").
constexpr std::size_t kSnpReportSize = 1184;
constexpr std::size_t kSnpGuestSvn = 0x04;
constexpr std::size_t kSnpReportData = 0x50;
constexpr std::size_t kSnpMeasurement = 0x90;

// DCAP quote offsets (Intel DCAP quote format v3-v5).
constexpr std::size_t kQuoteHeader = 48;
constexpr std::uint32_t kTeeSgx = 0x00;
constexpr std::uint32_t kTeeTdx = 0x81;
constexpr std::size_t kSgxMrEnclave = 64;
constexpr std::size_t kSgxMrSigner = 128;
constexpr std::size_t kSgxIsvSvn = 258;
constexpr std::size_t kSgxReportData = 320;
constexpr std::size_t kSgxBody = 384;
constexpr std::size_t kTdMrTd = 136;
constexpr std::size_t kTdReportData = 520;
constexpr std::size_t kTdBody = 584;

std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | (p[1] << 8)); }

Error malformed(std::string_view what, std::string_view why) {
  return make_error(Errc::Malformed, std::string(what) + ": " + std::string(why));
}

std::string pem(ByteSpan der) {
  const std::string b64 = base64(der);
  std::string out = "-----BEGIN CERTIFICATE-----\n";
  for (std::size_t i = 0; i < b64.size(); i += 64) out += b64.substr(i, 64) + "\n";
  return out + "-----END CERTIFICATE-----\n";
}

}  // namespace

std::string_view hardware_name(HardwareKind k) {
  switch (k) {
    case HardwareKind::Nitro: return "nitro";
    case HardwareKind::SevSnp: return "sev-snp";
    case HardwareKind::Tdx: return "tdx";
    case HardwareKind::Sgx: return "sgx";
  }
  return "unknown";
}

Result<std::unique_ptr<HardwarePlatform>> HardwarePlatform::create(
    HardwareKind kind, std::unique_ptr<ReportSource> source) {
  const Identity id =
      EV_TRY_CTX(std::string(hardware_name(kind)) + " identity", source->identity());
  return std::unique_ptr<HardwarePlatform>(new HardwarePlatform(kind, std::move(source), id));
}

Result<Bytes> HardwarePlatform::seal(const SealPolicy& /*policy*/, ByteSpan /*plaintext*/,
                                     ByteSpan /*aad*/) {
  return make_error(Errc::Unsupported, "sealing on the " + std::string(hardware_name(kind_)) +
                                           " platform is not implemented (the master seed needs "
                                           "the hand-over between attested workers)");
}

Result<SecretBytes> HardwarePlatform::unseal(const SealPolicy& /*accept*/, ByteSpan /*blob*/,
                                             ByteSpan /*aad*/) {
  return make_error(Errc::Unsupported, "unsealing on the " + std::string(hardware_name(kind_)) +
                                           " platform is not implemented");
}

Result<Bytes> HardwarePlatform::attest(ByteSpan report_data) {
  if (report_data.size() > kMaxReportData) {
    return make_error(
        Errc::InvalidArgument,
        "report data is " + std::to_string(report_data.size()) + " bytes, at most 64 allowed");
  }
  const std::lock_guard<std::mutex> lock(mu_);
  return EV_TRY_CTX(std::string(hardware_name(kind_)) + " attestation",
                    source_->evidence(report_data));
}

Result<void> HardwarePlatform::random(std::span<std::uint8_t> out) {
  SystemRng rng;
  return rng.random(out);
}

Result<ReportFields> snp_report_fields(ByteSpan report) {
  if (report.size() != kSnpReportSize) {
    return malformed("sev-snp report", std::to_string(report.size()) + " bytes, expected 1184");
  }
  ReportFields f;
  std::copy_n(report.begin() + kSnpMeasurement, kMeasurementSize, f.identity.measurement.begin());
  f.identity.version = detail::get_u32le(report.data() + kSnpGuestSvn);
  f.report_data.assign(report.begin() + kSnpReportData, report.begin() + kSnpReportData + 64);
  return f;
}

Result<ReportFields> dcap_quote_fields(ByteSpan quote, HardwareKind kind) {
  if (kind != HardwareKind::Sgx && kind != HardwareKind::Tdx) {
    return make_error(Errc::InvalidArgument, "a DCAP quote is SGX or TDX");
  }
  if (quote.size() < kQuoteHeader) return malformed("dcap quote", "shorter than its header");
  const std::uint16_t version = le16(quote.data());
  const std::uint32_t tee = detail::get_u32le(quote.data() + 4);
  if (version < 3 || version > 5) {
    return make_error(Errc::Unsupported, "dcap quote version " + std::to_string(version));
  }
  const bool tdx = kind == HardwareKind::Tdx;
  if (tee != (tdx ? kTeeTdx : kTeeSgx)) {
    return malformed("dcap quote", "TEE type " + std::to_string(tee) + ", expected " +
                                       std::string(hardware_name(kind)));
  }
  std::size_t body = kQuoteHeader;
  if (version == 5) body += 6;  // body type u16, body size u32
  const std::size_t need = body + (tdx ? kTdBody : kSgxBody);
  if (quote.size() < need) {
    return malformed("dcap quote", std::to_string(quote.size()) + " bytes, its body needs " +
                                       std::to_string(need));
  }
  ReportFields f;
  const auto* b = quote.data() + body;
  if (tdx) {
    std::copy_n(b + kTdMrTd, kMeasurementSize, f.identity.measurement.begin());
    f.report_data.assign(b + kTdReportData, b + kTdReportData + 64);
  } else {
    std::copy_n(b + kSgxMrEnclave, 32, f.identity.measurement.begin());
    std::copy_n(b + kSgxMrSigner, kSignerSize, f.identity.signer.begin());
    f.identity.version = le16(b + kSgxIsvSvn);
    f.report_data.assign(b + kSgxReportData, b + kSgxReportData + 64);
  }
  return f;
}

std::string snp_evidence_bundle(ByteSpan report, const SnpCertificates& certs) {
  nlohmann::json j;
  j["platform"] = "sev-snp";
  j["report"] = to_hex(report, false);
  if (!certs.vcek.empty()) j["vcek"] = to_hex(certs.vcek, false);
  if (!certs.ask.empty()) {
    j["ask_ark"] = pem(certs.ask) + (certs.ark.empty() ? std::string() : pem(certs.ark));
  }
  return j.dump();
}

Result<std::unique_ptr<HardwarePlatform>> open_hardware_platform(
    std::string_view name, const std::optional<std::filesystem::path>& device) {
  auto at = [&](std::string_view fallback) {
    return device.value_or(std::filesystem::path(fallback));
  };
  if (name == "nitro") {
    auto dev = EV_TRY(open_ioctl_device(at(kNsmDevice)));
    return HardwarePlatform::create(HardwareKind::Nitro, nitro_source(std::move(dev)));
  }
  if (name == "tdx") {
    return HardwarePlatform::create(
        HardwareKind::Tdx,
        tsm_source(HardwareKind::Tdx, at(kTsmReportDir), std::make_unique<SystemFiles>()));
  }
  if (name == "sgx") {
    return HardwarePlatform::create(
        HardwareKind::Sgx, gramine_source(at(kGramineDir), std::make_unique<SystemFiles>()));
  }
  if (name == "sev-snp") {
    SystemFiles probe;
    const std::filesystem::path tsm = at(kTsmReportDir);
    if ((!device || probe.is_directory(*device)) && probe.is_directory(tsm)) {
      return HardwarePlatform::create(
          HardwareKind::SevSnp,
          tsm_source(HardwareKind::SevSnp, tsm, std::make_unique<SystemFiles>()));
    }
    auto dev = EV_TRY(open_ioctl_device(at(kSevGuestDevice)));
    return HardwarePlatform::create(HardwareKind::SevSnp, sev_guest_source(std::move(dev)));
  }
  return make_error(Errc::InvalidArgument, "unknown hardware platform '" + std::string(name) + "'");
}

}  // namespace ev::enclave
