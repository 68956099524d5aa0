// Errors of the VaultPointers pallet.
//
// Two enums:
//   * PalletError: the pallet's `Error<T>` enum, in metadata order. A failed dispatch reports one
//     of these as DispatchError::Module { index: <pallet index>, error: [e, 0, 0, 0] }.
//   * VaultErrc: the module's codec / look-up errors (ev::Error domain "vault"), returned when
//     hostile bytes do not decode or metadata lacks a name.
// Choices where the spec is silent: docs/pallet.md.
#pragma once

#include <cstdint>
#include <string_view>

#include "ev/chain/scale.hpp"
#include "ev/common/result.hpp"

namespace ev::vault {

// Indices are fixed: the dev node's metadata lists the variants in this order.
enum class PalletError : std::uint8_t {
  NotWorker = 0,           // the signer is not in Workers
  WrongRole,               // the worker's (or approval's) role is not the one required
  MeasurementNotApproved,  // the measurement is not (or no longer) in ApprovedMeasurements
  EpochMismatch,           // an epoch argument is not the wallet's current epoch / the blob's
  EpochStillLive,          // destroy_epoch of the current (or a future) epoch
  NoSuchBlob,              // no pointer under (wallet, blob_id)
  BlobExists,              // register_blob with a blob id already in use
  AgentNotAuthorized,      // no grant for the agent, or the grant does not cover the service
  AgentRevoked,            // the agent's grant has been revoked
  NoEpoch,                 // the wallet has no epoch yet
  EpochExists,             // open_epoch on a wallet that already has one
  TooLong,                 // an unbounded argument (attestation) exceeds its limit
  NoSuchGrant,             // revoke_agent without a grant
  InvalidServiceName,      // reserved: a service name outside [a-z0-9._-]{1,64}
  NoSuchDek,               // destroy_epoch of an epoch whose EpochDek is absent
  LiveBlobsRemain,         // destroy_epoch while LiveBlobs[wallet][epoch] > 0
  Overflow,                // an epoch number or live count would overflow u32
  AgentReadOnly,           // register_blob by an agent whose grant allows reading only
  // The worker registry (register_worker's attestation; docs/pallet.md, "Worker registry"):
  AttestationInvalid,   // the attestation does not verify (signature, chain, format, TCB)
  AttestationStale,     // older than the chain's attestation lifetime, or dated in the future
  AttestationNotBound,  // its report data commits to another account, chain, purpose or nonce
  DebugEnclave,         // a debug-mode enclave or guest
  SimulatedNotAllowed,  // a simulated attestation on a chain whose genesis is not dev mode
  MeasurementMismatch,  // the attested measurement is not the one named in the call
  UntrustedRoot,        // the platform's vendor root is not trusted by this chain's genesis
  AttestationExpired,   // the worker's attestation lapsed: it must re-attest
};

inline constexpr std::uint8_t kPalletErrorCount = 26;

// The variant name as in metadata: "NotWorker", ...
[[nodiscard]] std::string_view error_name(PalletError e);

// Codec and look-up errors of this module.
enum class VaultErrc {
  TooLong = 1,            // a bounded vector's length prefix exceeds its bound
  InvalidServiceName,     // a service name is empty or has a byte outside [a-z0-9._-]
  UnknownCall,            // call index or name not in the pallet
  UnknownEvent,           // event index or name not in the pallet
  Metadata,               // the metadata lacks the pallet or call, or disagrees on its shape
  CorruptState,           // a stored value does not decode, or a stored invariant is broken
  InvalidCredentialName,  // a credential name has a byte outside [a-z0-9._@-]
};

}  // namespace ev::vault

namespace ev {
template <>
struct ErrorTraits<vault::VaultErrc> {
  static constexpr std::string_view domain = "vault";
  static std::string_view message(vault::VaultErrc e);
};
template <>
struct ErrorTraits<vault::PalletError> {
  static constexpr std::string_view domain = "VaultPointers";
  static std::string_view message(vault::PalletError e) { return vault::error_name(e); }
};
template <>
struct scale::EnumTraits<vault::PalletError> {
  static constexpr vault::PalletError max = vault::PalletError::AttestationExpired;
};
}  // namespace ev
