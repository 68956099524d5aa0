#include "ev/s3/directory_store.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include "store_contract.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using ev::Bytes;
using ev::s3::DirectoryStore;
using ev::s3::Errc;
using ev::s3::contract::bytes_of;

namespace {

struct Fixture {
  ev::test::TempDir tmp;
  fs::path root = tmp.path() / "store";
  std::unique_ptr<DirectoryStore> store;

  Fixture() {
    auto r = DirectoryStore::open(root);
    REQUIRE(r.ok());
    store = std::move(r).value();
  }
};

std::vector<std::string> tree(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    out.push_back(fs::relative(e.path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

template <class T>
bool fails_with(const ev::Result<T>& r, Errc e) {
  return !r.ok() && is(r.error(), e);
}

void write_raw(const fs::path& p, std::string_view content) {
  std::ofstream out(p, std::ios::binary);
  out << content;
  REQUIRE(out.good());
}

}  // namespace

// --- the shared ObjectStore contract ------------------------------------------------------

#define EV_CONTRACT_CASE(name, check)                                  \
  TEST_CASE("directory store: contract: " name, "[store][contract]") { \
    Fixture f;                                                         \
    ev::s3::contract::check(*f.store, "contract/");                    \
    CHECK(tree(f.root / "objects").empty());                           \
  }

EV_CONTRACT_CASE("put then get returns the data and its MD5 etag",
                 put_then_get_returns_data_and_md5_etag)
EV_CONTRACT_CASE("empty object round trips", empty_object_round_trips)
EV_CONTRACT_CASE("missing key is NotFound", missing_key_is_not_found)
EV_CONTRACT_CASE("head reports size, etag and time", head_reports_size_etag_and_time)
EV_CONTRACT_CASE("put replaces an existing object", put_replaces_existing_object)
EV_CONTRACT_CASE("create_only refuses an existing key", create_only_refuses_existing_key)
EV_CONTRACT_CASE("create_only race has exactly one winner", create_only_race_has_one_winner)
EV_CONTRACT_CASE("if_match selects the version", if_match_selects_version)
EV_CONTRACT_CASE("remove is idempotent", remove_is_idempotent)
EV_CONTRACT_CASE("remove_many removes and reports per key", remove_many_removes_and_reports)
EV_CONTRACT_CASE("content digests are verified", digests_are_verified)
EV_CONTRACT_CASE("invalid keys are rejected by every call", invalid_keys_are_rejected)
EV_CONTRACT_CASE("a key and keys below it coexist", key_and_its_children_coexist)
EV_CONTRACT_CASE("listing is in byte order", list_order_is_bytewise)
EV_CONTRACT_CASE("listing pages over more than 1000 keys", list_pages_over_many_keys)
EV_CONTRACT_CASE("listing honours prefix and start_after", list_honours_prefix_and_start_after)
EV_CONTRACT_CASE("listing rejects bad options", list_rejects_bad_options)

// --- directory-store specifics ------------------------------------------------------------

TEST_CASE("directory store: segments map to percent-encoded names under objects/", "[store]") {
  Fixture f;
  REQUIRE(f.store->put("a/b%c/d", bytes_of("x")).ok());
  REQUIRE(f.store->put("a", bytes_of("y")).ok());
  CHECK(tree(f.root / "objects") ==
        std::vector<std::string>{"a", "a%2F", "a%2F/b%25c%2F", "a%2F/b%25c%2F/d"});
  CHECK(ev::test::read_file(f.root / "FORMAT") == "epochvault-directory-store 1\n");
  const std::string file = ev::test::read_file(f.root / "objects/a%2F/b%25c%2F/d");
  CHECK(file.size() == 32 + 1);
  CHECK(file.substr(0, 8) == "EVDSOBJ1");
  CHECK(file.back() == 'x');
  auto path = f.store->object_path("a/b%c/d");
  REQUIRE(path.ok());
  CHECK(*path == f.root / "objects/a%2F/b%25c%2F/d");
}

TEST_CASE("directory store: leftover temporary files are invisible", "[store]") {
  Fixture f;
  REQUIRE(f.store->put("x/y", bytes_of("whole")).ok());
  // What a crash mid-put leaves: a partial temporary file beside the target, and strays.
  write_raw(f.root / "objects/x%2F/%tmp.0123456789abcdef.7", "EVDSOBJ1\x05");
  write_raw(f.root / "objects/%tmp.0123456789abcdef.8", "");
  fs::create_directory(f.root / "objects/junk");  // a directory without the %2F suffix

  auto page = f.store->list({});
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].key == "x/y");
  auto stray = f.store->get("x/%tmp.0123456789abcdef.7");  // encodes to another file name
  REQUIRE_FALSE(stray.ok());
  CHECK(is(stray.error(), Errc::NotFound));
  CHECK(ev::s3::contract::data_of(*f.store, "x/y") == bytes_of("whole"));
  REQUIRE(f.store->put("x/y", bytes_of("again")).ok());
  CHECK(ev::s3::contract::data_of(*f.store, "x/y") == bytes_of("again"));
}

TEST_CASE("directory store: keys that escape the root are rejected and create nothing", "[store]") {
  Fixture f;
  for (const char* key : {"../outside", "../../etc/passwd", "a/../../../x", "/etc/passwd",
                          "a/./../b", "..\\windows"}) {
    INFO(key);
    auto r = f.store->put(key, bytes_of("x"));
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::InvalidKey));
    CHECK_FALSE(f.store->object_path(key).ok());
  }
  CHECK(tree(f.tmp.path()) == std::vector<std::string>{"store", "store/FORMAT", "store/objects"});
}

