// The S3 client against a real S3 server, Ceph RADOS Gateway (tests/interop/with-rgw.sh): the
// whole ObjectStore contract in both addressing styles, errors as RGW reports them, pagination
// and bulk deletion at scale.
#include <catch2/catch.hpp>

#include <atomic>
#include <latch>
#include <thread>

#include "ev/common/digest.hpp"
#include "ev/s3/md5.hpp"
#include "ev/s3/s3_client.hpp"
#include "rgw_env.hpp"
#include "store_contract.hpp"

using namespace ev::s3;
using ev::Bytes;
using ev::s3::contract::bytes_of;

namespace {

template <class T>
bool fails_with(const ev::Result<T>& r, Errc e, std::string_view fragment = {}) {
  if (r.ok()) return false;
  INFO(r.error().message);
  return ev::is(r.error(), e) && r.error().message.find(fragment) != std::string::npos;
}

}  // namespace

TEST_CASE("rgw: the ObjectStore contract holds, path style", "[rgw][contract]") {
  auto store = rgw::client(rgw::config(AddressingStyle::Path));
  contract::run_all(*store, rgw::ns("contract-path"));
}

TEST_CASE("rgw: the ObjectStore contract holds, virtual-hosted style", "[rgw][contract]") {
  auto store = rgw::client(rgw::config(AddressingStyle::VirtualHosted));
  contract::run_all(*store, rgw::ns("contract-vhost"));
}

TEST_CASE("rgw: the contract holds under a key prefix opened from a store URL",
          "[rgw][contract][url]") {
  const std::string prefix = rgw::ns("tenant");
  const std::string url = "s3://" + rgw::bucket() + "/" + prefix +
                          "?endpoint=http://localhost:" + std::to_string(rgw::port()) +
                          "&style=virtual&region=us-east-1";
  auto store = open_store(url);
  INFO(url);
  REQUIRE(store.ok());
  contract::run_all(**store, "inner/");
  // The objects really live under the prefix.
  auto plain = rgw::client(rgw::config());
  REQUIRE((*store)->put("probe", bytes_of("p")).ok());
  CHECK(plain->get(prefix + "probe").ok());
  REQUIRE(plain->remove(prefix + "probe").ok());
}

TEST_CASE("rgw: of 16 concurrent create-only writers exactly one wins", "[rgw][create_only]") {
  auto store = rgw::client(rgw::config());
  for (int round = 0; round < 3; ++round) {
    contract::create_only_race_has_one_winner(*store, rgw::ns("race"), 16);
  }
}

TEST_CASE("rgw: a wrong secret is AccessDenied: SignatureDoesNotMatch", "[rgw][errors]") {
  S3Config c = rgw::config();
  c.credentials.secret_access_key = "not-the-secret-0000000000000000000000000";
  auto store = rgw::client(c);
  auto r = store->put(rgw::ns("denied") + "x", bytes_of("x"));
  REQUIRE(fails_with(r, Errc::AccessDenied, "access denied: SignatureDoesNotMatch"));
  CHECK(store->stats().retries == 0);
  CHECK(fails_with(store->get("x"), Errc::AccessDenied, "SignatureDoesNotMatch"));
  CHECK(fails_with(store->head("x"), Errc::AccessDenied, "HTTP 403"));
  CHECK(fails_with(store->list({}), Errc::AccessDenied, "SignatureDoesNotMatch"));

  S3Config unknown = rgw::config();
  unknown.credentials.access_key_id = "NOSUCHACCESSKEY00000";
  CHECK(fails_with(rgw::client(unknown)->get("x"), Errc::AccessDenied, "InvalidAccessKeyId"));
}

