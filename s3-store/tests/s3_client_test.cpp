// The S3 client against the in-process S3 server (s3_fake_server.hpp): the ObjectStore contract,
// what goes on the wire, addressing styles, key prefixes, HTTPS, integrity checks.
#include "ev/s3/s3_client.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

#include "ev/common/digest.hpp"
#include "ev/s3/md5.hpp"
#include "s3_fake_server.hpp"
#include "store_contract.hpp"
#include "test_support.hpp"

using namespace ev::s3;
using ev::Bytes;
using ev::s3::contract::bytes_of;
using ev::s3::test::FakeS3;
using ev::s3::test::FixedClock;
using ev::s3::test::FixedRandom;
using ev::s3::test::RecordingSleeper;

namespace {

struct Harness {
  FakeS3 server;
  RecordingSleeper sleeper;
  FixedRandom random{true};

  S3Config config() {
    S3Config c = server.config();
    c.sleeper = &sleeper;
    c.random = &random;
    return c;
  }
  std::unique_ptr<S3Client> client() { return make(config()); }
  static std::unique_ptr<S3Client> make(S3Config c) {
    auto r = S3Client::create(std::move(c));
    REQUIRE(r.ok());
    return std::move(r).value();
  }
};

template <class T>
bool fails_with(const ev::Result<T>& r, Errc e, std::string_view fragment = {}) {
  if (r.ok()) return false;
  INFO(r.error().message);
  return ev::is(r.error(), e) && r.error().message.find(fragment) != std::string::npos;
}

std::string header(const FakeS3::Logged& l, const char* name) {
  auto it = l.headers.find(name);
  return it == l.headers.end() ? "" : it->second;
}

}  // namespace

#define EV_S3_CONTRACT_CASE(name, check)                      \
  TEST_CASE("s3 client: contract: " name, "[s3][contract]") { \
    Harness h;                                                \
    auto store = h.client();                                  \
    ev::s3::contract::check(*store, "contract/");             \
    CHECK(h.server.objects().empty());                        \
  }

EV_S3_CONTRACT_CASE("put then get returns data and MD5 etag",
                    put_then_get_returns_data_and_md5_etag)
EV_S3_CONTRACT_CASE("empty object round-trips", empty_object_round_trips)
EV_S3_CONTRACT_CASE("missing key is NotFound", missing_key_is_not_found)
EV_S3_CONTRACT_CASE("head reports size, etag and time", head_reports_size_etag_and_time)
EV_S3_CONTRACT_CASE("put replaces an existing object", put_replaces_existing_object)
EV_S3_CONTRACT_CASE("create_only refuses an existing key", create_only_refuses_existing_key)
EV_S3_CONTRACT_CASE("create_only race has one winner", create_only_race_has_one_winner)
EV_S3_CONTRACT_CASE("if_match selects the version", if_match_selects_version)
EV_S3_CONTRACT_CASE("remove is idempotent", remove_is_idempotent)
EV_S3_CONTRACT_CASE("remove_many removes and reports", remove_many_removes_and_reports)
EV_S3_CONTRACT_CASE("digests are verified", digests_are_verified)
EV_S3_CONTRACT_CASE("invalid keys are rejected", invalid_keys_are_rejected)
EV_S3_CONTRACT_CASE("a key and its children coexist", key_and_its_children_coexist)
EV_S3_CONTRACT_CASE("list order is bytewise", list_order_is_bytewise)
EV_S3_CONTRACT_CASE("list pages over many keys", list_pages_over_many_keys)
EV_S3_CONTRACT_CASE("list honours prefix and start_after", list_honours_prefix_and_start_after)
EV_S3_CONTRACT_CASE("list rejects bad options", list_rejects_bad_options)

