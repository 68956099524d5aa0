// TypeRegistryBuilder and encode_metadata: interning, recursion, finish() errors, a small runtime
// that encodes as V14 and V15 and decodes back with working look-ups, and the encoder's errors.
#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>
#include <utility>

#include "ev/chain/metadata.hpp"
#include "ev/chain/metadata_builder.hpp"
#include "ev/chain/scale.hpp"
#include "ev/chain/storage_key.hpp"

using ev::Bytes;
using ev::chain::decode_metadata;
using ev::chain::encode_metadata;
using ev::chain::Hasher;
using ev::chain::Metadata;
using ev::chain::MetadataErrc;
using ev::chain::Primitive;
using ev::chain::TypeDef;
using ev::chain::TypeKind;
using ev::chain::TypeRegistryBuilder;

namespace {

// Index of each type of the small runtime below.
struct Ids {
  std::uint32_t account = 0;
  std::uint32_t u128 = 0;
  std::uint32_t u32 = 0;
  std::uint32_t call = 0;
  std::uint32_t event = 0;
  std::uint32_t error = 0;
  std::uint32_t runtime_call = 0;
};

// A runtime with Balances (index 5: transfer call, Transfer event, InsufficientBalance error,
// ExistentialDeposit constant, Account map) and Utility (index 1: batch_all(Vec<RuntimeCall>)),
// so RuntimeCall is recursive.
Metadata small_runtime(Ids* ids_out = nullptr) {
  TypeRegistryBuilder b;
  Ids ids;
  ids.account = b.account_id32();
  ids.u128 = b.primitive(Primitive::U128);
  ids.u32 = b.primitive(Primitive::U32);
  ids.runtime_call = b.reserve();
  ids.call =
      b.variant({"pallet_balances", "pallet", "Call"},
                {{"transfer",
                  {{"dest", ids.account, "AccountId"}, {"value", b.compact(ids.u128), "Balance"}},
                  0}});
  auto utility_call =
      b.variant({"pallet_utility", "pallet", "Call"},
                {{"batch_all", {{"calls", b.sequence(ids.runtime_call), "Vec<RuntimeCall>"}}, 2}});
  ev::chain::TypeDef rc;
  rc.kind = TypeKind::Variant;
  rc.path = {"epochvault_runtime", "RuntimeCall"};
  rc.variants = {{"Utility", {{std::nullopt, utility_call, "UtilityCall"}}, 1},
                 {"Balances", {{std::nullopt, ids.call, "BalancesCall"}}, 5}};
  b.define(ids.runtime_call, std::move(rc));
  ids.event =
      b.variant({"pallet_balances", "pallet", "Event"}, {{"Transfer",
                                                          {{"from", ids.account, "AccountId"},
                                                           {"to", ids.account, "AccountId"},
                                                           {"amount", ids.u128, "Balance"}},
                                                          2}});
  ids.error = b.variant({"pallet_balances", "pallet", "Error"}, {{"InsufficientBalance", {}, 2}});
  auto info = b.composite({"pallet_balances", "AccountData"}, {{"free", ids.u128, "Balance"}});
  auto runtime = b.composite({"epochvault_runtime", "Runtime"}, {});
  auto unit = b.unit();
  auto nonce = b.composite({"frame_system", "extensions", "check_nonce", "CheckNonce"},
                           {{std::nullopt, b.compact(ids.u32), "T::Nonce"}});
  auto extra = b.tuple({nonce});
  auto hash = b.h256();
  auto address = b.multi_address(ids.account, unit);
  auto signature = b.multi_signature();
  auto extrinsic = b.unchecked_extrinsic(address, ids.runtime_call, signature, extra);
  auto events = b.variant({"epochvault_runtime", "RuntimeEvent"},
                          {{"Balances", {{std::nullopt, ids.event, std::nullopt}}, 5}});
  auto errors = b.variant({"epochvault_runtime", "RuntimeError"},
                          {{"Balances", {{std::nullopt, ids.error, std::nullopt}}, 5}});
  auto opt_hash = b.option(hash);
  auto types = std::move(b).finish();
  REQUIRE(types.ok());

  Metadata m;
  m.version = 15;
  m.types = std::move(types).value();
  ev::chain::Pallet utility;
  utility.name = "Utility";
  utility.index = 1;
  utility.calls_type = utility_call;
  ev::chain::Pallet balances;
  balances.name = "Balances";
  balances.index = 5;
  balances.calls_type = ids.call;
  balances.events_type = ids.event;
  balances.errors_type = ids.error;
  balances.constants = {{"ExistentialDeposit", ids.u128, Bytes(16, 0)}};
  balances.storage_prefix = "Balances";
  balances.storage = {
      {"Account",
       ev::chain::StorageModifier::Default,
       true,
       {Hasher::Blake2_128Concat},
       ids.account,
       info,
       Bytes(16, 0)},
      {"TotalIssuance", ev::chain::StorageModifier::Default, false, {}, 0, ids.u128, Bytes(16, 0)}};
  m.pallets = {utility, balances};
  m.extrinsic.versions = {4};
  m.extrinsic.extrinsic_type = extrinsic;
  m.extrinsic.address_type = address;
  m.extrinsic.call_type = ids.runtime_call;
  m.extrinsic.signature_type = signature;
  m.extrinsic.extra_type = extra;
  m.extrinsic.signed_extensions = {{"CheckNonce", nonce, unit}};
  m.runtime_type = runtime;
  m.outer_enums = ev::chain::OuterEnums{ids.runtime_call, events, errors};
  m.apis = {{"Core", {{"version", {}, ids.u32}, {"execute_block", {{"block", hash}}, unit}}}};
  m.custom = {{"latest_hash", opt_hash, Bytes{0}}};
  if (ids_out != nullptr) *ids_out = ids;
  return m;
}

// What decoding a V14 encoding of m gives: m without the V15-only parts.
Metadata as_v14(Metadata m) {
  m.version = 14;
  m.extrinsic.address_type.reset();
  m.extrinsic.call_type.reset();
  m.extrinsic.signature_type.reset();
  m.extrinsic.extra_type.reset();
  m.outer_enums.reset();
  m.apis.clear();
  m.custom.clear();
  return m;
}

// What decoding a V15 encoding of m gives: m without the V14-only extrinsic type.
Metadata as_v15(Metadata m) {
  m.version = 15;
  m.extrinsic.extrinsic_type.reset();
  return m;
}

Metadata round_trip(const Metadata& m, std::uint8_t version) {
  auto bytes = encode_metadata(m, version);
  if (!bytes.ok()) FAIL(bytes.error().to_string());
  auto back = decode_metadata(*bytes);
  if (!back.ok()) FAIL(back.error().to_string());
  return std::move(back).value();
}

void str(Bytes& b, const std::string& s) {
  ev::scale::append_compact(b, s.size());
  b.insert(b.end(), s.begin(), s.end());
}

}  // namespace

