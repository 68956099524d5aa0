#include "ev/common/parse.hpp"

#include "ev/common/errors.hpp"

namespace ev {

std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t min,
                                           std::uint64_t max) {
  if (text.empty() || text.size() > 20) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - d) / 10) return std::nullopt;  // overflow
    n = n * 10 + d;
  }
  if (n < min || n > max) return std::nullopt;
  return n;
}

Result<HostPort> parse_host_port(std::string_view text, std::uint16_t min_port) {
  const auto colon = text.rfind(':');
  const auto bad = [&] {
    return make_error(CommonErrc::InvalidArgument, "'" + std::string(text) +
                                                       "': expected HOST:PORT with PORT in " +
                                                       std::to_string(min_port) + "..65535");
  };
  if (colon == std::string_view::npos || colon == 0) return bad();
  const auto port = parse_decimal(text.substr(colon + 1), min_port, 65535);
  if (!port) return bad();
  return HostPort{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(*port)};
}

}  // namespace ev
