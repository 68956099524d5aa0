// Per-scheme primitives behind ev/chain/keys.hpp. Private to the chain-client library.
#pragma once

#include "ev/chain/keys.hpp"

namespace ev::chain::detail {

// Initialises libsodium once (thread-safe); aborts if it cannot.
void ensure_sodium();

// ed25519 (keys_ed25519.cpp).
[[nodiscard]] ByteArray<kEd25519PublicKeySize> ed25519_public(const Seed& seed);
// REQUIRES: public_key == ed25519_public(seed) (the key pair caches it).
[[nodiscard]] Bytes ed25519_sign(const Seed& seed, ByteSpan public_key, ByteSpan message);
[[nodiscard]] Result<void> ed25519_verify(ByteSpan public_key, ByteSpan message, ByteSpan sig);

// ecdsa over secp256k1 (keys_ecdsa.cpp).
[[nodiscard]] bool ecdsa_seed_valid(const Seed& seed);
// REQUIRES: ecdsa_seed_valid(seed).
[[nodiscard]] ByteArray<kEcdsaPublicKeySize> ecdsa_public(const Seed& seed);
// REQUIRES: ecdsa_seed_valid(seed).
[[nodiscard]] Bytes ecdsa_sign(const Seed& seed, ByteSpan message);
// The compressed public key recovered from sig over blake2_256(message).
[[nodiscard]] Result<ByteArray<kEcdsaPublicKeySize>> ecdsa_recover(ByteSpan message, ByteSpan sig);
// Checks that public_key is a valid 33-byte compressed point.
[[nodiscard]] Result<void> ecdsa_check_public(ByteSpan public_key);

}  // namespace ev::chain::detail
