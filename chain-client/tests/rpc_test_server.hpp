// A scripted JSON-RPC peer for the RPC client's tests: HTTP POST and WebSocket on one loopback
// port (as Substrate nodes and Chopsticks serve them), optionally over TLS. Header-only.
//
// Each connection has its own thread. HTTP requests go to an HttpHandler that returns the reply
// (or asks for a delay or a dropped connection); WebSocket text messages go to a WsHandler that
// may answer through its WsPeer at any time, in any order, from any thread (plain connections;
// over TLS only from inside the handler). stop() closes everything; start() listens again on the
// same port.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ev::test {

// A self-signed certificate for 127.0.0.1 / localhost, written as PEM files under dir.
struct TlsIdentity {
  std::filesystem::path cert;
  std::filesystem::path key;

  static TlsIdentity create(const std::filesystem::path& dir) {
    TlsIdentity id{dir / "cert.pem", dir / "key.pem"};
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    bool ok = pkey != nullptr && x != nullptr && X509_set_version(x, 2) == 1 &&
              ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1 &&
              X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr &&
              X509_gmtime_adj(X509_getm_notAfter(x), 86400) != nullptr &&
              X509_set_pubkey(x, pkey) == 1;
    X509_NAME* name = ok ? X509_get_subject_name(x) : nullptr;
    ok = ok &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                    0) == 1 &&
         X509_set_issuer_name(x, name) == 1;
    if (ok) {
      X509V3_CTX ctx;
      X509V3_set_ctx_nodb(&ctx);
      X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
      X509_EXTENSION* ext =
          X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
      ok = ext != nullptr && X509_add_ext(x, ext, -1) == 1;
      X509_EXTENSION_free(ext);
    }
    ok = ok && X509_sign(x, pkey, EVP_sha256()) > 0;
    if (ok) {
      FILE* f = std::fopen(id.cert.c_str(), "w");
      ok = f != nullptr && PEM_write_X509(f, x) == 1;
      if (f != nullptr) std::fclose(f);
      f = std::fopen(id.key.c_str(), "w");
      ok = ok && f != nullptr &&
           PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1;
      if (f != nullptr) std::fclose(f);
    }
    X509_free(x);
    EVP_PKEY_free(pkey);
    if (!ok) throw std::runtime_error("cannot create a test certificate");
    return id;
  }
};

class RpcTestServer {
 public:
  struct HttpReply {
    int status = 200;
    std::string body;
    std::chrono::milliseconds delay{0};  // wait this long before replying
    bool drop = false;                   // close the connection instead of replying
  };
  using HttpHandler = std::function<HttpReply(const std::string& body)>;

  // One WebSocket connection, as the handler sees it.
  class WsPeer {
   public:
    // Sends one text frame; false once the connection is closed.
    bool send(std::string_view text) {
      std::string frame;
      frame.push_back(static_cast<char>(0x81));
      append_length(frame, text.size());
      frame.append(text);
      return write(frame);
    }
    // Closes the TCP connection without a closing handshake.
    void close() {
      std::lock_guard lock(mu_);
      if (fd_ >= 0) ::shutdown(fd_, SHUT_RDWR);
    }

   private:
    friend class RpcTestServer;
    static void append_length(std::string& f, std::size_t n) {
      if (n < 126) {
        f.push_back(static_cast<char>(n));
      } else if (n <= 0xffff) {
        f.push_back(static_cast<char>(126));
        for (int s = 8; s >= 0; s -= 8) f.push_back(static_cast<char>((n >> s) & 0xff));
      } else {
        f.push_back(static_cast<char>(127));
        for (int s = 56; s >= 0; s -= 8) f.push_back(static_cast<char>((n >> s) & 0xff));
      }
    }
    bool write(std::string_view data) {
      std::lock_guard lock(mu_);
      while (fd_ >= 0 && !data.empty()) {
        const long n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                       : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(n));
      }
      return fd_ >= 0;
    }
    long read_some(char* buf, std::size_t n) {
      return ssl_ != nullptr ? SSL_read(ssl_, buf, static_cast<int>(n)) : ::recv(fd_, buf, n, 0);
    }
    void release() {  // by the connection's own thread, when it ends
      std::lock_guard lock(mu_);
      if (ssl_ != nullptr) SSL_free(ssl_);
      ssl_ = nullptr;
      if (fd_ >= 0) ::close(fd_);
      fd_ = -1;
    }

