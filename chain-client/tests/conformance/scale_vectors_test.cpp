// SCALE and era known answers from ../shared/vectors/substrate/vectors.json (polkadot-js):
// every entry of the compact, compact_invalid_noncanonical, scale and mortal_era sections.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include <charconv>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ev/chain/era.hpp"
#include "ev/chain/scale.hpp"
#include "test_support.hpp"

using ev::Bytes;
using ev::u128;
using ev::scale::Compact;
using ev::scale::Decoder;
using ev::scale::Encoder;
using ev::scale::Errc;
using simdjson::dom::element;

namespace {

// DemoEnum{Unit, WithU32(u32), WithStruct{a: u8, b: Compact<u64>}}
struct DemoUnit {
  friend bool operator==(const DemoUnit&, const DemoUnit&) = default;
};
struct DemoWithU32 {
  std::uint32_t value = 0;
  EV_SCALE_FIELDS(value)
  friend bool operator==(const DemoWithU32&, const DemoWithU32&) = default;
};
struct DemoWithStruct {
  std::uint8_t a = 0;
  Compact<std::uint64_t> b;
  EV_SCALE_FIELDS(a, b)
  friend bool operator==(const DemoWithStruct&, const DemoWithStruct&) = default;
};
using DemoEnum = std::variant<DemoUnit, DemoWithU32, DemoWithStruct>;

// DemoStruct{flag: bool, num: u16, name: String, opt: Option<u32>, list: Vec<u16>}
struct DemoStruct {
  bool flag = false;
  std::uint16_t num = 0;
  std::string name;
  std::optional<std::uint32_t> opt;
  std::vector<std::uint16_t> list;
  EV_SCALE_FIELDS(flag, num, name, opt, list)
  friend bool operator==(const DemoStruct&, const DemoStruct&) = default;
};

// The parsed file; elements point into the parser, so both live for the whole run.
element vectors_root() {
  static simdjson::dom::parser parser;
  static const element root =
      parser.load(ev::test::require_vectors("substrate/vectors.json").string()).value();
  return root;
}

Bytes hex(element e) { return ev::from_hex(std::string_view(e.get_string().value())).value(); }

std::string str(element e) { return std::string(e.get_string().value()); }

// Integers are decimal strings (or plain JSON numbers in a few places).
u128 unsigned_num(element e) {
  if (e.is_string()) return ev::u128_from_string(std::string_view(e.get_string().value())).value();
  return e.get_uint64().value();
}

std::int64_t signed_num(element e) {
  const std::string_view s = e.get_string().value();
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  REQUIRE((ec == std::errc() && end == s.data() + s.size()));
  return v;
}

template <class T>
T uint_as(element e) {
  const u128 v = unsigned_num(e);
  if constexpr (!std::is_same_v<T, u128>) REQUIRE(v <= std::numeric_limits<T>::max());
  return static_cast<T>(v);
}

template <class T>
std::vector<T> uint_list(element e) {
  std::vector<T> out;
  const simdjson::dom::array items = e.get_array().value();
  for (element x : items) out.push_back(uint_as<T>(x));
  return out;
}

// Encodes `v` (expecting exactly `expected`) and decodes `expected` back to `v`.
template <class T>
void check(const T& v, const Bytes& expected) {
  REQUIRE(ev::to_hex(ev::scale::encode(v)) == ev::to_hex(expected));
  auto back = ev::scale::decode_all<T>(expected);
  INFO((back.ok() ? std::string() : back.error().to_string()));
  REQUIRE(back.ok());
  REQUIRE((*back == v));
}

DemoEnum demo_enum(element v) {
  if (v.is_string()) {
    REQUIRE(str(v) == "Unit");
    return DemoUnit{};
  }
  const auto obj = v.get_object().value();
  REQUIRE(obj.size() == 1);
  const auto field = *obj.begin();
  if (field.key == "WithU32") return DemoWithU32{uint_as<std::uint32_t>(field.value)};
  REQUIRE(field.key == "WithStruct");
  return DemoWithStruct{uint_as<std::uint8_t>(field.value["a"].value()),
                        {uint_as<std::uint64_t>(field.value["b"].value())}};
}

DemoStruct demo_struct(element v) {
  DemoStruct s;
  s.flag = v["flag"].get_bool().value();
  s.num = uint_as<std::uint16_t>(v["num"].value());
  s.name = str(v["name"].value());
  const element opt = v["opt"].value();
  if (!opt.is_null()) s.opt = uint_as<std::uint32_t>(opt);
  s.list = uint_list<std::uint16_t>(v["list"].value());
  return s;
}

using Checker = std::function<void(element value, const Bytes& expected)>;

template <class T>
Checker unsigned_checker() {
  return [](element v, const Bytes& b) { check(uint_as<T>(v), b); };
}

template <class T>
Checker signed_checker() {
  return [](element v, const Bytes& b) {
    const std::int64_t x = signed_num(v);
    REQUIRE(static_cast<std::int64_t>(static_cast<T>(x)) == x);
    check(static_cast<T>(x), b);
  };
}

// Type name in vectors.json (up to any '{' detail) -> how to build and check the value.
const std::map<std::string, Checker>& checkers() {
  static const std::map<std::string, Checker> m = {
      {"bool", [](element v, const Bytes& b) { check(v.get_bool().value(), b); }},
      {"u8", unsigned_checker<std::uint8_t>()},
      {"u16", unsigned_checker<std::uint16_t>()},
      {"u32", unsigned_checker<std::uint32_t>()},
      {"u64", unsigned_checker<std::uint64_t>()},
      {"u128", unsigned_checker<u128>()},
      {"i8", signed_checker<std::int8_t>()},
      {"i16", signed_checker<std::int16_t>()},
      {"i32", signed_checker<std::int32_t>()},
      {"i64", signed_checker<std::int64_t>()},
      {"Option<u32>",
       [](element v, const Bytes& b) {
         std::optional<std::uint32_t> x;
         if (!v.is_null()) x = uint_as<std::uint32_t>(v);
         check(x, b);
       }},
      {"Option<bool>",
       [](element v, const Bytes& b) { check(std::optional<bool>(v.get_bool().value()), b); }},
      {"Option<Option<u8>>",
       [](element v, const Bytes& b) {
         REQUIRE(str(v) == "Some(None)");
         check(std::optional<std::optional<std::uint8_t>>(std::optional<std::uint8_t>()), b);
       }},
      {"Result<u8, bool>",
       [](element v, const Bytes& b) {
         using R = ev::scale::ScaleResult<std::uint8_t, bool>;
         element ok;
         if (v["Ok"].get(ok) == simdjson::SUCCESS)
           return check(R::ok(uint_as<std::uint8_t>(ok)), b);
         check(R::err(v["Err"].get_bool().value()), b);
       }},
      {"Vec<u16>", [](element v, const Bytes& b) { check(uint_list<std::uint16_t>(v), b); }},
      {"Vec<u8> (Bytes)", [](element v, const Bytes& b) { check(hex(v), b); }},
      {"String", [](element v, const Bytes& b) { check(str(v), b); }},
      {"[u8; 4]",
       [](element v, const Bytes& b) {
         check(ev::from_hex_fixed<4>(std::string_view(v.get_string().value())).value(), b);
       }},
      {"(u8, u16, Compact<u32>)",
       [](element v, const Bytes& b) {
         const auto a = v.get_array().value();
         REQUIRE(a.size() == 3);
         check(std::tuple<std::uint8_t, std::uint16_t, Compact<std::uint32_t>>(
                   uint_as<std::uint8_t>(a.at(0).value()), uint_as<std::uint16_t>(a.at(1).value()),
                   {uint_as<std::uint32_t>(a.at(2).value())}),
               b);
       }},
      {"DemoEnum", [](element v, const Bytes& b) { check(demo_enum(v), b); }},
      {"DemoStruct", [](element v, const Bytes& b) { check(demo_struct(v), b); }},
      {"BTreeMap<u32, bool>",
       [](element v, const Bytes& b) {
         std::map<std::uint32_t, bool> map;
         const simdjson::dom::object entries = v.get_object().value();
         for (auto field : entries) {
           const u128 k = ev::u128_from_string(field.key).value();
           REQUIRE(k <= UINT32_MAX);
           map[static_cast<std::uint32_t>(k)] = field.value.get_bool().value();
         }
         check(map, b);
       }},
  };
  return m;
}

std::size_t compact_mode_size(const std::string& mode) {
  if (mode == "single-byte") return 1;
  if (mode == "two-byte") return 2;
  if (mode == "four-byte") return 4;
  REQUIRE(mode == "big-integer");
  return 5;  // at least
}

}  // namespace

