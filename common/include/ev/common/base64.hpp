// Standard base64 (RFC 4648 §4, with padding), the project's one copy.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev {

[[nodiscard]] std::string base64(ByteSpan data);
// Strict: padding required, no whitespace. Errors: CommonErrc::InvalidArgument.
[[nodiscard]] Result<Bytes> unbase64(std::string_view text);
// Like unbase64, decoding into `out` (a secret's locked memory, say), which must hold at least
// text.size() / 4 * 3 + 3 bytes; returns the decoded length.
[[nodiscard]] Result<std::size_t> unbase64_into(std::string_view text, std::span<std::uint8_t> out);

}  // namespace ev
