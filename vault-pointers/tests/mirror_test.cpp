// The SQLite mirror against a chain simulated with the pallet's own state transition: every
// block is a snapshot of MemoryState after dispatching real calls, its events the events the
// pallet emitted (SCALE fields exactly as on chain).
#include "ev/vault/mirror.hpp"

#include <sqlite3.h>
#include <catch2/catch.hpp>

#include "ev/chain/hash.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/pallet.hpp"
#include "ev/vault/state.hpp"
#include "registry_test_helpers.hpp"
#include "test_support.hpp"
#include "vault_test_helpers.hpp"

namespace {

using namespace ev::vault;  // NOLINT(google-build-using-namespace)
using ev::Bytes;
using ev::chain::H256;

using ev::vault::test::blob;
AccountId account(std::uint8_t b) { return ev::vault::test::acct(b); }

template <class T>
T value(ev::Result<T> r) {
  if (!r) FAIL(r.error().to_string());
  return std::move(r).value();
}

// A finalized-only chain: block n = (hash, state after block n, events of block n).
class FakeChain final : public ChainSource {
 public:
  // Its genesis enables dev mode (simulated attestations), as `epochvault dev` does.
  explicit FakeChain(std::uint8_t genesis_tag = 0) : genesis_tag_(genesis_tag) {
    state_.put(attestation_config_key(), ev::scale::encode(dev_attestation_config()));
    seal({});
  }

  // Dispatches (origin, call) pairs into one new block; every call must succeed.
  void block(const std::vector<std::pair<Origin, Call>>& calls) {
    std::vector<Event> events;
    for (const auto& [origin, call] : calls) {
      DispatchContext ctx{state_, static_cast<BlockNumber>(blocks_.size()), events};
      auto out = dispatch(call, origin, ctx);
      REQUIRE(out.ok());
      if (!out->ok()) FAIL("dispatch of " << call_name(call) << " failed");
    }
    seal(events);
  }

  ev::Result<H256> genesis_hash() override { return blocks_[0].hash; }
  ev::Result<std::uint64_t> finalized_number() override { return blocks_.size() - 1; }
  ev::Result<H256> block_hash(std::uint64_t n) override {
    if (n >= blocks_.size()) return ev::make_error(MirrorErrc::ChainData, "no such block");
    return blocks_[n].hash;
  }
  ev::Result<std::vector<ev::chain::EventRecord>> events(const H256& h) override {
    return find(h).events;
  }
  ev::Result<std::optional<Bytes>> storage(ev::ByteSpan key, const H256& h) override {
    const auto& kv = find(h).state;
    auto it = kv.find(Bytes(key.begin(), key.end()));
    if (it == kv.end()) return std::optional<Bytes>{};
    return std::optional<Bytes>(it->second);
  }
  ev::Result<std::vector<Bytes>> keys(ev::ByteSpan prefix, const H256& h) override {
    std::vector<Bytes> out;
    for (const auto& [k, v] : find(h).state) {
      if (k.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), k.begin())) {
        out.push_back(k);
      }
    }
    return out;
  }
  std::size_t event_total() const {
    std::size_t n = 0;
    for (const auto& b : blocks_) n += b.events.size();
    return n;
  }

 private:
  struct Block {
    H256 hash{};
    std::map<Bytes, Bytes> state;
    std::vector<ev::chain::EventRecord> events;
  };
  const Block& find(const H256& h) const {
    for (const auto& b : blocks_) {
      if (b.hash == h) return b;
    }
    FAIL("unknown block hash");
    return blocks_[0];
  }
  void seal(const std::vector<Event>& events) {
    Block b;
    Bytes seed = {genesis_tag_, static_cast<std::uint8_t>(blocks_.size())};
    b.hash = ev::chain::blake2_256(seed);
    b.state = state_.entries();
    // A non-pallet event first, as a real block has (System events are skipped by the mirror).
    ev::chain::EventRecord sys;
    sys.pallet = "System";
    sys.name = "ExtrinsicSuccess";
    b.events.push_back(sys);
    for (const auto& e : events) {
      ev::chain::EventRecord r;
      r.phase = ev::chain::EventRecord::Phase::ApplyExtrinsic;
      r.pallet = "VaultPointers";
      r.name = std::string(event_name(e));
      r.event_index = event_index(e);
      r.fields = encode_event_fields(e);
      r.value = nlohmann::json::object({{"event", r.name}});
      b.events.push_back(std::move(r));
    }
    blocks_.push_back(std::move(b));
  }

  std::uint8_t genesis_tag_;
  MemoryState state_;
  std::vector<Block> blocks_;
};

