// The dev node's JSON-RPC server: method registry, dispatch, subscriptions and worker threads.
// Sockets live in rpc_server_ws.cpp (behind rpc_server_transport.hpp).
#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <csignal>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "ev/chain/rpc/json.hpp"
#include "ev/devnode/rpc_server.hpp"
#include "rpc_server_transport.hpp"

namespace ev {
std::string_view ErrorTraits<devnode::RpcServerErrc>::message(devnode::RpcServerErrc e) {
  using devnode::RpcServerErrc;
  switch (e) {
    case RpcServerErrc::InvalidArgument: return "invalid argument";
    case RpcServerErrc::AlreadyRunning: return "RPC server already running";
    case RpcServerErrc::Bind: return "cannot listen";
    case RpcServerErrc::Io: return "I/O service failure";
  }
  return "unknown RPC server error";
}
}  // namespace ev

namespace ev::devnode {

using nlohmann::json;
using transport::ConnId;

namespace detail {

// One subscription. Lock order: a SubscriptionState::mu may be held while taking
// RpcServer::Core::mu, never the other way round.
struct SubscriptionState {
  std::mutex mu;
  std::string id;
  std::string notification;  // the notifications' "method"
  std::string unsubscribe;   // the method that may end it
  std::weak_ptr<RpcServer::Core> core;
  ConnId conn = 0;
  std::size_t max_bytes = 0;       // per notification
  std::size_t max_held_bytes = 0;  // held before the subscription id is sent
  bool accepted = false;           // the response with the id has been queued
  bool closed = false;
  std::vector<std::string> held;
  std::size_t held_bytes = 0;
};

}  // namespace detail

using SubPtr = std::shared_ptr<detail::SubscriptionState>;

namespace {

// Blocks the signals a process is stopped with, so they reach the thread waiting for them.
void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE}) sigaddset(&set, s);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

std::string exceeded(std::size_t limit) { return "Exceeded max limit of " + std::to_string(limit); }

struct Entry {
  enum class Kind { Method, Subscribe, Unsubscribe } kind = Kind::Method;
  MethodHandler method;
  SubscriptionHandler subscribe;
  std::string notification;  // Subscribe
  std::string unsubscribe;   // Subscribe: its unsubscribe method
};

struct Task {
  ConnId conn = 0;
  bool ws = false;
  std::string text;
};

// Where a request came from.
struct Origin {
  ConnId conn = 0;
  bool ws = false;
};

struct Answer {
  std::optional<std::string> reply;
  std::vector<SubPtr> new_subs;  // to accept once the reply is queued
};

bool is_json_content_type(std::string_view ct) {
  const std::string_view want = "application/json";
  if (ct.size() < want.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(ct[i])) != want[i]) return false;
  }
  return ct.size() == want.size() || ct[want.size()] == ';' || ct[want.size()] == ' ';
}

}  // namespace

struct RpcServer::Core : std::enable_shared_from_this<RpcServer::Core> {
  explicit Core(RpcServerConfig c) : config(std::move(c)), rng(std::random_device{}()) {}

  const RpcServerConfig config;

  mutable std::mutex mu;  // everything below up to the worker pool
  std::map<std::string, std::shared_ptr<const Entry>> entries;
  std::unordered_map<ConnId, std::map<std::string, SubPtr>> conns;  // open WebSocket connections
  std::unique_ptr<transport::Server> net;
  bool running = false;
  std::uint16_t port = 0;
  std::mt19937_64 rng;

  std::mutex qmu;  // the worker pool
  std::condition_variable qcv;
  std::deque<Task> queue;
  std::size_t queued_bytes = 0;
  bool qstop = false;
  std::vector<std::thread> workers;

  // ---- registration ---------------------------------------------------------------------------

  Result<void> add(std::vector<std::pair<std::string, std::shared_ptr<const Entry>>> items) {
    std::lock_guard lock(mu);
    if (running) return make_error(RpcServerErrc::AlreadyRunning, "register before start()");
    for (const auto& [name, entry] : items) {
      if (name.empty()) return make_error(RpcServerErrc::InvalidArgument, "empty method name");
      if (entries.count(name) != 0) {
        return make_error(RpcServerErrc::InvalidArgument, "method " + name + " already registered");
      }
    }
    if (items.size() == 2 && items[0].first == items[1].first) {
      return make_error(RpcServerErrc::InvalidArgument,
                        "subscribe and unsubscribe share the name " + items[0].first);
    }
    for (auto& [name, entry] : items) entries.emplace(name, std::move(entry));
    return ok();
  }

