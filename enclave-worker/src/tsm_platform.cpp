// Attribute-file backends: Linux configfs-tsm reports (SEV-SNP and TDX guests) and Gramine's
// /dev/attestation (SGX). docs/attestation.md, "Platform backends".
#include <algorithm>
#include <string>

#include "ev/enclave/errors.hpp"
#include "ev/enclave/hardware_platform.hpp"

namespace ev::enclave {
namespace {

constexpr std::size_t kReportData = 64;
constexpr std::size_t kMaxBlob = std::size_t{64} * 1024;  // TSM_REPORT_OUTBLOB_MAX is 32 KiB
constexpr std::size_t kMaxAttribute = 64;
constexpr int kAttempts = 3;

Bytes padded(ByteSpan report_data) {
  Bytes b(kReportData, 0);
  std::copy(report_data.begin(), report_data.end(), b.begin());
  return b;
}

// Text of a short attribute without its trailing newline.
std::string text_of(const Bytes& b) {
  std::string s(b.begin(), b.end());
  while (!s.empty() && (s.back() == '\n' || s.back() == '\0')) s.pop_back();
  return s;
}

// Hex of a few random bytes, for an entry name no other writer uses.
Result<std::string> entry_name() {
  std::uint8_t r[8];
  SystemRng rng;
  EV_TRY(rng.random(r));
  return "epochvault-" + to_hex(ByteSpan(r, sizeof r), false);
}

using Blobs = std::pair<Bytes, Bytes>;  // outblob, auxblob (SNP; empty when none)

class TsmSource final : public ReportSource {
 public:
  TsmSource(HardwareKind kind, std::filesystem::path dir, std::unique_ptr<AttributeFiles> files)
      : kind_(kind), dir_(std::move(dir)), files_(std::move(files)) {}

  Result<Identity> identity() override {
    const Blobs blobs = EV_TRY(report(padded({})));
    return EV_TRY(fields(blobs.first)).identity;
  }

  Result<Bytes> evidence(ByteSpan report_data) override {
    const Bytes want = padded(report_data);
    auto [blob, aux] = EV_TRY(report(want));
    if (EV_TRY(fields(blob)).report_data != want) {
      return make_error(Errc::Device, "the report carries other report data than requested");
    }
    if (kind_ == HardwareKind::Tdx) return blob;
    const SnpCertificates certs =
        aux.empty() ? SnpCertificates{} : EV_TRY_CTX("auxblob", parse_snp_cert_table(aux));
    const std::string bundle = snp_evidence_bundle(blob, certs);
    return Bytes(bundle.begin(), bundle.end());
  }

 private:
  Result<ReportFields> fields(ByteSpan blob) const {
    return kind_ == HardwareKind::Tdx ? dcap_quote_fields(blob, kind_) : snp_report_fields(blob);
  }

  // One report, retried when another writer disturbed the entry.
  Result<Blobs> report(const Bytes& inblob) {
    Error last = make_error(Errc::Conflict, "no attempt");
    for (int i = 0; i < kAttempts; ++i) {
      const std::filesystem::path entry = dir_ / EV_TRY(entry_name());
      EV_TRY_CTX("configfs-tsm", files_->make_dir(entry));
      auto r = report_in(entry, inblob);
      auto removed = files_->remove_dir(entry);
      if (r) {
        if (!removed) return std::move(removed).error();
        return r;
      }
      last = std::move(r).error();
      if (!is(last, Errc::Conflict)) return last;
    }
    return last;
  }

  Result<std::uint64_t> generation(const std::filesystem::path& entry) {
    return parse_tsm_generation(EV_TRY(files_->read(entry / "generation", kMaxAttribute)));
  }

