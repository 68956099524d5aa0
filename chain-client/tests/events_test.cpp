// decode_events and describe_dispatch_error on a hand-built FRAME-shaped registry.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/events.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/chain/ss58.hpp"

using ev::append;
using ev::Bytes;
using ev::from_hex;
using ev::to_hex;
using ev::chain::DynCodecErrc;
using ev::chain::EventRecord;
using ev::chain::Metadata;
using ev::chain::Primitive;
using ev::chain::TypeDef;
using ev::chain::TypeField;
using ev::chain::TypeKind;
using ev::chain::TypeVariant;
using Json = nlohmann::json;

namespace {

// Type ids of the registry below.
enum : std::uint32_t {
  kU8,
  kU32,
  kHashBytes,  // [u8; 32]
  kH256,
  kTopics,  // Vec<H256>
  kPhase,
  kAccount,
  kU128,
  kSystemEvent,
  kBalancesEvent,
  kRuntimeEvent,
  kRecord,
  kRecords,
  kDispatchError,
  kErrorBytes,  // [u8; 4]
  kModuleError,
  kTokenError,
  kBalancesError,
};

TypeDef prim(Primitive p) {
  TypeDef t;
  t.kind = TypeKind::Primitive;
  t.primitive = p;
  return t;
}
TypeDef with_element(TypeKind k, std::uint32_t e, std::uint32_t len = 0) {
  TypeDef t;
  t.kind = k;
  t.element = e;
  t.length = len;
  return t;
}
TypeDef composite(std::vector<std::string> path, std::vector<TypeField> fields) {
  TypeDef t;
  t.kind = TypeKind::Composite;
  t.path = std::move(path);
  t.fields = std::move(fields);
  return t;
}
TypeDef variant(std::vector<TypeVariant> vs) {
  TypeDef t;
  t.kind = TypeKind::Variant;
  t.variants = std::move(vs);
  return t;
}
TypeField named(const std::string& n, std::uint32_t type) { return {n, type, {}}; }
TypeField unnamed(std::uint32_t type) { return {std::nullopt, type, {}}; }

// System (index 0) and Balances (index 5) with FRAME's EventRecord; the RuntimeEvent variant
// indices are the pallet indices, as construct_runtime! makes them.
Metadata frame_registry() {
  Metadata md;
  md.version = 14;
  md.types = {
      prim(Primitive::U8),
      prim(Primitive::U32),
      with_element(TypeKind::Array, kU8, 32),
      composite({"primitive_types", "H256"}, {unnamed(kHashBytes)}),
      with_element(TypeKind::Sequence, kH256),
      variant({{"ApplyExtrinsic", {unnamed(kU32)}, 0},
               {"Finalization", {}, 1},
               {"Initialization", {}, 2}}),
      composite({"sp_core", "crypto", "AccountId32"}, {unnamed(kHashBytes)}),
      prim(Primitive::U128),
      variant({{"CodeUpdated", {}, 2},
               {"Remarked", {named("sender", kAccount), named("hash", kH256)}, 5},
               {"Numbered", {unnamed(kU32)}, 9},
               {"ExtrinsicFailed", {named("dispatch_error", kDispatchError)}, 1}}),
      variant({{"Transfer",
                {named("from", kAccount), named("to", kAccount), named("amount", kU128)},
                2}}),
      variant({{"System", {unnamed(kSystemEvent)}, 0}, {"Balances", {unnamed(kBalancesEvent)}, 5}}),
      composite({"frame_system", "EventRecord"},
                {named("phase", kPhase), named("event", kRuntimeEvent), named("topics", kTopics)}),
      with_element(TypeKind::Sequence, kRecord),
      variant({{"Other", {}, 0},
               {"BadOrigin", {}, 2},
               {"Module", {unnamed(kModuleError)}, 3},
               {"Token", {unnamed(kTokenError)}, 7}}),
      with_element(TypeKind::Array, kU8, 4),
      composite({"sp_runtime", "ModuleError"}, {named("index", kU8), named("error", kErrorBytes)}),
      variant({{"FundsUnavailable", {}, 0}, {"OnlyProvider", {}, 1}}),
      variant({{"VestingBalance", {}, 0}, {"InsufficientBalance", {}, 2}}),
  };
  ev::chain::Pallet system;
  system.name = "System";
  system.index = 0;
  system.events_type = kSystemEvent;
  system.storage_prefix = "System";
  ev::chain::StorageEntry events;
  events.name = "Events";
  events.value_type = kRecords;
  system.storage.push_back(events);
  ev::chain::Pallet balances;
  balances.name = "Balances";
  balances.index = 5;
  balances.events_type = kBalancesEvent;
  balances.errors_type = kBalancesError;
  md.pallets = {system, balances};
  return md;
}

Bytes hex(const std::string& h) { return from_hex(h).value(); }
Bytes filled(std::uint8_t b, std::size_t n) { return Bytes(n, b); }

// Vec of three records, assembled by hand:
//   ApplyExtrinsic(1): Balances.Transfer { from: 0x11.., to: 0x22.., amount: 1000 }, no topics
//   Finalization:      System.Numbered(7), one topic 0xee..
//   Initialization:    System.CodeUpdated
Bytes three_records() {
  Bytes b = {3 << 2};
  append(b, hex("0x0001000000"));  // phase ApplyExtrinsic(1)
  append(b, hex("0x0502"));        // Balances.Transfer
  append(b, filled(0x11, 32));
  append(b, filled(0x22, 32));
  append(b, hex("0xe8030000000000000000000000000000"));
  b.push_back(0);  // no topics
  append(b, hex("0x01"
                "0009"
                "07000000"
                "04"));  // Finalization, System.Numbered(7), 1 topic
  append(b, filled(0xee, 32));
  append(b, hex("0x02"
                "0002"
                "00"));  // Initialization, System.CodeUpdated
  return b;
}

ev::Error events_error(const Metadata& md, const Bytes& b) {
  auto r = ev::chain::decode_events(md, b);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("events: decodes phase, pallet, name, field bytes, value and topics", "[events]") {
  const Metadata md = frame_registry();
  auto r = ev::chain::decode_events(md, three_records());
  if (!r.ok()) FAIL(r.error().to_string());
  const auto& ev = *r;
  REQUIRE(ev.size() == 3);

  CHECK(ev[0].phase == EventRecord::Phase::ApplyExtrinsic);
  CHECK(ev[0].extrinsic_index == 1);
  CHECK(ev[0].pallet_index == 5);
  CHECK(ev[0].event_index == 2);
  CHECK(ev[0].pallet == "Balances");
  CHECK(ev[0].name == "Transfer");
  CHECK(ev[0].fields.size() == 80);
  CHECK(ev[0].fields.front() == 0x11);
  CHECK(ev[0].value["from"] == ev::chain::ss58_encode(filled(0x11, 32), 42).value());
  CHECK(ev[0].value["to"] == ev::chain::ss58_encode(filled(0x22, 32), 42).value());
  CHECK(ev[0].value["amount"] == "1000");
  CHECK(ev[0].topics.empty());

  CHECK(ev[1].phase == EventRecord::Phase::Finalization);
  CHECK(ev[1].pallet == "System");
  CHECK(ev[1].name == "Numbered");
  CHECK(to_hex(ev[1].fields) == "0x07000000");
  CHECK(ev[1].value == Json::array({7}));  // unnamed fields: an array, even for one
  REQUIRE(ev[1].topics.size() == 1);
  CHECK(ev[1].topics[0][31] == 0xee);

  CHECK(ev[2].phase == EventRecord::Phase::Initialization);
  CHECK(ev[2].name == "CodeUpdated");
  CHECK(ev[2].fields.empty());
  CHECK(ev[2].value == Json::object());
}

TEST_CASE("events: SS58 prefix of decoded accounts is the caller's choice", "[events]") {
  const Metadata md = frame_registry();
  auto r = ev::chain::decode_events(md, three_records(), {.ss58_prefix = 0});
  REQUIRE(r.ok());
  CHECK((*r)[0].value["from"] == ev::chain::ss58_encode(filled(0x11, 32), 0).value());
}

TEST_CASE("events: an empty list decodes to no records", "[events]") {
  const Metadata md = frame_registry();
  auto r = ev::chain::decode_events(md, hex("0x00"));
  REQUIRE(r.ok());
  CHECK(r->empty());
}

TEST_CASE("events: rejects unknown pallet and event indices, naming the record", "[events]") {
  const Metadata md = frame_registry();
  Bytes bad_pallet = three_records();
  bad_pallet[6] = 9;  // the first record's RuntimeEvent index
  auto e = events_error(md, bad_pallet);
  CHECK(ev::is(e, DynCodecErrc::BadBytes));
  CHECK(e.message.find("record 0") != std::string::npos);
  CHECK(e.message.find("index 9") != std::string::npos);

  Bytes bad_event = three_records();
  bad_event[7] = 3;  // Balances has no event 3
  e = events_error(md, bad_event);
  CHECK(e.message.find("Balances has no event with index 3") != std::string::npos);

  Bytes bad_phase = three_records();
  bad_phase[1] = 3;
  CHECK(ev::is(events_error(md, bad_phase), DynCodecErrc::BadBytes));
}

TEST_CASE("events: rejects truncated records, trailing bytes and oversized counts", "[events]") {
  const Metadata md = frame_registry();
  Bytes b = three_records();
  b.pop_back();
  auto e = events_error(md, b);
  CHECK(ev::is(e, DynCodecErrc::BadBytes));
  CHECK(e.message.find("record 2") != std::string::npos);

  b = three_records();
  b.push_back(0);
  CHECK(ev::is(events_error(md, b), DynCodecErrc::TrailingBytes));

  // 2^30 records announced in five bytes.
  CHECK(ev::is(events_error(md, hex("0x0300000040")), DynCodecErrc::BadBytes));
  // Truncated inside an account id (record 0's "to"), naming the field.
  b = three_records();
  b.resize(1 + 5 + 2 + 32 + 10);
  e = events_error(md, b);
  CHECK(e.message.find("$.to") != std::string::npos);
}

TEST_CASE("events: a registry without System.Events or FRAME's shape is refused", "[events]") {
  Metadata md = frame_registry();
  md.pallets[0].storage.clear();
  auto r = ev::chain::decode_events(md, hex("0x00"));
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), ev::chain::MetadataErrc::NotFound));

  md = frame_registry();
  md.types[kRecord].fields[2].type = kU32;  // topics is not a Vec of hashes
  r = ev::chain::decode_events(md, hex("0x00"));
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), DynCodecErrc::BadType));
}