const AccountId kWallet = account(1);
const AccountId kAgentA = account(2);
const AccountId kAgentB = account(3);
const AccountId kServe = account(4);
const AccountId kRotate = account(5);

Measurement measurement(const char* s) { return ev::vault::test::meas48(s); }
// register_worker with a simulated attestation made for `who` (the pallet sees a zero genesis
// hash here: the dispatch context carries none).
RegisterWorker registration(const AccountId& who, Role r, const Measurement& m) {
  return RegisterWorker{r, m, ev::vault::test::sim_evidence(who, H256{}, m)};
}
ServiceName service(const char* s) { return value(ServiceName::from(std::string_view(s))); }
WrappedDek dek(std::uint8_t b) { return value(WrappedDek::from(Bytes(60, b))); }

// The story of a wallet: workers approved and registered, two agents, blobs written, one
// agent revoked, rotation, re-encryption, removal and destruction of the old epoch.
void play_story(FakeChain& chain) {
  const Origin root = Origin::root();
  chain.block({{root, ApproveMeasurement{measurement("serve-m"), Role::Serve}},
               {root, ApproveMeasurement{measurement("rotate-m"), Role::Rotate}}});
  chain.block(
      {{Origin::signed_by(kServe), registration(kServe, Role::Serve, measurement("serve-m"))},
       {Origin::signed_by(kRotate), registration(kRotate, Role::Rotate, measurement("rotate-m"))}});
  ServiceList mail = value(ServiceList::from({service("mail")}));
  chain.block(
      {{Origin::signed_by(kWallet), AuthorizeAgent{kAgentA, mail, Access::ReadWrite}},
       {Origin::signed_by(kWallet), AuthorizeAgent{kAgentB, ServiceList{}, Access::ReadWrite}}});
  chain.block({{Origin::signed_by(kServe), OpenEpoch{kWallet, dek(1)}}});
  H256 h1{};
  h1.fill(0x11);
  chain.block({{Origin::signed_by(kServe),
                RegisterBlob{kWallet, blob(1), service("mail"), kAgentA, 1, h1, 100, {}, {}}},
               {Origin::signed_by(kServe),
                RegisterBlob{kWallet, blob(2), service("bank"), kAgentB, 1, h1, 200, {}, {}}}});
  chain.block({{Origin::signed_by(kWallet), RevokeAgent{kAgentA}}});
  chain.block({{Origin::signed_by(kRotate), RotateEpoch{kWallet, 1, dek(2), Revocation{kAgentA}}}});
  H256 h2{};
  h2.fill(0x22);
  chain.block({{Origin::signed_by(kRotate), ReencryptBlob{kWallet, blob(2), 1, 2, h2, 201}},
               {Origin::signed_by(kRotate), RemoveBlob{kWallet, blob(1)}}});
  H256 digest{};
  digest.fill(0x33);
  chain.block({{Origin::signed_by(kRotate), DestroyEpoch{kWallet, 1, 2, digest}}});
}

}  // namespace

TEST_CASE("mirror: follows a chain and equals its state, entry by entry", "[mirror]") {
  FakeChain chain;
  play_story(chain);
  auto m = value(Mirror::open(":memory:"));
  REQUIRE(value(m->sync(chain)) == 10);  // genesis + 9 blocks
  REQUIRE(value(m->verify(chain)).empty());
  REQUIRE(value(m->event_count()) == chain.event_total() - 10);  // minus one System event a block

  auto ep = value(m->epoch(kWallet));
  REQUIRE(ep.has_value());
  REQUIRE(ep->current == 2);
  REQUIRE(std::holds_alternative<Revocation>(ep->reason));
  REQUIRE_FALSE(value(m->pointer(kWallet, blob(1))).has_value());  // removed
  auto p2 = value(m->pointer(kWallet, blob(2)));
  REQUIRE(p2.has_value());
  REQUIRE(p2->epoch == 2);
  REQUIRE(p2->size == 201);
  REQUIRE(value(m->pointers(kWallet)).size() == 1);
  auto grant = value(m->grant(kWallet, kAgentA));
  REQUIRE(grant.has_value());
  REQUIRE(grant->revoked_at.has_value());
  REQUIRE_FALSE(value(m->dek_present(kWallet, 1)));  // destroyed
  REQUIRE(value(m->dek_present(kWallet, 2)));
  REQUIRE(value(m->sync(chain)) == 0);  // nothing new
}

