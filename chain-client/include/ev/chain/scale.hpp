// SCALE codec (parity-scale-codec wire format), strict and canonical.
// Format notes, strict rules and limits: docs/formats/scale.md.
//
// Two layers:
//   * Encoder / Decoder: primitives (fixed-width little-endian integers, bool, compact
//     integers, length-prefixed bytes and strings) over a byte buffer.
//   * The typed codec: encode(Encoder&, const T&) / decode<T>(Decoder&) for every type that
//     has a Codec<T>: integers, bool, u128/i128, Compact<T>, std::optional, std::vector,
//     std::string, std::array, std::tuple, std::pair, ScaleResult, std::map (BTreeMap),
//     std::variant (enums), C-like enums with EnumTraits, structs declaring EV_SCALE_FIELDS,
//     classes with member encode/decode, and any explicit Codec<T> specialisation.
//
// Decoding is strict: a value is accepted only in its canonical encoding, so for every input
// that decodes, re-encoding the value yields exactly the bytes consumed. Errors name the byte
// offset ("at offset N") and, for struct fields, the field ("Foo.num: ...").
// Thread safety: Encoder and Decoder are plain values; use one per thread.
#pragma once

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::scale {

enum class Errc {
  Truncated = 1,        // input ends inside a value
  NonCanonicalCompact,  // compact integer not in its shortest form
  Overflow,             // value does not fit the target type
  InvalidBool,          // bool byte other than 0 or 1
  InvalidOptionTag,     // Option tag other than 0 or 1
  InvalidResultTag,     // Result tag other than 0 or 1
  InvalidEnumTag,       // enum / variant tag past the last variant
  InvalidUtf8,          // String bytes are not valid UTF-8
  LengthTooLarge,       // length prefix larger than the remaining input allows
  UnsortedMap,          // BTreeMap keys not strictly increasing
  TrailingBytes,        // bytes left after a complete value
  DepthLimit,           // nesting deeper than kMaxDepth
  InvalidEra,           // mortal era with period < 4 or phase >= period
  InvalidValue,         // a custom codec rejected a decoded value
};

}  // namespace ev::scale

namespace ev {
template <>
struct ErrorTraits<scale::Errc> {
  static constexpr std::string_view domain = "scale";
  static std::string_view message(scale::Errc e);
};
}  // namespace ev

namespace ev::scale {

using i128 = __int128;

// Nesting limit for decoding (structs, vectors, maps count one level each).
inline constexpr std::size_t kMaxDepth = 128;
// Length cap for sequences whose elements may encode to zero bytes (e.g. Vec<()>).
inline constexpr std::size_t kMaxZeroSizeLength = std::size_t{1} << 16;

// Fixed-width integers are read and written with memcpy in host order.
static_assert(std::endian::native == std::endian::little,
              "SCALE is little-endian; this codec assumes a little-endian host");

namespace detail {

// Appends the n low bytes of v (little-endian).
// REQUIRES: n <= sizeof(U).
template <class U>
inline void append_le(Bytes& out, U v, std::size_t n = sizeof(U)) {
  const std::size_t at = out.size();
  out.resize(at + n);
  std::memcpy(out.data() + at, &v, n);
}

inline void append_compact64(Bytes& out, std::uint64_t v) {
  if (v < (std::uint64_t{1} << 6)) {
    out.push_back(static_cast<std::uint8_t>(v << 2));
  } else if (v < (std::uint64_t{1} << 14)) {
    append_le(out, static_cast<std::uint16_t>((v << 2) | 0b01));
  } else if (v < (std::uint64_t{1} << 30)) {
    append_le(out, static_cast<std::uint32_t>((v << 2) | 0b10));
  } else {
    const auto n = static_cast<std::size_t>(8 - std::countl_zero(v) / 8);  // 4..8 bytes
    out.push_back(static_cast<std::uint8_t>(((n - 4) << 2) | 0b11));
    append_le(out, v, n);
  }
}

}  // namespace detail

// Appends the compact (variable-length) encoding of v.
inline void append_compact(Bytes& out, u128 v) {
  if (v <= std::numeric_limits<std::uint64_t>::max()) {
    detail::append_compact64(out, static_cast<std::uint64_t>(v));
    return;
  }
  std::uint8_t n = 0;
  for (u128 t = v; t != 0; t >>= 8) ++n;  // bytes needed, 9..16
  out.push_back(static_cast<std::uint8_t>(((n - 4) << 2) | 0b11));
  detail::append_le(out, v, n);
}

// Appends SCALE primitives to an owned buffer. Every method returns *this for chaining.
class Encoder {
 public:
  Encoder() = default;
  // Continues after `prefix` (the new bytes are appended to it).
  explicit Encoder(Bytes prefix) : out_(std::move(prefix)) {}

