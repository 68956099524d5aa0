#include "ev/chain/hash.hpp"

#include <sodium.h>
#include <xxhash.h>

namespace ev::chain {
namespace {

template <std::size_t N>
ByteArray<N> blake2b(ByteSpan data) {
  static_assert(N >= crypto_generichash_BYTES_MIN && N <= crypto_generichash_BYTES_MAX);
  ByteArray<N> out{};
  int rc = crypto_generichash(out.data(), N, data.data(), data.size(), nullptr, 0);
  EV_ASSERT(rc == 0, "crypto_generichash failed");
  return out;
}

template <std::size_t N>
ByteArray<N> twox(ByteSpan data) {
  static_assert(N % 8 == 0);
  ByteArray<N> out{};
  for (std::size_t i = 0; i < N / 8; ++i) {
    XXH64_hash_t h = XXH64(data.data(), data.size(), static_cast<XXH64_hash_t>(i));
    for (std::size_t b = 0; b < 8; ++b) out[i * 8 + b] = static_cast<std::uint8_t>(h >> (8 * b));
  }
  return out;
}

}  // namespace

H128 blake2_128(ByteSpan data) { return blake2b<16>(data); }
H256 blake2_256(ByteSpan data) { return blake2b<32>(data); }
H512 blake2_512(ByteSpan data) { return blake2b<64>(data); }
H64 twox64(ByteSpan data) { return twox<8>(data); }
H128 twox128(ByteSpan data) { return twox<16>(data); }
H256 twox256(ByteSpan data) { return twox<32>(data); }

}  // namespace ev::chain