  // Reads `attr` and checks that the generation is still `expected`.
  Result<Bytes> read_checked(const std::filesystem::path& entry, const char* attr,
                             std::uint64_t expected, std::size_t max) {
    Bytes b = EV_TRY(files_->read(entry / attr, max));
    const std::uint64_t now = EV_TRY(generation(entry));
    if (now != expected) {
      return make_error(Errc::Conflict, std::string("configfs-tsm ") + attr + ": generation " +
                                            std::to_string(now) + " where this request left " +
                                            std::to_string(expected) +
                                            " (another writer changed the request)");
    }
    return b;
  }

  Result<Blobs> report_in(const std::filesystem::path& entry, const Bytes& inblob) {
    const std::uint64_t start = EV_TRY(generation(entry));
    EV_TRY_CTX("configfs-tsm inblob", files_->write(entry / "inblob", inblob));
    const std::uint64_t expected = start + 1;
    const std::string want = kind_ == HardwareKind::Tdx ? "tdx_guest" : "sev_guest";
    const std::string provider =
        text_of(EV_TRY(read_checked(entry, "provider", expected, kMaxAttribute)));
    if (provider != want) {
      return make_error(Errc::Device, "configfs-tsm provider is '" + provider + "', expected '" +
                                          want + "' for " + std::string(hardware_name(kind_)));
    }
    Bytes out = EV_TRY(read_checked(entry, "outblob", expected, kMaxBlob));
    Bytes aux;
    if (kind_ == HardwareKind::SevSnp)
      aux = EV_TRY(read_checked(entry, "auxblob", expected, kMaxBlob));
    return Blobs{std::move(out), std::move(aux)};
  }

  HardwareKind kind_;
  std::filesystem::path dir_;
  std::unique_ptr<AttributeFiles> files_;
};

class GramineSource final : public ReportSource {
 public:
  GramineSource(std::filesystem::path dir, std::unique_ptr<AttributeFiles> files)
      : dir_(std::move(dir)), files_(std::move(files)) {}

  Result<Identity> identity() override {
    const Bytes quote = EV_TRY(quote_for(padded({})));
    return EV_TRY(dcap_quote_fields(quote, HardwareKind::Sgx)).identity;
  }

  Result<Bytes> evidence(ByteSpan report_data) override {
    const Bytes want = padded(report_data);
    Bytes quote = EV_TRY(quote_for(want));
    if (EV_TRY(dcap_quote_fields(quote, HardwareKind::Sgx)).report_data != want) {
      return make_error(Errc::Device,
                        "the quote carries other report data than requested (another thread "
                        "or process wrote user_report_data)");
    }
    return quote;
  }

 private:
  Result<Bytes> quote_for(const Bytes& want) {
    const std::string type =
        text_of(EV_TRY(files_->read(dir_ / "attestation_type", kMaxAttribute)));
    if (type != "dcap") {
      return make_error(Errc::Device, "Gramine attestation type is '" + type +
                                          "'; the manifest must set sgx.remote_attestation = "
                                          "\"dcap\"");
    }
    EV_TRY(files_->write(dir_ / "user_report_data", want));
    return files_->read(dir_ / "quote", kMaxBlob);
  }

  std::filesystem::path dir_;
  std::unique_ptr<AttributeFiles> files_;
};

}  // namespace

Result<std::uint64_t> parse_tsm_generation(ByteSpan text) {
  std::size_t n = text.size();
  if (n > 0 && text[n - 1] == '\n') --n;
  if (n == 0 || n > 19) {
    return make_error(Errc::Malformed, "configfs-tsm generation: expected 1-19 decimal digits");
  }
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return make_error(Errc::Malformed, "configfs-tsm generation: not a decimal number");
    }
    v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return v;
}

std::unique_ptr<ReportSource> tsm_source(HardwareKind kind, std::filesystem::path report_dir,
                                         std::unique_ptr<AttributeFiles> files) {
  return std::make_unique<TsmSource>(kind, std::move(report_dir), std::move(files));
}

std::unique_ptr<ReportSource> gramine_source(std::filesystem::path dir,
                                             std::unique_ptr<AttributeFiles> files) {
  return std::make_unique<GramineSource>(std::move(dir), std::move(files));
}

}  // namespace ev::enclave