TEST_CASE("mirror: resumes after a restart from its last block", "[mirror]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "mirror.db").string();
  FakeChain chain;
  play_story(chain);
  {
    auto m = value(Mirror::open(path));
    REQUIRE(value(m->sync(chain, 4)) == 5);
    REQUIRE(value(m->last_block())->number == 4);
  }
  auto m = value(Mirror::open(path));
  REQUIRE(value(m->last_block())->number == 4);
  REQUIRE(value(m->sync(chain)) == 5);
  REQUIRE(value(m->verify(chain)).empty());

  auto fresh = value(Mirror::open(":memory:"));
  REQUIRE(value(fresh->sync(chain)) == 10);
  REQUIRE(value(fresh->dump_state()) == value(m->dump_state()));
}

TEST_CASE("mirror: a rebuilt mirror equals the incrementally built one", "[mirror]") {
  FakeChain chain;
  auto m = value(Mirror::open(":memory:"));
  // Incremental: sync after every block of the story.
  const Origin root = Origin::root();
  chain.block({{root, ApproveMeasurement{measurement("m1"), Role::Serve}}});
  REQUIRE(value(m->sync(chain)) == 2);
  play_story(chain);
  for (std::uint64_t n = 2; n <= 10; ++n) REQUIRE(value(m->sync(chain, n)) == 1);
  const std::string incremental = value(m->dump_state());
  REQUIRE(value(m->rebuild(chain)) == 11);
  REQUIRE(value(m->dump_state()) == incremental);
  REQUIRE(value(m->verify(chain)).empty());
}

TEST_CASE("mirror: verify names each entry that differs from the chain", "[mirror]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "mirror.db").string();
  FakeChain chain;
  play_story(chain);
  {
    auto m = value(Mirror::open(path));
    REQUIRE(value(m->sync(chain)) == 10);
  }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db,
                       "UPDATE pointers SET raw = x'00'; DELETE FROM workers WHERE role = 'Serve'",
                       nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto m = value(Mirror::open(path));
  auto diffs = value(m->verify(chain));
  REQUIRE(diffs.size() == 2);
  REQUIRE(diffs[0].item == "Pointers");
  REQUIRE(diffs[0].entry == ev::to_hex(kWallet) + ", " + ev::to_hex(blob(2)));
  REQUIRE(diffs[0].mirror == "0x00");
  REQUIRE(diffs[1].item == "Workers");
  REQUIRE(diffs[1].entry == ev::to_hex(kServe));
  REQUIRE(diffs[1].mirror == "absent");
  REQUIRE(diffs[1].chain != "absent");
}

TEST_CASE("mirror: refuses another chain's database", "[mirror]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "mirror.db").string();
  FakeChain a(0);
  play_story(a);
  REQUIRE(value(value(Mirror::open(path))->sync(a)) == 10);
  FakeChain b(7);
  play_story(b);
  auto m = value(Mirror::open(path));
  auto r = m->sync(b);
  REQUIRE_FALSE(r.ok());
  REQUIRE(ev::is(r.error(), MirrorErrc::WrongChain));
  REQUIRE(value(m->rebuild(b)) == 10);
  REQUIRE(value(m->verify(b)).empty());
}

