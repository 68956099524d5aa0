#include "ev/devnode/chain_store.hpp"

#include <sqlite3.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "test_support.hpp"

using ev::Bytes;
using ev::devnode::BlockHash;
using ev::devnode::BlockRecord;
using ev::devnode::ChainStore;
using ev::devnode::StoreErrc;

namespace {

Bytes b(std::initializer_list<int> v) {
  Bytes out;
  for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
  return out;
}

Bytes s(std::string_view text) { return Bytes(text.begin(), text.end()); }

BlockHash hash_for(std::uint32_t n) {
  BlockHash h{};
  h[0] = 0xab;
  h[28] = static_cast<std::uint8_t>(n >> 24);
  h[29] = static_cast<std::uint8_t>(n >> 16);
  h[30] = static_cast<std::uint8_t>(n >> 8);
  h[31] = static_cast<std::uint8_t>(n);
  return h;
}

BlockRecord block(std::uint32_t n, ev::devnode::StorageChanges changes = {}) {
  BlockRecord r;
  r.number = n;
  r.hash = hash_for(n);
  r.parent = n == 0 ? BlockHash{} : hash_for(n - 1);
  r.header = s("header-" + std::to_string(n));
  r.extrinsics = {s("xt-a-" + std::to_string(n)), s("xt-b-" + std::to_string(n))};
  r.changes = std::move(changes);
  return r;
}

std::unique_ptr<ChainStore> memory() {
  auto st = ChainStore::open_memory();
  REQUIRE(st.ok());
  return std::move(st).value();
}

// Genesis {a=1, b=2, c=3}; block 1: a=10, b deleted, d=4; block 2: b=20, c deleted.
void build_history(ChainStore& st) {
  REQUIRE(st.commit_block(block(0, {{s("a"), s("1")}, {s("b"), s("2")}, {s("c"), s("3")}})).ok());
  REQUIRE(st.commit_block(block(1, {{s("a"), s("10")}, {s("b"), std::nullopt}, {s("d"), s("4")}}))
              .ok());
  REQUIRE(st.commit_block(block(2, {{s("b"), s("20")}, {s("c"), std::nullopt}})).ok());
}

std::optional<Bytes> at(const ChainStore& st, std::string_view key, std::uint32_t n) {
  auto r = st.get(s(key), n);
  REQUIRE(r.ok());
  return *r;
}

}  // namespace

TEST_CASE("chain store: an empty store has no best block and no state", "[chain-store]") {
  auto st = memory();
  auto best = st->best();
  REQUIRE(best.ok());
  CHECK_FALSE(best->has_value());
  CHECK_FALSE(at(*st, "a", 0).has_value());
  auto h = st->hash_of(0);
  REQUIRE(h.ok());
  CHECK_FALSE(h->has_value());
}

TEST_CASE("chain store: storage reads the state at any block", "[chain-store]") {
  auto st = memory();
  build_history(*st);
  CHECK(at(*st, "a", 0) == s("1"));
  CHECK(at(*st, "a", 1) == s("10"));
  CHECK(at(*st, "a", 2) == s("10"));
  CHECK(at(*st, "b", 0) == s("2"));
  CHECK_FALSE(at(*st, "b", 1).has_value());
  CHECK(at(*st, "b", 2) == s("20"));
  CHECK(at(*st, "c", 1) == s("3"));
  CHECK_FALSE(at(*st, "c", 2).has_value());
  CHECK_FALSE(at(*st, "d", 0).has_value());
  CHECK(at(*st, "d", 1) == s("4"));
  CHECK(at(*st, "d", 99) == s("4"));  // beyond the best block: the best state
}

TEST_CASE("chain store: an empty value is a value, not a deletion", "[chain-store]") {
  auto st = memory();
  REQUIRE(st->commit_block(block(0, {{s("k"), Bytes{}}})).ok());
  auto v = at(*st, "k", 0);
  REQUIRE(v.has_value());
  CHECK(v->empty());
}

