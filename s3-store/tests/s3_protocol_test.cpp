// The pure pieces of the S3 client: error mapping, Retry-After, back-off and base64.
#include <catch2/catch.hpp>

#include "ev/s3/md5.hpp"
#include "ev/s3/s3_client.hpp"
#include "s3_fake_server.hpp"

using namespace ev::s3;
using namespace std::chrono_literals;
using ev::Error;

namespace {

Error mapped(int status, std::string code, std::string message = "") {
  S3ErrorResponse r;
  r.status = status;
  r.code = std::move(code);
  r.message = std::move(message);
  r.request = "PUT 'k'";
  r.request_id = "tx1";
  return map_s3_error(r);
}

}  // namespace

TEST_CASE("s3 errors: status and code map to store errors", "[s3][errors]") {
  struct Row {
    int status;
    const char* code;
    Errc expected;
  };
  const Row rows[] = {
      {403, "AccessDenied", Errc::AccessDenied},
      {403, "SignatureDoesNotMatch", Errc::AccessDenied},
      {403, "InvalidAccessKeyId", Errc::AccessDenied},
      {403, "RequestTimeTooSkewed", Errc::AccessDenied},
      {403, "", Errc::AccessDenied},
      {404, "NoSuchKey", Errc::NotFound},
      {404, "", Errc::NotFound},
      {404, "NoSuchBucket", Errc::Protocol},
      {412, "PreconditionFailed", Errc::PreconditionFailed},
      {412, "", Errc::PreconditionFailed},
      {400, "BadDigest", Errc::Corrupt},
      {400, "InvalidDigest", Errc::Corrupt},
      {400, "XAmzContentSHA256Mismatch", Errc::Corrupt},
      {400, "InvalidArgument", Errc::InvalidArgument},
      {400, "RequestTimeout", Errc::Transient},
      {400, "MalformedXML", Errc::Protocol},
      {409, "ConditionalRequestConflict", Errc::Transient},
      {409, "BucketNotEmpty", Errc::Protocol},
      {429, "", Errc::Throttled},
      {503, "SlowDown", Errc::Throttled},
      {503, "ServiceUnavailable", Errc::Transient},
      {500, "InternalError", Errc::Transient},
      {502, "", Errc::Transient},
      {504, "", Errc::Transient},
      {501, "NotImplemented", Errc::Unsupported},
      {0, "SlowDown", Errc::Throttled},
      {0, "InternalError", Errc::Transient},
      {0, "AccessDenied", Errc::AccessDenied},
      {0, "Weird", Errc::Protocol},
  };
  for (const Row& r : rows) {
    INFO(r.status << " " << r.code);
    CHECK(ev::is(mapped(r.status, r.code), r.expected));
  }
}

TEST_CASE("s3 errors: messages carry code, message, status, request and request id",
          "[s3][errors]") {
  CHECK(mapped(403, "SignatureDoesNotMatch", "bad sig").message ==
        "access denied: SignatureDoesNotMatch: bad sig (HTTP 403 on PUT 'k', request id tx1)");
  CHECK(mapped(404, "").message == "object not found: HTTP 404 (PUT 'k', request id tx1)");
  S3ErrorResponse r;
  r.status = 503;
  r.code = "SlowDown";
  r.retry_after = 1500ms;
  const Error e = map_s3_error(r);
  CHECK(e.message == "throttled: SlowDown (HTTP 503) [retry after 1500 ms]");
  CHECK(retry_after(e) == std::chrono::milliseconds(1500));
  r.status = 403;
  r.code = "AccessDenied";
  CHECK(retry_after(map_s3_error(r)) == std::nullopt);  // a hint only on retryable errors
  S3ErrorResponse hostile;
  hostile.status = 400;
  hostile.code = "X\r\nInjected: 1";
  hostile.message = std::string(500, 'm');
  const Error h = map_s3_error(hostile);
  CHECK(h.message.find('\n') == std::string::npos);
  CHECK(h.message.size() < 450);
}

TEST_CASE("s3 errors: Retry-After in seconds or as an HTTP date", "[s3][retry]") {
  const auto now = std::chrono::sys_days{std::chrono::year{2024} / 1 / 1} + std::chrono::hours{12};
  CHECK(parse_retry_after("0", now) == 0ms);
  CHECK(parse_retry_after(" 120 ", now) == 120000ms);
  CHECK(parse_retry_after("Mon, 01 Jan 2024 12:00:05 GMT", now) == 5000ms);
  CHECK(parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now) == 0ms);
  CHECK(parse_retry_after("", now) == std::nullopt);
  CHECK(parse_retry_after("-1", now) == std::nullopt);
  CHECK(parse_retry_after("1.5", now) == std::nullopt);
  CHECK(parse_retry_after("soon", now) == std::nullopt);
  CHECK(parse_retry_after("99999999999", now) == std::nullopt);
}

TEST_CASE("s3 errors: back-off doubles from base_delay up to max_delay, with full jitter",
          "[s3][retry]") {
  RetryPolicy p;
  p.base_delay = 100ms;
  p.max_delay = 1000ms;
  test::FixedRandom top(true);
  test::FixedRandom bottom(false);
  CHECK(backoff_delay(p, 1, top) == 100ms);
  CHECK(backoff_delay(p, 2, top) == 200ms);
  CHECK(backoff_delay(p, 4, top) == 800ms);
  CHECK(backoff_delay(p, 5, top) == 1000ms);
  CHECK(backoff_delay(p, 60, top) == 1000ms);
  CHECK(backoff_delay(p, 3, bottom) == 0ms);
  for (int i = 0; i < 200; ++i) {
    const auto d = backoff_delay(p, 3, system_random());
    CHECK(d >= 0ms);
    CHECK(d <= 400ms);
  }
}

TEST_CASE("s3 errors: base64 (RFC 4648 vectors) and Content-MD5", "[s3]") {
  const auto b = [](std::string_view s) { return base64(ev::as_bytes(s)); };
  CHECK(b("") == "");
  CHECK(b("f") == "Zg==");
  CHECK(b("fo") == "Zm8=");
  CHECK(b("foo") == "Zm9v");
  CHECK(b("foob") == "Zm9vYg==");
  CHECK(b("fooba") == "Zm9vYmE=");
  CHECK(b("foobar") == "Zm9vYmFy");
  CHECK(base64(md5({})) == "1B2M2Y8AsgTpgAmY7PhCfg==");  // the S3 docs' empty-body Content-MD5
}
