// WebSocket transport: id-matched calls, subscriptions and reconnection over wsock::Socket.
//
// Locking: mu_ guards the connection state, pending calls and subscription tables. It is never
// held while a callback runs or while a caller waits for a reply. Each subscription's cb_mu is
// held while its callback runs, so ending a subscription from another thread waits for a
// running callback to return.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ev/chain/rpc/message.hpp"
#include "rpc_transports.hpp"
#include "rpc_ws_socket.hpp"

namespace ev::chain::detail {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxEarlyNotifications = 1024;

struct SubState {
  std::uint64_t key = 0;
  std::string id;
  std::string unsubscribe_method;
  wsock::ConnId conn = 0;
  NotificationCallback cb;
  std::mutex cb_mu;  // held while cb runs
  std::atomic<bool> active{true};
};

// Where a caller waits for its reply.
struct CallSlot {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Result<JsonValue>> result;
  std::shared_ptr<SubState> sub;  // a successful subscribe's new subscription

  void complete(Result<JsonValue> r, std::shared_ptr<SubState> s = nullptr) {
    {
      std::lock_guard lock(mu);
      if (result) return;
      result.emplace(std::move(r));
      sub = std::move(s);
    }
    cv.notify_all();
  }
};

struct Pending {
  std::string method;
  std::shared_ptr<CallSlot> slot;  // null: nobody waits (fire-and-forget, abandoned subscribe)
  bool subscribe = false;
  bool abandoned = false;  // a subscribe whose caller timed out: unsubscribe if it succeeds
  NotificationCallback cb;
  std::string unsubscribe_method;
};

enum class State { Open, Reconnecting, Closed };

void deliver(SubState& st, Result<JsonValue> r) {
  std::lock_guard lock(st.cb_mu);
  if (!st.active.load()) return;
  try {
    st.cb(std::move(r));
  } catch (...) {
    // Callbacks must not throw; an exception is discarded so the I/O thread keeps running.
  }
}

std::string one_param(const std::string& sub_id) {
  return "[" + dump_json(JsonValue(sub_id)) + "]";
}

class WsCore final : public SubscriptionHost, public std::enable_shared_from_this<WsCore> {
 public:
  WsCore(std::string url, RpcUrl endpoint, RpcOptions options)
      : url_(std::move(url)), endpoint_(std::move(endpoint)), options_(std::move(options)) {}

  // Starts the I/O thread and makes the first connection.
  Result<void> start() {
    wsock::Config cfg;
    cfg.tls = endpoint_.tls();
    cfg.connect_timeout_ms = static_cast<long>(options_.connect_timeout.count());
    cfg.max_message_bytes = options_.limits.max_bytes;
    cfg.verify_tls = options_.verify_tls;
    cfg.ca_file = options_.ca_file;
    cfg.host = endpoint_.host;
    wsock::Handlers h;
    h.on_message = [this](wsock::ConnId c, std::string&& text) { on_message(c, std::move(text)); };
    h.on_close = [this](wsock::ConnId c, const wsock::CloseInfo& i) { on_close(c, i); };
    std::string error;
    socket_ = wsock::make_socket(cfg, std::move(h), &error);
    if (!socket_) return make_error(RpcErrc::ConnectFailed, error);

    auto opened = std::make_shared<std::promise<wsock::OpenResult>>();
    auto future = opened->get_future();
    socket_->open(url_, [this, opened](const wsock::OpenResult& r) {
      if (r.status == wsock::OpenStatus::Ok) {
        std::lock_guard lock(mu_);
        if (state_ == State::Reconnecting) {  // not shut down meanwhile
          conn_ = r.conn;
          state_ = State::Open;
        }
      }
      opened->set_value(r);
    });
    if (future.wait_for(options_.connect_timeout + std::chrono::seconds(2)) !=
        std::future_status::ready) {
      return make_error(RpcErrc::Timeout, url_ + ": no WebSocket connection");
    }
    const wsock::OpenResult r = future.get();
    switch (r.status) {
      case wsock::OpenStatus::Ok: return ok();
      case wsock::OpenStatus::TimedOut: return make_error(RpcErrc::Timeout, url_ + ": " + r.error);
      case wsock::OpenStatus::Failed: break;
    }
    return make_error(RpcErrc::ConnectFailed, url_ + ": " + r.error);
  }

