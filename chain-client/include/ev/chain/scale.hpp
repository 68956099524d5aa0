// SCALE codec (parity-scale-codec wire format).
// Format notes: docs/formats/scale.md.
#pragma once

#include <cstdint>

#include "ev/common/bytes.hpp"

namespace ev::scale {

// Appends the compact (variable-length) encoding of v.
inline void append_compact(Bytes& out, u128 v) {
  if (v < (u128{1} << 6)) {
    out.push_back(static_cast<std::uint8_t>(v << 2));
  } else if (v < (u128{1} << 14)) {
    auto x = static_cast<std::uint16_t>((v << 2) | 0b01);
    out.push_back(static_cast<std::uint8_t>(x));
    out.push_back(static_cast<std::uint8_t>(x >> 8));
  } else if (v < (u128{1} << 30)) {
    auto x = static_cast<std::uint32_t>((v << 2) | 0b10);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(x >> (8 * i)));
  } else {
    std::uint8_t n = 0;
    for (u128 t = v; t != 0; t >>= 8) ++n;  // bytes needed, 4..16
    out.push_back(static_cast<std::uint8_t>(((n - 4) << 2) | 0b11));
    for (std::uint8_t i = 0; i < n; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
  }
}

}  // namespace ev::scale
