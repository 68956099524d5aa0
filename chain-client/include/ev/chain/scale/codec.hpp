// SCALE typed codec: encode(Encoder&, const T&) / decode<T>(Decoder&) for every type with a
// Codec<T> (see ev/chain/scale.hpp for the list). docs/formats/scale.md.
#pragma once

#include "ev/chain/scale/decoder.hpp"
#include "ev/chain/scale/encoder.hpp"

namespace ev::scale {

// ---------------------------------------------------------------------------------------
// Wrapper and helper types.

// Compact<T>: T in compact encoding (T unsigned, or u128).
template <class T>
struct Compact {
  static_assert(detail::CompactInt<T>, "Compact<T>: T must be an unsigned integer or u128");
  T value{};
  friend bool operator==(const Compact&, const Compact&) = default;
};

// Rust's Result<T, E>: tag 0 then T (Ok), or tag 1 then E (Err).
template <class T, class E>
struct ScaleResult {
  std::variant<T, E> inner;  // index 0: Ok, index 1: Err

  static ScaleResult ok(T v) { return {std::variant<T, E>(std::in_place_index<0>, std::move(v))}; }
  static ScaleResult err(E v) { return {std::variant<T, E>(std::in_place_index<1>, std::move(v))}; }
  [[nodiscard]] bool is_ok() const { return inner.index() == 0; }
  // REQUIRES: is_ok()
  [[nodiscard]] const T& ok_value() const {
    const T* v = std::get_if<0>(&inner);
    EV_ASSERT(v != nullptr, "ScaleResult::ok_value() on Err");
    return *v;
  }
  // REQUIRES: !is_ok()
  [[nodiscard]] const E& err_value() const {
    const E* v = std::get_if<1>(&inner);
    EV_ASSERT(v != nullptr, "ScaleResult::err_value() on Ok");
    return *v;
  }
  friend bool operator==(const ScaleResult&, const ScaleResult&) = default;
};

// C-like enums (`enum class E : std::uint8_t { A, B, C }`) encode as one byte. Declare the
// last enumerator; discriminants must be 0..max, contiguous. Decoding rejects tags > max.
//   template <> struct ev::scale::EnumTraits<E> { static constexpr E max = E::C; };
template <class E>
struct EnumTraits;

// Structs list their fields once, in wire order, inside the struct body:
//   struct Foo { bool flag; std::uint16_t num; EV_SCALE_FIELDS(flag, num) };
// The struct must be default-constructible and its fields assignable. Decode errors are
// prefixed with "Foo.num: ".
#define EV_SCALE_FIELDS(...)                                  \
  auto scale_fields() { return std::tie(__VA_ARGS__); }       \
  auto scale_fields() const { return std::tie(__VA_ARGS__); } \
  static constexpr std::string_view scale_field_names() { return #__VA_ARGS__; }

// ---------------------------------------------------------------------------------------
// The typed codec. A Codec<T> has
//   static constexpr std::size_t min_size;          // fewest bytes any T encodes to
//   static void encode(Encoder&, const T&);
//   static Result<T> decode(Decoder&);
// Specialise it for custom types, or give the class the members of HasMemberCodec.
template <class T>
struct Codec;

template <class T>
concept HasScaleFields = requires(T& t, const T& ct) {
  t.scale_fields();
  ct.scale_fields();
  { T::scale_field_names() } -> std::convertible_to<std::string_view>;
};

template <class T>
concept HasMemberCodec = requires(const T& v, Encoder& e, Decoder& d) {
  v.encode(e);
  { T::decode(d) } -> std::same_as<Result<T>>;
  { T::kScaleMinSize } -> std::convertible_to<std::size_t>;
};

template <class E>
concept ScaleEnum = std::is_enum_v<E> && requires {
  { EnumTraits<E>::max } -> std::convertible_to<E>;
};

template <class T>
void encode(Encoder& e, const T& v) {
  Codec<T>::encode(e, v);
}

template <class T>
[[nodiscard]] Bytes encode(const T& v) {
  Encoder e;
  Codec<T>::encode(e, v);
  return e.take();
}

namespace detail {

// Codecs may offer `static bool decode_into(Decoder&, T&)`: the same decoding as decode(), with
// failure reported as `false` and no error built (the success path of hot decoders). Types
// without it go through decode().
template <class T>
concept HasDecodeInto = requires(Decoder& d, T& v) {
  { Codec<T>::decode_into(d, v) } -> std::same_as<bool>;
};

template <class T>
inline bool decode_into(Decoder& d, T& out) {
  if constexpr (HasDecodeInto<T>) {
    return Codec<T>::decode_into(d, out);
  } else {
    auto r = Codec<T>::decode(d);
    if (!r) return false;
    out = std::move(r).value();
    return true;
  }
}

template <class T>
concept FastDecodable = std::is_default_constructible_v<T> && std::is_move_assignable_v<T>;

// Codecs of types whose encoding always takes the same number of bytes may also offer
//   static constexpr std::size_t fixed_size;                  // == min_size
//   static bool read_fixed(const std::uint8_t* p, T& out);    // p has fixed_size bytes
// (false for an invalid value, e.g. a bool byte of 2). The fast path then checks the bounds of
// a run of such fields, or of a whole Vec of them, once instead of per value.
template <class T>
concept FixedCodec = requires(const std::uint8_t* p, T& v) {
  { Codec<T>::fixed_size } -> std::convertible_to<std::size_t>;
  { Codec<T>::read_fixed(p, v) } -> std::same_as<bool>;
};

template <class Refs, std::size_t I>
using FieldType = std::remove_cvref_t<std::tuple_element_t<I, Refs>>;

// One past the last field of the run of fixed-size fields that starts at field I.
template <class Refs, std::size_t I>
constexpr std::size_t fixed_run_end() {
  if constexpr (I < std::tuple_size_v<Refs>) {
    if constexpr (FixedCodec<FieldType<Refs, I>>) {
      return fixed_run_end<Refs, I + 1>();
    } else {
      return I;
    }
  } else {
    return I;
  }
}

// Encoded size of fields [I, J).
template <class Refs, std::size_t I, std::size_t J>
constexpr std::size_t fixed_run_bytes() {
  if constexpr (I < J) {
    return Codec<FieldType<Refs, I>>::fixed_size + fixed_run_bytes<Refs, I + 1, J>();
  } else {
    return 0;
  }
}

// Reads fields I, I+1, ... of a run from p, which holds all of their bytes.
template <class Refs, std::size_t I, std::size_t... K>
[[gnu::always_inline]] inline bool read_fixed_run(const std::uint8_t* p, Refs& refs,
                                                  std::index_sequence<K...>) {
  return (Codec<FieldType<Refs, I + K>>::read_fixed(p + fixed_run_bytes<Refs, I, I + K>(),
                                                    std::get<I + K>(refs)) &&
          ...);
}

// Decodes fields I.. of a struct: a run of fixed-size fields with one bounds check, any other
// field through its decode_into.
template <std::size_t I, class Refs>
[[gnu::always_inline]] inline bool decode_fields(Decoder& d, Refs& refs) {
  if constexpr (I == std::tuple_size_v<Refs>) {
    return true;
  } else if constexpr (FixedCodec<FieldType<Refs, I>>) {
    constexpr std::size_t kEnd = fixed_run_end<Refs, I>();
    const std::uint8_t* p = nullptr;
    return d.try_take(fixed_run_bytes<Refs, I, kEnd>(), p) &&
           read_fixed_run<Refs, I>(p, refs, std::make_index_sequence<kEnd - I>{}) &&
           decode_fields<kEnd>(d, refs);
  } else {
    return detail::decode_into(d, std::get<I>(refs)) && decode_fields<I + 1>(d, refs);
  }
}

}  // namespace detail

// Decodes one T. The success path runs without building errors; on failure the decoder
// rewinds and decodes again through the error-reporting path, which fails at the same place
// and says where and why.
// The fast path runs on a copy of the decoder, committed on success: a local whose address
// is not taken stays in registers.
template <class T>
[[nodiscard]] Result<T> decode(Decoder& d) {
  if constexpr (detail::FastDecodable<T>) {
    Decoder fast = d;
    T out{};
    if (detail::decode_into(fast, out)) [[likely]] {
      d = fast;
      return out;
    }
  }
  return Codec<T>::decode(d);
}

// Decodes exactly one T from `in`; TrailingBytes if anything is left over.
template <class T>
[[nodiscard]] Result<T> decode_all(ByteSpan in) {
  Decoder d(in);
  T v = EV_TRY(decode<T>(d));
  EV_TRY(d.finish());
  return v;
}

namespace detail {

template <class Tuple>
struct MinSizeSum;
template <class... Ts>
struct MinSizeSum<std::tuple<Ts...>> {
  static constexpr std::size_t value =
      (std::size_t{0} + ... + Codec<std::remove_cvref_t<Ts>>::min_size);
};

template <class... Ts>
constexpr std::size_t min_of_min_sizes() {
  std::size_t m = std::numeric_limits<std::size_t>::max();
  ((m = Codec<Ts>::min_size < m ? Codec<Ts>::min_size : m), ...);
  return m;
}

// Decodes into each element of a tuple (of values or of references), in order; `ctx(i)`
// names element i in an error.
template <class Tuple, class Ctx, std::size_t I>
Result<void> decode_element(Decoder& d, Tuple& t, const Ctx& ctx) {
  using F = std::remove_cvref_t<std::tuple_element_t<I, Tuple>>;
  auto v = Codec<F>::decode(d);
  if (!v) return std::move(v).error().context(ctx(I));
  std::get<I>(t) = std::move(v).value();
  return ok();
}

template <class Tuple, class Ctx, std::size_t... I>
Result<void> decode_elements(Decoder& d, Tuple& t, const Ctx& ctx, std::index_sequence<I...>) {
  Result<void> r;
  (void)((r = decode_element<Tuple, Ctx, I>(d, t, ctx)).ok() && ...);
  return r;
}

template <class Tuple, class Ctx>
Result<void> decode_tuple(Decoder& d, Tuple& t, const Ctx& ctx) {
  return decode_elements(d, t, ctx, std::make_index_sequence<std::tuple_size_v<Tuple>>{});
}

template <class Tuple>
void encode_tuple(Encoder& e, const Tuple& t) {
  std::apply(
      [&e](const auto&... x) { (Codec<std::remove_cvref_t<decltype(x)>>::encode(e, x), ...); }, t);
}

}  // namespace detail

// Fixed-width integers, little-endian two's complement.
template <detail::PlainInt T>
struct Codec<T> {
  static constexpr std::size_t min_size = sizeof(T);
  static void encode(Encoder& e, T v) {
    if constexpr (sizeof(T) == 1) {
      e.u8(static_cast<std::uint8_t>(v));
    } else if constexpr (sizeof(T) == 2) {
      e.u16(static_cast<std::uint16_t>(v));
    } else if constexpr (sizeof(T) == 4) {
      e.u32(static_cast<std::uint32_t>(v));
    } else {
      e.u64(static_cast<std::uint64_t>(v));
    }
  }
  static constexpr std::size_t fixed_size = sizeof(T);
  static bool read_fixed(const std::uint8_t* p, T& out) {
    std::memcpy(&out, p, sizeof(T));
    return true;
  }
  static bool decode_into(Decoder& d, T& out) { return d.try_fixed(out); }
  static Result<T> decode(Decoder& d) {
    if constexpr (sizeof(T) == 1) {
      return static_cast<T>(EV_TRY(d.u8()));
    } else if constexpr (sizeof(T) == 2) {
      return static_cast<T>(EV_TRY(d.u16()));
    } else if constexpr (sizeof(T) == 4) {
      return static_cast<T>(EV_TRY(d.u32()));
    } else {
      return static_cast<T>(EV_TRY(d.u64()));
    }
  }
};

template <>
struct Codec<u128> {
  static constexpr std::size_t min_size = 16;
  static void encode(Encoder& e, u128 v) { e.u128_(v); }
  static constexpr std::size_t fixed_size = 16;
  static bool read_fixed(const std::uint8_t* p, u128& out) {
    std::memcpy(&out, p, 16);
    return true;
  }
  static bool decode_into(Decoder& d, u128& out) { return d.try_fixed(out); }
  static Result<u128> decode(Decoder& d) { return d.u128_(); }
};

template <>
struct Codec<i128> {
  static constexpr std::size_t min_size = 16;
  static void encode(Encoder& e, i128 v) { e.i128_(v); }
  static constexpr std::size_t fixed_size = 16;
  static bool read_fixed(const std::uint8_t* p, i128& out) {
    std::memcpy(&out, p, 16);
    return true;
  }
  static bool decode_into(Decoder& d, i128& out) { return d.try_fixed(out); }
  static Result<i128> decode(Decoder& d) { return d.i128_(); }
};

template <>
struct Codec<bool> {
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, bool v) { e.boolean(v); }
  static constexpr std::size_t fixed_size = 1;
  static bool read_fixed(const std::uint8_t* p, bool& out) {
    out = *p == 1;
    return *p <= 1;
  }
  static bool decode_into(Decoder& d, bool& out) { return d.try_boolean(out); }
  static Result<bool> decode(Decoder& d) { return d.boolean(); }
};

template <class T>
struct Codec<Compact<T>> {
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, const Compact<T>& v) { e.compact(v.value); }
  static bool decode_into(Decoder& d, Compact<T>& out) { return d.try_compact(out.value); }
  static Result<Compact<T>> decode(Decoder& d) { return Compact<T>{EV_TRY(d.compact_as<T>())}; }
};

