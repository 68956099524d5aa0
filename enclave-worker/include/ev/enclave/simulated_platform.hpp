// SimulatedPlatform: a development stand-in for a TEE. NOT HARDWARE BACKED: anyone who can read
// the platform secret file can unseal everything and forge reports. Formats and derivations:
// docs/enclave.md and docs/formats/sealed-seed.md.
//
//   * measurement = SHA-384 of the running executable (/proc/self/exe), or of an injected file,
//     or injected bytes (tests);
//   * platform secret = 32 random bytes in a file created with mode 0600 on first use; a file
//     with any group/other permission bit, of another size, or not a regular file is refused;
//   * sealing key = HKDF-SHA256(platform secret, per-blob salt, policy ‖ measurement-or-signer ‖
//     version floor); AES-256-GCM;
//   * attestation reports are signed with an ed25519 key derived from the platform secret and
//     carry the marker "SIMULATED-NOT-HARDWARE-BACKED"; verify_simulated_report checks them.
//
// Thread safety: all methods may be called concurrently once create() has returned.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "ev/common/secret.hpp"
#include "ev/enclave/platform.hpp"

namespace ev::enclave {

inline constexpr std::size_t kPlatformSecretSize = 32;
inline constexpr std::size_t kPlatformPublicKeySize = 32;
inline constexpr std::string_view kSimulatedMarker = "SIMULATED-NOT-HARDWARE-BACKED";

using PlatformPublicKey = ByteArray<kPlatformPublicKeySize>;

struct SimulatedPlatformOptions {
  // Where the platform secret lives (created with mode 0600 if absent; parent must exist).
  std::filesystem::path secret_path;
  // Measurement source, first one set wins: measurement, measured_file, /proc/self/exe.
  std::optional<Measurement> measurement;
  std::optional<std::filesystem::path> measured_file;
  // Signer identity and security version of this build. The default signer is
  // SHA-256("epochvault simulated signer").
  std::optional<SignerId> signer;
  std::uint32_t version = 1;
};

// The fields of a simulated attestation report (docs/enclave.md, "Attestation report").
struct SimulatedReport {
  Identity identity;
  Bytes report_data;  // 0..64 bytes, as passed to attest()
  PlatformPublicKey platform_key{};
};

class SimulatedPlatform final : public Platform {
 public:
  // Reads (or creates) the platform secret and computes the measurement.
  // Errors: Io, InsecureFile (with the path, mode or size in the message).
  [[nodiscard]] static Result<std::unique_ptr<SimulatedPlatform>> create(
      const SimulatedPlatformOptions& options);

  [[nodiscard]] Measurement measurement() const override;
  [[nodiscard]] Identity identity() const override;
  [[nodiscard]] Result<Bytes> seal(const SealPolicy& policy, ByteSpan plaintext,
                                   ByteSpan aad) override;
  [[nodiscard]] Result<SecretBytes> unseal(const SealPolicy& accept, ByteSpan blob,
                                           ByteSpan aad) override;
  [[nodiscard]] Result<Bytes> attest(ByteSpan report_data) override;
  [[nodiscard]] Result<void> random(std::span<std::uint8_t> out) override;

  // The ed25519 key that signs this platform's reports (verifiers must trust it out of band).
  [[nodiscard]] const PlatformPublicKey& platform_key() const { return public_key_; }

 private:
  SimulatedPlatform(Identity identity, const Secret<kPlatformSecretSize>& secret);

  Identity identity_;
  Secret<kPlatformSecretSize> secret_;
  Secret<64> signing_key_;  // libsodium ed25519 secret key (seed ‖ public key)
  PlatformPublicKey public_key_{};
};

// SHA-384 of a file's content. Errors: Io.
[[nodiscard]] Result<Measurement> measure_file(const std::filesystem::path& path);

// Parses a simulated report and checks its signature against `trusted_key`.
// Errors: Malformed (offset/field), Unsupported, AuthFailed (signature, or a report signed by
// another platform key).
[[nodiscard]] Result<SimulatedReport> verify_simulated_report(ByteSpan report,
                                                              const PlatformPublicKey& trusted_key);

}  // namespace ev::enclave
