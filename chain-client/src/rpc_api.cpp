// Typed wrappers of Substrate RPC methods (the decoders of their results: rpc_decode.cpp).
#include <array>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "ev/chain/rpc/api.hpp"
#include "rpc_decode_internal.hpp"

namespace ev::chain {
namespace {

using detail::bad;
using detail::decode_bytes;
using detail::decode_bytes_array;
using detail::decode_hash;
using detail::decode_string;
using detail::member;

// Params as JSON text; trailing nulls are dropped (optional arguments left out).
std::string params(JsonValue arr) {
  while (!arr.empty() && arr.back().is_null()) arr.erase(arr.size() - 1);
  return dump_json(arr);
}

JsonValue hex(ByteSpan b) { return JsonValue(to_hex(b)); }

template <class... A>
std::string params_of(A&&... a) {
  JsonValue arr = JsonValue::array();
  (arr.push_back(JsonValue(std::forward<A>(a))), ...);
  return params(std::move(arr));
}
JsonValue opt_hash(const std::optional<H256>& h) { return h ? hex(*h) : JsonValue(nullptr); }

// Calls and decodes; decoder errors name the method.
template <class F>
auto call_decode(RpcClient& c, std::string_view method, const std::string& p, F&& decode)
    -> decltype(decode(std::declval<const JsonValue&>())) {
  JsonValue r = EV_TRY(c.call(method, p));
  return EV_TRY_CTX(std::string(method), decode(r));
}

bool valid_account_text(std::string_view a) {
  if (a.size() == 66 && a[0] == '0' && (a[1] == 'x' || a[1] == 'X')) {
    return from_hex(a).ok();
  }
  constexpr std::string_view kBase58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  if (a.empty() || a.size() > 64) return false;
  return a.find_first_not_of(kBase58) == std::string_view::npos;
}

constexpr std::array<std::string_view, std::variant_size_v<TxStatus>> kStatusNames{
    "future",          "ready",     "broadcast", "inBlock", "retracted",
    "finalityTimeout", "finalized", "usurped",   "dropped", "invalid"};

Result<TxStatus> status_with_payload(const std::string& key, const JsonValue& x) {
  const std::string field = "status." + key;
  if (key == "future" && x.is_null()) return TxStatus(TxFuture{});
  if (key == "ready" && x.is_null()) return TxStatus(TxReady{});
  if (key == "dropped" && x.is_null()) return TxStatus(TxDropped{});
  if (key == "invalid" || key == "unknown") {
    if (x.is_null()) return TxStatus(TxInvalid{});
    JsonValue wrapped = JsonValue::object();
    wrapped[key] = x;
    return TxStatus(TxInvalid{classify_validity_json(wrapped)});
  }
  if (key == "broadcast") {
    if (!x.is_array()) return bad(field, "expected an array of peer ids");
    TxBroadcast b;
    for (const auto& p : x) b.peers.push_back(EV_TRY(decode_string(p, field + "[]")));
    return TxStatus(std::move(b));
  }
  if (key == "inBlock") return TxStatus(TxInBlock{EV_TRY(decode_hash(x, field))});
  if (key == "retracted") return TxStatus(TxRetracted{EV_TRY(decode_hash(x, field))});
  if (key == "finalityTimeout") return TxStatus(TxFinalityTimeout{EV_TRY(decode_hash(x, field))});
  if (key == "finalized") return TxStatus(TxFinalized{EV_TRY(decode_hash(x, field))});
  if (key == "usurped") return TxStatus(TxUsurped{EV_TRY(decode_hash(x, field))});
  return bad("status", "unknown status \"" + key + "\"");
}

}  // namespace

Result<TxStatus> decode_tx_status(const JsonValue& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s == "future") return TxStatus(TxFuture{});
    if (s == "ready") return TxStatus(TxReady{});
    if (s == "dropped") return TxStatus(TxDropped{});
    if (s == "invalid") return TxStatus(TxInvalid{});
    return bad("status", "unknown status \"" + s + "\"");
  }
  if (!v.is_object() || v.size() != 1) {
    return bad("status", "expected a string or an object with one member");
  }
  return status_with_payload(v.begin().key(), v.begin().value());
}

std::string_view tx_status_name(const TxStatus& s) { return kStatusNames[s.index()]; }

bool is_terminal(const TxStatus& s) {
  return std::holds_alternative<TxFinalized>(s) || std::holds_alternative<TxFinalityTimeout>(s) ||
         std::holds_alternative<TxUsurped>(s) || std::holds_alternative<TxDropped>(s) ||
         std::holds_alternative<TxInvalid>(s);
}

