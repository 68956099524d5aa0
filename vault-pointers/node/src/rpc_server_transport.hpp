// The socket side of the RPC server: one listening port serving plain HTTP requests and
// WebSocket connections, on one I/O thread (websocketpp + standalone asio).
//
// Internal to the dev node. This header and rpc_server_ws.cpp are C++17 on purpose: websocketpp
// 0.8.2 does not compile as C++20 with g++, so its single translation unit is built as C++17
// (vault-pointers/node/CMakeLists.txt) and talks to the server through this interface, which
// uses only standard types.
//
// Threading: every Handlers callback runs on the I/O thread, one at a time. respond/send/close
// may be called from any thread (they are queued to the I/O thread); stop() must not be called
// from the I/O thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace ev::devnode::transport {

using ConnId = std::uint64_t;  // 0 is never a connection

struct Config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::size_t max_message_bytes = 1 << 20;       // WebSocket message / HTTP body; larger is refused
  std::size_t max_connections = 100;             // open WebSocket + in-flight HTTP connections
  std::size_t max_send_buffer_bytes = 64 << 20;  // unsent bytes per connection; beyond: closed
};

struct HttpRequest {
  std::string method;        // "POST", "GET", ...
  std::string content_type;  // the Content-Type header, "" when absent
  std::string body;
};

struct HttpReply {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct Handlers {
  // A plain HTTP request; the server must answer it once with respond().
  std::function<void(ConnId, HttpRequest&&)> on_http;
  // A WebSocket connection is open.
  std::function<void(ConnId)> on_ws_open;
  // One complete WebSocket message (text or binary).
  std::function<void(ConnId, std::string&&)> on_ws_message;
  // The connection (HTTP or WebSocket) ended; no more callbacks for it.
  std::function<void(ConnId)> on_close;
};

enum class StartError { None, InvalidAddress, Bind, Io };

class Server {
 public:
  virtual ~Server() = default;
  // The port bound by start().
  [[nodiscard]] virtual std::uint16_t port() const = 0;
  // Answers an HTTP request (once); ignored when the connection is gone.
  virtual void respond(ConnId conn, HttpReply reply) = 0;
  // Sends a WebSocket text message; ignored when the connection is gone.
  virtual void send(ConnId conn, std::string text) = 0;
  // Closes a WebSocket connection with a close code and reason.
  virtual void close(ConnId conn, std::uint16_t code, std::string reason) = 0;
  // Stops listening, closes every connection (WebSocket: 1001 going away), waits briefly for the
  // closing handshakes, stops and joins the I/O thread. Idempotent. No callback runs afterwards.
  virtual void stop() = 0;
};

struct StartResult {
  std::unique_ptr<Server> server;  // null on failure
  StartError error = StartError::None;
  std::string message;
};

// Binds, listens and starts the I/O thread (which blocks the asynchronous signals).
StartResult start_server(const Config& config, Handlers handlers);

}  // namespace ev::devnode::transport