TEST_CASE("builder: structurally identical definitions share one id", "[metadata][builder]") {
  TypeRegistryBuilder b;
  auto u8a = b.primitive(Primitive::U8);
  auto u8b = b.primitive(Primitive::U8);
  CHECK(u8a == u8b);
  CHECK(b.primitive(Primitive::U16) != u8a);
  auto acc1 = b.account_id32();
  auto acc2 = b.composite({"sp_core", "crypto", "AccountId32"},
                          {{std::nullopt, b.array(u8a, 32), "[u8; 32]"}});
  CHECK(acc1 == acc2);
  // Same shape under another path, or another field type name, is another type.
  CHECK(b.h256() != acc1);
  CHECK(b.composite({"sp_core", "crypto", "AccountId32"},
                    {{std::nullopt, b.array(u8a, 32), "[u8;32]"}}) != acc1);
  CHECK(b.array(u8a, 32) != b.array(u8a, 20));
  CHECK(b.option(u8a) == b.option(u8a));
  CHECK(b.option(u8a) != b.option(acc1));
  CHECK(b.unit() == b.tuple({}));
  CHECK(b.bounded_vec(u8a) == b.bounded_vec(u8a));
  auto size_before = b.size();
  (void)b.option(acc1);
  (void)b.bytes();
  CHECK(b.size() == size_before);
  auto types = std::move(b).finish();
  REQUIRE(types.ok());
  CHECK(types->size() == size_before);
}

