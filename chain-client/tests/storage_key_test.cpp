// FRAME storage keys: hashers, key construction, decoding of reversible parts.
#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/storage_key.hpp"
#include "require_error.hpp"

namespace {

using ev::test::require_error;

using ev::Bytes;
using ev::ByteSpan;
using ev::chain::DecodedKeyPart;
using ev::chain::Hasher;
using ev::chain::KeyPartSpec;
using ev::chain::StorageKeyErrc;

const Hasher kAll[] = {Hasher::Blake2_128, Hasher::Blake2_256, Hasher::Blake2_128Concat,
                       Hasher::Twox128,    Hasher::Twox256,    Hasher::Twox64Concat,
                       Hasher::Identity};

Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) ev::append(out, p);
  return out;
}

Bytes u32_le(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

// A double map (Blake2_128Concat account, Twox64Concat u32) entry used by several tests.
struct DoubleMap {
  Bytes account = Bytes(32, 0xab);
  Bytes epoch = u32_le(9);
  std::vector<std::pair<Hasher, Bytes>> keys = {{Hasher::Blake2_128Concat, account},
                                                {Hasher::Twox64Concat, epoch}};
  std::vector<KeyPartSpec> specs = {{Hasher::Blake2_128Concat, 32}, {Hasher::Twox64Concat, 4}};
  Bytes key = ev::chain::storage_key("VaultPointers", "EpochDeks", keys);
};

}  // namespace

// ---------------------------------------------------------------- hashers

TEST_CASE("hasher: parses every FRAME spelling back to its hasher", "[storage_key]") {
  for (Hasher h : kAll) {
    auto parsed = ev::chain::parse_hasher(ev::chain::name(h));
    REQUIRE(parsed.ok());
    CHECK(*parsed == h);
  }
}

TEST_CASE("hasher: parsing ignores ASCII case", "[storage_key]") {
  CHECK(ev::chain::parse_hasher("blake2_128concat").value() == Hasher::Blake2_128Concat);
  CHECK(ev::chain::parse_hasher("TWOX64CONCAT").value() == Hasher::Twox64Concat);
  CHECK(ev::chain::parse_hasher("twox128").value() == Hasher::Twox128);
  CHECK(ev::chain::parse_hasher("iDeNtItY").value() == Hasher::Identity);
  CHECK(ev::chain::parse_hasher("BLAKE2_256").value() == Hasher::Blake2_256);
}

TEST_CASE("hasher: rejects names that are not FRAME hashers", "[storage_key]") {
  for (std::string_view bad : {"", "Blake2_128_Concat", "Blake2128Concat", "Twox64Concat ",
                               " Identity", "Identity2", "sha256", "Twox32"}) {
    INFO("'" << bad << "'");
    auto r = ev::chain::parse_hasher(bad);
    require_error(r, StorageKeyErrc::UnknownHasher);
    CHECK(r.error().message.find("Twox64Concat") != std::string::npos);
  }
}

TEST_CASE("hasher: names are the FRAME spellings and distinct", "[storage_key]") {
  CHECK(ev::chain::name(Hasher::Blake2_128Concat) == "Blake2_128Concat");
  CHECK(ev::chain::name(Hasher::Twox64Concat) == "Twox64Concat");
  CHECK(ev::chain::name(Hasher::Identity) == "Identity");
  for (Hasher a : kAll) {
    for (Hasher b : kAll) {
      if (a != b) CHECK(ev::chain::name(a) != ev::chain::name(b));
    }
  }
}

TEST_CASE("hasher: only the Concat hashers and Identity are reversible", "[storage_key]") {
  CHECK(ev::chain::is_reversible(Hasher::Blake2_128Concat));
  CHECK(ev::chain::is_reversible(Hasher::Twox64Concat));
  CHECK(ev::chain::is_reversible(Hasher::Identity));
  CHECK_FALSE(ev::chain::is_reversible(Hasher::Blake2_128));
  CHECK_FALSE(ev::chain::is_reversible(Hasher::Blake2_256));
  CHECK_FALSE(ev::chain::is_reversible(Hasher::Twox128));
  CHECK_FALSE(ev::chain::is_reversible(Hasher::Twox256));
}

