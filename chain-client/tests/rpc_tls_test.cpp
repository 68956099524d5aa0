// https:// and wss:// against an in-process TLS server with a self-signed certificate.
#include <catch2/catch.hpp>

#include "ev/chain/rpc.hpp"
#include "rpc_test_server.hpp"
#include "test_support.hpp"

using namespace ev::chain;
using ev::test::RpcTestServer;

namespace {

std::string answer(const std::string& text) {
  JsonValue req = JsonValue::parse(text);
  JsonValue r = {{"jsonrpc", "2.0"}, {"id", req["id"]}, {"result", "over TLS"}};
  return r.dump();
}

}  // namespace

TEST_CASE("rpc tls: https and wss verify the server against the given CA file", "[rpc][tls]") {
  ev::test::TempDir dir;
  const auto id = ev::test::TlsIdentity::create(dir.path());
  RpcTestServer server(
      [](const std::string& body) {
        return RpcTestServer::HttpReply{200, answer(body)};
      },
      [](const std::shared_ptr<RpcTestServer::WsPeer>& p, const std::string& text) {
        p->send(answer(text));
      },
      &id);
  RpcOptions trusted;
  trusted.ca_file = id.cert.string();
  trusted.connect_timeout = std::chrono::milliseconds(3000);
  for (const auto& url : {server.http_url(), server.ws_url()}) {
    INFO(url);
    auto c = connect(url, trusted);
    REQUIRE(c.ok());
    CHECK((*c)->endpoint().tls());
    auto r = (*c)->call("system_chain", "[]");
    REQUIRE(r.ok());
    CHECK(*r == "over TLS");
  }

  RpcOptions untrusted;  // the system's trust store does not know this certificate
  untrusted.connect_timeout = std::chrono::milliseconds(3000);
  auto h = connect(server.http_url(), untrusted);
  REQUIRE(h.ok());
  auto hr = (*h)->call("system_chain", "[]");
  REQUIRE_FALSE(hr.ok());
  CHECK(ev::is(hr.error(), RpcErrc::ConnectFailed));
  auto w = connect(server.ws_url(), untrusted);
  REQUIRE_FALSE(w.ok());
  CHECK(ev::is(w.error(), RpcErrc::ConnectFailed));
}

TEST_CASE("rpc tls: a server hanging up mid-request gives an error and no SIGPIPE", "[rpc][tls]") {
  ev::test::TempDir dir;
  const auto id = ev::test::TlsIdentity::create(dir.path());
  RpcTestServer server(
      [](const std::string& body) {
        return RpcTestServer::HttpReply{200, answer(body)};
      },
      [](const std::shared_ptr<RpcTestServer::WsPeer>&, const std::string&) {}, &id);
  RpcOptions o;
  o.ca_file = id.cert.string();
  auto c = connect(server.http_url(), o);
  REQUIRE(c.ok());
  REQUIRE((*c)->call("system_chain", "[]").ok());  // the keep-alive connection is up
  server.set_hang_up_after_headers(true);
  const std::string big = "[\"0x" + std::string(8 << 20, '0') + "\"]";
  for (int i = 0; i < 3; ++i) {
    auto r = (*c)->call("author_submitExtrinsic", big);
    REQUIRE_FALSE(r.ok());
    CHECK(
        (ev::is(r.error(), RpcErrc::ConnectionLost) || ev::is(r.error(), RpcErrc::ConnectFailed)));
  }
}