TEST_CASE("s3 client: a put sends a signed plain payload with Content-MD5 and its SHA-256",
          "[s3]") {
  Harness h;
  const auto when = std::chrono::sys_days{std::chrono::year{2024} / 5 / 6} + std::chrono::hours{7};
  FixedClock clock(when);
  S3Config c = h.config();
  c.clock = &clock;
  auto store = Harness::make(c);
  const Bytes data = bytes_of("hello, s3");
  PutOptions create;
  create.create_only = true;
  REQUIRE(store->put("dir/a b+c", data, create).ok());
  const auto log = h.server.log();
  REQUIRE(log.size() == 1);
  const auto& put = log[0];
  CHECK(put.method == "PUT");
  CHECK(put.target == "/fake-bucket/dir/a%20b%2Bc");
  CHECK(put.host == "127.0.0.1:" + std::to_string(h.server.port()));
  CHECK(header(put, "x-amz-date") == "20240506T070000Z");
  CHECK(header(put, "x-amz-content-sha256") == ev::to_hex(ev::sha256(data), false));
  CHECK(header(put, "Content-MD5") == base64(md5(data)));
  CHECK(header(put, "If-None-Match") == "*");
  CHECK(header(put, "Transfer-Encoding").empty());
  const std::string auth = header(put, "Authorization");
  CHECK(auth.rfind("AWS4-HMAC-SHA256 Credential=" + FakeS3::kAccessKey +
                       "/20240506/us-east-1/s3/aws4_request, SignedHeaders=content-md5;"
                       "content-type;host;if-none-match;x-amz-content-sha256;x-amz-date, "
                       "Signature=",
                   0) == 0);
  CHECK(h.server.objects().at("dir/a b+c").data == data);
}

TEST_CASE("s3 client: virtual-hosted style sends Host bucket.localhost:PORT to 127.0.0.1", "[s3]") {
  Harness h;
  S3Config c = h.config();
  c.endpoint = h.server.endpoint("http", "localhost");
  c.style = AddressingStyle::VirtualHosted;
  auto store = Harness::make(c);
  ev::s3::contract::list_honours_prefix_and_start_after(*store, "vhost/");
  ev::s3::contract::remove_many_removes_and_reports(*store, "vhost/");
  REQUIRE(store->put("k", bytes_of("v")).ok());
  const auto log = h.server.log();
  REQUIRE_FALSE(log.empty());
  CHECK(log.back().host == "fake-bucket.localhost:" + std::to_string(h.server.port()));
  CHECK(log.back().target == "/k");
  for (const auto& l : log) CHECK(l.target.find("fake-bucket") == std::string::npos);

  c.endpoint = h.server.endpoint();  // an IP address cannot carry a bucket name
  CHECK(fails_with(S3Client::create(c), Errc::InvalidArgument, "virtual-hosted"));
}

TEST_CASE("s3 client: a key prefix is added on the wire and hidden from the caller", "[s3]") {
  Harness h;
  S3Config c = h.config();
  c.key_prefix = "tenant/7/";
  auto store = Harness::make(c);
  ev::s3::contract::run_all(*store, "ns/");
  REQUIRE(store->put("x/y", bytes_of("1")).ok());
  REQUIRE(h.server.objects().count("tenant/7/x/y") == 1);
  h.server.put_raw("other/z", bytes_of("outside"), etag_of(bytes_of("outside")));
  ListOptions all;
  auto page = store->list(all);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == "x/y");
  CHECK(store->remove("x/y").ok());
  // The whole key, prefix included, obeys the 1024-byte limit.
  CHECK(fails_with(store->put(std::string(1020, 'k'), bytes_of("1")), Errc::InvalidKey, "prefix"));

  c.key_prefix = "no-slash";
  CHECK(fails_with(S3Client::create(c), Errc::InvalidArgument, "must end with '/'"));
  c.key_prefix = "a//";
  CHECK(fails_with(S3Client::create(c), Errc::InvalidArgument, "key prefix"));
}

TEST_CASE("s3 client: keep-alive connections are reused", "[s3]") {
  Harness h;
  auto store = h.client();
  for (int i = 0; i < 20; ++i) REQUIRE(store->put("k" + std::to_string(i), bytes_of("v")).ok());
  std::set<int> ports;
  for (const auto& l : h.server.log()) ports.insert(l.remote_port);
  // cpp-httplib's server closes a connection after 5 requests; without reuse there would be 20.
  CHECK(ports.size() <= 5);
}

TEST_CASE("s3 client: many threads share one client", "[s3][concurrency]") {
  Harness h;
  S3Config c = h.config();
  c.max_connections = 3;
  auto store = Harness::make(c);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        const std::string key = "t" + std::to_string(t) + "/" + std::to_string(i);
        const Bytes data = bytes_of(key + std::string(static_cast<std::size_t>(i * 97), 'x'));
        if (!store->put(key, data).ok()) failures.fetch_add(1);
        auto got = store->get(key);
        if (!got.ok() || got->data != data) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(h.server.objects().size() == 160);
}

