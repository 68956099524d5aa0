// The WebSocket transport against an in-process JSON-RPC server on a loopback port.
#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "ev/chain/rpc.hpp"
#include "rpc_test_server.hpp"
#include "test_support.hpp"

using namespace ev::chain;
using ev::test::RpcTestServer;
using Peer = std::shared_ptr<RpcTestServer::WsPeer>;
using std::chrono::milliseconds;

namespace {

JsonValue result_msg(const JsonValue& id, const JsonValue& result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", result}};
}

JsonValue notification(const std::string& method, const std::string& sub, const JsonValue& r) {
  return {
      {"jsonrpc", "2.0"}, {"method", method}, {"params", {{"subscription", sub}, {"result", r}}}};
}

RpcTestServer::HttpHandler no_http() {
  return [](const std::string&) { return RpcTestServer::HttpReply{404, ""}; };
}

std::unique_ptr<RpcClient> ws_client(const std::string& url, RpcOptions o = {}) {
  auto c = connect(url, o);
  if (!c.ok()) FAIL(c.error().to_string());
  return std::move(c).value();
}

// Collects callback values; wait_for(n) blocks until n arrived (or 5 s).
class Collector {
 public:
  NotificationCallback callback() {
    return [this](ev::Result<JsonValue> r) {
      std::lock_guard lock(mu_);
      if (r.ok()) {
        values_.push_back(*r);
      } else {
        errors_.push_back(r.error());
      }
      cv_.notify_all();
    };
  }
  bool wait_for(std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(5),
                        [&] { return values_.size() + errors_.size() >= n; });
  }
  std::vector<JsonValue> values() {
    std::lock_guard lock(mu_);
    return values_;
  }
  std::vector<ev::Error> errors() {
    std::lock_guard lock(mu_);
    return errors_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<JsonValue> values_;
  std::vector<ev::Error> errors_;
};

bool eventually(const std::function<bool()>& f) {
  for (int i = 0; i < 500; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return f();
}

bool received(const RpcTestServer& s, const std::string& method) {
  for (const auto& r : s.requests()) {
    if (JsonValue::parse(r)["method"] == method) return true;
  }
  return false;
}

// Replies to every request with its first param, after a random delay, from other threads.
class ShuffledEcho {
 public:
  ~ShuffledEcho() {
    std::lock_guard lock(mu_);
    for (auto& t : threads_) t.join();
  }
  void operator()(const Peer& peer, const std::string& text) {
    auto req = JsonValue::parse(text);
    std::lock_guard lock(mu_);
    const int delay = static_cast<int>(rng_() % 15);
    threads_.emplace_back([peer, req, delay] {
      std::this_thread::sleep_for(milliseconds(delay));
      peer->send(result_msg(req["id"], req["params"][0]).dump());
    });
  }

 private:
  std::mutex mu_;
  std::mt19937 rng_{12345};
  std::vector<std::thread> threads_;
};

}  // namespace

TEST_CASE("rpc ws: concurrent calls from several threads are matched by id", "[rpc][ws]") {
  ShuffledEcho echo;
  RpcTestServer server(no_http(), [&](const Peer& p, const std::string& t) { echo(p, t); });
  auto c = ws_client(server.ws_url());
  CHECK(c->supports_subscriptions());
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 30; ++i) {
        const std::string v = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = c->call("echo", JsonValue::array({v}).dump());
        if (r.ok() && *r == v) good.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(good.load() == 180);
  CHECK(server.ws_accepted() == 1);
}

TEST_CASE("rpc ws: notifications arrive in order including those before the subscribe reply",
          "[rpc][ws]") {
  RpcTestServer server(no_http(), [](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    if (req["method"] != "chain_subscribeFinalizedHeads") {
      p->send(result_msg(req["id"], true).dump());
      return;
    }
    for (int i = 0; i < 3; ++i) p->send(notification("chain_finalizedHead", "sub-7", i).dump());
    p->send(notification("chain_finalizedHead", "other", -1).dump());  // not ours: dropped
    p->send(result_msg(req["id"], "sub-7").dump());
    for (int i = 3; i < 50; ++i) p->send(notification("chain_finalizedHead", "sub-7", i).dump());
  });
  auto c = ws_client(server.ws_url());
  Collector got;
  auto sub = c->subscribe("chain_subscribeFinalizedHeads", "[]", "chain_unsubscribeFinalizedHeads",
                          got.callback());
  REQUIRE(sub.ok());
  CHECK(sub->id() == "sub-7");
  REQUIRE(got.wait_for(50));
  auto values = got.values();
  REQUIRE(values.size() == 50);
  for (int i = 0; i < 50; ++i) CHECK(values[static_cast<std::size_t>(i)] == i);
  CHECK(got.errors().empty());
  CHECK(eventually([&] { return c->stats().dropped_messages == 1; }));
}

TEST_CASE("rpc ws: destroying the handle unsubscribes and stops delivery", "[rpc][ws]") {
  Peer last;
  std::mutex mu;
  RpcTestServer server(no_http(), [&](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    {
      std::lock_guard lock(mu);
      last = p;
    }
    if (req["method"] == "chain_subscribeFinalizedHeads") {
      p->send(result_msg(req["id"], 77).dump());  // numeric subscription id
      p->send(notification("chain_finalizedHead", "77", "first").dump());
    } else {
      p->send(result_msg(req["id"], true).dump());
      // Sent after the unsubscribe request: must not reach the callback.
      p->send(notification("chain_finalizedHead", "77", "late").dump());
    }
  });
  auto c = ws_client(server.ws_url());
  Collector got;
  {
    auto sub = c->subscribe("chain_subscribeFinalizedHeads", "[]",
                            "chain_unsubscribeFinalizedHeads", got.callback());
    REQUIRE(sub.ok());
    CHECK(sub->id() == "77");
    REQUIRE(got.wait_for(1));
  }
  REQUIRE(eventually([&] { return received(server, "chain_unsubscribeFinalizedHeads"); }));
  for (const auto& r : server.requests()) {
    auto req = JsonValue::parse(r);
    if (req["method"] == "chain_unsubscribeFinalizedHeads")
      CHECK(req["params"] == JsonValue::parse(R"(["77"])"));
  }
  // "late" reaches the client after the unsubscribe reply and is dropped there.
  REQUIRE(eventually([&] { return c->stats().dropped_messages >= 1; }));
  CHECK(got.values() == std::vector<JsonValue>{"first"});

  // unsubscribe() waits for the reply.
  Collector got2;
  auto sub2 = c->subscribe("chain_subscribeFinalizedHeads", "[]", "chain_unsubscribeFinalizedHeads",
                           got2.callback());
  REQUIRE(sub2.ok());
  CHECK(sub2->unsubscribe().ok());
  CHECK(sub2->empty());
}

TEST_CASE("rpc ws: a dropped connection fails pending calls and closes subscriptions",
          "[rpc][ws]") {
  RpcTestServer server(no_http(), [](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    if (req["method"] == "chain_subscribeNewHeads") {
      p->send(result_msg(req["id"], "s1").dump());
    } else if (req["method"] == "author_submitExtrinsic") {
      p->close();  // the node goes away before replying
    } else {
      p->send(result_msg(req["id"], "ok").dump());
    }
  });
  RpcOptions o;
  o.request_timeout = milliseconds(10000);
  o.reconnect = ReconnectPolicy{5, milliseconds(20), milliseconds(100)};
  auto c = ws_client(server.ws_url(), o);
  Collector sub_events;
  auto sub = c->subscribe("chain_subscribeNewHeads", "[]", "chain_unsubscribeNewHeads",
                          sub_events.callback());
  REQUIRE(sub.ok());
  const auto t0 = std::chrono::steady_clock::now();
  auto r = c->call("author_submitExtrinsic", R"(["0x00"])");
  REQUIRE_FALSE(r.ok());
  CHECK(ev::is(r.error(), RpcErrc::ConnectionLost));
  CHECK(r.error().message.find("may have been executed") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - t0 < milliseconds(3000));
  REQUIRE(sub_events.wait_for(1));
  REQUIRE(sub_events.errors().size() == 1);
  CHECK(ev::is(sub_events.errors()[0], RpcErrc::SubscriptionClosed));
  // The client reconnects by itself and is usable again; the request was not re-sent.
  auto again = c->call("system_chain", "[]");
  REQUIRE(again.ok());
  CHECK(c->stats().reconnects == 1);
  int submits = 0;
  for (const auto& req : server.requests()) {
    if (JsonValue::parse(req)["method"] == "author_submitExtrinsic") ++submits;
  }
  CHECK(submits == 1);
}

TEST_CASE("rpc ws: the server restarts and the client reconnects with backoff", "[rpc][ws]") {
  RpcTestServer server(no_http(), [](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    p->send(result_msg(req["id"], "Rococo").dump());
  });
  RpcOptions o;
  o.request_timeout = milliseconds(8000);
  o.reconnect = ReconnectPolicy{30, milliseconds(50), milliseconds(400)};
  auto c = ws_client(server.ws_url(), o);
  REQUIRE(c->call("system_chain", "[]").ok());
  server.stop();
  std::this_thread::sleep_for(milliseconds(700));  // several refused attempts
  server.start();
  const auto r = rpc::system_chain(*c);
  REQUIRE(r.ok());
  CHECK(*r == "Rococo");
  CHECK(c->stats().reconnects == 1);
  CHECK(server.ws_accepted() == 2);
}

TEST_CASE("rpc ws: after max_attempts the client stays closed", "[rpc][ws]") {
  auto server = std::make_unique<RpcTestServer>(no_http(), [](const Peer& p, const std::string& t) {
    p->send(result_msg(JsonValue::parse(t)["id"], 1).dump());
  });
  RpcOptions o;
  o.reconnect = ReconnectPolicy{2, milliseconds(10), milliseconds(20)};
  auto c = ws_client(server->ws_url(), o);
  REQUIRE(c->call("x", "[]").ok());
  server.reset();
  REQUIRE(eventually([&] {
    auto r = c->call("x", "[]");
    return !r.ok() && ev::is(r.error(), RpcErrc::Closed);
  }));
  auto r = c->call("x", "[]");
  CHECK(r.error().message.find("gave up reconnecting") != std::string::npos);
  CHECK_FALSE(is_transient(r.error()));
}

TEST_CASE("rpc ws: submitAndWatch statuses are decoded in order", "[rpc][ws]") {
  const std::string h1 = "0x" + std::string(64, '1');
  RpcTestServer server(no_http(), [&](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    if (req["method"] == "author_unwatchExtrinsic") {
      p->send(result_msg(req["id"], true).dump());
      return;
    }
    const std::string xt = req["params"][0];
    if (xt == "0x01") {  // Chopsticks' sequence
      p->send(result_msg(req["id"], "w1").dump());
      for (auto s : {JsonValue::parse(R"({"ready":null})"),
                     JsonValue::parse(R"({"broadcast":["5GrwvaEF"]})"), JsonValue{{"inBlock", h1}},
                     JsonValue{{"finalized", h1}}}) {
        p->send(notification("author_extrinsicUpdate", "w1", s).dump());
      }
    } else if (xt == "0x02") {  // Substrate's string forms, then a rejection by Chopsticks
      p->send(result_msg(req["id"], "w2").dump());
      p->send(notification("author_extrinsicUpdate", "w2", "future").dump());
      p->send(notification("author_extrinsicUpdate", "w2", "ready").dump());
      p->send(notification("author_extrinsicUpdate", "w2",
                           JsonValue::parse(R"({"invalid":{"stale":null}})"))
                  .dump());
    } else {  // rejected at submission
      JsonValue e = {{"jsonrpc", "2.0"},
                     {"id", req["id"]},
                     {"error", {{"code", 1010}, {"message", R"({"invalid":{"badProof":null}})"}}}};
      p->send(e.dump());
    }
  });
  auto c = ws_client(server.ws_url());
  std::vector<std::string> names;
  std::mutex mu;
  auto record = [&](const TxStatus& s) {
    std::lock_guard lock(mu);
    names.emplace_back(tx_status_name(s));
  };
  auto done =
      rpc::submit_and_wait(*c, ev::Bytes{1}, rpc::TxWait::Finalized, milliseconds(5000), record);
  REQUIRE(done.ok());
  REQUIRE(std::holds_alternative<TxFinalized>(*done));
  CHECK(std::get<TxFinalized>(*done).block[0] == 0x11);
  CHECK(names == std::vector<std::string>{"ready", "broadcast", "inBlock", "finalized"});

  names.clear();
  auto invalid =
      rpc::submit_and_wait(*c, ev::Bytes{2}, rpc::TxWait::InBlock, milliseconds(5000), record);
  REQUIRE(invalid.ok());
  REQUIRE(std::holds_alternative<TxInvalid>(*invalid));
  CHECK(std::get<TxInvalid>(*invalid).reason->invalid == InvalidTx::Stale);
  CHECK(names == std::vector<std::string>{"future", "ready", "invalid"});

  auto rejected = rpc::submit_and_wait(*c, ev::Bytes{3}, rpc::TxWait::InBlock, milliseconds(5000));
  REQUIRE_FALSE(rejected.ok());
  CHECK(classify_tx_rejection(rejected.error())->invalid == InvalidTx::BadProof);
  CHECK(eventually([&] { return received(server, "author_unwatchExtrinsic"); }));
}

TEST_CASE("rpc ws: the raw status callback sees each status once", "[rpc][ws]") {
  const std::string h = "0x" + std::string(64, 'f');
  RpcTestServer server(no_http(), [&](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    p->send(result_msg(req["id"], "x").dump());
    if (req["method"] != "author_submitAndWatchExtrinsic") return;
    p->send(notification("author_extrinsicUpdate", "x", "ready").dump());
    p->send(notification("author_extrinsicUpdate", "x", JsonValue{{"inBlock", h}}).dump());
    p->send(notification("author_extrinsicUpdate", "x", JsonValue{{"retracted", h}}).dump());
    p->send(notification("author_extrinsicUpdate", "x", JsonValue{{"usurped", h}}).dump());
    p->send(notification("author_extrinsicUpdate", "x", "bogus").dump());
  });
  auto c = ws_client(server.ws_url());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<ev::Result<TxStatus>> got;
  auto sub = rpc::author_submit_and_watch_extrinsic(*c, ev::Bytes{9}, [&](ev::Result<TxStatus> s) {
    std::lock_guard lock(mu);
    got.push_back(std::move(s));
    cv.notify_all();
  });
  REQUIRE(sub.ok());
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return got.size() == 5; }));
  CHECK(std::holds_alternative<TxReady>(*got[0]));
  CHECK(std::holds_alternative<TxInBlock>(*got[1]));
  CHECK(std::holds_alternative<TxRetracted>(*got[2]));
  CHECK(std::holds_alternative<TxUsurped>(*got[3]));
  REQUIRE_FALSE(got[4].ok());
  CHECK(ev::is(got[4].error(), RpcErrc::BadResult));
}

