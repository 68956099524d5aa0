// Hardware TEE platforms: the Platform seam (platform.hpp) backed by the attestation interface of
// an AWS Nitro Enclave (/dev/nsm), an AMD SEV-SNP guest (configfs-tsm, else /dev/sev-guest), an
// Intel TDX guest (configfs-tsm) or an Intel SGX enclave under Gramine (/dev/attestation).
// Device paths are injectable (tee_io.hpp), so tests drive each backend's wire handling against
// a fake device or directory. What each backend sends and reads, and what ran on real hardware:
// docs/attestation.md, "Platform backends".
//
// attest() returns evidence in the form ev::attestation::verify_evidence reads: Nitro the
// COSE_Sign1 document, SGX/TDX the DCAP quote (collateral is fetched by verifiers), SEV-SNP a
// JSON bundle {"platform":"sev-snp","report":hex,"vcek":hex,"ask_ark":PEM} with the certificates
// the host supplied ("vcek"/"ask_ark" absent when it supplied none).
//
// Sealing is not available on these platforms yet: seal() and unseal() fail with Unsupported
// (the seed hand-over between attested workers, docs/enclave.md, is what they need).
//
// Thread safety: attest() calls are serialised per platform; the other methods are const.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ev/enclave/platform.hpp"
#include "ev/enclave/tee_io.hpp"

namespace ev::enclave {

enum class HardwareKind : std::uint8_t { Nitro, SevSnp, Tdx, Sgx };

// "nitro", "sev-snp", "tdx", "sgx".
[[nodiscard]] std::string_view hardware_name(HardwareKind k);

inline constexpr std::string_view kNsmDevice = "/dev/nsm";
inline constexpr std::string_view kTsmReportDir = "/sys/kernel/config/tsm/report";
inline constexpr std::string_view kSevGuestDevice = "/dev/sev-guest";
inline constexpr std::string_view kGramineDir = "/dev/attestation";

// One backend: asks the hardware for evidence.
class ReportSource {
 public:
  virtual ~ReportSource() = default;
  // The running enclave's identity, asked of the hardware once, when the platform is created.
  [[nodiscard]] virtual Result<Identity> identity() = 0;
  // Evidence binding `report_data` (at most 64 bytes; zero-padded to 64 where the hardware's
  // field is fixed-size). Errors: Device (the device refused or answered an error), Malformed
  // (its answer does not parse), Conflict (another writer changed the request), Io.
  [[nodiscard]] virtual Result<Bytes> evidence(ByteSpan report_data) = 0;
};

class HardwarePlatform final : public Platform {
 public:
  // Asks `source` for the identity. Errors: those of ReportSource::identity.
  [[nodiscard]] static Result<std::unique_ptr<HardwarePlatform>> create(
      HardwareKind kind, std::unique_ptr<ReportSource> source);

  [[nodiscard]] HardwareKind kind() const { return kind_; }
  [[nodiscard]] Measurement measurement() const override { return identity_.measurement; }
  [[nodiscard]] Identity identity() const override { return identity_; }
  // Unsupported on hardware platforms (see above).
  [[nodiscard]] Result<Bytes> seal(const SealPolicy& policy, ByteSpan plaintext,
                                   ByteSpan aad) override;
  [[nodiscard]] Result<SecretBytes> unseal(const SealPolicy& accept, ByteSpan blob,
                                           ByteSpan aad) override;
  // Errors: InvalidArgument (more than 64 bytes), the source's.
  [[nodiscard]] Result<Bytes> attest(ByteSpan report_data) override;
  // The kernel's CSPRNG (OpenSSL RAND_bytes); inside these guests it is seeded by the hardware.
  [[nodiscard]] Result<void> random(std::span<std::uint8_t> out) override;

 private:
  HardwarePlatform(HardwareKind kind, std::unique_ptr<ReportSource> source, Identity id)
      : kind_(kind), source_(std::move(source)), identity_(id) {}

