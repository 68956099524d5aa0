// `--self-test-platform`: how an operator checks a platform backend on their own hardware. The
// worker asks its platform for a report over a fresh nonce, verifies the evidence offline
// (ev::attestation::verify_evidence against the pinned vendor roots) and checks that it names
// this enclave's measurement and carries the expected report data. docs/attestation.md,
// "Checking a backend on real hardware".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ev/enclave/platform.hpp"

namespace ev::worker {

struct SelfTestResult {
  bool verified = false;  // every check passed
  std::string text;       // what was checked and found, one "name: value" per line
};

// The report data is the commitment (docs/formats/attestation.md) to an all-zero account and
// genesis hash, the purpose "session" and a fresh 32-byte nonce from the platform. `now` (Unix
// seconds) is the verification time; DCAP quotes are checked without collateral (a verifier
// fetches it from Intel PCS), so their TCB status reads "NoCollateral".
[[nodiscard]] SelfTestResult self_test_platform(enclave::Platform& platform,
                                                std::string_view platform_name, std::int64_t now);

}  // namespace ev::worker
