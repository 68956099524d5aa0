// SCALE: the error kinds, the 128-bit integer types, the decoding limits and the host
// requirements shared by the encoder, the decoder and the typed codec (docs/formats/scale.md).
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

}  // namespace ev::scale
