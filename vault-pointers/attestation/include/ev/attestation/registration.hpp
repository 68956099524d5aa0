// The registry's acceptance rule for a worker's attestation (docs/attestation.md, "Registry
// policy"): the evidence verifies, is fresh, is hardware-backed unless the chain runs in dev
// mode, is not a debug enclave, and its report data commits to the registering account, this
// chain's genesis hash, the purpose "register" and the given nonce.
#pragma once

#include <cstdint>

#include "ev/attestation/report_data.hpp"
#include "ev/attestation/verify.hpp"

namespace ev::attestation {

struct RegistrationPolicy {
  bool dev_mode = false;                                      // accept simulated attestations
  std::int64_t max_age_seconds = std::int64_t{24} * 60 * 60;  // attestations expire after this
  std::int64_t max_clock_skew_seconds =
      std::int64_t{5} * 60;  // a document dated this far ahead is accepted
};

struct Registration {
  Platform platform = Platform::Simulated;
  Bytes measurement;  // the primary measurement
  std::string tcb_status;
  std::int64_t attested_at = 0;  // the document's time, or `now` when it has none
  std::int64_t expires_at = 0;
  bool tee_verified = false;
};

// Errors: any verifier error; NotHardware (simulated without dev mode); DebugMode;
// NotValidAtTime ("attestation age": older than max_age or dated in the future); ReportData.
[[nodiscard]] Result<Registration> verify_registration(ByteSpan evidence,
                                                       const ByteArray<32>& account,
                                                       const ByteArray<32>& genesis_hash,
                                                       ByteSpan nonce, std::int64_t now,
                                                       const RegistrationPolicy& policy);

}  // namespace ev::attestation
