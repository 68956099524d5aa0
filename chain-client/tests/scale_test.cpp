// SCALE codec: primitives, every typed codec, every error path, and round-trip properties.
#include "ev/chain/scale.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

using ev::Bytes;
using ev::u128;
using ev::scale::Codec;
using ev::scale::Compact;
using ev::scale::Decoder;
using ev::scale::Encoder;
using ev::scale::Errc;
using ev::scale::i128;
using ev::scale::ScaleResult;

namespace {

enum class Color : std::uint8_t { Red, Green, Blue };

}  // namespace

template <>
struct ev::scale::EnumTraits<Color> {
  static constexpr Color max = Color::Blue;
};

namespace {

struct Foo {
  bool flag = false;
  std::uint16_t num = 0;
  EV_SCALE_FIELDS(flag, num)
  friend bool operator==(const Foo&, const Foo&) = default;
};

struct Outer {
  Foo foo;
  std::vector<Foo> list;
  EV_SCALE_FIELDS(foo, list)
  friend bool operator==(const Outer&, const Outer&) = default;
};

struct Unit {
  EV_SCALE_FIELDS()
  friend bool operator==(const Unit&, const Unit&) = default;
};

struct Plain {
  friend bool operator==(const Plain&, const Plain&) = default;
};

struct WithU32 {
  std::uint32_t value = 0;
  EV_SCALE_FIELDS(value)
  friend bool operator==(const WithU32&, const WithU32&) = default;
};

struct WithStruct {
  std::uint8_t a = 0;
  Compact<std::uint64_t> b;
  EV_SCALE_FIELDS(a, b)
  friend bool operator==(const WithStruct&, const WithStruct&) = default;
};

using DemoEnum = std::variant<Unit, WithU32, WithStruct>;

struct Node {
  std::vector<Node> kids;
  EV_SCALE_FIELDS(kids)
};

// Runs of fixed-size fields (checked once per run on the fast path) around variable-size ones.
struct Row {
  std::uint32_t id = 0;
  std::uint64_t amount = 0;
  Compact<std::uint64_t> nonce;
  bool flag = false;
  std::array<std::uint8_t, 32> account{};
  std::optional<bool> maybe;
  i128 delta = 0;
  bool last = false;
  EV_SCALE_FIELDS(id, amount, nonce, flag, account, maybe, delta, last)
  friend bool operator==(const Row&, const Row&) = default;
};

// Every field fixed-size: the whole struct is one run.
struct AllFixed {
  bool a = false;
  std::uint16_t b = 0;
  u128 c = 0;
  std::array<std::uint8_t, 3> d{};
  EV_SCALE_FIELDS(a, b, c, d)
  friend bool operator==(const AllFixed&, const AllFixed&) = default;
};

// One field of every supported kind, nested containers included.
struct Everything {
  bool flag = false;
  std::uint8_t u8 = 0;
  std::uint16_t u16 = 0;
  std::uint32_t u32 = 0;
  std::uint64_t u64 = 0;
  u128 u128v = 0;
  std::int8_t i8 = 0;
  std::int16_t i16 = 0;
  std::int32_t i32 = 0;
  std::int64_t i64 = 0;
  i128 i128v = 0;
  Compact<std::uint8_t> c8;
  Compact<std::uint16_t> c16;
  Compact<std::uint32_t> c32;
  Compact<std::uint64_t> c64;
  Compact<u128> c128;
  std::optional<bool> opt_bool;
  std::optional<std::optional<std::uint8_t>> opt_opt;
  std::vector<std::uint16_t> vec16;
  Bytes bytes;
  std::string text;
  std::array<std::uint8_t, 4> arr8{};
  std::array<std::uint16_t, 3> arr16{};
  std::tuple<std::uint8_t, Compact<std::uint32_t>, std::string> tup;
  std::pair<bool, std::int32_t> pair;
  ScaleResult<std::uint8_t, std::string> result;
  std::map<std::uint32_t, bool> map;
  std::map<std::string, Bytes> text_map;
  DemoEnum demo;
  std::variant<std::monostate, Plain, std::vector<Compact<u128>>> unit_variants;
  Color color = Color::Red;
  std::vector<WithStruct> structs;
  std::vector<std::vector<std::optional<Compact<u128>>>> nested;
  std::monostate unit;
  EV_SCALE_FIELDS(flag, u8, u16, u32, u64, u128v, i8, i16, i32, i64, i128v, c8, c16, c32, c64, c128,
                  opt_bool, opt_opt, vec16, bytes, text, arr8, arr16, tup, pair, result, map,
                  text_map, demo, unit_variants, color, structs, nested, unit)
  friend bool operator==(const Everything&, const Everything&) = default;
};

Bytes hex(std::string_view h) { return ev::from_hex(h).value(); }

void require_errc(const ev::Error& e, Errc c) {
  INFO(e.to_string());
  REQUIRE(ev::is(e, c));
}

template <class T>
ev::Error decode_error(const Bytes& in) {
  auto r = ev::scale::decode_all<T>(in);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

template <class T>
void require_round_trip(const T& v, std::string_view expected_hex) {
  INFO(expected_hex);
  const Bytes b = ev::scale::encode(v);
  REQUIRE(ev::to_hex(b) == expected_hex);
  auto back = ev::scale::decode_all<T>(b);
  REQUIRE(back.ok());
  REQUIRE(*back == v);
}

bool contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

// ----- Random values -----

using Rng = std::mt19937_64;

// A u128 with a random number of significant bits, so every compact mode is hit.
u128 random_u128(Rng& rng) {
  const u128 full = (u128{rng()} << 64) | rng();
  const auto bits = static_cast<unsigned>(rng() % 129);
  return bits == 128 ? full : full & ((u128{1} << bits) - 1);
}

std::size_t random_len(Rng& rng, int depth) { return rng() % (depth < 3 ? 6 : 2); }

void append_utf8(std::string& s, std::uint32_t cp) {
  auto put = [&s](std::uint32_t b) { s.push_back(static_cast<char>(b)); };
  if (cp < 0x80) {
    put(cp);
  } else if (cp < 0x800) {
    put(0xc0 | (cp >> 6));
    put(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    put(0xe0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3f));
    put(0x80 | (cp & 0x3f));
  } else {
    put(0xf0 | (cp >> 18));
    put(0x80 | ((cp >> 12) & 0x3f));
    put(0x80 | ((cp >> 6) & 0x3f));
    put(0x80 | (cp & 0x3f));
  }
}

std::uint32_t random_code_point(Rng& rng) {
  static constexpr std::uint32_t kTop[] = {0x80, 0x800, 0x10000, 0x110000};
  const std::uint32_t cp = static_cast<std::uint32_t>(rng() % kTop[rng() % 4]);
  return (cp >= 0xd800 && cp <= 0xdfff) ? 0x41 : cp;  // no surrogates in UTF-8
}

template <class T>
struct Gen;

template <class T>
T random_value(Rng& rng, int depth) {
  return Gen<T>::make(rng, depth);
}

template <class T>
requires std::is_integral_v<T>
struct Gen<T> {
  static T make(Rng& rng, int) { return static_cast<T>(random_u128(rng)); }
};
template <>
struct Gen<u128> {
  static u128 make(Rng& rng, int) { return random_u128(rng); }
};
template <>
struct Gen<i128> {
  static i128 make(Rng& rng, int) { return static_cast<i128>(random_u128(rng)); }
};
template <>
struct Gen<bool> {
  static bool make(Rng& rng, int) { return (rng() & 1) != 0; }
};
template <class T>
struct Gen<Compact<T>> {
  static Compact<T> make(Rng& rng, int) { return {static_cast<T>(random_u128(rng))}; }
};
template <>
struct Gen<std::string> {
  static std::string make(Rng& rng, int depth) {
    std::string s;
    for (std::size_t n = random_len(rng, depth) * 3; n > 0; --n) {
      append_utf8(s, random_code_point(rng));
    }
    return s;
  }
};
template <class T>
struct Gen<std::optional<T>> {
  static std::optional<T> make(Rng& rng, int depth) {
    if ((rng() & 1) != 0) return std::nullopt;
    return random_value<T>(rng, depth + 1);
  }
};
template <class T>
struct Gen<std::vector<T>> {
  static std::vector<T> make(Rng& rng, int depth) {
    std::vector<T> v;
    for (std::size_t n = random_len(rng, depth); n > 0; --n) {
      v.push_back(random_value<T>(rng, depth + 1));
    }
    return v;
  }
};
template <class T, std::size_t N>
struct Gen<std::array<T, N>> {
  static std::array<T, N> make(Rng& rng, int depth) {
    std::array<T, N> a{};
    for (auto& x : a) x = random_value<T>(rng, depth + 1);
    return a;
  }
};
template <class... Ts>
struct Gen<std::tuple<Ts...>> {
  static std::tuple<Ts...> make(Rng& rng, int depth) {
    std::tuple<Ts...> t;
    std::apply(
        [&](auto&... x) { ((x = random_value<std::decay_t<decltype(x)>>(rng, depth + 1)), ...); },
        t);
    return t;
  }
};
template <class A, class B>
struct Gen<std::pair<A, B>> {
  static std::pair<A, B> make(Rng& rng, int depth) {
    A a = random_value<A>(rng, depth + 1);
    return {std::move(a), random_value<B>(rng, depth + 1)};
  }
};
template <class T, class E>
struct Gen<ScaleResult<T, E>> {
  static ScaleResult<T, E> make(Rng& rng, int depth) {
    if ((rng() & 1) != 0) return ScaleResult<T, E>::ok(random_value<T>(rng, depth + 1));
    return ScaleResult<T, E>::err(random_value<E>(rng, depth + 1));
  }
};
template <class K, class V>
struct Gen<std::map<K, V>> {
  static std::map<K, V> make(Rng& rng, int depth) {
    std::map<K, V> m;
    for (std::size_t n = random_len(rng, depth); n > 0; --n) {
      K k = random_value<K>(rng, depth + 1);
      m[std::move(k)] = random_value<V>(rng, depth + 1);
    }
    return m;
  }
};
template <class... Ts>
struct Gen<std::variant<Ts...>> {
  using V = std::variant<Ts...>;
  template <std::size_t I>
  static V make_one(Rng& rng, int depth) {
    return V(std::in_place_index<I>,
             random_value<std::variant_alternative_t<I, V>>(rng, depth + 1));
  }
  template <std::size_t... I>
  static V make_at(Rng& rng, int depth, std::size_t tag, std::index_sequence<I...>) {
    using Fn = V (*)(Rng&, int);
    static constexpr Fn kTable[] = {&make_one<I>...};
    return kTable[tag](rng, depth);
  }
  static V make(Rng& rng, int depth) {
    return make_at(rng, depth, rng() % sizeof...(Ts), std::index_sequence_for<Ts...>{});
  }
};
template <>
struct Gen<Color> {
  static Color make(Rng& rng, int) { return static_cast<Color>(rng() % 3); }
};
template <class T>
requires(std::is_empty_v<T>) struct Gen<T> {
  static T make(Rng&, int) { return T{}; }
};
template <class T>
requires ev::scale::HasScaleFields<T> &&(!std::is_empty_v<T>)struct Gen<T> {
  static T make(Rng& rng, int depth) {
    T v{};
    std::apply(
        [&](auto&... f) {
          ((f = random_value<std::remove_cvref_t<decltype(f)>>(rng, depth + 1)), ...);
        },
        v.scale_fields());
    return v;
  }
};

constexpr std::uint64_t kSeed = 0x5ca1e5eed2024ull;

// encode -> decode_all -> equal value -> identical bytes, for `iterations` random values.
template <class T>
void check_round_trips(std::uint64_t seed, int iterations) {
  Rng rng(seed);
  for (int i = 0; i < iterations; ++i) {
    const T v = random_value<T>(rng, 0);
    const Bytes b = ev::scale::encode(v);
    auto back = ev::scale::decode_all<T>(b);
    if (!back.ok() || !(*back == v) || ev::scale::encode(*back) != b) {
      INFO("seed " << seed << ", iteration " << i << ", bytes " << ev::to_hex(b));
      INFO((back.ok() ? std::string("value differs") : back.error().to_string()));
      FAIL("round trip failed");
    }
  }
}

std::size_t compact_len(u128 v) {
  if (v < 64) return 1;
  if (v < 16384) return 2;
  if (v < (u128{1} << 30)) return 4;
  std::size_t n = 0;
  for (; v != 0; v >>= 8) ++n;
  return 1 + n;
}

}  // namespace

// ===== Encoder / Decoder primitives =====

TEST_CASE("encoder: fixed-width integers are little-endian two's complement", "[scale]") {
  Encoder e;
  e.u8(0x45)
      .u16(0x0102)
      .u32(0x01020304)
      .u64(0x0102030405060708ull)
      .i8(-1)
      .i16(-2)
      .i32(-16777216)
      .i64(INT64_MIN);
  REQUIRE(ev::to_hex(e.data()) ==
          "0x45"
          "0201"
          "04030201"
          "0807060504030201"
          "ff"
          "feff"
          "000000ff"
          "0000000000000080");
  Encoder w;
  w.u128_(~u128{0} - 1).i128_(-2);
  REQUIRE(ev::to_hex(w.data()) ==
          "0x" + std::string("fe") + std::string(30, 'f') + "fe" + std::string(30, 'f'));
}

TEST_CASE("encoder: bool, raw, bytes and string", "[scale]") {
  Encoder e;
  e.boolean(true).boolean(false).raw(hex("dead")).bytes(hex("0102")).string("ab");
  REQUIRE(ev::to_hex(e.data()) ==
          "0x0100dead08010208"
          "6162");
}

TEST_CASE("encoder: take moves the buffer out and leaves the encoder empty", "[scale]") {
  Encoder e(hex("aa"));
  e.u8(0xbb);
  REQUIRE(e.size() == 2);
  const Bytes b = e.take();
  REQUIRE(b == hex("aabb"));
  REQUIRE(e.size() == 0);
  e.u8(1);
  REQUIRE(e.data() == hex("01"));
}

TEST_CASE("decoder: reads integers and tracks position", "[scale]") {
  const Bytes in =
      hex("45"
          "0201"
          "04030201"
          "0807060504030201"
          "ff"
          "feff"
          "000000ff");
  Decoder d(in);
  REQUIRE(d.u8().value() == 0x45);
  REQUIRE(d.pos() == 1);
  REQUIRE(d.u16().value() == 0x0102);
  REQUIRE(d.u32().value() == 0x01020304u);
  REQUIRE(d.u64().value() == 0x0102030405060708ull);
  REQUIRE(d.i8().value() == -1);
  REQUIRE(d.i16().value() == -2);
  REQUIRE(d.remaining() == 4);
  REQUIRE(d.i32().value() == -16777216);
  REQUIRE(d.empty());
  REQUIRE(d.finish().ok());
}

TEST_CASE("decoder: u128 and i128 extremes", "[scale]") {
  Bytes in(16, 0xff);
  Decoder d(in);
  REQUIRE(d.u128_().value() == ~u128{0});
  Decoder s(in);
  REQUIRE(s.i128_().value() == -1);
  Bytes min(16, 0);
  min[15] = 0x80;
  Decoder m(min);
  REQUIRE(m.i128_().value() == static_cast<i128>(u128{1} << 127));
}

TEMPLATE_TEST_CASE("integers: every truncated prefix is rejected at offset 0", "[scale]",
                   std::uint8_t, std::uint16_t, std::uint32_t, std::uint64_t, u128, std::int8_t,
                   std::int16_t, std::int32_t, std::int64_t, i128) {
  const Bytes full(sizeof(TestType), 0x5a);
  for (std::size_t k = 0; k < full.size(); ++k) {
    const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(k));
    const auto err = decode_error<TestType>(prefix);
    require_errc(err, Errc::Truncated);
    REQUIRE(contains(err.message, "at offset 0: need " + std::to_string(sizeof(TestType))));
  }
  REQUIRE(ev::scale::decode_all<TestType>(full).ok());
}

