// Data-encryption keys: 256-bit random, one per (wallet, epoch), wrapped under the shielding key
// for publication on chain (EpochDeks). Format: docs/formats/envelope.md, "Wrapped DEK".
//
//   wrapped = version (0x01) ‖ nonce (12) ‖ AES-256-GCM(shielding key, DEK) (32) ‖ tag (16)
//   AAD     = "epochvault/dek/v1" ‖ SCALE(version u8, wallet [u8; 32], epoch u32)
//
// 61 bytes, within the pallet's BoundedVec<u8, 128>. A DEK wrapped for one (wallet, epoch) does
// not unwrap for any other.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"
#include "ev/enclave/keys.hpp"
#include "ev/enclave/platform.hpp"

namespace ev::enclave {

inline constexpr std::uint8_t kWrappedDekVersion = 1;
inline constexpr std::size_t kWrappedDekSize = 1 + 12 + 32 + 16;  // 61
inline constexpr std::size_t kDekIdSize = 8;

using Wallet = ByteArray<32>;  // AccountId32
using DekId = ByteArray<kDekIdSize>;

// An unwrapped DEK and the id that names it in envelopes.
struct Dek {
  Secret<32> key;
  DekId id{};
};

// The DEK id of a wrapped DEK: the first 8 bytes of SHA-256(wrapped).
[[nodiscard]] DekId dek_id_of(ByteSpan wrapped);

// A fresh random DEK. Errors: Crypto.
[[nodiscard]] Result<Secret<32>> generate_dek(Rng& rng);

// Wraps `dek` for (wallet, epoch) under `shielding` with a random nonce from `rng`.
// Errors: Crypto.
[[nodiscard]] Result<Bytes> wrap_dek(const Key256& shielding, const Secret<32>& dek,
                                     const Wallet& wallet, std::uint32_t epoch, Rng& rng);

// Unwraps a DEK published for (wallet, epoch); its id is dek_id_of(wrapped).
// Errors: Malformed (size), Unsupported (version), AuthFailed (other wallet, epoch, shielding
// key, or tampered bytes).
[[nodiscard]] Result<Dek> unwrap_dek(const Key256& shielding, ByteSpan wrapped,
                                     const Wallet& wallet, std::uint32_t epoch);

// generate_dek + wrap_dek: the DEK for a new epoch and its wrapped form.
struct NewDek {
  Dek dek;
  Bytes wrapped;
};
[[nodiscard]] Result<NewDek> new_epoch_dek(const Key256& shielding, const Wallet& wallet,
                                           std::uint32_t epoch, Rng& rng);

}  // namespace ev::enclave
