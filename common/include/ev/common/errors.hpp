// Errors of the common module (hex, files, argument parsing helpers).
#pragma once

#include <string_view>

#include "ev/common/result.hpp"

namespace ev {

enum class CommonErrc {
  InvalidHex = 1,
  InvalidLength,
  InvalidArgument,
  Io,
  NotFound,
};

template <>
struct ErrorTraits<CommonErrc> {
  static constexpr std::string_view domain = "common";
  static std::string_view message(CommonErrc e);
};

}  // namespace ev