    std::mutex mu_;
    int fd_ = -1;
    SSL* ssl_ = nullptr;
  };
  using WsHandler = std::function<void(const std::shared_ptr<WsPeer>&, const std::string& text)>;

  RpcTestServer(HttpHandler http, WsHandler ws, const TlsIdentity* tls = nullptr)
      : http_(std::move(http)), ws_(std::move(ws)) {
    if (tls != nullptr) {
      ctx_ = SSL_CTX_new(TLS_server_method());
      if (ctx_ == nullptr ||
          SSL_CTX_use_certificate_file(ctx_, tls->cert.c_str(), SSL_FILETYPE_PEM) != 1 ||
          SSL_CTX_use_PrivateKey_file(ctx_, tls->key.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw std::runtime_error("cannot load the test certificate");
      }
    }
    start();
  }
  ~RpcTestServer() {
    stop();
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  }
  RpcTestServer(const RpcTestServer&) = delete;
  RpcTestServer& operator=(const RpcTestServer&) = delete;

  int port() const { return port_; }
  std::string http_url() const {
    return std::string(ctx_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
  }
  std::string ws_url() const {
    return std::string(ctx_ ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port_);
  }

  // Every HTTP body and WebSocket message received, in arrival order.
  std::vector<std::string> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int ws_accepted() const { return ws_accepted_.load(); }
  // HTTP: hang up right after a request's headers, before reading its body.
  void set_hang_up_after_headers(bool on) { hang_up_ = on; }
  int connections_accepted() const { return accepted_.load(); }

  // Listens (again) on port() (an ephemeral port the first time).
  void start() {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port_));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      throw std::runtime_error("test server cannot listen on port " + std::to_string(port_));
    }
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    stopping_ = false;
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  // Closes the listener and every connection, and waits for their threads.
  void stop() {
    if (!acceptor_.joinable()) return;
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mu_);
      for (auto& p : peers_) p->close();
      threads.swap(threads_);
      peers_.clear();
    }
    for (auto& t : threads) t.join();
  }

 private:
  void accept_loop() {
    for (;;) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      accepted_.fetch_add(1);
      auto peer = std::make_shared<WsPeer>();
      peer->fd_ = fd;
      std::lock_guard lock(mu_);
      peers_.push_back(peer);
      threads_.emplace_back([this, peer] {
        // OpenSSL writes with write(2): a peer that went away must not kill the test process.
        sigset_t pipe;
        sigemptyset(&pipe);
        sigaddset(&pipe, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
        serve(peer);
        peer->release();
      });
    }
  }

  // Buffered reads from one connection.
  struct Reader {
    WsPeer& peer;
    std::string buf;
    bool fill() {
      char tmp[16384];
      const long n = peer.read_some(tmp, sizeof tmp);
      if (n <= 0) return false;
      buf.append(tmp, static_cast<std::size_t>(n));
      return true;
    }
    std::optional<std::string> until(std::string_view delim, std::size_t max) {
      for (;;) {
        if (auto p = buf.find(delim); p != std::string::npos) {
          std::string out = buf.substr(0, p + delim.size());
          buf.erase(0, p + delim.size());
          return out;
        }
        if (buf.size() > max || !fill()) return std::nullopt;
      }
    }
    std::optional<std::string> exactly(std::size_t n) {
      while (buf.size() < n) {
        if (!fill()) return std::nullopt;
      }
      std::string out = buf.substr(0, n);
      buf.erase(0, n);
      return out;
    }
  };

  static std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return s;
  }
  static std::string header(const std::string& head, const std::string& name) {
    const std::string l = lower(head);
    const auto p = l.find("\r\n" + name + ":");
    if (p == std::string::npos) return {};
    auto b = p + name.size() + 3;
    const auto e = head.find("\r\n", b);
    while (b < e && head[b] == ' ') ++b;
    return head.substr(b, e - b);
  }

  void serve(const std::shared_ptr<WsPeer>& peer) {
    if (ctx_ != nullptr) {
      peer->ssl_ = SSL_new(ctx_);
      SSL_set_fd(peer->ssl_, peer->fd_);
      if (SSL_accept(peer->ssl_) != 1) return;
    }
    Reader in{*peer, {}};
    for (;;) {
      auto head = in.until("\r\n\r\n", 65536);
      if (!head) return;
      if (lower(header(*head, "upgrade")) == "websocket") {
        return serve_ws(peer, in, header(*head, "sec-websocket-key"));
      }
      if (hang_up_) return;
      const std::string cl = header(*head, "content-length");
      auto body = in.exactly(cl.empty() ? 0 : std::stoul(cl));
      if (!body) return;
      record(*body);
      HttpReply reply = http_(*body);
      if (reply.delay.count() > 0) {
        std::unique_lock lock(mu_);
        if (stop_cv_.wait_for(lock, reply.delay, [this] { return stopping_; })) return;
      }
      if (reply.drop) return;
      const std::string out = "HTTP/1.1 " + std::to_string(reply.status) +
                              " Status\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      if (!peer->write(out)) return;
    }
  }

  static std::string accept_key(const std::string& key) {
    const std::string in = key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    EVP_Digest(in.data(), in.size(), md, &md_len, EVP_sha1(), nullptr);
    unsigned char b64[64];
    const int n = EVP_EncodeBlock(b64, md, static_cast<int>(md_len));
    return std::string(reinterpret_cast<char*>(b64), static_cast<std::size_t>(n));
  }

  void serve_ws(const std::shared_ptr<WsPeer>& peer, Reader& in, const std::string& key) {
    if (!peer->write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                     accept_key(key) + "\r\n\r\n")) {
      return;
    }
    ws_accepted_.fetch_add(1);
    std::string message;
    for (;;) {
      auto h = in.exactly(2);
      if (!h) return;
      const auto b0 = static_cast<unsigned char>((*h)[0]);
      const auto b1 = static_cast<unsigned char>((*h)[1]);
      std::uint64_t len = b1 & 0x7f;
      const int ext = len == 126 ? 2 : len == 127 ? 8 : 0;
      if (ext > 0) {
        auto e = in.exactly(static_cast<std::size_t>(ext));
        if (!e) return;
        len = 0;
        for (char c : *e) len = (len << 8) | static_cast<unsigned char>(c);
      }
      if (len > (std::uint64_t{64} << 20)) return;
      std::string mask;
      if ((b1 & 0x80) != 0) {
        auto m = in.exactly(4);
        if (!m) return;
        mask = *m;
      }
      auto payload = in.exactly(static_cast<std::size_t>(len));
      if (!payload) return;
      for (std::size_t i = 0; i < payload->size() && !mask.empty(); ++i) {
        (*payload)[i] = static_cast<char>((*payload)[i] ^ mask[i % 4]);
      }
      const int opcode = b0 & 0x0f;
      if (opcode == 8) {  // close: answer and end
        peer->write(std::string("\x88\x00", 2));
        return;
      }
      if (opcode == 9) {  // ping
        std::string pong(1, static_cast<char>(0x8a));
        WsPeer::append_length(pong, payload->size());
        peer->write(pong + *payload);
        continue;
      }
      if (opcode == 10) continue;
      message += *payload;
      if ((b0 & 0x80) == 0) continue;
      record(message);
      ws_(peer, message);
      message.clear();
    }
  }

  void record(const std::string& text) {
    std::lock_guard lock(mu_);
    requests_.push_back(text);
  }

  HttpHandler http_;
  WsHandler ws_;
  SSL_CTX* ctx_ = nullptr;
  int port_ = 0;
  int listen_fd_ = -1;
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<std::shared_ptr<WsPeer>> peers_;
  std::vector<std::thread> threads_;
  std::vector<std::string> requests_;
  std::atomic<int> ws_accepted_{0};
  std::atomic<int> accepted_{0};
  std::atomic<bool> hang_up_{false};
};

}  // namespace ev::test