TEST_CASE("decoder: failed primitive reads leave the position unchanged", "[scale]") {
  const Bytes in = hex("0102");
  Decoder d(in);
  REQUIRE(d.u8().ok());
  REQUIRE_FALSE(d.u32().ok());
  REQUIRE(d.pos() == 1);
  REQUIRE_FALSE(d.boolean().ok());
  REQUIRE(d.pos() == 1);
}

TEST_CASE("bool: only 0x00 and 0x01 are accepted", "[scale]") {
  require_round_trip(true, "0x01");
  require_round_trip(false, "0x00");
  for (int b = 2; b < 256; ++b) {
    const auto err = decode_error<bool>(Bytes{static_cast<std::uint8_t>(b)});
    require_errc(err, Errc::InvalidBool);
  }
  require_errc(decode_error<bool>({}), Errc::Truncated);
}

TEST_CASE("decoder: raw returns a view and checks the bounds", "[scale]") {
  const Bytes in = hex("010203");
  Decoder d(in);
  auto s = d.raw(2);
  REQUIRE(s.ok());
  REQUIRE(s->data() == in.data());
  REQUIRE(s->size() == 2);
  require_errc(d.raw(2).error(), Errc::Truncated);
  REQUIRE(d.raw(1).ok());
  REQUIRE(d.raw(0).ok());
  REQUIRE(d.empty());
}