  std::shared_ptr<const Entry> find(const std::string& name) const {
    std::lock_guard lock(mu);
    auto it = entries.find(name);
    return it == entries.end() ? nullptr : it->second;
  }

  // ---- sending --------------------------------------------------------------------------------

  bool ws_send(ConnId conn, std::string text) {
    std::lock_guard lock(mu);
    if (!net) return false;
    net->send(conn, std::move(text));
    return true;
  }

  void http_respond(ConnId conn, transport::HttpReply reply) {
    std::lock_guard lock(mu);
    if (net) net->respond(conn, std::move(reply));
  }

  transport::HttpReply http_reply(int status, std::string content_type, std::string body) const {
    transport::HttpReply r;
    r.status = status;
    r.headers.emplace_back("Content-Type", std::move(content_type));
    r.headers.emplace_back("Connection", "close");
    if (config.cors_any_origin) r.headers.emplace_back("Access-Control-Allow-Origin", "*");
    r.body = std::move(body);
    return r;
  }

  // ---- transport callbacks (I/O thread) -------------------------------------------------------

  void on_http(ConnId conn, transport::HttpRequest&& req) {
    if (req.method == "OPTIONS") {
      transport::HttpReply r = http_reply(200, "text/plain", "");
      r.headers.emplace_back("Access-Control-Allow-Methods", "POST, OPTIONS");
      r.headers.emplace_back("Access-Control-Allow-Headers", "content-type");
      http_respond(conn, std::move(r));
      return;
    }
    if (req.method != "POST") {
      transport::HttpReply r = http_reply(
          405, "text/plain", "Used HTTP Method is not allowed. POST or OPTIONS is required\n");
      r.headers.emplace_back("Allow", "POST, OPTIONS");
      http_respond(conn, std::move(r));
      return;
    }
    if (!is_json_content_type(req.content_type)) {
      http_respond(conn, http_reply(415, "text/plain",
                                    "Supplied content type is not allowed. Content-Type: "
                                    "application/json is required\n"));
      return;
    }
    if (!enqueue(Task{conn, false, std::move(req.body)})) {
      http_respond(conn, http_reply(200, "application/json; charset=utf-8", busy_text()));
    }
  }

  void on_ws_open(ConnId conn) {
    std::lock_guard lock(mu);
    conns[conn];
  }

  void on_ws_message(ConnId conn, std::string&& text) {
    if (!enqueue(Task{conn, true, std::move(text)})) ws_send(conn, busy_text());
  }

  void on_close(ConnId conn) {
    std::map<std::string, SubPtr> subs;
    {
      std::lock_guard lock(mu);
      auto it = conns.find(conn);
      if (it == conns.end()) return;
      subs.swap(it->second);
      conns.erase(it);
    }
    for (auto& [id, st] : subs) close_state(*st);
  }

  static std::string busy_text() {
    return rpc_error_text(
        nullptr, RpcError{rpc_code::kServerBusy, "Server is busy, try again later", std::nullopt});
  }

  // ---- worker pool ----------------------------------------------------------------------------

  bool enqueue(Task&& t) {
    {
      std::lock_guard lock(qmu);
      if (qstop || queue.size() >= config.max_queued_requests ||
          queued_bytes + t.text.size() > config.max_queued_bytes) {
        return false;
      }
      queued_bytes += t.text.size();
      queue.push_back(std::move(t));
    }
    qcv.notify_one();
    return true;
  }

  void worker_loop() {
    block_stop_signals();
    for (;;) {
      Task t;
      {
        std::unique_lock lock(qmu);
        qcv.wait(lock, [this] { return qstop || !queue.empty(); });
        if (qstop) return;
        t = std::move(queue.front());
        queue.pop_front();
        queued_bytes -= t.text.size();
      }
      run_task(std::move(t));
    }
  }

  void run_task(Task&& t) {
    Answer a = process(t.text, Origin{t.conn, t.ws});
    if (t.ws) {
      if (a.reply) ws_send(t.conn, std::move(*a.reply));
    } else {
      http_respond(t.conn, http_reply(200, "application/json; charset=utf-8",
                                      a.reply ? std::move(*a.reply) : std::string()));
    }
    for (const SubPtr& st : a.new_subs) accept(*st);
  }