TEST_CASE("rpc ws: finalized-head subscription decodes headers", "[rpc][ws]") {
  const std::string z = "0x" + std::string(64, '0');
  RpcTestServer server(no_http(), [&](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    p->send(result_msg(req["id"], "fh").dump());
    if (req["method"] != "chain_subscribeFinalizedHeads") return;
    for (int n = 1; n <= 3; ++n) {
      JsonValue h = {{"parentHash", z},
                     {"number", "0x0" + std::to_string(n)},
                     {"stateRoot", z},
                     {"extrinsicsRoot", z},
                     {"digest", {{"logs", JsonValue::array()}}}};
      p->send(notification("chain_finalizedHead", "fh", h).dump());
    }
  });
  auto c = ws_client(server.ws_url());
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::uint64_t> numbers;
  auto sub = rpc::chain_subscribe_finalized_heads(*c, [&](ev::Result<Header> h) {
    std::lock_guard lock(mu);
    if (h.ok()) numbers.push_back(h->number);
    cv.notify_all();
  });
  REQUIRE(sub.ok());
  std::unique_lock lock(mu);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(5), [&] { return numbers.size() == 3; }));
  CHECK(numbers == std::vector<std::uint64_t>{1, 2, 3});
}

TEST_CASE("rpc ws: error replies and oversized and malformed replies and callback misuse",
          "[rpc][ws]") {
  RpcTestServer server(no_http(), [](const Peer& p, const std::string& text) {
    auto req = JsonValue::parse(text);
    const std::string m = req["method"];
    if (m == "big") {
      p->send(result_msg(req["id"], std::string(5000, 'a')).dump());
    } else if (m == "bad") {
      p->send(R"({"jsonrpc":"2.0","id":)" + req["id"].dump() + R"(,"result":1,"error":{}})");
    } else if (m == "garbage") {
      p->send("not json");
      p->send(result_msg(req["id"], "after garbage").dump());
    } else if (m == "err") {
      JsonValue e = {{"jsonrpc", "2.0"},
                     {"id", req["id"]},
                     {"error", {{"code", -32601}, {"message", "Method not found"}}}};
      p->send(e.dump());
    } else if (m == "sub") {
      p->send(result_msg(req["id"], "s").dump());
      p->send(notification("n", "s", 1).dump());
    } else {
      p->send(result_msg(req["id"], m).dump());
    }
  });
  RpcOptions o;
  o.limits.max_bytes = 2000;
  o.reconnect = ReconnectPolicy{5, milliseconds(10), milliseconds(50)};
  auto c = ws_client(server.ws_url(), o);

  auto err = c->call("err", "[]");
  REQUIRE_FALSE(err.ok());
  CHECK(rpc_error_info(err.error())->code == -32601);

  auto bad = c->call("bad", "[]");
  REQUIRE_FALSE(bad.ok());
  CHECK(ev::is(bad.error(), RpcErrc::InvalidResponse));

  auto after = c->call("garbage", "[]");
  REQUIRE(after.ok());
  CHECK(*after == "after garbage");
  CHECK(c->stats().dropped_messages >= 1);

  auto big = c->call("big", "[]");
  REQUIRE_FALSE(big.ok());
  CHECK(ev::is(big.error(), RpcErrc::ResponseTooLarge));
  REQUIRE(c->call("fine", "[]").ok());  // reconnected

  // A call from inside a callback would deadlock: it is refused.
  std::promise<ev::Error> refused;
  auto sub = c->subscribe("sub", "[]", "unsub", [&](ev::Result<JsonValue> r) {
    if (!r.ok()) return;
    auto inner = c->call("x", "[]");
    refused.set_value(inner.ok() ? ev::Error{} : inner.error());
  });
  REQUIRE(sub.ok());
  auto f = refused.get_future();
  REQUIRE(f.wait_for(std::chrono::seconds(5)) == std::future_status::ready);
  CHECK(ev::is(f.get(), RpcErrc::InvalidArgument));
  CHECK(ev::is(c->subscribe("sub", "[]", "unsub", nullptr).error(), RpcErrc::InvalidArgument));
}