TEST_CASE("directory store: removing an object removes the directories it leaves empty",
          "[store]") {
  Fixture f;
  REQUIRE(f.store->put("d1/d2/d3/obj", bytes_of("x")).ok());
  REQUIRE(f.store->put("d1/keep", bytes_of("y")).ok());
  REQUIRE(f.store->remove("d1/d2/d3/obj").ok());
  CHECK(tree(f.root / "objects") == std::vector<std::string>{"d1%2F", "d1%2F/keep"});
  REQUIRE(f.store->remove("d1/keep").ok());
  CHECK(tree(f.root / "objects").empty());
  CHECK(fs::is_directory(f.root / "objects"));
}

TEST_CASE("directory store: a damaged object file fails with Corrupt", "[store]") {
  Fixture f;
  REQUIRE(f.store->put("k", bytes_of("precious data")).ok());
  const fs::path p = *f.store->object_path("k");
  std::string raw = ev::test::read_file(p);

  SECTION("flipped content byte: get fails, head still reads the header") {
    raw[40] = static_cast<char>(raw[40] ^ 0x01);
    write_raw(p, raw);
    auto got = f.store->get("k");
    REQUIRE_FALSE(got.ok());
    CHECK(is(got.error(), Errc::Corrupt));
    CHECK(f.store->head("k").ok());
  }
  SECTION("truncated file: every read fails") {
    write_raw(p, raw.substr(0, raw.size() - 1));
    CHECK(fails_with(f.store->get("k"), Errc::Corrupt));
    CHECK(fails_with(f.store->head("k"), Errc::Corrupt));
    CHECK(fails_with(f.store->list({}), Errc::Corrupt));
  }
  SECTION("bad magic") {
    raw[0] = 'X';
    write_raw(p, raw);
    CHECK(fails_with(f.store->head("k"), Errc::Corrupt));
  }
  SECTION("shorter than a header") {
    write_raw(p, "EVDS");
    CHECK(fails_with(f.store->get("k"), Errc::Corrupt));
  }
}

TEST_CASE("directory store: reopening finds the objects and refuses another format", "[store]") {
  ev::test::TempDir tmp;
  {
    auto s = DirectoryStore::open(tmp.path());
    REQUIRE(s.ok());
    REQUIRE((*s)->put("kept", bytes_of("v")).ok());
  }
  auto again = DirectoryStore::open(tmp.path());
  REQUIRE(again.ok());
  CHECK(ev::s3::contract::data_of(**again, "kept") == bytes_of("v"));

  write_raw(tmp.path() / "FORMAT", "some other store 9\n");
  auto other = DirectoryStore::open(tmp.path());
  REQUIRE_FALSE(other.ok());
  CHECK(is(other.error(), Errc::Unsupported));
}