TEST_CASE("hasher: each hasher applies its hash, then the key if it concatenates",
          "[storage_key]") {
  using namespace ev::chain;
  const Bytes k = {0x01, 0x02, 0x03, 0x04, 0x05};
  CHECK(apply_hasher(Hasher::Blake2_128, k) == cat({blake2_128(k)}));
  CHECK(apply_hasher(Hasher::Blake2_256, k) == cat({blake2_256(k)}));
  CHECK(apply_hasher(Hasher::Blake2_128Concat, k) == cat({blake2_128(k), k}));
  CHECK(apply_hasher(Hasher::Twox128, k) == cat({twox128(k)}));
  CHECK(apply_hasher(Hasher::Twox256, k) == cat({twox256(k)}));
  CHECK(apply_hasher(Hasher::Twox64Concat, k) == cat({twox64(k), k}));
  CHECK(apply_hasher(Hasher::Identity, k) == k);
}

TEST_CASE("hasher: hash_length is the length of the hash part of its output", "[storage_key]") {
  const Bytes k = {0xaa, 0xbb, 0xcc};
  for (Hasher h : kAll) {
    std::size_t key_part = ev::chain::is_reversible(h) ? k.size() : 0;
    CHECK(ev::chain::apply_hasher(h, k).size() == ev::chain::hash_length(h) + key_part);
  }
  CHECK(ev::chain::hash_length(Hasher::Identity) == 0);
  CHECK(ev::chain::hash_length(Hasher::Twox64Concat) == 8);
}

TEST_CASE("hasher: an empty key hashes to the hash of nothing", "[storage_key]") {
  CHECK(ev::chain::apply_hasher(Hasher::Identity, {}).empty());
  CHECK(ev::chain::apply_hasher(Hasher::Twox64Concat, {}) == cat({ev::chain::twox64({})}));
}

// ---------------------------------------------------------------- building keys

TEST_CASE("storage key: the prefix is twox128(pallet) ++ twox128(item)", "[storage_key]") {
  auto p = ev::chain::storage_prefix("System", "Events");
  CHECK(p.size() == 32);
  CHECK(ev::to_hex(p) == "0x26aa394eea5630e07c48ae0c9558cef780d41e5e16056765bc8461851072c9d7");
  CHECK(p == cat({ev::chain::twox128(ev::as_bytes("System")),
                  ev::chain::twox128(ev::as_bytes("Events"))}));
}

TEST_CASE("storage key: a plain value's key is the prefix", "[storage_key]") {
  CHECK(ev::chain::storage_key("Timestamp", "Now", {}) ==
        ev::chain::storage_prefix("Timestamp", "Now"));
}

TEST_CASE("storage key: map keys follow the prefix in order", "[storage_key]") {
  DoubleMap m;
  CHECK(m.key == cat({ev::chain::storage_prefix("VaultPointers", "EpochDeks"),
                      ev::chain::apply_hasher(Hasher::Blake2_128Concat, m.account),
                      ev::chain::apply_hasher(Hasher::Twox64Concat, m.epoch)}));
  CHECK(m.key.size() == 32 + 16 + 32 + 8 + 4);
}

// ---------------------------------------------------------------- decoding keys

TEST_CASE("storage key: decoding returns the original key of each reversible part",
          "[storage_key]") {
  DoubleMap m;
  auto parts = ev::chain::decode_storage_key(m.key, "VaultPointers", "EpochDeks", m.specs);
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 2);
  CHECK((*parts)[0].hasher == Hasher::Blake2_128Concat);
  CHECK((*parts)[0].hash == cat({ev::chain::blake2_128(m.account)}));
  CHECK((*parts)[0].key == m.account);
  CHECK((*parts)[1].hasher == Hasher::Twox64Concat);
  CHECK((*parts)[1].key == m.epoch);
}

