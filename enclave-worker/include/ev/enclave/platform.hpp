// The TEE platform seam: what a trusted execution environment gives the workers. One
// implementation per platform (simulated_platform.hpp for development; hardware platforms
// later). Everything above this seam is platform-independent.
//
// Policies (docs/enclave.md, "Sealing policies"):
//   * kMeasurement: only an enclave with exactly this measurement can unseal.
//   * kSigner: any enclave of the same signer whose security version is >= the floor recorded
//     in the blob can unseal (upgrades keep their data; older versions below the floor cannot).
//
// Thread safety: implementations are safe for concurrent calls of every method.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ev/common/bytes.hpp"
#include "ev/common/clock.hpp"
#include "ev/common/result.hpp"
#include "ev/enclave/secret_bytes.hpp"

namespace ev::enclave {

inline constexpr std::size_t kMeasurementSize = 48;  // SHA-384, as SGX/TDX/Nitro PCRs
inline constexpr std::size_t kSignerSize = 32;
inline constexpr std::size_t kMaxReportData = 64;

using Measurement = ByteArray<kMeasurementSize>;
using SignerId = ByteArray<kSignerSize>;

// Who this enclave is.
struct Identity {
  Measurement measurement{};
  SignerId signer{};
  std::uint32_t version = 0;  // security version of the enclave build
};

enum class SealKind : std::uint8_t {
  kMeasurement = 1,
  kSigner = 2,
};

struct SealPolicy {
  SealKind kind = SealKind::kMeasurement;
  // kSigner: lowest security version allowed to unseal. Sealing requires floor <= own version;
  // unsealing (as an accept check) requires the blob's floor >= this value. Unused (0) for
  // kMeasurement.
  std::uint32_t version_floor = 0;

  static SealPolicy this_measurement() { return {SealKind::kMeasurement, 0}; }
  static SealPolicy same_signer(std::uint32_t floor) { return {SealKind::kSigner, floor}; }
};

// A source of cryptographically secure random bytes (the project-wide seam,
// ev/common/clock.hpp); enclave implementations fail with Errc::Crypto.
using Rng = ev::Rng;

// The operating system's CSPRNG through OpenSSL's RAND_bytes (per-thread DRBG).
class SystemRng final : public Rng {
 public:
  [[nodiscard]] Result<void> random(std::span<std::uint8_t> out) override;
};

class Platform : public Rng {
 public:
  // The running enclave's measurement (48 bytes).
  [[nodiscard]] virtual Measurement measurement() const = 0;
  // Measurement, signer and security version.
  [[nodiscard]] virtual Identity identity() const = 0;

  // Seals `plaintext` so that only enclaves allowed by `policy` can recover it; `aad` is bound
  // to the blob (unseal must present the same bytes) but not stored in it.
  // Errors: InvalidArgument (kSigner with a floor above this enclave's version), Crypto, Io.
  [[nodiscard]] virtual Result<Bytes> seal(const SealPolicy& policy, ByteSpan plaintext,
                                           ByteSpan aad) = 0;

  // Recovers a sealed blob. `accept` is the caller's requirement on how the blob was sealed:
  //   * kMeasurement: the blob must be measurement-bound to this enclave's measurement;
  //   * kSigner: also accepts a signer-bound blob of this enclave's signer whose floor is
  //     >= accept.version_floor and <= this enclave's version.
  // Errors: Malformed, Unsupported, PolicyRefused (with both identities in the message),
  // AuthFailed (tampered, other platform secret, or other aad).
  [[nodiscard]] virtual Result<SecretBytes> unseal(const SealPolicy& accept, ByteSpan blob,
                                                   ByteSpan aad) = 0;

  // An attestation report binding `report_data` (at most 64 bytes) to this enclave's identity.
  // The format is the platform's own (simulated: docs/enclave.md, "Attestation report").
  [[nodiscard]] virtual Result<Bytes> attest(ByteSpan report_data) = 0;
};

}  // namespace ev::enclave