TEST_CASE("vectors: compact encodes and decodes every entry", "[scale][conformance]") {
  const auto entries = vectors_root()["compact"].get_array().value();
  std::size_t checked = 0;
  for (element entry : entries) {
    const u128 value = unsigned_num(entry["value"].value());
    const Bytes expected = hex(entry["hex"].value());
    INFO(ev::u128_to_string(value) << " " << ev::to_hex(expected));
    Encoder e;
    e.compact(value);
    REQUIRE(e.data() == expected);
    const std::size_t mode = compact_mode_size(str(entry["mode"].value()));
    REQUIRE((mode == 5 ? expected.size() >= 5 : expected.size() == mode));
    Decoder d(expected);
    const auto r = d.compact();
    REQUIRE(r.ok());
    REQUIRE((*r == value));
    REQUIRE(d.finish().ok());
    check(Compact<u128>{value}, expected);
    ++checked;
  }
  REQUIRE(checked == entries.size());
  REQUIRE(checked > 0);
}

TEST_CASE("vectors: every non-canonical compact is rejected", "[scale][conformance]") {
  const auto entries = vectors_root()["compact_invalid_noncanonical"].get_array().value();
  std::size_t checked = 0;
  for (element entry : entries) {
    const Bytes in = hex(entry["hex"].value());
    INFO(ev::to_hex(in) << ": " << str(entry["why"].value()));
    Decoder d(in);
    const auto r = d.compact();
    REQUIRE_FALSE(r.ok());
    INFO(r.error().to_string());
    REQUIRE((ev::is(r.error(), Errc::NonCanonicalCompact) || ev::is(r.error(), Errc::Overflow)));
    REQUIRE(d.pos() == 0);
    REQUIRE_FALSE(Decoder(in).compact_as<std::uint64_t>().ok());
    REQUIRE_FALSE(ev::scale::decode_all<Compact<u128>>(in).ok());
    ++checked;
  }
  REQUIRE(checked == entries.size());
  REQUIRE(checked > 0);
}