  // ---- dispatch -------------------------------------------------------------------------------

  Answer process(std::string_view text, const Origin& from) {
    Answer a;
    auto parsed = parse_rpc_request(text, config.request);
    if (const RpcError* e = std::get_if<RpcError>(&parsed)) {
      a.reply = rpc_error_text(nullptr, *e);
      return a;
    }
    RpcRequest& req = std::get<RpcRequest>(parsed);
    std::vector<std::string> parts;
    std::size_t total = 0;
    for (const RpcEntry& entry : req.entries) {
      std::optional<std::string> part = answer(entry, from, a.new_subs);
      if (!part) continue;
      total += part->size() + 1;
      parts.push_back(std::move(*part));
    }
    if (parts.empty()) return a;
    if (!req.batch) {
      a.reply = std::move(parts.front());
      return a;
    }
    if (total + 1 > config.max_response_bytes) {
      for (const SubPtr& st : a.new_subs) forget(*st);
      a.new_subs.clear();
      a.reply = rpc_error_text(
          nullptr, RpcError{rpc_code::kTooBigBatchResponse, "The batch response was too large",
                            json(exceeded(config.max_response_bytes))});
      return a;
    }
    std::string out = "[";
    out.reserve(total + 1);
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (i != 0) out += ',';
      out += parts[i];
    }
    out += ']';
    a.reply = std::move(out);
    return a;
  }

  std::optional<std::string> answer(const RpcEntry& entry, const Origin& from,
                                    std::vector<SubPtr>& new_subs) {
    if (const auto* bad = std::get_if<RpcInvalidCall>(&entry)) {
      return rpc_error_text(bad->id, bad->error);
    }
    const RpcCall& call = std::get<RpcCall>(entry);
    if (call.notification) return std::nullopt;  // as jsonrpsee: not executed, not answered
    const std::size_t before = new_subs.size();
    RpcResult r = invoke(call, from, new_subs);
    std::string text =
        r.ok() ? rpc_result_text(call.id, r.value()) : rpc_error_text(call.id, r.error());
    if (text.size() > config.max_response_bytes) {
      while (new_subs.size() > before) {
        forget(*new_subs.back());
        new_subs.pop_back();
      }
      text = rpc_error_text(call.id, RpcError{rpc_code::kOversizedResponse, "Response is too big",
                                              json(exceeded(config.max_response_bytes))});
    }
    return text;
  }

  RpcResult invoke(const RpcCall& call, const Origin& from, std::vector<SubPtr>& new_subs) {
    std::shared_ptr<const Entry> e = find(call.method);
    if (!e) return RpcError::method_not_found();
    if (e->kind != Entry::Kind::Method && !from.ws) {
      return RpcError::internal();  // subscriptions over HTTP, as Substrate answers
    }
    try {
      switch (e->kind) {
        case Entry::Kind::Method: return e->method(call.params);
        case Entry::Kind::Subscribe: return subscribe(*e, call, from, new_subs);
        case Entry::Kind::Unsubscribe: return unsubscribe(call, from);
      }
    } catch (const std::exception& ex) {
      return RpcError::internal(ex.what());
    } catch (...) {
      return RpcError::internal("unknown exception");
    }
    return RpcError::internal();
  }

  std::string new_id_locked(const std::map<std::string, SubPtr>& taken) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    for (;;) {
      std::string id(16, ' ');
      for (char& c : id) c = kAlphabet[pick(rng)];
      if (taken.count(id) == 0) return id;
    }
  }

  RpcResult subscribe(const Entry& e, const RpcCall& call, const Origin& from,
                      std::vector<SubPtr>& new_subs) {
    auto st = std::make_shared<detail::SubscriptionState>();
    st->notification = e.notification;
    st->unsubscribe = e.unsubscribe;
    st->core = weak_from_this();
    st->conn = from.conn;
    st->max_bytes = config.max_response_bytes;
    st->max_held_bytes = config.max_send_buffer_bytes;
    {
      std::lock_guard lock(mu);
      auto it = conns.find(from.conn);
      if (!running || it == conns.end()) return RpcError::internal("connection closed");
      if (it->second.size() >= config.max_subscriptions_per_connection) {
        return RpcError{rpc_code::kTooManySubscriptions, "Too many subscriptions on the connection",
                        json(exceeded(config.max_subscriptions_per_connection))};
      }
      st->id = new_id_locked(it->second);
      it->second.emplace(st->id, st);
    }
    RpcResult r = [&]() -> RpcResult {
      try {
        return e.subscribe(call.params, SubscriptionSink(st));
      } catch (...) {
        forget(*st);
        throw;
      }
    }();
    if (!r.ok()) {
      forget(*st);
      return r;
    }
    new_subs.push_back(st);
    return json(st->id);
  }

  RpcResult unsubscribe(const RpcCall& call, const Origin& from) {
    const json& p = call.params;
    const json* id = nullptr;
    if (p.is_array() && p.size() == 1) id = &p[0];
    if (id == nullptr || !id->is_string()) {
      return RpcError::invalid_params("expected [subscription id]");
    }
    SubPtr st;
    {
      std::lock_guard lock(mu);
      auto c = conns.find(from.conn);
      if (c == conns.end()) return json(false);
      auto it = c->second.find(id->get<std::string>());
      if (it == c->second.end() || it->second->unsubscribe != call.method) return json(false);
      st = it->second;
      c->second.erase(it);
    }
    close_state(*st);
    return json(true);
  }

  // ---- subscription state ---------------------------------------------------------------------

  static void close_state(detail::SubscriptionState& st) {
    std::lock_guard lock(st.mu);
    st.closed = true;
    st.held.clear();
    st.held_bytes = 0;
  }

  // Closes a subscription and removes it from its connection.
  void forget(detail::SubscriptionState& st) {
    close_state(st);
    std::lock_guard lock(mu);
    auto c = conns.find(st.conn);
    if (c == conns.end()) return;
    auto it = c->second.find(st.id);
    if (it != c->second.end() && it->second.get() == &st) c->second.erase(it);
  }

  // The response with the id is queued: deliver what was held, then send directly.
  void accept(detail::SubscriptionState& st) {
    std::lock_guard lock(st.mu);
    if (st.closed) return;
    for (std::string& text : st.held) ws_send(st.conn, std::move(text));
    st.held.clear();
    st.held_bytes = 0;
    st.accepted = true;
  }

  // ---- lifecycle ------------------------------------------------------------------------------

  Result<std::uint16_t> start() {
    std::lock_guard lock(mu);
    if (running) return make_error(RpcServerErrc::AlreadyRunning);
    if (config.worker_threads == 0) {
      return make_error(RpcServerErrc::InvalidArgument, "worker_threads must be at least 1");
    }
    transport::Config tc;
    tc.host = config.host;
    tc.port = config.port;
    tc.max_message_bytes = config.request.max_bytes;
    tc.max_connections = config.max_connections;
    tc.max_send_buffer_bytes = config.max_send_buffer_bytes;
    transport::StartResult r = transport::start_server(tc, handlers());
    if (!r.server) return start_error(r);
    net = std::move(r.server);
    port = net->port();
    running = true;
    {
      std::lock_guard qlock(qmu);
      qstop = false;
    }
    for (std::size_t i = 0; i < config.worker_threads; ++i) {
      workers.emplace_back([this] { worker_loop(); });
    }
    return port;
  }

  static Error start_error(const transport::StartResult& r) {
    switch (r.error) {
      case transport::StartError::InvalidAddress:
        return make_error(RpcServerErrc::InvalidArgument, r.message);
      case transport::StartError::Io: return make_error(RpcServerErrc::Io, r.message);
      case transport::StartError::Bind:
      case transport::StartError::None: break;
    }
    return make_error(RpcServerErrc::Bind, r.message);
  }

  transport::Handlers handlers() {
    // The transport is stopped (and its thread joined) before the core goes away.
    transport::Handlers h;
    h.on_http = [this](ConnId c, transport::HttpRequest&& req) { on_http(c, std::move(req)); };
    h.on_ws_open = [this](ConnId c) { on_ws_open(c); };
    h.on_ws_message = [this](ConnId c, std::string&& t) { on_ws_message(c, std::move(t)); };
    h.on_close = [this](ConnId c) { on_close(c); };
    return h;
  }

  void stop() {
    std::unique_ptr<transport::Server> t;
    {
      std::lock_guard lock(mu);
      if (!running) return;
      for (const std::thread& w : workers) {
        EV_ASSERT(w.get_id() != std::this_thread::get_id(), "RpcServer::stop() from a handler");
      }
      running = false;
      port = 0;
      t = std::move(net);
    }
    t->stop();  // no transport callback runs after this
    {
      std::lock_guard lock(qmu);
      qstop = true;
      queue.clear();
      queued_bytes = 0;
    }
    qcv.notify_all();
    for (std::thread& w : workers) w.join();
    workers.clear();
    std::unordered_map<ConnId, std::map<std::string, SubPtr>> all;
    {
      std::lock_guard lock(mu);
      all.swap(conns);
    }
    for (auto& [conn, subs] : all) {
      for (auto& [id, st] : subs) close_state(*st);
    }
  }
};

