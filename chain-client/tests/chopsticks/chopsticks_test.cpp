// Against a real Polkadot-SDK runtime (Rococo Asset Hub executed by Chopsticks with real
// signature checks, started by tests/interop/with-chopsticks.sh): our client signs and submits
// over WebSocket and HTTP, then reads the events back through the runtime's metadata.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <string>

#include "ev/chain/client.hpp"
#include "ev/chain/dyncodec.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/ss58.hpp"

namespace {

using ev::Bytes;
using ev::chain::ChainClient;
using ev::chain::KeyPair;
using ev::chain::Scheme;

std::string env_or_skip(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    std::printf("SKIPPED: %s is not set (run under tests/interop/with-chopsticks.sh)\n", name);
    std::exit(77);
  }
  return v;
}

std::unique_ptr<ChainClient> connect(const char* env) {
  auto c = ChainClient::connect(env_or_skip(env));
  if (!c) FAIL("connect: " << c.error().to_string());
  return std::move(*c);
}

KeyPair key(Scheme s, const char* suri) {
  auto k = ev::chain::from_suri(s, suri);
  REQUIRE(k.ok());
  return std::move(*k);
}

// Gives `who` a balance through Chopsticks' dev_setStorage (once per account and process).
void fund(ChainClient& c, const KeyPair& who) {
  auto address = ev::chain::ss58_encode(who.account_id(), c.info().ss58_prefix);
  REQUIRE(address.ok());
  nlohmann::json account = {{"providers", 1}, {"data", {{"free", "1000000000000000"}}}};
  nlohmann::json params = nlohmann::json::array(
      {{{"System",
         {{"Account", nlohmann::json::array({nlohmann::json::array(
                          {nlohmann::json::array({*address}), account})})}}}}});
  auto r = c.rpc().call("dev_setStorage", params.dump());
  if (!r) FAIL("dev_setStorage: " << r.error().to_string());
}

Bytes remark_call(ChainClient& c, const Bytes& remark) {
  auto call =
      c.encode_call("System", "remark_with_event", nlohmann::json::array({ev::to_hex(remark)}));
  REQUIRE(call.ok());
  return std::move(*call);
}

// The extrinsic succeeded and emitted System.Remarked { sender, hash = blake2_256(remark) }.
void require_remarked(const ev::chain::SubmitOutcome& out, const Bytes& remark, int count = 1) {
  INFO("dispatch error: " << out.dispatch_error.value_or("none"));
  REQUIRE(out.success);
  int seen = 0;
  for (const auto& e : out.events) {
    if (e.pallet == "System" && e.name == "Remarked") {
      REQUIRE(e.value.at("hash") == ev::to_hex(ev::chain::blake2_256(remark)));
      ++seen;
    }
  }
  REQUIRE(seen == count);
}

}  // namespace

TEST_CASE("chopsticks: ed25519 remark_with_event, mortal, over WebSocket", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_URL");
  REQUIRE(c->info().version.spec_name == "statemine");
  const KeyPair alice = key(Scheme::Ed25519, "//Alice");
  fund(*c, alice);
  const Bytes remark = {'e', 'p', 'o', 'c', 'h', 'v', 'a', 'u', 'l', 't'};
  auto out = c->submit(alice, remark_call(*c, remark));
  if (!out) FAIL(out.error().to_string());
  require_remarked(*out, remark);
  REQUIRE(out->block_number > 0);
}

TEST_CASE("chopsticks: ecdsa remark_with_event, immortal, over HTTP", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_HTTP_URL");
  const KeyPair bob = key(Scheme::Ecdsa, "//Bob");
  fund(*c, bob);
  const Bytes remark = {1, 2, 3, 4, 5};
  ev::chain::SubmitOptions opts;
  opts.immortal = true;
  auto out = c->submit(bob, remark_call(*c, remark), opts);
  if (!out) FAIL(out.error().to_string());
  require_remarked(*out, remark);
}

TEST_CASE("chopsticks: both schemes, mortal and immortal, over both transports", "[interop]") {
  // Funding rewrites AccountInfo (nonce 0 again), so each account is funded once, up front.
  const KeyPair ed = key(Scheme::Ed25519, "//Charlie");
  const KeyPair ec = key(Scheme::Ecdsa, "//Charlie");
  {
    auto c = connect("EV_CHOPSTICKS_URL");
    fund(*c, ed);
    fund(*c, ec);
  }
  for (const char* env : {"EV_CHOPSTICKS_URL", "EV_CHOPSTICKS_HTTP_URL"}) {
    auto c = connect(env);
    for (bool immortal : {false, true}) {
      for (const KeyPair* k : {&ed, &ec}) {
        const Bytes remark = {static_cast<std::uint8_t>(immortal),
                              static_cast<std::uint8_t>(k->scheme())};
        ev::chain::SubmitOptions opts;
        opts.immortal = immortal;
        auto out = c->submit(*k, remark_call(*c, remark), opts);
        INFO(env << " immortal=" << immortal << " scheme=" << static_cast<int>(k->scheme()));
        if (!out) FAIL(out.error().to_string());
        require_remarked(*out, remark);
      }
    }
  }
}

