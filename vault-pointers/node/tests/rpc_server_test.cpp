#include "ev/devnode/rpc_server.hpp"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "ev/chain/rpc/client.hpp"
#include "ev/chain/rpc/errors.hpp"

using ev::devnode::RpcError;
using ev::devnode::RpcResult;
using ev::devnode::RpcServer;
using ev::devnode::RpcServerConfig;
using ev::devnode::SubscriptionSink;
using nlohmann::json;
namespace code = ev::devnode::rpc_code;
using namespace std::chrono_literals;

namespace {

// Sinks handed out by the test subscription, for the test to notify through.
struct Sinks {
  std::mutex mu;
  std::vector<SubscriptionSink> all;

  SubscriptionSink last() {
    std::lock_guard lock(mu);
    return all.empty() ? SubscriptionSink() : all.back();
  }
  std::size_t size() {
    std::lock_guard lock(mu);
    return all.size();
  }
};

void register_test_methods(RpcServer& server, Sinks& sinks) {
  REQUIRE(server.register_method("echo", [](const json& p) -> RpcResult { return p; }).ok());
  REQUIRE(server
              .register_method(
                  "submit",
                  [](const json&) -> RpcResult {
                    return RpcError{1010, "Invalid Transaction", json("Transaction is outdated")};
                  })
              .ok());
  REQUIRE(
      server
          .register_method("throws", [](const json& p) -> RpcResult { return p.at(5).get<int>(); })
          .ok());
  REQUIRE(server
              .register_method("big",
                               [](const json& p) -> RpcResult {
                                 return std::string(p.at(0).get<std::size_t>(), 'x');
                               })
              .ok());
  REQUIRE(server
              .register_method("needs_two",
                               [](const json& p) -> RpcResult {
                                 if (!p.is_array() || p.size() != 2) {
                                   return RpcError::invalid_params("expected two values");
                                 }
                                 return p[0];
                               })
              .ok());
  REQUIRE(server
              .register_method("slow",
                               [](const json& p) -> RpcResult {
                                 std::this_thread::sleep_for(
                                     std::chrono::milliseconds(p.at(0).get<int>()));
                                 return true;
                               })
              .ok());
  REQUIRE(server
              .register_subscription("test_subscribe", "test_unsubscribe", "test_notification",
                                     [&sinks](const json& p, SubscriptionSink sink) -> RpcResult {
                                       if (p.is_array() && !p.empty() && p[0] == "refuse") {
                                         return RpcError::invalid_params("refused");
                                       }
                                       // Sent before the response: must arrive after the
                                       // subscription id.
                                       sink.send(json{{"n", 0}});
                                       std::lock_guard lock(sinks.mu);
                                       sinks.all.push_back(sink);
                                       return nullptr;
                                     })
              .ok());
}

RpcServerConfig test_config() {
  RpcServerConfig c;
  c.port = 0;
  return c;
}

struct Node {
  explicit Node(RpcServerConfig config = test_config()) : server(std::move(config)) {
    register_test_methods(server, sinks);
    auto p = server.start();
    REQUIRE(p.ok());
    port = *p;
  }
  [[nodiscard]] std::string ws_url() const { return "ws://127.0.0.1:" + std::to_string(port); }
  [[nodiscard]] std::string http_url() const { return "http://127.0.0.1:" + std::to_string(port); }

  Sinks sinks;
  RpcServer server;
  std::uint16_t port = 0;
};

json parse(const std::optional<std::string>& text) {
  REQUIRE(text.has_value());
  return json::parse(*text);
}

json error_of(const json& reply) {
  REQUIRE(reply.contains("error"));
  return reply["error"];
}

httplib::Result post(std::uint16_t port, const std::string& body,
                     const std::string& content_type = "application/json") {
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(10, 0);
  return cli.Post("/", body, content_type.c_str());
}

std::unique_ptr<ev::chain::RpcClient> ws_client(const Node& node) {
  auto c = ev::chain::connect(node.ws_url());
  REQUIRE(c.ok());
  return std::move(c).value();
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = 5000ms) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

// Notifications received by a client subscription.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<json> items;
  bool closed = false;