TEST_CASE("vectors: every scale sample encodes and decodes", "[scale][conformance]") {
  const auto entries = vectors_root()["scale"].get_array().value();
  std::size_t checked = 0;
  for (element entry : entries) {
    const std::string type = str(entry["type"].value());
    INFO(type << " = " << simdjson::to_string(entry["value"].value()));
    const auto it = checkers().find(type.substr(0, type.find('{')));
    if (it == checkers().end()) FAIL("no checker for type " << type);
    it->second(entry["value"].value(), hex(entry["hex"].value()));
    ++checked;
  }
  REQUIRE(checked == entries.size());
  REQUIRE(checked > 0);
}

TEST_CASE("vectors: mortal era cases", "[era][conformance]") {
  const element era = vectors_root()["mortal_era"].value();
  REQUIRE(ev::to_hex(ev::scale::encode(ev::chain::Era::immortal())) ==
          str(era["immortal_hex"].value()));
  REQUIRE(ev::scale::decode_all<ev::chain::Era>(hex(era["immortal_hex"].value()))->is_immortal());
  const auto cases = era["cases"].get_array().value();
  std::size_t checked = 0;
  for (element c : cases) {
    const std::uint64_t current = c["current_block"].get_uint64().value();
    const auto e = ev::chain::Era::mortal(c["input_period"].get_uint64().value(), current);
    INFO(simdjson::to_string(c));
    REQUIRE(e.period() == c["period"].get_uint64().value());
    REQUIRE(e.phase() == c["phase"].get_uint64().value());
    REQUIRE(ev::to_hex(ev::scale::encode(e)) == str(c["hex"].value()));
    REQUIRE(e.birth(current) == c["birth"].get_uint64().value());
    REQUIRE(e.death(current) == c["death"].get_uint64().value());
    const auto back = ev::scale::decode_all<ev::chain::Era>(hex(c["hex"].value()));
    REQUIRE(back.ok());
    REQUIRE((*back == e));
    ++checked;
  }
  REQUIRE(checked == cases.size());
  REQUIRE(checked > 0);
}
