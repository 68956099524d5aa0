// Scheme dispatch for keys and signatures. Format notes: docs/formats/keys.md.
#include <sodium.h>

#include <string>

#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/sr25519.hpp"
#include "keys_internal.hpp"

namespace ev {

std::string_view ErrorTraits<chain::KeyErrc>::message(chain::KeyErrc e) {
  using chain::KeyErrc;
  switch (e) {
    case KeyErrc::UnknownScheme: return "unknown key scheme";
    case KeyErrc::Unsupported: return "not supported by this scheme";
    case KeyErrc::InvalidSeed: return "invalid seed";
    case KeyErrc::InvalidPublicKey: return "invalid public key";
    case KeyErrc::MalformedSignature: return "malformed signature";
    case KeyErrc::BadSignature: return "signature does not verify";
    case KeyErrc::InvalidSecretUri: return "invalid secret URI";
    case KeyErrc::SoftDerivation:
      return "soft derivation is sr25519 only (ed25519/ecdsa derive hard)";
    case KeyErrc::InvalidMnemonic: return "invalid mnemonic phrase";
    case KeyErrc::CryptoFailure: return "cryptographic library failure";
  }
  return "unknown error";
}

}  // namespace ev

namespace ev::chain {
namespace detail {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  EV_ASSERT(ready, "libsodium failed to initialise");
}

}  // namespace detail

namespace {

char ascii_lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != b[i]) return false;
  }
  return true;
}

Result<void> check_size(KeyErrc errc, std::string_view what, ByteSpan bytes, std::size_t want) {
  if (bytes.size() == want) return ok();
  return make_error(errc, std::string(what) + " must be " + std::to_string(want) + " bytes, got " +
                              std::to_string(bytes.size()));
}

}  // namespace

Result<Scheme> parse_scheme(std::string_view name) {
  for (Scheme s : {Scheme::Ed25519, Scheme::Ecdsa, Scheme::Sr25519}) {
    if (iequals(name, scheme_name(s))) return s;
  }
  std::string shown(name.substr(0, 32));
  return make_error(KeyErrc::UnknownScheme, "'" + shown + "' (expected ed25519, ecdsa or sr25519)");
}

std::string_view scheme_name(Scheme scheme) {
  switch (scheme) {
    case Scheme::Ed25519: return "ed25519";
    case Scheme::Ecdsa: return "ecdsa";
    case Scheme::Sr25519: return "sr25519";
  }
  EV_ASSERT(false, "invalid Scheme value");
}

KeyPair::KeyPair(Scheme scheme, const Seed& seed, ByteSpan public_key)
    : scheme_(scheme), seed_(seed), public_size_(public_key.size()) {
  EV_ASSERT(public_key.size() <= public_.size(), "public key larger than its storage");
  for (std::size_t i = 0; i < public_size_; ++i) public_[i] = public_key[i];
}

KeyPair KeyPair::make_sr25519(const Secret<64>& expanded, const Seed* mini_secret) {
  const sr25519::PublicKey pk = sr25519::public_of(expanded);
  KeyPair pair(Scheme::Sr25519, mini_secret != nullptr ? *mini_secret : Seed(), pk);
  pair.has_seed_ = mini_secret != nullptr;
  pair.sr_secret_ = expanded;
  return pair;
}

Result<KeyPair> KeyPair::from_sr25519_secret(ByteSpan secret) {
  sr25519::SecretKey key = EV_TRY(sr25519::secret_from_ed25519_bytes(secret));
  return make_sr25519(key, nullptr);
}

const Seed& KeyPair::seed() const {
  EV_ASSERT(has_seed_, "KeyPair::seed() of a key without a seed (check has_seed())");
  return seed_;
}

Result<KeyPair> KeyPair::from_seed(Scheme scheme, ByteSpan seed) {
  EV_TRY(check_size(KeyErrc::InvalidSeed, "seed", seed, kSeedSize));
  Seed secret(seed.first<kSeedSize>());
  if (scheme == Scheme::Sr25519) {
    return make_sr25519(sr25519::expand_mini_secret(secret), &secret);
  }
  if (scheme == Scheme::Ed25519) {
    auto pk = detail::ed25519_public(secret);
    return KeyPair(scheme, secret, pk);
  }
  if (!detail::ecdsa_seed_valid(secret)) {
    return make_error(KeyErrc::InvalidSeed,
                      "not a secp256k1 secret key (must be non-zero and below the group order)");
  }
  auto pk = detail::ecdsa_public(secret);
  return KeyPair(scheme, secret, pk);
}

Result<KeyPair> KeyPair::generate(Scheme scheme) {
  detail::ensure_sodium();
  Seed seed;
  // An ecdsa draw is invalid with probability ~2^-128; draw again rather than fail.
  for (;;) {
    randombytes_buf(seed.data(), seed.size());
    auto pair = from_seed(scheme, seed.view());
    if (pair.ok() || scheme != Scheme::Ecdsa) return pair;
  }
}

