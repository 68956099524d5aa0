// A WebSocket client connection with its own I/O thread (websocketpp + standalone asio).
//
// Internal to the RPC client. This header and rpc_ws_socket.cpp are C++17 on purpose:
// websocketpp 0.8.2 does not compile as C++20 with g++ (template-id constructors), so its single
// translation unit is built as C++17 (chain-client/CMakeLists.txt) and talks to the rest through
// this small interface, which uses only standard types.
//
// Threading: one I/O thread runs every callback below, in order. open/send/post/post_after may
// be called from any thread; stop() must not be called from the I/O thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace ev::chain::wsock {

struct Config {
  bool tls = false;
  long connect_timeout_ms = 5000;           // TCP + TLS + WebSocket handshake
  std::size_t max_message_bytes = 1 << 20;  // larger incoming messages close the connection
  bool verify_tls = true;
  std::string ca_file;  // PEM; empty = the system's default verify paths
  std::string host;     // expected certificate host name (tls only)
};

using ConnId = std::uint64_t;  // 0 is never a connection

enum class OpenStatus { Ok, Failed, TimedOut };
struct OpenResult {
  OpenStatus status = OpenStatus::Failed;
  ConnId conn = 0;
  std::string error;
};

struct CloseInfo {
  bool message_too_big = false;  // we closed it: a message exceeded max_message_bytes
  std::string reason;            // human description (close code, reason, transport error)
};

struct Handlers {
  std::function<void(ConnId, std::string&&)> on_message;   // one complete text/binary message
  std::function<void(ConnId, const CloseInfo&)> on_close;  // once per opened connection
};

class Socket {
 public:
  virtual ~Socket() = default;
  // Opens a new connection to url; `done` runs once. The new connection replaces any previous
  // one, whose later events are ignored.
  virtual void open(const std::string& url, std::function<void(const OpenResult&)> done) = 0;
  // Sends a text message on connection `conn`; on_error runs (on the I/O thread) if it cannot.
  virtual void send(ConnId conn, std::string text,
                    std::function<void(const std::string&)> on_error) = 0;
  virtual void post(std::function<void()> fn) = 0;
  virtual void post_after(long ms, std::function<void()> fn) = 0;
  [[nodiscard]] virtual bool on_io_thread() const = 0;
  // Closes the connection (no on_close), stops and joins the I/O thread. Queued work is dropped.
  virtual void stop() = 0;
};

// Starts the I/O thread. nullptr with *error set when the I/O service cannot be initialised.
std::unique_ptr<Socket> make_socket(const Config& config, Handlers handlers, std::string* error);

}  // namespace ev::chain::wsock