  Encoder& u8(std::uint8_t v) {
    out_.push_back(v);
    return *this;
  }
  Encoder& u16(std::uint16_t v) { return le(v); }
  Encoder& u32(std::uint32_t v) { return le(v); }
  Encoder& u64(std::uint64_t v) { return le(v); }
  Encoder& u128_(u128 v) { return le(v); }
  Encoder& i8(std::int8_t v) { return u8(static_cast<std::uint8_t>(v)); }
  Encoder& i16(std::int16_t v) { return u16(static_cast<std::uint16_t>(v)); }
  Encoder& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
  Encoder& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  Encoder& i128_(i128 v) { return u128_(static_cast<u128>(v)); }
  Encoder& boolean(bool v) { return u8(static_cast<std::uint8_t>(v ? 1 : 0)); }
  Encoder& compact(u128 v) {
    append_compact(out_, v);
    return *this;
  }
  Encoder& raw(ByteSpan v) {
    append(out_, v);
    return *this;
  }
  // compact length + bytes (Vec<u8>)
  Encoder& bytes(ByteSpan v) { return compact(v.size()).raw(v); }
  // compact length + UTF-8 bytes (String)
  Encoder& string(std::string_view v) { return bytes(as_bytes(v)); }

  [[nodiscard]] const Bytes& data() const { return out_; }
  [[nodiscard]] std::size_t size() const { return out_.size(); }
  // Moves the buffer out; the encoder is empty afterwards.
  [[nodiscard]] Bytes take();

 private:
  template <class U>
  Encoder& le(U v) {
    detail::append_le(out_, v);
    return *this;
  }
  Bytes out_;
};

// Releases one nesting level of a Decoder when destroyed (see Decoder::descend).
class DepthGuard {
 public:
  explicit DepthGuard(std::size_t* depth) : depth_(depth) {}
  DepthGuard(DepthGuard&& o) noexcept : depth_(std::exchange(o.depth_, nullptr)) {}
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
  DepthGuard& operator=(DepthGuard&&) = delete;
  ~DepthGuard() {
    if (depth_ != nullptr) --*depth_;
  }

 private:
  std::size_t* depth_;
};

// Reads SCALE primitives from a borrowed span (which must outlive the decoder) and tracks
// the position. A failed primitive read leaves the position unchanged; after a failed
// typed decode (decode<T>) the position is unspecified. Errors say "at offset N" where N is
// the offset of the value that failed, counted from the start of the span.
class Decoder {
 public:
  explicit Decoder(ByteSpan in) : in_(in) {}

