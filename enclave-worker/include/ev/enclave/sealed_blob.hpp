// The sealed-blob container written by SimulatedPlatform::seal (docs/formats/sealed-seed.md).
// Exposed so that the strict parser can be tested and fuzzed on its own.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/enclave/platform.hpp"

namespace ev::enclave {

inline constexpr std::size_t kSealSaltSize = 16;
inline constexpr std::size_t kSealNonceSize = 12;
inline constexpr std::size_t kSealTagSize = 16;
inline constexpr std::size_t kSealHeaderSize =
    4 + 1 + 1 + kMeasurementSize + 4 + kSealSaltSize + kSealNonceSize;  // 86
// Largest plaintext a sealed blob may carry (sealed data are keys, not bulk data).
inline constexpr std::size_t kMaxSealedPlaintext = std::size_t{64} * 1024;

// A parsed sealed blob; spans point into the parsed input.
struct SealedBlobView {
  SealKind kind = SealKind::kMeasurement;
  // kMeasurement: the measurement. kSigner: the signer in the first 32 bytes, zeros after.
  ByteArray<kMeasurementSize> binding{};
  std::uint32_t version_floor = 0;
  ByteArray<kSealSaltSize> salt{};
  ByteArray<kSealNonceSize> nonce{};
  ByteSpan header;      // the first kSealHeaderSize bytes (authenticated as AAD)
  ByteSpan ciphertext;  // without the tag
  ByteArray<kSealTagSize> tag{};

  // The signer of a kSigner blob.
  [[nodiscard]] SignerId signer() const;
};

// Strict parse: magic, version 1, known kind, zero padding after a signer, zero floor for
// kMeasurement, ciphertext length <= kMaxSealedPlaintext. Never reads past `blob`.
// Errors: Malformed (offset and field), Unsupported (format version).
[[nodiscard]] Result<SealedBlobView> parse_sealed_blob(ByteSpan blob);

}  // namespace ev::enclave