TEST_CASE("decoder: peek does not consume", "[scale]") {
  const Bytes in = hex("07");
  Decoder d(in);
  REQUIRE(d.peek().value() == 7);
  REQUIRE(d.pos() == 0);
  REQUIRE(d.u8().ok());
  require_errc(d.peek().error(), Errc::Truncated);
}

TEST_CASE("decoder: finish reports trailing bytes with their offset", "[scale]") {
  const Bytes in = hex("0102");
  Decoder d(in);
  REQUIRE(d.u8().ok());
  const auto r = d.finish();
  REQUIRE_FALSE(r.ok());
  require_errc(r.error(), Errc::TrailingBytes);
  REQUIRE(contains(r.error().message, "at offset 1"));
  require_errc(decode_error<std::uint8_t>(hex("0102")), Errc::TrailingBytes);
}

// ===== Compact =====

TEST_CASE("compact: encodes each mode boundary", "[scale]") {
  Encoder e;
  e.compact(0).compact(63).compact(64).compact(16383).compact(16384).compact((1u << 30) - 1);
  e.compact(u128{1} << 30).compact(~u128{0});
  REQUIRE(ev::to_hex(e.data()) ==
          "0x00fc0101fdff02000100feffffff0300000040"
          "33" +
              std::string(32, 'f'));
}