// ---- SubscriptionSink --------------------------------------------------------------------------

SubscriptionSink::SubscriptionSink(std::shared_ptr<detail::SubscriptionState> state)
    : state_(std::move(state)) {}

const std::string& SubscriptionSink::id() const {
  static const std::string kNone;
  return state_ ? state_->id : kNone;
}

bool SubscriptionSink::send(const json& result) const {
  if (!state_) return false;
  std::string text = R"({"jsonrpc":"2.0","method":)";
  text += chain::dump_json(json(state_->notification));
  text += R"(,"params":{"subscription":)";
  text += chain::dump_json(json(state_->id));
  text += R"(,"result":)";
  text += chain::dump_json(result);
  text += "}}";
  if (text.size() > state_->max_bytes) return false;
  std::lock_guard lock(state_->mu);
  if (state_->closed) return false;
  if (!state_->accepted) {
    if (state_->held_bytes + text.size() > state_->max_held_bytes) return false;
    state_->held_bytes += text.size();
    state_->held.push_back(std::move(text));
    return true;
  }
  std::shared_ptr<RpcServer::Core> core = state_->core.lock();
  return core && core->ws_send(state_->conn, std::move(text));
}

bool SubscriptionSink::is_closed() const {
  if (!state_) return true;
  std::lock_guard lock(state_->mu);
  return state_->closed;
}

