#include "ev/s3/object_key.hpp"

#include <catch2/catch.hpp>

#include <random>

using ev::s3::Errc;
using ev::s3::object_key;
using ev::s3::parse_object_key;
using ev::s3::validate_key;
using ev::s3::validate_prefix;
using namespace std::string_literals;

namespace {

const std::string kWallet = "0x" + std::string(64, 'a');
const std::string kUuid = "01890a5d-ac96-774b-bcce-b302099a8057";  // a UUIDv7

bool invalid_key(std::string_view key) {
  auto r = validate_key(key);
  return !r.ok() && is(r.error(), Errc::InvalidKey);
}

std::string message_of(std::string_view key) {
  auto r = validate_key(key);
  return r.ok() ? std::string("accepted") : r.error().message;
}

}  // namespace

TEST_CASE("validate_key: accepts ordinary keys, UTF-8 and dotted names", "[object-key]") {
  for (const std::string& key :
       {"a"s, "a/b/c"s, kWallet + "/svc/0000000001/" + kUuid + ".enc", "sp ace/x"s,
        "\xc3\xa9t\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x98\x80"s, ".hidden"s, "..a"s, "a.."s,
        "..."s, "a/.b/..c"s, "100%/+/$/&/=/?/#"s, std::string(1024, 'k'),
        "\xef\xbf\xbd"s /* U+FFFD */, "\xf4\x8f\xbf\xbf"s /* U+10FFFF */, "\xc2\xa0"s}) {
    INFO(key);
    CHECK(validate_key(key).ok());
  }
}

TEST_CASE("validate_key: rejects empty and over-long keys", "[object-key]") {
  CHECK(invalid_key(""));
  CHECK(invalid_key(std::string(1025, 'k')));
  CHECK_THAT(message_of(std::string(1025, 'k')), Catch::Contains("1025 bytes"));
}

TEST_CASE("validate_key: rejects malformed UTF-8 with the offending offset", "[object-key]") {
  CHECK(invalid_key("\x80"));              // lone continuation byte
  CHECK(invalid_key("\xc0\xaf"));          // overlong '/'
  CHECK(invalid_key("\xc1\xbf"));          // overlong
  CHECK(invalid_key("\xe0\x80\xaf"));      // overlong 3-byte
  CHECK(invalid_key("\xed\xa0\x80"));      // surrogate U+D800
  CHECK(invalid_key("\xf0\x80\x80\xaf"));  // overlong 4-byte
  CHECK(invalid_key("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK(invalid_key("\xf5\x80\x80\x80"));  // invalid lead
  CHECK(invalid_key("ok\xe2\x82"));        // truncated
  CHECK(invalid_key("\xe2\x28\xa1"));      // bad continuation
  CHECK_THAT(message_of("abc\xe2\x82"), Catch::Contains("at byte 3"));
  CHECK_THAT(message_of("ab\xe2\x28\xa1"), Catch::Contains("at byte 3"));
}

TEST_CASE("validate_key: rejects control characters and backslashes", "[object-key]") {
  CHECK(invalid_key("a\x01"));
  CHECK(invalid_key("a\x1f"));
  CHECK(invalid_key("a\x7f"));
  CHECK(invalid_key("a\tb"));
  CHECK(invalid_key("a\nb"));
  CHECK(invalid_key("a" + std::string(1, '\0') + "b"));
  CHECK(invalid_key("a\xc2\x85"));  // U+0085 (NEL), a C1 control
  CHECK(invalid_key("a\xc2\x9f"));  // U+009F
  CHECK(invalid_key("a\\b"));
  CHECK_THAT(message_of("ab\x01"), Catch::Contains("at byte 2") && Catch::Contains("U+0001"));
}

TEST_CASE("validate_key: rejects paths that could escape or alias", "[object-key]") {
  for (const char* key :
       {"/a", "a//b", "a/", "//", ".", "..", "./a", "a/.", "a/./b", "a/../b", "../a", "a/.."}) {
    INFO(key);
    CHECK(invalid_key(key));
  }
  CHECK_THAT(message_of("a/b//c"), Catch::Contains("at byte 4"));
  CHECK_THAT(message_of("a/../b"), Catch::Contains("\"..\""));
}

TEST_CASE("validate_prefix: allows partial last segments, errors are InvalidArgument",
          "[object-key]") {
  for (const char* p : {"", "a", "a/", "a/b/", "a/.", "a/..", ".", "..", "a/.h"}) {
    INFO(p);
    CHECK(validate_prefix(p).ok());
  }
  for (const std::string& p :
       {"/a"s, "a//"s, "a/./"s, "a/../b"s, "a\x01"s, "a\\"s, "\xff"s, std::string(1025, 'p')}) {
    INFO(p);
    auto r = validate_prefix(p);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::InvalidArgument));
  }
}

TEST_CASE("object_key: builds the documented layout", "[object-key]") {
  auto k = object_key("vault/", kWallet, "password-manager", 7, kUuid);
  REQUIRE(k.ok());
  CHECK(*k == "vault/" + kWallet + "/password-manager/0000000007/" + kUuid + ".enc");
  CHECK(*object_key("", kWallet, "s", 4294967295u, kUuid) ==
        kWallet + "/s/4294967295/" + kUuid + ".enc");
  CHECK(*ev::s3::epoch_prefix("", kWallet, "s", 12) == kWallet + "/s/0000000012/");
}