  ev::chain::NotificationCallback callback() {
    return [this](ev::Result<json> r) {
      std::lock_guard lock(mu);
      if (r.ok()) {
        items.push_back(*r);
      } else {
        closed = true;
      }
      cv.notify_all();
    };
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return items.size() >= n; });
  }
  bool wait_closed() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return closed; });
  }
};

}  // namespace

// ---- request parsing and dispatch (no sockets) -------------------------------------------------

TEST_CASE("rpc server: ids of every JSON-RPC type are echoed back", "[rpc-server]") {
  RpcServer server(test_config());
  Sinks sinks;
  register_test_methods(server, sinks);
  for (const char* id : {"1", "\"abc\"", "null", "-7", "1.5", "18446744073709551615"}) {
    const std::string req =
        std::string(R"({"jsonrpc":"2.0","id":)") + id + R"(,"method":"echo","params":[1]})";
    json reply = parse(server.handle_text(req));
    CHECK(reply["jsonrpc"] == "2.0");
    CHECK(reply["id"] == json::parse(id));
    CHECK(reply["result"] == json::array({1}));
  }
}

TEST_CASE("rpc server: params may be absent, null, an array or an object", "[rpc-server]") {
  RpcServer server(test_config());
  Sinks sinks;
  register_test_methods(server, sinks);
  CHECK(parse(server.handle_text(R"({"jsonrpc":"2.0","id":1,"method":"echo"})"))["result"] ==
        json::array());
  CHECK(parse(server.handle_text(
            R"({"jsonrpc":"2.0","id":1,"method":"echo","params":null})"))["result"] ==
        json::array());
  CHECK(parse(server.handle_text(
            R"({"jsonrpc":"2.0","id":1,"method":"echo","params":{"a":1}})"))["result"] ==
        json{{"a", 1}});
  json bad = parse(server.handle_text(R"({"jsonrpc":"2.0","id":4,"method":"echo","params":3})"));
  CHECK(bad["id"] == 4);
  CHECK(error_of(bad)["code"] == code::kInvalidParams);
  CHECK(error_of(bad)["message"] == "Invalid params");
}

TEST_CASE("rpc server: malformed JSON is a parse error with where and why", "[rpc-server]") {
  RpcServer server(test_config());
  json reply = parse(server.handle_text(R"({"jsonrpc":"2.0","id":1,"method":)"));
  CHECK(reply["id"].is_null());
  const json e = error_of(reply);
  CHECK(e["code"] == code::kParseError);
  CHECK(e["message"] == "Parse error");
  REQUIRE(e["data"].is_string());
  CHECK(e["data"].get<std::string>().find("byte") != std::string::npos);
  // Duplicate keys and trailing data are not JSON-RPC either.
  CHECK(error_of(parse(server.handle_text(R"({"id":1,"id":2})")))["code"] == code::kParseError);
  CHECK(error_of(parse(server.handle_text(R"({} {})")))["code"] == code::kParseError);
}

TEST_CASE("rpc server: invalid requests answer -32600 and keep a usable id", "[rpc-server]") {
  RpcServer server(test_config());
  Sinks sinks;
  register_test_methods(server, sinks);
  struct Case {
    const char* text;
    json id;
  };
  const Case cases[] = {
      {R"({"jsonrpc":"1.0","id":3,"method":"echo"})", 3},
      {R"({"id":"x","method":"echo"})", "x"},
      {R"({"jsonrpc":"2.0","id":5,"method":7})", 5},
      {R"({"jsonrpc":"2.0","id":6})", 6},
      {R"({"jsonrpc":"2.0","id":{"a":1},"method":"echo"})", nullptr},
      {R"({"jsonrpc":"2.0","id":[1],"method":"echo"})", nullptr},
      {R"({"jsonrpc":"2.0","id":true,"method":"echo"})", nullptr},
      {R"({"jsonrpc":"2.0","id":8,"method":"echo","extra":1})", 8},
      {R"(42)", nullptr},
      {R"("text")", nullptr},
      {R"([])", nullptr},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    json reply = parse(server.handle_text(c.text));
    CHECK(reply["id"] == c.id);
    CHECK(error_of(reply)["code"] == code::kInvalidRequest);
    CHECK(error_of(reply)["message"] == "Invalid request");
  }
}