template <>
struct Codec<std::string> {
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, const std::string& v) { e.string(v); }
  static Result<std::string> decode(Decoder& d) { return d.string(); }
};

template <>
struct Codec<Bytes> {
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, const Bytes& v) { e.bytes(v); }
  static bool decode_into(Decoder& d, Bytes& out) {
    std::size_t n = 0;
    ByteSpan s;
    if (!d.try_length(1, n) || !d.try_raw(n, s)) return false;
    out.assign(s.begin(), s.end());
    return true;
  }
  static Result<Bytes> decode(Decoder& d) { return d.bytes(); }
};

// Option<T>: 0x00 (None) or 0x01 then T. Generic for every T: Option<bool> is two bytes.
template <class T>
struct Codec<std::optional<T>> {
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, const std::optional<T>& v) {
    e.u8(static_cast<std::uint8_t>(v.has_value() ? 1 : 0));
    if (v.has_value()) Codec<T>::encode(e, *v);
  }
  static bool decode_into(Decoder& d, std::optional<T>& out) requires detail::FastDecodable<T> {
    std::uint8_t tag = 0;
    if (!d.try_fixed(tag) || tag > 1) return false;
    if (tag == 0) {
      out.reset();
      return true;
    }
    return detail::decode_into(d, out.emplace());
  }
  static Result<std::optional<T>> decode(Decoder& d) {
    const std::size_t at = d.pos();
    const std::uint8_t tag = EV_TRY(d.u8());
    if (tag == 0) return std::optional<T>{};
    if (tag != 1) return d.error_at(Errc::InvalidOptionTag, at, "tag " + std::to_string(tag));
    T v = EV_TRY(Codec<T>::decode(d));
    return std::optional<T>(std::move(v));
  }
};