TEST_CASE("chain store: blocks by hash and number, with their extrinsics in order",
          "[chain-store]") {
  auto st = memory();
  build_history(*st);
  auto best = st->best();
  REQUIRE(best.ok());
  REQUIRE(best->has_value());
  CHECK((*best)->number == 2);
  CHECK((*best)->hash == hash_for(2));
  auto h1 = st->hash_of(1);
  REQUIRE(h1.ok());
  CHECK(*h1 == hash_for(1));
  auto n = st->number_of(hash_for(1));
  REQUIRE(n.ok());
  CHECK(*n == 1u);
  auto blk = st->block(hash_for(1));
  REQUIRE(blk.ok());
  REQUIRE(blk->has_value());
  CHECK((*blk)->number == 1);
  CHECK((*blk)->parent == hash_for(0));
  CHECK((*blk)->header == s("header-1"));
  REQUIRE((*blk)->extrinsics.size() == 2);
  CHECK((*blk)->extrinsics[0] == s("xt-a-1"));
  CHECK((*blk)->extrinsics[1] == s("xt-b-1"));
  auto hdr = st->header(hash_for(2));
  REQUIRE(hdr.ok());
  CHECK(*hdr == s("header-2"));
  auto missing = st->block(hash_for(7));
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->has_value());
  auto missing_header = st->header(hash_for(7));
  REQUIRE(missing_header.ok());
  CHECK_FALSE(missing_header->has_value());
}

TEST_CASE("chain store: keys_paged pages by prefix, start key and block", "[chain-store]") {
  auto st = memory();
  REQUIRE(st->commit_block(block(0, {{s("p1"), s("x")},
                                     {s("p2"), s("x")},
                                     {s("p3"), s("x")},
                                     {s("q1"), s("x")},
                                     {s("o9"), s("x")}}))
              .ok());
  REQUIRE(st->commit_block(block(1, {{s("p2"), std::nullopt}, {s("p4"), s("y")}})).ok());

  auto page = st->keys_paged(s("p"), 2, {}, 0);
  REQUIRE(page.ok());
  CHECK(*page == std::vector<Bytes>{s("p1"), s("p2")});
  page = st->keys_paged(s("p"), 2, s("p2"), 0);  // start key is exclusive
  REQUIRE(page.ok());
  CHECK(*page == std::vector<Bytes>{s("p3")});
  page = st->keys_paged(s("p"), 10, {}, 1);  // p2 deleted, p4 added at block 1
  REQUIRE(page.ok());
  CHECK(*page == std::vector<Bytes>{s("p1"), s("p3"), s("p4")});
  page = st->keys_paged({}, 100, {}, 0);  // empty prefix: everything
  REQUIRE(page.ok());
  CHECK(page->size() == 5);
  page = st->keys_paged(s("p"), 0, {}, 1);
  REQUIRE(page.ok());
  CHECK(page->empty());
}

TEST_CASE("chain store: a prefix ending in 0xff bytes bounds its range correctly",
          "[chain-store]") {
  auto st = memory();
  REQUIRE(st->commit_block(block(0, {{b({0x01, 0xff}), s("a")},
                                     {b({0x01, 0xff, 0x00}), s("b")},
                                     {b({0x01, 0xff, 0xff}), s("c")},
                                     {b({0x02}), s("d")},
                                     {b({0xff, 0xff}), s("e")}}))
              .ok());
  auto page = st->keys_paged(b({0x01, 0xff}), 10, {}, 0);
  REQUIRE(page.ok());
  CHECK(*page == std::vector<Bytes>{b({0x01, 0xff}), b({0x01, 0xff, 0x00}), b({0x01, 0xff, 0xff})});
  page = st->keys_paged(b({0xff}), 10, {}, 0);
  REQUIRE(page.ok());
  CHECK(*page == std::vector<Bytes>{b({0xff, 0xff})});
}

TEST_CASE("chain store: pairs returns the live values under a prefix", "[chain-store]") {
  auto st = memory();
  build_history(*st);
  auto all = st->pairs({}, 1);
  REQUIRE(all.ok());
  using P = std::pair<Bytes, Bytes>;
  CHECK(*all == std::vector<P>{{s("a"), s("10")}, {s("c"), s("3")}, {s("d"), s("4")}});
  all = st->pairs(s("b"), 2);
  REQUIRE(all.ok());
  CHECK(*all == std::vector<P>{{s("b"), s("20")}});
}

TEST_CASE("chain store: commit_block refuses a block that does not extend the chain",
          "[chain-store]") {
  auto st = memory();
  auto first = st->commit_block(block(1));
  REQUIRE_FALSE(first.ok());
  CHECK(ev::is(first.error(), StoreErrc::InvalidBlock));
  build_history(*st);

  auto gap = st->commit_block(block(4, {{s("a"), s("bad")}}));
  REQUIRE_FALSE(gap.ok());
  CHECK(ev::is(gap.error(), StoreErrc::InvalidBlock));
  CHECK(gap.error().message.find("does not follow best block 2") != std::string::npos);

  BlockRecord wrong_parent = block(3, {{s("a"), s("bad")}});
  wrong_parent.parent = hash_for(1);
  auto wp = st->commit_block(wrong_parent);
  REQUIRE_FALSE(wp.ok());
  CHECK(ev::is(wp.error(), StoreErrc::InvalidBlock));

  BlockRecord dup = block(3, {{s("a"), s("bad")}});
  dup.hash = hash_for(1);
  auto d = st->commit_block(dup);
  REQUIRE_FALSE(d.ok());
  CHECK(ev::is(d.error(), StoreErrc::InvalidBlock));

  // Nothing of the refused blocks was written.
  CHECK(at(*st, "a", 3) == s("10"));
  auto best = st->best();
  REQUIRE(best.ok());
  CHECK((*best)->number == 2);
  REQUIRE(st->commit_block(block(3, {{s("a"), s("30")}})).ok());
  CHECK(at(*st, "a", 3) == s("30"));
}

