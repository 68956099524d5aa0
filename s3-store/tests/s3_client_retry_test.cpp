// Retries, back-off and the create-only ambiguity, against the in-process S3 server, directly
// and through the fault-injecting proxy. The sleeper is injected: nothing here sleeps for real
// except the proxy's Delay fault (a few hundred ms).
#include <catch2/catch.hpp>

#include <atomic>

#include "ev/s3/md5.hpp"
#include "ev/s3/s3_client.hpp"
#include "s3_fake_server.hpp"
#include "s3_fault_proxy.hpp"
#include "store_contract.hpp"
#include "test_support.hpp"

using namespace ev::s3;
using namespace std::chrono_literals;
using ev::Bytes;
using ev::s3::contract::bytes_of;
using ev::s3::test::FakeS3;
using ev::s3::test::FaultProxy;
using ev::s3::test::FixedRandom;
using ev::s3::test::RecordingSleeper;
using Fault = FaultProxy::Fault;

namespace {

template <class T>
bool fails_with(const ev::Result<T>& r, Errc e, std::string_view fragment = {}) {
  if (r.ok()) return false;
  INFO(r.error().message);
  return ev::is(r.error(), e) && r.error().message.find(fragment) != std::string::npos;
}

struct Harness {
  FakeS3 server;
  RecordingSleeper sleeper;
  FixedRandom random{true};  // back-off at its ceiling, so the delays are predictable

  S3Config config(int port = 0) {
    S3Config c = server.config();
    if (port != 0) c.endpoint = "http://127.0.0.1:" + std::to_string(port);
    c.sleeper = &sleeper;
    c.random = &random;
    return c;
  }
  std::unique_ptr<S3Client> client(S3Config c) {
    auto r = S3Client::create(std::move(c));
    REQUIRE(r.ok());
    return std::move(r).value();
  }
  // Answers the first n requests itself with (status, code, Retry-After).
  void fail_first(int n, int status, std::string code, std::string retry_after = "") {
    auto left = std::make_shared<std::atomic<int>>(n);
    server.set_intercept([=](const httplib::Request&, httplib::Response& res) {
      if (left->fetch_sub(1) <= 0) return false;
      FakeS3::error(res, status, code);
      if (!retry_after.empty()) res.set_header("Retry-After", retry_after);
      return true;
    });
  }
  std::size_t count(const std::string& method) const {
    std::size_t n = 0;
    for (const auto& l : server.log()) n += l.method == method;
    return n;
  }
};

}  // namespace

TEST_CASE("s3 retry: 503 SlowDown is retried after the server's Retry-After", "[s3][retry]") {
  Harness h;
  auto store = h.client(h.config());
  h.fail_first(2, 503, "SlowDown", "3");
  REQUIRE(store->put("k", bytes_of("v")).ok());
  CHECK(h.sleeper.slept() == std::vector<std::chrono::milliseconds>{3000ms, 3000ms});
  CHECK(store->stats().retries == 2);
  CHECK(h.server.objects().count("k") == 1);
}

TEST_CASE("s3 retry: Retry-After is capped and may be an HTTP date", "[s3][retry]") {
  Harness h;
  S3Config c = h.config();
  c.retry.max_retry_after = 1500ms;
  auto store = h.client(c);
  h.fail_first(1, 503, "SlowDown", "3600");
  REQUIRE(store->get("k").error().code == static_cast<int>(Errc::NotFound));
  h.fail_first(1, 503, "SlowDown", "Thu, 01 Jan 1970 00:00:00 GMT");  // in the past: no wait
  REQUIRE_FALSE(store->get("k").ok());
  CHECK(h.sleeper.slept() == std::vector<std::chrono::milliseconds>{1500ms, 0ms});
}