TEST_CASE("s3 client: server answers map to store errors", "[s3][errors]") {
  Harness h;
  auto store = h.client();
  REQUIRE(store->put("here", bytes_of("x")).ok());

  CHECK(fails_with(store->get("absent"), Errc::NotFound, "NoSuchKey (HTTP 404 on GET 'absent'"));
  CHECK(fails_with(store->head("absent"), Errc::NotFound, "HTTP 404 (HEAD 'absent')"));
  GetOptions stale;
  stale.if_match = "0123";
  CHECK(fails_with(store->get("here", stale), Errc::PreconditionFailed, "PreconditionFailed"));

  PutOptions bad_md5;
  bad_md5.content_md5 = md5(bytes_of("y"));
  CHECK(fails_with(store->put("here", bytes_of("x"), bad_md5), Errc::Corrupt, "BadDigest"));
  PutOptions bad_sha;
  bad_sha.sha256 = ev::sha256(bytes_of("y"));
  CHECK(fails_with(store->put("here", bytes_of("x"), bad_sha), Errc::Corrupt,
                   "XAmzContentSHA256Mismatch"));

  h.server.set_expected_secret("another secret");
  const auto before = store->stats().attempts;
  CHECK(fails_with(store->get("here"), Errc::AccessDenied,
                   "access denied: SignatureDoesNotMatch: The request signature we calculated"));
  CHECK(fails_with(store->head("here"), Errc::AccessDenied, "HTTP 403 (HEAD 'here')"));
  CHECK(store->stats().attempts == before + 2);  // never retried
}

TEST_CASE("s3 client: get detects content that does not match its ETag", "[s3][integrity]") {
  Harness h;
  auto store = h.client();
  h.server.put_raw("rotten", bytes_of("tampered"), etag_of(bytes_of("original")));
  CHECK(fails_with(store->get("rotten"), Errc::Corrupt, "does not match its ETag"));
  h.server.put_raw("multi", bytes_of("parts"), "0123456789abcdef0123456789abcdef-2");
  auto multi = store->get("multi");  // multipart ETags are not MD5s: not checked
  REQUIRE(multi.ok());
  CHECK(multi->data == bytes_of("parts"));
}

TEST_CASE("s3 client: objects above max_object_bytes are refused", "[s3]") {
  Harness h;
  S3Config c = h.config();
  c.max_object_bytes = 10;
  auto store = Harness::make(c);
  REQUIRE(store->put("small", Bytes(10, 1)).ok());
  REQUIRE(store->put("big", Bytes(100000, 1)).ok());
  CHECK(store->get("small").ok());
  CHECK(fails_with(store->get("big"), Errc::Protocol, "exceeds"));
  CHECK(store->get("small").ok());  // the pool recovered
}

TEST_CASE("s3 client: remove_many reports per-key errors and ignores missing keys", "[s3]") {
  Harness h;
  auto store = h.client();
  for (const char* k : {"a", "denied/b", "c"}) REQUIRE(store->put(k, bytes_of(k)).ok());
  auto r = store->remove_many({"a", "denied/b", "missing", "a", "c//bad", "c"});
  REQUIRE(r.ok());
  REQUIRE(r->errors.size() == 2);
  CHECK(r->errors[0].key == "c//bad");
  CHECK(ev::is(r->errors[0].error, Errc::InvalidKey));
  CHECK(r->errors[1].key == "denied/b");
  CHECK(ev::is(r->errors[1].error, Errc::AccessDenied));
  CHECK(h.server.objects().size() == 1);
  // The request carried each key once, with Content-MD5.
  const auto log = h.server.log();
  const auto& post = log.back();
  CHECK(post.method == "POST");
  CHECK(post.target == "/fake-bucket?delete=");
  CHECK_FALSE(header(post, "Content-MD5").empty());
}

