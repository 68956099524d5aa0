// Hashes used by Substrate: BLAKE2b (libsodium), xxHash64-based twox (libxxhash), SHA-256.
// twox64 = XXH64(seed 0) little-endian; twox128 = XXH64 seeds 0,1; twox256 = seeds 0..3.
#pragma once

#include "ev/common/bytes.hpp"
#include "ev/common/digest.hpp"

namespace ev::chain {

using H64 = ByteArray<8>;
using H128 = ByteArray<16>;
using H256 = ByteArray<32>;
using H512 = ByteArray<64>;

[[nodiscard]] H128 blake2_128(ByteSpan data);
[[nodiscard]] H256 blake2_256(ByteSpan data);
[[nodiscard]] H512 blake2_512(ByteSpan data);
[[nodiscard]] H64 twox64(ByteSpan data);
[[nodiscard]] H128 twox128(ByteSpan data);
[[nodiscard]] H256 twox256(ByteSpan data);
using ev::sha256;

}  // namespace ev::chain