  // Stops everything; pending calls fail with Closed, subscriptions end without a callback.
  void shutdown() {
    {
      std::lock_guard lock(mu_);
      state_ = State::Closed;
      closed_reason_ = "the client was destroyed";
      cv_.notify_all();
    }
    if (socket_) socket_->stop();
    std::unordered_map<std::uint64_t, Pending> pending;
    std::unordered_map<std::uint64_t, std::shared_ptr<SubState>> subs;
    {
      std::lock_guard lock(mu_);
      pending.swap(pending_);
      subs.swap(subs_by_key_);
      subs_by_id_.clear();
    }
    for (auto& [id, p] : pending) {
      if (p.slot) p.slot->complete(make_error(RpcErrc::Closed, p.method + ": client destroyed"));
    }
    for (auto& [key, st] : subs) st->active = false;
  }

  Result<JsonValue> call(std::string_view method, std::string_view params) {
    auto slot = std::make_shared<CallSlot>();
    Pending p{std::string(method), slot, false, false, {}, {}};
    return send_and_wait(std::move(p), params);
  }

  Result<Subscription> subscribe(std::string_view method, std::string_view params,
                                 std::string_view unsubscribe_method, NotificationCallback cb) {
    if (!cb) return make_error(RpcErrc::InvalidArgument, "subscribe: empty callback");
    auto slot = std::make_shared<CallSlot>();
    Pending p{
        std::string(method), slot, true, false, std::move(cb), std::string(unsubscribe_method)};
    EV_TRY(send_and_wait(std::move(p), params));
    std::shared_ptr<SubState> st;
    {
      std::lock_guard lock(slot->mu);
      st = slot->sub;
    }
    EV_ASSERT(st != nullptr, "a successful subscribe has its subscription");
    return Subscription(weak_from_this(), st->key, st->id);
  }

  Result<void> end_subscription(std::uint64_t key, bool wait) override {
    std::shared_ptr<SubState> st;
    bool live = false;  // its connection is still the current one
    {
      std::lock_guard lock(mu_);
      auto it = subs_by_key_.find(key);
      if (it == subs_by_key_.end()) return ok();  // already ended
      st = it->second;
      subs_by_key_.erase(it);
      auto jt = subs_by_id_.find(st->id);
      if (jt != subs_by_id_.end() && jt->second == st) subs_by_id_.erase(jt);
      live = state_ == State::Open && conn_ == st->conn;
    }
    st->active = false;
    const bool io = socket_->on_io_thread();
    if (!io) {
      std::lock_guard wait_for_running_callback(st->cb_mu);
    }
    if (!live || st->unsubscribe_method.empty()) return ok();  // the node forgot it already
    if (!wait || io) {
      fire_and_forget(st->unsubscribe_method, one_param(st->id), st->conn);
      return ok();
    }
    auto r = call(st->unsubscribe_method, one_param(st->id));
    if (!r.ok()) return std::move(r).error();
    return ok();
  }

  [[nodiscard]] bool on_io_thread() const { return socket_ && socket_->on_io_thread(); }
  [[nodiscard]] const RpcUrl& endpoint() const { return endpoint_; }
  [[nodiscard]] RpcStats stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  // ---- callers' side -------------------------------------------------------------------------

  Result<JsonValue> send_and_wait(Pending p, std::string_view params) {
    if (params.empty()) params = "[]";
    EV_TRY(validate_params(params, options_.limits));
    if (socket_->on_io_thread()) {
      return make_error(RpcErrc::InvalidArgument,
                        p.method + ": called from a notification callback (would deadlock)");
    }
    const auto deadline = Clock::now() + options_.request_timeout;
    auto slot = p.slot;
    const std::string method = p.method;
    std::uint64_t id = 0;
    wsock::ConnId conn = 0;
    {
      std::unique_lock lock(mu_);
      EV_TRY(wait_open(lock, deadline, method));
      id = next_id_++;
      conn = conn_;
      if (p.subscribe) ++subscribes_in_flight_;
      pending_.emplace(id, std::move(p));
    }
    send(conn, id, build_request(id, method, params));
    return wait_reply(*slot, id, deadline, method);
  }

