#include "ev/worker/http_gate.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "ev/common/secret.hpp"

namespace ev::worker {

namespace {

using SteadyTime = std::chrono::steady_clock::time_point;

// Request bytes (bodies carry credentials) are wiped whenever their memory is given back,
// reallocations included.
template <class T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() = default;
  template <class U>
  explicit WipingAllocator(const WipingAllocator<U>& /*other*/) {}
  T* allocate(std::size_t n) { return std::allocator<T>{}.allocate(n); }
  void deallocate(T* p, std::size_t n) {
    detail::secure_wipe(p, n * sizeof(T));
    std::allocator<T>{}.deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>& /*other*/) const {
    return true;
  }
};
using WipedString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string_view reason(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 431: return "Request Header Fields Too Large";
    default: return "Service Unavailable";
  }
}

std::string_view error_code(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 408: return "request_timeout";
    case 411: return "length_required";
    case 413: return "payload_too_large";
    case 431: return "headers_too_large";
    default: return "unavailable";
  }
}

// A whole refusal, ready to send. `message` is our own ASCII text (no client bytes).
std::string refusal(int status, std::string_view message) {
  const std::string body = R"({"error":{"code":")" + std::string(error_code(status)) +
                           R"(","message":")" + std::string(message) + "\"}}";
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason(status)) +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

// Sends what the socket takes now, never blocking.
void send_now(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n <= 0) return;
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::pair<std::string, int> address(const sockaddr_storage& a) {
  char text[INET6_ADDRSTRLEN] = {};
  if (a.ss_family == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return {text, ntohs(v4->sin_port)};
  }
  if (a.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return {text, ntohs(v6->sin6_port)};
  }
  return {"", 0};
}

}  // namespace

HeadScan scan_head(std::string_view in, const HttpLimits& limits) {
  HeadScan r;
  const auto refuse = [&r](int status, std::string message) {
    r.state = HeadScan::State::Refused;
    r.status = status;
    r.message = std::move(message);
    return r;
  };
  const auto too_large = [&] {
    return refuse(
        431, "request line and headers over " + std::to_string(limits.max_header_bytes) + " bytes");
  };
  // The request line, then header lines up to an empty CRLF line, as cpp-httplib reads them
  // (a line not ending in CRLF is skipped by it, and here).
  std::size_t nl = in.find('\n');
  if (nl == std::string_view::npos) return in.size() > limits.max_header_bytes ? too_large() : r;
  std::size_t pos = nl + 1;
  std::size_t lines = 0;
  std::optional<std::uint64_t> length;
  bool chunked = false;
  bool first_expect = true;
  for (;;) {
    nl = in.find('\n', pos);
    if (nl == std::string_view::npos) return in.size() > limits.max_header_bytes ? too_large() : r;
    const std::size_t start = pos;
    const std::string_view line = in.substr(start, nl + 1 - start);
    pos = nl + 1;
    if (pos > limits.max_header_bytes) return too_large();
    if (line == "\r\n") break;
    if (++lines > limits.max_header_lines) {
      return refuse(431, "more than " + std::to_string(limits.max_header_lines) + " header lines");
    }
    if (line.size() < 2 || line[line.size() - 2] != '\r') continue;
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, colon);
    std::string_view value = line.substr(colon + 1, line.size() - 2 - (colon + 1));
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (iequals(name, "Content-Length")) {
      if (length) return refuse(400, "more than one Content-Length header");
      std::uint64_t n = 0;
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return refuse(400, "Content-Length is not a number");
      }
      for (const char c : value) n = n * 10 + static_cast<std::uint64_t>(c - '0');
      length = n;
    } else if (iequals(name, "Transfer-Encoding")) {
      chunked = true;
    } else if (iequals(name, "Expect")) {
      if (first_expect && value == "100-continue") r.expect_at = start;
      first_expect = false;
    }
  }
  if (chunked) {
    return refuse(411, "send the body with a Content-Length (transfer encodings are not accepted)");
  }
  if (length.value_or(0) > limits.max_body) {
    return refuse(413, "request body over " + std::to_string(limits.max_body) + " bytes");
  }
  r.state = HeadScan::State::Complete;
  r.head_size = pos;
  r.content_length = static_cast<std::size_t>(length.value_or(0));
  return r;
}

