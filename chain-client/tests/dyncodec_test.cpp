// dyncodec: JSON <-> SCALE for every type kind on hand-built registries, error paths, limits,
// and calls encoded against the real Polkadot v15 metadata.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/chain/scale.hpp"
#include "ev/chain/ss58.hpp"
#include "test_support.hpp"

using ev::append;
using ev::Bytes;
using ev::from_hex;
using ev::to_hex;
using ev::chain::DynCodecErrc;
using ev::chain::Metadata;
using ev::chain::Primitive;
using ev::chain::TypeDef;
using ev::chain::TypeField;
using ev::chain::TypeKind;
using ev::chain::TypeVariant;
using Json = nlohmann::json;

namespace {

// Builds a registry type by type; each add returns the new id.
struct Reg {
  Metadata md;

  std::uint32_t add(TypeDef t) {
    md.types.push_back(std::move(t));
    return static_cast<std::uint32_t>(md.types.size() - 1);
  }
  std::uint32_t prim(Primitive p) {
    TypeDef t;
    t.kind = TypeKind::Primitive;
    t.primitive = p;
    return add(t);
  }
  std::uint32_t with_element(TypeKind k, std::uint32_t e, std::uint32_t len = 0) {
    TypeDef t;
    t.kind = k;
    t.element = e;
    t.length = len;
    return add(t);
  }
  std::uint32_t seq(std::uint32_t e) { return with_element(TypeKind::Sequence, e); }
  std::uint32_t arr(std::uint32_t e, std::uint32_t n) {
    return with_element(TypeKind::Array, e, n);
  }
  std::uint32_t compact(std::uint32_t e) { return with_element(TypeKind::Compact, e); }
  std::uint32_t tuple(std::vector<std::uint32_t> ids) {
    TypeDef t;
    t.kind = TypeKind::Tuple;
    t.tuple = std::move(ids);
    return add(t);
  }
  std::uint32_t composite(std::vector<std::string> path, std::vector<TypeField> fields) {
    TypeDef t;
    t.kind = TypeKind::Composite;
    t.path = std::move(path);
    t.fields = std::move(fields);
    return add(t);
  }
  std::uint32_t variant(std::vector<std::string> path, std::vector<TypeVariant> vs) {
    TypeDef t;
    t.kind = TypeKind::Variant;
    t.path = std::move(path);
    t.variants = std::move(vs);
    return add(t);
  }
  std::uint32_t option(std::uint32_t e) {
    return variant({"Option"}, {{"None", {}, 0}, {"Some", {{std::nullopt, e, {}}}, 1}});
  }
  std::uint32_t bits(std::uint32_t store, const std::string& order) {
    const std::uint32_t o = composite({"bitvec", "order", order}, {});
    TypeDef t;
    t.kind = TypeKind::BitSequence;
    t.element = store;
    t.bit_order = o;
    return add(t);
  }
};

TypeField named(const std::string& n, std::uint32_t type) { return {n, type, {}}; }
TypeField unnamed(std::uint32_t type) { return {std::nullopt, type, {}}; }

Bytes enc(const Metadata& md, std::uint32_t type, const Json& v) {
  Bytes out;
  auto r = ev::chain::encode_value(md, type, v, out);
  INFO(v.dump());
  if (!r.ok()) FAIL(r.error().to_string());
  return out;
}

Json dec(const Metadata& md, std::uint32_t type, const Bytes& b,
         ev::chain::DecodeOptions opts = {}) {
  auto r = ev::chain::decode_value_all(md, type, b, opts);
  if (!r.ok()) FAIL(r.error().to_string());
  return *r;
}

ev::Error enc_err(const Metadata& md, std::uint32_t type, const Json& v) {
  Bytes out;
  auto r = ev::chain::encode_value(md, type, v, out);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

ev::Error dec_err(const Metadata& md, std::uint32_t type, const Bytes& b) {
  auto r = ev::chain::decode_value_all(md, type, b);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

Bytes hex(const std::string& h) { return from_hex(h).value(); }

// Encodes `v`, checks the bytes, decodes them back and checks the JSON.
void round_trip(const Metadata& md, std::uint32_t type, const Json& v, const std::string& bytes) {
  INFO(v.dump() << " as " << bytes);
  CHECK(to_hex(enc(md, type, v)) == bytes);
  CHECK(dec(md, type, hex(bytes)) == v);
}

}  // namespace

TEST_CASE("dyncodec: fixed-width integers round trip at their limits", "[dyncodec]") {
  Reg r;
  round_trip(r.md, r.prim(Primitive::U8), 255, "0xff");
  round_trip(r.md, r.prim(Primitive::U16), 0x1234, "0x3412");
  round_trip(r.md, r.prim(Primitive::U32), 4294967295u, "0xffffffff");
  round_trip(r.md, r.prim(Primitive::U64), 18446744073709551615u, "0xffffffffffffffff");
  round_trip(r.md, r.prim(Primitive::I8), -128, "0x80");
  round_trip(r.md, r.prim(Primitive::I16), -2, "0xfeff");
  round_trip(r.md, r.prim(Primitive::I32), -2147483648, "0x00000080");
  round_trip(r.md, r.prim(Primitive::I64), -1, "0xffffffffffffffff");
}

TEST_CASE("dyncodec: 128- and 256-bit integers are decimal strings", "[dyncodec]") {
  Reg r;
  const auto u128 = r.prim(Primitive::U128);
  const auto i128 = r.prim(Primitive::I128);
  const auto u256 = r.prim(Primitive::U256);
  const auto i256 = r.prim(Primitive::I256);
  round_trip(r.md, u128, "340282366920938463463374607431768211455", "0x" + std::string(32, 'f'));
  round_trip(r.md, u128, "12345000000", "0x40c0d1df020000000000000000000000");
  round_trip(r.md, i128, "-170141183460469231731687303715884105728",
             "0x" + std::string(30, '0') + "80");
  round_trip(r.md, i128, "-1", "0x" + std::string(32, 'f'));
  round_trip(r.md, u256,
             "115792089237316195423570985008687907853269984665640564039457584007913129639935",
             "0x" + std::string(64, 'f'));
  round_trip(r.md, i256,
             "-57896044618658097711785492504343953926634992332820282019728792003956564819968",
             "0x" + std::string(62, '0') + "80");
  round_trip(r.md, u256, "0", "0x" + std::string(64, '0'));
  // A JSON number is accepted for wide types too; the decode gives the string form.
  CHECK(to_hex(enc(r.md, u128, 7)) == "0x07" + std::string(30, '0'));
}

TEST_CASE("dyncodec: integers accept decimal strings and reject out-of-range values",
          "[dyncodec]") {
  Reg r;
  const auto u8 = r.prim(Primitive::U8);
  const auto i8 = r.prim(Primitive::I8);
  const auto u64 = r.prim(Primitive::U64);
  const auto u128 = r.prim(Primitive::U128);
  CHECK(to_hex(enc(r.md, u8, "200")) == "0xc8");
  CHECK(to_hex(enc(r.md, i8, "-5")) == "0xfb");
  CHECK(to_hex(enc(r.md, u64, "18446744073709551615")) == "0xffffffffffffffff");
  CHECK(ev::is(enc_err(r.md, u8, 256), DynCodecErrc::OutOfRange));
  CHECK(ev::is(enc_err(r.md, i8, -129), DynCodecErrc::OutOfRange));
  CHECK(ev::is(enc_err(r.md, i8, 128), DynCodecErrc::OutOfRange));
  CHECK(ev::is(enc_err(r.md, u8, -1), DynCodecErrc::OutOfRange));
  CHECK(ev::is(enc_err(r.md, u64, "18446744073709551616"), DynCodecErrc::OutOfRange));
  CHECK(ev::is(enc_err(r.md, u128, "340282366920938463463374607431768211456"),
               DynCodecErrc::OutOfRange));
  CHECK(ev::is(enc_err(r.md, u8, "12a"), DynCodecErrc::BadText));
  CHECK(ev::is(enc_err(r.md, u8, ""), DynCodecErrc::BadText));
  CHECK(ev::is(enc_err(r.md, u8, 1.5), DynCodecErrc::WrongJsonType));
  CHECK(ev::is(enc_err(r.md, u8, true), DynCodecErrc::WrongJsonType));
  const auto e = enc_err(r.md, u8, Json::array());
  CHECK(e.message.find("$: expected an integer") != std::string::npos);
}

TEST_CASE("dyncodec: bool, char and str", "[dyncodec]") {
  Reg r;
  const auto b = r.prim(Primitive::Bool);
  const auto c = r.prim(Primitive::Char);
  const auto s = r.prim(Primitive::Str);
  round_trip(r.md, b, true, "0x01");
  round_trip(r.md, b, false, "0x00");
  round_trip(r.md, c, "A", "0x41000000");
  round_trip(r.md, c, "\xe2\x82\xac", "0xac200000");  // U+20AC
  round_trip(r.md, s, "hello", "0x1468656c6c6f");
  CHECK(ev::is(enc_err(r.md, b, 1), DynCodecErrc::WrongJsonType));
  CHECK(ev::is(enc_err(r.md, c, "AB"), DynCodecErrc::BadText));
  CHECK(ev::is(enc_err(r.md, s, 5), DynCodecErrc::WrongJsonType));
  CHECK(ev::is(dec_err(r.md, b, hex("0x02")), DynCodecErrc::BadBytes));
  CHECK(ev::is(dec_err(r.md, c, hex("0x00d80000")), DynCodecErrc::BadBytes));  // surrogate
  CHECK(ev::is(dec_err(r.md, s, hex("0x04ff")), DynCodecErrc::BadBytes));      // not UTF-8
}

TEST_CASE("dyncodec: compact follows the type, also through single-field wrappers", "[dyncodec]") {
  Reg r;
  const auto u32 = r.prim(Primitive::U32);
  const auto u16 = r.prim(Primitive::U16);
  const auto u128 = r.prim(Primitive::U128);
  const auto c32 = r.compact(u32);
  const auto c128 = r.compact(u128);
  const auto per_u16 = r.composite({"sp_arithmetic", "per_things", "PerU16"}, {unnamed(u16)});
  const auto cper = r.compact(per_u16);
  round_trip(r.md, c32, 0, "0x00");
  round_trip(r.md, c32, 63, "0xfc");
  round_trip(r.md, c32, 64, "0x0101");
  round_trip(r.md, c32, 1073741824, "0x0300000040");
  round_trip(r.md, c128, "12345000000", "0x0740c0d1df02");
  round_trip(r.md, cper, 65535, "0xfeff0300");
  CHECK(ev::is(enc_err(r.md, c32, "4294967296"), DynCodecErrc::OutOfRange));
  CHECK(ev::is(enc_err(r.md, cper, 65536), DynCodecErrc::OutOfRange));
  // Non-canonical (value 1 in the two-byte form).
  CHECK(ev::is(dec_err(r.md, c32, hex("0x0500")), DynCodecErrc::BadBytes));
}

TEST_CASE("dyncodec: byte sequences and byte arrays are 0x-hex", "[dyncodec]") {
  Reg r;
  const auto u8 = r.prim(Primitive::U8);
  const auto vec = r.seq(u8);
  const auto a4 = r.arr(u8, 4);
  round_trip(r.md, vec, "0x68656c6c6f", "0x1468656c6c6f");
  round_trip(r.md, vec, "0x", "0x00");
  round_trip(r.md, a4, "0x01020304", "0x01020304");
  CHECK(to_hex(enc(r.md, vec, Json::array({1, 2, 255}))) == "0x0c0102ff");
  CHECK(ev::is(enc_err(r.md, a4, "0x010203"), DynCodecErrc::LengthMismatch));
  CHECK(ev::is(enc_err(r.md, vec, "0xzz"), DynCodecErrc::BadText));
  CHECK(ev::is(enc_err(r.md, vec, Json::array({1, 256})), DynCodecErrc::OutOfRange));
  CHECK(ev::is(dec_err(r.md, a4, hex("0x010203")), DynCodecErrc::BadBytes));
}

TEST_CASE("dyncodec: sequences, arrays and tuples are JSON arrays", "[dyncodec]") {
  Reg r;
  const auto u16 = r.prim(Primitive::U16);
  const auto b = r.prim(Primitive::Bool);
  const auto vec = r.seq(u16);
  const auto a2 = r.arr(u16, 2);
  const auto tup = r.tuple({u16, b});
  const auto unit = r.tuple({});
  round_trip(r.md, vec, Json::array({1, 2, 3}), "0x0c010002000300");
  round_trip(r.md, vec, Json::array(), "0x00");
  round_trip(r.md, a2, Json::array({1, 2}), "0x01000200");
  round_trip(r.md, tup, Json::array({7, true}), "0x070001");
  round_trip(r.md, unit, nullptr, "0x");
  CHECK(ev::is(enc_err(r.md, a2, Json::array({1})), DynCodecErrc::LengthMismatch));
  CHECK(ev::is(enc_err(r.md, tup, Json::array({1, true, 3})), DynCodecErrc::LengthMismatch));
  CHECK(ev::is(enc_err(r.md, vec, Json::object()), DynCodecErrc::WrongJsonType));
  const auto e = enc_err(r.md, vec, Json::array({1, "x"}));
  CHECK(e.message.find("$[1]") != std::string::npos);
  // A length prefix larger than the input allows.
  CHECK(ev::is(dec_err(r.md, vec, hex("0xfeff")), DynCodecErrc::BadBytes));
}

TEST_CASE("dyncodec: composites by name or position, newtypes transparent", "[dyncodec]") {
  Reg r;
  const auto u8 = r.prim(Primitive::U8);
  const auto u32 = r.prim(Primitive::U32);
  const auto point = r.composite({"Point"}, {named("x", u8), named("y", u32)});
  const auto wrapper = r.composite({"Wrapper"}, {unnamed(u32)});
  const auto pair = r.composite({"Pair"}, {unnamed(u8), unnamed(u8)});
  const auto empty = r.composite({"Empty"}, {});
  round_trip(r.md, point, Json{{"x", 1}, {"y", 2}}, "0x0102000000");
  CHECK(to_hex(enc(r.md, point, Json::array({1, 2}))) == "0x0102000000");
  round_trip(r.md, wrapper, 9, "0x09000000");
  round_trip(r.md, pair, Json::array({1, 2}), "0x0102");
  round_trip(r.md, empty, nullptr, "0x");
  CHECK(to_hex(enc(r.md, empty, Json::object())) == "0x");

  const auto missing = enc_err(r.md, point, Json{{"x", 1}});
  CHECK(ev::is(missing, DynCodecErrc::MissingField));
  CHECK(missing.message.find("$.y") != std::string::npos);
  const auto extra = enc_err(r.md, point, Json{{"x", 1}, {"y", 2}, {"z", 3}});
  CHECK(ev::is(extra, DynCodecErrc::UnknownField));
  CHECK(extra.message.find("'z'") != std::string::npos);
  const auto deep = enc_err(r.md, point, Json{{"x", 1}, {"y", "nope"}});
  CHECK(deep.message.find("$.y") != std::string::npos);
}

TEST_CASE("dyncodec: AccountId32 is SS58 out, SS58 under any prefix or hex in", "[dyncodec]") {
  Reg r;
  const auto u8 = r.prim(Primitive::U8);
  const auto a32 = r.arr(u8, 32);
  const auto acc = r.composite({"sp_core", "crypto", "AccountId32"}, {unnamed(a32)});
  const std::string raw = "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d";
  const Bytes key = hex(raw);
  const std::string s42 = ev::chain::ss58_encode(key, 42).value();
  const std::string s0 = ev::chain::ss58_encode(key, 0).value();
  CHECK(to_hex(enc(r.md, acc, s42)) == raw);
  CHECK(to_hex(enc(r.md, acc, s0)) == raw);
  CHECK(to_hex(enc(r.md, acc, raw)) == raw);
  CHECK(dec(r.md, acc, key) == s42);
  CHECK(dec(r.md, acc, key, {.ss58_prefix = 0}) == s0);
  std::string broken = s42;
  broken.back() = broken.back() == 'a' ? 'b' : 'a';
  CHECK(ev::is(enc_err(r.md, acc, broken), DynCodecErrc::BadText));
  CHECK(ev::is(enc_err(r.md, acc, "0x1234"), DynCodecErrc::BadText));
  CHECK(ev::is(enc_err(r.md, acc, 5), DynCodecErrc::WrongJsonType));
}

TEST_CASE("dyncodec: enums as \"Variant\" or {\"Variant\": value}; Option as null", "[dyncodec]") {
  Reg r;
  const auto u8 = r.prim(Primitive::U8);
  const auto u32 = r.prim(Primitive::U32);
  const auto e = r.variant({"Shape"}, {{"Unit", {}, 0},
                                       {"One", {unnamed(u32)}, 3},
                                       {"Named", {named("a", u8), named("b", u8)}, 7},
                                       {"Two", {unnamed(u8), unnamed(u8)}, 9}});
  const auto opt = r.option(u32);
  round_trip(r.md, e, "Unit", "0x00");
  round_trip(r.md, e, Json{{"One", 5}}, "0x0305000000");
  round_trip(r.md, e, Json{{"Named", {{"a", 1}, {"b", 2}}}}, "0x070102");
  round_trip(r.md, e, Json{{"Two", Json::array({1, 2})}}, "0x090102");
  CHECK(to_hex(enc(r.md, e, Json{{"Unit", nullptr}})) == "0x00");
  round_trip(r.md, opt, nullptr, "0x00");
  round_trip(r.md, opt, 7, "0x0107000000");

  const auto unknown = enc_err(r.md, e, "Nope");
  CHECK(ev::is(unknown, DynCodecErrc::UnknownVariant));
  CHECK(unknown.message.find("Unit, One, Named, Two") != std::string::npos);
  CHECK(ev::is(enc_err(r.md, e, "One"), DynCodecErrc::WrongJsonType));
  CHECK(ev::is(enc_err(r.md, e, Json{{"One", 1}, {"Unit", nullptr}}), DynCodecErrc::WrongJsonType));
  const auto inner = enc_err(r.md, e, Json{{"Named", {{"a", 1}}}});
  CHECK(inner.message.find("$.Named.b") != std::string::npos);
  CHECK(ev::is(dec_err(r.md, e, hex("0x01")), DynCodecErrc::BadBytes));
  CHECK(ev::is(dec_err(r.md, opt, hex("0x02")), DynCodecErrc::BadBytes));
}

TEST_CASE("dyncodec: bit sequences pack Lsb0 and Msb0 into their store type", "[dyncodec]") {
  Reg r;
  const auto u8 = r.prim(Primitive::U8);
  const auto u16 = r.prim(Primitive::U16);
  const auto lsb = r.bits(u8, "Lsb0");
  const auto msb = r.bits(u8, "Msb0");
  const auto lsb16 = r.bits(u16, "Lsb0");
  const Json v = Json::array({true, false, true, true, false, false, false, false, true});
  round_trip(r.md, lsb, v, "0x240d01");
  round_trip(r.md, msb, v, "0x24b080");
  round_trip(r.md, lsb16, v, "0x240d01");
  round_trip(r.md, lsb, Json::array(), "0x00");
  // Bits past the length must be zero (the canonical form).
  CHECK(ev::is(dec_err(r.md, lsb, hex("0x240d03")), DynCodecErrc::BadBytes));
  CHECK(ev::is(enc_err(r.md, lsb, Json::array({1})), DynCodecErrc::WrongJsonType));
}

TEST_CASE("dyncodec: decode reports truncation with offset and path, and trailing bytes",
          "[dyncodec]") {
  Reg r;
  const auto u8 = r.prim(Primitive::U8);
  const auto u32 = r.prim(Primitive::U32);
  const auto point = r.composite({"Point"}, {named("x", u8), named("y", u32)});
  const auto e = dec_err(r.md, point, hex("0x010203"));
  CHECK(ev::is(e, DynCodecErrc::BadBytes));
  CHECK(e.message.find("$.y") != std::string::npos);
  CHECK(e.message.find("offset 1") != std::string::npos);
  CHECK(ev::is(dec_err(r.md, point, hex("0x010200000000")), DynCodecErrc::TrailingBytes));
  // decode_value leaves trailing input to the caller.
  const Bytes two = hex("0x0102000000ff");
  ev::scale::Decoder in(two);
  CHECK(ev::chain::decode_value(r.md, point, in).ok());
  CHECK(in.remaining() == 1);
}

TEST_CASE("dyncodec: hostile registries hit the depth limit and the value budget", "[dyncodec]") {
  Reg r;
  // Type 0 wraps itself: infinite without the depth limit.
  TypeDef self;
  self.kind = TypeKind::Composite;
  self.fields = {unnamed(0)};
  r.add(self);
  CHECK(ev::is(dec_err(r.md, 0, hex("0x00")), DynCodecErrc::LimitExceeded));
  CHECK(ev::is(enc_err(r.md, 0, 1), DynCodecErrc::LimitExceeded));
  // 2^32 - 1 zero-sized elements from zero bytes.
  const auto unit = r.tuple({});
  const auto huge = r.arr(unit, 0xFFFFFFFFu);
  CHECK(ev::is(dec_err(r.md, huge, {}), DynCodecErrc::LimitExceeded));
  // A type id outside the registry.
  CHECK(ev::is(dec_err(r.md, 999, hex("0x00")), DynCodecErrc::BadType));
  CHECK(ev::is(enc_err(r.md, 999, 1), DynCodecErrc::BadType));
}

// ---- Against the real Polkadot v15 metadata ----

namespace {

const Metadata& polkadot_v15() {
  static const Metadata md = [] {
    const auto path = ev::test::require_vectors("substrate/metadata_polkadot_v15.bin");
    const std::string raw = ev::test::read_file(path);
    auto r = ev::chain::decode_metadata(ev::as_bytes(raw));
    if (!r.ok()) FAIL(r.error().to_string());
    return std::move(r).value();
  }();
  return md;
}

Bytes call_header(const Metadata& md, const char* pallet, const char* call) {
  const auto ci = md.call(pallet, call).value();
  return {ci.pallet_index, ci.call_index};
}

Bytes call_or_fail(const Metadata& md, const char* pallet, const char* call, const Json& args) {
  auto r = ev::chain::encode_call(md, pallet, call, args);
  if (!r.ok()) FAIL(r.error().to_string());
  return *r;
}

}  // namespace

TEST_CASE("dyncodec: Polkadot System.remark_with_event by position and by name",
          "[dyncodec][polkadot]") {
  const auto& md = polkadot_v15();
  Bytes want = call_header(md, "System", "remark_with_event");
  append(want, hex("0x1468656c6c6f"));
  CHECK(call_or_fail(md, "System", "remark_with_event", Json::array({"0x68656c6c6f"})) == want);
  CHECK(call_or_fail(md, "System", "remark_with_event", Json{{"remark", "0x68656c6c6f"}}) == want);
  ev::scale::Decoder in(want);
  const auto back = ev::chain::decode_call(md, in).value();
  CHECK(back == Json{{"pallet", "System"},
                     {"call", "remark_with_event"},
                     {"args", {{"remark", "0x68656c6c6f"}}}});
  CHECK(in.empty());
}

TEST_CASE("dyncodec: Polkadot Balances.transfer_keep_alive equals the vectors' small_call",
          "[dyncodec][polkadot]") {
  const auto& md = polkadot_v15();
  const auto vectors = ev::test::read_file(ev::test::require_vectors("substrate/vectors.json"));
  const auto v = Json::parse(vectors);
  const std::string want = v["extrinsic_v4_manual"]["small_call"]["call"];
  const std::string bob = v["extrinsic_v4_polkadot_metadata"]["decoded"]["method"]["args"]["dest"]
                           ["Id"];  // SS58, prefix 0
  CHECK(to_hex(call_or_fail(md, "Balances", "transfer_keep_alive",
                            Json{{"dest", {{"Id", bob}}}, {"value", 12345000000u}})) == want);
  CHECK(to_hex(call_or_fail(md, "Balances", "transfer_keep_alive",
                            Json::array({Json{{"Id", bob}}, "12345000000"}))) == want);
  const Bytes raw = hex(want);
  ev::scale::Decoder in(raw);
  const auto back = ev::chain::decode_call(md, in, {.ss58_prefix = 0}).value();
  CHECK(back["pallet"] == "Balances");
  CHECK(back["call"] == "transfer_keep_alive");
  CHECK(back["args"]["dest"] == Json{{"Id", bob}});
  CHECK(back["args"]["value"] == "12345000000");
}

TEST_CASE("dyncodec: Polkadot Utility.batch_all nests calls in either JSON form",
          "[dyncodec][polkadot]") {
  const auto& md = polkadot_v15();
  const Bytes one = call_or_fail(md, "System", "remark", Json::array({"0x01"}));
  const Bytes two = call_or_fail(md, "System", "remark", Json::array({"0x0203"}));
  Bytes want = call_header(md, "Utility", "batch_all");
  want.push_back(2 << 2);
  append(want, one);
  append(want, two);
  const Json calls = Json::array({
      Json{{"pallet", "System"}, {"call", "remark"}, {"args", Json::array({"0x01"})}},
      Json{{"System", {{"remark", {{"remark", "0x0203"}}}}}},
  });
  CHECK(call_or_fail(md, "Utility", "batch_all", Json{{"calls", calls}}) == want);
  ev::scale::Decoder in(want);
  const auto back = ev::chain::decode_call(md, in).value();
  CHECK(back["args"]["calls"][1] == Json{{"System", {{"remark", {{"remark", "0x0203"}}}}}});
}

TEST_CASE("dyncodec: V14 metadata takes the {pallet, call, args} form through the extrinsic's Call",
          "[dyncodec][polkadot]") {
  // V14 names no call type (no outer enums, no extrinsic call type): the runtime call is the
  // `Call` type parameter of the UncheckedExtrinsic type, as the dev node's metadata declares it.
  const auto& v15 = polkadot_v15();
  const std::uint32_t runtime_call = v15.extrinsic.call_type.value();
  Metadata v14 = v15;
  v14.outer_enums.reset();
  v14.extrinsic.call_type.reset();
  TypeDef ux;
  ux.path = {"sp_runtime", "generic", "unchecked_extrinsic", "UncheckedExtrinsic"};
  ux.params = {{"Address", v15.extrinsic.address_type},
               {"Call", runtime_call},
               {"Signature", v15.extrinsic.signature_type},
               {"Extra", v15.extrinsic.extra_type}};
  ux.kind = TypeKind::Sequence;
  ux.element = 2;  // any type: only the parameters are read
  v14.extrinsic.extrinsic_type = static_cast<std::uint32_t>(v14.types.size());
  v14.types.push_back(ux);
  const Json calls = Json::array(
      {Json{{"pallet", "System"}, {"call", "remark"}, {"args", Json::array({"0x01"})}}});
  CHECK(call_or_fail(v14, "Utility", "batch_all", Json{{"calls", calls}}) ==
        call_or_fail(v15, "Utility", "batch_all", Json{{"calls", calls}}));
  // Without that parameter the call type is unknown and the form is refused.
  v14.types.back().params[1].name = "NotCall";
  CHECK_FALSE(ev::chain::encode_call(v14, "Utility", "batch_all", Json{{"calls", calls}}).ok());
}

TEST_CASE("dyncodec: call errors name the pallet, call and argument", "[dyncodec][polkadot]") {
  const auto& md = polkadot_v15();
  auto wrong = ev::chain::encode_call(md, "System", "remark_with_event", Json{{"remark", 5}});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.error().message.find("System.remark_with_event: argument remark") !=
        std::string::npos);
  auto missing = ev::chain::encode_call(md, "System", "remark_with_event", Json::object());
  REQUIRE_FALSE(missing.ok());
  CHECK(ev::is(missing.error(), DynCodecErrc::MissingField));
  auto extra = ev::chain::encode_call(md, "System", "remark_with_event",
                                      Json{{"remark", "0x"}, {"other", 1}});
  REQUIRE_FALSE(extra.ok());
  CHECK(ev::is(extra.error(), DynCodecErrc::UnknownField));
  auto count = ev::chain::encode_call(md, "System", "remark_with_event", Json::array());
  REQUIRE_FALSE(count.ok());
  CHECK(ev::is(count.error(), DynCodecErrc::LengthMismatch));
  const Json bad_transfer = {{"pallet", "Balances"},
                             {"call", "transfer_keep_alive"},
                             {"args", {{"dest", {{"Id", "not-an-address"}}}, {"value", 1}}}};
  auto nested = ev::chain::encode_call(md, "Utility", "batch_all",
                                       Json{{"calls", Json::array({bad_transfer})}});
  REQUIRE_FALSE(nested.ok());
  CHECK(nested.error().message.find("Balances.transfer_keep_alive: argument dest") !=
        std::string::npos);
  CHECK(nested.error().message.find("$.Id") != std::string::npos);
  auto unknown = ev::chain::encode_call(md, "System", "no_such_call", Json::array());
  REQUIRE_FALSE(unknown.ok());
  CHECK(ev::is(unknown.error(), ev::chain::MetadataErrc::NotFound));
}

TEST_CASE("dyncodec: every Polkadot constant decodes and re-encodes to its bytes",
          "[dyncodec][polkadot]") {
  const auto& md = polkadot_v15();
  std::size_t n = 0;
  for (const auto& p : md.pallets) {
    for (const auto& c : p.constants) {
      INFO(p.name << "." << c.name);
      auto v = ev::chain::decode_value_all(md, c.type, c.value);
      if (!v.ok()) FAIL(v.error().to_string());
      Bytes again;
      auto e = ev::chain::encode_value(md, c.type, *v, again);
      if (!e.ok()) FAIL(e.error().to_string());
      CHECK(again == c.value);
      ++n;
    }
  }
  CHECK(n > 100);
}