  [[nodiscard]] Result<std::uint8_t> u8() { return fixed<std::uint8_t>(); }
  [[nodiscard]] Result<std::uint16_t> u16() { return fixed<std::uint16_t>(); }
  [[nodiscard]] Result<std::uint32_t> u32() { return fixed<std::uint32_t>(); }
  [[nodiscard]] Result<std::uint64_t> u64() { return fixed<std::uint64_t>(); }
  [[nodiscard]] Result<u128> u128_() { return fixed<u128>(); }
  [[nodiscard]] Result<std::int8_t> i8() { return fixed<std::int8_t>(); }
  [[nodiscard]] Result<std::int16_t> i16() { return fixed<std::int16_t>(); }
  [[nodiscard]] Result<std::int32_t> i32() { return fixed<std::int32_t>(); }
  [[nodiscard]] Result<std::int64_t> i64() { return fixed<std::int64_t>(); }
  [[nodiscard]] Result<i128> i128_() { return fixed<i128>(); }
  // Only 0x00 and 0x01 are accepted.
  [[nodiscard]] Result<bool> boolean() {
    if (pos_ < in_.size() && in_[pos_] <= 1) [[likely]] {
      return in_[pos_++] == 1;
    }
    return boolean_error();
  }
  // A canonical compact integer of at most 16 bytes.
  [[nodiscard]] Result<u128> compact() { return compact_as<u128>(); }
  // A canonical compact integer that fits T (unsigned, or u128): big-integer mode longer
  // than sizeof(T) bytes, or a value above T's maximum, is Overflow.
  template <class T>
  [[nodiscard]] Result<T> compact_as();
  // The next n bytes, without copying (a view into the input).
  [[nodiscard]] Result<ByteSpan> raw(std::size_t n) {
    if (n <= remaining()) [[likely]] {
      ByteSpan s = in_.subspan(pos_, n);
      pos_ += n;
      return s;
    }
    return truncated(n);
  }
  // Vec<u8>: compact length + bytes.
  [[nodiscard]] Result<Bytes> bytes();
  // String: compact length + bytes, validated as UTF-8.
  [[nodiscard]] Result<std::string> string();
  // A sequence length prefix (Compact<u32>), checked against the remaining input: at most
  // remaining() / min_element_size, or kMaxZeroSizeLength when min_element_size is 0.
  [[nodiscard]] Result<std::size_t> length(std::size_t min_element_size) {
    const std::size_t at = pos_;
    const std::size_t n = EV_TRY(compact_as<std::uint32_t>());
    const std::size_t cap =
        min_element_size == 0 ? kMaxZeroSizeLength : remaining() / min_element_size;
    if (n <= cap) [[likely]] {
      return n;
    }
    return length_error(at, n, cap);
  }
  // The next byte, without consuming it.
  [[nodiscard]] Result<std::uint8_t> peek() const { return peek_at(0); }

  [[nodiscard]] std::size_t pos() const { return pos_; }
  [[nodiscard]] std::size_t remaining() const { return in_.size() - pos_; }
  [[nodiscard]] bool empty() const { return remaining() == 0; }
  [[nodiscard]] ByteSpan input() const { return in_; }
  // Error (TrailingBytes) unless every byte has been consumed.
  [[nodiscard]] Result<void> finish() const;

  // Enters one nesting level; DepthLimit past kMaxDepth. Keep the guard for the level's
  // lifetime.
  [[nodiscard]] Result<DepthGuard> descend() {
    if (depth_ < kMaxDepth) [[likely]] {
      ++depth_;
      return DepthGuard(&depth_);
    }
    return depth_error();
  }
  // An error of this decoder's style: "<message>: at offset <offset>[: <detail>]".
  [[nodiscard]] Error error_at(Errc e, std::size_t offset, std::string_view detail = {}) const;