TEST_CASE("compact: decodes each mode boundary", "[scale]") {
  const std::pair<const char*, u128> cases[] = {
      {"00", 0},
      {"fc", 63},
      {"0101", 64},
      {"fdff", 16383},
      {"02000100", 16384},
      {"feffffff", (u128{1} << 30) - 1},
      {"0300000040", u128{1} << 30},
      {"070000000001", u128{1} << 32},
  };
  for (const auto& [h, v] : cases) {
    INFO(h);
    const Bytes in = hex(h);
    Decoder d(in);
    REQUIRE(d.compact().value() == v);
    REQUIRE(d.finish().ok());
  }
}

TEST_CASE("compact: rejects non-canonical two-byte form", "[scale]") {
  for (unsigned v = 0; v < 64; ++v) {
    const auto x = static_cast<std::uint16_t>((v << 2) | 1);
    const Bytes in{static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8)};
    Decoder d(in);
    const auto r = d.compact();
    REQUIRE_FALSE(r.ok());
    require_errc(r.error(), Errc::NonCanonicalCompact);
    REQUIRE(d.pos() == 0);
  }
}

TEST_CASE("compact: rejects non-canonical four-byte form", "[scale]") {
  for (std::uint32_t v : {0u, 1u, 63u, 64u, 16000u, 16383u}) {
    const std::uint32_t x = (v << 2) | 2;
    const Bytes in{static_cast<std::uint8_t>(x), static_cast<std::uint8_t>(x >> 8),
                   static_cast<std::uint8_t>(x >> 16), static_cast<std::uint8_t>(x >> 24)};
    Decoder d(in);
    require_errc(d.compact().error(), Errc::NonCanonicalCompact);
  }
}

TEST_CASE("compact: rejects big-integer form with a zero top byte or a small value", "[scale]") {
  require_errc(Decoder(hex("03ffffff3f")).compact().error(), Errc::NonCanonicalCompact);
  require_errc(Decoder(hex("0300000000")).compact().error(), Errc::NonCanonicalCompact);
  for (std::size_t n = 5; n <= 16; ++n) {
    Bytes in{static_cast<std::uint8_t>(((n - 4) << 2) | 3)};
    for (std::size_t i = 0; i + 1 < n; ++i) in.push_back(0xff);
    in.push_back(0x00);  // top byte zero: fits in fewer bytes
    INFO(n);
    require_errc(Decoder(in).compact().error(), Errc::NonCanonicalCompact);
    in.back() = 0x01;
    Decoder ok(in);
    REQUIRE(ok.compact().ok());
    REQUIRE(ok.empty());
  }
}

TEST_CASE("compact: rejects big-integer form longer than 16 bytes", "[scale]") {
  for (unsigned m = 13; m < 64; ++m) {
    Bytes in{static_cast<std::uint8_t>((m << 2) | 3)};
    in.resize(1 + m + 4, 0xff);
    require_errc(Decoder(in).compact().error(), Errc::Overflow);
  }
}

TEST_CASE("compact: every truncated prefix of each mode is rejected", "[scale]") {
  for (const char* h : {"0101", "02000100", "0300000040", "33ffffffffffffffffffffffffffffffff"}) {
    const Bytes full = hex(h);
    for (std::size_t k = 0; k < full.size(); ++k) {
      const Bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(k));
      Decoder d(prefix);
      const auto r = d.compact();
      INFO(h << " cut at " << k);
      REQUIRE_FALSE(r.ok());
      require_errc(r.error(), Errc::Truncated);
      REQUIRE(contains(r.error().message, "at offset 0"));
      REQUIRE(d.pos() == 0);
    }
  }
}

TEST_CASE("compact_as: rejects values over the target's maximum", "[scale]") {
  auto enc = [](u128 v) {
    Encoder e;
    e.compact(v);
    return e.take();
  };
  REQUIRE(Decoder(enc(255)).compact_as<std::uint8_t>().value() == 255);
  require_errc(Decoder(enc(256)).compact_as<std::uint8_t>().error(), Errc::Overflow);
  require_errc(Decoder(enc(16384)).compact_as<std::uint8_t>().error(), Errc::Overflow);
  REQUIRE(Decoder(enc(65535)).compact_as<std::uint16_t>().value() == 65535);
  require_errc(Decoder(enc(65536)).compact_as<std::uint16_t>().error(), Errc::Overflow);
  require_errc(Decoder(enc(u128{1} << 30)).compact_as<std::uint16_t>().error(), Errc::Overflow);
  REQUIRE(Decoder(enc(UINT32_MAX)).compact_as<std::uint32_t>().value() == UINT32_MAX);
  require_errc(Decoder(enc(u128{1} << 32)).compact_as<std::uint32_t>().error(), Errc::Overflow);
  REQUIRE(Decoder(enc(UINT64_MAX)).compact_as<std::uint64_t>().value() == UINT64_MAX);
  require_errc(Decoder(enc(u128{1} << 64)).compact_as<std::uint64_t>().error(), Errc::Overflow);
  REQUIRE(Decoder(enc(~u128{0})).compact_as<u128>().value() == ~u128{0});
}

TEST_CASE("compact_as: big-integer mode longer than the type is Overflow", "[scale]") {
  // 0x17: a 9-byte integer, valid as u128 but too long for u64.
  const Bytes in = hex("17000000000000000001");
  REQUIRE(Decoder(in).compact().ok());
  Decoder d(in);
  require_errc(d.compact_as<std::uint64_t>().error(), Errc::Overflow);
  REQUIRE(d.pos() == 0);
}

TEST_CASE("compact: Compact<T> round trips at the type's limits", "[scale]") {
  require_round_trip(Compact<std::uint8_t>{255}, "0xfd03");
  require_round_trip(Compact<std::uint16_t>{65535}, "0xfeff0300");
  require_round_trip(Compact<std::uint32_t>{UINT32_MAX}, "0x03ffffffff");
  require_round_trip(Compact<std::uint64_t>{UINT64_MAX}, "0x13ffffffffffffffff");
  require_errc(decode_error<Compact<std::uint8_t>>(hex("0104")), Errc::Overflow);
}

// ===== Bytes, String, lengths =====

TEST_CASE("bytes: compact length then data", "[scale]") {
  require_round_trip(hex("0102030405"), "0x140102030405");
  require_round_trip(Bytes{}, "0x00");
}