// Vec<T>: compact length, then the elements.
template <class T>
struct Codec<std::vector<T>> {
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, const std::vector<T>& v) {
    e.compact(v.size());
    for (const auto& x : v) Codec<T>::encode(e, x);
  }
  static bool decode_into(Decoder& d, std::vector<T>& out) requires(detail::FastDecodable<T> &&
                                                                    !std::is_same_v<T, bool>) {
    std::size_t n = 0;
    if (!d.try_enter() || !d.try_length(Codec<T>::min_size, n)) return false;
    out.clear();
    const std::size_t hint = detail::reserve_hint(n, sizeof(T));
    if (n <= hint) [[likely]] {
      // All elements allocated at once, then decoded in place.
      out.resize(n);
      if constexpr (detail::FixedCodec<T>) {
        // try_length allowed at most remaining() / min_size elements, and min_size is
        // fixed_size here: all of them are in the input. One bounds check for the whole Vec.
        static_assert(Codec<T>::min_size == Codec<T>::fixed_size);
        const std::uint8_t* p = nullptr;
        if (!d.try_take(n * Codec<T>::fixed_size, p)) return false;
        for (std::size_t i = 0; i < n; ++i) {
          if (!Codec<T>::read_fixed(p + i * Codec<T>::fixed_size, out[i])) return false;
        }
      } else {
        for (T& x : out) {
          if (!detail::decode_into(d, x)) return false;
        }
      }
    } else {
      out.reserve(hint);  // the rest grows with the data actually present
      for (std::size_t i = 0; i < n; ++i) {
        if (!detail::decode_into(d, out.emplace_back())) return false;
      }
    }
    d.leave();
    return true;
  }
  static Result<std::vector<T>> decode(Decoder& d) {
    auto guard = EV_TRY(d.descend());
    const std::size_t n = EV_TRY(d.length(Codec<T>::min_size));
    std::vector<T> out;
    out.reserve(detail::reserve_hint(n, sizeof(T)));
    for (std::size_t i = 0; i < n; ++i) {
      auto x = Codec<T>::decode(d);
      if (!x) return std::move(x).error().context(detail::index_context(i));
      out.push_back(std::move(x).value());
    }
    return out;
  }
};

