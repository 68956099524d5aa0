#include "ev/devnode/node.hpp"

#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

#include "ev/chain/events.hpp"
#include "ev/chain/extrinsic.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/metadata_builder.hpp"
#include "ev/chain/rpc/client.hpp"
#include "ev/chain/rpc/errors.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/registry.hpp"
#include "ev/vault/storage.hpp"
#include "registry_test_helpers.hpp"
#include "test_support.hpp"

using namespace ev;
using namespace ev::devnode;
using nlohmann::json;

namespace {

struct Harness {
  std::unique_ptr<Node> node;
  std::unique_ptr<chain::RpcClient> rpc;
  chain::Metadata md;

  explicit Harness(NodeConfig cfg = {}) {
    cfg.dev = true;
    cfg.rpc.port = 0;
    auto n = Node::open(std::move(cfg));
    REQUIRE(n.ok());
    node = std::move(n).value();
    auto port = node->start();
    REQUIRE(port.ok());
    auto c = chain::connect("ws://127.0.0.1:" + std::to_string(*port));
    REQUIRE(c.ok());
    rpc = std::move(c).value();
    auto raw = rpc->call("state_getMetadata", "[]");
    REQUIRE(raw.ok());
    auto bytes = from_hex(raw->get<std::string>());
    REQUIRE(bytes.ok());
    auto m = chain::decode_metadata(*bytes);
    REQUIRE(m.ok());
    md = std::move(m).value();
  }

  chain::ChainIdentity identity() const {
    return {node->runtime().version().spec_version, node->runtime().version().transaction_version,
            node->genesis_hash()};
  }

  Bytes sign(const chain::KeyPair& key, ByteSpan call, std::uint64_t nonce, bool mortal = false) {
    chain::TxOptions o;
    o.nonce = nonce;
    o.immortal = !mortal;
    if (mortal) {
      const auto best = node->best();
      o.period = 64;
      o.birth_number = best.number;
      o.birth_hash = best.hash;
    }
    auto xt = node->runtime().format().build_signed(key, call, identity(), o);
    REQUIRE(xt.ok());
    return std::move(xt).value();
  }

  Result<json> submit(ByteSpan xt) {
    return rpc->call("author_submitExtrinsic", "[\"" + to_hex(xt) + "\"]");
  }