Bytes KeyPair::public_key() const {
  return Bytes(public_.begin(), public_.begin() + static_cast<std::ptrdiff_t>(public_size_));
}

AccountId32 KeyPair::account_id() const {
  auto id = account_id_of(scheme_, public_key());
  EV_ASSERT(id.ok(), "a KeyPair always holds a valid public key");
  return *id;
}

Result<Bytes> KeyPair::sign(ByteSpan message) const {
  switch (scheme_) {
    case Scheme::Ed25519:
      return detail::ed25519_sign(seed_, ByteSpan(public_.data(), public_size_), message);
    case Scheme::Ecdsa: return detail::ecdsa_sign(seed_, message);
    case Scheme::Sr25519: {
      sr25519::PublicKey pk{};
      std::copy(public_.begin(), public_.begin() + kSr25519PublicKeySize, pk.begin());
      const sr25519::Signature sig = sr25519::sign(sr_secret_, pk, message);
      return Bytes(sig.begin(), sig.end());
    }
  }
  EV_ASSERT(false, "invalid Scheme value");
}

Result<Bytes> KeyPair::multisignature(ByteSpan message) const {
  Bytes sig = EV_TRY(sign(message));
  return encode_multisignature(scheme_, sig);
}

Result<void> verify(Scheme scheme, ByteSpan public_key, ByteSpan message, ByteSpan sig) {
  switch (scheme) {
    case Scheme::Ed25519: return detail::ed25519_verify(public_key, message, sig);
    case Scheme::Ecdsa: {
      // The public key is parsed (a square root) only when recovery does not reproduce it:
      // a recovered key is valid by construction, so equality proves both.
      auto recovered = detail::ecdsa_recover(message, sig);
      if (recovered && ByteSpan(*recovered).size() == public_key.size() &&
          std::equal(recovered->begin(), recovered->end(), public_key.begin())) {
        return ok();
      }
      EV_TRY(detail::ecdsa_check_public(public_key));
      if (!recovered) return std::move(recovered).error();
      return make_error(KeyErrc::BadSignature, "ecdsa: recovered public key " + to_hex(*recovered) +
                                                   " is not the expected one");
    }
    case Scheme::Sr25519: return sr25519::verify(public_key, message, sig);
  }
  EV_ASSERT(false, "invalid Scheme value");
}

Result<void> verify_for_account(Scheme scheme, const AccountId32& account, ByteSpan message,
                                ByteSpan sig) {
  switch (scheme) {
    case Scheme::Ed25519: return detail::ed25519_verify(account, message, sig);
    case Scheme::Ecdsa: {
      auto recovered = EV_TRY(detail::ecdsa_recover(message, sig));
      if (blake2_256(recovered) == account) return ok();
      return make_error(KeyErrc::BadSignature, "ecdsa: the recovered public key " +
                                                   to_hex(recovered) + " is not of account " +
                                                   to_hex(account));
    }
    case Scheme::Sr25519: return sr25519::verify(account, message, sig);
  }
  EV_ASSERT(false, "invalid Scheme value");
}

Result<AccountId32> account_id_of(Scheme scheme, ByteSpan public_key) {
  switch (scheme) {
    case Scheme::Sr25519:
    case Scheme::Ed25519: {
      EV_TRY(check_size(KeyErrc::InvalidPublicKey,
                        scheme == Scheme::Ed25519 ? "ed25519 public key" : "sr25519 public key",
                        public_key, kEd25519PublicKeySize));
      AccountId32 id{};
      std::copy(public_key.begin(), public_key.end(), id.begin());
      return id;
    }
    case Scheme::Ecdsa:
      EV_TRY(detail::ecdsa_check_public(public_key));
      return blake2_256(public_key);
  }
  EV_ASSERT(false, "invalid Scheme value");
}

Result<Bytes> encode_multisignature(Scheme scheme, ByteSpan sig) {
  std::uint8_t tag = 0;
  switch (scheme) {
    case Scheme::Ed25519:
      EV_TRY(
          check_size(KeyErrc::MalformedSignature, "ed25519 signature", sig, kEd25519SignatureSize));
      tag = 0;
      break;
    case Scheme::Ecdsa:
      EV_TRY(check_size(KeyErrc::MalformedSignature, "ecdsa signature", sig, kEcdsaSignatureSize));
      tag = 2;
      break;
    case Scheme::Sr25519:
      EV_TRY(
          check_size(KeyErrc::MalformedSignature, "sr25519 signature", sig, kSr25519SignatureSize));
      tag = 1;
      break;
  }
  Bytes out;
  out.reserve(1 + sig.size());
  out.push_back(tag);
  append(out, sig);
  return out;
}

}  // namespace ev::chain
