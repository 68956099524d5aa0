// Standard base64 (RFC 4648 §4, with padding), the project's one copy.
#pragma once

#include <string>
#include <string_view>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev {

[[nodiscard]] std::string base64(ByteSpan data);
// Strict: padding required, no whitespace. Errors: CommonErrc::InvalidArgument.
[[nodiscard]] Result<Bytes> unbase64(std::string_view text);

}  // namespace ev