  HardwareKind kind_;
  std::mutex mu_;
  std::unique_ptr<ReportSource> source_;
  Identity identity_;
};

// --- The backends. ---

// AWS Nitro: NSM requests through NSM_IOCTL_RAW. Identity: PCR0 (DescribePCR 0).
[[nodiscard]] std::unique_ptr<ReportSource> nitro_source(std::unique_ptr<IoctlDevice> nsm);

// SEV-SNP (provider "sev_guest") or TDX ("tdx_guest") through a configfs-tsm report directory:
// a fresh entry per report, inblob written, outblob (and for SNP auxblob) read, the entry's
// generation checked after every read; a report another writer disturbed is retried twice,
// then refused (Conflict). Identity: SNP MEASUREMENT / TDX MRTD of a report with zero data.
[[nodiscard]] std::unique_ptr<ReportSource> tsm_source(HardwareKind kind,
                                                       std::filesystem::path report_dir,
                                                       std::unique_ptr<AttributeFiles> files);

// SEV-SNP through /dev/sev-guest: SNP_GET_EXT_REPORT (certificates from the host), falling back
// to SNP_GET_REPORT when the host offers none.
[[nodiscard]] std::unique_ptr<ReportSource> sev_guest_source(std::unique_ptr<IoctlDevice> dev);

// SGX under Gramine: attestation_type must be "dcap"; user_report_data written, quote read.
// Identity: MRENCLAVE (in the first 32 of the 48 measurement bytes), MRSIGNER, ISVSVN.
[[nodiscard]] std::unique_ptr<ReportSource> gramine_source(std::filesystem::path dir,
                                                           std::unique_ptr<AttributeFiles> files);

// The platform `name` ("nitro", "sev-snp", "tdx", "sgx") on this machine's devices, or at
// `device` when given (sev-snp: a directory is a configfs-tsm report directory, anything else
// the sev-guest device; without it configfs-tsm is used when present, else /dev/sev-guest).
// Errors: InvalidArgument (unknown name), Io (device absent), the backend's.
[[nodiscard]] Result<std::unique_ptr<HardwarePlatform>> open_hardware_platform(
    std::string_view name, const std::optional<std::filesystem::path>& device);

// --- Wire formats (pure functions; the decoders are fuzzed). ---

inline constexpr std::size_t kNsmRequestMax = 0x1000;
inline constexpr std::size_t kNsmResponseMax = 0x3000;

// CBOR {"Attestation": {"user_data": bstr or null (empty), "nonce": null, "public_key": null}}.
[[nodiscard]] Bytes nsm_attestation_request(ByteSpan user_data);
// CBOR {"DescribePCR": {"index": index}}.
[[nodiscard]] Bytes nsm_describe_pcr_request(std::uint16_t index);
// {"Attestation": {"document": bstr}} -> the document. {"Error": code} -> Device naming it.
[[nodiscard]] Result<Bytes> parse_nsm_attestation_response(ByteSpan response);
// {"DescribePCR": {"lock": bool, "data": bstr}} -> the 48-byte PCR value.
[[nodiscard]] Result<Bytes> parse_nsm_describe_pcr_response(ByteSpan response);

// The certificates in an SNP certificate table (GHCB spec: 24-byte entries {GUID, offset u32,
// length u32} ending with an all-zero entry; offsets from the table's start). DER; empty when
// the table has no such entry.
struct SnpCertificates {
  Bytes vcek;
  Bytes ask;
  Bytes ark;
};
[[nodiscard]] Result<SnpCertificates> parse_snp_cert_table(ByteSpan table);
// MSG_REPORT_RSP as /dev/sev-guest returns it (status u32, report size u32, 24 reserved bytes,
// the report) -> the 1184-byte report.
[[nodiscard]] Result<Bytes> parse_snp_report_response(ByteSpan response);
// A configfs-tsm generation attribute: decimal digits and an optional newline.
[[nodiscard]] Result<std::uint64_t> parse_tsm_generation(ByteSpan text);

// What a backend reads from its own report to learn its identity and check the round trip.
struct ReportFields {
  Identity identity;
  Bytes report_data;  // 64 bytes
};
// A 1184-byte SNP report: MEASUREMENT, GUEST_SVN, REPORT_DATA (signer left zero).
[[nodiscard]] Result<ReportFields> snp_report_fields(ByteSpan report);
// A DCAP quote v3-v5 of the expected TEE: TDX MRTD, or SGX MRENCLAVE/MRSIGNER/ISVSVN.
[[nodiscard]] Result<ReportFields> dcap_quote_fields(ByteSpan quote, HardwareKind kind);

// The SEV-SNP evidence bundle (see above). Certificates absent from `certs` are left out.
[[nodiscard]] std::string snp_evidence_bundle(ByteSpan report, const SnpCertificates& certs);

}  // namespace ev::enclave
