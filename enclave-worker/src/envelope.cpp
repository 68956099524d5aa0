// The blob envelope: docs/formats/envelope.md.
#include "ev/enclave/envelope.hpp"

#include <algorithm>
#include <cstring>

#include "crypto_internal.hpp"
#include "ev/chain/scale.hpp"
#include "ev/common/digest.hpp"
#include "ev/common/secret.hpp"
#include "ev/enclave/errors.hpp"

namespace ev::enclave {
namespace {

constexpr std::uint8_t kMagic[4] = {'E', 'V', 'E', 'N'};
constexpr std::uint8_t kFormat = 1;
constexpr std::uint8_t kAesGcm = 1;
constexpr std::size_t kOffFormat = 4;
constexpr std::size_t kOffAlgorithm = 5;
constexpr std::size_t kOffEpoch = 6;
constexpr std::size_t kOffDekId = 10;
constexpr std::size_t kOffNonce = kOffDekId + kDekIdSize;  // 18
static_assert(kOffNonce + kEnvelopeNonceSize == kEnvelopeHeaderSize);

Error malformed(std::size_t offset, std::string_view why) {
  return make_error(Errc::Malformed,
                    "envelope: at offset " + std::to_string(offset) + ": " + std::string(why));
}

bool service_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

Result<void> validate_service(std::string_view s) {
  if (s.empty() || s.size() > kMaxServiceSize) {
    return make_error(Errc::InvalidArgument,
                      "service name must be 1..64 bytes, got " + std::to_string(s.size()));
  }
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!service_char(s[i])) {
      return make_error(Errc::InvalidArgument, "service name: at offset " + std::to_string(i) +
                                                   ": character outside [a-z0-9._-]");
    }
  }
  return ok();
}

// Writes the 30-byte header for (epoch, DEK id) with a fresh nonce.
Result<void> write_header(std::uint8_t* out, std::uint32_t epoch, const DekId& id, Rng& rng) {
  std::memcpy(out, kMagic, sizeof kMagic);
  out[kOffFormat] = kFormat;
  out[kOffAlgorithm] = kAesGcm;
  detail::put_u32le(out + kOffEpoch, epoch);
  std::memcpy(out + kOffDekId, id.data(), kDekIdSize);
  return rng.random(std::span<std::uint8_t>(out + kOffNonce, kEnvelopeNonceSize));
}

// Encrypts `plaintext` into a complete object for ctx under `key` (named `id`).
Result<Bytes> encrypt_object(detail::GcmKey& key, const DekId& id, const BlobContext& ctx,
                             ByteSpan plaintext, Rng& rng) {
  if (plaintext.size() > kMaxCredentialSize) {
    return make_error(Errc::InvalidArgument,
                      "credential of " + std::to_string(plaintext.size()) + " bytes exceeds 1 MiB");
  }
  const Bytes aad = EV_TRY(blob_aad(ctx));
  Bytes out(kEnvelopeOverhead + plaintext.size());
  EV_TRY(write_header(out.data(), ctx.epoch, id, rng));
  const ByteSpan header(out.data(), kEnvelopeHeaderSize);
  EV_TRY(key.encrypt(header.subspan(kOffNonce), {header, aad}, plaintext,
                     std::span<std::uint8_t>(out.data() + kEnvelopeHeaderSize, plaintext.size()),
                     std::span<std::uint8_t>(out.data() + kEnvelopeHeaderSize + plaintext.size(),
                                             kEnvelopeTagSize)));
  return out;
}

// Parses `object` and decrypts it into `out`; returns the plaintext size. On failure nothing
// decrypted is left in `out`.
Result<std::size_t> decrypt_object(detail::GcmKey& key, const DekId& id, const BlobContext& ctx,
                                   ByteSpan object, std::span<std::uint8_t> out) {
  const EnvelopeView v = EV_TRY(parse_envelope(object));
  if (v.epoch != ctx.epoch) {
    return make_error(Errc::ContextMismatch, "envelope epoch " + std::to_string(v.epoch) +
                                                 " differs from the expected epoch " +
                                                 std::to_string(ctx.epoch));
  }
  if (v.dek_id != id) {
    return make_error(Errc::ContextMismatch, "envelope DEK id " + to_hex(v.dek_id, false) +
                                                 " differs from the DEK's id " + to_hex(id, false));
  }
  const Bytes aad = EV_TRY(blob_aad(ctx));
  if (out.size() < v.ciphertext.size()) {
    return make_error(Errc::InvalidArgument, "output buffer too small");
  }
  EV_TRY_CTX("opening blob", key.decrypt(v.nonce, {v.header, aad}, v.ciphertext, v.tag,
                                         out.first(v.ciphertext.size())));
  return v.ciphertext.size();
}

// Upper bound of the plaintext size of `object`.
std::size_t plaintext_bound(ByteSpan object) {
  const std::size_t n = object.size() > kEnvelopeOverhead ? object.size() - kEnvelopeOverhead : 0;
  return std::min(n, kMaxCredentialSize);
}

