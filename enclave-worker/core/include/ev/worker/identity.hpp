// A worker's enclave identity: the platform, the sealed master seed (shared by TEE-A and TEE-B
// through a same-signer seal, docs/workers.md), the shielding key, the worker's chain signing
// key derived inside the enclave, and its attestation.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "ev/chain/keys.hpp"
#include "ev/enclave/keys.hpp"
#include "ev/enclave/master_seed.hpp"
#include "ev/enclave/platform.hpp"
#include "ev/vault/types.hpp"
#include "ev/worker/vault_chain.hpp"

namespace ev::worker {

struct EnclaveOptions {
  vault::Role role = vault::Role::Serve;
  // The TEE platform, by name (--platform): "simulated" (development, not hardware-backed),
  // "nitro", "sev-snp", "tdx" or "sgx" (ev/enclave/hardware_platform.hpp).
  std::string platform = "simulated";
  // The hardware platform's device or directory when not the default (--platform-device).
  std::optional<std::filesystem::path> platform_device;
  // Folder holding the sealed master seed (both workers of one deployment point at the same one).
  std::filesystem::path seed_dir;
  // The simulated platform's per-machine secret (created 0600 on first use).
  std::filesystem::path platform_secret;
  // Seal policy for the master seed: same signer with this version floor (default), or this
  // measurement only (then the two workers cannot share a seed without a hand-over).
  enclave::SealPolicy policy = enclave::SealPolicy::same_signer(1);
  // For tests: measure this file instead of the running executable.
  std::optional<std::filesystem::path> measured_file;
};

struct Enclave {
  std::unique_ptr<enclave::Platform> platform;  // also the workers' source of randomness
  vault::Role role = vault::Role::Serve;
  enclave::Key256 shielding;
  chain::KeyPair signer;                    // ed25519, seed = key(master seed, "worker/<role>/v1")
  vault::Measurement measurement;           // the platform measurement (48 bytes)
  Bytes attestation;                        // report whose data is the signer's account id
  std::string platform_name = "simulated";  // as --platform names it
};

// The key-derivation path of a role's signing key: "worker/serve/v1" or "worker/rotate/v1".
[[nodiscard]] std::string_view signing_key_path(vault::Role role);

// The platform named in `options` (the only configuration point that picks one).
// Errors: Config (unknown name), the platform's own (Io when the device is absent).
[[nodiscard]] Result<std::unique_ptr<enclave::Platform>> make_platform(
    const EnclaveOptions& options);

// Opens the platform, loads or creates the sealed master seed, derives the keys and attests.
// Errors: the platform's and the seal's (a seal from another signer or measurement is refused
// with both identities in the message).
[[nodiscard]] Result<Enclave> open_enclave(const EnclaveOptions& options);

// Makes sure the chain knows this worker: if Workers[signer] is absent, carries another
// measurement or role, or its attestation is due for renewal (attestation_due), submits
// register_worker with a fresh registration_evidence. The measurement must be
// approved for the role (an operator does that through Root; `epochvault dev` does it itself).
// Errors: Rejected (MeasurementNotApproved, ...), Unavailable.
[[nodiscard]] Result<void> register_worker(Enclave& enclave, VaultChain& chain);

// The evidence register_worker submits: a fresh attestation whose report data is the
// registration commitment to (the signer's account, `genesis`, "register"), as a
// platform-tagged bundle (docs/formats/attestation.md). Errors: the platform's.
[[nodiscard]] Result<Bytes> registration_evidence(Enclave& enclave, const ByteArray<32>& genesis);

// A fresh attestation of `report_data` (at most 64 bytes) as a platform-tagged evidence bundle.
// Errors: the platform's.
[[nodiscard]] Result<Bytes> attestation_evidence(Enclave& enclave, ByteSpan report_data);

// Whether a registered worker should re-attest now: half of its attestation's lifetime has
// passed (register_worker then submits a fresh one; the chain refuses the worker once it expired).
[[nodiscard]] bool attestation_due(const vault::WorkerInfo& w, std::int64_t now);

}  // namespace ev::worker