TEST_CASE("events: a decoded ExtrinsicFailed names its DispatchError", "[events]") {
  const Metadata md = frame_registry();
  // ExtrinsicFailed { Module { index: 5, error: [2, 0, 0, 0] } } in ApplyExtrinsic(0).
  const Bytes b =
      hex("0x04"
          "0000000000"
          "0001"
          "03"
          "05"
          "02000000"
          "00");
  auto r = ev::chain::decode_events(md, b);
  if (!r.ok()) FAIL(r.error().to_string());
  const Json& err = (*r)[0].value["dispatch_error"];
  CHECK(err == Json{{"Module", {{"index", 5}, {"error", "0x02000000"}}}});
  CHECK(ev::chain::describe_dispatch_error(md, err).value() == "Balances.InsufficientBalance");
}

TEST_CASE("events: describe_dispatch_error covers every DispatchError form", "[events]") {
  const Metadata md = frame_registry();
  using ev::chain::describe_dispatch_error;
  CHECK(describe_dispatch_error(md, "BadOrigin").value() == "BadOrigin");
  CHECK(describe_dispatch_error(md, Json{{"Token", "FundsUnavailable"}}).value() ==
        "Token.FundsUnavailable");
  CHECK(describe_dispatch_error(md, Json{{"Module", {{"index", 5}, {"error", 0}}}}).value() ==
        "Balances.VestingBalance");  // the older u8 error form
  auto unknown = describe_dispatch_error(md, Json{{"Module", {{"index", 5}, {"error", "0x09"}}}});
  REQUIRE_FALSE(unknown.ok());
  CHECK(ev::is(unknown.error(), ev::chain::MetadataErrc::NotFound));
  auto no_pallet =
      describe_dispatch_error(md, Json{{"Module", {{"index", 77}, {"error", "0x00000000"}}}});
  CHECK_FALSE(no_pallet.ok());
  auto wrong = describe_dispatch_error(md, 5);
  REQUIRE_FALSE(wrong.ok());
  CHECK(ev::is(wrong.error(), DynCodecErrc::WrongJsonType));
  CHECK_FALSE(describe_dispatch_error(md, Json{{"Module", "x"}}).ok());

  // Through the codec: every variant of the registry's DispatchError, encoded and decoded.
  for (const Json& v : {Json("Other"), Json("BadOrigin"), Json{{"Token", "OnlyProvider"}},
                        Json{{"Module", {{"index", 5}, {"error", "0x00000000"}}}}}) {
    Bytes raw;
    REQUIRE(ev::chain::encode_value(md, kDispatchError, v, raw).ok());
    const Json back = ev::chain::decode_value_all(md, kDispatchError, raw).value();
    CHECK(back == v);
    CHECK(describe_dispatch_error(md, back).ok());
  }
}
