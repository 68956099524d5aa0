// Parsing of small untrusted texts from command lines and configuration: decimal numbers and
// HOST:PORT. The project's one copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ev/common/result.hpp"

namespace ev {

// A decimal number in [min, max]: digits only (no sign, no spaces), at most 20 of them.
[[nodiscard]] std::optional<std::uint64_t> parse_decimal(std::string_view text, std::uint64_t min,
                                                         std::uint64_t max);

struct HostPort {
  std::string host;
  std::uint16_t port = 0;
};
// "HOST:PORT" with a non-empty host and a port in [min_port, 65535] (split at the last ':').
// Errors: CommonErrc::InvalidArgument, naming what was expected.
[[nodiscard]] Result<HostPort> parse_host_port(std::string_view text, std::uint16_t min_port = 0);

}  // namespace ev
