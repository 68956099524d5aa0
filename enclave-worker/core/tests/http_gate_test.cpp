// The workers' HTTP gate (ev/worker/http_gate.hpp) over real loopback sockets: slow, idle and
// oversized clients against a server with two worker threads and short deadlines.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ev/worker/http_gate.hpp"

using namespace ev::worker;
using namespace std::chrono_literals;

namespace {

// A connected loopback socket from `from` (another 127.x address: another client).
int connect_from(std::uint16_t port, const char* from = "127.0.0.1") {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  REQUIRE(::inet_pton(AF_INET, from, &src.sin_addr) == 1);
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) == 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

bool send_all(int fd, std::string_view s) {
  while (!s.empty()) {
    const auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    s.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Everything received until the peer closes or `wait` passes without a byte.
std::string recv_all(int fd, std::chrono::milliseconds wait) {
  timeval tv{static_cast<time_t>(wait.count() / 1000),
             static_cast<suseconds_t>((wait.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  char buf[4096];
  for (;;) {
    const auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// One request on a fresh connection; the whole answer.
std::string talk(std::uint16_t port, std::string_view raw, const char* from = "127.0.0.1",
                 std::chrono::milliseconds wait = 3s) {
  const int fd = connect_from(port, from);
  (void)send_all(fd, raw);
  std::string out = recv_all(fd, wait);
  ::close(fd);
  return out;
}

constexpr std::string_view kHealth =
    "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";

struct Served {
  GatedServer server;
  std::uint16_t port = 0;
  std::thread thread;

  explicit Served(const HttpLimits& limits) : server(limits) {
    server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });
    server.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    port = static_cast<std::uint16_t>(server.bind_to_any_port("127.0.0.1"));
    REQUIRE(port > 0);
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~Served() {
    server.stop();
    thread.join();
    server.shutdown();
  }
  void wait_open(std::size_t n) {
    for (int i = 0; i < 200 && server.stats().open_connections != n; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    REQUIRE(server.stats().open_connections == n);
  }
};

HttpLimits small_limits() {
  HttpLimits l;
  l.threads = 2;
  l.header_timeout = 1500ms;
  l.body_timeout = 1500ms;
  l.idle_timeout = 1000ms;
  l.max_per_client = 64;
  return l;
}

}  // namespace

TEST_CASE("http gate: slow and idle connections never stop /healthz and are dropped at deadlines",
          "[gate]") {
  // Before, cpp-httplib served each connection on a pool thread with a per-read timeout only:
  // as many slow clients as threads froze every request for as long as they kept sending.
  Served s(small_limits());
  std::vector<int> slow;
  for (int i = 0; i < 12; ++i) {
    const std::string from = "127.0.3." + std::to_string(i + 1);
    slow.push_back(connect_from(s.port, from.c_str()));
    REQUIRE(send_all(slow.back(), "GET /healthz HTTP/1.1\r\n"));
  }
  std::vector<int> idle;
  for (int i = 0; i < 4; ++i) idle.push_back(connect_from(s.port, "127.0.4.1"));
  // Each slow client sends one header line every 200 ms (well within any per-read timeout).
  std::atomic<bool> stop{false};
  std::thread drip([&] {
    for (int n = 0; !stop; ++n) {
      for (const int fd : slow) {
        (void)::send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
      }
      std::this_thread::sleep_for(200ms);
    }
  });
  // A normal client is answered at once throughout, with only two worker threads.
  const auto start = std::chrono::steady_clock::now();
  int answered = 0;
  while (std::chrono::steady_clock::now() - start < 1200ms) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string r = talk(s.port, kHealth);
    CHECK(r.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < 500ms);
    ++answered;
  }
  CHECK(answered >= 5);
  // The slow ones are told 408 and closed once their header deadline passed; the idle ones
  // are closed after the idle timeout.
  for (const int fd : slow) {
    const std::string r = recv_all(fd, 3s);
    CHECK(r.rfind("HTTP/1.1 408", 0) == 0);
    CHECK(r.find("request_timeout") != std::string::npos);
  }
  stop = true;
  drip.join();
  for (const int fd : idle) CHECK(recv_all(fd, 3s).empty());
  for (const int fd : slow) ::close(fd);
  for (const int fd : idle) ::close(fd);
  s.wait_open(0);
  CHECK(s.server.stats().timed_out >= 16);
  CHECK(talk(s.port, kHealth).rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("http gate: a slow body is refused at its deadline; the workers stay free", "[gate]") {
  Served s(small_limits());
  std::vector<int> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(connect_from(s.port, "127.0.5.1"));
    REQUIRE(send_all(slow.back(),
                     "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789"));
  }
  CHECK(talk(s.port, kHealth).rfind("HTTP/1.1 200", 0) == 0);
  for (const int fd : slow) {
    const std::string r = recv_all(fd, 3s);
    CHECK(r.rfind("HTTP/1.1 408", 0) == 0);
    CHECK(r.find("body did not arrive") != std::string::npos);
    ::close(fd);
  }
}

TEST_CASE("http gate: connections are capped per client address and in all", "[gate]") {
  HttpLimits l = small_limits();
  l.max_per_client = 3;
  l.max_connections = 5;
  l.idle_timeout = 10s;
  Served s(l);
  std::vector<int> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect_from(s.port, "127.0.6.1"));
  s.wait_open(3);
  const std::string over = talk(s.port, kHealth, "127.0.6.1");
  CHECK(over.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(over.find("from this address") != std::string::npos);
  // Another client still gets in, up to the total.
  for (int i = 0; i < 2; ++i) held.push_back(connect_from(s.port, "127.0.6.2"));
  s.wait_open(5);
  const std::string full = talk(s.port, kHealth, "127.0.6.3");
  CHECK(full.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(full.find("too many open connections") != std::string::npos);
  CHECK(s.server.stats().refused_connections == 2);
  for (const int fd : held) ::close(fd);
  s.wait_open(0);
  CHECK(talk(s.port, kHealth, "127.0.6.1").rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("http gate: request heads over the caps, bad lengths and chunked bodies are refused",
          "[gate]") {
  HttpLimits l = small_limits();
  l.max_header_bytes = 4096;
  l.max_header_lines = 10;
  l.max_body = 1000;
  Served s(l);
  // Before, header bytes were read without limit (33 MB grew the process by 72 MiB).
  std::string big = "GET /healthz HTTP/1.1\r\n";
  for (int i = 0; i < 5; ++i)
    big += "X-Big-" + std::to_string(i) + ": " + std::string(1000, 'a') + "\r\n";
  const std::string r1 = talk(s.port, big + "\r\n");
  CHECK(r1.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(r1.find("over 4096 bytes") != std::string::npos);
  std::string many = "GET /healthz HTTP/1.1\r\n";
  for (int i = 0; i < 11; ++i) many += "A: b\r\n";
  const std::string r2 = talk(s.port, many + "\r\n");
  CHECK(r2.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(r2.find("more than 10 header lines") != std::string::npos);
  // Refused from the declared length, before any of the body is read.
  const std::string r3 = talk(s.port, "POST /echo HTTP/1.1\r\nContent-Length: 1001\r\n\r\n");
  CHECK(r3.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(talk(s.port, "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            .rfind("HTTP/1.1 411", 0) == 0);
  CHECK(talk(s.port, "POST /echo HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
            .rfind("HTTP/1.1 400", 0) == 0);
  CHECK(talk(s.port, "POST /echo HTTP/1.1\r\nContent-Length: 1x\r\n\r\nab")
            .rfind("HTTP/1.1 400", 0) == 0);
  CHECK(s.server.stats().refused_requests == 6);
  // Within the caps all is served.
  const std::string ok =
      talk(s.port, "POST /echo HTTP/1.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");
  CHECK(ok.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(ok.substr(ok.size() - 5) == "hello");
}

TEST_CASE("http gate: keep-alive, pipelined requests and Expect: 100-continue", "[gate]") {
  Served s(small_limits());
  // Two requests in one write: two answers, in order, on one connection.
  const std::string two = talk(s.port,
                               "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\none"
                               "POST /echo HTTP/1.1\r\nContent-Length: 3\r\nConnection: "
                               "close\r\n\r\ntwo");
  const auto first = two.find("\r\n\r\none");
  const auto second = two.find("\r\n\r\ntwo");
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(first < second);
  // The gate says "100 Continue" once, before the body, and httplib no second time.
  const int fd = connect_from(s.port);
  REQUIRE(send_all(fd,
                   "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\n"
                   "Connection: close\r\n\r\n"));
  char buf[64] = {};
  const auto n = ::recv(fd, buf, sizeof buf, 0);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<std::size_t>(n)) == "HTTP/1.1 100 Continue\r\n\r\n");
  REQUIRE(send_all(fd, "body"));
  const std::string rest = recv_all(fd, 3s);
  ::close(fd);
  CHECK(rest.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(rest.find("100 Continue") == std::string::npos);
  CHECK(rest.substr(rest.size() - 4) == "body");
}

TEST_CASE("http gate: scan_head reads a head as the HTTP library does", "[gate]") {
  HttpLimits l;
  l.max_body = 10;
  CHECK(scan_head("GET / HTTP/1.1\r\nHost: x\r\n", l).state == HeadScan::State::Incomplete);
  auto c = scan_head("PUT / HTTP/1.1\r\ncontent-length:  7 \r\nexpect: 100-continue\r\n\r\nxy", l);
  REQUIRE(c.state == HeadScan::State::Complete);
  CHECK(c.content_length == 7);
  CHECK(c.head_size == 61);
  REQUIRE(c.expect_at.has_value());
  CHECK(*c.expect_at == 37);
  // A line without CRLF is skipped, as by the library; the head ends at the CRLF line only.
  CHECK(scan_head("GET / HTTP/1.1\r\nA: b\n\n", l).state == HeadScan::State::Incomplete);
  auto big = scan_head("PUT / HTTP/1.1\r\nContent-Length: 11\r\n\r\n", l);
  CHECK(big.state == HeadScan::State::Refused);
  CHECK(big.status == 413);
}
