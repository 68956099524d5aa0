// ed25519 (RFC 8032) through libsodium. Format notes: docs/formats/keys.md#ed25519.
#include <sodium.h>

#include <algorithm>
#include <string>

#include "keys_internal.hpp"

namespace ev::chain::detail {
namespace {

static_assert(crypto_sign_SEEDBYTES == kSeedSize);
static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeySize);
static_assert(crypto_sign_BYTES == kEd25519SignatureSize);

// The expanded libsodium secret key (seed || public key), wiped on destruction.
struct ExpandedKey {
  Secret<crypto_sign_SECRETKEYBYTES> secret;
  ByteArray<kEd25519PublicKeySize> public_key{};
};

ExpandedKey expand(const Seed& seed) {
  ensure_sodium();
  ExpandedKey key;
  int rc = crypto_sign_seed_keypair(key.public_key.data(), key.secret.data(), seed.data());
  EV_ASSERT(rc == 0, "crypto_sign_seed_keypair failed");
  return key;
}

}  // namespace

ByteArray<kEd25519PublicKeySize> ed25519_public(const Seed& seed) {
  return expand(seed).public_key;
}

Bytes ed25519_sign(const Seed& seed, ByteSpan public_key, ByteSpan message) {
  EV_ASSERT(public_key.size() == kEd25519PublicKeySize, "ed25519 public key must be 32 bytes");
  ensure_sodium();
  // libsodium's secret key is seed || public key; assembling it from the key pair's cached
  // public key avoids re-deriving the public key (a base-point multiplication) per signature.
  // The copy lives on the stack for this call only (no mlock syscall per signature) and is
  // wiped before returning; the long-lived seed stays in its locked Secret.
  unsigned char secret[crypto_sign_SECRETKEYBYTES];
  std::copy(seed.data(), seed.data() + kSeedSize, secret);
  std::copy(public_key.begin(), public_key.end(), secret + kSeedSize);
  Bytes sig(kEd25519SignatureSize);
  unsigned long long sig_len = 0;
  int rc = crypto_sign_detached(sig.data(), &sig_len, message.data(), message.size(), secret);
  sodium_memzero(secret, sizeof secret);
  EV_ASSERT(rc == 0 && sig_len == kEd25519SignatureSize, "crypto_sign_detached failed");
  return sig;
}

Result<void> ed25519_verify(ByteSpan public_key, ByteSpan message, ByteSpan sig) {
  ensure_sodium();
  if (public_key.size() != kEd25519PublicKeySize) {
    return make_error(KeyErrc::InvalidPublicKey, "ed25519 public key must be 32 bytes, got " +
                                                     std::to_string(public_key.size()));
  }
  if (sig.size() != kEd25519SignatureSize) {
    return make_error(KeyErrc::MalformedSignature,
                      "ed25519 signature must be 64 bytes, got " + std::to_string(sig.size()));
  }
  // Also rejects non-canonical S and small-order public keys.
  if (crypto_sign_verify_detached(sig.data(), message.data(), message.size(), public_key.data()) !=
      0) {
    return make_error(KeyErrc::BadSignature, "ed25519 signature does not match key and message");
  }
  return ok();
}

}  // namespace ev::chain::detail
