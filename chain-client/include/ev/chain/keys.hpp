// Account keys and signatures for Substrate: sr25519 (schnorrkel on ristretto255, see
// ev/chain/sr25519.hpp), ed25519 (libsodium) and ecdsa over secp256k1 (libsecp256k1), secret
// URIs with hard and (sr25519) soft derivation (subkey semantics), BIP39 mnemonics.
//
// Schemes, derivation, URI grammar and what is rejected: docs/formats/keys.md.
//
// Thread safety: every function here may be called concurrently; a KeyPair is an immutable value
// (copyable; its seed is wiped when the copy is destroyed).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"

namespace ev::chain {

enum class KeyErrc {
  UnknownScheme = 1,   // a scheme name that is not ed25519, ecdsa or sr25519
  Unsupported,         // an operation the scheme does not have
  InvalidSeed,         // wrong length, bad hex, or not a valid secp256k1 secret key
  InvalidPublicKey,    // wrong length or not a point on the curve
  MalformedSignature,  // wrong length, high-S, recovery id out of range, r/s not below n
  BadSignature,        // well-formed, but does not verify for this key and message
  InvalidSecretUri,    // syntax of the secret URI (character, empty junction, password)
  SoftDerivation,      // a "/x" junction for ed25519 or ecdsa (they only derive hard, "//x")
  InvalidMnemonic,     // unknown word, wrong word count, bad checksum
  CryptoFailure,       // the crypto library refused an operation (e.g. a restricted OpenSSL)
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::KeyErrc> {
  static constexpr std::string_view domain = "keys";
  static std::string_view message(chain::KeyErrc e);
};
}  // namespace ev

namespace ev::chain {

enum class Scheme { Ed25519, Ecdsa, Sr25519 };

// "ed25519", "ecdsa" or "sr25519", ASCII case-insensitive.
[[nodiscard]] Result<Scheme> parse_scheme(std::string_view name);
// Lowercase name, as parse_scheme accepts it.
[[nodiscard]] std::string_view scheme_name(Scheme scheme);

inline constexpr std::size_t kSeedSize = 32;
inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;
inline constexpr std::size_t kEcdsaPublicKeySize = 33;  // compressed SEC1 point
inline constexpr std::size_t kEcdsaSignatureSize = 65;  // r(32, BE) || s(32, BE) || v (0..3)
inline constexpr std::size_t kSr25519PublicKeySize = 32;
inline constexpr std::size_t kSr25519SignatureSize = 64;

using Seed = Secret<kSeedSize>;
using AccountId32 = ByteArray<32>;

// A secret seed and its public key.
//   sr25519: seed = schnorrkel mini secret, expanded in Ed25519 mode (a soft junction leaves an
//            expanded key without a seed); public key 32 bytes (ristretto255); AccountId32 =
//            public key; signs the raw message under the context "substrate" (64 bytes,
//            randomised: two signatures of one message differ).
//   ed25519: seed = RFC 8032 private key; public key 32 bytes; AccountId32 = public key;
//            signs the raw message (64 bytes).
//   ecdsa:   seed = secp256k1 secret key (non-zero, below the group order); public key
//            33 bytes compressed; AccountId32 = blake2_256(public key); signs
//            blake2_256(message), RFC 6979 nonce, low-S, 65 bytes r || s || v.
class KeyPair {
 public:
  // The key of a 32-byte seed. Errors: InvalidSeed (not 32 bytes; for ecdsa, zero or not below
  // the group order).
  [[nodiscard]] static Result<KeyPair> from_seed(Scheme scheme, ByteSpan seed);
  // An sr25519 key from its 64-byte secret in schnorrkel's "ed25519 bytes" layout (scalar * 8
  // || nonce), as polkadot-js exports it. Has no seed. Errors: InvalidSeed.
  [[nodiscard]] static Result<KeyPair> from_sr25519_secret(ByteSpan secret);
  // A fresh key from the OS random source (libsodium randombytes).
  [[nodiscard]] static Result<KeyPair> generate(Scheme scheme);

  [[nodiscard]] Scheme scheme() const { return scheme_; }
  // False only for an sr25519 key reached through a soft junction (or from a 64-byte secret):
  // such a key has no seed, as subkey reports "n/a".
  [[nodiscard]] bool has_seed() const { return has_seed_; }
  // The secret seed. Never log it; `key inspect` is its only intended reader.
  // REQUIRES: has_seed().
  [[nodiscard]] const Seed& seed() const;
  // 32 bytes (sr25519, ed25519) or 33 bytes (ecdsa, compressed).
  [[nodiscard]] Bytes public_key() const;
  [[nodiscard]] AccountId32 account_id() const;

  // ed25519 and ecdsa are deterministic; sr25519 is randomised (OS randomness mixed with the
  // key's nonce seed), as schnorrkel signs.
  [[nodiscard]] Result<Bytes> sign(ByteSpan message) const;
  // sign(), then encode_multisignature(): the SCALE MultiSignature of an extrinsic.
  [[nodiscard]] Result<Bytes> multisignature(ByteSpan message) const;

 private:
  KeyPair(Scheme scheme, const Seed& seed, ByteSpan public_key);
  // An sr25519 pair of an expanded key (scalar || nonce seed) and, when known, its mini secret.
  static KeyPair make_sr25519(const Secret<64>& expanded, const Seed* mini_secret);
  friend Result<KeyPair> from_suri(Scheme, std::string_view, std::optional<std::string_view>);

