// Evidence files: what `epochvault attest verify` and the worker registry take. Either a bare
// document (Nitro COSE_Sign1, simulated report, DCAP quote without collateral; binary, hex or
// base64), or a JSON bundle naming the platform (docs/formats/attestation.md):
//   {"platform": "nitro",     "document": B}
//   {"platform": "sev-snp",   "report": B, "vcek": B, "ask_ark": "<PEM>"}
//   {"platform": "sgx"|"tdx", "quote": B, "collateral": {QVL collateral JSON object}}
//   {"platform": "simulated", "report": B}
// where B is hex or base64 text.
#pragma once

#include "ev/attestation/verify.hpp"

namespace ev::attestation {

inline constexpr std::size_t kMaxEvidence = std::size_t{1024} * 1024;

// Recognises the evidence and runs the platform's verifier.
[[nodiscard]] Result<Verified> verify_evidence(ByteSpan file, const VerifyOptions& opts);

// The JSON bundle of a simulated report or a Nitro document (what workers submit).
[[nodiscard]] std::string evidence_bundle(Platform platform, ByteSpan document);

}  // namespace ev::attestation