TEST_CASE("s3 retry: 5xx uses full-jitter exponential back-off, then gives up", "[s3][retry]") {
  Harness h;
  auto store = h.client(h.config());
  h.fail_first(100, 500, "InternalError");
  auto r = store->get("k");
  CHECK(fails_with(r, Errc::Transient, "InternalError (HTTP 500 on GET 'k', after 5 attempts"));
  CHECK(h.sleeper.slept() == std::vector<std::chrono::milliseconds>{25ms, 50ms, 100ms, 200ms});
  CHECK(h.count("GET") == 5);
}

TEST_CASE("s3 retry: exhausted SlowDown is Throttled and carries the retry hint", "[s3][retry]") {
  Harness h;
  S3Config c = h.config();
  c.retry.max_attempts = 2;
  auto store = h.client(c);
  h.fail_first(100, 503, "SlowDown", "1");
  auto r = store->put("k", bytes_of("v"));
  REQUIRE(fails_with(r, Errc::Throttled, "SlowDown"));
  CHECK(is_retryable(r.error()));
  CHECK(retry_after(r.error()) == std::chrono::milliseconds(1000));
  CHECK(h.server.objects().empty());
}

TEST_CASE("s3 retry: RequestTimeout and ConditionalRequestConflict are retried", "[s3][retry]") {
  Harness h;
  auto store = h.client(h.config());
  h.fail_first(1, 400, "RequestTimeout");
  REQUIRE(store->put("a", bytes_of("1")).ok());
  h.fail_first(1, 409, "ConditionalRequestConflict");
  PutOptions create;
  create.create_only = true;
  REQUIRE(store->put("b", bytes_of("2"), create).ok());
  CHECK(store->stats().retries == 2);
}

TEST_CASE("s3 retry: final errors are not retried", "[s3][retry]") {
  Harness h;
  auto store = h.client(h.config());
  for (auto [status, code, errc] : {std::tuple{403, "AccessDenied", Errc::AccessDenied},
                                    std::tuple{400, "InvalidArgument", Errc::InvalidArgument},
                                    std::tuple{400, "BadDigest", Errc::Corrupt},
                                    std::tuple{501, "NotImplemented", Errc::Unsupported},
                                    std::tuple{409, "BucketNotEmpty", Errc::Protocol}}) {
    INFO(code);
    h.fail_first(1, status, code);
    CHECK(fails_with(store->put("k", bytes_of("v")), errc, code));
  }
  CHECK(store->stats().retries == 0);
  CHECK(h.sleeper.slept().empty());
}

TEST_CASE("s3 retry: an unreadable error body still maps by status", "[s3][retry]") {
  Harness h;
  S3Config c = h.config();
  c.retry.max_attempts = 2;
  auto store = h.client(c);
  h.server.set_intercept([](const httplib::Request&, httplib::Response& res) {
    res.status = 502;
    res.set_content("<html>Bad Gateway</html>", "text/html");
    return true;
  });
  CHECK(fails_with(store->get("k"), Errc::Transient, "HTTP 502: unreadable error body"));
}

TEST_CASE("s3 retry: connection failures are Transient and retried", "[s3][retry]") {
  Harness h;
  S3Config c = h.config(ev::test::free_loopback_port());  // nothing listens there
  c.retry.max_attempts = 3;
  auto store = h.client(c);
  CHECK(fails_with(store->get("k"), Errc::Transient, "cannot connect to 127.0.0.1"));
  CHECK(h.sleeper.slept().size() == 2);
}

