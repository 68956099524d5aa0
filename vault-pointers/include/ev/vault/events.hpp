// The VaultPointers pallet's events (spec "Events"): one struct per event, fields named and
// ordered as in metadata, and `Event`, whose variant index is the event index (listed order).
//
// Wire form inside RuntimeEvent: pallet_index ++ event_index ++ SCALE(fields in order).
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "ev/chain/scale.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/types.hpp"

namespace ev::vault {

struct MeasurementApproved {  // 0
  Measurement measurement;
  Role role = Role::Serve;
  EV_SCALE_FIELDS(measurement, role)
  friend bool operator==(const MeasurementApproved&, const MeasurementApproved&) = default;
};
struct MeasurementRevoked {  // 1
  Measurement measurement;
  EV_SCALE_FIELDS(measurement)
  friend bool operator==(const MeasurementRevoked&, const MeasurementRevoked&) = default;
};
struct WorkerRegistered {  // 2
  AccountId worker{};
  Role role = Role::Serve;
  Measurement measurement;
  // Appended: what the verified attestation proved (as in WorkerInfo).
  AttestationPlatform platform = AttestationPlatform::Simulated;
  TcbStatus tcb_status;
  std::uint64_t attested_at = 0;
  std::uint64_t expires_at = 0;
  EV_SCALE_FIELDS(worker, role, measurement, platform, tcb_status, attested_at, expires_at)
  friend bool operator==(const WorkerRegistered&, const WorkerRegistered&) = default;
};
struct AgentAuthorized {  // 3
  AccountId wallet{};
  AccountId agent{};
  ServiceList services;
  Access access = Access::Read;
  EV_SCALE_FIELDS(wallet, agent, services, access)
  friend bool operator==(const AgentAuthorized&, const AgentAuthorized&) = default;
};
struct AgentRevoked {  // 4
  AccountId wallet{};
  AccountId agent{};
  EV_SCALE_FIELDS(wallet, agent)
  friend bool operator==(const AgentRevoked&, const AgentRevoked&) = default;
};
struct BlobWritten {  // 5
  AccountId wallet{};
  BlobId blob_id{};
  ServiceName service;
  AccountId agent{};
  Epoch epoch = 0;
  Hash256 ciphertext_hash{};
  CredentialName name;
  EV_SCALE_FIELDS(wallet, blob_id, service, agent, epoch, ciphertext_hash, name)
  friend bool operator==(const BlobWritten&, const BlobWritten&) = default;
};
struct BlobReencrypted {  // 6
  AccountId wallet{};
  BlobId blob_id{};
  Epoch from_epoch = 0;
  Epoch to_epoch = 0;
  Hash256 ciphertext_hash{};
  EV_SCALE_FIELDS(wallet, blob_id, from_epoch, to_epoch, ciphertext_hash)
  friend bool operator==(const BlobReencrypted&, const BlobReencrypted&) = default;
};
struct BlobRemoved {  // 7
  AccountId wallet{};
  BlobId blob_id{};
  Epoch epoch = 0;
  EV_SCALE_FIELDS(wallet, blob_id, epoch)
  friend bool operator==(const BlobRemoved&, const BlobRemoved&) = default;
};
struct EpochRotated {  // 8
  AccountId wallet{};
  Epoch from_epoch = 0;
  Epoch to_epoch = 0;
  RotationReason reason;
  EV_SCALE_FIELDS(wallet, from_epoch, to_epoch, reason)
  friend bool operator==(const EpochRotated&, const EpochRotated&) = default;
};
struct EpochDestroyed {  // 9
  AccountId wallet{};
  Epoch epoch = 0;
  std::uint32_t objects_deleted = 0;
  Hash256 deletion_digest{};
  EV_SCALE_FIELDS(wallet, epoch, objects_deleted, deletion_digest)
  friend bool operator==(const EpochDestroyed&, const EpochDestroyed&) = default;
};

// Variant index == event index.
using Event = std::variant<MeasurementApproved, MeasurementRevoked, WorkerRegistered,
                           AgentAuthorized, AgentRevoked, BlobWritten, BlobReencrypted, BlobRemoved,
                           EpochRotated, EpochDestroyed>;

inline constexpr std::uint8_t kEventCount = std::variant_size_v<Event>;

[[nodiscard]] std::uint8_t event_index(const Event& e);
// The event's name as in metadata: "MeasurementApproved", ...
[[nodiscard]] std::string_view event_name(const Event& e);
// The name of event index i; empty when i >= kEventCount.
[[nodiscard]] std::string_view event_name_at(std::uint8_t index);

// event_index ++ fields (the pallet-level event, as inside RuntimeEvent after the pallet index).
[[nodiscard]] Bytes encode_event(const Event& e);
// The fields only.
[[nodiscard]] Bytes encode_event_fields(const Event& e);

// Decodes the fields of the event called `name` (looked up by name, e.g. from metadata); every
// byte of `fields` must be used. Errors: VaultErrc::UnknownEvent; scale / bound errors prefixed
// with the event name.
[[nodiscard]] Result<Event> decode_event(std::string_view name, ByteSpan fields);
// Decodes the fields of event `index` from d, leaving d after them.
[[nodiscard]] Result<Event> decode_event_at(std::uint8_t index, scale::Decoder& d);

}  // namespace ev::vault