TEST_CASE("rpc server: unknown methods answer -32601", "[rpc-server]") {
  RpcServer server(test_config());
  json reply = parse(server.handle_text(R"({"jsonrpc":"2.0","id":"q","method":"nope"})"));
  CHECK(reply["id"] == "q");
  CHECK(error_of(reply)["code"] == code::kMethodNotFound);
  CHECK(error_of(reply)["message"] == "Method not found");
}

TEST_CASE("rpc server: handler errors keep code, message and data", "[rpc-server]") {
  RpcServer server(test_config());
  Sinks sinks;
  register_test_methods(server, sinks);
  json tx = parse(server.handle_text(R"({"jsonrpc":"2.0","id":1,"method":"submit","params":[]})"));
  CHECK(error_of(tx) == json{{"code", 1010},
                             {"message", "Invalid Transaction"},
                             {"data", "Transaction is outdated"}});
  json ip = parse(server.handle_text(R"({"jsonrpc":"2.0","id":2,"method":"needs_two"})"));
  CHECK(error_of(ip) == json{{"code", code::kInvalidParams},
                             {"message", "Invalid params"},
                             {"data", "expected two values"}});
  // A handler that throws becomes an internal error; the server keeps serving.
  json th = parse(server.handle_text(R"({"jsonrpc":"2.0","id":3,"method":"throws"})"));
  CHECK(error_of(th)["code"] == code::kInternalError);
  CHECK(error_of(th)["message"] == "Internal error");
  CHECK(parse(server.handle_text(R"({"jsonrpc":"2.0","id":4,"method":"echo"})"))["id"] == 4);
}

TEST_CASE("rpc server: batches answer every call in order and skip notifications", "[rpc-server]") {
  RpcServer server(test_config());
  Sinks sinks;
  register_test_methods(server, sinks);
  json reply = parse(server.handle_text(R"([
    {"jsonrpc":"2.0","id":1,"method":"echo","params":["a"]},
    {"jsonrpc":"2.0","method":"echo","params":["notification"]},
    {"jsonrpc":"2.0","id":"two","method":"nope"},
    5,
    {"jsonrpc":"2.0","id":3,"method":"submit"}
  ])"));
  REQUIRE(reply.is_array());
  REQUIRE(reply.size() == 4);
  CHECK(reply[0]["id"] == 1);
  CHECK(reply[0]["result"] == json::array({"a"}));
  CHECK(reply[1]["id"] == "two");
  CHECK(reply[1]["error"]["code"] == code::kMethodNotFound);
  CHECK(reply[2]["id"].is_null());
  CHECK(reply[2]["error"]["code"] == code::kInvalidRequest);
  CHECK(reply[3]["error"]["code"] == 1010);
  // Notifications only: nothing to send.
  CHECK_FALSE(server.handle_text(R"({"jsonrpc":"2.0","method":"echo"})").has_value());
  CHECK_FALSE(server.handle_text(R"([{"jsonrpc":"2.0","method":"echo"}])").has_value());
}

TEST_CASE("rpc server: request, batch and response limits answer jsonrpsee's errors",
          "[rpc-server]") {
  RpcServerConfig cfg = test_config();
  cfg.request.max_bytes = 200;
  cfg.request.max_batch_len = 3;
  cfg.max_response_bytes = 300;
  RpcServer server(cfg);
  Sinks sinks;
  register_test_methods(server, sinks);

  const std::string big =
      R"({"jsonrpc":"2.0","id":1,"method":"echo","params":[")" + std::string(200, 'a') + "\"]}";
  json e = error_of(parse(server.handle_text(big)));
  CHECK(e == json{{"code", code::kOversizedRequest},
                  {"message", "Request is too big"},
                  {"data", "Exceeded max limit of 200"}});

  const std::string call = R"({"jsonrpc":"2.0","id":1,"method":"echo"})";
  e = error_of(parse(server.handle_text("[" + call + "," + call + "," + call + "," + call + "]")));
  CHECK(e["code"] == code::kTooBigBatch);

  json r = parse(server.handle_text(R"({"jsonrpc":"2.0","id":9,"method":"big","params":[400]})"));
  CHECK(r["id"] == 9);
  CHECK(error_of(r) == json{{"code", code::kOversizedResponse},
                            {"message", "Response is too big"},
                            {"data", "Exceeded max limit of 300"}});

  const std::string half = R"({"jsonrpc":"2.0","id":1,"method":"big","params":[150]})";
  e = error_of(parse(server.handle_text("[" + half + "," + half + "]")));
  CHECK(e["code"] == code::kTooBigBatchResponse);

  RpcServerConfig deep_cfg = test_config();
  deep_cfg.request.max_depth = 8;
  RpcServer deep(deep_cfg);
  e = error_of(parse(deep.handle_text(std::string(20, '[') + std::string(20, ']'))));
  CHECK(e["code"] == code::kParseError);
}

