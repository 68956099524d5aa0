// ChainClient against a scripted node (HTTP) that serves the real Polkadot V14 metadata:
// connection facts, runtime-upgrade refresh, storage keys by name. Submission against real
// runtimes is covered by the Chopsticks interop test (tests/chopsticks/).
#include "ev/chain/client.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <string>

#include "ev/chain/hash.hpp"
#include "ev/chain/ss58.hpp"
#include "ev/chain/storage_key.hpp"
#include "rpc_test_server.hpp"
#include "test_support.hpp"

namespace {

using ev::chain::ChainClient;
using ev::chain::JsonValue;
using ev::test::RpcTestServer;
using Reply = RpcTestServer::HttpReply;

struct ScriptedNode {
  std::string metadata_hex;
  std::atomic<std::uint32_t> spec{100};
  std::atomic<int> metadata_calls{0};

  std::string reply(const std::string& body) {
    const JsonValue req = JsonValue::parse(body);
    const std::string method = req["method"];
    JsonValue result;
    if (method == "chain_getBlockHash") {
      result = ev::to_hex(ev::ByteArray<32>{0x11});
    } else if (method == "system_chain") {
      result = "Scripted";
    } else if (method == "system_properties") {
      result = {{"ss58Format", 0}};
    } else if (method == "state_getRuntimeVersion") {
      result = {{"specName", "polkadot"},
                {"implName", "parity-polkadot"},
                {"specVersion", spec.load()},
                {"transactionVersion", 26},
                {"apis", JsonValue::array()}};
    } else if (method == "state_getMetadata") {
      ++metadata_calls;
      result = metadata_hex;
    } else {
      JsonValue err = {{"jsonrpc", "2.0"},
                       {"id", req["id"]},
                       {"error", {{"code", -32601}, {"message", "Method not found"}}}};
      return err.dump();
    }
    JsonValue r = {{"jsonrpc", "2.0"}, {"id", req["id"]}, {"result", result}};
    return r.dump();
  }
};

std::unique_ptr<ScriptedNode> scripted_node() {
  const auto path = ev::test::require_vectors("substrate/metadata_polkadot_v14.bin");
  auto node = std::make_unique<ScriptedNode>();
  node->metadata_hex = ev::to_hex(ev::as_bytes(ev::test::read_file(path)));
  return node;
}

std::unique_ptr<RpcTestServer> serve(ScriptedNode& node) {
  return std::make_unique<RpcTestServer>(
      [&node](const std::string& body) {
        return Reply{200, node.reply(body)};
      },
      [](const std::shared_ptr<RpcTestServer::WsPeer>&, const std::string&) {});
}

}  // namespace

TEST_CASE("chain client: connect reads genesis, chain, SS58 prefix, version and metadata",
          "[client]") {
  auto node = scripted_node();
  auto server = serve(*node);
  auto c = ChainClient::connect(server->http_url());
  if (!c) FAIL(c.error().to_string());
  const auto info = (*c)->info();
  CHECK(info.chain == "Scripted");
  CHECK(info.genesis_hash == ev::ByteArray<32>{0x11});
  CHECK(info.ss58_prefix == 0);
  CHECK(info.version.spec_version == 100);
  CHECK(info.metadata_version == 14);
  CHECK((*c)->metadata()->pallet("Balances").ok());
}

TEST_CASE("chain client: a new spec version reloads the metadata, the same one does not",
          "[client]") {
  auto node = scripted_node();
  auto server = serve(*node);
  auto c = ChainClient::connect(server->http_url());
  REQUIRE(c.ok());
  auto before = (*c)->metadata();
  REQUIRE(node->metadata_calls == 1);
  auto same = (*c)->refresh_runtime();
  REQUIRE(same.ok());
  CHECK_FALSE(*same);
  CHECK(node->metadata_calls == 1);
  node->spec = 101;
  auto upgraded = (*c)->refresh_runtime();
  REQUIRE(upgraded.ok());
  CHECK(*upgraded);
  CHECK(node->metadata_calls == 2);
  CHECK((*c)->info().version.spec_version == 101);
  CHECK((*c)->metadata() != before);  // a new model; the old one stays valid for its holders
  CHECK(before->pallet("System").ok());
}

TEST_CASE("chain client: storage keys are built from the entry's hashers and key types",
          "[client]") {
  auto node = scripted_node();
  auto server = serve(*node);
  auto c = ChainClient::connect(server->http_url());
  REQUIRE(c.ok());
  ev::ByteArray<32> who{};
  who.fill(0xab);
  auto address = ev::chain::ss58_encode(who, 0);
  REQUIRE(address.ok());
  auto key = (*c)->storage_key("System", "Account", JsonValue::array({*address}));
  if (!key) FAIL(key.error().to_string());
  const std::pair<ev::chain::Hasher, ev::Bytes> part{ev::chain::Hasher::Blake2_128Concat,
                                                     ev::Bytes(who.begin(), who.end())};
  CHECK(*key == ev::chain::storage_key("System", "Account", std::span(&part, 1)));
  // The same account as 0x-hex gives the same key.
  auto hex_key = (*c)->storage_key("System", "Account", JsonValue::array({ev::to_hex(who)}));
  REQUIRE(hex_key.ok());
  CHECK(*hex_key == *key);

  auto missing = (*c)->storage_key("System", "Account", JsonValue::array());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("System.Account takes 1 key(s), got 0") != std::string::npos);
  auto bad = (*c)->storage_key("System", "Account", JsonValue::array({"not an account"}));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("System.Account key 0") != std::string::npos);
  auto unknown = (*c)->storage_key("System", "NoSuchItem", JsonValue());
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("NoSuchItem") != std::string::npos);
}