TEST_CASE("s3 client: listings that break the rules are protocol errors", "[s3][errors]") {
  Harness h;
  auto store = h.client();
  std::string body;
  h.server.set_intercept([&](const httplib::Request& req, httplib::Response& res) {
    if (req.method != "GET" || req.target.find("list-type=2") == std::string::npos) return false;
    res.status = 200;
    res.set_content(body, "application/xml");
    return true;
  });
  const auto entry = [](const std::string& k) {
    return "<Contents><Key>" + k +
           "</Key><LastModified>2024-01-01T00:00:00Z</LastModified><ETag>e</ETag><Size>1</Size>"
           "</Contents>";
  };
  ListOptions opt;
  opt.prefix = "p/";
  body = "<ListBucketResult><IsTruncated>false</IsTruncated>" + entry("p/b") + entry("p/a") +
         "</ListBucketResult>";
  CHECK(fails_with(store->list(opt), Errc::Protocol, "out of order"));
  body =
      "<ListBucketResult><IsTruncated>false</IsTruncated>" + entry("q/a") + "</ListBucketResult>";
  CHECK(fails_with(store->list(opt), Errc::Protocol, "does not start with the prefix"));
  body =
      "<ListBucketResult><IsTruncated>true</IsTruncated><NextContinuationToken>t"
      "</NextContinuationToken></ListBucketResult>";
  CHECK(fails_with(store->list(opt), Errc::Protocol, "empty page"));
  opt.max_keys = 1;
  body = "<ListBucketResult><IsTruncated>false</IsTruncated>" + entry("p/a") + entry("p/b") +
         "</ListBucketResult>";
  CHECK(fails_with(store->list(opt), Errc::Protocol, "at most 1"));
  body =
      "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>p/a</Key>"
      "</Contents></ListBucketResult>";
  CHECK(fails_with(store->list(opt), Errc::Protocol, "Contents[0]"));
}

TEST_CASE("s3 client: https verifies the server certificate", "[s3][tls]") {
  ev::test::TempDir dir;
  const auto id = ev::s3::test::TlsIdentity::create(dir.path());
  FakeS3 server(&id);
  S3Config c = server.config();
  c.endpoint = server.endpoint("https", "localhost");
  c.ca_file = id.cert.string();
  auto store = Harness::make(c);
  REQUIRE(store->put("secure", bytes_of("tls")).ok());
  auto got = store->get("secure");
  REQUIRE(got.ok());
  CHECK(got->data == bytes_of("tls"));

  S3Config untrusted = server.config();
  untrusted.endpoint = server.endpoint("https", "localhost");
  untrusted.retry.max_attempts = 1;
  auto other = Harness::make(untrusted);  // the system's roots do not know this certificate
  auto r = other->get("secure");
  REQUIRE_FALSE(r.ok());
  INFO(r.error().message);
  CHECK((ev::is(r.error(), Errc::Protocol) || ev::is(r.error(), Errc::Transient)));
}

TEST_CASE("s3 client: configuration is checked", "[s3]") {
  FakeS3 server;
  const S3Config good = server.config();
  const auto with = [&](auto change) {
    S3Config c = good;
    change(c);
    return S3Client::create(c);
  };
  CHECK(with([](S3Config&) {}).ok());
  CHECK(fails_with(with([](S3Config& c) { c.bucket = "Upper"; }), Errc::InvalidArgument, "bucket"));
  CHECK(fails_with(with([](S3Config& c) { c.bucket = "ab"; }), Errc::InvalidArgument, "3..63"));
  CHECK(fails_with(with([](S3Config& c) { c.bucket = "a..b"; }), Errc::InvalidArgument, "'.'"));
  CHECK(fails_with(with([](S3Config& c) { c.bucket = "-ab"; }), Errc::InvalidArgument, "start"));
  CHECK(fails_with(with([](S3Config& c) { c.bucket = "192.168.1.1"; }), Errc::InvalidArgument,
                   "IP address"));
  CHECK(
      fails_with(with([](S3Config& c) { c.region = "us east"; }), Errc::InvalidArgument, "region"));
  CHECK(fails_with(with([](S3Config& c) { c.credentials.secret_access_key.clear(); }),
                   Errc::InvalidArgument, "secret"));
  CHECK(fails_with(with([](S3Config& c) { c.retry.max_attempts = 0; }), Errc::InvalidArgument,
                   "max_attempts"));
  CHECK(fails_with(with([](S3Config& c) { c.max_connections = 0; }), Errc::InvalidArgument,
                   "max_connections"));
  for (const char* e :
       {"ftp://h", "http://", "http://h:0", "http://h:70000", "http://h/path", "http://u@h",
        "http://h:", "http://[::1", "http://h?x=1", "127.0.0.1:80", "http://h..x"}) {
    INFO(e);
    CHECK(
        fails_with(with([&](S3Config& c) { c.endpoint = e; }), Errc::InvalidArgument, "endpoint"));
  }
  CHECK(with([](S3Config& c) { c.endpoint = "https://s3.us-east-1.amazonaws.com/"; }).ok());
  CHECK(with([](S3Config& c) { c.endpoint = "http://[::1]:9000"; }).ok());
}