  Scheme scheme_;
  Seed seed_;
  bool has_seed_ = true;
  Secret<64> sr_secret_;  // sr25519: the expanded key, scalar (mod l) || nonce seed
  ByteArray<kEcdsaPublicKeySize> public_{};
  std::size_t public_size_ = 0;
};

// Verifies sig over message for public_key. sr25519: see sr25519::verify. ecdsa verifies by
// recovery, as the runtime does: the public key recovered from (sig, blake2_256(message)) must
// equal public_key. Errors: InvalidPublicKey, MalformedSignature (length, high-S, v > 3, r or s >=
// n), BadSignature.
[[nodiscard]] Result<void> verify(Scheme scheme, ByteSpan public_key, ByteSpan message,
                                  ByteSpan sig);

// Verifies sig against an account, as the runtime checks MultiSignature against an
// AccountId32: sr25519 and ed25519 verify with the account as public key; ecdsa recovers the public
// key and compares blake2_256(compressed key) with the account.
[[nodiscard]] Result<void> verify_for_account(Scheme scheme, const AccountId32& account,
                                              ByteSpan message, ByteSpan sig);

// AccountId32 of a public key (checked for length and, for ecdsa, validity).
[[nodiscard]] Result<AccountId32> account_id_of(Scheme scheme, ByteSpan public_key);

// SCALE MultiSignature: tag 0 Ed25519([u8;64]), 1 Sr25519([u8;64]), 2 Ecdsa([u8;65]), no
// length prefix. The signature length is checked against the scheme.
[[nodiscard]] Result<Bytes> encode_multisignature(Scheme scheme, ByteSpan sig);

// ---- Secret URIs (docs/formats/keys.md#secret-uris) ----------------------------------------

// 32-byte chain code of a junction name (the text after "//" or "/"): the SCALE encoding of
// the name (u64 LE when it parses as a u64 the way Rust's str::parse does, else compact
// length || UTF-8), zero-padded to 32 bytes, or blake2_256 of it when longer.
[[nodiscard]] ByteArray<32> junction_chain_code(std::string_view name);

// One hard derivation step: blake2_256(SCALE("Ed25519HDKD" | "Secp256k1HDKD") || seed ||
// chain_code); sr25519: the schnorrkel hard derivation of the expanded seed (the new mini
// secret). ecdsa fails (InvalidSeed) in the negligible case the result is not a valid key.
[[nodiscard]] Result<Seed> derive_hard(Scheme scheme, const Seed& seed,
                                       const ByteArray<32>& chain_code);

// Parses "<phrase-or-0xseed>[//hard | /soft]...[///password]" and derives the key.
//   phrase: a BIP39 English mnemonic (its mini secret, see mini_secret_from_phrase), or "0x" +
//           64 hex digits (the raw seed); empty means kDevPhrase, so "//Alice" is the dev
//           phrase's //Alice. An empty URI is rejected.
//   password: for a phrase only (a raw seed with a password is rejected). Given either in the
//           URI (///password) or as `password`, not both. ASCII only, no line break.
// Soft junctions ("/x") are sr25519 only; ed25519 and ecdsa fail with SoftDerivation.
[[nodiscard]] Result<KeyPair> from_suri(Scheme scheme, std::string_view suri,
                                        std::optional<std::string_view> password = std::nullopt);

// ---- BIP39 (docs/formats/keys.md#bip39) -----------------------------------------------------

// The well-known Substrate development phrase (Alice, Bob, ... derive from it). Public.
inline constexpr std::string_view kDevPhrase =
    "bottom drive obey lake curtain smoke basket hold race lonely fit walk";

// 16, 20, 24, 28 or 32 bytes of mnemonic entropy (12, 15, 18, 21 or 24 words).
struct MnemonicEntropy {
  Secret<32> bytes;
  std::size_t size = 0;
  [[nodiscard]] ByteSpan view() const { return bytes.view().first(size); }
};

// Words separated by one or more ASCII spaces; each must be in the English list (lowercase);
// 12/15/18/21/24 words; the checksum (first words/3 bits of sha256(entropy)) must match.
[[nodiscard]] Result<MnemonicEntropy> mnemonic_to_entropy(std::string_view phrase);
// The phrase of 16/20/24/28/32 bytes of entropy, words separated by single spaces.
[[nodiscard]] Result<std::string> mnemonic_from_entropy(ByteSpan entropy);

// Substrate's mini secret: the first 32 bytes of PBKDF2-HMAC-SHA512(password = entropy,
// salt = "mnemonic" + password, 2048 iterations). The entropy, not the phrase, is the PBKDF2
// password (unlike BIP39 seeds). password must be ASCII (no Unicode normalisation is done).
[[nodiscard]] Result<Seed> mini_secret_from_entropy(ByteSpan entropy, std::string_view password);
[[nodiscard]] Result<Seed> mini_secret_from_phrase(std::string_view phrase,
                                                   std::string_view password);

// A new mnemonic of 12, 15, 18, 21 or 24 words from the OS random source.
[[nodiscard]] Result<std::string> generate_mnemonic(std::size_t words = 12);

}  // namespace ev::chain