TEST_CASE("rgw: a bad Content-MD5 or payload hash is Corrupt and stores nothing", "[rgw][errors]") {
  auto store = rgw::client(rgw::config());
  const std::string ns = rgw::ns("digest");
  PutOptions bad_md5;
  bad_md5.content_md5 = md5(bytes_of("something else"));
  CHECK(fails_with(store->put(ns + "a", bytes_of("payload"), bad_md5), Errc::Corrupt, "BadDigest"));
  PutOptions bad_sha;
  bad_sha.sha256 = ev::sha256(bytes_of("something else"));
  CHECK(fails_with(store->put(ns + "b", bytes_of("payload"), bad_sha), Errc::Corrupt,
                   "XAmzContentSHA256Mismatch"));
  CHECK(fails_with(store->head(ns + "a"), Errc::NotFound));
  CHECK(fails_with(store->head(ns + "b"), Errc::NotFound));
}

TEST_CASE("rgw: a missing bucket is a protocol error naming NoSuchBucket", "[rgw][errors]") {
  S3Config c = rgw::config();
  c.bucket = "no-such-bucket-here";
  CHECK(fails_with(rgw::client(c)->get("k"), Errc::Protocol, "NoSuchBucket"));
}

TEST_CASE("rgw: 2,500 keys page in order and are deleted 1,000 at a time", "[rgw][list]") {
  S3Config c = rgw::config();
  c.max_connections = 8;
  auto store = rgw::client(c);
  const std::string ns = rgw::ns("many");
  constexpr int kCount = 2500;
  std::vector<std::string> keys;
  for (int i = 0; i < kCount; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "k/%06d", i);
    keys.push_back(ns + buf);
  }
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = static_cast<std::size_t>(w); i < keys.size(); i += 8) {
        if (!store->put(keys[i], bytes_of(keys[i])).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures.load() == 0);
  CHECK(contract::list_all(*store, ns, 1000) == keys);
  CHECK(contract::list_all(*store, ns, 777) == keys);

  ListOptions from_middle;
  from_middle.prefix = ns;
  from_middle.start_after = keys[1399];
  from_middle.max_keys = 1000;
  // 1,100 keys follow keys[1399]: at least two pages (a page holds at most 1,000; RGW may
  // answer fewer), together exactly those keys in order.
  std::vector<std::string> after;
  int pages = 0;
  for (;;) {
    auto page = store->list(from_middle);
    REQUIRE(page.ok());
    REQUIRE(page->objects.size() <= 1000);
    ++pages;
    for (const auto& o : page->objects) after.push_back(o.key);
    if (!page->truncated) break;
    REQUIRE(pages < 100);
    from_middle.continuation_token = page->next_continuation_token;
  }
  CHECK(pages >= 2);
  CHECK(after == std::vector<std::string>(keys.begin() + 1400, keys.end()));

  for (std::size_t i = 0; i < keys.size(); i += kMaxKeysPerCall) {
    const auto end = std::min(keys.size(), i + kMaxKeysPerCall);
    auto r = store->remove_many(std::vector<std::string>(keys.begin() + static_cast<long>(i),
                                                         keys.begin() + static_cast<long>(end)));
    REQUIRE(r.ok());
    CHECK(r->errors.empty());
  }
  CHECK(contract::list_all(*store, ns, 1000).empty());
}

TEST_CASE("rgw: keys XML cannot carry or that need encoding round-trip", "[rgw][list]") {
  auto store = rgw::client(rgw::config());
  const std::string ns = rgw::ns("odd");
  std::vector<std::string> keys = {ns + "sp ace",         ns + "1+1=2",
                                   ns + "a&b<c>",         ns + "q?r#s",
                                   ns + "%41%2F",         ns + "semi;colon,comma=",
                                   ns + "x\xef\xbf\xbey", ns + "\xe2\x82\xac/\xc3\xa9"};
  for (const auto& k : keys) REQUIRE(store->put(k, bytes_of(k)).ok());
  std::sort(keys.begin(), keys.end());
  CHECK(contract::list_all(*store, ns, 1000) == keys);
  CHECK(contract::list_all(*store, ns, 2) == keys);
  for (const auto& k : keys) CHECK(contract::data_of(*store, k) == bytes_of(k));
  auto r = store->remove_many(keys);
  REQUIRE(r.ok());
  CHECK(r->errors.empty());
  CHECK(contract::list_all(*store, ns, 1000).empty());
}