// A memory-locked scratch buffer per thread, for reencrypt's plaintext; wiped after each use.
SecretBytes& scratch(std::size_t n) {
  thread_local SecretBytes buf;
  if (buf.size() < n) buf = SecretBytes(std::max<std::size_t>(n, std::size_t{64} * 1024));
  return buf;
}

}  // namespace

Result<Bytes> blob_aad(const BlobContext& ctx) {
  EV_TRY(validate_service(ctx.service));
  scale::Encoder e;
  e.raw(ctx.wallet).bytes(as_bytes(ctx.service)).u32(ctx.epoch).raw(ctx.blob_id);
  return e.take();
}

Result<EnvelopeView> parse_envelope(ByteSpan object) {
  if (object.size() < sizeof kMagic) return malformed(object.size(), "truncated magic");
  if (std::memcmp(object.data(), kMagic, sizeof kMagic) != 0) return malformed(0, "bad magic");
  if (object.size() < kEnvelopeOverhead) {
    return malformed(object.size(), "truncated: " + std::to_string(object.size()) +
                                        " bytes, at least " + std::to_string(kEnvelopeOverhead) +
                                        " needed");
  }
  if (object[kOffFormat] != kFormat) {
    return make_error(Errc::Unsupported, "envelope: at offset 4: format version " +
                                             std::to_string(object[kOffFormat]));
  }
  if (object[kOffAlgorithm] != kAesGcm) {
    return make_error(Errc::Unsupported,
                      "envelope: at offset 5: algorithm " + std::to_string(object[kOffAlgorithm]));
  }
  const std::size_t ct_size = object.size() - kEnvelopeOverhead;
  if (ct_size > kMaxCredentialSize) {
    return malformed(kEnvelopeHeaderSize,
                     "ciphertext of " + std::to_string(ct_size) + " bytes exceeds 1 MiB");
  }
  EnvelopeView v;
  v.epoch = detail::get_u32le(object.data() + kOffEpoch);
  std::copy_n(object.begin() + kOffDekId, kDekIdSize, v.dek_id.begin());
  std::copy_n(object.begin() + kOffNonce, kEnvelopeNonceSize, v.nonce.begin());
  v.header = object.first(kEnvelopeHeaderSize);
  v.ciphertext = object.subspan(kEnvelopeHeaderSize, ct_size);
  std::copy_n(object.end() - kEnvelopeTagSize, kEnvelopeTagSize, v.tag.begin());
  return v;
}

DekCipher::DekCipher(const Dek& dek)
    : key_(std::make_unique<detail::GcmKey>(dek.key.view())), id_(dek.id) {}
DekCipher::~DekCipher() = default;
DekCipher::DekCipher(DekCipher&&) noexcept = default;
DekCipher& DekCipher::operator=(DekCipher&&) noexcept = default;

Result<Bytes> DekCipher::seal(const BlobContext& ctx, ByteSpan plaintext, Rng& rng) {
  return encrypt_object(*key_, id_, ctx, plaintext, rng);
}

Result<SecretBytes> DekCipher::open(const BlobContext& ctx, ByteSpan object) {
  SecretBytes out(plaintext_bound(object));
  const std::size_t n = EV_TRY(decrypt_object(*key_, id_, ctx, object, out.mut()));
  out.truncate(n);
  return out;
}

Result<Bytes> seal_blob(const Dek& dek, const BlobContext& ctx, ByteSpan plaintext, Rng& rng) {
  DekCipher c(dek);
  return c.seal(ctx, plaintext, rng);
}

Result<SecretBytes> open_blob(const Dek& dek, const BlobContext& ctx, ByteSpan object) {
  DekCipher c(dek);
  return c.open(ctx, object);
}

Result<Bytes> reencrypt(DekCipher& from, const BlobContext& old_ctx, DekCipher& to,
                        const BlobContext& new_ctx, ByteSpan object, Rng& rng) {
  SecretBytes& buf = scratch(plaintext_bound(object));
  const std::size_t n = EV_TRY(decrypt_object(*from.key_, from.id_, old_ctx, object, buf.mut()));
  Result<Bytes> out = encrypt_object(*to.key_, to.id_, new_ctx, buf.view().first(n), rng);
  ev::detail::secure_wipe(buf.data(), n);
  return out;
}

Result<Bytes> reencrypt(const Dek& old_dek, const BlobContext& old_ctx, const Dek& new_dek,
                        const BlobContext& new_ctx, ByteSpan object, Rng& rng) {
  DekCipher from(old_dek);
  DekCipher to(new_dek);
  return reencrypt(from, old_ctx, to, new_ctx, object, rng);
}

ByteArray<32> ciphertext_hash(ByteSpan object) { return sha256(object); }

}  // namespace ev::enclave
