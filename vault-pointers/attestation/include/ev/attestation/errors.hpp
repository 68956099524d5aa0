// Errors of the attestation verifiers. Each refusal names the check that failed in its message
// ("nitro: cose signature: ...", "sev-snp: vcek chain: ...").
#pragma once

#include <string_view>

#include "ev/common/result.hpp"

namespace ev::attestation {

enum class Errc {
  Malformed = 1,   // the bytes do not parse as the platform's format
  Truncated,       // the document ends before a field it declares
  TrailingData,    // bytes after the end of the document
  Unsupported,     // a version, algorithm or key type this verifier does not accept
  BadSignature,    // a signature does not verify
  ChainOrder,      // certificates out of order, or one not issued by the next
  WrongRoot,       // the chain does not end at the pinned vendor root
  ChainInvalid,    // the chain fails X.509 path validation for another reason
  NotValidAtTime,  // a certificate or collateral is not valid at the verification time
  Revoked,         // a certificate is on its issuer's CRL
  DebugMode,       // the enclave or guest runs in debug mode
  TcbMismatch,     // the certificate's TCB or chip id differs from the report's
  Binding,         // the quoting enclave's report does not bind the attestation key
  Collateral,      // TCB info or QE identity is malformed, unsigned or does not match
  TcbStatus,       // the platform's TCB status is not acceptable
  ReportData,      // the report data does not commit to what was expected
  Measurement,     // the measurement is not the expected one
  NotHardware,     // a simulated attestation where a hardware one is required
};

}  // namespace ev::attestation

namespace ev {
template <>
struct ErrorTraits<attestation::Errc> {
  static constexpr std::string_view domain = "attestation";
  static std::string_view message(attestation::Errc e);
};
}  // namespace ev
