// decode_metadata: structure, look-ups and every rejection path on small hand-built inputs.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iterator>
#include <string>

#include "ev/chain/metadata.hpp"
#include "ev/chain/scale.hpp"
#include "test_support.hpp"

using ev::Bytes;
using ev::chain::decode_metadata;
using ev::chain::MetadataErrc;

namespace {

void str(Bytes& b, const std::string& s) {
  ev::scale::append_compact(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

// V15 metadata: types {0: u8, 1: enum {transfer(dest: u8) = 3}}, one pallet "Balances"
// (index 5, calls and errors = type 1, constant ED: u8 = 5), extrinsic v4.
// type_ref_for_call lets a test point the call type at any id.
Bytes tiny_v15(std::uint8_t call_type = 1, std::uint8_t version = 15) {
  Bytes b = {0x6d, 0x65, 0x74, 0x61, version};
  b.push_back(2 << 2);                    // 2 types
  b.insert(b.end(), {0, 0, 0, 5, 3, 0});  // id 0: path [], params [], primitive u8, docs []
  b.insert(b.end(), {1 << 2, 0, 0, 1});   // id 1: path [], params [], variant
  b.push_back(1 << 2);                    // 1 variant
  str(b, "transfer");
  b.push_back(1 << 2);  // 1 field
  b.push_back(1);       // name Some
  str(b, "dest");
  b.push_back(0);       // type 0
  b.push_back(0);       // type_name None
  b.push_back(0);       // docs
  b.push_back(3);       // variant index
  b.push_back(0);       // variant docs
  b.push_back(0);       // type docs
  b.push_back(1 << 2);  // 1 pallet
  str(b, "Balances");
  b.push_back(0);                                                     // storage None
  b.insert(b.end(), {1, static_cast<std::uint8_t>(call_type << 2)});  // calls Some
  b.push_back(0);                                                     // event None
  b.push_back(1 << 2);                                                // 1 constant
  str(b, "ED");
  b.insert(b.end(), {0, 1 << 2, 5, 0});    // type 0, value [5], docs []
  b.insert(b.end(), {1, 1 << 2});          // error Some(1)
  b.push_back(5);                          // index
  b.push_back(0);                          // pallet docs
  b.insert(b.end(), {4, 0, 0, 0, 0, 0});   // extrinsic: version 4, 4 types, no extensions
  b.push_back(0);                          // runtime type
  b.push_back(0);                          // apis
  b.insert(b.end(), {1 << 2, 1 << 2, 0});  // outer enums
  b.push_back(0);                          // custom
  return b;
}

}  // namespace

TEST_CASE("metadata: decodes a small V15 and answers look-ups", "[metadata]") {
  auto m = decode_metadata(tiny_v15());
  REQUIRE(m.ok());
  CHECK(m->version == 15);
  REQUIRE(m->types.size() == 2);
  CHECK(m->types[0].kind == ev::chain::TypeKind::Primitive);
  CHECK(m->types[0].primitive == ev::chain::Primitive::U8);
  auto call = m->call("Balances", "transfer");
  REQUIRE(call.ok());
  CHECK(call->pallet_index == 5);
  CHECK(call->call_index == 3);
  REQUIRE(call->variant->fields.size() == 1);
  CHECK(call->variant->fields[0].name == "dest");
  auto c = m->constant("Balances", "ED");
  REQUIRE(c.ok());
  CHECK((*c)->value == Bytes{5});
  auto en = m->error_name(5, Bytes{3, 0, 0, 0});
  REQUIRE(en.ok());
  CHECK(*en == "Balances.transfer");
  CHECK(m->resolve_compact(0).value() == 0);
  CHECK_FALSE(m->is_account_id32(0));
  REQUIRE(m->outer_enums.has_value());
  CHECK(m->outer_enums->event_type == 1);
}

TEST_CASE("metadata: unknown names give errors naming pallet and item", "[metadata]") {
  auto m = decode_metadata(tiny_v15());
  REQUIRE(m.ok());
  auto r = m->call("Balances", "nope");
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), MetadataErrc::NotFound));
  CHECK(r.error().message.find("Balances.nope") != std::string::npos);
  auto p = m->pallet("Nope");
  REQUIRE_FALSE(p.ok());
  CHECK(p.error().message.find("Nope") != std::string::npos);
  CHECK_FALSE(m->event("Balances", "Transfer").ok());
  CHECK_FALSE(m->storage("Balances", "Account").ok());
  CHECK_FALSE(m->constant("Balances", "Missing").ok());
  CHECK_FALSE(m->error_name(6, Bytes{0}).ok());
  CHECK_FALSE(m->error_name(5, Bytes{9}).ok());
  CHECK_FALSE(m->type(2).ok());
}