void SubscriptionSink::close() const {
  if (!state_) return;
  if (std::shared_ptr<RpcServer::Core> core = state_->core.lock()) {
    core->forget(*state_);
  } else {
    RpcServer::Core::close_state(*state_);
  }
}

// ---- RpcServer ---------------------------------------------------------------------------------

RpcServer::RpcServer(RpcServerConfig config) : core_(std::make_shared<Core>(std::move(config))) {}

RpcServer::~RpcServer() { stop(); }

Result<void> RpcServer::register_method(std::string name, MethodHandler handler) {
  if (!handler) return make_error(RpcServerErrc::InvalidArgument, "empty handler for " + name);
  auto e = std::make_shared<Entry>();
  e->kind = Entry::Kind::Method;
  e->method = std::move(handler);
  return core_->add({{std::move(name), std::move(e)}});
}

Result<void> RpcServer::register_subscription(std::string subscribe, std::string unsubscribe,
                                              std::string notification,
                                              SubscriptionHandler handler) {
  if (!handler) return make_error(RpcServerErrc::InvalidArgument, "empty handler for " + subscribe);
  if (notification.empty()) {
    return make_error(RpcServerErrc::InvalidArgument, "empty notification method");
  }
  auto sub = std::make_shared<Entry>();
  sub->kind = Entry::Kind::Subscribe;
  sub->subscribe = std::move(handler);
  sub->notification = std::move(notification);
  sub->unsubscribe = unsubscribe;
  auto unsub = std::make_shared<Entry>();
  unsub->kind = Entry::Kind::Unsubscribe;
  return core_->add(
      {{std::move(subscribe), std::move(sub)}, {std::move(unsubscribe), std::move(unsub)}});
}

std::vector<std::string> RpcServer::method_names() const {
  std::lock_guard lock(core_->mu);
  std::vector<std::string> names;
  names.reserve(core_->entries.size());
  for (const auto& kv : core_->entries) names.push_back(kv.first);
  return names;
}

Result<std::uint16_t> RpcServer::start() { return core_->start(); }

std::uint16_t RpcServer::port() const {
  std::lock_guard lock(core_->mu);
  return core_->port;
}

bool RpcServer::running() const {
  std::lock_guard lock(core_->mu);
  return core_->running;
}

void RpcServer::stop() { core_->stop(); }

std::optional<std::string> RpcServer::handle_text(std::string_view request_text) {
  return core_->process(request_text, {}).reply;
}

}  // namespace ev::devnode
