// The worker registry's attestation rule (docs/pallet.md, "Worker registry"): register_worker
// carries a platform-tagged evidence bundle (docs/formats/attestation.md) that must verify with
// ev::attestation::verify_registration against this chain's genesis configuration, commit to the
// signer, this chain's genesis hash and the purpose "register", and name the measurement the call
// names. A registered worker keeps its rights only until its attestation expires.
//
// All functions are pure (no clock, no I/O) and thread-safe.
#pragma once

#include <cstdint>
#include <optional>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/errors.hpp"
#include "ev/vault/types.hpp"

namespace ev::vault {

inline constexpr std::string_view kAttestationConfigItem = "AttestationConfig";

// twox128("VaultPointers") ++ twox128("AttestationConfig"): the genesis configuration.
[[nodiscard]] Bytes attestation_config_key();

// Production: no simulated attestations, 24 h lifetime, every pinned vendor root trusted.
[[nodiscard]] AttestationConfig production_attestation_config();
// `epochvault dev`: as production, and simulated attestations accepted.
[[nodiscard]] AttestationConfig dev_attestation_config();

// What a verified registration proved.
struct Attested {
  AttestationPlatform platform = AttestationPlatform::Simulated;
  Measurement measurement;
  TcbStatus tcb_status;
  std::uint64_t attested_at = 0;
  std::uint64_t expires_at = 0;
};

// The registration report data a worker puts in its attestation: the commitment to (account,
// genesis hash, "register", empty nonce) (docs/formats/attestation.md). 64 bytes.
[[nodiscard]] Bytes registration_report_data(const AccountId& account, const Hash256& genesis);

// Verifies `attestation` for `signer` on the chain `genesis` at `now` (Unix seconds).
// Errors (domain "VaultPointers", the verifier's reason in the message):
//   AttestationInvalid (not a platform-tagged bundle, or any verifier refusal),
//   SimulatedNotAllowed, DebugEnclave, AttestationStale, AttestationNotBound, UntrustedRoot,
//   MeasurementMismatch (the attested primary measurement differs from `measurement`).
[[nodiscard]] Result<Attested> verify_worker_attestation(ByteSpan attestation,
                                                         const Measurement& measurement,
                                                         const AccountId& signer,
                                                         const AttestationConfig& config,
                                                         const Hash256& genesis, std::int64_t now);

// The pallet error a registry refusal carries (AttestationInvalid for an error of another
// domain).
[[nodiscard]] PalletError registry_error(const Error& e);

}  // namespace ev::vault