  // Submits, waits for the block that includes it and returns that block's events.
  std::vector<chain::EventRecord> include(ByteSpan xt) {
    const auto before = node->best().number;
    auto r = submit(xt);
    REQUIRE(r.ok());
    REQUIRE(node->wait_for_block(before + 1, 10'000));
    return events();
  }

  std::vector<chain::EventRecord> events() {
    auto raw = rpc->call("state_getStorage", "[\"" + to_hex(keys::system_events()) + "\"]");
    REQUIRE(raw.ok());
    if (raw->is_null()) return {};
    auto b = from_hex(raw->get<std::string>());
    REQUIRE(b.ok());
    auto ev = chain::decode_events(md, *b);
    REQUIRE(ev.ok());
    return std::move(ev).value();
  }

  Bytes call(const vault::Call& c) {
    auto b = vault::encode_runtime_call(md, c);
    REQUIRE(b.ok());
    return std::move(b).value();
  }
};

chain::KeyPair key(chain::Scheme s, const char* suri) {
  auto k = chain::from_suri(s, suri);
  REQUIRE(k.ok());
  return std::move(k).value();
}

Bytes remark_with_event(std::string_view text) {
  scale::Encoder e;
  e.u8(kSystemIndex).u8(7).string(text);
  return e.take();
}

Bytes sudo(ByteSpan inner) {
  Bytes b{kSudoIndex, 0};
  append(b, inner);
  return b;
}

bool has_event(const std::vector<chain::EventRecord>& evs, std::string_view pallet,
               std::string_view name) {
  for (const auto& e : evs) {
    if (e.pallet == pallet && e.name == name) return true;
  }
  return false;
}

std::optional<std::string> failure(const chain::Metadata& md,
                                   const std::vector<chain::EventRecord>& evs) {
  for (const auto& e : evs) {
    if (e.pallet == "System" && e.name == "ExtrinsicFailed") {
      auto d = chain::describe_dispatch_error(md, e.value["dispatch_error"]);
      return d.ok() ? *d : std::string("?");
    }
  }
  return std::nullopt;
}

std::optional<chain::RpcErrorInfo> rpc_error(const Result<json>& r) {
  if (r.ok()) return std::nullopt;
  return chain::rpc_error_info(r.error());
}

}  // namespace

TEST_CASE("node: ed25519, ecdsa and sr25519 signed remark_with_event are included with Remarked",
          "[node]") {
  Harness h;
  for (auto scheme : {chain::Scheme::Ed25519, chain::Scheme::Ecdsa, chain::Scheme::Sr25519}) {
    const auto bob = key(scheme, "//Bob");
    const auto evs = h.include(h.sign(bob, remark_with_event("hello"), 0, true));
    CHECK(has_event(evs, "System", "Remarked"));
    CHECK(has_event(evs, "System", "ExtrinsicSuccess"));
    CHECK(h.node->next_index(bob.account_id()) == 1);
  }
  auto next =
      h.rpc->call("system_accountNextIndex",
                  "[\"" + to_hex(key(chain::Scheme::Ed25519, "//Bob").account_id()) + "\"]");
  REQUIRE(next.ok());
  CHECK(*next == 1);
  auto head = h.rpc->call("chain_getHeader", "[]");
  REQUIRE(head.ok());
  CHECK((*head)["number"] == "0x3");
  auto block = h.rpc->call("chain_getBlock", "[]");
  REQUIRE(block.ok());
  CHECK((*block)["block"]["extrinsics"].size() == 1);
}

TEST_CASE("node: stale nonce is rejected with 1010 outdated, bad signature with bad proof",
          "[node]") {
  Harness h;
  const auto alice = key(chain::Scheme::Ed25519, "//Alice");
  h.include(h.sign(alice, remark_with_event("a"), 0));
  auto stale = h.submit(h.sign(alice, remark_with_event("b"), 0));
  auto info = rpc_error(stale);
  REQUIRE(info.has_value());
  CHECK(info->code == 1010);
  CHECK(info->message == "Invalid Transaction");
  CHECK(info->data == json("Transaction is outdated"));

  Bytes bad = h.sign(alice, remark_with_event("c"), 1);
  bad[bad.size() - 1] ^= 1;  // change the call after signing
  info = rpc_error(h.submit(bad));
  REQUIRE(info.has_value());
  CHECK(info->code == 1010);
  CHECK(info->data == json("Transaction has a bad signature"));

  Bytes sr = h.sign(alice, remark_with_event("d"), 1);
  // compact(len) (1 or 2 bytes here) ++ 0x84 ++ MultiAddress::Id ++ account ++ signature tag
  const std::size_t tag_at = ((sr[0] & 3) == 1 ? 2u : 1u) + 1 + 1 + 32;
  REQUIRE(sr[tag_at] == 0x00);  // Ed25519
  sr[tag_at] = 0x01;            // the same bytes claimed as Sr25519 (its marker bit may be set)
  sr[tag_at + 64] |= 0x80;
  info = rpc_error(h.submit(sr));
  REQUIRE(info.has_value());
  CHECK(info->code == 1010);
  CHECK(info->data == json("Transaction has a bad signature"));

  info = rpc_error(h.submit(Bytes{0x08, 0x84, 0x00}));
  REQUIRE(info.has_value());
  CHECK(info->code == 1000);
}

TEST_CASE("node: a future nonce is held in the pool and included once the gap fills", "[node]") {
  Harness h;
  const auto dave = key(chain::Scheme::Ecdsa, "//Dave");
  auto r = h.submit(h.sign(dave, remark_with_event("second"), 1));
  REQUIRE(r.ok());
  CHECK(h.node->pool_size().second == 1);
  CHECK(h.node->best().number == 0);
  h.include(h.sign(dave, remark_with_event("first"), 0));
  // The gap filled: both transactions went into block 1, in nonce order.
  auto block = h.rpc->call("chain_getBlock", "[]");
  REQUIRE(block.ok());
  CHECK((*block)["block"]["extrinsics"].size() == 2);
  CHECK(h.node->best().number == 1);
  CHECK(h.node->next_index(dave.account_id()) == 2);
  CHECK(h.node->pool_size() == std::pair<std::size_t, std::size_t>{0, 0});
}

TEST_CASE("node: vault calls through sudo, a worker and a failing call with its module error",
          "[node]") {
  Harness h;
  const auto alice = key(chain::Scheme::Ecdsa, "//Alice");  // sudo
  const auto worker = key(chain::Scheme::Ed25519, "//Charlie");
  const auto wallet = key(chain::Scheme::Ed25519, "//Eve");
  const auto m = std::optional<vault::Measurement>(vault::test::meas48("mrenclave-1"));
  const Bytes evidence = vault::test::sim_evidence(worker.account_id(), h.node->genesis_hash(), *m);

  // Without the approval the worker cannot register.
  auto evs =
      h.include(h.sign(worker, h.call(vault::RegisterWorker{vault::Role::Serve, *m, evidence}), 0));
  CHECK(failure(h.md, evs) == std::optional<std::string>("VaultPointers.MeasurementNotApproved"));

  // Root only: a signed approve fails with BadOrigin.
  evs = h.include(h.sign(wallet, h.call(vault::ApproveMeasurement{*m, vault::Role::Serve}), 0));
  CHECK(failure(h.md, evs) == std::optional<std::string>("BadOrigin"));

  evs =
      h.include(h.sign(alice, sudo(h.call(vault::ApproveMeasurement{*m, vault::Role::Serve})), 0));
  CHECK(has_event(evs, "VaultPointers", "MeasurementApproved"));
  CHECK(has_event(evs, "Sudo", "Sudid"));

  evs =
      h.include(h.sign(worker, h.call(vault::RegisterWorker{vault::Role::Serve, *m, evidence}), 1));
  CHECK(has_event(evs, "VaultPointers", "WorkerRegistered"));

  auto dek = vault::WrappedDek::from(std::string_view("wrapped"));
  REQUIRE(dek.ok());
  evs = h.include(h.sign(worker, h.call(vault::OpenEpoch{wallet.account_id(), *dek}), 2));
  CHECK(has_event(evs, "VaultPointers", "EpochRotated"));

  auto svc = vault::ServiceName::from(std::string_view("mail"));
  REQUIRE(svc.ok());
  vault::RegisterBlob blob{wallet.account_id(), {}, *svc, wallet.account_id(), 1, {}, 10, {}, {}};
  blob.blob_id[0] = 1;
  evs = h.include(h.sign(worker, h.call(blob), 3));
  CHECK(has_event(evs, "VaultPointers", "BlobWritten"));
  evs = h.include(h.sign(worker, h.call(blob), 4));
  CHECK(failure(h.md, evs) == std::optional<std::string>("VaultPointers.BlobExists"));
  CHECK(h.node->next_index(worker.account_id()) == 5);  // failed calls still use their nonce

  // Sudo by a non-sudo account: RequireSudo.
  evs = h.include(
      h.sign(wallet, sudo(h.call(vault::ApproveMeasurement{*m, vault::Role::Rotate})), 1));
  CHECK(failure(h.md, evs) == std::optional<std::string>("Sudo.RequireSudo"));
}

TEST_CASE("node: batch_all is all-or-nothing", "[node]") {
  Harness h;
  const auto alice = key(chain::Scheme::Ecdsa, "//Alice");
  auto m = vault::Measurement::from(std::string_view("m2"));
  REQUIRE(m.ok());
  const Bytes approve = h.call(vault::ApproveMeasurement{*m, vault::Role::Serve});
  const Bytes revoke_missing = h.call(
      vault::RevokeMeasurement{*vault::Measurement::from(std::string_view("never-approved"))});
  scale::Encoder batch;
  batch.u8(kUtilityIndex).u8(2).compact(2).raw(approve).raw(revoke_missing);
  // A signed batch with Root-only calls fails at the first item: nothing is written.
  auto evs = h.include(h.sign(alice, batch.data(), 0));
  CHECK(failure(h.md, evs) == std::optional<std::string>("BadOrigin"));
  CHECK(!has_event(evs, "Utility", "ItemCompleted"));
  scale::Encoder ok_batch;
  ok_batch.u8(kUtilityIndex)
      .u8(2)
      .compact(2)
      .raw(remark_with_event("x"))
      .raw(remark_with_event("y"));
  evs = h.include(h.sign(alice, ok_batch.data(), 1));
  CHECK(has_event(evs, "Utility", "BatchCompleted"));
}

TEST_CASE("node: restart with a base path keeps blocks, state and nonces", "[node]") {
  test::TempDir dir;
  ByteArray<32> head{};
  const auto bob = key(chain::Scheme::Ed25519, "//Bob");
  {
    NodeConfig cfg;
    cfg.base_path = dir.path().string();
    Harness h(cfg);
    h.include(h.sign(bob, remark_with_event("persist"), 0));
    head = h.node->best().hash;
    h.node->stop();
  }
  NodeConfig cfg;
  cfg.base_path = dir.path().string();
  Harness h(cfg);
  CHECK(h.node->best().number == 1);
  CHECK(h.node->best().hash == head);
  CHECK(h.node->next_index(bob.account_id()) == 1);
  const auto evs = h.include(h.sign(bob, remark_with_event("again"), 1));
  CHECK(has_event(evs, "System", "ExtrinsicSuccess"));
  CHECK(h.node->best().number == 2);
}

TEST_CASE("node: RPC answers chain, properties, runtime version and state_call", "[node]") {
  Harness h;
  CHECK(*h.rpc->call("system_chain", "[]") == "Epochvault Development");
  auto props = h.rpc->call("system_properties", "[]");
  REQUIRE(props.ok());
  CHECK((*props)["ss58Format"] == 42);
  CHECK((*props)["tokenSymbol"] == "UNIT");
  auto ver = h.rpc->call("state_getRuntimeVersion", "[]");
  REQUIRE(ver.ok());
  CHECK((*ver)["specName"] == "epochvault-dev");
  auto genesis = h.rpc->call("chain_getBlockHash", "[0]");
  REQUIRE(genesis.ok());
  CHECK(*genesis == to_hex(h.node->genesis_hash()));
  auto md15 = h.rpc->call("state_call", "[\"Metadata_metadata_at_version\", \"0x0f000000\"]");
  REQUIRE(md15.ok());
  CHECK(*from_hex(md15->get<std::string>()) ==
        chain::opaque_metadata_some(h.node->runtime().metadata_v15()));
  const auto alice = key(chain::Scheme::Ed25519, "//Alice");
  auto nonce = h.rpc->call(
      "state_call", "[\"AccountNonceApi_account_nonce\", \"" + to_hex(alice.account_id()) + "\"]");
  REQUIRE(nonce.ok());
  CHECK(*nonce == "0x00000000");
  auto methods = h.rpc->call("rpc_methods", "[]");
  REQUIRE(methods.ok());
  CHECK((*methods)["methods"].size() > 20);
}

TEST_CASE("node: submitAndWatch reports ready, inBlock and finalized; new heads are announced",
          "[node]") {
  Harness h;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<json> statuses;
  std::vector<json> heads;
  auto heads_sub = h.rpc->subscribe("chain_subscribeNewHeads", "[]", "chain_unsubscribeNewHeads",
                                    [&](Result<json> r) {
                                      if (!r.ok()) return;
                                      std::lock_guard lock(mu);
                                      heads.push_back(*r);
                                      cv.notify_all();
                                    });
  REQUIRE(heads_sub.ok());
  const auto eve = key(chain::Scheme::Ecdsa, "//Eve");
  const Bytes xt = h.sign(eve, remark_with_event("watched"), 0);
  auto watch = h.rpc->subscribe("author_submitAndWatchExtrinsic", "[\"" + to_hex(xt) + "\"]",
                                "author_unwatchExtrinsic", [&](Result<json> r) {
                                  if (!r.ok()) return;
                                  std::lock_guard lock(mu);
                                  statuses.push_back(*r);
                                  cv.notify_all();
                                });
  REQUIRE(watch.ok());
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(10),
                      [&] { return statuses.size() >= 3 && heads.size() >= 2; }));
  CHECK(statuses[0] == "ready");
  CHECK(statuses[1].contains("inBlock"));
  CHECK(statuses[2]["finalized"] == to_hex(h.node->best().hash));
  CHECK(heads[0]["number"] == "0x0");  // the current head first
  CHECK(heads[1]["number"] == "0x1");
}

