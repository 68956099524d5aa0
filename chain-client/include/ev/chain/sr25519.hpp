// sr25519: schnorrkel 0.11 Schnorr signatures on ristretto255 with merlin transcripts, as
// Substrate (sp_core::sr25519), subkey and polkadot-js use them. The group and scalar
// arithmetic is libsodium's ristretto255 API. Most callers want KeyPair / verify in
// ev/chain/keys.hpp; this header is the scheme itself (and what the known-answer tests need).
//
// Format notes: docs/formats/keys.md#sr25519.
//
// Thread safety: free functions on values; every secret is wiped on destruction.
#pragma once

#include <cstddef>
#include <string_view>

#include "ev/chain/keys.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"

namespace ev::chain::sr25519 {

inline constexpr std::size_t kPublicKeySize = 32;
inline constexpr std::size_t kSignatureSize = 64;
inline constexpr std::size_t kSecretKeySize = 64;
// The signing context Substrate uses for every sr25519 signature.
inline constexpr std::string_view kSubstrateContext = "substrate";

using PublicKey = ByteArray<kPublicKeySize>;
using Signature = ByteArray<kSignatureSize>;
using ChainCode = ByteArray<32>;

// schnorrkel SecretKey: the scalar (reduced mod l, 32 bytes little-endian) || the 32-byte
// nonce seed. This is SecretKey::to_bytes(), not the "ed25519 bytes" export below.
using SecretKey = Secret<kSecretKeySize>;

// MiniSecretKey::expand(ExpansionMode::Ed25519): sha512(mini), the low half clamped as in
// Ed25519 and divided by the cofactor 8 is the scalar; the high half is the nonce seed.
[[nodiscard]] SecretKey expand_mini_secret(const Seed& mini_secret);

// SecretKey::from_ed25519_bytes: scalar * 8 (little-endian) || nonce, the 64-byte form
// polkadot-js and @scure/sr25519 export. Errors: InvalidSeed (length, scalar not canonical
// after dividing by 8, or not a multiple of 8).
[[nodiscard]] Result<SecretKey> secret_from_ed25519_bytes(ByteSpan bytes);
// SecretKey::to_ed25519_bytes.
[[nodiscard]] Secret<kSecretKeySize> secret_to_ed25519_bytes(const SecretKey& secret);

[[nodiscard]] PublicKey public_of(const SecretKey& secret);

// Signs message under the signing context with the given 32 bytes of witness randomness
// (mixed with the secret nonce seed through the transcript RNG, as schnorrkel does).
// REQUIRES: public_key == public_of(secret).
[[nodiscard]] Signature sign_with_randomness(const SecretKey& secret, const PublicKey& public_key,
                                             std::string_view context, ByteSpan message,
                                             std::span<const std::uint8_t, 32> randomness);
// As above with randomness from the OS (libsodium randombytes): two signatures of the same
// message differ; both verify.
[[nodiscard]] Signature sign(const SecretKey& secret, const PublicKey& public_key, ByteSpan message,
                             std::string_view context = kSubstrateContext);

// Errors: InvalidPublicKey (length, not a canonical ristretto255 encoding, the identity point:
// schnorrkel accepts that one, and with it R = identity, s = 0 for any message), MalformedSignature
// (length, marker bit 0x80 of the last byte clear, s not canonical), BadSignature.
[[nodiscard]] Result<void> verify(ByteSpan public_key, ByteSpan message, ByteSpan sig,
                                  std::string_view context = kSubstrateContext);

// Hard junction: SecretKey::hard_derive_mini_secret_key(Some(chain_code), b""), the new
// mini secret (expand it with expand_mini_secret).
[[nodiscard]] Seed derive_hard(const SecretKey& secret, const ChainCode& chain_code);
// Soft junction: derived_key_simple(chain_code, b"") on the secret side; the new nonce seed
// is a transcript witness with OS randomness, as in schnorrkel (it never changes the public
// key). REQUIRES: public_key == public_of(secret).
[[nodiscard]] SecretKey derive_soft(const SecretKey& secret, const PublicKey& public_key,
                                    const ChainCode& chain_code);
// The same soft junction from the public key alone. Errors: InvalidPublicKey.
[[nodiscard]] Result<PublicKey> derive_soft_public(ByteSpan public_key,
                                                   const ChainCode& chain_code);

}  // namespace ev::chain::sr25519
