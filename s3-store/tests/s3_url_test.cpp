// Store URLs: parse_s3_url() and open_store().
#include <catch2/catch.hpp>

#include <map>

#include "ev/s3/directory_store.hpp"
#include "ev/s3/s3_client.hpp"
#include "s3_fake_server.hpp"
#include "store_contract.hpp"
#include "test_support.hpp"

using namespace ev::s3;
using ev::s3::contract::bytes_of;

namespace {

template <class T>
bool invalid(const ev::Result<T>& r, std::string_view fragment) {
  if (r.ok()) return false;
  INFO(r.error().message);
  return ev::is(r.error(), Errc::InvalidArgument) &&
         r.error().message.find(fragment) != std::string::npos;
}

StoreOptions with_env(std::map<std::string, std::string> vars) {
  StoreOptions o;
  o.env = [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  return o;
}

}  // namespace

TEST_CASE("s3 url: bucket, prefix and parameters", "[s3][url]") {
  auto u = parse_s3_url(
      "s3://my-bucket/tenant/a?endpoint=http://127.0.0.1:9000&region=eu-west-1&style=virtual"
      "&profile=work");
  REQUIRE(u.ok());
  CHECK(u->bucket == "my-bucket");
  CHECK(u->key_prefix == "tenant/a/");
  CHECK(u->endpoint == "http://127.0.0.1:9000");
  CHECK(u->region == "eu-west-1");
  CHECK(u->style == AddressingStyle::VirtualHosted);
  CHECK(u->profile == "work");

  auto bare = parse_s3_url("s3://b-1");
  REQUIRE(bare.ok());
  CHECK(bare->key_prefix.empty());
  CHECK(bare->endpoint.empty());
  CHECK_FALSE(bare->style.has_value());
  auto slash = parse_s3_url("s3://b-1/p%20q/");
  REQUIRE(slash.ok());
  CHECK(slash->key_prefix == "p q/");
  auto path = parse_s3_url("s3://b-1?style=path&endpoint=http%3A%2F%2Flocalhost%3A1");
  REQUIRE(path.ok());
  CHECK(path->style == AddressingStyle::Path);
  CHECK(path->endpoint == "http://localhost:1");
}

TEST_CASE("s3 url: bad URLs are rejected with the reason", "[s3][url]") {
  CHECK(invalid(parse_s3_url("s3://b?color=red"), "unknown parameter 'color' (known: endpoint"));
  CHECK(invalid(parse_s3_url("s3://b?region=a&region=b"), "'region' repeated"));
  CHECK(invalid(parse_s3_url("s3://b?region="), "name=value"));
  CHECK(invalid(parse_s3_url("s3://b?region"), "name=value"));
  CHECK(invalid(parse_s3_url("s3://b?"), "empty query"));
  CHECK(invalid(parse_s3_url("s3://b?region=r&&style=path"), "name=value"));
  CHECK(invalid(parse_s3_url("s3://b?style=sideways"), "'path' or 'virtual'"));
  CHECK(invalid(parse_s3_url("s3://b?region=%zz"), "percent-escape"));
  CHECK(invalid(parse_s3_url("s3:///prefix"), "no bucket"));
  CHECK(invalid(parse_s3_url("s3://b/a//c"), "prefix"));
  CHECK(invalid(parse_s3_url("s3://b/../x"), "prefix"));
  CHECK(invalid(parse_s3_url("s3://b/x%00"), "percent-escape"));
  CHECK(invalid(parse_s3_url("s3://b#frag"), "fragment"));
  CHECK(invalid(parse_s3_url("http://b"), "expected s3://"));
}

TEST_CASE("s3 url: open_store opens directory stores", "[s3][url]") {
  ev::test::TempDir dir;
  const std::string root = (dir.path() / "a b").string();
  auto store = open_store("file://" + (dir.path() / "a%20b").string());
  REQUIRE(store.ok());
  REQUIRE((*store)->put("k", bytes_of("v")).ok());
  CHECK(std::filesystem::exists(root + "/FORMAT"));
  CHECK(invalid(open_store("file://host/dir"), "no host"));
  CHECK(invalid(open_store("file:relative"), "unsupported scheme"));
  CHECK(invalid(open_store("file:///tmp?x=1"), "no query"));
  CHECK(invalid(open_store("ftp://x"), "unsupported scheme"));
  CHECK(invalid(open_store(""), "unsupported scheme"));
}

TEST_CASE("s3 url: open_store opens S3 stores with credentials from the environment", "[s3][url]") {
  test::FakeS3 server;
  const std::string url = "s3://" + test::FakeS3::kBucket + "/pre?endpoint=" + server.endpoint();
  auto store = open_store(url, with_env({{"AWS_ACCESS_KEY_ID", test::FakeS3::kAccessKey},
                                         {"AWS_SECRET_ACCESS_KEY", test::FakeS3::kSecretKey}}));
  REQUIRE(store.ok());
  REQUIRE((*store)->put("k", bytes_of("v")).ok());
  CHECK(server.objects().count("pre/k") == 1);
  ev::s3::contract::list_honours_prefix_and_start_after(**store, "ns/");

  // Region from the environment goes into the signature: the server expects us-east-1.
  auto wrong_region = open_store(url, with_env({{"AWS_ACCESS_KEY_ID", test::FakeS3::kAccessKey},
                                                {"AWS_SECRET_ACCESS_KEY", test::FakeS3::kSecretKey},
                                                {"AWS_REGION", "eu-west-1"}}));
  REQUIRE(wrong_region.ok());
  auto denied = (*wrong_region)->get("k");
  REQUIRE_FALSE(denied.ok());
  CHECK(ev::is(denied.error(), Errc::AccessDenied));

  CHECK(invalid(open_store(url, with_env({})), "no S3 credentials"));
  CHECK(invalid(open_store("s3://" + test::FakeS3::kBucket + "?endpoint=ftp://x",
                           with_env({{"AWS_ACCESS_KEY_ID", "a"}, {"AWS_SECRET_ACCESS_KEY", "b"}})),
                "endpoint 'ftp://x'"));
  CHECK(invalid(open_store("s3://B?endpoint=http://h",
                           with_env({{"AWS_ACCESS_KEY_ID", "a"}, {"AWS_SECRET_ACCESS_KEY", "b"}})),
                "bucket"));
}
