// Pinned vendor roots (PEM), shipped with the library. Verifiers accept a chain only when it ends
// at one of these certificates, byte for byte.
#pragma once

#include <string_view>

#include "ev/common/bytes.hpp"

namespace ev::attestation {

extern const std::string_view kAwsNitroRootPem;  // AWS_NitroEnclaves_Root-G1 (P-384)
extern const std::string_view kIntelSgxRootPem;  // Intel SGX Root CA (P-256)
extern const std::string_view kAmdArkMilanPem;   // ARK-Milan (RSA-4096)
extern const std::string_view kAmdArkGenoaPem;   // ARK-Genoa
extern const std::string_view kAmdArkTurinPem;   // ARK-Turin

// DER of a single-certificate PEM (error when the PEM does not hold exactly one certificate).
[[nodiscard]] Result<Bytes> pem_to_der(std::string_view pem);

// PEM of one DER certificate.
[[nodiscard]] Result<std::string> der_to_pem(ByteSpan der);

// SHA-256 of a certificate's DER, lowercase hex without prefix.
[[nodiscard]] std::string cert_fingerprint(ByteSpan der);

}  // namespace ev::attestation
