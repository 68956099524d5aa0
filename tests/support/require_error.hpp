// The one test helper for error values: the result failed with this kind of error and its
// message says this.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "ev/common/result.hpp"

namespace ev::test {

// Requires `r` to be an error of kind `code` whose message contains `fragment` (any message when
// `fragment` is empty). The full error is printed when a check fails.
template <class T, class E>
void require_error(const Result<T>& r, E code, std::string_view fragment = {}) {
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  REQUIRE(is(r.error(), code));
  REQUIRE_THAT(r.error().message, Catch::Contains(std::string(fragment)));
}

}  // namespace ev::test