TEST_CASE("directory store: a segment longer than 255 bytes on disk is InvalidKey", "[store]") {
  Fixture f;
  CHECK(f.store->put("d/" + std::string(255, 'n'), bytes_of("ok")).ok());
  auto file_too_long = f.store->put("d/" + std::string(256, 'n'), bytes_of("x"));
  REQUIRE_FALSE(file_too_long.ok());
  CHECK(is(file_too_long.error(), Errc::InvalidKey));
  // A directory name carries 3 more bytes ("%2F"), an encoded '%' 2 more.
  CHECK(fails_with(f.store->put(std::string(253, 'd') + "/x", bytes_of("x")), Errc::InvalidKey));
  CHECK(fails_with(f.store->put(std::string(100, '%'), bytes_of("x")), Errc::InvalidKey));
  CHECK(f.store->put(std::string(252, 'd') + "/x", bytes_of("x")).ok());
}

TEST_CASE("directory store: unknown continuation tokens are InvalidArgument", "[store]") {
  Fixture f;
  for (const char* token : {"garbage", "dl1.zz", "dl1.", "dl2.6b"}) {
    ev::s3::ListOptions opt;
    opt.continuation_token = token;
    auto r = f.store->list(opt);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::InvalidArgument));
  }
}

TEST_CASE("directory store: writers and removers sharing directories never fail", "[store]") {
  Fixture f;
  constexpr int kThreads = 4;
  constexpr int kRounds = 150;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string key = "s/t/u/w" + std::to_string(t) + "-" + std::to_string(i % 3);
        if (!f.store->put(key, bytes_of(key)).ok()) failures.fetch_add(1);
        if (!f.store->remove(key).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  CHECK(tree(f.root / "objects").empty());
}

TEST_CASE("directory store: readers never see a partial object while it is replaced", "[store]") {
  Fixture f;
  const Bytes a(1 << 20, 'a');
  const Bytes b(1 << 20, 'b');
  REQUIRE(f.store->put("big", a).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread writer([&] {
    for (int i = 0; i < 20; ++i) {
      if (!f.store->put("big", i % 2 == 0 ? b : a).ok()) bad.fetch_add(1);
    }
    done.store(true);
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto got = f.store->get("big");
        if (!got.ok() || (got->data != a && got->data != b)) bad.fetch_add(1);
      }
    });
  }
  writer.join();
  for (auto& r : readers) r.join();
  CHECK(bad.load() == 0);
}

TEST_CASE("directory store: last_modified is the time the object was written", "[store]") {
  Fixture f;
  const auto before = std::chrono::system_clock::now() - std::chrono::seconds(2);
  REQUIRE(f.store->put("t", bytes_of("x")).ok());
  const auto after = std::chrono::system_clock::now() + std::chrono::seconds(2);
  auto info = f.store->head("t");
  REQUIRE(info.ok());
  CHECK(info->last_modified >= before);
  CHECK(info->last_modified <= after);
  auto page = f.store->list({});
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 1);
  CHECK(page->objects[0].info.last_modified == info->last_modified);
}

TEST_CASE("directory store: objects are 0600; stale temporary files are removed at open",
          "[store]") {
  // Before, objects were created 0644 and a crashed put's temporary file stayed forever.
  Fixture f;
  REQUIRE(f.store->put("x/y", bytes_of("secret")).ok());
  const auto perms = fs::status(f.root / "objects/x%2F/y").permissions();
  CHECK((perms & (fs::perms::group_all | fs::perms::others_all)) == fs::perms::none);
  const fs::path stale = f.root / "objects/x%2F/%tmp.0123456789abcdef.7";
  const fs::path fresh = f.root / "objects/x%2F/%tmp.0123456789abcdef.8";
  write_raw(stale, "EVDSOBJ1\x05");
  write_raw(fresh, "EVDSOBJ1\x05");
  fs::last_write_time(stale, fs::file_time_type::clock::now() - std::chrono::hours(2));
  REQUIRE(DirectoryStore::open(f.root).ok());
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(fresh));  // may be a put in progress in another process
  CHECK(ev::s3::contract::data_of(*f.store, "x/y") == bytes_of("secret"));
}