TEST_CASE("builder: convenience types have the FRAME paths and shapes", "[metadata][builder]") {
  TypeRegistryBuilder b;
  auto u8 = b.primitive(Primitive::U8);
  auto acc = b.account_id32();
  auto opt = b.option(acc);
  auto bv = b.bounded_vec(u8);
  auto res = b.result(b.unit(), u8);
  auto types = std::move(b).finish().value();
  const auto& a = types[acc];
  CHECK(a.path == std::vector<std::string>{"sp_core", "crypto", "AccountId32"});
  REQUIRE(a.fields.size() == 1);
  CHECK(types[a.fields[0].type].kind == TypeKind::Array);
  CHECK(types[a.fields[0].type].length == 32);
  CHECK(types[a.fields[0].type].element == u8);
  const auto& o = types[opt];
  CHECK(o.path == std::vector<std::string>{"Option"});
  REQUIRE(o.variants.size() == 2);
  CHECK(o.variant_by_name("None")->index == 0);
  CHECK(o.variant_by_name("Some")->index == 1);
  CHECK(o.variant_by_name("Some")->fields.at(0).type == acc);
  CHECK(o.params.at(0).type == acc);
  const auto& v = types[bv];
  CHECK(v.path.back() == "BoundedVec");
  REQUIRE(v.params.size() == 2);
  CHECK_FALSE(v.params[1].type.has_value());
  CHECK(types[v.fields.at(0).type].kind == TypeKind::Sequence);
  CHECK(types[res].variant_by_name("Err")->index == 1);
}

TEST_CASE("builder: recursive type through reserve and define", "[metadata][builder]") {
  TypeRegistryBuilder b;
  auto call = b.reserve();
  auto seq = b.sequence(call);
  TypeDef def;
  def.kind = TypeKind::Variant;
  def.path = {"rt", "RuntimeCall"};
  def.variants = {{"batch", {{"calls", seq, "Vec<RuntimeCall>"}}, 0}};
  b.define(call, def);
  // Asking for the same shape again gives the defined id.
  CHECK(b.variant({"rt", "RuntimeCall"}, def.variants) == call);
  auto types = std::move(b).finish();
  REQUIRE(types.ok());
  REQUIRE(types->size() == 2);
  CHECK((*types)[seq].element == call);
  CHECK((*types)[call].variants.at(0).fields.at(0).type == seq);
}

TEST_CASE("builder: finish fails on a reserved id never defined", "[metadata][builder]") {
  TypeRegistryBuilder b;
  (void)b.primitive(Primitive::Bool);
  auto id = b.reserve();
  (void)b.sequence(id);
  auto r = std::move(b).finish();
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), MetadataErrc::Incomplete));
  CHECK(r.error().message.find("type id 1") != std::string::npos);
}

TEST_CASE("builder: define on an id not reserved, or twice, fails at finish",
          "[metadata][builder]") {
  {
    TypeRegistryBuilder b;
    auto u8 = b.primitive(Primitive::U8);
    b.define(u8, TypeDef{});
    auto r = std::move(b).finish();
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), MetadataErrc::Incomplete));
    CHECK(r.error().message.find("defined twice") != std::string::npos);
  }
  {
    TypeRegistryBuilder b;
    b.define(7, TypeDef{});
    auto r = std::move(b).finish();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("define(7)") != std::string::npos);
  }
}

TEST_CASE("builder: finish rejects dangling ids, duplicate variants and mixed fields",
          "[metadata][builder]") {
  {
    TypeRegistryBuilder b;
    (void)b.sequence(9);
    auto r = std::move(b).finish();
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), MetadataErrc::BadTypeId));
    CHECK(r.error().message.find("type 0") != std::string::npos);
  }
  {
    TypeRegistryBuilder b;
    auto u8 = b.primitive(Primitive::U8);
    (void)b.variant({"E"}, {{"A", {}, 1}, {"B", {{std::nullopt, u8, std::nullopt}}, 1}});
    auto r = std::move(b).finish();
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), MetadataErrc::Malformed));
    CHECK(r.error().message.find("index 1") != std::string::npos);
  }
  {
    TypeRegistryBuilder b;
    auto u8 = b.primitive(Primitive::U8);
    (void)b.variant({"E"}, {{"A", {}, 0}, {"A", {}, 1}});
    auto r = std::move(b).finish();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("duplicate variant name A") != std::string::npos);
    (void)u8;
  }
  {
    TypeRegistryBuilder b;
    auto u8 = b.primitive(Primitive::U8);
    (void)b.composite({"S"}, {{"a", u8, std::nullopt}, {std::nullopt, u8, std::nullopt}});
    auto r = std::move(b).finish();
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("mixes named and unnamed") != std::string::npos);
  }
}

