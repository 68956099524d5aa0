// Storage of the VaultPointers pallet (spec "Storage"): full keys and iteration prefixes of
// every item, built with chain::storage_key, and decoders for the values read over RPC or from
// the node's state. Key layout (FRAME):
//   twox128("VaultPointers") ++ twox128(item) ++ hasher_1(SCALE(k_1)) [++ hasher_2(SCALE(k_2))]
// Pointers:             Blake2_128Concat(wallet), Blake2_128Concat(blob_id)  -> VaultPointer
// Epochs:               Blake2_128Concat(wallet)                             -> EpochInfo
// EpochDeks:            Blake2_128Concat(wallet), Twox64Concat(epoch)        -> EpochDek
// LiveBlobs:            Blake2_128Concat(wallet), Twox64Concat(epoch)        -> u32 (default 0)
// Agents:               Blake2_128Concat(wallet), Blake2_128Concat(agent)    -> AgentGrant
// Workers:              Blake2_128Concat(worker)                             -> WorkerInfo
// ApprovedMeasurements: Blake2_128Concat(SCALE(measurement))                 -> Role
// All functions are pure and thread-safe.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/types.hpp"

namespace ev::vault {

namespace item {
inline constexpr std::string_view kPointers = "Pointers";
inline constexpr std::string_view kEpochs = "Epochs";
inline constexpr std::string_view kEpochDeks = "EpochDeks";
inline constexpr std::string_view kLiveBlobs = "LiveBlobs";
inline constexpr std::string_view kAgents = "Agents";
inline constexpr std::string_view kWorkers = "Workers";
inline constexpr std::string_view kApprovedMeasurements = "ApprovedMeasurements";
}  // namespace item

// twox128("VaultPointers") ++ twox128(item): the prefix of every key of the item.
[[nodiscard]] Bytes item_prefix(std::string_view item_name);

[[nodiscard]] Bytes pointers_key(const AccountId& wallet, const BlobId& blob);
[[nodiscard]] Bytes pointers_prefix(const AccountId& wallet);  // every pointer of a wallet
[[nodiscard]] Bytes epochs_key(const AccountId& wallet);
[[nodiscard]] Bytes epoch_deks_key(const AccountId& wallet, Epoch epoch);
[[nodiscard]] Bytes epoch_deks_prefix(const AccountId& wallet);
[[nodiscard]] Bytes live_blobs_key(const AccountId& wallet, Epoch epoch);
[[nodiscard]] Bytes live_blobs_prefix(const AccountId& wallet);
[[nodiscard]] Bytes agents_key(const AccountId& wallet, const AccountId& agent);
[[nodiscard]] Bytes agents_prefix(const AccountId& wallet);
[[nodiscard]] Bytes workers_key(const AccountId& worker);
[[nodiscard]] Bytes approved_measurements_key(const Measurement& m);

// Reading the map keys back from a full key (the *Concat hashers keep them).
// Errors: those of chain::decode_storage_key (prefix mismatch, short key, hash mismatch,
// trailing bytes), and VaultErrc::TooLong / scale errors for the measurement key.
[[nodiscard]] Result<std::pair<AccountId, BlobId>> parse_pointers_key(ByteSpan key);
[[nodiscard]] Result<AccountId> parse_epochs_key(ByteSpan key);
[[nodiscard]] Result<std::pair<AccountId, Epoch>> parse_epoch_deks_key(ByteSpan key);
[[nodiscard]] Result<std::pair<AccountId, Epoch>> parse_live_blobs_key(ByteSpan key);
[[nodiscard]] Result<std::pair<AccountId, AccountId>> parse_agents_key(ByteSpan key);
[[nodiscard]] Result<AccountId> parse_workers_key(ByteSpan key);
[[nodiscard]] Result<Measurement> parse_approved_measurements_key(ByteSpan key);

// Value decoders: the whole input must be one value (scale::decode_all), errors say which.
[[nodiscard]] Result<VaultPointer> decode_vault_pointer(ByteSpan value);
[[nodiscard]] Result<EpochInfo> decode_epoch_info(ByteSpan value);
[[nodiscard]] Result<EpochDek> decode_epoch_dek(ByteSpan value);
[[nodiscard]] Result<std::uint32_t> decode_live_blobs(ByteSpan value);
[[nodiscard]] Result<AgentGrant> decode_agent_grant(ByteSpan value);
[[nodiscard]] Result<WorkerInfo> decode_worker_info(ByteSpan value);
[[nodiscard]] Result<Role> decode_role(ByteSpan value);

}  // namespace ev::vault