// One client connection, owned by the poll thread while its request is read and by one worker
// while the request is handled.
struct GateConn {
  int fd = -1;
  std::string ip;
  int port = 0;
  std::string local_ip;
  int local_port = 0;
  WipedString buf;  // received and not yet handled
  enum class Phase { Idle, Head, Body, Closing } phase = Phase::Idle;
  SteadyTime deadline;
  HeadScan head;
  std::size_t reserved = 0;  // body bytes counted against max_buffered_bytes
  std::size_t served = 0;
  bool eof = false;
  bool counted = true;  // false: refused at admission, held only to deliver the refusal
};

namespace {

// What a worker hands to httplib: the buffered request, then the socket for the response.
class BufferedStream final : public httplib::Stream {
 public:
  BufferedStream(GateConn& c, std::chrono::milliseconds write_timeout)
      : c_(c), write_timeout_(write_timeout) {}
  [[nodiscard]] std::size_t consumed() const { return at_; }

  bool is_readable() const override { return at_ < c_.buf.size(); }
  bool is_writable() const override { return wait_writable(); }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, c_.buf.size() - at_);
    std::copy_n(c_.buf.data() + at_, n, ptr);
    at_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    std::size_t sent = 0;
    while (sent < size) {
      if (!wait_writable()) return -1;
      const auto n = ::send(c_.fd, ptr + sent, size - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) continue;
      if (n <= 0) return -1;
      sent += static_cast<std::size_t>(n);
    }
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.ip;
    port = c_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = c_.local_ip;
    port = c_.local_port;
  }
  socket_t socket() const override { return c_.fd; }

 private:
  // The whole response shares one deadline, from its first byte.
  bool wait_writable() const {
    const auto now = std::chrono::steady_clock::now();
    if (!write_deadline_) write_deadline_ = now + write_timeout_;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(*write_deadline_ - now).count();
    if (left <= 0) return false;
    pollfd p{c_.fd, POLLOUT, 0};
    return ::poll(&p, 1, static_cast<int>(left)) == 1 && (p.revents & POLLOUT) != 0;
  }
  GateConn& c_;
  std::chrono::milliseconds write_timeout_;
  mutable std::optional<SteadyTime> write_deadline_;
  std::size_t at_ = 0;
};

// httplib's accept loop hands each accepted socket to its task queue: run it at once, on the
// accept thread (the gate's admission never blocks).
class InlineQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

}  // namespace

struct GatedServer::Gate {
  explicit Gate(HttpLimits l) : limits(l) {}
  HttpLimits limits;
  int wake_fd = -1;
  mutable std::mutex mu;  // guards everything below
  std::condition_variable work_cv;
  std::deque<std::shared_ptr<GateConn>> incoming;  // to the poll thread: new, or back for more
  std::deque<std::shared_ptr<GateConn>> ready;     // complete requests, for the workers
  std::unordered_map<std::string, std::size_t> per_client;
  std::size_t buffered = 0;
  std::size_t refused_closing = 0;  // refused at admission, still delivering the refusal
  GateStats stats;
  bool stopping = false;
  std::thread poller;
  std::vector<std::thread> workers;

  void wake() const {
    const std::uint64_t one = 1;
    (void)!::write(wake_fd, &one, sizeof one);
  }

  void close_conn(GateConn& c) {
    if (c.fd < 0) return;
    ::shutdown(c.fd, SHUT_RDWR);
    ::close(c.fd);
    c.fd = -1;
    detail::secure_wipe(c.buf.data(), c.buf.size());
    c.buf.clear();
    std::lock_guard lock(mu);
    buffered -= c.reserved;
    c.reserved = 0;
    if (!c.counted) {
      --refused_closing;
      return;
    }
    --stats.open_connections;
    if (auto it = per_client.find(c.ip); it != per_client.end() && --it->second == 0) {
      per_client.erase(it);
    }
  }