TEST_CASE("bytes: a length larger than the input is LengthTooLarge", "[scale]") {
  require_errc(decode_error<Bytes>(hex("0c0102")), Errc::LengthTooLarge);
  const auto err = decode_error<Bytes>(hex("03ffffffff"));  // u32::MAX bytes announced
  require_errc(err, Errc::LengthTooLarge);
  REQUIRE(contains(err.message, "at offset 0"));
  require_errc(decode_error<std::string>(hex("feffffff61")), Errc::LengthTooLarge);
}

TEST_CASE("bytes: a length prefix above u32 is Overflow", "[scale]") {
  require_errc(decode_error<Bytes>(hex("070000000001")), Errc::Overflow);
}

TEST_CASE("bytes: a truncated or non-canonical length prefix is rejected", "[scale]") {
  require_errc(decode_error<Bytes>(hex("01")), Errc::Truncated);
  require_errc(decode_error<Bytes>(hex("0100")), Errc::NonCanonicalCompact);
}

TEST_CASE("string: UTF-8 with a byte-count length", "[scale]") {
  require_round_trip(std::string("Hello, World!"), "0x3448656c6c6f2c20576f726c6421");
  require_round_trip(std::string("\xc3\xbcnicode\xe2\x9c\x93"), "0x2cc3bc6e69636f6465e29c93");
  require_round_trip(std::string("\xf0\x9f\x98\x80"), "0x10f09f9880");
  require_round_trip(std::string(), "0x00");
}

TEST_CASE("string: invalid UTF-8 is rejected at the offending byte", "[scale]") {
  const std::pair<const char*, std::size_t> cases[] = {
      {"0480", 1},        // lone continuation byte
      {"08c080", 1},      // overlong 2-byte form of U+0000
      {"0c41c1bf", 2},    // overlong lead C1
      {"0ce08080", 1},    // overlong 3-byte form
      {"0ceda080", 1},    // UTF-16 surrogate U+D800
      {"10f4908080", 1},  // above U+10FFFF
      {"04f5", 1},        // lead byte F5
      {"04ff", 1},        // lead byte FF
      {"0c41e282", 2},    // sequence cut by the end of the string
      {"0ce24141", 1},    // continuation byte missing
      {"10f0808080", 1},  // overlong 4-byte form
  };
  for (const auto& [h, bad] : cases) {
    INFO(h);
    const auto err = decode_error<std::string>(hex(h));
    require_errc(err, Errc::InvalidUtf8);
    REQUIRE(contains(err.message, "at offset " + std::to_string(bad) + ":"));
  }
  REQUIRE(ev::scale::decode_all<std::string>(hex("10f48fbfbf")).ok());  // U+10FFFF
  REQUIRE(ev::scale::decode_all<std::string>(hex("0ced9fbf")).ok());    // U+D7FF
}

TEST_CASE("length: sequences are checked against the minimum element size", "[scale]") {
  // Vec<u32> announcing 2 elements with 7 bytes left.
  require_errc(decode_error<std::vector<std::uint32_t>>(hex("08"
                                                            "01000000020000")),
               Errc::LengthTooLarge);
  // BTreeMap<u32, bool> announcing 2 entries with 9 bytes left.
  require_errc(decode_error<std::map<std::uint32_t, bool>>(hex("08"
                                                               "010000000102000000")),
               Errc::LengthTooLarge);
  // Vec<Vec<u8>> announcing u32::MAX inner vectors.
  require_errc(decode_error<std::vector<Bytes>>(hex("03ffffffff00")), Errc::LengthTooLarge);
}

TEST_CASE("length: zero-size elements are capped", "[scale]") {
  Encoder e;
  e.compact(ev::scale::kMaxZeroSizeLength);
  auto ok = ev::scale::decode_all<std::vector<std::monostate>>(e.data());
  REQUIRE(ok.ok());
  REQUIRE(ok->size() == ev::scale::kMaxZeroSizeLength);
  Encoder big;
  big.compact(ev::scale::kMaxZeroSizeLength + 1);
  require_errc(decode_error<std::vector<std::monostate>>(big.data()), Errc::LengthTooLarge);
  Encoder huge;
  huge.compact(UINT32_MAX);
  require_errc(decode_error<std::vector<Unit>>(huge.data()), Errc::LengthTooLarge);
}

// ===== Typed codec =====

TEST_CASE("option: None, Some, and the generic Option<bool>", "[scale]") {
  require_round_trip(std::optional<std::uint32_t>{}, "0x00");
  require_round_trip(std::optional<std::uint32_t>{42}, "0x012a000000");
  require_round_trip(std::optional<bool>{true}, "0x0101");
  require_round_trip(std::optional<bool>{false}, "0x0100");
  require_round_trip(std::optional<std::optional<std::uint8_t>>{std::optional<std::uint8_t>{}},
                     "0x0100");
}

TEST_CASE("option: tags other than 0 and 1 are rejected", "[scale]") {
  const auto err = decode_error<std::optional<std::uint8_t>>(hex("0201"));
  require_errc(err, Errc::InvalidOptionTag);
  REQUIRE(contains(err.message, "at offset 0"));
  require_errc(decode_error<std::optional<std::uint8_t>>(hex("01")), Errc::Truncated);
  require_errc(decode_error<std::optional<bool>>(hex("0102")), Errc::InvalidBool);
}

TEST_CASE("result: Ok is tag 0, Err is tag 1", "[scale]") {
  using R = ScaleResult<std::uint8_t, bool>;
  require_round_trip(R::ok(42), "0x002a");
  require_round_trip(R::err(false), "0x0100");
  REQUIRE(R::ok(1).is_ok());
  REQUIRE(R::err(true).err_value());
  require_errc(decode_error<R>(hex("022a")), Errc::InvalidResultTag);
  const auto err = decode_error<R>(hex("0105"));
  require_errc(err, Errc::InvalidBool);
  REQUIRE(err.message.rfind("Err: ", 0) == 0);
}

TEST_CASE("vec: compact length then elements", "[scale]") {
  require_round_trip(std::vector<std::uint16_t>{4, 8, 15, 16, 23, 42},
                     "0x18040008000f00100017002a00");
  require_round_trip(std::vector<bool>{true, false}, "0x080100");
  require_round_trip(std::vector<std::string>{"a", ""}, "0x08046100");
}

