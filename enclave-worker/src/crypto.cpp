#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstring>
#include <limits>

#include "crypto_internal.hpp"
#include "ev/common/secret.hpp"
#include "ev/enclave/errors.hpp"
#include "ev/enclave/platform.hpp"

namespace ev::enclave {
namespace detail {
namespace {

// The AES-256-GCM implementation, fetched once per process.
const EVP_CIPHER* aes_gcm() {
  static EVP_CIPHER* const cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  return cipher;
}

bool fits_int(std::size_t n) { return n <= static_cast<std::size_t>(INT_MAX); }

// Keys `*slot` on first use (full key schedule), afterwards sets only the nonce; then feeds AAD.
Result<EVP_CIPHER_CTX*> start(EVP_CIPHER_CTX** slot, ByteSpan key, ByteSpan nonce, bool encrypt,
                              std::initializer_list<ByteSpan> aad) {
  EV_ASSERT(key.size() == kGcmKeySize && nonce.size() == kGcmNonceSize, "GCM key/nonce size");
  const EVP_CIPHER* cipher = aes_gcm();
  if (cipher == nullptr) return openssl_error("AES-256-GCM unavailable");
  const bool fresh = *slot == nullptr;
  if (fresh) {
    *slot = EVP_CIPHER_CTX_new();
    if (*slot == nullptr) return openssl_error("AES-256-GCM context");
  }
  EVP_CIPHER_CTX* ctx = *slot;
  const EVP_CIPHER* c = fresh ? cipher : nullptr;
  const std::uint8_t* k = fresh ? key.data() : nullptr;
  const int ok = encrypt ? EVP_EncryptInit_ex2(ctx, c, k, nonce.data(), nullptr)
                         : EVP_DecryptInit_ex2(ctx, c, k, nonce.data(), nullptr);
  if (ok != 1) return openssl_error("AES-256-GCM init");
  for (ByteSpan part : aad) {
    if (part.empty()) continue;
    if (!fits_int(part.size())) return make_error(Errc::InvalidArgument, "AAD too large");
    int len = 0;
    if (EVP_CipherUpdate(ctx, nullptr, &len, part.data(), static_cast<int>(part.size())) != 1) {
      return openssl_error("AES-256-GCM AAD");
    }
  }
  return ctx;
}

Result<void> update(EVP_CIPHER_CTX* ctx, ByteSpan in, std::span<std::uint8_t> out) {
  EV_ASSERT(in.size() == out.size(), "GCM in/out size");
  if (in.empty()) return ok();
  if (!fits_int(in.size())) return make_error(Errc::InvalidArgument, "message too large");
  int len = 0;
  if (EVP_CipherUpdate(ctx, out.data(), &len, in.data(), static_cast<int>(in.size())) != 1 ||
      static_cast<std::size_t>(len) != in.size()) {
    return openssl_error("AES-256-GCM update");
  }
  return ok();
}

}  // namespace

Error openssl_error(std::string_view what) {
  char buf[256] = "no OpenSSL error queued";
  const unsigned long code = ERR_get_error();
  if (code != 0) ERR_error_string_n(code, buf, sizeof buf);
  ERR_clear_error();
  std::string msg(what);
  msg += ": ";
  msg += buf;
  return make_error(Errc::Crypto, msg);
}

GcmKey::GcmKey(ByteSpan key) {
  EV_ASSERT(key.size() == kGcmKeySize, "GCM key size");
  std::copy(key.begin(), key.end(), key_.mut().begin());
}

GcmKey::~GcmKey() {
  EVP_CIPHER_CTX_free(enc_);  // cleanses the key schedule
  EVP_CIPHER_CTX_free(dec_);
}

Result<void> GcmKey::encrypt(ByteSpan nonce, std::initializer_list<ByteSpan> aad, ByteSpan in,
                             std::span<std::uint8_t> out, std::span<std::uint8_t> tag) {
  EV_ASSERT(tag.size() == kGcmTagSize, "GCM tag size");
  EVP_CIPHER_CTX* ctx = EV_TRY(start(&enc_, key_.view(), nonce, true, aad));
  EV_TRY(update(ctx, in, out));
  int len = 0;
  if (EVP_EncryptFinal_ex(ctx, out.data() + out.size(), &len) != 1 || len != 0) {
    return openssl_error("AES-256-GCM final");
  }
  // Tag through the provider parameter directly (EVP_CIPHER_CTX_ctrl translates to it).
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag.data(), kGcmTagSize),
      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_get_params(ctx, params) != 1) return openssl_error("AES-256-GCM tag");
  return ok();
}