  // Answers a refusal and keeps reading (and dropping) what the client still sends for a
  // moment, so the answer is not lost to a reset.
  // Counted before the answer leaves, so a client that has read it sees the count.
  void refuse(GateConn& c, int status, std::string_view message) {
    const std::string answer = refusal(status, message);
    {
      std::lock_guard lock(mu);
      buffered -= c.reserved;
      c.reserved = 0;
      ++stats.refused_requests;
    }
    detail::secure_wipe(c.buf.data(), c.buf.size());
    c.buf.clear();
    send_now(c.fd, answer);
    ::shutdown(c.fd, SHUT_WR);
    c.phase = GateConn::Phase::Closing;
    c.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  }

  enum class Next { Wait, Dispatch, Close };

  // Moves a connection on after new bytes (or none, for one coming back with pipelined bytes).
  Next advance(GateConn& c, SteadyTime now) {
    if (c.phase == GateConn::Phase::Closing) {
      c.buf.clear();
      return c.eof ? Next::Close : Next::Wait;
    }
    if (c.phase == GateConn::Phase::Idle) {
      if (c.buf.empty()) return c.eof ? Next::Close : Next::Wait;
      c.phase = GateConn::Phase::Head;
      c.deadline = now + limits.header_timeout;
    }
    if (c.phase == GateConn::Phase::Head) {
      c.head = scan_head({c.buf.data(), c.buf.size()}, limits);
      if (c.head.state == HeadScan::State::Incomplete) return c.eof ? Next::Close : Next::Wait;
      if (c.head.state == HeadScan::State::Refused) {
        refuse(c, c.head.status, c.head.message);
        return Next::Wait;
      }
      {
        std::unique_lock lock(mu);
        if (buffered + c.head.content_length > limits.max_buffered_bytes) {
          lock.unlock();
          refuse(c, 503, "the server holds too many request bodies; try again shortly");
          return Next::Wait;
        }
        buffered += c.head.content_length;
        c.reserved = c.head.content_length;
      }
      if (c.head.expect_at) {
        // The gate answers "100 Continue" itself (at once, as the body is read here) and hides
        // the header from httplib, which would send a second one after the body.
        c.buf.replace(*c.head.expect_at, 6, "X-Gate");
        if (c.buf.size() < c.head.head_size + c.head.content_length) {
          send_now(c.fd, "HTTP/1.1 100 Continue\r\n\r\n");
        }
      }
      c.buf.reserve(c.head.head_size + c.head.content_length);
      c.phase = GateConn::Phase::Body;
      c.deadline = now + limits.body_timeout;
    }
    if (c.buf.size() >= c.head.head_size + c.head.content_length) return Next::Dispatch;
    return c.eof ? Next::Close : Next::Wait;
  }

  // Reads what the socket has. False: the connection failed.
  bool receive(GateConn& c) const {
    char chunk[16384];
    for (;;) {
      const auto n = ::recv(c.fd, chunk, sizeof chunk, MSG_DONTWAIT);
      if (n > 0) {
        if (c.phase != GateConn::Phase::Closing) c.buf.append(chunk, static_cast<std::size_t>(n));
        detail::secure_wipe(chunk, static_cast<std::size_t>(n));
        if (c.phase == GateConn::Phase::Body &&
            c.buf.size() >= c.head.head_size + c.head.content_length) {
          return true;
        }
        // A head is scanned before more is read: what lies beyond the cap is never held.
        if (c.phase != GateConn::Phase::Body && c.buf.size() > limits.max_header_bytes) return true;
        continue;
      }
      if (n == 0) {
        c.eof = true;
        return true;
      }
      return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
    }
  }

  void dispatch(std::shared_ptr<GateConn> c) {
    {
      std::lock_guard lock(mu);
      ready.push_back(std::move(c));
    }
    work_cv.notify_one();
  }