TEST_CASE("vec: an element error names its index", "[scale]") {
  const auto err = decode_error<std::vector<bool>>(hex("0c010002"));
  require_errc(err, Errc::InvalidBool);
  REQUIRE(err.message.rfind("[2]: ", 0) == 0);
  REQUIRE(contains(err.message, "at offset 3"));
}

TEST_CASE("array: fixed arrays have no length prefix", "[scale]") {
  require_round_trip(std::array<std::uint8_t, 4>{0xde, 0xad, 0xbe, 0xef}, "0xdeadbeef");
  require_round_trip(std::array<std::uint16_t, 3>{1, 2, 0xffff}, "0x01000200ffff");
  require_round_trip(std::array<std::uint8_t, 0>{}, "0x");
  require_errc(decode_error<std::array<std::uint8_t, 4>>(hex("deadbe")), Errc::Truncated);
  const auto err = decode_error<std::array<bool, 2>>(hex("0103"));
  require_errc(err, Errc::InvalidBool);
  REQUIRE(err.message.rfind("[1]: ", 0) == 0);
}

TEST_CASE("tuple and pair: elements in order", "[scale]") {
  using T = std::tuple<std::uint8_t, std::uint16_t, Compact<std::uint32_t>>;
  require_round_trip(T{1, 2, {3}}, "0x0102000c");
  require_round_trip(std::pair<bool, std::string>{true, "x"}, "0x010478");
  require_round_trip(std::tuple<>{}, "0x");
  const auto err = decode_error<T>(hex("010200"));
  require_errc(err, Errc::Truncated);
  REQUIRE(err.message.rfind("tuple.2: ", 0) == 0);
  require_errc(decode_error<std::pair<bool, bool>>(hex("0107")), Errc::InvalidBool);
}

TEST_CASE("map: encodes sorted entries as Vec<(K, V)>", "[scale]") {
  require_round_trip(std::map<std::uint32_t, bool>{{2, false}, {1, true}},
                     "0x0801000000010200000000");
  require_round_trip(std::map<std::string, std::uint8_t>{{"b", 2}, {"a", 1}, {"\xc3\xa9", 3}},
                     "0x0c04610104620208c3a903");
}

TEST_CASE("map: rejects unsorted or duplicate keys", "[scale]") {
  const auto unsorted =
      decode_error<std::map<std::uint32_t, bool>>(hex("08020000000101000000"
                                                      "00"));
  require_errc(unsorted, Errc::UnsortedMap);
  REQUIRE(contains(unsorted.message, "at offset 6"));
  require_errc(decode_error<std::map<std::uint32_t, bool>>(hex("08010000000101000000"
                                                               "00")),
               Errc::UnsortedMap);
  require_errc(decode_error<std::map<std::uint32_t, bool>>(hex("0401000000"
                                                               "02")),
               Errc::InvalidBool);
}

TEST_CASE("variant: the tag is the alternative index, unit variants are empty", "[scale]") {
  require_round_trip(DemoEnum{Unit{}}, "0x00");
  require_round_trip(DemoEnum{WithU32{42}}, "0x012a000000");
  require_round_trip(DemoEnum{WithStruct{1, {16384}}}, "0x020102000100");
  using V = std::variant<std::monostate, Plain, std::uint8_t>;
  require_round_trip(V{Plain{}}, "0x01");
  require_round_trip(V{std::in_place_index<2>, std::uint8_t{7}}, "0x0207");
}

TEST_CASE("variant: a tag past the last alternative is InvalidEnumTag", "[scale]") {
  const auto err = decode_error<DemoEnum>(hex("03"));
  require_errc(err, Errc::InvalidEnumTag);
  REQUIRE(contains(err.message, "tag 3 of 3"));
  require_errc(decode_error<DemoEnum>(hex("ff")), Errc::InvalidEnumTag);
  const auto inner = decode_error<DemoEnum>(hex("0201"));
  require_errc(inner, Errc::Truncated);
  REQUIRE(inner.message.rfind("WithStruct.b: ", 0) == 0);
}

TEST_CASE("enum: C-like enums are one byte bounded by EnumTraits", "[scale]") {
  require_round_trip(Color::Red, "0x00");
  require_round_trip(Color::Blue, "0x02");
  const auto err = decode_error<Color>(hex("03"));
  require_errc(err, Errc::InvalidEnumTag);
  REQUIRE(contains(err.message, "Color tag 3"));
}

TEST_CASE("struct: fields in declaration order", "[scale]") {
  require_round_trip(Foo{true, 258}, "0x010201");
  require_round_trip(Unit{}, "0x");
  require_round_trip(Outer{{false, 1}, {{true, 2}}},
                     "0x000100040102"
                     "00");
}

TEST_CASE("struct: decode errors name the struct and field", "[scale]") {
  const auto err = decode_error<Foo>(hex("0102"));
  require_errc(err, Errc::Truncated);
  REQUIRE(err.message == "Foo.num: truncated input: at offset 1: need 2 bytes, 1 left");
  const auto nested =
      decode_error<Outer>(hex("000100"
                              "08"
                              "010200"
                              "090000"));
  require_errc(nested, Errc::InvalidBool);
  REQUIRE(nested.message == "Outer.list: [1]: Foo.flag: invalid bool: at offset 7: byte 9");
  const auto flag = decode_error<Foo>(hex("090000"));
  REQUIRE(flag.message.rfind("Foo.flag: invalid bool: at offset 0", 0) == 0);
}

TEST_CASE("struct: nesting deeper than kMaxDepth is rejected", "[scale]") {
  auto chain = [](std::size_t levels) {
    Bytes b(levels, 0x04);  // each level: one child
    b.push_back(0x00);      // the innermost node has no children
    return b;
  };
  auto shallow = ev::scale::decode_all<Node>(chain(50));
  REQUIRE(shallow.ok());
  REQUIRE(ev::scale::encode(*shallow) == chain(50));
  const auto err = decode_error<Node>(chain(1000));
  require_errc(err, Errc::DepthLimit);
}

