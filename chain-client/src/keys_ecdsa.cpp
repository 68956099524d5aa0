// ecdsa over secp256k1 through libsecp256k1 and its recovery module, as sp_core::ecdsa.
// Format notes: docs/formats/keys.md#ecdsa.
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include <string>

#include "ev/chain/hash.hpp"
#include "keys_internal.hpp"

namespace ev::chain::detail {
namespace {

// One context for the process, created on first use and randomised from the OS random source
// (side-channel blinding). libsecp256k1 allows concurrent use of a context by const functions.
const secp256k1_context* context() {
  static const secp256k1_context* const ctx = [] {
    // SIGN|VERIFY: what libsecp256k1 < 0.2 needs; 0.2 treats it as SECP256K1_CONTEXT_NONE.
    // Both macros carry the context-type bit, hence the NOLINT.
    constexpr unsigned kFlags =
        SECP256K1_CONTEXT_SIGN | SECP256K1_CONTEXT_VERIFY;  // NOLINT(misc-redundant-expression)
    secp256k1_context* c = secp256k1_context_create(kFlags);
    EV_ASSERT(c != nullptr, "secp256k1_context_create failed");
    ensure_sodium();
    Secret<32> blinding;
    randombytes_buf(blinding.data(), blinding.size());
    EV_ASSERT(secp256k1_context_randomize(c, blinding.data()) == 1,
              "secp256k1_context_randomize failed");
    return c;
  }();
  return ctx;
}

ByteArray<kEcdsaPublicKeySize> serialize_compressed(const secp256k1_pubkey& pubkey) {
  ByteArray<kEcdsaPublicKeySize> out{};
  std::size_t len = out.size();
  int rc =
      secp256k1_ec_pubkey_serialize(context(), out.data(), &len, &pubkey, SECP256K1_EC_COMPRESSED);
  EV_ASSERT(rc == 1 && len == out.size(), "secp256k1_ec_pubkey_serialize failed");
  return out;
}

// Parses r || s || v and rejects what sp_core would never produce: v > 3, r or s not below
// the group order, high S.
Result<secp256k1_ecdsa_recoverable_signature> parse_signature(ByteSpan sig) {
  if (sig.size() != kEcdsaSignatureSize) {
    return make_error(
        KeyErrc::MalformedSignature,
        "ecdsa signature must be 65 bytes (r || s || v), got " + std::to_string(sig.size()));
  }
  int v = sig[64];
  if (v > 3) {
    return make_error(KeyErrc::MalformedSignature,
                      "ecdsa recovery id v = " + std::to_string(v) +
                          " at offset 64 is out of range 0..3 (27/28 are not accepted)");
  }
  secp256k1_ecdsa_recoverable_signature rsig;
  if (secp256k1_ecdsa_recoverable_signature_parse_compact(context(), &rsig, sig.data(), v) != 1) {
    return make_error(KeyErrc::MalformedSignature,
                      "ecdsa signature r or s (offsets 0..63) is not below the group order");
  }
  secp256k1_ecdsa_signature plain;
  int rc = secp256k1_ecdsa_recoverable_signature_convert(context(), &plain, &rsig);
  EV_ASSERT(rc == 1, "secp256k1_ecdsa_recoverable_signature_convert failed");
  // normalize returns 1 when S was in the upper half of the order.
  if (secp256k1_ecdsa_signature_normalize(context(), nullptr, &plain) == 1) {
    return make_error(KeyErrc::MalformedSignature,
                      "ecdsa signature has a high S (offsets 32..63); only low-S is canonical");
  }
  return rsig;
}

}  // namespace

bool ecdsa_seed_valid(const Seed& seed) {
  return secp256k1_ec_seckey_verify(context(), seed.data()) == 1;
}

ByteArray<kEcdsaPublicKeySize> ecdsa_public(const Seed& seed) {
  secp256k1_pubkey pubkey;
  int rc = secp256k1_ec_pubkey_create(context(), &pubkey, seed.data());
  EV_ASSERT(rc == 1, "secp256k1_ec_pubkey_create failed on a checked secret key");
  return serialize_compressed(pubkey);
}

Bytes ecdsa_sign(const Seed& seed, ByteSpan message) {
  H256 digest = blake2_256(message);
  secp256k1_ecdsa_recoverable_signature rsig;
  // A null nonce function selects RFC 6979; the result is always low-S.
  int rc = secp256k1_ecdsa_sign_recoverable(context(), &rsig, digest.data(), seed.data(), nullptr,
                                            nullptr);
  EV_ASSERT(rc == 1, "secp256k1_ecdsa_sign_recoverable failed on a checked secret key");
  Bytes sig(kEcdsaSignatureSize);
  int recid = -1;
  rc =
      secp256k1_ecdsa_recoverable_signature_serialize_compact(context(), sig.data(), &recid, &rsig);
  EV_ASSERT(rc == 1 && recid >= 0 && recid <= 3, "recoverable signature serialisation failed");
  sig[64] = static_cast<std::uint8_t>(recid);
  return sig;
}

Result<ByteArray<kEcdsaPublicKeySize>> ecdsa_recover(ByteSpan message, ByteSpan sig) {
  auto rsig = EV_TRY(parse_signature(sig));
  H256 digest = blake2_256(message);
  secp256k1_pubkey pubkey;
  if (secp256k1_ecdsa_recover(context(), &pubkey, &rsig, digest.data()) != 1) {
    return make_error(KeyErrc::BadSignature,
                      "no ecdsa public key can be recovered from this signature and message");
  }
  return serialize_compressed(pubkey);
}

Result<void> ecdsa_check_public(ByteSpan public_key) {
  if (public_key.size() != kEcdsaPublicKeySize) {
    return make_error(
        KeyErrc::InvalidPublicKey,
        "ecdsa public key must be 33 bytes (compressed), got " + std::to_string(public_key.size()));
  }
  if (public_key[0] != 0x02 && public_key[0] != 0x03) {
    return make_error(KeyErrc::InvalidPublicKey,
                      "ecdsa public key must start with 0x02 or 0x03 (compressed), got " +
                          to_hex(public_key.first(1)));
  }
  secp256k1_pubkey parsed;
  if (secp256k1_ec_pubkey_parse(context(), &parsed, public_key.data(), public_key.size()) != 1) {
    return make_error(KeyErrc::InvalidPublicKey, "ecdsa public key is not a point on secp256k1");
  }
  return ok();
}

}  // namespace ev::chain::detail
