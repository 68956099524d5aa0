// The RPC server's sockets on websocketpp with standalone asio; compiled as C++17 (see the
// header rpc_server_transport.hpp).
#define ASIO_STANDALONE 1

// asio's scheduler trips g++'s -Wnull-dereference after inlining (a false positive in a
// system header that the system-header exemption does not cover).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include <pthread.h>

#include <csignal>
#include <exception>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

#include "rpc_server_transport.hpp"

namespace ev::devnode::transport {
namespace {

// websocketpp's server config with logging off and short closing handshakes.
struct Quiet : websocketpp::config::asio {
  typedef Quiet type;
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
  static const long timeout_open_handshake = 5000;
  static const long timeout_close_handshake = 1000;
};

using WsServer = websocketpp::server<Quiet>;
using ConnPtr = WsServer::connection_ptr;
using Hdl = websocketpp::connection_hdl;

// Blocks the signals a process is stopped with, so they reach the thread waiting for them.
void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

class ServerImpl final : public Server {
 public:
  ServerImpl(Config config, Handlers handlers)
      : config_(std::move(config)), handlers_(std::move(handlers)) {}
  ~ServerImpl() override { stop(); }

  StartResult start() {
    StartResult r;
    websocketpp::lib::error_code ec;
    asio::error_code aec;
    const asio::ip::address addr = asio::ip::make_address(config_.host, aec);
    if (aec) {
      return fail(StartError::InvalidAddress, "'" + config_.host + "' is not an IP address");
    }
    ws_.clear_access_channels(websocketpp::log::alevel::all);
    ws_.clear_error_channels(websocketpp::log::elevel::all);
    ws_.init_asio(ec);
    if (ec) return fail(StartError::Io, "cannot initialise asio: " + ec.message());
    ws_.set_reuse_addr(true);
    ws_.set_user_agent("epochvault-devnode");
    ws_.set_max_message_size(config_.max_message_bytes);
    ws_.set_max_http_body_size(config_.max_message_bytes);
    install_handlers();
    ws_.listen(asio::ip::tcp::endpoint(addr, config_.port), ec);
    if (ec) return fail(StartError::Bind, where() + ": " + ec.message());
    port_ = ws_.get_local_endpoint(aec).port();
    if (aec) return fail(StartError::Bind, where() + ": " + aec.message());
    ws_.start_accept(ec);
    if (ec) return fail(StartError::Bind, where() + ": cannot accept: " + ec.message());
    thread_ = std::thread([this] { run(); });
    return r;
  }

  std::uint16_t port() const override { return port_; }

  void respond(ConnId conn, HttpReply reply) override {
    post([this, conn, reply = std::move(reply)] {
      ConnPtr con = find(conn);
      if (!con) return;
      con->set_status(static_cast<websocketpp::http::status_code::value>(reply.status));
      for (const auto& [k, v] : reply.headers) con->append_header(k, v);
      con->set_body(reply.body);
      websocketpp::lib::error_code ec;
      con->send_http_response(ec);
    });
  }

  void send(ConnId conn, std::string text) override {
    post([this, conn, text = std::move(text)] {
      ConnPtr con = find(conn);
      if (!con || con->get_state() != websocketpp::session::state::open) return;
      if (con->get_buffered_amount() + text.size() > config_.max_send_buffer_bytes) {
        websocketpp::lib::error_code ec;
        con->close(websocketpp::close::status::try_again_later,
                   "client too slow: more than " + std::to_string(config_.max_send_buffer_bytes) +
                       " bytes unsent",
                   ec);
        return;
      }
      (void)con->send(text, websocketpp::frame::opcode::text);  // fails only when closing
    });
  }

  void close(ConnId conn, std::uint16_t code, std::string reason) override {
    post([this, conn, code, reason = std::move(reason)] {
      ConnPtr con = find(conn);
      if (!con) return;
      websocketpp::lib::error_code ec;
      con->close(code, reason, ec);
    });
  }

  void stop() override {
    if (!thread_.joinable()) return;
    post([this] { begin_stop(); });
    thread_.join();
    conns_.clear();
  }

 private:
  StartResult fail(StartError e, std::string message) {
    StartResult r;
    r.error = e;
    r.message = std::move(message);
    return r;
  }

  std::string where() const {
    return "listen on " + config_.host + ":" + std::to_string(config_.port);
  }

  void post(std::function<void()> fn) {
    asio::post(ws_.get_io_service(), [fn = std::move(fn)] { fn(); });
  }