TEST_CASE("codec: minimum encoded sizes", "[scale]") {
  STATIC_REQUIRE(Codec<std::uint32_t>::min_size == 4);
  STATIC_REQUIRE(Codec<WithStruct>::min_size == 2);
  STATIC_REQUIRE(Codec<DemoEnum>::min_size == 1);
  STATIC_REQUIRE(Codec<std::array<std::uint16_t, 3>>::min_size == 6);
  STATIC_REQUIRE(Codec<ScaleResult<std::uint8_t, std::uint64_t>>::min_size == 2);
  STATIC_REQUIRE(Codec<std::tuple<std::uint8_t, std::uint16_t, Compact<std::uint32_t>>>::min_size ==
                 4);
  STATIC_REQUIRE(Codec<std::pair<u128, bool>>::min_size == 17);
  STATIC_REQUIRE(Codec<Unit>::min_size == 0);
  STATIC_REQUIRE(Codec<Node>::min_size == 1);
}

TEST_CASE("decode_all: rejects trailing bytes after a complete value", "[scale]") {
  const auto err = decode_error<Foo>(hex("01020100"));
  require_errc(err, Errc::TrailingBytes);
  REQUIRE(contains(err.message, "at offset 3: 1 bytes left"));
}

// ===== Properties =====

TEST_CASE("property: compact round trips across every mode boundary", "[scale][property]") {
  Rng rng(kSeed);
  INFO("seed " << kSeed);
  for (unsigned bits = 0; bits <= 128; ++bits) {
    const u128 edge = bits == 128 ? ~u128{0} : (u128{1} << bits);
    for (u128 v : {edge - 1, edge, edge + 1, edge ^ (random_u128(rng) % (edge | 1))}) {
      Encoder e;
      e.compact(v);
      INFO("value " << ev::u128_to_string(v));
      REQUIRE(e.size() == compact_len(v));
      Decoder d(e.data());
      REQUIRE(d.compact().value() == v);
      REQUIRE(d.empty());
    }
  }
  for (int i = 0; i < 20000; ++i) {
    const u128 v = random_u128(rng);
    Encoder e;
    e.compact(v);
    Decoder d(e.data());
    const auto r = d.compact();
    if (!r.ok() || *r != v || !d.empty() || e.size() != compact_len(v)) {
      FAIL("seed " << kSeed << ", iteration " << i << ", value " << ev::u128_to_string(v));
    }
  }
}

TEST_CASE("property: compact_as agrees with compact and the type's maximum", "[scale][property]") {
  Rng rng(kSeed + 1);
  for (int i = 0; i < 20000; ++i) {
    const u128 v = random_u128(rng);
    Encoder e;
    e.compact(v);
    const bool fits32 = v <= UINT32_MAX;
    const bool fits16 = v <= UINT16_MAX;
    auto r32 = Decoder(e.data()).compact_as<std::uint32_t>();
    auto r16 = Decoder(e.data()).compact_as<std::uint16_t>();
    if (r32.ok() != fits32 || r16.ok() != fits16 || (fits32 && *r32 != v)) {
      FAIL("seed " << kSeed + 1 << ", iteration " << i << ", value " << ev::u128_to_string(v));
    }
  }
}

TEST_CASE("property: primitives and containers round trip", "[scale][property]") {
  INFO("seed " << kSeed);
  check_round_trips<std::uint64_t>(kSeed, 2000);
  check_round_trips<i128>(kSeed, 2000);
  check_round_trips<std::string>(kSeed, 2000);
  check_round_trips<std::vector<std::optional<std::int16_t>>>(kSeed, 2000);
  check_round_trips<std::map<std::string, std::vector<Compact<std::uint32_t>>>>(kSeed, 2000);
  check_round_trips<ScaleResult<std::vector<bool>, std::tuple<Color, std::string>>>(kSeed, 2000);
  check_round_trips<DemoEnum>(kSeed, 2000);
  check_round_trips<std::vector<std::vector<DemoEnum>>>(kSeed, 2000);
  check_round_trips<std::array<std::pair<std::uint8_t, std::optional<u128>>, 3>>(kSeed, 2000);
}

TEST_CASE("property: a struct with every kind of field round trips", "[scale][property]") {
  check_round_trips<Everything>(kSeed, 3000);
  check_round_trips<std::vector<Everything>>(kSeed + 7, 300);
}

TEST_CASE("property: every truncation of a valid encoding is rejected", "[scale][property]") {
  Rng rng(kSeed + 2);
  for (int i = 0; i < 100; ++i) {
    const Bytes b = ev::scale::encode(random_value<Everything>(rng, 0));
    for (std::size_t k = 0; k < b.size(); ++k) {
      const Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(k));
      const auto r = ev::scale::decode_all<Everything>(prefix);
      if (r.ok() ||
          !(ev::is(r.error(), Errc::Truncated) || ev::is(r.error(), Errc::LengthTooLarge))) {
        FAIL("seed " << kSeed + 2 << ", value " << i << ", cut at " << k);
      }
    }
    Bytes longer = b;
    longer.push_back(0);
    const auto r = ev::scale::decode_all<Everything>(longer);
    REQUIRE_FALSE(r.ok());
    require_errc(r.error(), Errc::TrailingBytes);
  }
}

TEST_CASE("property: whatever decodes re-encodes to the bytes consumed", "[scale][property]") {
  Rng rng(kSeed + 3);
  int decoded = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b = ev::scale::encode(random_value<Everything>(rng, 0));
    const std::size_t flips = 1 + rng() % 3;
    for (std::size_t f = 0; f < flips; ++f) {
      b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    }
    Decoder d(b);
    const auto r = ev::scale::decode<Everything>(d);
    if (!r.ok()) continue;
    ++decoded;
    const Bytes consumed(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(d.pos()));
    if (ev::scale::encode(*r) != consumed) {
      FAIL("seed " << kSeed + 3 << ", iteration " << i << ", bytes " << ev::to_hex(b));
    }
  }
  REQUIRE(decoded > 0);
}

TEST_CASE("property: the fast decode path and the error-reporting path agree",
          "[scale][property]") {
  Rng rng(kSeed + 4);
  int accepted = 0;
  int rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    Bytes b = ev::scale::encode(random_value<std::vector<Everything>>(rng, 1));
    if (b.empty()) continue;
    const std::size_t flips = rng() % 4;  // sometimes none: valid input must agree too
    for (std::size_t f = 0; f < flips; ++f) {
      b[rng() % b.size()] = static_cast<std::uint8_t>(rng());
    }
    Decoder fast_d(b);
    const auto fast = ev::scale::decode<std::vector<Everything>>(fast_d);
    Decoder slow_d(b);
    const auto slow = ev::scale::Codec<std::vector<Everything>>::decode(slow_d);
    if (fast.ok() != slow.ok()) FAIL("seed " << kSeed + 4 << ", iteration " << i);
    if (fast.ok()) {
      ++accepted;
      REQUIRE(fast_d.pos() == slow_d.pos());
      REQUIRE(ev::scale::encode(*fast) == ev::scale::encode(*slow));
    } else {
      ++rejected;
      REQUIRE(fast.error().message == slow.error().message);
    }
  }
  REQUIRE(accepted > 0);
  REQUIRE(rejected > 0);
}