TEST_CASE("encode: a builder-made runtime round trips as V15 and answers look-ups",
          "[metadata][encode]") {
  Ids ids;
  auto m = small_runtime(&ids);
  auto back = round_trip(m, 15);
  CHECK(back == as_v15(m));
  CHECK(back.types == m.types);
  CHECK(back.pallets == m.pallets);
  auto call = back.call("Balances", "transfer");
  REQUIRE(call.ok());
  CHECK(call->pallet_index == 5);
  CHECK(call->call_index == 0);
  CHECK(back.call("Utility", "batch_all")->call_index == 2);
  CHECK((*back.event("Balances", "Transfer"))->index == 2);
  CHECK(back.error_name(5, Bytes{2, 0, 0, 0}).value() == "Balances.InsufficientBalance");
  CHECK((*back.constant("Balances", "ExistentialDeposit"))->value == Bytes(16, 0));
  auto acc = back.storage("Balances", "Account");
  REQUIRE(acc.ok());
  CHECK((*acc)->hashers == std::vector<Hasher>{Hasher::Blake2_128Concat});
  CHECK(back.is_account_id32((*acc)->key_type));
  CHECK(back.resolve_compact(call->variant->fields.at(1).type).value() == ids.u128);
  REQUIRE(back.custom.size() == 1);
  CHECK(back.custom[0].name == "latest_hash");
}

TEST_CASE("encode: a builder-made runtime round trips as V14 without the V15-only parts",
          "[metadata][encode]") {
  auto m = small_runtime();
  auto back = round_trip(m, 14);
  CHECK(back == as_v14(m));
  CHECK(back.extrinsic.extrinsic_type == m.extrinsic.extrinsic_type);
  CHECK(back.call("Utility", "batch_all").ok());
  // Re-encoding the decoded model gives the same bytes.
  CHECK(encode_metadata(back, 14).value() == encode_metadata(m, 14).value());
}

TEST_CASE("encode: hand-written V14 bytes without docs come back byte for byte",
          "[metadata][encode]") {
  // types {0: u8, 1: Compact<u8>, 2: (u8, u8), 3: [u8; 4]}, pallet "Sys" (index 0) with plain
  // storage "Num" (u8, default [0]) and a map "M" (Twox64Concat u8 -> u8), extrinsic type 2, v4,
  // one extension "E" (type 2, additional 0), runtime type 3.
  Bytes b = {0x6d, 0x65, 0x74, 0x61, 14, 4 << 2};
  b.insert(b.end(), {0, 0, 0, 5, 3, 0});                   // 0: u8
  b.insert(b.end(), {1 << 2, 0, 0, 6, 0, 0});              // 1: Compact<0>
  b.insert(b.end(), {2 << 2, 0, 0, 4, 2 << 2, 0, 0, 0});   // 2: (0, 0)
  b.insert(b.end(), {3 << 2, 0, 0, 3, 4, 0, 0, 0, 0, 0});  // 3: [0; 4]
  b.push_back(1 << 2);
  str(b, "Sys");
  b.push_back(1);
  str(b, "Sys");
  b.push_back(2 << 2);
  str(b, "Num");
  b.insert(b.end(), {0, 0, 0, 1 << 2, 0, 0});  // Optional, Plain(0), default [0], docs
  str(b, "M");
  b.insert(b.end(), {1, 1, 1 << 2, 5, 0, 0, 0, 0});  // Default, Map{[Twox64Concat], 0, 0}, [], docs
  b.insert(b.end(), {0, 0, 0, 0, 0});                // calls, events, constants, errors, index
  b.insert(b.end(), {2 << 2, 4, 1 << 2});
  str(b, "E");
  b.insert(b.end(), {2 << 2, 0, 3 << 2});
  auto m = decode_metadata(b);
  REQUIRE(m.ok());
  REQUIRE(m->pallets.at(0).storage.size() == 2);
  CHECK(m->pallets[0].storage[1].hashers == std::vector<Hasher>{Hasher::Twox64Concat});
  auto again = encode_metadata(*m, 14);
  REQUIRE(again.ok());
  CHECK(*again == b);
}

