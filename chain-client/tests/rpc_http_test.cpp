// The HTTP transport against an in-process JSON-RPC server on a loopback port.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "ev/chain/rpc.hpp"
#include "rpc_test_server.hpp"
#include "test_support.hpp"

using namespace ev::chain;
using ev::test::RpcTestServer;
using Reply = RpcTestServer::HttpReply;
using std::chrono::milliseconds;

namespace {

JsonValue request_of(const std::string& body) { return JsonValue::parse(body); }

std::string result_for(const std::string& body, const JsonValue& result) {
  JsonValue r = {{"jsonrpc", "2.0"}, {"id", request_of(body)["id"]}, {"result", result}};
  return r.dump();
}

std::unique_ptr<RpcClient> http_client(const RpcTestServer& s, RpcOptions o = {}) {
  auto c = connect(s.http_url(), o);
  REQUIRE(c.ok());
  return std::move(c).value();
}

RpcTestServer::WsHandler no_ws() {
  return [](const std::shared_ptr<RpcTestServer::WsPeer>&, const std::string&) {};
}

}  // namespace

TEST_CASE("rpc http: a call returns the result and sends a JSON-RPC 2.0 request", "[rpc][http]") {
  RpcTestServer server(
      [](const std::string& body) {
        return Reply{200, result_for(body, "Rococo Asset Hub")};
      },
      no_ws());
  auto c = http_client(server);
  auto r = c->call("system_chain", "[]");
  REQUIRE(r.ok());
  CHECK(*r == "Rococo Asset Hub");
  auto r2 = c->call("state_getStorage", R"(["0x26aa"])");
  REQUIRE(r2.ok());
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 2);
  auto req = request_of(reqs[1]);
  CHECK(req["jsonrpc"] == "2.0");
  CHECK(req["method"] == "state_getStorage");
  CHECK(req["params"] == JsonValue::parse(R"(["0x26aa"])"));
  CHECK(request_of(reqs[0])["id"] != req["id"]);
  CHECK(server.connections_accepted() == 1);  // keep-alive
  CHECK_FALSE(c->supports_subscriptions());
  CHECK(c->endpoint().port == server.port());
}

TEST_CASE("rpc http: a JSON-RPC error keeps its code and message and data", "[rpc][http]") {
  RpcTestServer server(
      [](const std::string& body) {
        JsonValue r = {{"jsonrpc", "2.0"},
                       {"id", request_of(body)["id"]},
                       {"error",
                        {{"code", 1010},
                         {"message", "Invalid Transaction"},
                         {"data", "Transaction has a bad signature"}}}};
        return Reply{200, r.dump()};
      },
      no_ws());
  auto c = http_client(server);
  auto r = rpc::author_submit_extrinsic(*c, ev::Bytes{1, 2, 3});
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), RpcErrc::ServerError));
  CHECK(r.error().message.find("author_submitExtrinsic") != std::string::npos);
  CHECK(r.error().message.find("bad signature") != std::string::npos);
  auto info = rpc_error_info(r.error());
  REQUIRE(info);
  CHECK(info->code == 1010);
  CHECK(info->message == "Invalid Transaction");
  CHECK(info->data == JsonValue("Transaction has a bad signature"));
  CHECK(classify_tx_rejection(r.error())->invalid == InvalidTx::BadProof);
  CHECK(request_of(server.requests()[0])["params"] == JsonValue::parse(R"(["0x010203"])"));
}

TEST_CASE("rpc http: a Chopsticks-style error without code", "[rpc][http]") {
  RpcTestServer server(
      [](const std::string& body) {
        JsonValue r = {{"jsonrpc", "2.0"},
                       {"id", request_of(body)["id"]},
                       {"error", {{"message", R"({"invalid":{"badProof":null}})"}}}};
        return Reply{200, r.dump()};
      },
      no_ws());
  auto c = http_client(server);
  auto r = c->call("author_submitExtrinsic", R"(["0x00"])");
  REQUIRE_FALSE(r.ok());
  auto info = rpc_error_info(r.error());
  REQUIRE(info);
  CHECK_FALSE(info->code.has_value());
  CHECK_FALSE(info->data.has_value());
  auto cls = classify_tx_rejection(r.error());
  REQUIRE(cls);
  CHECK(cls->invalid == InvalidTx::BadProof);
}

TEST_CASE(
    "rpc http: the server closing the connection is ConnectionLost and the next call recovers",
    "[rpc][http]") {
  std::atomic<int> n{0};
  RpcTestServer server(
      [&](const std::string& body) {
        if (n.fetch_add(1) == 0) return Reply{200, "", milliseconds(0), true};
        return Reply{200, result_for(body, 5)};
      },
      no_ws());
  auto c = http_client(server);
  auto r = c->call("system_accountNextIndex", R"(["5F"])");
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), RpcErrc::ConnectionLost));
  CHECK(is_transient(r.error()));
  auto again = c->call("system_accountNextIndex", R"(["5F"])");
  REQUIRE(again.ok());
  CHECK(*again == 5);
}

TEST_CASE("rpc http: a server that does not answer in time gives Timeout", "[rpc][http]") {
  RpcTestServer server(
      [](const std::string& body) {
        return Reply{200, result_for(body, 1), milliseconds(3000)};
      },
      no_ws());
  RpcOptions o;
  o.request_timeout = milliseconds(300);
  auto c = http_client(server, o);
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c->call("system_chain", "[]");
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), RpcErrc::Timeout));
  CHECK(elapsed >= milliseconds(250));
  CHECK(elapsed < milliseconds(2500));
}

