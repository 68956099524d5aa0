// WebSocket connection on websocketpp with standalone asio; compiled as C++17 (see the header).
#define ASIO_STANDALONE 1

// asio's scheduler trips g++'s -Wnull-dereference after inlining (a false positive in a
// system header that the system-header exemption does not cover).
#pragma GCC diagnostic ignored "-Wnull-dereference"

#include "rpc_ws_socket.hpp"

#include <atomic>
#include <exception>
#include <thread>
#include <utility>

#include <asio/ssl/host_name_verification.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

namespace ev::chain::wsock {
namespace {

// websocketpp's client configs with logging off and transport time limits wide enough that our
// own connect timer (Config::connect_timeout_ms) is the one that fires.
template <class Base>
struct Tuned : Base {
  typedef Tuned type;
  static const websocketpp::log::level elog_level = websocketpp::log::elevel::none;
  static const websocketpp::log::level alog_level = websocketpp::log::alevel::none;
  struct transport_config : Base::transport_config {
    static const long timeout_socket_pre_init = 120000;
    static const long timeout_proxy = 120000;
    static const long timeout_socket_post_init = 120000;
    static const long timeout_dns_resolve = 120000;
    static const long timeout_connect = 120000;
    static const long timeout_socket_shutdown = 2000;
  };
  typedef websocketpp::transport::asio::endpoint<transport_config> transport_type;
};
using PlainConfig = Tuned<websocketpp::config::asio_client>;
using TlsConfig = Tuned<websocketpp::config::asio_tls_client>;

std::string describe(const websocketpp::lib::error_code& ec) {
  return ec ? ec.message() : std::string();
}

template <class Cfg>
class SocketImpl final : public Socket {
  using Client = websocketpp::client<Cfg>;
  using ConnPtr = typename Client::connection_ptr;
  using MessagePtr = typename Client::message_ptr;

  struct Attempt {
    ConnId id = 0;
    std::function<void(const OpenResult&)> done;
    bool finished = false;
    websocketpp::connection_hdl hdl;
  };

 public:
  SocketImpl(Config config, Handlers handlers)
      : config_(std::move(config)), handlers_(std::move(handlers)) {}

  ~SocketImpl() override { stop(); }

  bool start(std::string* error) {
    websocketpp::lib::error_code ec;
    client_.clear_access_channels(websocketpp::log::alevel::all);
    client_.clear_error_channels(websocketpp::log::elevel::all);
    client_.init_asio(ec);
    if (ec) {
      *error = "cannot initialise asio: " + ec.message();
      return false;
    }
    client_.set_max_message_size(config_.max_message_bytes);
    // Requests and answers are small: send them at once instead of waiting for the peer's
    // delayed ACK (without this every call after the first on a connection could stall ~40 ms).
    client_.set_socket_init_handler([](const websocketpp::connection_hdl&, auto& socket) {
      asio::error_code nodelay_ec;
      socket.lowest_layer().set_option(asio::ip::tcp::no_delay(true), nodelay_ec);
    });
    init_tls();
    client_.start_perpetual();
    thread_ = std::thread([this] { run(); });
    return true;
  }

  void open(const std::string& url, std::function<void(const OpenResult&)> done) override {
    auto attempt = std::make_shared<Attempt>();
    attempt->done = std::move(done);
    post([this, url, attempt] { open_now(url, attempt); });
  }

  void send(ConnId conn, std::string text,
            std::function<void(const std::string&)> on_error) override {
    post([this, conn, text = std::move(text), on_error = std::move(on_error)] {
      if (conn == 0 || conn != current_id_) {
        on_error("connection closed");
        return;
      }
      websocketpp::lib::error_code ec;
      client_.send(current_, text, websocketpp::frame::opcode::text, ec);
      if (ec) on_error(ec.message());
    });
  }

  void post(std::function<void()> fn) override {
    asio::post(client_.get_io_service(), [fn = std::move(fn)] { fn(); });
  }

  void post_after(long ms, std::function<void()> fn) override {
    client_.set_timer(ms, [fn = std::move(fn)](const websocketpp::lib::error_code& ec) {
      if (!ec) fn();
    });
  }

  bool on_io_thread() const override { return std::this_thread::get_id() == io_thread_id_; }

  void stop() override {
    if (!thread_.joinable()) return;
    post([this] {
      stopping_ = true;
      const ConnId id = current_id_;
      current_id_ = 0;
      websocketpp::lib::error_code ec;
      if (id != 0) client_.close(current_, websocketpp::close::status::going_away, "", ec);
      client_.stop_perpetual();
      if (id == 0 || ec) {
        client_.stop();
        return;
      }
      // Give the close handshake a moment, then stop regardless.
      client_.set_timer(300, [this](const websocketpp::lib::error_code&) { client_.stop(); });
    });
    thread_.join();
  }

 private:
  void run() {
    io_thread_id_ = std::this_thread::get_id();
    for (;;) {
      try {
        client_.run();
        return;
      } catch (const std::exception&) {
        // A handler threw; keep serving the remaining work.
      }
    }
  }

  void init_tls();