  Result<void> wait_open(std::unique_lock<std::mutex>& lock, Clock::time_point deadline,
                         const std::string& method) {
    while (state_ == State::Reconnecting) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
          state_ == State::Reconnecting) {
        return make_error(RpcErrc::Timeout, method + ": still reconnecting to " + url_);
      }
    }
    if (state_ == State::Closed) return make_error(RpcErrc::Closed, method + ": " + closed_reason_);
    return ok();
  }

  void send(wsock::ConnId conn, std::uint64_t id, std::string text) {
    socket_->send(conn, std::move(text), [this, id](const std::string& err) {
      fail_pending(id, make_error(RpcErrc::ConnectionLost, "send failed: " + err));
    });
  }

  Result<JsonValue> wait_reply(CallSlot& slot, std::uint64_t id, Clock::time_point deadline,
                               const std::string& method) {
    {
      std::unique_lock lock(slot.mu);
      if (slot.cv.wait_until(lock, deadline, [&] { return slot.result.has_value(); })) {
        return std::move(*slot.result);
      }
    }
    abandon(id);
    std::unique_lock lock(slot.mu);
    if (slot.result) return std::move(*slot.result);  // completed while abandoning
    return make_error(
        RpcErrc::Timeout,
        method + ": no reply within " + std::to_string(options_.request_timeout.count()) + " ms");
  }

  void abandon(std::uint64_t id) {
    std::lock_guard lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    if (!it->second.subscribe) {
      pending_.erase(it);
      return;
    }
    it->second.abandoned = true;
    it->second.slot.reset();
    it->second.cb = nullptr;
    if (--subscribes_in_flight_ == 0) discard_early();
  }

  void fire_and_forget(const std::string& method, const std::string& params, wsock::ConnId conn) {
    if (method.empty()) return;
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mu_);
      if (state_ != State::Open || conn_ != conn) return;  // the node dropped it with the socket
      id = next_id_++;
      pending_.emplace(id, Pending{method, nullptr, false, false, {}, {}});
    }
    send(conn, id, build_request(id, method, params));
  }

  void fail_pending(std::uint64_t id, Error e) {
    std::shared_ptr<CallSlot> slot;
    {
      std::lock_guard lock(mu_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      slot = it->second.slot;
      if (it->second.subscribe && !it->second.abandoned && --subscribes_in_flight_ == 0) {
        discard_early();
      }
      e = std::move(e).context(it->second.method);
      pending_.erase(it);
    }
    if (slot) slot->complete(std::move(e));
  }

  // ---- I/O thread ----------------------------------------------------------------------------

  void on_message(wsock::ConnId conn, std::string&& text) {
    auto parsed = parse_json(text, options_.limits);
    if (!parsed.ok()) return note_dropped();
    const auto id = peek_response_id(*parsed);
    auto msg = interpret_rpc_message(std::move(parsed).value());
    if (!msg.ok()) {
      if (!id) return note_dropped();
      return fail_pending(*id, std::move(msg).error());
    }
    if (auto* n = std::get_if<RpcNotification>(&*msg)) return on_notification(conn, std::move(*n));
    on_response(conn, std::move(std::get<RpcResponse>(*msg)));
  }

  // REQUIRES: mu_ held. Notifications no subscription claimed are counted as dropped.
  void discard_early() {
    stats_.dropped_messages += early_.size();
    early_.clear();
  }

  void note_dropped() {
    std::lock_guard lock(mu_);
    ++stats_.dropped_messages;
  }

  void on_notification(wsock::ConnId conn, RpcNotification&& n) {
    std::shared_ptr<SubState> st;
    {
      std::lock_guard lock(mu_);
      auto it = subs_by_id_.find(n.subscription);
      if (it != subs_by_id_.end() && it->second->conn == conn) {
        st = it->second;
      } else if (subscribes_in_flight_ > 0) {
        if (early_.size() >= kMaxEarlyNotifications) {
          early_.pop_front();
          ++stats_.dropped_messages;
        }
        early_.push_back(std::move(n));
        return;
      } else {
        ++stats_.dropped_messages;
        return;
      }
    }
    deliver(*st, std::move(n.result));
  }

  void on_response(wsock::ConnId conn, RpcResponse&& r) {
    if (!r.id) return note_dropped();
    std::unique_lock lock(mu_);
    auto it = pending_.find(*r.id);
    if (it == pending_.end()) {
      ++stats_.dropped_messages;
      return;
    }
    Pending p = std::move(it->second);
    pending_.erase(it);
    if (!p.subscribe) {
      lock.unlock();
      if (p.slot) p.slot->complete(outcome(p.method, std::move(r)));
      return;
    }
    if (!p.abandoned) --subscribes_in_flight_;
    Result<JsonValue> res = outcome(p.method, std::move(r));
    std::optional<std::string> sub_id;
    if (res.ok()) {
      sub_id = subscription_id_text(*res);
      if (!sub_id) {
        res = make_error(RpcErrc::BadResult,
                         p.method + ": subscription id must be a string or unsigned integer");
      }
    }
    if (!res.ok() || p.abandoned) {
      if (subscribes_in_flight_ == 0) discard_early();
      lock.unlock();
      if (p.abandoned && sub_id) fire_and_forget(p.unsubscribe_method, one_param(*sub_id), conn);
      if (p.slot) p.slot->complete(std::move(res));
      return;
    }
    auto st = std::make_shared<SubState>();
    st->key = next_key_++;
    st->id = *sub_id;
    st->unsubscribe_method = std::move(p.unsubscribe_method);
    st->conn = conn;
    st->cb = std::move(p.cb);
    subs_by_id_[st->id] = st;
    subs_by_key_[st->key] = st;
    std::vector<JsonValue> early;
    for (auto e = early_.begin(); e != early_.end();) {
      if (e->subscription == st->id) {
        early.push_back(std::move(e->result));
        e = early_.erase(e);
      } else {
        ++e;
      }
    }
    if (subscribes_in_flight_ == 0) discard_early();
    lock.unlock();
    p.slot->complete(std::move(res), st);
    for (auto& e : early) deliver(*st, std::move(e));
  }

  static Result<JsonValue> outcome(const std::string& method, RpcResponse&& r) {
    if (auto* info = std::get_if<RpcErrorInfo>(&r.outcome)) return make_server_error(method, *info);
    return std::move(std::get<JsonValue>(r.outcome));
  }

  void on_close(wsock::ConnId conn, const wsock::CloseInfo& info) {
    std::unordered_map<std::uint64_t, Pending> pending;
    std::vector<std::shared_ptr<SubState>> subs;
    {
      std::lock_guard lock(mu_);
      if (conn != conn_) return;
      conn_ = 0;
      pending.swap(pending_);
      // Entries stay in subs_by_key_ until their closing callback has run, so that a handle
      // destroyed meanwhile waits for it (end_subscription takes cb_mu).
      for (const auto& [key, st] : subs_by_key_) subs.push_back(st);
      subs_by_id_.clear();
      discard_early();
      subscribes_in_flight_ = 0;
      if (state_ != State::Closed) {
        if (options_.reconnect.max_attempts == 0) {
          state_ = State::Closed;
          closed_reason_ = "connection lost (" + info.reason + "); reconnection is disabled";
        } else {
          state_ = State::Reconnecting;
          attempt_ = 0;
          schedule_reconnect();
        }
      }
      cv_.notify_all();
    }
    const auto code = info.message_too_big ? RpcErrc::ResponseTooLarge : RpcErrc::ConnectionLost;
    for (auto& [id, p] : pending) {
      if (!p.slot) continue;
      p.slot->complete(make_error(
          code, p.method + ": " + info.reason + " (the request may have been executed)"));
    }
    for (auto& st : subs) {
      deliver(*st, make_error(RpcErrc::SubscriptionClosed,
                              "subscription " + st->id + ": " + info.reason));
      st->active = false;
    }
    std::lock_guard lock(mu_);
    for (auto& st : subs) {
      auto it = subs_by_key_.find(st->key);
      if (it != subs_by_key_.end() && it->second == st) subs_by_key_.erase(it);
    }
  }

  // REQUIRES: mu_ held, state_ == Reconnecting.
  void schedule_reconnect() {
    const auto delay = backoff_delay(options_.reconnect, attempt_);
    socket_->post_after(static_cast<long>(delay.count()), [this] { reconnect(); });
  }

  void reconnect() {
    {
      std::lock_guard lock(mu_);
      if (state_ != State::Reconnecting) return;
    }
    socket_->open(url_, [this](const wsock::OpenResult& r) { on_reconnect(r); });
  }

  void on_reconnect(const wsock::OpenResult& r) {
    std::lock_guard lock(mu_);
    if (state_ != State::Reconnecting) return;
    if (r.status == wsock::OpenStatus::Ok) {
      conn_ = r.conn;
      state_ = State::Open;
      ++stats_.reconnects;
      cv_.notify_all();
      return;
    }
    if (++attempt_ >= options_.reconnect.max_attempts) {
      state_ = State::Closed;
      closed_reason_ = "gave up reconnecting to " + url_ + " after " + std::to_string(attempt_) +
                       " attempts (last: " + r.error + ")";
      cv_.notify_all();
      return;
    }
    schedule_reconnect();
  }

  const std::string url_;
  const RpcUrl endpoint_;
  const RpcOptions options_;
  std::unique_ptr<wsock::Socket> socket_;

  mutable std::mutex mu_;
  std::condition_variable cv_;  // state_ changes
  State state_ = State::Reconnecting;
  std::string closed_reason_;
  wsock::ConnId conn_ = 0;
  std::uint32_t attempt_ = 0;
  std::uint64_t next_id_ = 1;
  std::uint64_t next_key_ = 1;
  std::unordered_map<std::uint64_t, Pending> pending_;
  std::unordered_map<std::string, std::shared_ptr<SubState>> subs_by_id_;
  std::unordered_map<std::uint64_t, std::shared_ptr<SubState>> subs_by_key_;
  std::deque<RpcNotification> early_;  // notifications for ids not (yet) known
  std::size_t subscribes_in_flight_ = 0;
  RpcStats stats_;
};