  void poll_loop() {
    std::vector<std::shared_ptr<GateConn>> conns;
    std::vector<pollfd> fds;
    for (;;) {
      {
        std::lock_guard lock(mu);
        if (stopping) break;
        for (auto& c : incoming) conns.push_back(std::move(c));
        incoming.clear();
      }
      auto now = std::chrono::steady_clock::now();
      // Connections back from a worker may already hold their next request.
      for (auto& c : conns) {
        if (c->phase != GateConn::Phase::Idle || c->buf.empty()) continue;
        const Next next = advance(*c, now);
        if (next == Next::Dispatch) {
          dispatch(std::move(c));
        } else if (next == Next::Close) {
          close_conn(*c);
          c.reset();
        }
      }
      std::erase(conns, nullptr);
      fds.assign(1, pollfd{wake_fd, POLLIN, 0});
      SteadyTime next_deadline = now + std::chrono::seconds(1);
      for (const auto& c : conns) {
        fds.push_back(pollfd{c->fd, POLLIN, 0});
        next_deadline = std::min(next_deadline, c->deadline);
      }
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_deadline - now);
      (void)::poll(fds.data(), fds.size(),
                   static_cast<int>(std::max<std::int64_t>(0, wait.count()) + 1));
      if ((fds[0].revents & POLLIN) != 0) {
        std::uint64_t n = 0;
        (void)!::read(wake_fd, &n, sizeof n);
      }
      now = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < conns.size(); ++i) {
        auto& c = conns[i];
        Next next = Next::Wait;
        if (fds[i + 1].revents != 0) {
          next = receive(*c) ? advance(*c, now) : Next::Close;
        }
        if (next == Next::Wait && now >= c->deadline) {
          if (c->phase == GateConn::Phase::Head || c->phase == GateConn::Phase::Body) {
            {
              std::lock_guard lock(mu);
              ++stats.timed_out;
            }
            refuse(*c, 408,
                   c->phase == GateConn::Phase::Head
                       ? "the request's headers did not arrive in time"
                       : "the request's body did not arrive in time");
            continue;
          }
          if (c->phase == GateConn::Phase::Idle) {
            std::lock_guard lock(mu);
            ++stats.timed_out;
          }
          next = Next::Close;
        }
        if (next == Next::Dispatch) {
          dispatch(std::move(c));
        } else if (next == Next::Close) {
          close_conn(*c);
          c.reset();
        }
      }
      std::erase(conns, nullptr);
    }
    for (auto& c : conns) close_conn(*c);
  }
};

GatedServer::GatedServer(HttpLimits limits) : gate_(std::make_unique<Gate>(limits)) {
  new_task_queue = [] { return new InlineQueue; };
  set_keep_alive_max_count(limits.max_requests_per_connection);
  set_keep_alive_timeout(std::max<time_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(limits.idle_timeout).count()));
  gate_->wake_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  gate_->poller = std::thread([g = gate_.get()] { g->poll_loop(); });
  for (std::size_t i = 0; i < std::max<std::size_t>(1, limits.threads); ++i) {
    gate_->workers.emplace_back([this] {
      Gate& g = *gate_;
      for (;;) {
        std::shared_ptr<GateConn> c;
        {
          std::unique_lock lock(g.mu);
          g.work_cv.wait(lock, [&g] { return g.stopping || !g.ready.empty(); });
          if (g.ready.empty()) return;
          c = std::move(g.ready.front());
          g.ready.pop_front();
        }
        serve_request(c);
      }
    });
  }
}

GatedServer::~GatedServer() { shutdown(); }

void GatedServer::shutdown() {
  stop();
  Gate& g = *gate_;
  {
    std::lock_guard lock(g.mu);
    if (g.stopping && !g.poller.joinable()) return;
    g.stopping = true;
  }
  g.wake();
  g.work_cv.notify_all();
  if (g.poller.joinable()) g.poller.join();
  for (auto& t : g.workers) {
    if (t.joinable()) t.join();
  }
  std::deque<std::shared_ptr<GateConn>> left;
  {
    std::lock_guard lock(g.mu);
    left.swap(g.ready);
    for (auto& c : g.incoming) left.push_back(std::move(c));
    g.incoming.clear();
  }
  for (auto& c : left) g.close_conn(*c);
  if (g.wake_fd >= 0) ::close(g.wake_fd);
  g.wake_fd = -1;
}