TEST_CASE("rpc ws: refused and silent endpoints fail to connect", "[rpc][ws]") {
  RpcOptions o;
  o.connect_timeout = milliseconds(500);
  auto refused = connect("ws://127.0.0.1:" + std::to_string(ev::test::free_loopback_port()), o);
  REQUIRE_FALSE(refused.ok());
  CHECK(ev::is(refused.error(), RpcErrc::ConnectFailed));

  // A listener that never accepts: TCP connects (backlog), the handshake never completes.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  REQUIRE(::listen(fd, 4) == 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const auto t0 = std::chrono::steady_clock::now();
  auto silent = connect("ws://127.0.0.1:" + std::to_string(ntohs(a.sin_port)), o);
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  ::close(fd);
  REQUIRE_FALSE(silent.ok());
  CHECK(ev::is(silent.error(), RpcErrc::Timeout));
  CHECK(elapsed < milliseconds(2500));
}

TEST_CASE("rpc ws: a subscription handle outliving its client is harmless", "[rpc][ws]") {
  RpcTestServer server(no_http(), [](const Peer& p, const std::string& text) {
    p->send(result_msg(JsonValue::parse(text)["id"], "s").dump());
  });
  Subscription sub;
  {
    auto c = ws_client(server.ws_url());
    auto s = c->subscribe("m", "[]", "unm", [](ev::Result<JsonValue>) {});
    REQUIRE(s.ok());
    sub = std::move(s).value();
    CHECK_FALSE(sub.empty());
  }
  CHECK(sub.unsubscribe().ok());
}
