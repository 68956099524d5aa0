// Byte containers and hex conversion.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ev/common/errors.hpp"
#include "ev/common/result.hpp"

namespace ev {

using Bytes = std::vector<std::uint8_t>;
using ByteSpan = std::span<const std::uint8_t>;
template <std::size_t N>
using ByteArray = std::array<std::uint8_t, N>;

using u128 = unsigned __int128;

// Lowercase hex, "0x"-prefixed unless prefix is false.
[[nodiscard]] std::string to_hex(ByteSpan bytes, bool prefix = true);

// Parses hex with an optional "0x"/"0X" prefix; upper or lower case; even length required.
[[nodiscard]] Result<Bytes> from_hex(std::string_view hex);

// Like from_hex, but requires exactly N bytes.
template <std::size_t N>
[[nodiscard]] Result<ByteArray<N>> from_hex_fixed(std::string_view hex) {
  Bytes b = EV_TRY(from_hex(hex));
  if (b.size() != N) {
    return make_error(CommonErrc::InvalidLength,
                      "expected " + std::to_string(N) + " bytes, got " + std::to_string(b.size()));
  }
  ByteArray<N> out{};
  for (std::size_t i = 0; i < N; ++i) out[i] = b[i];
  return out;
}

// The bytes of a string, without copying.
[[nodiscard]] inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

inline void append(Bytes& out, ByteSpan in) { out.insert(out.end(), in.begin(), in.end()); }

// Decimal text of a u128, and its parse (digits only, no sign, overflow rejected).
[[nodiscard]] std::string u128_to_string(u128 v);
[[nodiscard]] Result<u128> u128_from_string(std::string_view s);

}  // namespace ev
