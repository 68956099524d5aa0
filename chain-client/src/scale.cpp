// SCALE primitives. Format: docs/formats/scale.md.
#include "ev/chain/scale.hpp"

#include <algorithm>

namespace ev {

std::string_view ErrorTraits<scale::Errc>::message(scale::Errc e) {
  using scale::Errc;
  switch (e) {
    case Errc::Truncated: return "truncated input";
    case Errc::NonCanonicalCompact: return "non-canonical compact integer";
    case Errc::Overflow: return "value out of range for its type";
    case Errc::InvalidBool: return "invalid bool";
    case Errc::InvalidOptionTag: return "invalid Option tag";
    case Errc::InvalidResultTag: return "invalid Result tag";
    case Errc::InvalidEnumTag: return "invalid enum tag";
    case Errc::InvalidUtf8: return "invalid UTF-8";
    case Errc::LengthTooLarge: return "length prefix exceeds the input";
    case Errc::UnsortedMap: return "map keys not strictly increasing";
    case Errc::TrailingBytes: return "trailing bytes";
    case Errc::DepthLimit: return "nesting too deep";
    case Errc::InvalidEra: return "invalid era";
    case Errc::InvalidValue: return "invalid value";
  }
  return "unknown error";
}

}  // namespace ev

namespace ev::scale {
namespace {

constexpr u128 kMaxFourByteMode = (u128{1} << 30) - 1;
constexpr std::size_t kReserveBudgetBytes = std::size_t{1} << 20;

bool in_range(std::uint8_t b, std::uint8_t lo, std::uint8_t hi) { return b >= lo && b <= hi; }

// Bounds of the second byte of a multi-byte UTF-8 sequence, by lead byte (Unicode table 3-7);
// returns the sequence length, 0 for an invalid lead byte.
std::size_t utf8_lead(std::uint8_t b, std::uint8_t& lo, std::uint8_t& hi) {
  lo = 0x80;
  hi = 0xbf;
  if (in_range(b, 0xc2, 0xdf)) return 2;
  if (b == 0xe0) lo = 0xa0;
  if (b == 0xed) hi = 0x9f;
  if (in_range(b, 0xe0, 0xef)) return 3;
  if (b == 0xf0) lo = 0x90;
  if (b == 0xf4) hi = 0x8f;
  if (in_range(b, 0xf0, 0xf4)) return 4;
  return 0;
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid or cut short.
std::size_t utf8_sequence(ByteSpan s, std::size_t i) {
  if (s[i] < 0x80) return 1;
  std::uint8_t lo = 0;
  std::uint8_t hi = 0;
  const std::size_t n = utf8_lead(s[i], lo, hi);
  if (n == 0 || s.size() - i < n || !in_range(s[i + 1], lo, hi)) return 0;
  for (std::size_t k = 2; k < n; ++k) {
    if (!in_range(s[i + k], 0x80, 0xbf)) return 0;
  }
  return n;
}

// Offset of the first invalid UTF-8 sequence, or s.size() if s is valid.
std::size_t utf8_invalid_at(ByteSpan s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t n = utf8_sequence(s, i);
    if (n == 0) return i;
    i += n;
  }
  return i;
}

// The i-th name of an EV_SCALE_FIELDS list ("flag, num").
std::string_view nth_field(std::string_view list, std::size_t i) {
  for (; i > 0; --i) {
    const std::size_t comma = list.find(',');
    if (comma == std::string_view::npos) return "?";
    list.remove_prefix(comma + 1);
  }
  list = list.substr(0, list.find(','));
  while (!list.empty() && list.front() == ' ') list.remove_prefix(1);
  while (!list.empty() && list.back() == ' ') list.remove_suffix(1);
  return list;
}

}  // namespace

// ----- Encoder -----

Bytes Encoder::take() {
  Bytes out = std::move(out_);
  out_.clear();
  return out;
}

// ----- Decoder -----

Error Decoder::error_at(Errc e, std::size_t offset, std::string_view detail) const {
  std::string msg = "at offset " + std::to_string(offset);
  if (!detail.empty()) {
    msg += ": ";
    msg += detail;
  }
  return make_error(e, msg);
}

Error Decoder::truncated(std::size_t need) const {
  return error_at(
      Errc::Truncated, pos_,
      "need " + std::to_string(need) + " bytes, " + std::to_string(remaining()) + " left");
}

Error Decoder::boolean_error() const {
  if (pos_ >= in_.size()) return truncated(1);
  return error_at(Errc::InvalidBool, pos_, "byte " + std::to_string(in_[pos_]));
}

Error Decoder::length_error(std::size_t at, std::size_t n, std::size_t cap) {
  pos_ = at;
  return error_at(Errc::LengthTooLarge, at,
                  "length " + std::to_string(n) + " with " + std::to_string(remaining()) +
                      " bytes left (at most " + std::to_string(cap) + " elements)");
}

Error Decoder::depth_error() const {
  return error_at(Errc::DepthLimit, pos_, "more than " + std::to_string(kMaxDepth) + " levels");
}

Result<std::uint8_t> Decoder::peek_at(std::size_t i) const {
  if (i >= remaining()) return truncated(i + 1);
  return in_[pos_ + i];
}

Result<u128> Decoder::le(std::size_t n) {
  ByteSpan s = EV_TRY(raw(n));
  u128 v = 0;
  for (std::size_t i = n; i-- > 0;) v = (v << 8) | s[i];
  return v;
}

Result<u128> Decoder::compact_limited(std::size_t max_bytes, u128 max_value) {
  const std::size_t at = pos_;
  Result<u128> v = compact_unchecked(max_bytes);
  if (v && *v > max_value) {
    v = error_at(Errc::Overflow, at,
                 "compact value " + u128_to_string(*v) + " > " + u128_to_string(max_value));
  }
  if (!v) pos_ = at;
  return v;
}

// Reads one compact integer in canonical form, of at most max_bytes bytes in big-integer
// mode (the value bound is checked by the caller).
Result<u128> Decoder::compact_unchecked(std::size_t max_bytes) {
  const std::size_t at = pos_;
  const std::uint8_t b0 = EV_TRY(peek());
  const std::size_t width[] = {1, 2, 4};
  if ((b0 & 3) == 3) return compact_big(at, b0, max_bytes);
  const u128 v = EV_TRY(le(width[b0 & 3])) >> 2;
  const u128 min_value[] = {0, u128{1} << 6, u128{1} << 14};
  if (v < min_value[b0 & 3]) {
    return error_at(Errc::NonCanonicalCompact, at,
                    std::to_string(width[b0 & 3]) + "-byte mode carrying " + u128_to_string(v));
  }
  return v;
}

Result<u128> Decoder::compact_big(std::size_t at, std::uint8_t b0, std::size_t max_bytes) {
  const std::size_t n = (b0 >> 2) + 4u;
  if (n > max_bytes) {
    return error_at(Errc::Overflow, at,
                    "compact integer of " + std::to_string(n) + " bytes, at most " +
                        std::to_string(max_bytes) + " allowed");
  }
  const bool top_byte_zero = EV_TRY(peek_at(n)) == 0;  // also checks that 1 + n bytes remain
  EV_TRY(raw(1));
  const u128 v = EV_TRY(le(n));
  if (top_byte_zero || v <= kMaxFourByteMode) {
    return error_at(Errc::NonCanonicalCompact, at,
                    std::to_string(n) + "-byte big-integer mode carrying " + u128_to_string(v));
  }
  return v;
}

Result<Bytes> Decoder::bytes() {
  const std::size_t n = EV_TRY(length(1));
  ByteSpan s = EV_TRY(raw(n));
  return Bytes(s.begin(), s.end());
}

Result<std::string> Decoder::string() {
  const std::size_t at = pos_;
  const std::size_t n = EV_TRY(length(1));
  const std::size_t data_at = pos_;
  ByteSpan s = EV_TRY(raw(n));
  const std::size_t bad = utf8_invalid_at(s);
  if (bad != s.size()) {
    pos_ = at;
    return error_at(Errc::InvalidUtf8, data_at + bad,
                    "string of " + std::to_string(n) + " bytes at offset " + std::to_string(at));
  }
  return std::string(s.begin(), s.end());
}

Result<void> Decoder::finish() const {
  if (remaining() == 0) return ok();
  return error_at(Errc::TrailingBytes, pos_, std::to_string(remaining()) + " bytes left");
}

// ----- Typed-codec helpers -----

namespace detail {

std::string field_context(std::string_view type, std::string_view list, std::size_t i) {
  std::string out(type);
  out += '.';
  out += nth_field(list, i);
  return out;
}

std::string index_context(std::size_t i) { return "[" + std::to_string(i) + "]"; }

// GCC: "... type_name() [with T = ns::Foo; std::string_view = ...]";
// Clang: "... type_name() [T = ns::Foo]". Keeps the text after the last "::" outside
// template arguments.
std::string_view short_type_name(std::string_view pretty) {
  const std::size_t start = pretty.find("T = ");
  if (start == std::string_view::npos) return pretty;
  std::string_view name = pretty.substr(start + 4);
  int depth = 0;
  std::size_t last_scope = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '<' || c == '(') ++depth;
    if (c == '>' || c == ')') --depth;
    if (depth == 0 && (c == ';' || c == ']')) return name.substr(last_scope, i - last_scope);
    if (depth == 0 && c == ':' && i + 1 < name.size() && name[i + 1] == ':') last_scope = i + 2;
  }
  return name.substr(last_scope);
}

std::size_t reserve_hint(std::size_t n, std::size_t element_size) {
  const std::size_t budget = kReserveBudgetBytes / std::max<std::size_t>(element_size, 1);
  return std::min(n, std::max<std::size_t>(budget, 1));
}

}  // namespace detail
}  // namespace ev::scale
