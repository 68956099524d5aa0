// Known answers from substrate/vectors.json (polkadot-js generated): the six Substrate hashes,
// SS58 addresses and FRAME storage keys. Every entry of the sections is checked; an entry the
// test does not know fails it, and the number checked must equal the number the file holds.
#include <simdjson.h>
#include <catch2/catch.hpp>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "ev/chain/hash.hpp"
#include "ev/chain/ss58.hpp"
#include "ev/chain/storage_key.hpp"
#include "test_support.hpp"

namespace {

using ev::Bytes;
using ev::ByteSpan;
using ev::chain::Hasher;
using simdjson::dom::element;
using simdjson::dom::object;

element vectors() {
  static simdjson::dom::parser parser;
  static element doc = parser.load(ev::test::require_vectors("substrate/vectors.json").string());
  return doc;
}

Bytes hex(std::string_view h) {
  auto r = ev::from_hex(h);
  if (!r.ok()) FAIL("bad hex in vectors: " << h);
  return std::move(r).value();
}

std::string str(element e) { return std::string(std::string_view(e.get_string())); }

// The hash named by a hashes-entry field, or empty when the name is not a hash.
Bytes hash_by_name(std::string_view name, ByteSpan in) {
  using namespace ev::chain;
  auto v = [](ByteSpan s) { return Bytes(s.begin(), s.end()); };
  if (name == "twox64") return v(twox64(in));
  if (name == "twox128") return v(twox128(in));
  if (name == "twox256") return v(twox256(in));
  if (name == "blake2_128") return v(blake2_128(in));
  if (name == "blake2_256") return v(blake2_256(in));
  if (name == "blake2_512") return v(blake2_512(in));
  return {};
}

std::uint16_t prefix_of(std::string_view digits) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || v > 16383) {
    FAIL("not an SS58 prefix: '" << digits << "'");
  }
  return static_cast<std::uint16_t>(v);
}

// Encoding payload under prefix gives address, and address decodes back to both.
void check_address(ByteSpan payload, std::uint16_t prefix, std::string_view address) {
  INFO("prefix " << prefix << ", payload " << ev::to_hex(payload));
  auto enc = ev::chain::ss58_encode(payload, prefix);
  REQUIRE(enc.ok());
  CHECK(*enc == address);
  auto dec = ev::chain::ss58_decode(address);
  REQUIRE(dec.ok());
  CHECK(dec->prefix == prefix);
  CHECK(dec->payload == Bytes(payload.begin(), payload.end()));
  if (payload.size() == 32) {
    auto id = ev::chain::parse_account_id(address, prefix);
    REQUIRE(id.ok());
    CHECK(Bytes(id->begin(), id->end()) == Bytes(payload.begin(), payload.end()));
  }
}

// Builds the single-map key of (pallet, item) with hasher over key_bytes, compares it with
// expected and decodes it back to key_bytes.
void check_map_key(std::string_view pallet, std::string_view item, Hasher h, const Bytes& key_bytes,
                   const Bytes& expected) {
  const std::pair<Hasher, Bytes> keys[] = {{h, key_bytes}};
  CHECK(ev::to_hex(ev::chain::storage_key(pallet, item, keys)) == ev::to_hex(expected));
  const ev::chain::KeyPartSpec specs[] = {{h, key_bytes.size()}};
  auto parts = ev::chain::decode_storage_key(expected, pallet, item, specs);
  REQUIRE(parts.ok());
  REQUIRE(parts->size() == 1);
  CHECK((*parts)[0].key == key_bytes);
}

