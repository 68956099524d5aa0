// The VaultPointers pallet's calls (spec "Calls"): one struct per call, fields named and ordered
// as the call's arguments, and `Call`, the pallet's call enum, whose variant index is the call
// index in the dev node's metadata.
//
// Wire form of a call inside RuntimeCall: pallet_index ++ call_index ++ SCALE(args in order).
// Clients never hard-code the indices: encode_runtime_call() looks them up by name.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "ev/chain/metadata.hpp"
#include "ev/chain/scale.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/types.hpp"

namespace ev::vault {

// Attestations above this size fail register_worker with PalletError::TooLong.
inline constexpr std::size_t kMaxAttestationBytes = std::size_t{64} * 1024;

struct ApproveMeasurement {  // 0, Root
  Measurement measurement;
  Role role = Role::Serve;
  EV_SCALE_FIELDS(measurement, role)
  friend bool operator==(const ApproveMeasurement&, const ApproveMeasurement&) = default;
};
struct RevokeMeasurement {  // 1, Root
  Measurement measurement;
  EV_SCALE_FIELDS(measurement)
  friend bool operator==(const RevokeMeasurement&, const RevokeMeasurement&) = default;
};
struct RegisterWorker {  // 2, signed (worker key)
  Role role = Role::Serve;
  Measurement measurement;
  Bytes attestation;  // Vec<u8>
  EV_SCALE_FIELDS(role, measurement, attestation)
  friend bool operator==(const RegisterWorker&, const RegisterWorker&) = default;
};
struct AuthorizeAgent {  // 3, signed (wallet)
  AccountId agent{};
  ServiceList services;
  Access access = Access::Read;  // Read, or ReadWrite: may also add or replace credentials
  EV_SCALE_FIELDS(agent, services, access)
  friend bool operator==(const AuthorizeAgent&, const AuthorizeAgent&) = default;
};
struct RevokeAgent {  // 4, signed (wallet)
  AccountId agent{};
  EV_SCALE_FIELDS(agent)
  friend bool operator==(const RevokeAgent&, const RevokeAgent&) = default;
};
struct OpenEpoch {  // 5, Serve or Rotate worker
  AccountId wallet{};
  WrappedDek wrapped_dek;
  EV_SCALE_FIELDS(wallet, wrapped_dek)
  friend bool operator==(const OpenEpoch&, const OpenEpoch&) = default;
};
struct RegisterBlob {  // 6, Serve worker
  AccountId wallet{};
  BlobId blob_id{};
  ServiceName service;
  AccountId agent{};
  Epoch epoch = 0;
  Hash256 ciphertext_hash{};
  std::uint32_t size = 0;
  CredentialName name;  // empty = the service's default credential
  ReaderList readers;   // empty = every agent whose grant covers the service
  EV_SCALE_FIELDS(wallet, blob_id, service, agent, epoch, ciphertext_hash, size, name, readers)
  friend bool operator==(const RegisterBlob&, const RegisterBlob&) = default;
};
struct ReencryptBlob {  // 7, Serve or Rotate worker
  AccountId wallet{};
  BlobId blob_id{};
  Epoch from_epoch = 0;
  Epoch to_epoch = 0;
  Hash256 ciphertext_hash{};
  std::uint32_t size = 0;
  EV_SCALE_FIELDS(wallet, blob_id, from_epoch, to_epoch, ciphertext_hash, size)
  friend bool operator==(const ReencryptBlob&, const ReencryptBlob&) = default;
};
struct RemoveBlob {  // 8, Serve or Rotate worker
  AccountId wallet{};
  BlobId blob_id{};
  EV_SCALE_FIELDS(wallet, blob_id)
  friend bool operator==(const RemoveBlob&, const RemoveBlob&) = default;
};
struct RotateEpoch {  // 9, Rotate worker
  AccountId wallet{};
  Epoch from_epoch = 0;
  WrappedDek wrapped_dek;
  RotationReason reason;
  EV_SCALE_FIELDS(wallet, from_epoch, wrapped_dek, reason)
  friend bool operator==(const RotateEpoch&, const RotateEpoch&) = default;
};
struct DestroyEpoch {  // 10, Rotate worker
  AccountId wallet{};
  Epoch epoch = 0;
  std::uint32_t objects_deleted = 0;
  Hash256 deletion_digest{};
  EV_SCALE_FIELDS(wallet, epoch, objects_deleted, deletion_digest)
  friend bool operator==(const DestroyEpoch&, const DestroyEpoch&) = default;
};

// Variant index == call index.
using Call =
    std::variant<ApproveMeasurement, RevokeMeasurement, RegisterWorker, AuthorizeAgent, RevokeAgent,
                 OpenEpoch, RegisterBlob, ReencryptBlob, RemoveBlob, RotateEpoch, DestroyEpoch>;

inline constexpr std::string_view kPalletName = "VaultPointers";
inline constexpr std::uint8_t kCallCount = std::variant_size_v<Call>;

// The call's index in the pallet (0..10, the table order of the spec).
[[nodiscard]] std::uint8_t call_index(const Call& c);
// The call's name as in metadata: "approve_measurement", ...
[[nodiscard]] std::string_view call_name(const Call& c);
// The name of call index i; empty when i >= kCallCount.
[[nodiscard]] std::string_view call_name_at(std::uint8_t index);
// The number of arguments of the call (fields of its struct).
[[nodiscard]] std::size_t call_arg_count(const Call& c);
// The index of a call name; VaultErrc::UnknownCall when there is none.
[[nodiscard]] Result<std::uint8_t> call_index_of(std::string_view name);

// SCALE of the arguments only (no indices).
[[nodiscard]] Bytes encode_args(const Call& c);

// Decodes the arguments of call `index` from d, leaving d after them (the caller checks for
// trailing bytes where the call is the whole input).
// Errors: VaultErrc::UnknownCall for an index >= kCallCount; scale errors and VaultErrc::TooLong /
// InvalidServiceName from the argument codecs, prefixed with "<call_name>".
[[nodiscard]] Result<Call> decode_call(std::uint8_t index, scale::Decoder& d);

// Decodes call_index ++ args from `bytes` (the pallet-level call, without the pallet index);
// every byte must be used.
[[nodiscard]] Result<Call> decode_pallet_call(ByteSpan bytes);

// RuntimeCall bytes for `c`: the VaultPointers pallet index and the call index, both looked up
// BY NAME in `md`, then the arguments. Errors: VaultErrc::Metadata when the pallet or call is
// absent or the call's argument count differs from this module's.
[[nodiscard]] Result<Bytes> encode_runtime_call(const chain::Metadata& md, const Call& c);

}  // namespace ev::vault