TEST_CASE("rpc server: subscriptions over HTTP answer an internal error", "[rpc-server]") {
  RpcServer server(test_config());
  Sinks sinks;
  register_test_methods(server, sinks);
  json r = parse(server.handle_text(R"({"jsonrpc":"2.0","id":1,"method":"test_subscribe"})"));
  CHECK(error_of(r) == json{{"code", code::kInternalError}, {"message", "Internal error"}});
  r = parse(
      server.handle_text(R"({"jsonrpc":"2.0","id":2,"method":"test_unsubscribe","params":["x"]})"));
  CHECK(error_of(r)["code"] == code::kInternalError);
  CHECK(sinks.size() == 0);
}

// ---- registration and lifecycle ----------------------------------------------------------------

TEST_CASE("rpc server: method_names lists every method sorted", "[rpc-server]") {
  RpcServer server(test_config());
  Sinks sinks;
  register_test_methods(server, sinks);
  CHECK(server.method_names() == std::vector<std::string>{"big", "echo", "needs_two", "slow",
                                                          "submit", "test_subscribe",
                                                          "test_unsubscribe", "throws"});
}

TEST_CASE("rpc server: registration refuses empty, duplicate and late names", "[rpc-server]") {
  RpcServer server(test_config());
  auto h = [](const json&) -> RpcResult { return true; };
  auto sh = [](const json&, SubscriptionSink) -> RpcResult { return true; };
  REQUIRE(server.register_method("a", h).ok());
  CHECK(
      ev::is(server.register_method("a", h).error(), ev::devnode::RpcServerErrc::InvalidArgument));
  CHECK_FALSE(server.register_method("", h).ok());
  CHECK_FALSE(server.register_method("b", nullptr).ok());
  CHECK_FALSE(server.register_subscription("a", "b_unsub", "b_note", sh).ok());
  CHECK_FALSE(server.register_subscription("b_sub", "b_sub", "b_note", sh).ok());
  CHECK_FALSE(server.register_subscription("b_sub", "b_unsub", "", sh).ok());
  CHECK(server.method_names() == std::vector<std::string>{"a"});
  REQUIRE(server.start().ok());
  auto late = server.register_method("c", h);
  REQUIRE_FALSE(late.ok());
  CHECK(ev::is(late.error(), ev::devnode::RpcServerErrc::AlreadyRunning));
  CHECK(ev::is(server.start().error(), ev::devnode::RpcServerErrc::AlreadyRunning));
}

TEST_CASE("rpc server: start reports a bad host and a busy port", "[rpc-server]") {
  RpcServerConfig bad = test_config();
  bad.host = "not-an-address";
  RpcServer s1(bad);
  auto r1 = s1.start();
  REQUIRE_FALSE(r1.ok());
  CHECK(ev::is(r1.error(), ev::devnode::RpcServerErrc::InvalidArgument));

  RpcServer s2(test_config());
  auto p = s2.start();
  REQUIRE(p.ok());
  RpcServerConfig same = test_config();
  same.port = *p;
  RpcServer s3(same);
  auto r3 = s3.start();
  REQUIRE_FALSE(r3.ok());
  CHECK(ev::is(r3.error(), ev::devnode::RpcServerErrc::Bind));
  CHECK(r3.error().message.find(std::to_string(*p)) != std::string::npos);
}

