#include "ev/common/bytes.hpp"

namespace ev {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_hex(ByteSpan bytes, bool prefix) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2 + 2);
  if (prefix) out += "0x";
  for (std::uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) {
    return make_error(CommonErrc::InvalidHex,
                      "odd number of hex digits (" + std::to_string(hex.size()) + ")");
  }
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) {
      return make_error(CommonErrc::InvalidHex, "non-hex character at position " +
                                                    std::to_string(2 * i + (hi < 0 ? 0 : 1)));
    }
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string u128_to_string(u128 v) {
  if (v == 0) return "0";
  std::string s;
  while (v != 0) {
    s += static_cast<char>('0' + static_cast<int>(v % 10));
    v /= 10;
  }
  return {s.rbegin(), s.rend()};
}

Result<u128> u128_from_string(std::string_view s) {
  if (s.empty()) return make_error(CommonErrc::InvalidArgument, "empty number");
  constexpr u128 kMax = ~static_cast<u128>(0);
  u128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') {
      return make_error(CommonErrc::InvalidArgument,
                        "not a decimal digit: '" + std::string(1, c) + "'");
    }
    auto d = static_cast<unsigned>(c - '0');
    if (v > (kMax - d) / 10) return make_error(CommonErrc::InvalidArgument, "number exceeds u128");
    v = v * 10 + d;
  }
  return v;
}

}  // namespace ev
