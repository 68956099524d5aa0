// SCALE encoder: primitives (fixed-width little-endian integers, bool, compact integers,
// length-prefixed bytes and strings) appended to an owned buffer. docs/formats/scale.md.
#pragma once

#include "ev/chain/scale/errors.hpp"

namespace ev::scale {

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

}  // namespace ev::scale