// [T; N]: the elements, no length.
template <class T, std::size_t N>
struct Codec<std::array<T, N>> {
  static constexpr std::size_t min_size = N * Codec<T>::min_size;
  static void encode(Encoder& e, const std::array<T, N>& v) {
    for (const auto& x : v) Codec<T>::encode(e, x);
  }
  static Result<std::array<T, N>> decode(Decoder& d) {
    std::array<T, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
      auto x = Codec<T>::decode(d);
      if (!x) return std::move(x).error().context(detail::index_context(i));
      out[i] = std::move(x).value();
    }
    return out;
  }
};

template <std::size_t N>
struct Codec<std::array<std::uint8_t, N>> {
  static constexpr std::size_t min_size = N;
  static void encode(Encoder& e, const std::array<std::uint8_t, N>& v) { e.raw(v); }
  static constexpr std::size_t fixed_size = N;
  static bool read_fixed(const std::uint8_t* p, std::array<std::uint8_t, N>& out) {
    std::memcpy(out.data(), p, N);
    return true;
  }
  static bool decode_into(Decoder& d, std::array<std::uint8_t, N>& out) {
    ByteSpan s;
    if (!d.try_raw(N, s)) return false;
    std::memcpy(out.data(), s.data(), N);
    return true;
  }
  static Result<std::array<std::uint8_t, N>> decode(Decoder& d) {
    ByteSpan s = EV_TRY(d.raw(N));
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = s[i];
    return out;
  }
};