TEST_CASE("s3 retry: resets, truncation, 503 and 500 through a proxy end in success",
          "[s3][retry][proxy]") {
  Harness h;
  // Every third request meets a fault, in turn each kind.
  const std::vector<Fault> kinds = {Fault::ResetBeforeForward, Fault::ResetAfterForward,
                                    Fault::TruncateResponse, Fault::SlowDown, Fault::InternalError};
  std::atomic<std::size_t> turn{0};
  FaultProxy proxy(h.server.port(), [&](std::size_t i, const std::string&) {
    return i % 3 == 1 ? kinds[turn.fetch_add(1) % kinds.size()] : Fault::None;
  });
  auto store = h.client(h.config(proxy.port()));
  std::map<std::string, Bytes> written;
  for (int i = 0; i < 30; ++i) {
    const std::string key = "obj/" + std::to_string(i);
    Bytes data(static_cast<std::size_t>(1000 + i * 37), static_cast<std::uint8_t>(i));
    PutOptions create;
    create.create_only = i % 2 == 0;
    auto put = store->put(key, data, create);
    INFO(key << ": " << (put.ok() ? "" : put.error().message));
    REQUIRE(put.ok());
    written[key] = std::move(data);
  }
  for (const auto& [key, data] : written) {
    auto got = store->get(key);
    INFO(key << ": " << (got.ok() ? "" : got.error().message));
    REQUIRE(got.ok());
    CHECK(got->data == data);
  }
  ev::s3::contract::list_honours_prefix_and_start_after(*store, "listing/");
  auto faults = proxy.injected();
  for (Fault f : kinds) CHECK(faults[f] >= 2);
  CHECK(store->stats().retries >= 10);
  // Directly on the server: nothing lost, nothing damaged.
  const auto objects = h.server.objects();
  CHECK(objects.size() == written.size());
  for (const auto& [key, data] : written) CHECK(objects.at(key).data == data);
}

TEST_CASE("s3 retry: a create-only put whose answer was lost succeeds when the object is ours",
          "[s3][retry][create_only]") {
  Harness h;
  // The first PUT reaches the server and stores the object; its answer is replaced by a reset.
  FaultProxy proxy(h.server.port(), [](std::size_t i, const std::string&) {
    return i == 0 ? Fault::ResetAfterForward : Fault::None;
  });
  auto store = h.client(h.config(proxy.port()));
  PutOptions create;
  create.create_only = true;
  const Bytes data = bytes_of("mine");
  auto r = store->put("once", data, create);
  REQUIRE(r.ok());
  CHECK(r->etag == etag_of(data));
  CHECK(h.count("PUT") == 2);   // the original and the retry, which met 412
  CHECK(h.count("HEAD") == 1);  // that settled it
}

TEST_CASE("s3 retry: a create-only put that meets another object after a lost answer fails",
          "[s3][retry][create_only]") {
  Harness h;
  h.server.put_raw("taken", bytes_of("theirs"), etag_of(bytes_of("theirs")));
  FaultProxy proxy(h.server.port(), [](std::size_t i, const std::string&) {
    return i == 0 ? Fault::ResetBeforeForward : Fault::None;
  });
  auto store = h.client(h.config(proxy.port()));
  PutOptions create;
  create.create_only = true;
  CHECK(fails_with(store->put("taken", bytes_of("mine"), create), Errc::PreconditionFailed,
                   "another object exists"));
  CHECK(h.server.objects().at("taken").data == bytes_of("theirs"));
}

TEST_CASE("s3 retry: a create-only put refused at once is not checked with HEAD",
          "[s3][retry][create_only]") {
  Harness h;
  h.server.put_raw("taken", bytes_of("mine"), etag_of(bytes_of("mine")));
  auto store = h.client(h.config());
  PutOptions create;
  create.create_only = true;
  // Same bytes, but no attempt of ours failed: the object is someone else's write.
  CHECK(fails_with(store->put("taken", bytes_of("mine"), create), Errc::PreconditionFailed));
  CHECK(h.count("HEAD") == 0);
}

TEST_CASE("s3 retry: a response slower than the I/O timeout is retried", "[s3][retry][proxy]") {
  Harness h;
  FaultProxy proxy(
      h.server.port(),
      [](std::size_t i, const std::string&) { return i == 0 ? Fault::Delay : Fault::None; }, 400ms);
  S3Config c = h.config(proxy.port());
  c.io_timeout = 150ms;
  auto store = h.client(c);
  REQUIRE(store->put("slow", bytes_of("v")).ok());
  CHECK(store->stats().retries == 1);
  auto got = store->get("slow");
  REQUIRE(got.ok());
  CHECK(got->data == bytes_of("v"));
}