TEST_CASE("rpc http: a reply over the size limit is rejected", "[rpc][http]") {
  RpcTestServer server(
      [](const std::string& body) {
        return Reply{200, result_for(body, "0x" + std::string(100000, 'a'))};
      },
      no_ws());
  RpcOptions o;
  o.limits.max_bytes = 10000;
  auto c = http_client(server, o);
  auto r = c->call("state_getMetadata", "[]");
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), RpcErrc::ResponseTooLarge));
  o.limits.max_bytes = 200000;
  CHECK(http_client(server, o)->call("state_getMetadata", "[]").ok());
}

TEST_CASE("rpc http: malformed or mismatched replies are InvalidResponse", "[rpc][http]") {
  std::string next;
  RpcTestServer server([&](const std::string&) { return Reply{200, next}; }, no_ws());
  auto c = http_client(server);
  for (std::string body :
       {R"({"jsonrpc":"2.0","id":1,"result":)", "<html>oops</html>",
        R"({"jsonrpc":"2.0","id":999,"result":1})", R"({"jsonrpc":"2.0","id":null,"result":1})",
        R"({"jsonrpc":"2.0","method":"m","params":{"subscription":"a","result":1}})"}) {
    next = body;
    INFO(body);
    auto r = c->call("system_chain", "[]");
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), RpcErrc::InvalidResponse));
  }
  CHECK(c->stats().dropped_messages == 5);
}

TEST_CASE("rpc http: a non-200 status without a JSON-RPC body is HttpStatus", "[rpc][http]") {
  std::string body_text = "Service Unavailable";
  RpcTestServer server([&](const std::string&) { return Reply{503, body_text}; }, no_ws());
  auto c = http_client(server);
  auto r = c->call("system_chain", "[]");
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), RpcErrc::HttpStatus));
  CHECK(r.error().message.find("HTTP 503") != std::string::npos);
  body_text = R"({"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"busy"}})";
  auto r2 = c->call("system_chain", "[]");
  REQUIRE_FALSE(r2.ok());
  CHECK(rpc_error_info(r2.error())->code == -32000);
}

TEST_CASE("rpc http: refused connections and bad params and subscriptions fail cleanly",
          "[rpc][http]") {
  RpcOptions o;
  o.connect_timeout = milliseconds(1000);
  auto c = connect("http://127.0.0.1:" + std::to_string(ev::test::free_loopback_port()), o);
  REQUIRE(c.ok());  // HTTP connects lazily
  auto r = (*c)->call("system_chain", "[]");
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), RpcErrc::ConnectFailed));
  CHECK(ev::is((*c)->call("system_chain", "[1,").error(), RpcErrc::InvalidArgument));
  auto s = (*c)->subscribe("chain_subscribeFinalizedHeads", "[]", "chain_unsubscribeFinalizedHeads",
                           [](ev::Result<JsonValue>) {});
  REQUIRE_FALSE(s.ok());
  CHECK(ev::is(s.error(), RpcErrc::SubscriptionsUnsupported));
  CHECK(s.error().message.find("ws://") != std::string::npos);
  CHECK(ev::is(connect("tcp://127.0.0.1:1").error(), RpcErrc::InvalidUrl));
}

TEST_CASE("rpc http: concurrent callers each get their own reply", "[rpc][http]") {
  RpcTestServer server(
      [](const std::string& body) {
        auto req = request_of(body);
        return Reply{200, result_for(body, req["params"][0])};
      },
      no_ws());
  auto c = http_client(server);
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        const int v = t * 1000 + i;
        auto r = c->call("echo", "[" + std::to_string(v) + "]");
        if (r.ok() && *r == v) good.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(good.load() == 100);
}

TEST_CASE("rpc http: polling reports each new finalized head", "[rpc][http]") {
  std::atomic<int> polls{0};
  auto hash_of = [](int n) {
    return "0x" + std::string(62, '0') + (n < 16 ? "0" : "") + std::to_string(n);
  };
  RpcTestServer server(
      [&](const std::string& body) {
        auto req = request_of(body);
        const int height = std::min(polls.load() / 2, 3);  // finality moves every 2 polls
        if (req["method"] == "chain_getFinalizedHead") {
          polls.fetch_add(1);
          return Reply{200, result_for(body, hash_of(height))};
        }
        const std::string h = req["params"][0];
        const int n = std::stoi(h.substr(h.size() - 2));
        const std::string zero = "0x" + std::string(64, '0');
        JsonValue header = {{"parentHash", zero},
                            {"number", "0x0000000" + std::to_string(n)},
                            {"stateRoot", zero},
                            {"extrinsicsRoot", zero},
                            {"digest", {{"logs", JsonValue::array()}}}};
        return Reply{200, result_for(body, header)};
      },
      no_ws());
  auto c = http_client(server);
  std::vector<std::uint64_t> seen;
  auto r = rpc::poll_finalized_heads(*c, milliseconds(10), [&](const Header& h) {
    seen.push_back(h.number);
    return seen.size() < 3;
  });
  REQUIRE(r.ok());
  CHECK(seen == std::vector<std::uint64_t>{0, 1, 2});
}
