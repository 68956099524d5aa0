// sr25519 (schnorrkel on ristretto255, libsodium). Format notes: docs/formats/keys.md#sr25519.
#include <sodium.h>

#include <string>

#include "ev/chain/merlin.hpp"
#include "ev/chain/sr25519.hpp"
#include "keys_internal.hpp"

namespace ev::chain::sr25519 {
namespace {

static_assert(crypto_core_ristretto255_BYTES == kPublicKeySize);
static_assert(crypto_core_ristretto255_SCALARBYTES == 32);
static_assert(crypto_core_ristretto255_NONREDUCEDSCALARBYTES == 64);

using Scalar = Wiped<32>;

// The scalar of 64 uniform bytes (Scalar::from_bytes_mod_order_wide); wipes `wide`.
void reduce_wide(std::uint8_t* out, Wiped<64>& wide) {
  crypto_core_ristretto255_scalar_reduce(out, wide.data());
  sodium_memzero(wide.data(), 64);
}

// challenge_scalar(label): 64 challenge bytes reduced mod l.
ByteArray<32> challenge_scalar(MerlinTranscript& t, std::string_view label) {
  Wiped<64> wide;
  t.challenge_bytes(label, wide.mut());
  ByteArray<32> k{};
  reduce_wide(k.data(), wide);
  return k;
}

// Scalars below l have the top four bits clear; beyond that, compare with l from the top.
bool scalar_canonical(ByteSpan s) {
  static constexpr std::array<std::uint8_t, 32> kL = {
      0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
      0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
  for (std::size_t i = 32; i-- > 0;) {
    if (s[i] != kL[i]) return s[i] < kL[i];
  }
  return false;  // equal to l
}

// A canonical ristretto255 encoding, as curve25519-dalek's decompress demands. libsodium
// 1.0.18 ignores bit 255 when decoding, so that bit is checked here.
bool canonical_point(ByteSpan p) {
  return p.size() == kPublicKeySize && (p[31] & 0x80) == 0 &&
         crypto_core_ristretto255_is_valid_point(p.data()) == 1;
}

PublicKey base_mult(const std::uint8_t* scalar) {
  PublicKey p{};
  // Fails only when the result is the identity (a zero scalar), whose encoding is all zeros.
  [[maybe_unused]] const int identity = crypto_scalarmult_ristretto255_base(p.data(), scalar);
  return p;
}

MerlinTranscript signing_transcript(std::string_view context, ByteSpan message) {
  MerlinTranscript t("SigningContext");
  t.append_message("", as_bytes(context));
  t.append_message("sign-bytes", message);
  return t;
}

MerlinTranscript hdkd_transcript(const ChainCode& chain_code) {
  MerlinTranscript t("SchnorrRistrettoHDKD");
  t.append_message("sign-bytes", ByteSpan{});
  t.append_message("chain-code", chain_code);
  return t;
}

// derive_scalar_and_chaincode: the scalar added by a soft junction (the next chain code is
// not used by Substrate's derivation).
ByteArray<32> soft_scalar(MerlinTranscript& t, ByteSpan public_key) {
  t.append_message("public-key", public_key);
  return challenge_scalar(t, "HDKD-scalar");
}

Error malformed(const std::string& why) { return make_error(KeyErrc::MalformedSignature, why); }

}  // namespace

SecretKey expand_mini_secret(const Seed& mini_secret) {
  detail::ensure_sodium();
  Wiped<64> h;
  crypto_hash_sha512(h.data(), mini_secret.data(), mini_secret.size());
  std::uint8_t* key = h.data();
  key[0] &= 248;
  key[31] &= 63;
  key[31] |= 64;
  SecretKey out;
  // Divide the clamped 256-bit little-endian value by the cofactor 8 (a right shift by 3): the
  // result lies in [2^251, 2^252), below l.
  std::uint8_t carry = 0;
  for (std::size_t i = 32; i-- > 0;) {
    const std::uint8_t b = key[i];
    out.data()[i] = static_cast<std::uint8_t>((b >> 3) | carry);
    carry = static_cast<std::uint8_t>(b << 5);
  }
  std::copy(h.data() + 32, h.data() + 64, out.data() + 32);
  return out;
}

Result<SecretKey> secret_from_ed25519_bytes(ByteSpan bytes) {
  if (bytes.size() != kSecretKeySize) {
    return make_error(KeyErrc::InvalidSeed,
                      "sr25519 secret key must be 64 bytes, got " + std::to_string(bytes.size()));
  }
  if ((bytes[0] & 7) != 0) {
    return make_error(KeyErrc::InvalidSeed, "sr25519 secret key: scalar is not a multiple of 8");
  }
  SecretKey out;
  std::uint8_t carry = 0;
  for (std::size_t i = 32; i-- > 0;) {
    out.data()[i] = static_cast<std::uint8_t>((bytes[i] >> 3) | carry);
    carry = static_cast<std::uint8_t>(bytes[i] << 5);
  }
  if (!scalar_canonical(out.view().first<32>())) {
    return make_error(KeyErrc::InvalidSeed, "sr25519 secret key: scalar is not below l");
  }
  std::copy(bytes.begin() + 32, bytes.end(), out.data() + 32);
  return out;
}

Secret<kSecretKeySize> secret_to_ed25519_bytes(const SecretKey& secret) {
  Secret<kSecretKeySize> out;
  std::uint8_t carry = 0;
  for (std::size_t i = 0; i < 32; ++i) {
    const std::uint8_t b = secret.data()[i];
    out.data()[i] = static_cast<std::uint8_t>((b << 3) | carry);
    carry = static_cast<std::uint8_t>(b >> 5);
  }
  std::copy(secret.data() + 32, secret.data() + 64, out.data() + 32);
  return out;
}

PublicKey public_of(const SecretKey& secret) {
  detail::ensure_sodium();
  return base_mult(secret.data());
}

Signature sign_with_randomness(const SecretKey& secret, const PublicKey& public_key,
                               std::string_view context, ByteSpan message,
                               std::span<const std::uint8_t, 32> randomness) {
  detail::ensure_sodium();
  MerlinTranscript t = signing_transcript(context, message);
  t.append_message("proto-name", as_bytes("Schnorr-sig"));
  t.append_message("sign:pk", public_key);

  // witness_scalar("signing", [nonce]): the transcript RNG keyed with the secret nonce seed.
  MerlinRng rng = t.build_rng();
  rng.rekey_with_witness("signing", secret.view().last<32>());
  rng.finalize(randomness);
  Wiped<64> wide;
  rng.fill(wide.mut());
  Scalar r;
  reduce_wide(r.data(), wide);

  Signature sig{};
  const PublicKey big_r = base_mult(r.data());
  std::copy(big_r.begin(), big_r.end(), sig.begin());
  t.append_message("sign:R", big_r);
  const ByteArray<32> k = challenge_scalar(t, "sign:c");

  Scalar kx;
  crypto_core_ristretto255_scalar_mul(kx.data(), k.data(), secret.data());
  crypto_core_ristretto255_scalar_add(sig.data() + 32, kx.data(), r.data());
  sig[63] |= 0x80;  // marks a schnorrkel signature (s < 2^253 leaves the bit free)
  return sig;
}

Signature sign(const SecretKey& secret, const PublicKey& public_key, ByteSpan message,
               std::string_view context) {
  detail::ensure_sodium();
  Wiped<32> randomness;
  randombytes_buf(randomness.data(), 32);
  return sign_with_randomness(secret, public_key, context, message, randomness.view());
}

Result<void> verify(ByteSpan public_key, ByteSpan message, ByteSpan sig, std::string_view context) {
  detail::ensure_sodium();
  if (public_key.size() != kPublicKeySize) {
    return make_error(KeyErrc::InvalidPublicKey, "sr25519 public key must be 32 bytes, got " +
                                                     std::to_string(public_key.size()));
  }
  if (sig.size() != kSignatureSize) {
    return malformed("sr25519 signature must be 64 bytes, got " + std::to_string(sig.size()));
  }
  if ((sig[63] & 0x80) == 0) {
    return malformed(
        "sr25519 signature: the marker bit (0x80 of byte 63) is clear (not a schnorrkel "
        "signature)");
  }
  ByteArray<32> s{};
  std::copy(sig.begin() + 32, sig.end(), s.begin());
  s[31] &= 0x7f;
  if (!scalar_canonical(s)) return malformed("sr25519 signature: s is not below the group order");
  if (!canonical_point(public_key)) {
    return make_error(KeyErrc::InvalidPublicKey,
                      "sr25519 public key is not a canonical ristretto255 encoding");
  }
  // The identity (all zeros, the key of the secret 0) would accept R = identity, s = 0 for
  // every message. schnorrkel takes it; we refuse it, as libsodium refuses small-order ed25519
  // keys.
  if (sodium_is_zero(public_key.data(), kPublicKeySize) != 0) {
    return make_error(KeyErrc::InvalidPublicKey,
                      "sr25519 public key is the identity point (any signature would verify)");
  }
  const ByteSpan big_r = sig.first(32);
  MerlinTranscript t = signing_transcript(context, message);
  t.append_message("proto-name", as_bytes("Schnorr-sig"));
  t.append_message("sign:pk", public_key);
  t.append_message("sign:R", big_r);
  const ByteArray<32> k = challenge_scalar(t, "sign:c");

  // R' = s*B - k*A must encode to R.
  const PublicKey sb = base_mult(s.data());
  PublicKey ka{};
  // Fails only for an identity result, whose encoding (all zeros) is written all the same.
  [[maybe_unused]] const int identity =
      crypto_scalarmult_ristretto255(ka.data(), k.data(), public_key.data());
  PublicKey expected{};
  if (crypto_core_ristretto255_sub(expected.data(), sb.data(), ka.data()) != 0) {
    return make_error(KeyErrc::CryptoFailure, "ristretto255 subtraction failed");
  }
  if (sodium_memcmp(expected.data(), big_r.data(), kPublicKeySize) != 0) {
    return make_error(KeyErrc::BadSignature, "sr25519 signature does not match key and message");
  }
  return ok();
}

Seed derive_hard(const SecretKey& secret, const ChainCode& chain_code) {
  MerlinTranscript t = hdkd_transcript(chain_code);
  t.append_message("secret-key", secret.view().first<32>());
  Seed mini;
  t.challenge_bytes("HDKD-hard", mini.mut());
  return mini;
}

SecretKey derive_soft(const SecretKey& secret, const PublicKey& public_key,
                      const ChainCode& chain_code) {
  detail::ensure_sodium();
  MerlinTranscript t = hdkd_transcript(chain_code);
  const ByteArray<32> add = soft_scalar(t, public_key);
  ByteArray<32> next_chain_code{};
  t.challenge_bytes("HDKD-chaincode", next_chain_code);

  SecretKey out;
  crypto_core_ristretto255_scalar_add(out.data(), secret.data(), add.data());
  // witness_bytes("HDKD-nonce", [nonce, secret.to_bytes()]) with OS randomness.
  MerlinRng rng = t.build_rng();
  rng.rekey_with_witness("HDKD-nonce", secret.view().last<32>());
  rng.rekey_with_witness("HDKD-nonce", secret.view());
  Wiped<32> randomness;
  randombytes_buf(randomness.data(), 32);
  rng.finalize(randomness.view());
  rng.fill(std::span<std::uint8_t>(out.data() + 32, 32));
  return out;
}

Result<PublicKey> derive_soft_public(ByteSpan public_key, const ChainCode& chain_code) {
  detail::ensure_sodium();
  if (!canonical_point(public_key)) {
    return make_error(KeyErrc::InvalidPublicKey,
                      "sr25519 public key must be a canonical 32-byte ristretto255 encoding");
  }
  MerlinTranscript t = hdkd_transcript(chain_code);
  const ByteArray<32> add = soft_scalar(t, public_key);
  const PublicKey added = base_mult(add.data());
  PublicKey out{};
  if (crypto_core_ristretto255_add(out.data(), public_key.data(), added.data()) != 0) {
    return make_error(KeyErrc::CryptoFailure, "ristretto255 addition failed");
  }
  return out;
}

}  // namespace ev::chain::sr25519