  void open_now(const std::string& url, const std::shared_ptr<Attempt>& attempt) {
    websocketpp::lib::error_code ec;
    ConnPtr con = client_.get_connection(url, ec);
    if (ec) {
      attempt->finished = true;
      attempt->done(OpenResult{OpenStatus::Failed, 0, "bad WebSocket URL: " + ec.message()});
      return;
    }
    attempt->id = ++next_id_;
    attempt->hdl = con->get_handle();
    const ConnId id = attempt->id;
    con->set_open_handshake_timeout(config_.connect_timeout_ms);
    con->set_open_handler([this, attempt](const websocketpp::connection_hdl& h) {
      if (attempt->finished || stopping_) {
        websocketpp::lib::error_code ignored;
        client_.close(h, websocketpp::close::status::going_away, "", ignored);
        return;
      }
      attempt->finished = true;
      current_ = h;
      current_id_ = attempt->id;
      attempt->done(OpenResult{OpenStatus::Ok, attempt->id, {}});
    });
    con->set_fail_handler([this, attempt](const websocketpp::connection_hdl& h) {
      if (attempt->finished) return;
      attempt->finished = true;
      attempt->done(OpenResult{OpenStatus::Failed, 0, failure_text(h)});
    });
    con->set_close_handler([this, id](const websocketpp::connection_hdl& h) {
      if (stopping_) {  // the closing handshake of stop() is done
        client_.stop();
        return;
      }
      if (id != current_id_ || id == 0) return;
      current_id_ = 0;
      current_.reset();
      handlers_.on_close(id, close_info(h));
    });
    con->set_message_handler([this, id](const websocketpp::connection_hdl&, const MessagePtr& msg) {
      if (id != current_id_) return;
      handlers_.on_message(id, std::move(msg->get_raw_payload()));
    });
    client_.connect(con);
    client_.set_timer(
        config_.connect_timeout_ms, [this, attempt](const websocketpp::lib::error_code& tec) {
          if (tec || attempt->finished) return;
          attempt->finished = true;
          abort_connection(attempt->hdl);
          attempt->done(OpenResult{OpenStatus::TimedOut, 0,
                                   "no WebSocket connection within " +
                                       std::to_string(config_.connect_timeout_ms) + " ms"});
        });
  }

  void abort_connection(const websocketpp::connection_hdl& h) {
    websocketpp::lib::error_code ec;
    ConnPtr con = client_.get_con_from_hdl(h, ec);
    if (ec || !con) return;
    try {
      con->terminate(
          websocketpp::error::make_error_code(websocketpp::error::open_handshake_timeout));
    } catch (const std::exception&) {
      // Already gone.
    }
  }

  std::string failure_text(const websocketpp::connection_hdl& h) {
    websocketpp::lib::error_code ec;
    ConnPtr con = client_.get_con_from_hdl(h, ec);
    if (ec || !con) return "connection failed";
    std::string text = describe(con->get_ec());
    const auto tec = con->get_transport_ec();
    if (tec && tec.message() != text) text += (text.empty() ? "" : ": ") + tec.message();
    if (con->get_response_code() != websocketpp::http::status_code::uninitialized &&
        con->get_response_code() != websocketpp::http::status_code::switching_protocols) {
      text += " (HTTP " + std::to_string(static_cast<int>(con->get_response_code())) + ")";
    }
    return text.empty() ? "connection failed" : text;
  }

  CloseInfo close_info(const websocketpp::connection_hdl& h) {
    CloseInfo info;
    websocketpp::lib::error_code ec;
    ConnPtr con = client_.get_con_from_hdl(h, ec);
    if (ec || !con) {
      info.reason = "connection closed";
      return info;
    }
    info.message_too_big =
        con->get_local_close_code() == websocketpp::close::status::message_too_big ||
        con->get_ec() == websocketpp::processor::error::make_error_code(
                             websocketpp::processor::error::message_too_big);
    const auto remote = con->get_remote_close_code();
    if (remote != websocketpp::close::status::no_status &&
        remote != websocketpp::close::status::abnormal_close) {
      info.reason =
          "closed by the node (code " + std::to_string(remote) +
          (con->get_remote_close_reason().empty() ? std::string()
                                                  : ", " + con->get_remote_close_reason()) +
          ")";
    } else if (info.message_too_big) {
      info.reason = "a message exceeded " + std::to_string(config_.max_message_bytes) + " bytes";
    } else {
      const std::string why = describe(con->get_ec());
      info.reason = "connection closed" + (why.empty() ? std::string() : ": " + why);
    }
    return info;
  }

  Config config_;
  Handlers handlers_;
  Client client_;
  std::thread thread_;
  std::atomic<std::thread::id> io_thread_id_{};
  // I/O thread only:
  websocketpp::connection_hdl current_;
  ConnId current_id_ = 0;
  ConnId next_id_ = 0;
  bool stopping_ = false;
};

template <>
void SocketImpl<PlainConfig>::init_tls() {}

template <>
void SocketImpl<TlsConfig>::init_tls() {
  client_.set_tls_init_handler([this](const websocketpp::connection_hdl&) {
    namespace ssl = asio::ssl;
    auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
    asio::error_code ec;
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                     ec);
    if (!config_.verify_tls) {
      ctx->set_verify_mode(ssl::verify_none, ec);
      return ctx;
    }
    if (config_.ca_file.empty()) {
      ctx->set_default_verify_paths(ec);
    } else {
      ctx->load_verify_file(config_.ca_file, ec);
    }
    // A context that cannot load its trust anchors verifies nothing successfully: the handshake
    // then fails, which is the intended outcome.
    ctx->set_verify_mode(ssl::verify_peer, ec);
    ctx->set_verify_callback(ssl::host_name_verification(config_.host), ec);
    return ctx;
  });
}

}  // namespace

std::unique_ptr<Socket> make_socket(const Config& config, Handlers handlers, std::string* error) {
  if (config.tls) {
    auto s = std::make_unique<SocketImpl<TlsConfig>>(config, std::move(handlers));
    if (!s->start(error)) return nullptr;
    return s;
  }
  auto s = std::make_unique<SocketImpl<PlainConfig>>(config, std::move(handlers));
  if (!s->start(error)) return nullptr;
  return s;
}

}  // namespace ev::chain::wsock