// True when decode<T> (fast path, replayed through the error path on failure) and
// Codec<T>::decode (error path only) agree on `b`: same acceptance, bytes consumed, value and
// error message.
template <class T>
bool paths_agree(const Bytes& b) {
  Decoder fast_d(b);
  const auto fast = ev::scale::decode<T>(fast_d);
  Decoder slow_d(b);
  const auto slow = Codec<T>::decode(slow_d);
  if (fast.ok() != slow.ok()) return false;
  if (!fast.ok()) return fast.error().message == slow.error().message;
  return fast_d.pos() == slow_d.pos() && ev::scale::encode(*fast) == ev::scale::encode(*slow);
}

// Every truncation and, at every byte, three replacements (a bool-invalid 2, 0xff, a flipped
// low bit) of `values` random encodings of T.
template <class T>
void check_paths_agree_exhaustively(std::uint64_t seed, int values) {
  Rng rng(seed);
  for (int i = 0; i < values; ++i) {
    const Bytes b = ev::scale::encode(random_value<T>(rng, 0));
    if (!paths_agree<T>(b)) FAIL("seed " << seed << ", value " << i << ", unchanged");
    for (std::size_t k = 0; k < b.size(); ++k) {
      const Bytes prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(k));
      if (!paths_agree<T>(prefix)) FAIL("seed " << seed << ", value " << i << ", cut at " << k);
      for (const std::uint8_t x :
           {std::uint8_t{2}, std::uint8_t{0xff}, static_cast<std::uint8_t>(b[k] ^ 1)}) {
        Bytes m = b;
        m[k] = x;
        if (!paths_agree<T>(m)) {
          FAIL("seed " << seed << ", value " << i << ", byte " << k << " set to " << int{x});
        }
      }
    }
  }
}

TEST_CASE(
    "property: fixed-size field runs and Vecs of fixed-size elements agree with the error path",
    "[scale][property]") {
  check_paths_agree_exhaustively<std::vector<Row>>(kSeed + 5, 60);
  check_paths_agree_exhaustively<Row>(kSeed + 6, 200);
  check_paths_agree_exhaustively<std::vector<AllFixed>>(kSeed + 8, 100);
  check_paths_agree_exhaustively<std::vector<std::uint32_t>>(kSeed + 9, 200);
  check_paths_agree_exhaustively<std::vector<u128>>(kSeed + 10, 100);
  check_paths_agree_exhaustively<std::vector<std::array<std::uint8_t, 3>>>(kSeed + 11, 200);
  check_paths_agree_exhaustively<std::optional<std::vector<std::int16_t>>>(kSeed + 12, 200);
  check_paths_agree_exhaustively<std::vector<std::vector<AllFixed>>>(kSeed + 13, 60);
}

TEST_CASE("fast path: Vecs of fixed-size elements and field runs decode in place", "[scale]") {
  const std::vector<AllFixed> v = {{true, 0x1234, (u128{1} << 100) + 5, {1, 2, 3}},
                                   {false, 0, 0, {0, 0, 0}}};
  // 2 elements of 1 + 2 + 16 + 3 bytes.
  REQUIRE(ev::scale::encode(v).size() == 1 + 2 * 22);
  REQUIRE(ev::scale::decode_all<std::vector<AllFixed>>(ev::scale::encode(v)).value() == v);
  // A bool inside a run is still validated, and the error names the field.
  Bytes bad = ev::scale::encode(v);
  bad[1 + 22] = 2;
  const ev::Error e = decode_error<std::vector<AllFixed>>(bad);
  require_errc(e, Errc::InvalidBool);
  REQUIRE(contains(e.message, "[1]: AllFixed.a: "));
  REQUIRE(contains(e.message, "at offset 23"));
  // A run cut short reports the first field that does not fit.
  const Bytes one = ev::scale::encode(v[0]);
  const Bytes cut(one.begin(), one.begin() + 5);
  const ev::Error t = decode_error<AllFixed>(cut);
  require_errc(t, Errc::Truncated);
  REQUIRE(contains(t.message, "AllFixed.c: "));
}

TEST_CASE("compact_as<u64>: every big-integer width, at its bounds", "[scale]") {
  for (unsigned n = 4; n <= 8; ++n) {
    INFO("width " << n);
    const std::uint64_t lo = n == 4 ? std::uint64_t{1} << 30 : std::uint64_t{1} << (8 * (n - 1));
    const std::uint64_t hi = n == 8 ? UINT64_MAX : (std::uint64_t{1} << (8 * n)) - 1;
    for (const std::uint64_t v : {lo, lo + 1, hi - 1, hi}) {
      Encoder e;
      e.compact(v).u8(0xaa);  // a byte after: the reader must stop before it
      REQUIRE(e.size() == n + 2);
      Decoder d(e.data());
      REQUIRE(d.compact_as<std::uint64_t>().value() == v);
      REQUIRE(d.pos() == n + 1);
      // Cut before the last byte: truncated; top byte zero: non-canonical.
      const Bytes cut(e.data().begin(), e.data().begin() + n);
      require_errc(Decoder(cut).compact_as<std::uint64_t>().error(), Errc::Truncated);
      Bytes zero_top(e.data().begin(), e.data().begin() + n + 1);
      zero_top[n] = 0;
      require_errc(Decoder(zero_top).compact_as<std::uint64_t>().error(),
                   Errc::NonCanonicalCompact);
    }
  }
  // Above 64 bits: through the Result path, consuming exactly the integer.
  Encoder e;
  e.compact(u128{1} << 64).u8(7);
  Decoder d(e.data());
  REQUIRE(d.compact().value() == (u128{1} << 64));
  REQUIRE(d.u8().value() == 7);
  REQUIRE(d.empty());
  require_errc(Decoder(e.data()).compact_as<std::uint64_t>().error(), Errc::Overflow);
}
