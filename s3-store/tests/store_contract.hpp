// The ObjectStore contract (object_store.hpp) as reusable checks over any implementation.
//
// Each check takes the store and a namespace `ns` (a key prefix ending in '/', unique to the
// run) and touches only keys under ns, removing what it wrote, so the same checks run against
// the directory store and against a shared S3 bucket. Call them from TEST_CASEs:
//
//   TEST_CASE("directory store: create_only race has one winner", "[store]") {
//     auto store = ...;
//     ev::s3::contract::create_only_race_has_one_winner(*store, "contract/");
//   }
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <string>
#include <thread>
#include <vector>

#include "ev/common/digest.hpp"
#include "ev/s3/md5.hpp"
#include "ev/s3/object_store.hpp"

namespace ev::s3::contract {

inline Bytes bytes_of(std::string_view s) { return Bytes(s.begin(), s.end()); }

// The content under key, which must exist.
inline Bytes data_of(ObjectStore& store, const std::string& key) {
  auto got = store.get(key);
  INFO("key: " << key);
  REQUIRE(got.ok());
  return std::move(got).value().data;
}

// Every key under prefix, paging with max_keys = page; checks each page's invariants.
inline std::vector<std::string> list_all(ObjectStore& store, const std::string& prefix,
                                         std::uint32_t page) {
  std::vector<std::string> keys;
  ListOptions opt;
  opt.prefix = prefix;
  opt.max_keys = page;
  for (int pages = 0; pages < 100000; ++pages) {
    auto r = store.list(opt);
    REQUIRE(r.ok());
    const ListPage& p = *r;
    CHECK(p.objects.size() <= std::min<std::size_t>(page, kMaxKeysPerCall));
    CHECK(p.truncated == !p.next_continuation_token.empty());
    if (p.truncated) CHECK(!p.objects.empty());
    for (const ListEntry& e : p.objects) {
      CHECK(e.key.starts_with(prefix));
      if (!keys.empty()) CHECK(keys.back() < e.key);
      keys.push_back(e.key);
    }
    if (!p.truncated) return keys;
    opt.continuation_token = p.next_continuation_token;
  }
  FAIL("listing never ended");
  return keys;
}

// Removes every key under ns (chunks of 1000).
inline void clean(ObjectStore& store, const std::string& ns) {
  const auto keys = list_all(store, ns, 1000);
  for (std::size_t i = 0; i < keys.size(); i += kMaxKeysPerCall) {
    const auto end = std::min(keys.size(), i + kMaxKeysPerCall);
    auto r = store.remove_many(std::vector<std::string>(keys.begin() + static_cast<long>(i),
                                                        keys.begin() + static_cast<long>(end)));
    REQUIRE(r.ok());
    CHECK(r->errors.empty());
  }
}

inline void put_then_get_returns_data_and_md5_etag(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "blob/one.enc";
  using namespace std::string_view_literals;
  const Bytes data = bytes_of("ciphertext \x00\x01\xff bytes"sv);
  auto put = store.put(key, data);
  REQUIRE(put.ok());
  CHECK(put->etag == etag_of(data));
  auto got = store.get(key);
  REQUIRE(got.ok());
  CHECK(got->data == data);
  CHECK(got->etag == put->etag);
  CHECK(got->size == data.size());
  clean(store, ns);
}

inline void empty_object_round_trips(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "empty";
  REQUIRE(store.put(key, {}).ok());
  auto got = store.get(key);
  REQUIRE(got.ok());
  CHECK(got->data.empty());
  CHECK(got->size == 0);
  CHECK(got->etag == etag_of({}));  // d41d8cd9...: MD5 of nothing
  clean(store, ns);
}

inline void missing_key_is_not_found(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "never/written";
  auto got = store.get(key);
  REQUIRE_FALSE(got.ok());
  CHECK(is(got.error(), Errc::NotFound));
  auto head = store.head(key);
  REQUIRE_FALSE(head.ok());
  CHECK(is(head.error(), Errc::NotFound));
}

inline void head_reports_size_etag_and_time(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "head-me";
  const Bytes data(4096, 0x5a);
  const auto before = std::chrono::system_clock::now();
  REQUIRE(store.put(key, data).ok());
  auto info = store.head(key);
  REQUIRE(info.ok());
  CHECK(info->size == data.size());
  CHECK(info->etag == etag_of(data));
  // Loose bounds: a remote server's clock and its one-second resolution may differ from ours.
  CHECK(info->last_modified > before - std::chrono::hours(24));
  CHECK(info->last_modified < before + std::chrono::hours(24));
  clean(store, ns);
}

inline void put_replaces_existing_object(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "replace";
  REQUIRE(store.put(key, bytes_of("first version")).ok());
  auto second = store.put(key, bytes_of("second"));
  REQUIRE(second.ok());
  auto got = store.get(key);
  REQUIRE(got.ok());
  CHECK(got->data == bytes_of("second"));
  CHECK(got->etag == second->etag);
  CHECK(got->size == 6);
  clean(store, ns);
}

inline void create_only_refuses_existing_key(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "once";
  PutOptions create;
  create.create_only = true;
  REQUIRE(store.put(key, bytes_of("original"), create).ok());
  auto again = store.put(key, bytes_of("intruder"), create);
  REQUIRE_FALSE(again.ok());
  CHECK(is(again.error(), Errc::PreconditionFailed));
  CHECK(data_of(store, key) == bytes_of("original"));
  clean(store, ns);
}

// N writers race to create one key: exactly one succeeds, the others fail with
// PreconditionFailed, and the stored content is the winner's.
inline void create_only_race_has_one_winner(ObjectStore& store, const std::string& ns,
                                            int writers = 8) {
  const std::string key = ns + "race/target";
  std::latch start(writers);
  std::atomic<int> winners{0};
  std::atomic<int> refused{0};
  std::atomic<int> winner_id{-1};
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i) {
    threads.emplace_back([&, i] {
      PutOptions create;
      create.create_only = true;
      const Bytes mine = bytes_of("writer " + std::to_string(i));
      start.arrive_and_wait();
      auto r = store.put(key, mine, create);
      if (r.ok()) {
        winners.fetch_add(1);
        winner_id.store(i);
      } else if (is(r.error(), Errc::PreconditionFailed)) {
        refused.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(winners.load() == 1);
  CHECK(refused.load() == writers - 1);
  CHECK(data_of(store, key) == bytes_of("writer " + std::to_string(winner_id.load())));
  clean(store, ns);
}

inline void if_match_selects_version(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "versioned";
  auto v1 = store.put(key, bytes_of("v1"));
  REQUIRE(v1.ok());
  GetOptions match;
  match.if_match = v1->etag;
  auto got = store.get(key, match);
  REQUIRE(got.ok());
  CHECK(got->data == bytes_of("v1"));
  match.if_match = "\"" + v1->etag + "\"";  // HTTP's quoted form is accepted too
  CHECK(store.get(key, match).ok());

  REQUIRE(store.put(key, bytes_of("v2")).ok());
  match.if_match = v1->etag;
  auto stale = store.get(key, match);
  REQUIRE_FALSE(stale.ok());
  CHECK(is(stale.error(), Errc::PreconditionFailed));
  clean(store, ns);
}

inline void remove_is_idempotent(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "dir/sub/gone";
  REQUIRE(store.put(key, bytes_of("x")).ok());
  REQUIRE(store.remove(key).ok());
  auto got = store.get(key);
  REQUIRE_FALSE(got.ok());
  CHECK(is(got.error(), Errc::NotFound));
  CHECK(store.remove(key).ok());
  CHECK(store.remove(ns + "never/existed").ok());
  CHECK(list_all(store, ns, 1000).empty());
}

inline void remove_many_removes_and_reports(ObjectStore& store, const std::string& ns) {
  for (const char* k : {"m/1", "m/2", "m/3", "keep"}) {
    REQUIRE(store.put(ns + k, bytes_of(k)).ok());
  }
  const std::string bad = ns + "m//bad";
  auto r = store.remove_many({ns + "m/1", ns + "m/2", ns + "m/missing", bad, ns + "m/3"});
  REQUIRE(r.ok());
  REQUIRE(r->errors.size() == 1);
  CHECK(r->errors[0].key == bad);
  CHECK(is(r->errors[0].error, Errc::InvalidKey));
  CHECK(list_all(store, ns, 1000) == std::vector<std::string>{ns + "keep"});
  CHECK(store.remove_many({}).ok());

  std::vector<std::string> too_many(kMaxKeysPerCall + 1, ns + "keep");
  auto over = store.remove_many(too_many);
  REQUIRE_FALSE(over.ok());
  CHECK(is(over.error(), Errc::InvalidArgument));
  CHECK(store.head(ns + "keep").ok());  // nothing removed
  clean(store, ns);
}

inline void digests_are_verified(ObjectStore& store, const std::string& ns) {
  const std::string key = ns + "digested";
  const Bytes data = bytes_of("payload");
  PutOptions good;
  good.content_md5 = md5(data);
  good.sha256 = ev::sha256(data);
  REQUIRE(store.put(key, data, good).ok());

  PutOptions bad_md5;
  bad_md5.content_md5 = md5(bytes_of("other"));
  auto r1 = store.put(ns + "bad-md5", data, bad_md5);
  REQUIRE_FALSE(r1.ok());
  CHECK(is(r1.error(), Errc::Corrupt));

  PutOptions bad_sha;
  bad_sha.sha256 = ev::sha256(bytes_of("other"));
  auto r2 = store.put(key, bytes_of("replacement"), bad_sha);
  REQUIRE_FALSE(r2.ok());
  CHECK(is(r2.error(), Errc::Corrupt));

  CHECK(list_all(store, ns, 1000) == std::vector<std::string>{key});
  CHECK(data_of(store, key) == data);  // the refused put changed nothing
  clean(store, ns);
}

inline void invalid_keys_are_rejected(ObjectStore& store, const std::string& ns) {
  const std::vector<std::string> bad = {"",
                                        "/absolute",
                                        ns + "a//b",
                                        ns + "trailing/",
                                        ns + "./a",
                                        ns + "a/../../escape",
                                        ns + "a/./b",
                                        ns + "..",
                                        ns + "a\\b",
                                        ns + "ctl\x01",
                                        ns + "nul" + std::string(1, '\0'),
                                        ns + "\xff",
                                        ns + "\xc0\xaf",
                                        ns + std::string(1025, 'k')};
  for (const std::string& key : bad) {
    INFO("key: " << key);
    auto p = store.put(key, bytes_of("x"));
    REQUIRE_FALSE(p.ok());
    CHECK(is(p.error(), Errc::InvalidKey));
    auto g = store.get(key);
    REQUIRE_FALSE(g.ok());
    CHECK(is(g.error(), Errc::InvalidKey));
    auto h = store.head(key);
    REQUIRE_FALSE(h.ok());
    CHECK(is(h.error(), Errc::InvalidKey));
    auto d = store.remove(key);
    REQUIRE_FALSE(d.ok());
    CHECK(is(d.error(), Errc::InvalidKey));
  }
  CHECK(list_all(store, ns, 1000).empty());
}

// A key and keys below it ("a" and "a/b") are independent objects, as in S3.
inline void key_and_its_children_coexist(ObjectStore& store, const std::string& ns) {
  REQUIRE(store.put(ns + "a", bytes_of("parent")).ok());
  REQUIRE(store.put(ns + "a/b", bytes_of("child")).ok());
  REQUIRE(store.put(ns + "a/b/c", bytes_of("grandchild")).ok());
  CHECK(data_of(store, ns + "a") == bytes_of("parent"));
  CHECK(data_of(store, ns + "a/b") == bytes_of("child"));
  REQUIRE(store.remove(ns + "a/b").ok());
  CHECK(data_of(store, ns + "a/b/c") == bytes_of("grandchild"));
  CHECK(list_all(store, ns, 1000) == std::vector<std::string>{ns + "a", ns + "a/b/c"});
  clean(store, ns);
}

// Listing is in byte order of the key, whatever the characters (UTF-8 after ASCII, '/' between
// '.' and '0', '%' and '+' literal).
inline void list_order_is_bytewise(ObjectStore& store, const std::string& ns) {
  std::vector<std::string> keys = {"a",
                                   "a-b",
                                   "a.b",
                                   "a/b",
                                   "a/b/c",
                                   "a0",
                                   "aB",
                                   "a~",
                                   "A",
                                   "0x/y",
                                   "z",
                                   "\xc3\xa9t\xc3\xa9",
                                   "sp ace",
                                   "100%",
                                   "1+1=2",
                                   "$cash",
                                   "\xe2\x82\xac/x",
                                   "x&y",
                                   "q?r",
                                   "#hash"};
  for (auto& k : keys) {
    k = ns + k;
    REQUIRE(store.put(k, bytes_of(k)).ok());
  }
  std::sort(keys.begin(), keys.end());
  CHECK(list_all(store, ns, 1000) == keys);
  CHECK(list_all(store, ns, 3) == keys);
  for (const auto& k : keys) CHECK(data_of(store, k) == bytes_of(k));
  clean(store, ns);
}

// More keys than one page holds: every key exactly once, in order, whatever the page size;
// max_keys above 1000 is treated as 1000.
inline void list_pages_over_many_keys(ObjectStore& store, const std::string& ns, int count = 1100,
                                      int writers = 4) {
  std::vector<std::string> keys;
  for (int i = 0; i < count; ++i) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s/%05d", (i % 3 == 0 ? "p" : "q"), i);
    keys.push_back(ns + buf);
  }
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = static_cast<std::size_t>(w); i < keys.size();
           i += static_cast<std::size_t>(writers)) {
        if (!store.put(keys[i], bytes_of(keys[i])).ok()) failures.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  REQUIRE(failures.load() == 0);
  std::sort(keys.begin(), keys.end());

  CHECK(list_all(store, ns, 1000) == keys);
  CHECK(list_all(store, ns, 250) == keys);
  ListOptions big;
  big.prefix = ns;
  big.max_keys = 5000;
  auto first = store.list(big);
  REQUIRE(first.ok());
  // At most 1,000 keys per page. S3 may return fewer, never more, and says more follow (RGW
  // once answered 968 and 970 keys here, on a loaded machine).
  CHECK(first->objects.size() <= kMaxKeysPerCall);
  CHECK(first->truncated);
  CHECK(list_all(store, ns, 5000) == keys);
  for (const ListEntry& e : first->objects) {
    CHECK(e.info.size == e.key.size());
    CHECK(e.info.etag == etag_of(as_bytes(e.key)));
  }
  clean(store, ns);
}

inline void list_honours_prefix_and_start_after(ObjectStore& store, const std::string& ns) {
  const std::vector<std::string> all = {"e/0000000001/x", "e/0000000001/y", "e/0000000002/x",
                                        "e/0000000010/x", "f/0000000001/x"};
  for (const auto& k : all) REQUIRE(store.put(ns + k, bytes_of(k)).ok());
  CHECK(list_all(store, ns + "e/0000000001/", 1000) ==
        std::vector<std::string>{ns + "e/0000000001/x", ns + "e/0000000001/y"});
  CHECK(list_all(store, ns + "e/000000000", 1) == std::vector<std::string>{ns + "e/0000000001/x",
                                                                           ns + "e/0000000001/y",
                                                                           ns + "e/0000000002/x"});
  CHECK(list_all(store, ns + "nothing/", 10).empty());

  ListOptions opt;
  opt.prefix = ns + "e/";
  opt.start_after = ns + "e/0000000001/y";
  auto page = store.list(opt);
  REQUIRE(page.ok());
  REQUIRE(page->objects.size() == 2);
  CHECK(page->objects[0].key == ns + "e/0000000002/x");
  CHECK(page->objects[1].key == ns + "e/0000000010/x");
  CHECK_FALSE(page->truncated);

  opt.start_after = ns + "e/0000000001";  // not itself a key: keys after it
  page = store.list(opt);
  REQUIRE(page.ok());
  CHECK(page->objects.size() == 4);
  clean(store, ns);
}

inline void list_rejects_bad_options(ObjectStore& store, const std::string& ns) {
  ListOptions zero;
  zero.prefix = ns;
  zero.max_keys = 0;
  auto r = store.list(zero);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::InvalidArgument));
  ListOptions bad_prefix;
  bad_prefix.prefix = ns + "a//";
  r = store.list(bad_prefix);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::InvalidArgument));
}

// Every check above, in order.
inline void run_all(ObjectStore& store, const std::string& ns) {
  put_then_get_returns_data_and_md5_etag(store, ns);
  empty_object_round_trips(store, ns);
  missing_key_is_not_found(store, ns);
  head_reports_size_etag_and_time(store, ns);
  put_replaces_existing_object(store, ns);
  create_only_refuses_existing_key(store, ns);
  create_only_race_has_one_winner(store, ns);
  if_match_selects_version(store, ns);
  remove_is_idempotent(store, ns);
  remove_many_removes_and_reports(store, ns);
  digests_are_verified(store, ns);
  invalid_keys_are_rejected(store, ns);
  key_and_its_children_coexist(store, ns);
  list_order_is_bytewise(store, ns);
  list_pages_over_many_keys(store, ns);
  list_honours_prefix_and_start_after(store, ns);
  list_rejects_bad_options(store, ns);
}

}  // namespace ev::s3::contract