TEST_CASE("node: a mortal transaction is refused once its era has expired, or born in the future",
          "[node]") {
  NodeConfig cfg;
  cfg.manual_seal = true;
  Harness h(std::move(cfg));
  const auto alice = key(chain::Scheme::Ed25519, "//Alice");
  REQUIRE(h.node->seal(true).ok());  // block #1: the birth block
  const auto birth = h.node->best();
  auto mortal = [&](std::uint64_t nonce, std::uint64_t birth_number, const ByteArray<32>& hash,
                    std::uint64_t period = 4) {
    chain::TxOptions o;
    o.nonce = nonce;
    o.period = period;
    o.birth_number = birth_number;
    o.birth_hash = hash;
    auto xt =
        h.node->runtime().format().build_signed(alice, remark_with_event("m"), h.identity(), o);
    REQUIRE(xt.ok());
    return std::move(xt).value();
  };
  const Bytes fresh = mortal(0, birth.number, birth.hash);
  // Valid while the next block is within [birth, birth + period).
  auto accepted = h.submit(fresh);
  CHECK(accepted.ok());
  REQUIRE(h.node->seal().ok());
  CHECK(h.node->next_index(alice.account_id()) == 1);

  // Signed with the same birth block, submitted after the period: the era now points at a later
  // birth block whose hash the signature does not cover, so the proof fails (as on Substrate).
  const Bytes expiring = mortal(1, birth.number, birth.hash);
  for (int i = 0; i < 4; ++i) REQUIRE(h.node->seal(true).ok());
  REQUIRE(h.node->best().number >= birth.number + 4);
  auto info = rpc_error(h.submit(expiring));
  REQUIRE(info.has_value());
  CHECK(info->code == 1010);
  CHECK(info->message == "Invalid Transaction");
  CHECK(info->data == json("Transaction has a bad signature"));
  CHECK(h.node->pool_size() == std::pair<std::size_t, std::size_t>{0, 0});

  // An era whose birth block lies after the block being built (its phase, birth mod period, is
  // beyond the next block number).
  const auto best = h.node->best().number;
  info = rpc_error(h.submit(mortal(1, best + 10, ByteArray<32>{}, 64)));
  REQUIRE(info.has_value());
  CHECK(info->code == 1010);
  CHECK(info->data == json("Transaction has an ancient birth block"));
  CHECK(h.node->next_index(alice.account_id()) == 1);
}