TEST_CASE("chopsticks: Utility.batch_all of two remarks", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_URL");
  const KeyPair dave = key(Scheme::Ed25519, "//Dave");
  fund(*c, dave);
  const Bytes remark = {9, 9, 9};
  nlohmann::json one = {{"System", {{"remark_with_event", {{"remark", ev::to_hex(remark)}}}}}};
  auto call = c->encode_call("Utility", "batch_all",
                             nlohmann::json::array({nlohmann::json::array({one, one})}));
  if (!call) FAIL(call.error().to_string());
  auto out = c->submit(dave, *call);
  if (!out) FAIL(out.error().to_string());
  require_remarked(*out, remark, 2);
  bool completed = false;
  for (const auto& e : out->events)
    completed |= e.pallet == "Utility" && e.name == "BatchCompleted";
  REQUIRE(completed);
}

TEST_CASE("chopsticks: a signing payload longer than 256 bytes is hashed", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_URL");
  const KeyPair eve = key(Scheme::Ecdsa, "//Eve");
  fund(*c, eve);
  const Bytes remark(400, 0x61);
  auto out = c->submit(eve, remark_call(*c, remark));
  if (!out) FAIL(out.error().to_string());
  require_remarked(*out, remark);
}

TEST_CASE("chopsticks: a flipped signature bit is rejected as a bad proof", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_URL");
  const KeyPair ferdie = key(Scheme::Ed25519, "//Ferdie");
  fund(*c, ferdie);
  auto nonce = c->nonces().reserve(ferdie.account_id());
  REQUIRE(nonce.ok());
  auto xt = c->sign(ferdie, remark_call(*c, {7}), *nonce);
  REQUIRE(xt.ok());
  // compact length (2 bytes here) ++ 0x84 ++ MultiAddress::Id (33) ++ MultiSignature tag (1):
  // the signature starts at byte 37.
  (*xt)[40] ^= 0x01;
  auto r = ev::chain::rpc::author_submit_extrinsic(c->rpc(), *xt);
  REQUIRE_FALSE(r.ok());
  auto why = ev::chain::classify_tx_rejection(r.error());
  REQUIRE(why.has_value());
  REQUIRE(why->invalid == ev::chain::InvalidTx::BadProof);
  c->nonces().resync(ferdie.account_id());
}

TEST_CASE("chopsticks: a wrong genesis hash is rejected as a bad proof", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_URL");
  const KeyPair k = key(Scheme::Ecdsa, "//Ferdie");
  fund(*c, k);
  auto format = ev::chain::ExtrinsicFormat::from_metadata(*c->metadata());
  REQUIRE(format.ok());
  ev::chain::ChainIdentity id;
  id.spec_version = c->info().version.spec_version;
  id.transaction_version = c->info().version.transaction_version;
  id.genesis_hash = c->info().genesis_hash;
  id.genesis_hash[0] ^= 0xff;
  ev::chain::TxOptions tx;
  tx.immortal = true;
  tx.nonce = *c->nonces().reserve(k.account_id());
  auto xt = format->build_signed(k, remark_call(*c, {8}), id, tx);
  REQUIRE(xt.ok());
  auto r = ev::chain::rpc::author_submit_extrinsic(c->rpc(), *xt);
  REQUIRE_FALSE(r.ok());
  auto why = ev::chain::classify_tx_rejection(r.error());
  REQUIRE(why.has_value());
  REQUIRE(why->invalid == ev::chain::InvalidTx::BadProof);
  c->nonces().resync(k.account_id());
}

TEST_CASE("chopsticks: a stale nonce is rejected as stale", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_URL");
  const KeyPair alice = key(Scheme::Ed25519, "//Alice");
  fund(*c, alice);
  // Make sure the account has used nonce 0.
  auto first = c->submit(alice, remark_call(*c, {1}));
  if (!first) FAIL(first.error().to_string());
  auto xt = c->sign(alice, remark_call(*c, {2}), 0);
  REQUIRE(xt.ok());
  auto r = ev::chain::rpc::author_submit_extrinsic(c->rpc(), *xt);
  REQUIRE_FALSE(r.ok());
  auto why = ev::chain::classify_tx_rejection(r.error());
  REQUIRE(why.has_value());
  REQUIRE(why->invalid == ev::chain::InvalidTx::Stale);
}

TEST_CASE("chopsticks: storage and events read back through the metadata", "[interop]") {
  auto c = connect("EV_CHOPSTICKS_URL");
  const KeyPair k = key(Scheme::Ecdsa, "//Alice");
  fund(*c, k);
  auto out = c->submit(k, remark_call(*c, {3, 3}));
  if (!out) FAIL(out.error().to_string());
  auto address = ev::chain::ss58_encode(k.account_id(), c->info().ss58_prefix);
  REQUIRE(address.ok());
  auto account = c->storage("System", "Account", nlohmann::json::array({*address}));
  if (!account) FAIL(account.error().to_string());
  REQUIRE(account->has_value());
  REQUIRE((**account).at("nonce").get<std::uint64_t>() == out->nonce + 1);
  auto events = c->events_at(out->block_hash);
  REQUIRE(events.ok());
  REQUIRE(events->size() >= out->events.size());
}