TEST_CASE("encode: unsupported versions are refused", "[metadata][encode]") {
  auto m = small_runtime();
  for (std::uint8_t v : std::initializer_list<std::uint8_t>{0, 13, 16, 255}) {
    auto r = encode_metadata(m, v);
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), MetadataErrc::UnsupportedVersion));
    CHECK(r.error().message.find(std::to_string(v)) != std::string::npos);
  }
}

TEST_CASE("encode: a model lacking what the version needs is Incomplete", "[metadata][encode]") {
  auto expect = [](const Metadata& m, std::uint8_t v, const std::string& says) {
    auto r = encode_metadata(m, v);
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), MetadataErrc::Incomplete));
    INFO(r.error().message);
    CHECK(r.error().message.find(says) != std::string::npos);
  };
  auto m = small_runtime();
  {
    auto x = m;
    x.outer_enums.reset();
    expect(x, 15, "outer enums");
    CHECK(encode_metadata(x, 14).ok());
  }
  {
    auto x = m;
    x.extrinsic.extrinsic_type.reset();
    expect(x, 14, "UncheckedExtrinsic");
    CHECK(encode_metadata(x, 15).ok());
  }
  {
    auto x = m;
    x.extrinsic.extra_type.reset();
    expect(x, 15, "extra type");
  }
  {
    auto x = m;
    x.runtime_type.reset();
    expect(x, 14, "runtime type");
    expect(x, 15, "runtime type");
  }
  {
    auto x = m;
    x.extrinsic.versions = {4, 5};
    expect(x, 15, "exactly one extrinsic version");
  }
  {
    auto x = m;
    x.extrinsic.extensions_by_version = {{0, {0}}};
    expect(x, 15, "extensions by version");
  }
  {
    auto x = m;
    x.pallets[1].storage_prefix.reset();
    expect(x, 14, "pallet Balances");
  }
}

TEST_CASE("encode: ids outside the registry are BadTypeId naming the item", "[metadata][encode]") {
  Ids ids;
  auto m = small_runtime(&ids);
  const auto n = static_cast<std::uint32_t>(m.types.size());
  auto expect = [](const Metadata& x, const std::string& says) {
    auto r = encode_metadata(x, 15);
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), MetadataErrc::BadTypeId));
    INFO(r.error().message);
    CHECK(r.error().message.find(says) != std::string::npos);
  };
  {
    auto x = m;
    x.pallets[1].events_type = n;
    expect(x, "pallet Balances: events");
  }
  {
    auto x = m;
    x.types[ids.call].variants.at(0).fields.at(0).type = n + 5;
    expect(x, "type " + std::to_string(ids.call) + ": variant transfer: field dest");
  }
  {
    auto x = m;
    x.pallets[1].storage[0].key_type = n;
    expect(x, "storage Account: key");
  }
  {
    auto x = m;
    x.apis[0].methods[1].inputs[0].type = n;
    expect(x, "Core.execute_block input block");
  }
  {
    auto x = m;
    x.outer_enums->error_type = n;
    expect(x, "outer enums: error");
  }
  {
    auto x = m;
    x.custom[0].type = n;
    expect(x, "custom: latest_hash");
  }
}

TEST_CASE("encode: registry entries the format cannot carry are Malformed", "[metadata][encode]") {
  auto m = small_runtime();
  auto x = m;
  x.types[1].kind = TypeKind::Primitive;
  x.types[1].primitive = static_cast<Primitive>(15);
  auto r = encode_metadata(x, 15);
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), MetadataErrc::Malformed));
  CHECK(r.error().message.find("type 1") != std::string::npos);
  auto y = m;
  y.pallets[1].storage[1].hashers = {Hasher::Identity};
  auto r2 = encode_metadata(y, 14);
  REQUIRE_FALSE(r2.ok());
  CHECK(r2.error().message.find("plain entry with hashers") != std::string::npos);
}

TEST_CASE("encode: Option<OpaqueMetadata> wraps the prefixed bytes", "[metadata][encode]") {
  auto bytes = encode_metadata(small_runtime(), 15).value();
  REQUIRE(bytes.size() >= 64);  // a two-byte compact length
  auto wrapped = ev::chain::opaque_metadata_some(bytes);
  ev::scale::Decoder d(wrapped);
  CHECK(d.u8().value() == 1);
  CHECK(d.bytes().value() == bytes);
  CHECK(d.finish().ok());
}