TEST_CASE("storage key: decoding an Identity part returns its bytes", "[storage_key]") {
  const std::pair<Hasher, Bytes> keys[] = {{Hasher::Identity, u32_le(7)}};
  Bytes key = ev::chain::storage_key("Demo", "Map", keys);
  const KeyPartSpec specs[] = {{Hasher::Identity, 4}};
  auto parts = ev::chain::decode_storage_key(key, "Demo", "Map", specs).value();
  REQUIRE(parts.size() == 1);
  CHECK(parts[0].hash.empty());
  CHECK(parts[0].key == u32_le(7));
}

TEST_CASE("storage key: a hash-only part yields its hash and no key", "[storage_key]") {
  const std::pair<Hasher, Bytes> keys[] = {{Hasher::Blake2_256, u32_le(1)},
                                           {Hasher::Twox64Concat, u32_le(2)}};
  Bytes key = ev::chain::storage_key("Demo", "Double", keys);
  // The length given for a hash-only part is ignored.
  const KeyPartSpec specs[] = {{Hasher::Blake2_256, 999}, {Hasher::Twox64Concat, 4}};
  auto parts = ev::chain::decode_key_parts(key, specs).value();
  REQUIRE(parts.size() == 2);
  CHECK(parts[0].hash == cat({ev::chain::blake2_256(u32_le(1))}));
  CHECK_FALSE(parts[0].key.has_value());
  CHECK(parts[1].key == u32_le(2));
}

TEST_CASE("storage key: decoding with no parts accepts exactly the prefix", "[storage_key]") {
  Bytes prefix = ev::chain::storage_prefix("System", "Number");
  CHECK(ev::chain::decode_storage_key(prefix, "System", "Number", {}).value().empty());
  Bytes longer = prefix;
  longer.push_back(0);
  require_error(ev::chain::decode_storage_key(longer, "System", "Number", {}),
                StorageKeyErrc::TrailingBytes);
}

TEST_CASE("storage key: decoding rejects another pallet's or item's key", "[storage_key]") {
  DoubleMap m;
  auto r = ev::chain::decode_storage_key(m.key, "VaultPointers", "LiveBlobs", m.specs);
  require_error(r, StorageKeyErrc::PrefixMismatch);
  CHECK(r.error().message.find("LiveBlobs") != std::string::npos);
  require_error(ev::chain::decode_storage_key(m.key, "System", "EpochDeks", m.specs),
                StorageKeyErrc::PrefixMismatch);
  require_error(ev::chain::decode_storage_key(ByteSpan(m.key).first(31), "VaultPointers",
                                              "EpochDeks", m.specs),
                StorageKeyErrc::PrefixMismatch);
}

TEST_CASE("storage key: decoding rejects a key shorter than the prefix", "[storage_key]") {
  require_error(ev::chain::decode_key_parts(Bytes(31, 0), {}), StorageKeyErrc::ShortKey);
  require_error(ev::chain::decode_key_parts({}, {}), StorageKeyErrc::ShortKey);
}

TEST_CASE("storage key: decoding rejects a key that ends inside a hash", "[storage_key]") {
  DoubleMap m;
  // Cut inside the Twox64Concat hash of the second part (offset 80 starts it).
  auto r = ev::chain::decode_key_parts(ByteSpan(m.key).first(84), m.specs);
  require_error(r, StorageKeyErrc::ShortKey);
  CHECK(r.error().message.find("part 1 (Twox64Concat) hash") != std::string::npos);
  CHECK(r.error().message.find("offset 80") != std::string::npos);
}

TEST_CASE("storage key: decoding rejects a key that ends inside the key bytes", "[storage_key]") {
  DoubleMap m;
  auto r = ev::chain::decode_key_parts(ByteSpan(m.key).first(m.key.size() - 1), m.specs);
  require_error(r, StorageKeyErrc::ShortKey);
  CHECK(r.error().message.find("key bytes") != std::string::npos);
}