TEST_CASE("rpc server: stop releases the port and start works again", "[rpc-server]") {
  Node node;
  const std::uint16_t port = node.port;
  CHECK(node.server.running());
  node.server.stop();
  CHECK_FALSE(node.server.running());
  CHECK(node.server.port() == 0);
  node.server.stop();  // idempotent
  RpcServerConfig same = test_config();
  same.port = port;
  RpcServer again(same);
  auto p = again.start();
  REQUIRE(p.ok());
  CHECK(*p == port);
}

// ---- HTTP
// ----------------------------------------------------------------------------------------

TEST_CASE("rpc server: HTTP POST answers single and batch requests", "[rpc-server]") {
  Node node;
  auto res = post(node.port, R"({"jsonrpc":"2.0","id":7,"method":"echo","params":[true]})");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type").rfind("application/json", 0) == 0);
  CHECK(json::parse(res->body) == json{{"jsonrpc", "2.0"}, {"id", 7}, {"result", {true}}});

  res = post(node.port, R"([{"jsonrpc":"2.0","id":1,"method":"echo"},
                            {"jsonrpc":"2.0","id":2,"method":"nope"}])");
  REQUIRE(res);
  json batch = json::parse(res->body);
  REQUIRE(batch.size() == 2);
  CHECK(batch[1]["error"]["code"] == code::kMethodNotFound);

  res = post(node.port, "{oops");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(json::parse(res->body)["error"]["code"] == code::kParseError);

  res = post(node.port, R"({"jsonrpc":"2.0","method":"echo"})");  // a notification
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->body.empty());
}

TEST_CASE("rpc server: HTTP methods other than POST and OPTIONS get 405", "[rpc-server]") {
  Node node;
  httplib::Client cli("127.0.0.1", node.port);
  auto get = cli.Get("/");
  REQUIRE(get);
  CHECK(get->status == 405);
  CHECK(get->body.find("POST") != std::string::npos);
  CHECK(get->get_header_value("Allow") == "POST, OPTIONS");
  httplib::Client cli2("127.0.0.1", node.port);
  auto put = cli2.Put("/", "{}", "application/json");
  REQUIRE(put);
  CHECK(put->status == 405);
  httplib::Client cli3("127.0.0.1", node.port);
  auto opt = cli3.Options("/");
  REQUIRE(opt);
  CHECK(opt->status == 200);
  CHECK(opt->get_header_value("Access-Control-Allow-Origin") == "*");
}

