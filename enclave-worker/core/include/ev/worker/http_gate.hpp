// The workers' HTTP front: cpp-httplib's request handling behind an event-driven gate.
//
// cpp-httplib serves each connection on a pool thread for as long as it stays open, with only a
// per-read timeout, so a few clients sending one header line every few seconds hold every thread
// and the API freezes. GatedServer keeps httplib's parser, routing and replies but takes the
// connections from its accept loop: one poll thread reads every connection's request (headers
// and body) into memory under whole-request deadlines and size caps, and only a complete request
// reaches a worker thread. Slow, idle or oversized clients never hold a worker.
//
// Limits (docs/threat-model.md): open connections in all and per client address, the time from
// a request's first byte to the end of its headers and from there to the end of its body, idle
// time between requests, the size and line count of the request head, the body (declared by
// Content-Length; chunked bodies are refused with 411), the bytes of bodies buffered at once, and
// the time to write a response. Refusals are answered with a JSON error
// ({"error":{"code","message"}}) and the connection is closed.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

namespace ev::worker {

struct GateConn;

struct HttpLimits {
  std::size_t threads = 8;                          // worker threads (complete requests only)
  std::size_t max_connections = 256;                // open at once, every client together
  std::size_t max_per_client = 16;                  // open at once from one client address
  std::chrono::milliseconds header_timeout{10000};  // first byte of a request to its blank line
  std::chrono::milliseconds body_timeout{30000};    // end of the headers to the end of the body
  std::chrono::milliseconds idle_timeout{5000};     // waiting for a connection's (next) request
  std::chrono::milliseconds write_timeout{10000};   // writing one whole response
  std::size_t max_header_bytes = std::size_t{16} * 1024;           // request line and headers
  std::size_t max_header_lines = 64;                               // header lines
  std::size_t max_body = std::size_t{2} * 1024 * 1024;             // Content-Length beyond: 413
  std::size_t max_buffered_bytes = std::size_t{64} * 1024 * 1024;  // bodies held at once: 503
  std::size_t max_requests_per_connection = 100;                   // keep-alive
};

// What the gate makes of the bytes of a request received so far (exposed for tests and fuzzing).
struct HeadScan {
  enum class State { Incomplete, Complete, Refused };
  State state = State::Incomplete;
  std::size_t head_size = 0;             // bytes up to and including the blank line (Complete)
  std::size_t content_length = 0;        // declared body size (Complete)
  std::optional<std::size_t> expect_at;  // offset of an "Expect: 100-continue" header's name
  int status = 0;                        // Refused: the HTTP status to answer
  std::string message;                   // Refused: why, for the client
};
[[nodiscard]] HeadScan scan_head(std::string_view received, const HttpLimits& limits);

// Counters, for /metrics and tests.
struct GateStats {
  std::uint64_t refused_connections = 0;  // over the total or per-client cap
  std::uint64_t timed_out = 0;            // whole-request deadline passed (408) or idle
  std::uint64_t refused_requests = 0;     // head too large, bad length, body too large, busy
  std::size_t open_connections = 0;       // now
};

class GatedServer : public httplib::Server {
 public:
  explicit GatedServer(HttpLimits limits);
  ~GatedServer() override;
  GatedServer(const GatedServer&) = delete;
  GatedServer& operator=(const GatedServer&) = delete;

  // Stops accepting (httplib's stop()) and closes every connection; requests being handled
  // finish first. Call after listen_after_bind() has returned or from another thread.
  void shutdown();
  [[nodiscard]] GateStats stats() const;

  struct Gate;

 private:
  // Runs on httplib's accept loop (its task queue runs tasks inline): admits the connection to
  // the gate or refuses it, never blocking.
  bool process_and_close_socket(socket_t sock) override;
  void serve_request(const std::shared_ptr<GateConn>& conn);

  std::unique_ptr<Gate> gate_;
};

}  // namespace ev::worker
