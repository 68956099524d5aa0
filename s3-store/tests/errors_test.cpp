#include "ev/s3/errors.hpp"

#include <catch2/catch.hpp>

#include "ev/common/errors.hpp"

using ev::s3::Errc;
using ev::s3::make_retry_error;
using ev::s3::retry_after;
using namespace std::chrono_literals;

TEST_CASE("store errors: domain is \"store\" with a message per code", "[store-errors]") {
  const ev::Error e = ev::make_error(Errc::NotFound, "no object under \"k\"");
  CHECK(e.domain == "store");
  CHECK(e.to_string() == "store: object not found: no object under \"k\"");
  CHECK(is(e, Errc::NotFound));
  CHECK_FALSE(is(e, Errc::Corrupt));
}

TEST_CASE("store errors: retry hints survive context and parse back", "[store-errors]") {
  ev::Error e = make_retry_error(Errc::Throttled, 1500ms, "SlowDown from 127.0.0.1:7480");
  CHECK(e.message == "throttled: SlowDown from 127.0.0.1:7480 [retry after 1500 ms]");
  CHECK(retry_after(e) == 1500ms);
  e = std::move(e).context("put vault/x");
  CHECK(retry_after(e) == 1500ms);
  CHECK(ev::s3::is_retryable(e));
  CHECK(retry_after(make_retry_error(Errc::Transient, 0ms, "")) == 0ms);
}

TEST_CASE("store errors: no hint without a retryable code or the exact suffix", "[store-errors]") {
  CHECK_FALSE(retry_after(ev::make_error(Errc::Transient, "connection reset")).has_value());
  CHECK_FALSE(retry_after(ev::make_error(Errc::NotFound, "x [retry after 5 ms]")).has_value());
  CHECK_FALSE(retry_after(ev::make_error(Errc::Throttled, "x [retry after -5 ms]")).has_value());
  CHECK_FALSE(retry_after(ev::make_error(Errc::Throttled, "x [retry after 5x ms]")).has_value());
  CHECK_FALSE(retry_after(ev::make_error(Errc::Throttled, "x [retry after  ms]")).has_value());
  CHECK_FALSE(ev::s3::is_retryable(ev::make_error(Errc::AccessDenied)));
  CHECK_FALSE(ev::s3::is_retryable(ev::make_error(ev::CommonErrc::Io)));
}
