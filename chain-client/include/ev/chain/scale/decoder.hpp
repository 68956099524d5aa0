// SCALE decoder: primitives read strictly (canonical encodings only) from a borrowed span,
// with the position, a nesting limit and errors that name the byte offset.
// docs/formats/scale.md.
#pragma once

#include "ev/chain/scale/errors.hpp"

namespace ev::scale {

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

}  // namespace ev::scale