Result<void> GcmKey::decrypt(ByteSpan nonce, std::initializer_list<ByteSpan> aad, ByteSpan in,
                             ByteSpan tag, std::span<std::uint8_t> out) {
  EV_ASSERT(tag.size() == kGcmTagSize, "GCM tag size");
  EVP_CIPHER_CTX* ctx = EV_TRY(start(&dec_, key_.view(), nonce, false, aad));
  if (auto r = update(ctx, in, out); !r.ok()) {
    ev::detail::secure_wipe(out.data(), out.size());
    return std::move(r).error();
  }
  // OpenSSL takes the expected tag through a non-const pointer; it only reads it.
  std::uint8_t expected[kGcmTagSize];
  std::memcpy(expected, tag.data(), kGcmTagSize);
  int len = 0;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, expected, kGcmTagSize),
      OSSL_PARAM_construct_end()};
  if (EVP_CIPHER_CTX_set_params(ctx, params) != 1) {
    ev::detail::secure_wipe(out.data(), out.size());
    return openssl_error("AES-256-GCM set tag");
  }
  if (EVP_DecryptFinal_ex(ctx, out.data() + out.size(), &len) != 1) {
    ev::detail::secure_wipe(out.data(), out.size());
    ERR_clear_error();
    return make_error(Errc::AuthFailed, "AES-256-GCM tag does not verify");
  }
  return ok();
}

Result<void> gcm_encrypt(ByteSpan key, ByteSpan nonce, std::initializer_list<ByteSpan> aad,
                         ByteSpan in, std::span<std::uint8_t> out, std::span<std::uint8_t> tag) {
  GcmKey k(key);
  return k.encrypt(nonce, aad, in, out, tag);
}

Result<void> gcm_decrypt(ByteSpan key, ByteSpan nonce, std::initializer_list<ByteSpan> aad,
                         ByteSpan in, ByteSpan tag, std::span<std::uint8_t> out) {
  GcmKey k(key);
  return k.decrypt(nonce, aad, in, tag, out);
}

Result<void> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info, std::span<std::uint8_t> out) {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return openssl_error("HKDF unavailable");
  EVP_KDF_CTX* kctx = EVP_KDF_CTX_new(kdf);
  if (kctx == nullptr) return openssl_error("HKDF context");
  char digest[] = "SHA256";
  // OSSL_PARAM takes non-const pointers for input buffers; OpenSSL only reads them.
  auto octets = [](const char* name, ByteSpan s) {
    return OSSL_PARAM_construct_octet_string(name, const_cast<std::uint8_t*>(s.data()), s.size());
  };
  const std::uint8_t empty = 0;
  const ByteSpan salt_or_empty = salt.empty() ? ByteSpan(&empty, 0) : salt;
  const ByteSpan info_or_empty = info.empty() ? ByteSpan(&empty, 0) : info;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      octets(OSSL_KDF_PARAM_KEY, ikm),
      octets(OSSL_KDF_PARAM_SALT, salt_or_empty),
      octets(OSSL_KDF_PARAM_INFO, info_or_empty),
      OSSL_PARAM_construct_end(),
  };
  const int rc = EVP_KDF_derive(kctx, out.data(), out.size(), params);
  EVP_KDF_CTX_free(kctx);
  if (rc != 1) return openssl_error("HKDF derive");
  return ok();
}

}  // namespace detail

namespace {

// Small requests (nonces, keys) are served from a per-thread, memory-locked buffer refilled by
// one RAND_bytes call per kPoolSize bytes: RAND_bytes costs about 1.5 us per call here, more
// than sealing a 4 KiB blob. Served bytes are wiped from the buffer at once. A fork bumps a
// generation counter, so a child never re-serves its parent's buffered bytes.
constexpr std::size_t kPoolSize = 1024;
constexpr std::size_t kPooledMax = 64;
std::atomic<std::uint64_t> fork_generation{0};

struct Pool {
  Secret<kPoolSize> bytes;
  std::size_t used = kPoolSize;
  std::uint64_t generation = 0;

  Pool() {
    static const int registered =
        ::pthread_atfork(nullptr, nullptr, [] { fork_generation.fetch_add(1); });
    EV_ASSERT(registered == 0, "pthread_atfork failed");
  }
};

Result<void> rand_bytes(std::span<std::uint8_t> out) {
  if (!detail::fits_int(out.size())) return make_error(Errc::InvalidArgument, "random: too many");
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return detail::openssl_error("RAND_bytes");
  }
  return ok();
}

}  // namespace

Result<void> SystemRng::random(std::span<std::uint8_t> out) {
  if (out.empty()) return ok();
  if (out.size() > kPooledMax) return rand_bytes(out);
  thread_local Pool pool;
  const std::uint64_t gen = fork_generation.load(std::memory_order_relaxed);
  if (pool.generation != gen || kPoolSize - pool.used < out.size()) {
    EV_TRY(rand_bytes(pool.bytes.mut()));
    pool.used = 0;
    pool.generation = gen;
  }
  std::uint8_t* src = pool.bytes.data() + pool.used;
  std::memcpy(out.data(), src, out.size());
  ev::detail::secure_wipe(src, out.size());
  pool.used += out.size();
  return ok();
}

}  // namespace ev::enclave