  // ---- Fast path (used by the typed codec's decode_into) ----
  // Each try_ reads like its Result-returning twin but reports failure as `false`, builds no
  // error and may leave the position anywhere; the caller rewinds to a Mark and decodes again
  // through the Result path to get the error message (decoding is deterministic).
  struct Mark {
    std::size_t pos;
    std::size_t depth;
  };
  [[nodiscard]] Mark mark() const { return {pos_, depth_}; }
  void rewind(Mark m) {
    pos_ = m.pos;
    depth_ = m.depth;
  }
  template <class U>
  [[nodiscard]] bool try_fixed(U& out) {
    if (sizeof(U) > remaining()) return false;
    std::memcpy(&out, in_.data() + pos_, sizeof(U));
    pos_ += sizeof(U);
    return true;
  }
  [[nodiscard]] bool try_boolean(bool& out) {
    if (pos_ >= in_.size() || in_[pos_] > 1) return false;
    out = in_[pos_++] == 1;
    return true;
  }
  // The next n bytes, as a pointer to them.
  [[nodiscard]] bool try_take(std::size_t n, const std::uint8_t*& out) {
    if (n > remaining()) return false;
    out = in_.data() + pos_;
    pos_ += n;
    return true;
  }
  [[nodiscard]] bool try_raw(std::size_t n, ByteSpan& out) {
    if (n > remaining()) return false;
    out = in_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  // Canonical compacts of values that fit T and 64 bits; false for everything else (errors,
  // and big integers above 64 bits, which the Result path handles).
  template <class T>
  [[nodiscard]] bool try_compact(T& out);
  [[nodiscard]] bool try_length(std::size_t min_element_size, std::size_t& out) {
    std::uint32_t n = 0;
    if (!try_compact(n)) return false;
    const std::size_t cap =
        min_element_size == 0 ? kMaxZeroSizeLength : remaining() / min_element_size;
    out = n;
    return n <= cap;
  }
  // Enters a nesting level (leave() releases it); false past kMaxDepth.
  [[nodiscard]] bool try_enter() { return depth_ < kMaxDepth && (++depth_, true); }
  void leave() { --depth_; }

 private:
  // The Result path of compact_as, on a copy of the decoder (see compact_as).
  template <class T>
  [[gnu::noinline]] static Result<T> compact_slow(Decoder d) {
    u128 v = EV_TRY(d.compact_limited(sizeof(T), detail_max<T>()));
    return static_cast<T>(v);
  }
  // Bytes taken by a compact integer whose first byte is b0.
  static std::size_t compact_length(std::uint8_t b0) {
    return (b0 & 3) == 3 ? (b0 >> 2) + 5u : std::size_t{1} << (b0 & 3);
  }
  template <class T>
  static constexpr u128 detail_max() {
    if constexpr (std::is_same_v<T, u128>) {
      return ~u128{0};
    } else {
      return std::numeric_limits<T>::max();
    }
  }
  // Success paths are inline; every error is built out of line, on a cold path.
  template <class U>
  Result<U> fixed() {
    if (sizeof(U) <= remaining()) [[likely]] {
      U v;
      std::memcpy(&v, in_.data() + pos_, sizeof(U));
      pos_ += sizeof(U);
      return v;
    }
    return truncated(sizeof(U));
  }
  [[gnu::cold]] Error truncated(std::size_t need) const;
  [[gnu::cold]] Error boolean_error() const;
  // Restores the position to `at`.
  [[gnu::cold]] Error length_error(std::size_t at, std::size_t n, std::size_t cap);
  [[gnu::cold]] Error depth_error() const;
  // The general (and error-reporting) compact reader.
  Result<u128> compact_limited(std::size_t max_bytes, u128 max_value);
  Result<u128> compact_unchecked(std::size_t max_bytes);
  Result<u128> compact_big(std::size_t at, std::uint8_t b0, std::size_t max_bytes);
  Result<u128> le(std::size_t n);
  Result<std::uint8_t> peek_at(std::size_t i) const;  // the byte i places ahead

  ByteSpan in_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
};

namespace detail {

template <class T>
inline constexpr bool kIsCharType =
    std::is_same_v<T, char> || std::is_same_v<T, wchar_t> || std::is_same_v<T, char8_t> ||
    std::is_same_v<T, char16_t> || std::is_same_v<T, char32_t>;

// Fixed-width integers up to 64 bits (bool and character types excluded).
template <class T>
concept PlainInt =
    std::is_integral_v<T> && !std::is_same_v<T, bool> && !kIsCharType<T> && sizeof(T) <= 8;

// Types that Compact<T> accepts.
template <class T>
concept CompactInt = std::is_same_v<T, u128> ||(PlainInt<T>&& std::is_unsigned_v<T>);

template <class T>
constexpr u128 max_of() {
  if constexpr (std::is_same_v<T, u128>) {
    return ~u128{0};
  } else {
    return std::numeric_limits<T>::max();
  }
}

// "Foo.num" for field i of a struct whose EV_SCALE_FIELDS list is `list`.
std::string field_context(std::string_view type, std::string_view list, std::size_t i);
// "[i]" for element i of a sequence.
std::string index_context(std::size_t i);
// The unqualified type name from a __PRETTY_FUNCTION__ of type_name<T>.
std::string_view short_type_name(std::string_view pretty);
// How many elements to reserve up front for a sequence of n elements of `element_size`
// bytes: n, capped so that the reservation stays small; the rest grows with real data.
std::size_t reserve_hint(std::size_t n, std::size_t element_size);

template <class T>
std::string_view type_name() {
  return short_type_name(__PRETTY_FUNCTION__);
}

}  // namespace detail

namespace detail {
// True when v is a value of T (kept out of line of the expressions below so that each
// instantiation reads the same; for wide T it is constant-true).
template <class T>
constexpr bool fits(u128 v) {
  return v <= max_of<T>();
}
}  // namespace detail

template <class T>
[[gnu::always_inline]] inline bool Decoder::try_compact(T& out) {
  static_assert(detail::CompactInt<T>, "try_compact<T>: T must be an unsigned integer or u128");
  // Big-integer mode handled here: at most 8 bytes, and no more than T holds.
  constexpr std::size_t kMaxBig = sizeof(T) < 8 ? sizeof(T) : 8;
  const std::size_t left = remaining();
  if (left == 0) [[unlikely]] {
    return false;
  }
  const std::uint8_t* p = in_.data() + pos_;
  const std::uint32_t b0 = p[0];
  std::uint64_t v = 0;
  std::size_t len = 0;
  switch (b0 & 3) {
    case 0:  // always canonical
      v = b0 >> 2;
      len = 1;
      break;
    case 1:
      if (left < 2) return false;
      v = (b0 | (std::uint32_t{p[1]} << 8)) >> 2;
      if (v < 64) return false;
      len = 2;
      break;
    case 2: {
      if (left < 4) return false;
      std::uint32_t x = 0;
      std::memcpy(&x, p, 4);
      v = x >> 2;
      if (v < 16384) return false;
      len = 4;
      break;
    }
    default: {
      const std::size_t n = (b0 >> 2) + 4u;  // 4..67 bytes follow
      if (n > kMaxBig || left <= n || p[n] == 0) return false;
      // n is 4..8 here: two 4-byte loads, the first and the last four value bytes (they
      // overlap when n < 8, with equal bytes at equal places), never past p[n].
      std::uint32_t lo = 0;
      std::uint32_t hi = 0;
      std::memcpy(&lo, p + 1, 4);
      std::memcpy(&hi, p + n - 3, 4);
      v = lo | (std::uint64_t{hi} << (8 * (n - 4)));
      if (v < (std::uint64_t{1} << 30)) return false;
      len = n + 1;
      break;
    }
  }
  if (!detail::fits<T>(v)) return false;
  out = static_cast<T>(v);
  pos_ += len;
  return true;
}

template <class T>
[[gnu::always_inline]] inline Result<T> Decoder::compact_as() {
  static_assert(detail::CompactInt<T>, "compact_as<T>: T must be an unsigned integer or u128");
  T v{};
  if (try_compact(v)) [[likely]] {
    return v;
  }
  // try_compact left the position unchanged. The slow path works on a copy, so that this
  // decoder's address is not taken on the hot path (it can stay in registers).
  Result<T> r = compact_slow<T>(*this);
  if (r) pos_ += compact_length(in_[pos_]);  // only big integers above 64 bits get here
  return r;
}

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
