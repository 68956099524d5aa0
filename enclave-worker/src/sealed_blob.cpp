// Sealed-blob container: docs/formats/sealed-seed.md.
#include "ev/enclave/sealed_blob.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "crypto_internal.hpp"
#include "ev/enclave/errors.hpp"

namespace ev::enclave {
namespace {

constexpr std::uint8_t kMagic[4] = {'E', 'V', 'S', 'B'};
constexpr std::uint8_t kFormatVersion = 1;
constexpr std::size_t kOffVersion = 4;
constexpr std::size_t kOffKind = 5;
constexpr std::size_t kOffBinding = 6;
constexpr std::size_t kOffFloor = kOffBinding + kMeasurementSize;  // 54
constexpr std::size_t kOffSalt = kOffFloor + 4;                    // 58
constexpr std::size_t kOffNonce = kOffSalt + kSealSaltSize;        // 74
static_assert(kOffNonce + kSealNonceSize == kSealHeaderSize);

Error malformed(std::size_t offset, std::string_view why) {
  return make_error(Errc::Malformed,
                    "sealed blob: at offset " + std::to_string(offset) + ": " + std::string(why));
}

}  // namespace

SignerId SealedBlobView::signer() const {
  SignerId s{};
  std::copy_n(binding.begin(), kSignerSize, s.begin());
  return s;
}

Result<SealedBlobView> parse_sealed_blob(ByteSpan blob) {
  if (blob.size() < kSealHeaderSize + kSealTagSize) {
    return malformed(blob.size(), "truncated: " + std::to_string(blob.size()) +
                                      " bytes, at least " +
                                      std::to_string(kSealHeaderSize + kSealTagSize) + " needed");
  }
  if (std::memcmp(blob.data(), kMagic, sizeof kMagic) != 0) return malformed(0, "bad magic");
  if (blob[kOffVersion] != kFormatVersion) {
    return make_error(Errc::Unsupported, "sealed blob: at offset 4: format version " +
                                             std::to_string(blob[kOffVersion]));
  }
  SealedBlobView v;
  const std::uint8_t kind = blob[kOffKind];
  if (kind != static_cast<std::uint8_t>(SealKind::kMeasurement) &&
      kind != static_cast<std::uint8_t>(SealKind::kSigner)) {
    return malformed(kOffKind, "unknown policy " + std::to_string(kind));
  }
  v.kind = static_cast<SealKind>(kind);
  std::copy_n(blob.begin() + kOffBinding, kMeasurementSize, v.binding.begin());
  v.version_floor = detail::get_u32le(blob.data() + kOffFloor);
  if (v.kind == SealKind::kSigner) {
    for (std::size_t i = kSignerSize; i < kMeasurementSize; ++i) {
      if (v.binding[i] != 0) return malformed(kOffBinding + i, "non-zero signer padding");
    }
  } else if (v.version_floor != 0) {
    return malformed(kOffFloor, "version floor set on a measurement-bound blob");
  }
  std::copy_n(blob.begin() + kOffSalt, kSealSaltSize, v.salt.begin());
  std::copy_n(blob.begin() + kOffNonce, kSealNonceSize, v.nonce.begin());
  const std::size_t ct_size = blob.size() - kSealHeaderSize - kSealTagSize;
  if (ct_size > kMaxSealedPlaintext) {
    return malformed(kSealHeaderSize, "sealed payload of " + std::to_string(ct_size) +
                                          " bytes exceeds " + std::to_string(kMaxSealedPlaintext));
  }
  v.header = blob.first(kSealHeaderSize);
  v.ciphertext = blob.subspan(kSealHeaderSize, ct_size);
  std::copy_n(blob.end() - kSealTagSize, kSealTagSize, v.tag.begin());
  return v;
}

}  // namespace ev::enclave