TEST_CASE("node: --block-time seals blocks on a timer, empty or carrying transactions", "[node]") {
  NodeConfig cfg;
  cfg.block_time_ms = 50;
  Harness h(std::move(cfg));
  const auto start = h.node->best().number;
  // An idle chain advances on its own.
  REQUIRE(h.node->wait_for_block(start + 3, 10'000));
  auto block = h.rpc->call("chain_getBlock", "[]");
  REQUIRE(block.ok());
  CHECK((*block)["block"]["extrinsics"].empty());

  // A submitted transaction is carried by one of the following timer blocks.
  const auto bob = key(chain::Scheme::Ed25519, "//Bob");
  const auto before = h.node->best().number;
  REQUIRE(h.submit(h.sign(bob, remark_with_event("timer"), 0, true)).ok());
  for (int i = 0; i < 100 && h.node->pool_size().first != 0; ++i) {
    REQUIRE(h.node->wait_for_block(h.node->best().number + 1, 10'000));
  }
  REQUIRE(h.node->pool_size() == std::pair<std::size_t, std::size_t>{0, 0});
  std::size_t carried = 0;
  for (auto n = before + 1; n <= h.node->best().number; ++n) {
    auto hash = h.rpc->call("chain_getBlockHash", "[" + std::to_string(n) + "]");
    REQUIRE(hash.ok());
    auto b = h.rpc->call("chain_getBlock", "[" + hash->dump() + "]");
    REQUIRE(b.ok());
    carried += (*b)["block"]["extrinsics"].size();
  }
  CHECK(carried == 1);
  // And the chain keeps advancing afterwards.
  REQUIRE(h.node->wait_for_block(h.node->best().number + 2, 10'000));
}

TEST_CASE("node: register_worker is judged at the block's time for this chain's genesis",
          "[node][registry]") {
  NodeConfig cfg;
  const std::uint64_t t_ms = 1'800'000'000'000ULL;
  cfg.clock_ms = [t_ms] { return t_ms; };
  cfg.attestation_max_age_secs = 3600;
  Harness h(std::move(cfg));
  const auto alice = key(chain::Scheme::Ecdsa, "//Alice");
  const auto worker = key(chain::Scheme::Ed25519, "//Charlie");
  const auto m = vault::test::meas48("mrenclave-2");
  auto evs =
      h.include(h.sign(alice, sudo(h.call(vault::ApproveMeasurement{m, vault::Role::Serve})), 0));
  REQUIRE(has_event(evs, "VaultPointers", "MeasurementApproved"));

  // Made for another chain: refused with its name.
  ByteArray<32> other{};
  other.fill(9);
  evs = h.include(
      h.sign(worker,
             h.call(vault::RegisterWorker{
                 vault::Role::Serve, m, vault::test::sim_evidence(worker.account_id(), other, m)}),
             0));
  CHECK(failure(h.md, evs) == std::optional<std::string>("VaultPointers.AttestationNotBound"));

  evs = h.include(
      h.sign(worker,
             h.call(vault::RegisterWorker{
                 vault::Role::Serve, m,
                 vault::test::sim_evidence(worker.account_id(), h.node->genesis_hash(), m)}),
             1));
  REQUIRE(has_event(evs, "VaultPointers", "WorkerRegistered"));
  auto raw = h.rpc->call("state_getStorage",
                         "[\"" + to_hex(vault::workers_key(worker.account_id())) + "\"]");
  REQUIRE(raw.ok());
  const auto info = vault::decode_worker_info(from_hex(raw->get<std::string>()).value());
  REQUIRE(info.ok());
  CHECK(info->platform == vault::AttestationPlatform::Simulated);
  CHECK(info->tcb_status.view() == "Simulated");
  CHECK(info->attested_at == t_ms / 1000);
  CHECK(info->expires_at == t_ms / 1000 + 3600);
}

TEST_CASE("node: a production genesis refuses simulated attestations", "[node][registry]") {
  NodeConfig cfg;
  cfg.attestation_dev_mode = false;
  Harness h(std::move(cfg));
  const auto alice = key(chain::Scheme::Ecdsa, "//Alice");
  const auto worker = key(chain::Scheme::Ed25519, "//Charlie");
  const auto m = vault::test::meas48("mrenclave-3");
  auto evs =
      h.include(h.sign(alice, sudo(h.call(vault::ApproveMeasurement{m, vault::Role::Serve})), 0));
  REQUIRE(has_event(evs, "VaultPointers", "MeasurementApproved"));
  evs = h.include(
      h.sign(worker,
             h.call(vault::RegisterWorker{
                 vault::Role::Serve, m,
                 vault::test::sim_evidence(worker.account_id(), h.node->genesis_hash(), m)}),
             0));
  CHECK(failure(h.md, evs) == std::optional<std::string>("VaultPointers.SimulatedNotAllowed"));
}

TEST_CASE("node: a future transaction whose era ends while it waits is never included", "[node]") {
  // Before, the era was checked only at submission: a mortal transaction held as future past
  // its death was included once its nonce gap was filled.
  NodeConfig cfg;
  cfg.manual_seal = true;
  Harness h(std::move(cfg));
  const auto alice = key(chain::Scheme::Ed25519, "//Alice");
  REQUIRE(h.node->seal(true).ok());  // block #1: the birth block
  const auto birth = h.node->best();
  chain::TxOptions o;
  o.nonce = 1;  // nonce 0 not yet used: held as future
  o.period = 4;
  o.birth_number = birth.number;
  o.birth_hash = birth.hash;
  auto late =
      h.node->runtime().format().build_signed(alice, remark_with_event("late"), h.identity(), o);
  REQUIRE(late.ok());
  REQUIRE(h.submit(*late).ok());
  CHECK(h.node->pool_size().second == 1);
  // Its era (blocks 1..4) passes.
  for (int i = 0; i < 4; ++i) REQUIRE(h.node->seal(true).ok());
  CHECK(h.node->pool_size() == std::pair<std::size_t, std::size_t>{0, 0});
  // The gap is filled: only the gap's transaction is included.
  REQUIRE(h.submit(h.sign(alice, remark_with_event("first"), 0)).ok());
  REQUIRE(h.node->seal().ok());
  auto block = h.rpc->call("chain_getBlock", "[]");
  REQUIRE(block.ok());
  CHECK((*block)["block"]["extrinsics"].size() == 1);
  CHECK(h.node->next_index(alice.account_id()) == 1);
  CHECK(h.node->pool_size() == std::pair<std::size_t, std::size_t>{0, 0});
}

TEST_CASE("node: future transactions cannot fill the pool; ready ones keep their room", "[node]") {
  // Before, unfunded keys with nonce gaps filled the whole pool with futures and every later
  // transaction was "Immediately Dropped" until a restart.
  NodeConfig cfg;
  cfg.max_pool = 8;
  cfg.max_future = 3;
  Harness h(std::move(cfg));
  int dropped = 0;
  for (int i = 0; i < 8; ++i) {
    const auto k = key(chain::Scheme::Ed25519, ("//Gap" + std::to_string(i)).c_str());
    auto r = h.submit(h.sign(k, remark_with_event("gap"), 5));
    if (!r) {
      const auto info = rpc_error(r);
      REQUIRE(info.has_value());
      CHECK(info->code == 1016);
      ++dropped;
    }
  }
  CHECK(dropped == 5);
  CHECK(h.node->pool_size().second == 3);
  // A ready transaction still gets in and is included.
  const auto dave = key(chain::Scheme::Ecdsa, "//Dave");
  (void)h.include(h.sign(dave, remark_with_event("ready"), 0));
  CHECK(h.node->next_index(dave.account_id()) == 1);
}