GateStats GatedServer::stats() const {
  std::lock_guard lock(gate_->mu);
  return gate_->stats;
}

bool GatedServer::process_and_close_socket(socket_t sock) {
  Gate& g = *gate_;
  auto c = std::make_shared<GateConn>();
  c->fd = sock;
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(sock, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
    std::tie(c->ip, c->port) = address(peer);
  }
  sockaddr_storage local{};
  len = sizeof local;
  if (::getsockname(sock, reinterpret_cast<sockaddr*>(&local), &len) == 0) {
    std::tie(c->local_ip, c->local_port) = address(local);
  }
  ::fcntl(sock, F_SETFL, ::fcntl(sock, F_GETFL) | O_NONBLOCK);
  std::string refused;
  {
    std::lock_guard lock(g.mu);
    if (g.stopping) {
      refused = refusal(503, "the server is stopping");
    } else if (g.stats.open_connections >= g.limits.max_connections) {
      refused = refusal(503, "too many open connections; try again shortly");
    } else if (g.per_client[c->ip] >= g.limits.max_per_client) {
      refused = refusal(503, "too many open connections from this address");
    }
    if (refused.empty()) {
      ++g.per_client[c->ip];
      ++g.stats.open_connections;
      c->deadline = std::chrono::steady_clock::now() + g.limits.idle_timeout;
      g.incoming.push_back(c);
    } else {
      ++g.stats.refused_connections;
      if (auto it = g.per_client.find(c->ip); it != g.per_client.end() && it->second == 0) {
        g.per_client.erase(it);
      }
    }
  }
  if (!refused.empty()) {
    // The refusal is sent and the connection drained for a moment before it is closed (closed
    // with the request unread, the kernel would reset it and the client lose the answer), as
    // long as few are; beyond that it is closed at once.
    send_now(sock, refused);
    ::shutdown(sock, SHUT_WR);
    c->counted = false;
    c->phase = GateConn::Phase::Closing;
    c->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    {
      std::lock_guard lock(g.mu);
      if (!g.stopping && g.refused_closing < g.limits.max_connections) {
        ++g.refused_closing;
        g.incoming.push_back(c);
        c.reset();
      }
    }
    if (c) {
      ::close(sock);
    } else {
      g.wake();
    }
    return false;
  }
  g.wake();
  return true;
}

void GatedServer::serve_request(const std::shared_ptr<GateConn>& conn) {
  Gate& g = *gate_;
  GateConn& c = *conn;
  const bool last = c.served + 1 >= g.limits.max_requests_per_connection || c.eof;
  bool closed = false;
  bool ok = false;
  std::size_t consumed = 0;
  {
    BufferedStream strm(c, g.limits.write_timeout);
    try {
      ok = process_request(strm, last, closed, nullptr);
    } catch (...) {
      ok = false;
    }
    consumed = std::min(strm.consumed(), c.buf.size());
  }
  ++c.served;
  // The handled request's bytes are wiped; pipelined bytes after it stay for the next one.
  WipedString rest(c.buf.data() + consumed, c.buf.size() - consumed);
  detail::secure_wipe(c.buf.data(), c.buf.size());
  c.buf.swap(rest);
  {
    std::lock_guard lock(g.mu);
    g.buffered -= c.reserved;
    c.reserved = 0;
  }
  bool stopping = false;
  {
    std::lock_guard lock(g.mu);
    stopping = g.stopping;
  }
  if (!ok || closed || last || stopping) {
    g.close_conn(c);
    return;
  }
  c.phase = GateConn::Phase::Idle;
  c.deadline = std::chrono::steady_clock::now() + g.limits.idle_timeout;
  {
    std::lock_guard lock(g.mu);
    g.incoming.push_back(conn);
  }
  g.wake();
}

}  // namespace ev::worker