TEST_CASE("metadata: rejects versions outside 14..16 and a missing magic", "[metadata]") {
  for (int v : {0, 13, 17, 255}) {
    auto r = decode_metadata(tiny_v15(1, static_cast<std::uint8_t>(v)));
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), MetadataErrc::UnsupportedVersion));
    CHECK(r.error().message.find(std::to_string(v)) != std::string::npos);
  }
  auto b = tiny_v15();
  b[0] = 'M';
  CHECK(ev::is(decode_metadata(b).error(), MetadataErrc::BadMagic));
  CHECK(ev::is(decode_metadata(Bytes{0x6d, 0x65}).error(), MetadataErrc::BadMagic));
}

TEST_CASE("metadata: rejects every truncation of a valid input", "[metadata]") {
  auto b = tiny_v15();
  for (std::size_t n = 0; n < b.size(); ++n) {
    auto r = decode_metadata(ev::ByteSpan(b.data(), n));
    INFO("length " << n);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().domain == "metadata");
  }
}

TEST_CASE("metadata: rejects trailing bytes", "[metadata]") {
  auto b = tiny_v15();
  b.push_back(0);
  auto r = decode_metadata(b);
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), MetadataErrc::Malformed));
}

TEST_CASE("metadata: a type id outside the registry is an error at decode time", "[metadata]") {
  auto r = decode_metadata(tiny_v15(2));
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), MetadataErrc::BadTypeId));
  CHECK(r.error().message.find("type id 2") != std::string::npos);

  // A field inside the registry pointing past it.
  auto b = tiny_v15();
  // Field type byte follows "dest" + its Some tag; locate "dest" and patch the id after it.
  auto it = std::search(b.begin(), b.end(), std::begin("dest"), std::end("dest") - 1);
  REQUIRE(it != b.end());
  *(it + 4) = 7 << 2;
  auto r2 = decode_metadata(b);
  REQUIRE_FALSE(r2.ok());
  CHECK(ev::is(r2.error(), MetadataErrc::BadTypeId));
}

TEST_CASE("metadata: a hostile length prefix fails without allocating", "[metadata]") {
  Bytes b = {0x6d, 0x65, 0x74, 0x61, 14, 0x03, 0xff, 0xff, 0xff, 0xff};  // 2^32-1 types
  auto r = decode_metadata(b);
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), MetadataErrc::Malformed));
}

TEST_CASE("metadata: rejects unknown TypeDef, primitive and Option tags", "[metadata]") {
  auto b = tiny_v15();
  b[8] = 9;  // TypeDef tag of type 0 (bytes: magic 4, version, count, id, path, params, tag)
  CHECK(ev::is(decode_metadata(b).error(), MetadataErrc::Malformed));
  b = tiny_v15();
  b[9] = 15;  // primitive past I256
  CHECK(ev::is(decode_metadata(b).error(), MetadataErrc::Malformed));
}

TEST_CASE("metadata: truncations of the real V15 file are rejected", "[metadata]") {
  auto dir = ev::test::require_vectors("substrate/vectors.json").parent_path();
  auto raw = ev::test::read_file(dir / "metadata_polkadot_v15.bin");
  auto full = ev::as_bytes(raw);
  REQUIRE(decode_metadata(full).ok());
  std::size_t checked = 0;
  for (std::size_t n = 0; n < full.size(); n += 1 + n / 7) {
    auto r = decode_metadata(full.subspan(0, n));
    INFO("length " << n);
    REQUIRE_FALSE(r.ok());
    ++checked;
  }
  CHECK(checked > 50);
}