TEST_CASE("storage key: a huge key length is a short key, not an overflow", "[storage_key]") {
  DoubleMap m;
  const KeyPartSpec specs[] = {{Hasher::Blake2_128Concat, std::numeric_limits<std::size_t>::max()}};
  require_error(ev::chain::decode_key_parts(m.key, specs), StorageKeyErrc::ShortKey);
  const KeyPartSpec ident[] = {{Hasher::Identity, std::numeric_limits<std::size_t>::max() - 10}};
  require_error(ev::chain::decode_key_parts(m.key, ident), StorageKeyErrc::ShortKey);
}

TEST_CASE("storage key: decoding rejects a Concat hash that does not match its key",
          "[storage_key]") {
  DoubleMap m;
  Bytes bad_hash = m.key;
  bad_hash[32] ^= 0x01;  // first byte of the blake2_128 hash
  auto r = ev::chain::decode_key_parts(bad_hash, m.specs);
  require_error(r, StorageKeyErrc::HashMismatch);
  CHECK(r.error().message.find("part 0 (Blake2_128Concat)") != std::string::npos);
  Bytes bad_key = m.key;
  bad_key.back() ^= 0x01;  // last byte of the u32 behind the Twox64Concat hash
  require_error(ev::chain::decode_key_parts(bad_key, m.specs), StorageKeyErrc::HashMismatch);
}

TEST_CASE("storage key: decoding rejects a wrong key length", "[storage_key]") {
  DoubleMap m;
  // Too short a length for the account: the hash no longer matches.
  std::vector<KeyPartSpec> specs = m.specs;
  specs[0].key_length = 31;
  require_error(ev::chain::decode_key_parts(m.key, specs), StorageKeyErrc::HashMismatch);
  // Too short for the last part: the hash is checked over the bytes given, and fails.
  specs = m.specs;
  specs[1].key_length = 3;
  require_error(ev::chain::decode_key_parts(m.key, specs), StorageKeyErrc::HashMismatch);
  // Fewer parts than the key holds.
  specs = m.specs;
  specs.pop_back();
  auto r = ev::chain::decode_key_parts(m.key, specs);
  require_error(r, StorageKeyErrc::TrailingBytes);
  CHECK(r.error().message.find("12 bytes") != std::string::npos);
}

// ---------------------------------------------------------------- properties

TEST_CASE("property: random map keys round-trip through build and decode",
          "[storage_key][property]") {
  std::mt19937_64 rng(0x53544f52ULL);
  for (int i = 0; i < 2000; ++i) {
    std::size_t n = 1 + rng() % 4;
    std::vector<std::pair<Hasher, Bytes>> keys;
    std::vector<KeyPartSpec> specs;
    for (std::size_t j = 0; j < n; ++j) {
      Hasher h = kAll[rng() % std::size(kAll)];
      Bytes k(rng() % 41);
      for (auto& b : k) b = static_cast<std::uint8_t>(rng());
      keys.emplace_back(h, k);
      specs.push_back({h, k.size()});
    }
    Bytes key = ev::chain::storage_key("Pallet", "Item", keys);
    auto parts = ev::chain::decode_storage_key(key, "Pallet", "Item", specs);
    if (!parts.ok()) FAIL(parts.error().to_string());
    REQUIRE(parts->size() == n);
    for (std::size_t j = 0; j < n; ++j) {
      const auto& [h, k] = keys[j];
      Bytes hashed = ev::chain::apply_hasher(h, k);
      CHECK((*parts)[j].hash ==
            Bytes(hashed.begin(),
                  hashed.begin() + static_cast<std::ptrdiff_t>(ev::chain::hash_length(h))));
      if (ev::chain::is_reversible(h) != (*parts)[j].key.has_value()) FAIL("key presence");
      if (ev::chain::is_reversible(h) && *(*parts)[j].key != k) FAIL("key bytes differ");
    }
    // Every proper truncation is rejected.
    for (std::size_t cut = 0; cut < key.size(); ++cut) {
      if (ev::chain::decode_storage_key(ByteSpan(key).first(cut), "Pallet", "Item", specs).ok()) {
        FAIL("accepted a key truncated to " << cut << " bytes");
      }
    }
  }
}
