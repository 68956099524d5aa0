// The blob envelope: how one credential is stored in the object store. Format and AAD:
// docs/formats/envelope.md.
//
//   header     = magic "EVEN" ‖ format 0x01 ‖ algorithm 0x01 (AES-256-GCM) ‖ epoch u32 LE ‖
//                DEK id (8) ‖ nonce (12)                                         (30 bytes)
//   object     = header ‖ ciphertext ‖ tag (16)
//   GCM AAD    = header ‖ SCALE(wallet [u8; 32], service Vec<u8>, epoch u32, blob_id [u8; 16])
//
// Nonces are random (96 bits); one DEK encrypts at most kMaxMessagesPerDek messages
// (docs/enclave.md, "Nonce bound"). ciphertext_hash (on chain) = SHA-256 of the whole object.
//
// Plaintext only ever lives in SecretBytes (or the internal locked scratch of reencrypt).
// Thread safety: every free function may be called concurrently; a DekCipher is not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/enclave/dek.hpp"
#include "ev/enclave/platform.hpp"
#include "ev/enclave/secret_bytes.hpp"

namespace ev::enclave {

inline constexpr std::size_t kEnvelopeHeaderSize = 30;
inline constexpr std::size_t kEnvelopeNonceSize = 12;
inline constexpr std::size_t kEnvelopeTagSize = 16;
inline constexpr std::size_t kEnvelopeOverhead = kEnvelopeHeaderSize + kEnvelopeTagSize;  // 46
// Largest credential accepted (plaintext bytes).
inline constexpr std::size_t kMaxCredentialSize = std::size_t{1024} * 1024;
// Bound on messages per DEK with random 96-bit nonces (collision probability <= 2^-33).
inline constexpr std::uint64_t kMaxMessagesPerDek = std::uint64_t{1} << 32;
inline constexpr std::size_t kMaxServiceSize = 64;

using BlobId = ByteArray<16>;  // UUIDv7 bytes

// Where a blob belongs; bound into the AEAD so that no blob can be moved elsewhere.
struct BlobContext {
  Wallet wallet{};
  std::string service;  // ServiceName: 1..64 bytes of [a-z0-9._-]
  std::uint32_t epoch = 0;
  BlobId blob_id{};
};

// SCALE(wallet [u8; 32], service Vec<u8>, epoch u32, blob_id [u8; 16]).
// Errors: InvalidArgument (service name).
[[nodiscard]] Result<Bytes> blob_aad(const BlobContext& ctx);

// A parsed stored object; spans point into the parsed input.
struct EnvelopeView {
  std::uint32_t epoch = 0;
  DekId dek_id{};
  ByteArray<kEnvelopeNonceSize> nonce{};
  ByteSpan header;      // the first kEnvelopeHeaderSize bytes
  ByteSpan ciphertext;  // without the tag
  ByteArray<kEnvelopeTagSize> tag{};
};

// Strict parse of a stored object: magic, format 1, algorithm 1, size >= header + tag,
// ciphertext <= kMaxCredentialSize. Never reads past `object`.
// Errors: Malformed (offset and field), Unsupported (format or algorithm).
[[nodiscard]] Result<EnvelopeView> parse_envelope(ByteSpan object);

namespace detail {
class GcmKey;
}

// AES-256-GCM keyed with one DEK for the length of one request or one sweep batch: the key
// schedule is computed once per direction and re-used for every blob (each blob still gets its
// own random nonce). Holds a locked copy of the DEK and OpenSSL contexts with its key schedule;
// destroying the DekCipher wipes both. Not thread-safe: one per thread.
class DekCipher {
 public:
  explicit DekCipher(const Dek& dek);
  ~DekCipher();
  DekCipher(DekCipher&&) noexcept;
  DekCipher& operator=(DekCipher&&) noexcept;

  [[nodiscard]] const DekId& id() const { return id_; }
  // As seal_blob / open_blob below.
  [[nodiscard]] Result<Bytes> seal(const BlobContext& ctx, ByteSpan plaintext, Rng& rng);
  [[nodiscard]] Result<SecretBytes> open(const BlobContext& ctx, ByteSpan object);

 private:
  friend Result<Bytes> reencrypt(DekCipher& from, const BlobContext& old_ctx, DekCipher& to,
                                 const BlobContext& new_ctx, ByteSpan object, Rng& rng);
  std::unique_ptr<detail::GcmKey> key_;
  DekId id_{};
};

// Encrypts `plaintext` for `ctx` under `dek` (whose epoch must be ctx.epoch) with a random nonce.
// Errors: InvalidArgument (service, size), Crypto.
[[nodiscard]] Result<Bytes> seal_blob(const Dek& dek, const BlobContext& ctx, ByteSpan plaintext,
                                      Rng& rng);

// Decrypts a stored object. Checks, in order: parse, epoch == ctx.epoch, DEK id == dek.id, tag
// over header and AAD. On any failure no plaintext is returned (and none is left in memory).
// Errors: Malformed, Unsupported, ContextMismatch, AuthFailed, InvalidArgument (service).
[[nodiscard]] Result<SecretBytes> open_blob(const Dek& dek, const BlobContext& ctx,
                                            ByteSpan object);

// Decrypts `object` (under old_dek, for old_ctx) and encrypts the plaintext again (under
// new_dek, for new_ctx) with a fresh nonce. The plaintext passes only through a thread-local,
// memory-locked scratch buffer that is wiped before returning; the new object is released only
// when the old tag verified. Errors: as open_blob and seal_blob.
[[nodiscard]] Result<Bytes> reencrypt(const Dek& old_dek, const BlobContext& old_ctx,
                                      const Dek& new_dek, const BlobContext& new_ctx,
                                      ByteSpan object, Rng& rng);

// reencrypt with prepared ciphers (a sweep batch: one `from` and one `to` for many blobs).
[[nodiscard]] Result<Bytes> reencrypt(DekCipher& from, const BlobContext& old_ctx, DekCipher& to,
                                      const BlobContext& new_ctx, ByteSpan object, Rng& rng);

// SHA-256 of the whole stored object (the on-chain ciphertext_hash).
[[nodiscard]] ByteArray<32> ciphertext_hash(ByteSpan object);

}  // namespace ev::enclave