  void run() {
    block_stop_signals();
    for (;;) {
      try {
        ws_.run();
        return;
      } catch (const std::exception&) {
        // A handler threw; keep serving the remaining work.
      }
    }
  }

  void install_handlers() {
    // Answers are small: send them at once rather than after the client's delayed ACK.
    ws_.set_socket_init_handler([](const Hdl&, asio::ip::tcp::socket& socket) {
      asio::error_code nodelay_ec;
      socket.set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
    });
    ws_.set_http_handler([this](const Hdl& h) { on_http(h); });
    ws_.set_validate_handler([this](const Hdl& h) { return validate(h); });
    ws_.set_open_handler([this](const Hdl& h) { on_open(h); });
    ws_.set_message_handler([this](const Hdl& h, const WsServer::message_ptr& msg) {
      auto it = ids_.find(h);
      if (it == ids_.end() || stopping_) return;
      handlers_.on_ws_message(it->second, std::move(msg->get_raw_payload()));
    });
  }

  bool at_capacity() const { return conns_.size() >= config_.max_connections; }

  bool validate(const Hdl& h) {
    if (stopping_ || at_capacity()) {
      ConnPtr con = ws_.get_con_from_hdl(h);
      con->set_status(websocketpp::http::status_code::service_unavailable);
      con->set_body(stopping_ ? "Server is shutting down" : "Too many connections");
      return false;
    }
    return true;
  }

  void on_http(const Hdl& h) {
    ConnPtr con = ws_.get_con_from_hdl(h);
    if (stopping_ || at_capacity()) {
      con->set_status(websocketpp::http::status_code::service_unavailable);
      con->append_header("Content-Type", "text/plain");
      con->set_body(stopping_ ? "Server is shutting down" : "Too many connections");
      return;
    }
    const ConnId id = track(h, con);
    con->defer_http_response();
    HttpRequest req;
    req.method = con->get_request().get_method();
    req.content_type = con->get_request_header("Content-Type");
    req.body = con->get_request_body();
    handlers_.on_http(id, std::move(req));
  }

  void on_open(const Hdl& h) {
    ConnPtr con = ws_.get_con_from_hdl(h);
    const ConnId id = track(h, con);
    handlers_.on_ws_open(id);
  }

  // Records a connection; its termination (whatever the cause) reports on_close once.
  ConnId track(const Hdl& h, const ConnPtr& con) {
    const ConnId id = ++next_id_;
    ids_[h] = id;
    conns_[id] = con;  // a deferred HTTP connection is kept alive by nothing else
    con->set_termination_handler([this, id, h](const ConnPtr&) {
      ids_.erase(h);
      if (conns_.erase(id) != 0) handlers_.on_close(id);
      if (stopping_ && conns_.empty()) ws_.stop();
    });
    return id;
  }

  ConnPtr find(ConnId id) {
    auto it = conns_.find(id);
    return it == conns_.end() ? nullptr : it->second;
  }

  void begin_stop() {
    stopping_ = true;
    websocketpp::lib::error_code ec;
    ws_.stop_listening(ec);
    std::vector<ConnId> ids;
    for (const auto& kv : conns_) ids.push_back(kv.first);
    for (ConnId id : ids) {
      ConnPtr con = find(id);
      if (!con) continue;
      if (con->get_state() == websocketpp::session::state::open) {
        con->close(websocketpp::close::status::going_away, "server stopping", ec);
      } else {
        con->terminate(websocketpp::lib::error_code());
      }
    }
    if (conns_.empty()) {
      ws_.stop();
      return;
    }
    // Give the closing handshakes a moment, then stop regardless.
    ws_.set_timer(500, [this](const websocketpp::lib::error_code&) { ws_.stop(); });
  }

  Config config_;
  Handlers handlers_;
  WsServer ws_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  // I/O thread only.
  bool stopping_ = false;
  ConnId next_id_ = 0;
  std::map<Hdl, ConnId, std::owner_less<Hdl>> ids_;
  std::unordered_map<ConnId, ConnPtr> conns_;
};

}  // namespace

StartResult start_server(const Config& config, Handlers handlers) {
  auto impl = std::make_unique<ServerImpl>(config, std::move(handlers));
  StartResult r = impl->start();
  if (r.error == StartError::None) r.server = std::move(impl);
  return r;
}

}  // namespace ev::devnode::transport
