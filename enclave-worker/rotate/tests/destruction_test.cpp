// The destruction steps of epochvault-rotate, each on its own, on a directory store (no chain).
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "ev/common/digest.hpp"
#include "ev/enclave/platform.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/worker/blobs.hpp"
#include "ev/worker/destruction.hpp"
#include "test_support.hpp"

using namespace ev;
using namespace ev::worker;

namespace {

AccountId wallet(std::uint8_t b) {
  AccountId w{};
  w.fill(b);
  return w;
}

struct Fixture {
  test::TempDir dir;
  std::unique_ptr<s3::ObjectStore> store =
      s3::open_store("file://" + (dir.path() / "store").string()).value();
  enclave::SystemRng rng;

  std::string put_blob(const AccountId& w, const std::string& service, Epoch e,
                       const std::string& body) {
    const std::string key = blob_key("", w, service, e, new_blob_id(rng).value()).value();
    REQUIRE(store->put(key, as_bytes(body)).ok());
    return key;
  }
  bool exists(const std::string& key) { return store->get(key).ok(); }
};

// Fails chosen requests as a whole, or names chosen keys as not deleted.
class FlakyDeletes final : public s3::ObjectStore {
 public:
  explicit FlakyDeletes(s3::ObjectStore& inner) : inner_(inner) {}
  Result<s3::PutResult> put(std::string_view key, ByteSpan data,
                            const s3::PutOptions& options) override {
    return inner_.put(key, data, options);
  }
  Result<s3::Object> get(std::string_view key, const s3::GetOptions& options) override {
    ++gets;
    return inner_.get(key, options);
  }
  Result<s3::ObjectInfo> head(std::string_view key) override { return inner_.head(key); }
  Result<void> remove(std::string_view key) override { return inner_.remove(key); }
  Result<s3::RemoveManyResult> remove_many(const std::vector<std::string>& keys) override {
    if (fail_whole) {
      if (delete_anyway) (void)inner_.remove_many(keys);
      return make_error(s3::Errc::Transient, "connection reset while reading the answer");
    }
    std::vector<std::string> sent;
    s3::RemoveManyResult out;
    for (const auto& k : keys) {
      if (refuse.count(k) != 0) {
        out.errors.push_back({k, make_error(s3::Errc::AccessDenied, "refused")});
      } else {
        sent.push_back(k);
      }
    }
    EV_TRY(inner_.remove_many(sent));
    return out;
  }
  Result<s3::ListPage> list(const s3::ListOptions& options) override {
    return inner_.list(options);
  }

  bool fail_whole = false;
  bool delete_anyway = false;
  std::set<std::string> refuse;
  int gets = 0;

 private:
  s3::ObjectStore& inner_;
};

}  // namespace

TEST_CASE("destruction list: every blob key of the epoch, across services, nothing else",
          "[rotate]") {
  Fixture f;
  const AccountId w = wallet(7);
  std::set<std::string> want;
  for (const char* service : {"svc", "svc.x", "svc0", "mail"}) {
    want.insert(f.put_blob(w, service, 3, "old"));
    f.put_blob(w, service, 4, "current");  // another epoch: never listed
  }
  f.put_blob(wallet(8), "svc", 3, "another wallet");
  const std::string base = to_hex(w) + "/";
  for (const auto& foreign : {base + "readme", base + "svc/0000000003/not-a-blob"}) {
    REQUIRE(f.store->put(foreign, as_bytes("not ours")).ok());
  }
  const auto keys = list_epoch_objects(*f.store, "", w, 3).value();
  CHECK(std::set<std::string>(keys.begin(), keys.end()) == want);
  CHECK(keys.size() == want.size());
  CHECK(list_epoch_objects(*f.store, "", w, 9).value().empty());
}