// Tuples: the elements in order, no length.
template <class... Ts>
struct Codec<std::tuple<Ts...>> {
  static constexpr std::size_t min_size = (std::size_t{0} + ... + Codec<Ts>::min_size);
  static void encode(Encoder& e, const std::tuple<Ts...>& v) { detail::encode_tuple(e, v); }
  static Result<std::tuple<Ts...>> decode(Decoder& d) {
    std::tuple<Ts...> out{};
    EV_TRY(
        detail::decode_tuple(d, out, [](std::size_t i) { return "tuple." + std::to_string(i); }));
    return out;
  }
};

template <class A, class B>
struct Codec<std::pair<A, B>> {
  static constexpr std::size_t min_size = Codec<A>::min_size + Codec<B>::min_size;
  static void encode(Encoder& e, const std::pair<A, B>& v) {
    Codec<A>::encode(e, v.first);
    Codec<B>::encode(e, v.second);
  }
  static Result<std::pair<A, B>> decode(Decoder& d) {
    A a = EV_TRY_CTX("pair.first", Codec<A>::decode(d));
    B b = EV_TRY_CTX("pair.second", Codec<B>::decode(d));
    return std::pair<A, B>(std::move(a), std::move(b));
  }
};

template <class T, class E>
struct Codec<ScaleResult<T, E>> {
  using R = ScaleResult<T, E>;
  static constexpr std::size_t min_size = 1 + detail::min_of_min_sizes<T, E>();
  static void encode(Encoder& e, const R& v) {
    e.u8(static_cast<std::uint8_t>(v.inner.index()));
    std::visit([&e](const auto& x) { Codec<std::remove_cvref_t<decltype(x)>>::encode(e, x); },
               v.inner);
  }
  static Result<R> decode(Decoder& d) {
    const std::size_t at = d.pos();
    const std::uint8_t tag = EV_TRY(d.u8());
    if (tag == 0) return R::ok(EV_TRY_CTX("Ok", Codec<T>::decode(d)));
    if (tag == 1) return R::err(EV_TRY_CTX("Err", Codec<E>::decode(d)));
    return d.error_at(Errc::InvalidResultTag, at, "tag " + std::to_string(tag));
  }
};

