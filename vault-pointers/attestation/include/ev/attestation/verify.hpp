// Offline verifiers for TEE attestation documents: AWS Nitro Enclaves, AMD SEV-SNP, Intel DCAP
// (SGX and TDX quotes v3/v4/v5) and the project's simulated platform. Each verifier parses the
// untrusted bytes strictly, checks every signature and certificate chain up to a pinned vendor
// root at a given time, and returns what the document proves (docs/attestation.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ev/attestation/errors.hpp"
#include "ev/common/bytes.hpp"

namespace ev::attestation {

enum class Platform { Simulated, Nitro, SevSnp, Sgx, Tdx };

// "simulated", "nitro", "sev-snp", "sgx", "tdx".
[[nodiscard]] std::string_view platform_name(Platform p);
[[nodiscard]] Result<Platform> platform_from_name(std::string_view name);

struct Measurement {
  std::string name;  // "PCR0", "MRENCLAVE", "MRTD", "RTMR0", "MEASUREMENT", ...
  Bytes value;
};

struct Verified {
  Platform platform = Platform::Simulated;
  // Named measurements; the first is the primary one (PCR0, MRENCLAVE, MRTD, the SNP launch
  // measurement, or the simulated measurement).
  std::vector<Measurement> measurements;
  Bytes report_data;                      // Nitro: user_data; SNP/DCAP: the 64-byte report data
  Bytes nonce;                            // Nitro only: the document's nonce (empty when null)
  std::string tcb_status;                 // "UpToDate", "OutOfDate", ...; Nitro "NotApplicable"
  std::int64_t verified_at = 0;           // the time every check was made at (Unix seconds)
  std::optional<std::int64_t> issued_at;  // the document's own timestamp, when it has one
  bool debug = false;                     // debug enclave / guest (accepted only when allowed)
  bool tee_verified = false;              // false only for the simulated platform
  std::vector<std::string> checks;        // the checks that passed, in order
  std::vector<std::string> notes;  // facts a reader should know (trailing padding tolerated...)

  // The primary measurement (empty when there is none).
  [[nodiscard]] const Bytes& primary_measurement() const;
  // A named measurement, or nullptr.
  [[nodiscard]] const Bytes* measurement(std::string_view name) const;
};

struct VerifyOptions {
  // Verification time (Unix seconds). Nitro defaults to the document's own timestamp; the others
  // require it (callers pass "now" when they mean now).
  std::optional<std::int64_t> at;
  // Documents with their own timestamp (Nitro) are checked at it even when `at` is set; the
  // caller then judges their age from Verified::issued_at.
  bool prefer_document_time = false;
  bool allow_debug = false;  // accept debug-mode documents (still flagged in the result)
  // DCAP: accept a quote without collateral (TCB status then "NoCollateral"; the PCK chain is
  // checked without CRLs).
  bool allow_no_collateral = false;
};

// A time given as Unix seconds (digits only) or RFC 3339 ("2024-09-07T14:37:39Z",
// "...+02:00").
[[nodiscard]] Result<std::int64_t> parse_time(std::string_view text);

// The bytes of a document stored as binary, as hex text or as base64 text (whitespace in text is
// ignored). Text is recognised only when every byte is printable ASCII or whitespace.
[[nodiscard]] Bytes decode_document_text(ByteSpan file);

// --- AWS Nitro Enclaves: an untagged or tagged (18) COSE_Sign1 document, binary CBOR. ---
[[nodiscard]] Result<Verified> verify_nitro(ByteSpan document, const VerifyOptions& opts = {});

// --- AMD SEV-SNP: a 1184-byte ATTESTATION_REPORT, the VCEK (DER) and the ASK (DER or PEM;
// an ASK‖ARK PEM bundle is accepted, its ARK must equal the pinned one). ---
struct SnpEvidence {
  Bytes report;
  Bytes vcek_der;
  std::string ask_ark_pem;  // ASK first, then optionally the ARK
};
[[nodiscard]] Result<Verified> verify_sev_snp(const SnpEvidence& ev, const VerifyOptions& opts);

// --- Intel DCAP quotes v3/v4/v5 (SGX enclave report, TD report 1.0 / 1.5). ---
struct DcapCollateral {
  std::string tcb_info;               // the exact signed JSON text of "tcbInfo"
  Bytes tcb_info_signature;           // raw r‖s (64 bytes)
  std::string tcb_info_issuer_chain;  // PEM, TCB Signing cert first (the root may follow)
  std::string qe_identity;            // the exact signed JSON text of "enclaveIdentity"
  Bytes qe_identity_signature;
  std::string qe_identity_issuer_chain;
  Bytes pck_crl_der;      // CRL of the PCK Platform or Processor CA
  Bytes root_ca_crl_der;  // CRL of the Intel SGX Root CA
};
struct DcapEvidence {
  Bytes quote;
  std::optional<DcapCollateral> collateral;  // without it only the quote and PCK chain are checked
};
[[nodiscard]] Result<Verified> verify_dcap(const DcapEvidence& ev, const VerifyOptions& opts);

// Collateral from the JSON object the PCCS/QVL libraries exchange (fields pck_crl_issuer_chain,
// root_ca_crl, pck_crl, tcb_info_issuer_chain, tcb_info, tcb_info_signature,
// qe_identity_issuer_chain, qe_identity, qe_identity_signature; binary fields as hex).
[[nodiscard]] Result<DcapCollateral> dcap_collateral_from_json(std::string_view json);
// The raw text of a PCS response body's signed member ("tcbInfo" or "enclaveIdentity") and its
// signature, exactly as signed.
struct SignedBody {
  std::string body;
  Bytes signature;
};
[[nodiscard]] Result<SignedBody> pcs_signed_body(std::string_view response, std::string_view key);

// --- The simulated platform (enclave-worker/src/simulated_platform.cpp): a 283-byte report
// signed by the platform key embedded in it. Never tee_verified; the embedded key is reported
// as measurement "PLATFORM_KEY" so a caller can compare it with the one it trusts. ---
[[nodiscard]] Result<Verified> verify_simulated(ByteSpan report, const VerifyOptions& opts = {});

}  // namespace ev::attestation
