// Runtime version, API ids (blake2b with an 8-byte digest, RFC 7693) and System/Sudo keys.
#include <array>
#include <cstring>
#include <string>

#include "ev/chain/hash.hpp"
#include "ev/chain/storage_key.hpp"
#include "ev/devnode/runtime.hpp"

namespace ev::devnode {

namespace {

constexpr std::array<std::uint64_t, 8> kIv = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
constexpr std::uint8_t kSigma[12][16] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                                         {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
                                         {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
                                         {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
                                         {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
                                         {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
                                         {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
                                         {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
                                         {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
                                         {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
                                         {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                                         {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

std::uint64_t rotr(std::uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

void compress(std::array<std::uint64_t, 8>& h, const std::uint8_t* block, std::uint64_t counter,
              bool last) {
  std::uint64_t m[16];
  for (int i = 0; i < 16; ++i) {
    std::uint64_t w = 0;
    for (int j = 7; j >= 0; --j) w = (w << 8) | block[i * 8 + j];
    m[i] = w;
  }
  std::uint64_t v[16];
  for (int i = 0; i < 8; ++i) {
    v[i] = h[static_cast<std::size_t>(i)];
    v[i + 8] = kIv[static_cast<std::size_t>(i)];
  }
  v[12] ^= counter;
  if (last) v[14] = ~v[14];
  const auto g = [&v](int a, int b, int c, int d, std::uint64_t x, std::uint64_t y) {
    v[a] = v[a] + v[b] + x;
    v[d] = rotr(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y;
    v[d] = rotr(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = rotr(v[b] ^ v[c], 63);
  };
  for (const auto& s : kSigma) {
    g(0, 4, 8, 12, m[s[0]], m[s[1]]);
    g(1, 5, 9, 13, m[s[2]], m[s[3]]);
    g(2, 6, 10, 14, m[s[4]], m[s[5]]);
    g(3, 7, 11, 15, m[s[6]], m[s[7]]);
    g(0, 5, 10, 15, m[s[8]], m[s[9]]);
    g(1, 6, 11, 12, m[s[10]], m[s[11]]);
    g(2, 7, 8, 13, m[s[12]], m[s[13]]);
    g(3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (int i = 0; i < 8; ++i) h[static_cast<std::size_t>(i)] ^= v[i] ^ v[i + 8];
}

}  // namespace

ByteArray<8> blake2_64(ByteSpan data) {
  std::array<std::uint64_t, 8> h = kIv;
  h[0] ^= 0x01010000ULL ^ 8ULL;  // digest length 8, no key, fanout 1, depth 1
  std::uint8_t block[128];
  std::size_t off = 0;
  std::uint64_t counter = 0;
  // Every full block except the last one (an empty input still compresses one block).
  while (data.size() - off > 128) {
    std::memcpy(block, data.data() + off, 128);
    off += 128;
    counter += 128;
    compress(h, block, counter, false);
  }
  std::memset(block, 0, sizeof block);
  const std::size_t rest = data.size() - off;
  if (rest > 0) std::memcpy(block, data.data() + off, rest);
  counter += rest;
  compress(h, block, counter, true);
  ByteArray<8> out{};
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(h[0] >> (8 * i));
  return out;
}

Bytes RuntimeVersion::encode() const {
  scale::Encoder e;
  e.string(spec_name).string(impl_name).u32(authoring_version).u32(spec_version).u32(impl_version);
  e.compact(apis.size());
  for (const auto& [id, ver] : apis) e.raw(id).u32(ver);
  e.u32(transaction_version).u8(state_version);
  return e.take();
}

nlohmann::json RuntimeVersion::to_json() const {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& [id, ver] : apis) a.push_back(nlohmann::json::array({to_hex(id), ver}));
  return {{"specName", spec_name},
          {"implName", impl_name},
          {"authoringVersion", authoring_version},
          {"specVersion", spec_version},
          {"implVersion", impl_version},
          {"apis", a},
          {"transactionVersion", transaction_version},
          {"systemVersion", state_version},
          {"stateVersion", state_version}};
}

namespace keys {
namespace {
Bytes plain_key(std::string_view pallet, std::string_view item) {
  return chain::storage_key(pallet, item, {});
}
}  // namespace
Bytes system_account(const ByteArray<32>& who) {
  const std::pair<chain::Hasher, Bytes> k{chain::Hasher::Blake2_128Concat,
                                          Bytes(who.begin(), who.end())};
  return chain::storage_key("System", "Account", std::span(&k, 1));
}
Bytes system_number() { return plain_key("System", "Number"); }
Bytes system_parent_hash() { return plain_key("System", "ParentHash"); }
Bytes system_block_hash(std::uint32_t n) {
  const std::pair<chain::Hasher, Bytes> k{chain::Hasher::Twox64Concat, scale::encode(n)};
  return chain::storage_key("System", "BlockHash", std::span(&k, 1));
}
Bytes system_events() { return plain_key("System", "Events"); }
Bytes system_event_count() { return plain_key("System", "EventCount"); }
Bytes system_extrinsic_count() { return plain_key("System", "ExtrinsicCount"); }
Bytes sudo_key() { return plain_key("Sudo", "Key"); }
Bytes timestamp_now() { return plain_key("Timestamp", "Now"); }
}  // namespace keys

}  // namespace ev::devnode