namespace rpc {

Result<std::optional<H256>> chain_get_block_hash(RpcClient& c, std::optional<std::uint64_t> n) {
  JsonValue p = JsonValue::array();
  if (n) p.push_back(*n);
  return call_decode(c, "chain_getBlockHash", params(p),
                     [](const JsonValue& r) -> Result<std::optional<H256>> {
                       if (r.is_null()) return std::optional<H256>();
                       return std::optional<H256>(EV_TRY(decode_hash(r, "result")));
                     });
}

Result<std::optional<Header>> chain_get_header(RpcClient& c, const std::optional<H256>& at) {
  return call_decode(c, "chain_getHeader", params_of(opt_hash(at)),
                     [](const JsonValue& r) -> Result<std::optional<Header>> {
                       if (r.is_null()) return std::optional<Header>();
                       return std::optional<Header>(EV_TRY(decode_header(r)));
                     });
}

Result<H256> chain_get_finalized_head(RpcClient& c) {
  return call_decode(c, "chain_getFinalizedHead", "[]",
                     [](const JsonValue& r) { return decode_hash(r, "result"); });
}

Result<std::optional<Block>> chain_get_block(RpcClient& c, const std::optional<H256>& at) {
  return call_decode(c, "chain_getBlock", params_of(opt_hash(at)),
                     [](const JsonValue& r) -> Result<std::optional<Block>> {
                       if (r.is_null()) return std::optional<Block>();
                       if (!r.is_object()) return bad("result", "expected an object");
                       const JsonValue& block = member(r, "block");
                       if (!block.is_object()) return bad("result.block", "expected an object");
                       Block b;
                       b.header = EV_TRY(decode_header(member(block, "header")));
                       b.extrinsics = EV_TRY(decode_bytes_array(member(block, "extrinsics"),
                                                                "result.block.extrinsics"));
                       return std::optional<Block>(std::move(b));
                     });
}

Result<std::optional<Bytes>> state_get_storage(RpcClient& c, ByteSpan key,
                                               const std::optional<H256>& at) {
  return call_decode(c, "state_getStorage", params_of(hex(key), opt_hash(at)),
                     [](const JsonValue& r) -> Result<std::optional<Bytes>> {
                       if (r.is_null()) return std::optional<Bytes>();
                       return std::optional<Bytes>(EV_TRY(decode_bytes(r, "result")));
                     });
}

Result<std::vector<Bytes>> state_get_keys_paged(RpcClient& c, ByteSpan prefix, std::uint32_t count,
                                                const std::optional<Bytes>& start_key,
                                                const std::optional<H256>& at) {
  return call_decode(
      c, "state_getKeysPaged",
      params_of(hex(prefix), count, start_key ? hex(*start_key) : JsonValue(nullptr), opt_hash(at)),
      [](const JsonValue& r) { return decode_bytes_array(r, "result"); });
}

Result<std::vector<StorageChangeSet>> state_query_storage_at(RpcClient& c,
                                                             const std::vector<Bytes>& keys,
                                                             const std::optional<H256>& at) {
  JsonValue list = JsonValue::array();
  for (const auto& k : keys) list.push_back(hex(k));
  return call_decode(c, "state_queryStorageAt", params_of(list, opt_hash(at)),
                     [](const JsonValue& r) -> Result<std::vector<StorageChangeSet>> {
                       if (!r.is_array()) return bad("result", "expected an array");
                       std::vector<StorageChangeSet> out;
                       for (std::size_t i = 0; i < r.size(); ++i) {
                         const std::string field = "result[" + std::to_string(i) + "]";
                         if (!r[i].is_object()) return bad(field, "expected an object");
                         StorageChangeSet set;
                         set.block = EV_TRY(decode_hash(member(r[i], "block"), field + ".block"));
                         const JsonValue& changes = member(r[i], "changes");
                         if (!changes.is_array())
                           return bad(field + ".changes", "expected an array");
                         for (std::size_t j = 0; j < changes.size(); ++j) {
                           const std::string cf = field + ".changes[" + std::to_string(j) + "]";
                           const JsonValue& pair = changes[j];
                           if (!pair.is_array() || pair.size() != 2)
                             return bad(cf, "expected [key, value]");
                           StorageChange ch;
                           ch.key = EV_TRY(decode_bytes(pair[0], cf + ".key"));
                           if (!pair[1].is_null())
                             ch.value = EV_TRY(decode_bytes(pair[1], cf + ".value"));
                           set.changes.push_back(std::move(ch));
                         }
                         out.push_back(std::move(set));
                       }
                       return out;
                     });
}

Result<Bytes> state_get_metadata(RpcClient& c, const std::optional<H256>& at) {
  return call_decode(c, "state_getMetadata", params_of(opt_hash(at)),
                     [](const JsonValue& r) { return decode_bytes(r, "result"); });
}

Result<RuntimeVersion> state_get_runtime_version(RpcClient& c, const std::optional<H256>& at) {
  return call_decode(c, "state_getRuntimeVersion", params_of(opt_hash(at)),
                     [](const JsonValue& r) { return decode_runtime_version(r); });
}

Result<Bytes> state_call(RpcClient& c, std::string_view method, ByteSpan data,
                         const std::optional<H256>& at) {
  return call_decode(c, "state_call",
                     params_of(JsonValue(std::string(method)), hex(data), opt_hash(at)),
                     [](const JsonValue& r) { return decode_bytes(r, "result"); });
}

Result<std::uint64_t> system_account_next_index(RpcClient& c, std::string_view account) {
  if (!valid_account_text(account)) {
    return make_error(RpcErrc::InvalidArgument,
                      "system_accountNextIndex: account must be SS58 or 0x + 64 hex digits");
  }
  return call_decode(c, "system_accountNextIndex", params_of(JsonValue(std::string(account))),
                     [](const JsonValue& r) { return decode_u64(r, "result"); });
}

Result<std::string> system_chain(RpcClient& c) {
  return call_decode(c, "system_chain", "[]",
                     [](const JsonValue& r) { return decode_string(r, "result"); });
}

Result<JsonValue> system_properties(RpcClient& c) {
  return call_decode(c, "system_properties", "[]", [](const JsonValue& r) -> Result<JsonValue> {
    if (!r.is_object()) return bad("result", "expected an object");
    return r;
  });
}

Result<H256> author_submit_extrinsic(RpcClient& c, ByteSpan extrinsic) {
  return call_decode(c, "author_submitExtrinsic", params_of(hex(extrinsic)),
                     [](const JsonValue& r) { return decode_hash(r, "result"); });
}

Result<Subscription> author_submit_and_watch_extrinsic(RpcClient& c, ByteSpan extrinsic,
                                                       TxStatusCallback on_status) {
  if (!on_status) return make_error(RpcErrc::InvalidArgument, "empty status callback");
  return c.subscribe("author_submitAndWatchExtrinsic", params_of(hex(extrinsic)),
                     "author_unwatchExtrinsic", [cb = std::move(on_status)](Result<JsonValue> r) {
                       if (!r.ok()) return cb(std::move(r).error());
                       auto s = decode_tx_status(*r);
                       if (!s.ok())
                         return cb(std::move(s).error().context("author_extrinsicUpdate"));
                       cb(std::move(s).value());
                     });
}

Result<TxStatus> submit_and_wait(RpcClient& c, ByteSpan extrinsic, TxWait until,
                                 std::chrono::milliseconds timeout,
                                 const std::function<void(const TxStatus&)>& on_status) {
  struct Waiter {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<Result<TxStatus>> outcome;
  };
  auto w = std::make_shared<Waiter>();
  auto reached = [until](const TxStatus& s) {
    return std::holds_alternative<TxFinalized>(s) ||
           (until == TxWait::InBlock && std::holds_alternative<TxInBlock>(s));
  };
  Subscription sub = EV_TRY(
      author_submit_and_watch_extrinsic(c, extrinsic, [w, reached, on_status](Result<TxStatus> r) {
        if (r.ok() && on_status) on_status(*r);
        {
          std::lock_guard lock(w->mu);
          if (w->outcome) return;
          if (r.ok() && !reached(*r) && !is_terminal(*r)) return;
          w->outcome.emplace(std::move(r));
        }
        w->cv.notify_all();
      }));
  std::optional<Result<TxStatus>> outcome;
  {
    std::unique_lock lock(w->mu);
    w->cv.wait_for(lock, timeout, [&] { return w->outcome.has_value(); });
    outcome = std::move(w->outcome);
  }
  sub.reset();
  if (!outcome) {
    return make_error(RpcErrc::Timeout, "author_submitAndWatchExtrinsic: no final status within " +
                                            std::to_string(timeout.count()) +
                                            " ms (the extrinsic may still be included)");
  }
  return std::move(*outcome);
}

Result<Subscription> chain_subscribe_finalized_heads(RpcClient& c, HeaderCallback on_header) {
  if (!on_header) return make_error(RpcErrc::InvalidArgument, "empty header callback");
  return c.subscribe("chain_subscribeFinalizedHeads", "[]", "chain_unsubscribeFinalizedHeads",
                     [cb = std::move(on_header)](Result<JsonValue> r) {
                       if (!r.ok()) return cb(std::move(r).error());
                       auto h = decode_header(*r);
                       if (!h.ok()) return cb(std::move(h).error().context("chain_finalizedHead"));
                       cb(std::move(h).value());
                     });
}

Result<void> poll_finalized_heads(RpcClient& c, std::chrono::milliseconds interval,
                                  const std::function<bool(const Header&)>& on_header) {
  std::optional<H256> last;
  for (;;) {
    const H256 head = EV_TRY(chain_get_finalized_head(c));
    if (!last || *last != head) {
      auto header = EV_TRY(chain_get_header(c, head));
      if (!header) {
        return make_error(RpcErrc::BadResult, "chain_getHeader: finalized head " + to_hex(head) +
                                                  " is unknown to the node");
      }
      last = head;
      if (!on_header(*header)) return ok();
    }
    std::this_thread::sleep_for(interval);
  }
}

}  // namespace rpc
}  // namespace ev::chain