// BTreeMap<K, V>: Vec<(K, V)> in increasing key order; decoding rejects unsorted or
// duplicate keys. std::less<K> must order keys as Rust's Ord does (true for integers,
// strings, byte arrays).
template <class K, class V>
struct Codec<std::map<K, V>> {
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, const std::map<K, V>& m) {
    e.compact(m.size());
    for (const auto& [k, v] : m) {
      Codec<K>::encode(e, k);
      Codec<V>::encode(e, v);
    }
  }
  static Result<std::map<K, V>> decode(Decoder& d) {
    auto guard = EV_TRY(d.descend());
    const std::size_t n = EV_TRY(d.length(Codec<K>::min_size + Codec<V>::min_size));
    std::map<K, V> out;
    for (std::size_t i = 0; i < n; ++i) {
      EV_TRY_CTX(detail::index_context(i), decode_entry(d, out));
    }
    return out;
  }

 private:
  static Result<void> decode_entry(Decoder& d, std::map<K, V>& out) {
    const std::size_t at = d.pos();
    K k = EV_TRY_CTX("key", Codec<K>::decode(d));
    if (!out.empty() && !out.key_comp()(out.rbegin()->first, k)) {
      return d.error_at(Errc::UnsortedMap, at, "key not greater than the previous key");
    }
    V v = EV_TRY_CTX("value", Codec<V>::decode(d));
    out.emplace_hint(out.end(), std::move(k), std::move(v));
    return ok();
  }
};

// Rust enums with data: one tag byte (the variant index), then that alternative. A unit
// variant is an empty struct (or std::monostate).
template <class... Ts>
struct Codec<std::variant<Ts...>> {
  static_assert(sizeof...(Ts) >= 1 && sizeof...(Ts) <= 256, "a SCALE enum has 1..256 variants");
  using V = std::variant<Ts...>;
  static constexpr std::size_t min_size = 1 + detail::min_of_min_sizes<Ts...>();
  static void encode(Encoder& e, const V& v) {
    e.u8(static_cast<std::uint8_t>(v.index()));
    std::visit([&e](const auto& x) { Codec<std::remove_cvref_t<decltype(x)>>::encode(e, x); }, v);
  }
  static Result<V> decode(Decoder& d) {
    const std::size_t at = d.pos();
    const std::uint8_t tag = EV_TRY(d.u8());
    if (tag >= sizeof...(Ts)) {
      return d.error_at(Errc::InvalidEnumTag, at,
                        "tag " + std::to_string(tag) + " of " + std::to_string(sizeof...(Ts)));
    }
    return decode_alternative(d, tag, std::index_sequence_for<Ts...>{});
  }

