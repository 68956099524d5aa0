// AES-256-GCM and HKDF-SHA256 over OpenSSL EVP, shared by sealing, DEK wrapping and the
// envelope. Internal to ev_enclave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"

namespace ev::enclave::detail {

inline constexpr std::size_t kGcmKeySize = 32;
inline constexpr std::size_t kGcmNonceSize = 12;
inline constexpr std::size_t kGcmTagSize = 16;

// Encrypts `in` into `out` (same length; may alias exactly) and writes the tag.
// REQUIRES: key 32 bytes, nonce 12 bytes, tag 16 bytes, out.size() == in.size().
[[nodiscard]] Result<void> gcm_encrypt(ByteSpan key, ByteSpan nonce,
                                       std::initializer_list<ByteSpan> aad, ByteSpan in,
                                       std::span<std::uint8_t> out, std::span<std::uint8_t> tag);

// Decrypts `in` into `out` and checks the tag. On AuthFailed, `out` has been wiped.
[[nodiscard]] Result<void> gcm_decrypt(ByteSpan key, ByteSpan nonce,
                                       std::initializer_list<ByteSpan> aad, ByteSpan in,
                                       ByteSpan tag, std::span<std::uint8_t> out);

// AES-256-GCM under one key, keyed lazily per direction and re-used: each message after the
// first only sets its nonce (no key schedule). The key copy and the OpenSSL contexts (which hold
// the key schedule) are wiped when the object is destroyed. Not thread-safe.
class GcmKey {
 public:
  explicit GcmKey(ByteSpan key);
  ~GcmKey();
  GcmKey(const GcmKey&) = delete;
  GcmKey& operator=(const GcmKey&) = delete;

  [[nodiscard]] Result<void> encrypt(ByteSpan nonce, std::initializer_list<ByteSpan> aad,
                                     ByteSpan in, std::span<std::uint8_t> out,
                                     std::span<std::uint8_t> tag);
  [[nodiscard]] Result<void> decrypt(ByteSpan nonce, std::initializer_list<ByteSpan> aad,
                                     ByteSpan in, ByteSpan tag, std::span<std::uint8_t> out);

 private:
  Secret<kGcmKeySize> key_;
  struct evp_cipher_ctx_st* enc_ = nullptr;
  struct evp_cipher_ctx_st* dec_ = nullptr;
};

// HKDF-SHA256 (RFC 5869, extract then expand) into `out`.
[[nodiscard]] Result<void> hkdf_sha256(ByteSpan ikm, ByteSpan salt, ByteSpan info,
                                       std::span<std::uint8_t> out);

// A Crypto error naming the failed step and OpenSSL's last error (the queue is cleared).
[[nodiscard]] Error openssl_error(std::string_view what);

// Little-endian u32 read/write.
inline void put_u32le(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline std::uint32_t get_u32le(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace ev::enclave::detail