class WsClient final : public RpcClient {
 public:
  explicit WsClient(std::shared_ptr<WsCore> core) : core_(std::move(core)) {}
  ~WsClient() override {
    EV_ASSERT(!core_->on_io_thread(), "RpcClient destroyed from its own callback");
    core_->shutdown();
  }
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  Result<JsonValue> call(std::string_view method, std::string_view params_json) override {
    return core_->call(method, params_json);
  }
  Result<Subscription> subscribe(std::string_view method, std::string_view params_json,
                                 std::string_view unsubscribe_method,
                                 NotificationCallback on_notification) override {
    return core_->subscribe(method, params_json, unsubscribe_method, std::move(on_notification));
  }
  bool supports_subscriptions() const override { return true; }
  const RpcUrl& endpoint() const override { return core_->endpoint(); }
  RpcStats stats() const override { return core_->stats(); }

 private:
  std::shared_ptr<WsCore> core_;
};

}  // namespace

Result<std::unique_ptr<RpcClient>> make_ws_client(const RpcUrl& url, std::string_view url_text,
                                                  const RpcOptions& options) {
  auto core = std::make_shared<WsCore>(std::string(url_text), url, options);
  if (auto r = core->start(); !r.ok()) {
    core->shutdown();
    return std::move(r).error();
  }
  return std::unique_ptr<RpcClient>(std::make_unique<WsClient>(std::move(core)));
}

}  // namespace ev::chain::detail