 private:
  template <std::size_t... I>
  static Result<V> decode_alternative(Decoder& d, std::size_t tag, std::index_sequence<I...>) {
    using Fn = Result<V> (*)(Decoder&);
    static constexpr Fn kTable[] = {&decode_one<I>...};
    return kTable[tag](d);
  }
  template <std::size_t I>
  static Result<V> decode_one(Decoder& d) {
    auto x = EV_TRY(Codec<std::variant_alternative_t<I, V>>::decode(d));
    return V(std::in_place_index<I>, std::move(x));
  }
};

// C-like enums: one byte, 0..EnumTraits<E>::max.
template <ScaleEnum E>
struct Codec<E> {
  static_assert(static_cast<std::uint64_t>(EnumTraits<E>::max) <= 255,
                "a C-like SCALE enum has at most 256 variants");
  static constexpr std::size_t min_size = 1;
  static void encode(Encoder& e, E v) { e.u8(static_cast<std::uint8_t>(v)); }
  static Result<E> decode(Decoder& d) {
    const std::size_t at = d.pos();
    const std::uint8_t tag = EV_TRY(d.u8());
    if (tag > static_cast<std::uint8_t>(EnumTraits<E>::max)) {
      return d.error_at(Errc::InvalidEnumTag, at,
                        std::string(detail::type_name<E>()) + " tag " + std::to_string(tag));
    }
    return static_cast<E>(tag);
  }
};

// Classes with `void encode(Encoder&) const`, `static Result<T> decode(Decoder&)` and
// `static constexpr std::size_t kScaleMinSize`.
template <HasMemberCodec T>
struct Codec<T> {
  static constexpr std::size_t min_size = T::kScaleMinSize;
  static void encode(Encoder& e, const T& v) { v.encode(e); }
  static Result<T> decode(Decoder& d) { return T::decode(d); }
};

// Structs with EV_SCALE_FIELDS: the fields in declaration-list order.
template <class T>
requires(HasScaleFields<T> && !HasMemberCodec<T>) struct Codec<T> {
  using Refs = decltype(std::declval<T&>().scale_fields());
  static constexpr std::size_t min_size = detail::MinSizeSum<Refs>::value;
  static void encode(Encoder& e, const T& v) { detail::encode_tuple(e, v.scale_fields()); }
  static bool decode_into(Decoder& d, T& out) {
    if (!d.try_enter()) return false;
    Refs refs = out.scale_fields();
    const bool good = detail::decode_fields<0>(d, refs);
    d.leave();
    return good;
  }
  static Result<T> decode(Decoder& d) {
    auto guard = EV_TRY(d.descend());
    T out{};
    Refs refs = out.scale_fields();
    EV_TRY(detail::decode_tuple(d, refs, [](std::size_t i) {
      return detail::field_context(detail::type_name<T>(), T::scale_field_names(), i);
    }));
    return out;
  }
};

// Empty structs without EV_SCALE_FIELDS (unit variants, std::monostate): zero bytes.
template <class T>
requires(std::is_class_v<T>&& std::is_empty_v<T>&& std::is_default_constructible_v<T> &&
         !HasScaleFields<T> && !HasMemberCodec<T>) struct Codec<T> {
  static constexpr std::size_t min_size = 0;
  static void encode(Encoder&, const T&) {}
  static Result<T> decode(Decoder&) { return T{}; }
};

}  // namespace ev::scale