TEST_CASE("chain store: meta values are stored and replaced", "[chain-store]") {
  auto st = memory();
  auto none = st->get_meta("genesis");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  REQUIRE(st->set_meta("genesis", b({1, 2, 3})).ok());
  REQUIRE(st->set_meta("chain", s("Development")).ok());
  REQUIRE(st->set_meta("genesis", b({4})).ok());
  auto g = st->get_meta("genesis");
  REQUIRE(g.ok());
  CHECK(*g == b({4}));
  auto c = st->get_meta("chain");
  REQUIRE(c.ok());
  CHECK(*c == s("Development"));
}

TEST_CASE("chain store: a file store survives close and reopen", "[chain-store]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "chain.sqlite").string();
  {
    auto st = ChainStore::open(path);
    REQUIRE(st.ok());
    build_history(**st);
    REQUIRE((*st)->set_meta("chain", s("Development")).ok());
  }
  {
    auto st = ChainStore::open(path);
    REQUIRE(st.ok());
    auto best = (*st)->best();
    REQUIRE(best.ok());
    CHECK((*best)->number == 2);
    CHECK(at(**st, "a", 0) == s("1"));
    CHECK(at(**st, "b", 2) == s("20"));
    CHECK_FALSE(at(**st, "b", 1).has_value());
    REQUIRE((*st)->commit_block(block(3, {{s("e"), s("5")}})).ok());
  }
  auto st = ChainStore::open(path);
  REQUIRE(st.ok());
  CHECK(at(**st, "e", 3) == s("5"));
  CHECK_FALSE(at(**st, "e", 2).has_value());
  auto meta = (*st)->get_meta("chain");
  REQUIRE(meta.ok());
  CHECK(*meta == s("Development"));
}

namespace {
void make_sqlite_file(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_close(db) == SQLITE_OK);
}
}  // namespace

TEST_CASE("chain store: a store from a newer schema is refused with a message", "[chain-store]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "chain.sqlite").string();
  { REQUIRE(ChainStore::open(path).ok()); }
  make_sqlite_file(path, "PRAGMA user_version = 2");
  auto st = ChainStore::open(path);
  REQUIRE_FALSE(st.ok());
  CHECK(ev::is(st.error(), StoreErrc::SchemaTooNew));
  CHECK(st.error().message.find("schema version 2") != std::string::npos);
}

TEST_CASE("chain store: another application's database is refused", "[chain-store]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "other.sqlite").string();
  make_sqlite_file(path, "CREATE TABLE t (x INTEGER)");
  auto st = ChainStore::open(path);
  REQUIRE_FALSE(st.ok());
  CHECK(ev::is(st.error(), StoreErrc::NotAStore));
}

TEST_CASE("chain store: opening in a missing folder is an SQLite error", "[chain-store]") {
  ev::test::TempDir dir;
  auto st = ChainStore::open((dir.path() / "no" / "such" / "chain.sqlite").string());
  REQUIRE_FALSE(st.ok());
  CHECK(ev::is(st.error(), StoreErrc::Sqlite));
}

TEST_CASE("chain store: readers run alongside a writer", "[chain-store]") {
  auto st = memory();
  REQUIRE(st->commit_block(block(0, {{s("n"), s("0")}})).ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0};
  std::thread reader([&] {
    while (!done) {
      auto best = st->best();
      if (!best.ok() || !best->has_value()) {
        ++bad;
        continue;
      }
      auto v = st->get(s("n"), (*best)->number);
      if (!v.ok() || *v != s(std::to_string((*best)->number))) ++bad;
    }
  });
  for (std::uint32_t n = 1; n <= 200; ++n) {
    REQUIRE(st->commit_block(block(n, {{s("n"), s(std::to_string(n))}})).ok());
  }
  done = true;
  reader.join();
  CHECK(bad == 0);
}