TEST_CASE("mirror: refuses a database from a newer schema", "[mirror]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "mirror.db").string();
  { REQUIRE(Mirror::open(path).ok()); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE meta SET v = '99' WHERE k = 'schema_version'", nullptr, nullptr,
                       nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto r = Mirror::open(path);
  REQUIRE_FALSE(r.ok());
  REQUIRE(ev::is(r.error(), MirrorErrc::Schema));
}

TEST_CASE("mirror: an undecodable VaultPointers event stops the sync with nothing applied",
          "[mirror]") {
  struct BadChain final : ChainSource {
    FakeChain inner;
    ev::Result<H256> genesis_hash() override { return inner.genesis_hash(); }
    ev::Result<std::uint64_t> finalized_number() override { return inner.finalized_number(); }
    ev::Result<H256> block_hash(std::uint64_t n) override { return inner.block_hash(n); }
    ev::Result<std::vector<ev::chain::EventRecord>> events(const H256& h) override {
      auto ev = inner.events(h);
      if (ev && ev->size() > 1) ev->back().fields.push_back(0xff);  // trailing garbage
      return ev;
    }
    ev::Result<std::optional<Bytes>> storage(ev::ByteSpan k, const H256& h) override {
      return inner.storage(k, h);
    }
    ev::Result<std::vector<Bytes>> keys(ev::ByteSpan p, const H256& h) override {
      return inner.keys(p, h);
    }
  } chain;
  chain.inner.block({{Origin::root(), ApproveMeasurement{measurement("m"), Role::Serve}}});
  auto m = value(Mirror::open(":memory:"));
  auto r = m->sync(chain);
  REQUIRE_FALSE(r.ok());
  REQUIRE(ev::is(r.error(), MirrorErrc::ChainData));
  REQUIRE(value(m->last_block())->number == 0);  // genesis applied, block 1 not
  REQUIRE(value(m->event_count()) == 0);
}

TEST_CASE("mirror: a block whose rows cannot be written is undone alone, first in its batch or not",
          "[mirror]") {
  // Storage values at block `bad` are undecodable, so the block fails while it is being written
  // (after its event rows).
  struct CorruptChain final : ChainSource {
    FakeChain inner;
    std::optional<H256> bad;
    ev::Result<H256> genesis_hash() override { return inner.genesis_hash(); }
    ev::Result<std::uint64_t> finalized_number() override { return inner.finalized_number(); }
    ev::Result<H256> block_hash(std::uint64_t n) override { return inner.block_hash(n); }
    ev::Result<std::vector<ev::chain::EventRecord>> events(const H256& h) override {
      return inner.events(h);
    }
    ev::Result<std::optional<Bytes>> storage(ev::ByteSpan k, const H256& h) override {
      auto v = inner.storage(k, h);
      if (v && v->has_value() && bad == h) **v = Bytes{0xff};
      return v;
    }
    ev::Result<std::vector<Bytes>> keys(ev::ByteSpan p, const H256& h) override {
      return inner.keys(p, h);
    }
  } chain;
  play_story(chain.inner);
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "mirror.db").string();
  auto m = value(Mirror::open(path));
  REQUIRE(value(m->sync(chain, 4)) == 5);
  const std::uint64_t events_at_4 = value(m->event_count());

  // Block 5 fails as the first block of its sync's transaction: nothing of it stays.
  chain.bad = value(chain.inner.block_hash(5));
  auto r = m->sync(chain);
  REQUIRE_FALSE(r.ok());
  REQUIRE(ev::is(r.error(), MirrorErrc::ChainData));
  REQUIRE(value(m->last_block())->number == 4);
  REQUIRE(value(m->event_count()) == events_at_4);
  REQUIRE_FALSE(value(m->pointer(kWallet, blob(1))).has_value());

  // Block 6 fails after block 5 in the same transaction: block 5 is kept, block 6 undone.
  chain.bad = value(chain.inner.block_hash(6));
  r = m->sync(chain);
  REQUIRE_FALSE(r.ok());
  REQUIRE(value(m->last_block())->number == 5);
  REQUIRE(value(m->pointer(kWallet, blob(1))).has_value());
  REQUIRE_FALSE(value(m->grant(kWallet, kAgentA))->revoked_at.has_value());

  // The file is consistent and resumes; after a reopen too.
  chain.bad.reset();
  m.reset();
  m = value(Mirror::open(path));
  REQUIRE(value(m->sync(chain)) == 4);  // blocks 6..9
  REQUIRE(value(m->verify(chain)).empty());
  auto fresh = value(Mirror::open(":memory:"));
  REQUIRE(value(fresh->sync(chain)) == 10);
  REQUIRE(value(fresh->dump_state()) == value(m->dump_state()));
}