Bytes u32_le(std::uint64_t v) {
  REQUIRE(v <= 0xffffffffULL);
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Fields of a keys-section entry that are not addresses (tested by the key tests). Any other
// field must be an address this test checks.
bool is_key_material_field(std::string_view k) {
  for (std::string_view known : {"label", "seed", "public_key", "public_key_compressed",
                                 "public_key_uncompressed_xy", "account_id", "account_id_rule"}) {
    if (k == known) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("vectors: every hashes entry matches all six hashes", "[conformance][hash]") {
  simdjson::dom::array entries = vectors()["hashes"].get_array();
  std::size_t expected = 0;
  std::size_t checked = 0;
  for (element entry : entries) {
    Bytes input = hex(std::string_view(entry["input_hex"].get_string()));
    CHECK(input == Bytes(ev::as_bytes(entry["input_utf8"].get_string()).begin(),
                         ev::as_bytes(entry["input_utf8"].get_string()).end()));
    std::size_t per_entry = 0;
    for (auto field : object(entry.get_object())) {
      if (field.key == "input_hex" || field.key == "input_utf8") continue;
      ++expected;
      Bytes got = hash_by_name(field.key, input);
      if (got.empty()) FAIL("unhandled hashes field: " << field.key);
      INFO(field.key << "(" << ev::to_hex(input) << ")");
      CHECK(ev::to_hex(got) == str(field.value));
      ++checked;
      ++per_entry;
    }
    CHECK(per_entry == 6);
  }
  CHECK(entries.size() > 0);
  REQUIRE(checked == expected);
  REQUIRE(checked == 6 * entries.size());
}

TEST_CASE("vectors: every ss58 case encodes, decodes and base58-decodes", "[conformance][ss58]") {
  simdjson::dom::array cases = vectors()["ss58"]["cases"].get_array();
  std::size_t checked = 0;
  for (element c : cases) {
    for (auto field : object(c.get_object())) {
      const std::string_view k = field.key;
      if (k != "prefix" && k != "payload" && k != "address" && k != "raw_base58_decoded") {
        FAIL("unhandled ss58 case field: " << k);
      }
    }
    const std::uint64_t prefix = c["prefix"].get_uint64();
    REQUIRE(prefix <= 16383);
    const Bytes payload = hex(std::string_view(c["payload"].get_string()));
    const std::string address = str(c["address"]);
    const Bytes raw = hex(std::string_view(c["raw_base58_decoded"].get_string()));
    check_address(payload, static_cast<std::uint16_t>(prefix), address);
    auto decoded = ev::chain::base58_decode(address);
    REQUIRE(decoded.ok());
    CHECK(ev::to_hex(*decoded) == ev::to_hex(raw));
    CHECK(ev::chain::base58_encode(raw) == address);
    // The raw bytes start with the documented prefix form.
    Bytes form = ev::chain::ss58_prefix_bytes(static_cast<std::uint16_t>(prefix));
    CHECK(Bytes(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(form.size())) == form);
    ++checked;
  }
  CHECK(checked > 0);
  REQUIRE(checked == cases.size());
}

TEST_CASE("vectors: every storage_keys entry is reproduced", "[conformance][storage_key]") {
  object section = vectors()["storage_keys"].get_object();
  // Plain values: the key is the pallet/item prefix.
  const std::pair<std::string_view, std::pair<std::string_view, std::string_view>> plain[] = {
      {"System_Events", {"System", "Events"}},
      {"System_Account_prefix", {"System", "Account"}},
      {"System_Number", {"System", "Number"}},
      {"System_EventCount", {"System", "EventCount"}},
      {"Balances_TotalIssuance", {"Balances", "TotalIssuance"}},
      {"Timestamp_Now", {"Timestamp", "Now"}},
  };
  std::size_t expected = 0;
  std::size_t checked = 0;
  for (auto field : section) {
    const std::string_view name = field.key;
    INFO("storage_keys." << name);
    if (name == "rule") continue;  // prose describing the rule, not an entry
    if (name == "well_known_code") {
      for (auto wk : object(field.value.get_object())) {
        ++expected;
        CHECK(ev::to_hex(ev::as_bytes(wk.key)) == str(wk.value));
        CHECK(ev::chain::apply_hasher(Hasher::Identity, ev::as_bytes(wk.key)) ==
              hex(std::string_view(wk.value.get_string())));
        ++checked;
      }
      continue;
    }
    ++expected;
    bool handled = false;
    for (const auto& [entry, pallet_item] : plain) {
      if (name != entry) continue;
      CHECK(ev::to_hex(ev::chain::storage_prefix(pallet_item.first, pallet_item.second)) ==
            str(field.value));
      handled = true;
    }
    if (starts_with(name, "System_Account_Alice_")) {
      check_map_key("System", "Account", Hasher::Blake2_128Concat,
                    hex(std::string_view(field.value["account_id"].get_string())),
                    hex(std::string_view(field.value["key"].get_string())));
      handled = true;
    } else if (starts_with(name, "System_BlockHash_block_")) {
      auto hasher = ev::chain::parse_hasher(std::string_view(field.value["hasher"].get_string()));
      REQUIRE(hasher.ok());
      const std::uint64_t block = field.value["key_u32"].get_uint64();
      CHECK(name.substr(std::string_view("System_BlockHash_block_").size()) ==
            std::to_string(block));
      check_map_key("System", "BlockHash", *hasher, u32_le(block),
                    hex(std::string_view(field.value["key"].get_string())));
      handled = true;
    } else if (name == "Identity_hasher_example") {
      // The note names the layout: Identity(u32 7) under pallet "Demo" item "Map".
      const std::string note = str(field.value["note"]);
      REQUIRE(note.find("Identity(u32 7)") != std::string::npos);
      REQUIRE(note.find("\"Demo\"") != std::string::npos);
      REQUIRE(note.find("\"Map\"") != std::string::npos);
      check_map_key("Demo", "Map", Hasher::Identity, u32_le(7),
                    hex(std::string_view(field.value["key"].get_string())));
      handled = true;
    }
    if (!handled) FAIL("unhandled storage_keys entry: " << name);
    ++checked;
  }
  CHECK(checked > 0);
  REQUIRE(checked == expected);
}

TEST_CASE("vectors: every SS58 field of the keys section matches its account id",
          "[conformance][ss58]") {
  object keys = vectors()["keys"].get_object();
  std::size_t expected = 0;
  std::size_t checked = 0;
  for (auto group : keys) {
    if (group.value.type() != simdjson::dom::element_type::ARRAY) continue;
    for (element entry : group.value.get_array()) {
      object e = entry.get_object();
      // sr25519 entries carry only the public key, which is the account id.
      std::string_view id_hex;
      if (e["account_id"].get(id_hex) != simdjson::SUCCESS) {
        REQUIRE(e["public_key"].get(id_hex) == simdjson::SUCCESS);
      }
      const Bytes account = hex(id_hex);
      REQUIRE(account.size() == 32);
      for (auto field : e) {
        const std::string_view k = field.key;
        if (is_key_material_field(k)) continue;
        ++expected;
        INFO("keys." << group.key << "[" << str(e["label"]) << "]." << k);
        const std::string address = str(field.value);
        if (k == "keyring_address") {
          check_address(account, 42, address);  // the keyring's default format
        } else if (k == "ss58_42_of_raw_pubkey") {
          const Bytes pubkey = hex(std::string_view(e["public_key_compressed"].get_string()));
          REQUIRE(pubkey.size() == 33);
          check_address(pubkey, 42, address);
        } else if (starts_with(k, "ss58_")) {
          check_address(account, prefix_of(k.substr(5)), address);
        } else {
          FAIL("unhandled keys entry field");
        }
        ++checked;
      }
    }
  }
  CHECK(checked > 0);
  REQUIRE(checked == expected);
}
