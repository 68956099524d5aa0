#include <catch2/catch.hpp>

#include "ev/common/errors.hpp"
#include "ev/common/result.hpp"

namespace {

ev::Result<int> parse_positive(int v) {
  if (v <= 0) return ev::make_error(ev::CommonErrc::InvalidArgument, "not positive");
  return v;
}

ev::Result<int> doubled(int v) {
  int x = EV_TRY(parse_positive(v));
  return 2 * x;
}

ev::Result<void> check(int v) {
  EV_TRY_CTX("checking v", parse_positive(v));
  return ev::ok();
}

}  // namespace

TEST_CASE("result: EV_TRY passes a value through", "[result]") {
  auto r = doubled(21);
  REQUIRE(r.ok());
  CHECK(*r == 42);
}

TEST_CASE("result: EV_TRY returns the first error unchanged", "[result]") {
  auto r = doubled(-1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().domain == "common");
  CHECK(ev::is(r.error(), ev::CommonErrc::InvalidArgument));
  CHECK(r.error().to_string() == "common: invalid argument: not positive");
}

TEST_CASE("result: EV_TRY_CTX prefixes context and works for void results", "[result]") {
  CHECK(check(3).ok());
  auto r = check(0);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message == "checking v: invalid argument: not positive");
}

TEST_CASE("result: value_or falls back only on error", "[result]") {
  CHECK(parse_positive(5).value_or(0) == 5);
  CHECK(parse_positive(-5).value_or(7) == 7);
}