TEST_CASE("rpc server: HTTP POST without a JSON content type gets 415", "[rpc-server]") {
  Node node;
  auto res = post(node.port, R"({"jsonrpc":"2.0","id":1,"method":"echo"})", "text/plain");
  REQUIRE(res);
  CHECK(res->status == 415);
  CHECK(res->body.find("application/json") != std::string::npos);
  res = post(node.port, R"({"jsonrpc":"2.0","id":1,"method":"echo"})",
             "application/json; charset=utf-8");
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("rpc server: an HTTP body over the limit gets 413 without being read", "[rpc-server]") {
  RpcServerConfig cfg = test_config();
  cfg.request.max_bytes = 1024;
  Node node(cfg);
  auto res = post(node.port, std::string(4096, ' '));
  REQUIRE(res);
  CHECK(res->status == 413);
  // The server still serves.
  res = post(node.port, R"({"jsonrpc":"2.0","id":1,"method":"echo"})");
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("rpc server: our HTTP client calls methods and sees application errors", "[rpc-server]") {
  Node node;
  auto client = ev::chain::connect(node.http_url());
  REQUIRE(client.ok());
  for (int i = 0; i < 3; ++i) {  // the server closes each HTTP connection after its reply
    auto r = (*client)->call("echo", R"(["x"])");
    REQUIRE(r.ok());
    CHECK(*r == json::array({"x"}));
  }
  auto e = (*client)->call("submit", "[]");
  REQUIRE_FALSE(e.ok());
  auto info = ev::chain::rpc_error_info(e.error());
  REQUIRE(info.has_value());
  CHECK(info->code == 1010);
  CHECK(info->message == "Invalid Transaction");
  auto rej = ev::chain::classify_tx_rejection(e.error());
  REQUIRE(rej.has_value());
  CHECK(rej->invalid == ev::chain::InvalidTx::Stale);
}

// ---- WebSocket
// -----------------------------------------------------------------------------------

TEST_CASE("rpc server: WebSocket calls and errors through our client", "[rpc-server]") {
  Node node;
  auto client = ws_client(node);
  auto r = client->call("echo", R"({"k":[1,2]})");
  REQUIRE(r.ok());
  CHECK(*r == json{{"k", {1, 2}}});
  auto missing = client->call("nope", "[]");
  REQUIRE_FALSE(missing.ok());
  auto info = ev::chain::rpc_error_info(missing.error());
  REQUIRE(info.has_value());
  CHECK(info->code == code::kMethodNotFound);
  auto th = client->call("throws", "[]");
  REQUIRE_FALSE(th.ok());
  CHECK(ev::chain::rpc_error_info(th.error())->code == code::kInternalError);
}

TEST_CASE("rpc server: notifications follow the subscription id, in order, until unsubscribe",
          "[rpc-server]") {
  Node node;
  auto client = ws_client(node);
  Inbox inbox;
  auto sub = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
  REQUIRE(sub.ok());
  CHECK(sub->id().size() == 16);
  REQUIRE(eventually([&] { return node.sinks.size() == 1; }));
  SubscriptionSink sink = node.sinks.last();
  CHECK(sink.id() == sub->id());
  for (int i = 1; i <= 20; ++i) CHECK(sink.send(json{{"n", i}}));
  REQUIRE(inbox.wait_for(21));
  {
    std::lock_guard lock(inbox.mu);
    for (int i = 0; i <= 20; ++i) CHECK(inbox.items[static_cast<std::size_t>(i)]["n"] == i);
  }
  const std::string id = sub->id();
  REQUIRE(sub->unsubscribe().ok());
  CHECK(eventually([&] { return sink.is_closed(); }));
  CHECK_FALSE(sink.send(json{{"n", 99}}));
  // A second unsubscribe of the same id, and one of an unknown id, answer false.
  auto again = client->call("test_unsubscribe", "[\"" + id + "\"]");
  REQUIRE(again.ok());
  CHECK(*again == false);
  auto bad = client->call("test_unsubscribe", "[7]");
  REQUIRE_FALSE(bad.ok());
  CHECK(ev::chain::rpc_error_info(bad.error())->code == code::kInvalidParams);
}

TEST_CASE("rpc server: a subscribe handler's error creates no subscription", "[rpc-server]") {
  Node node;
  auto client = ws_client(node);
  Inbox inbox;
  auto sub =
      client->subscribe("test_subscribe", R"(["refuse"])", "test_unsubscribe", inbox.callback());
  REQUIRE_FALSE(sub.ok());
  CHECK(ev::chain::rpc_error_info(sub.error())->code == code::kInvalidParams);
}

TEST_CASE("rpc server: closing a sink on the server ends the subscription", "[rpc-server]") {
  Node node;
  auto client = ws_client(node);
  Inbox inbox;
  auto sub = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
  REQUIRE(sub.ok());
  REQUIRE(eventually([&] { return node.sinks.size() == 1; }));
  SubscriptionSink sink = node.sinks.last();
  sink.close();
  CHECK(sink.is_closed());
  CHECK_FALSE(sink.send(json(1)));
  auto r = client->call("test_unsubscribe", "[\"" + sub->id() + "\"]");
  REQUIRE(r.ok());
  CHECK(*r == false);
}

TEST_CASE("rpc server: subscriptions per connection are bounded", "[rpc-server]") {
  RpcServerConfig cfg = test_config();
  cfg.max_subscriptions_per_connection = 2;
  Node node(cfg);
  auto client = ws_client(node);
  Inbox inbox;
  auto a = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
  auto b = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  auto c = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
  REQUIRE_FALSE(c.ok());
  auto info = ev::chain::rpc_error_info(c.error());
  REQUIRE(info.has_value());
  CHECK(info->code == code::kTooManySubscriptions);
  REQUIRE(a->unsubscribe().ok());
  auto d = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
  CHECK(d.ok());
}

TEST_CASE("rpc server: a closed connection closes its subscriptions", "[rpc-server]") {
  Node node;
  {
    auto client = ws_client(node);
    Inbox inbox;
    auto sub = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
    REQUIRE(sub.ok());
    REQUIRE(eventually([&] { return node.sinks.size() == 1; }));
    sub->reset();
    sub = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
    REQUIRE(sub.ok());
    REQUIRE(eventually([&] { return node.sinks.size() == 2; }));
  }
  SubscriptionSink sink = node.sinks.last();
  CHECK(eventually([&] { return sink.is_closed(); }));
}

TEST_CASE("rpc server: a WebSocket message over the limit closes the connection", "[rpc-server]") {
  RpcServerConfig cfg = test_config();
  cfg.request.max_bytes = 4096;
  Node node(cfg);
  auto client = ws_client(node);
  auto r = client->call("echo", "[\"" + std::string(8192, 'z') + "\"]");
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(r.error().message.find("code 1009") != std::string::npos);  // "message too big" close
  // Other connections are unaffected.
  auto other = ws_client(node);
  CHECK(other->call("echo", "[]").ok());
}

TEST_CASE("rpc server: connections beyond the limit are refused", "[rpc-server]") {
  RpcServerConfig cfg = test_config();
  cfg.max_connections = 2;
  Node node(cfg);
  auto a = ws_client(node);
  auto b = ws_client(node);
  auto c = ev::chain::connect(node.ws_url());
  REQUIRE_FALSE(c.ok());
  CHECK(ev::is(c.error(), ev::chain::RpcErrc::ConnectFailed));
  auto res = post(node.port, R"({"jsonrpc":"2.0","id":1,"method":"echo"})");
  REQUIRE(res);
  CHECK(res->status == 503);
  a.reset();
  CHECK(eventually([&] { return ev::chain::connect(node.ws_url()).ok(); }));
}

TEST_CASE("rpc server: many concurrent clients over WebSocket and HTTP", "[rpc-server]") {
  RpcServerConfig cfg = test_config();
  cfg.worker_threads = 4;
  Node node(cfg);
  std::atomic<int> good{0};
  std::atomic<int> bad{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      auto c = ev::chain::connect(t % 2 == 0 ? node.ws_url() : node.http_url());
      if (!c.ok()) {
        ++bad;
        return;
      }
      for (int i = 0; i < 40; ++i) {
        const json want = json::array({t, i});
        auto r = (*c)->call("echo", want.dump());
        (r.ok() && *r == want ? good : bad)++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(bad == 0);
  CHECK(good == 8 * 40);
}

TEST_CASE("rpc server: slow handlers do not block other connections", "[rpc-server]") {
  Node node;  // two workers
  auto slow = ws_client(node);
  std::thread t([&] { (void)slow->call("slow", "[800]"); });
  std::this_thread::sleep_for(50ms);
  auto fast = ws_client(node);
  const auto start = std::chrono::steady_clock::now();
  REQUIRE(fast->call("echo", "[]").ok());
  CHECK(std::chrono::steady_clock::now() - start < 600ms);
  t.join();
}

TEST_CASE("rpc server: stop while clients are connected closes them and frees the port",
          "[rpc-server]") {
  auto node = std::make_unique<Node>();
  auto client = ws_client(*node);
  Inbox inbox;
  auto sub = client->subscribe("test_subscribe", "[]", "test_unsubscribe", inbox.callback());
  REQUIRE(sub.ok());
  REQUIRE(eventually([&] { return node->sinks.size() == 1; }));
  SubscriptionSink sink = node->sinks.last();
  std::thread pending([&] { (void)client->call("slow", "[300]"); });
  std::this_thread::sleep_for(50ms);
  const std::uint16_t port = node->port;
  const auto start = std::chrono::steady_clock::now();
  node->server.stop();
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  pending.join();
  CHECK(sink.is_closed());
  CHECK_FALSE(sink.send(json(1)));
  CHECK(inbox.wait_closed());
  node.reset();
  CHECK_FALSE(sink.send(json(2)));  // the sink outlives the server

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0);
  ::close(fd);
}