TEST_CASE("destruction verify: cached hashes are used as they are, others read, missing ones left",
          "[rotate]") {
  Fixture f;
  FlakyDeletes store(*f.store);
  const AccountId w = wallet(1);
  const std::string cached = f.put_blob(w, "svc", 1, "cached object");
  const std::string read = f.put_blob(w, "svc", 1, "read now");
  const std::string gone = blob_key("", w, "svc", 1, new_blob_id(f.rng).value()).value();
  const vault::Hash256 remembered = sha256(as_bytes("what the sweep verified"));
  const auto hashes =
      object_hashes(store, {cached, read, gone}, {{cached, remembered}}, /*concurrency=*/2);
  REQUIRE(hashes.size() == 3);
  CHECK(hashes[0] == remembered);  // not re-read: the cache is trusted as the sweep's check
  CHECK(hashes[1] == sha256(as_bytes("read now")));
  CHECK_FALSE(hashes[2].has_value());
  CHECK(store.gets == 2);
}

TEST_CASE(
    "destruction delete: refused keys and keys without a hash stay; a request lost as a "
    "whole leaves its keys pending",
    "[rotate]") {
  Fixture f;
  FlakyDeletes store(*f.store);
  const AccountId w = wallet(2);
  std::vector<std::string> keys;
  for (int i = 0; i < 4; ++i)
    keys.push_back(f.put_blob(w, "svc", 1, "object " + std::to_string(i)));
  std::vector<std::optional<vault::Hash256>> hashes;
  for (const auto& k : keys) hashes.emplace_back(sha256(f.store->get(k).value().data));
  hashes[3].reset();  // unreadable this round: not deleted
  store.refuse = {keys[1]};

  const DeletionRound r = delete_objects(store, keys, hashes, 2);
  CHECK(r.maybe.empty());
  REQUIRE(r.deleted.size() == 2);
  std::set<std::string> deleted;
  for (const auto& [k, h] : r.deleted) deleted.insert(k);
  CHECK(deleted == std::set<std::string>{keys[0], keys[2]});
  CHECK_FALSE(f.exists(keys[0]));
  CHECK(f.exists(keys[1]));
  CHECK_FALSE(f.exists(keys[2]));
  CHECK(f.exists(keys[3]));

  // A request whose answer was lost after it deleted: nothing counted, everything pending; the
  // next listing settles it.
  store.refuse.clear();
  store.fail_whole = true;
  store.delete_anyway = true;
  const DeletionRound lost = delete_objects(store, {keys[1]}, {hashes[1]}, 1);
  CHECK(lost.deleted.empty());
  REQUIRE(lost.maybe.size() == 1);
  CHECK(lost.maybe.at(keys[1]) == *hashes[1]);
  const auto listed = list_epoch_objects(*f.store, "", w, 1).value();
  CHECK(listed == std::vector<std::string>{keys[3]});
  const DeletedObjects settled = settle_maybe(lost.maybe, listed);
  REQUIRE(settled.size() == 1);
  CHECK(settled[0].first == keys[1]);
  // A key still listed is not counted: it is deleted again in the next round.
  CHECK(settle_maybe({{keys[3], *hashes[0]}}, listed).empty());
}

TEST_CASE("destruction record: count and digest over the deleted objects, in key order",
          "[rotate]") {
  const AccountId w = wallet(3);
  const vault::Hash256 h1 = sha256(as_bytes("one"));
  const vault::Hash256 h2 = sha256(as_bytes("two"));
  const DeletedObjects a = {{"b-key", h2}, {"a-key", h1}};
  const DeletedObjects b = {{"a-key", h1}, {"b-key", h2}};
  const auto call = destruction_record(w, 5, a);
  CHECK(call.wallet == w);
  CHECK(call.epoch == 5);
  CHECK(call.objects_deleted == 2);
  CHECK(call.deletion_digest == deletion_digest(b));  // order of deletion does not matter
  // The digest by its definition: u32 LE key length ‖ key ‖ SHA-256, sorted by key.
  Bytes buf;
  for (const auto& [k, h] : b) {
    const auto n = static_cast<std::uint32_t>(k.size());
    for (int i = 0; i < 4; ++i) buf.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    buf.insert(buf.end(), k.begin(), k.end());
    buf.insert(buf.end(), h.begin(), h.end());
  }
  CHECK(call.deletion_digest == sha256(buf));
  const auto empty = destruction_record(w, 6, {});
  CHECK(empty.objects_deleted == 0);
  CHECK(empty.deletion_digest == sha256(ByteSpan{}));
}