TEST_CASE("object_key: epochs sort numerically as text", "[object-key]") {
  std::vector<std::string> keys;
  for (std::uint32_t e : {1u, 2u, 9u, 10u, 11u, 100u, 4294967295u}) {
    keys.push_back(*object_key("", kWallet, "s", e, kUuid));
  }
  CHECK(std::is_sorted(keys.begin(), keys.end()));
}

TEST_CASE("object_key: rejects every malformed part", "[object-key]") {
  const auto bad = [](std::string_view prefix, std::string_view wallet, std::string_view service,
                      std::string_view uuid) {
    auto r = object_key(prefix, wallet, service, 1, uuid);
    return !r.ok() && is(r.error(), Errc::InvalidKey);
  };
  CHECK(bad("vault", kWallet, "s", kUuid));    // prefix without '/'
  CHECK(bad("/vault/", kWallet, "s", kUuid));  // leading '/'
  CHECK(bad("a//", kWallet, "s", kUuid));
  CHECK(bad("", "0x" + std::string(64, 'A'), "s", kUuid));
  CHECK(bad("", "0x" + std::string(63, 'a'), "s", kUuid));
  CHECK(bad("", std::string(66, 'a'), "s", kUuid));
  CHECK(bad("", kWallet, "", kUuid));
  CHECK(bad("", kWallet, "Upper", kUuid));
  CHECK(bad("", kWallet, "a/b", kUuid));
  CHECK(bad("", kWallet, ".", kUuid));
  CHECK(bad("", kWallet, "..", kUuid));
  CHECK(bad("", kWallet, std::string(65, 's'), kUuid));
  CHECK_FALSE(bad("", kWallet, std::string(64, 's'), kUuid));
  CHECK(bad("", kWallet, "s", "01890a5d-ac96-474b-bcce-b302099a8057"));  // version 4
  CHECK(bad("", kWallet, "s", "01890a5d-ac96-774b-7cce-b302099a8057"));  // NCS variant
  CHECK(bad("", kWallet, "s", "01890A5D-AC96-774B-BCCE-B302099A8057"));  // upper case
  CHECK(bad("", kWallet, "s", "01890a5dac96-774b-bcce-b302099a8057-"));  // dashes misplaced
  CHECK(bad("", kWallet, "s", "01890a5d-ac96-774b-bcce-b302099a805"));   // short
  CHECK(bad(std::string(1000, 'p') + "/", kWallet, "s", kUuid));         // key > 1024 bytes
}

TEST_CASE("parse_object_key: inverts object_key", "[object-key]") {
  const std::string key = *object_key("vault/", kWallet, "mail.example", 42, kUuid);
  auto p = parse_object_key(key, "vault/");
  REQUIRE(p.ok());
  CHECK(p->prefix == "vault/");
  CHECK(p->wallet_hex == kWallet);
  CHECK(p->service == "mail.example");
  CHECK(p->epoch == 42);
  CHECK(p->blob_uuid == kUuid);
}

TEST_CASE("parse_object_key: rejects anything object_key would not build", "[object-key]") {
  const std::string tail = "/s/0000000001/" + kUuid + ".enc";
  for (const std::string& key :
       {kWallet + tail,  // wrong prefix (expects "vault/")
        "vault/" + kWallet + "/s/000000001/" + kUuid + ".enc",
        "vault/" + kWallet + "/s/00000000001/" + kUuid + ".enc",
        "vault/" + kWallet + "/s/4294967296/" + kUuid + ".enc",
        "vault/" + kWallet + "/s/00000000x1/" + kUuid + ".enc",
        "vault/" + kWallet + "/s/0000000001/" + kUuid,
        "vault/" + kWallet + "/s/0000000001/" + kUuid + ".ENC",
        "vault/" + kWallet + "/s/0000000001/extra/" + kUuid + ".enc",
        "vault/" + kWallet + "/s/0000000001", "vault/0x" + std::string(64, 'F') + tail,
        "vault/" + kWallet + "/S/0000000001/" + kUuid + ".enc",
        "vault/" + kWallet + "/s/0000000001/01890a5d-ac96-474b-bcce-b302099a8057.enc"}) {
    INFO(key);
    auto r = parse_object_key(key, "vault/");
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::InvalidKey));
  }
}

TEST_CASE("object keys: random valid parts round-trip through build and parse", "[object-key]") {
  std::mt19937_64 rng(20240601);
  const auto hex = [&](std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) s += "0123456789abcdef"[rng() % 16];
    return s;
  };
  const std::string service_chars = "abcdefghijklmnopqrstuvwxyz0123456789._-";
  for (int i = 0; i < 500; ++i) {
    const std::string wallet = "0x" + hex(64);
    std::string service;
    do {
      service.clear();
      for (std::size_t n = 1 + rng() % 64; n > 0; --n) service += service_chars[rng() % 39];
    } while (service == "." || service == "..");
    const auto epoch = static_cast<std::uint32_t>(rng());
    const std::string uuid =
        hex(8) + "-" + hex(4) + "-7" + hex(3) + "-" + "89ab"[rng() % 4] + hex(3) + "-" + hex(12);
    const std::string prefix = i % 2 == 0 ? "" : "p" + std::to_string(i) + "/";
    auto key = object_key(prefix, wallet, service, epoch, uuid);
    REQUIRE(key.ok());
    CHECK(validate_key(*key).ok());
    auto parsed = parse_object_key(*key, prefix);
    REQUIRE(parsed.ok());
    CHECK(parsed->wallet_hex == wallet);
    CHECK(parsed->service == service);
    CHECK(parsed->epoch == epoch);
    CHECK(parsed->blob_uuid == uuid);
  }
}
