// ChainAccess: JSON-RPC over HTTP (cpp-httplib), the runtime, signed submission and inclusion
// (docs/formats/chain-access.md).
#include <httplib.h>

#include <chrono>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "ev/chain/access.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/nonce.hpp"
#include "ev/chain/ss58.hpp"
#include "ev/chain/storage_key.hpp"
#include "ev/common/signals.hpp"

namespace ev::chain::access {
namespace {

using Json = nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kMaxReply = std::size_t{64} << 20;
constexpr std::chrono::milliseconds kPoll{100};
constexpr std::chrono::milliseconds kInclusionTimeout{120000};
constexpr time_t kRequestSeconds = 30;
constexpr std::size_t kMaxIdle = 16;

Error bad_reply(std::string_view method, std::string_view why) {
  return make_error(AccessErrc::BadChainData, std::string(method) + ": " + std::string(why));
}

Result<Bytes> hex_field(const Json& v, std::string_view what) {
  if (!v.is_string()) return bad_reply(what, "expected a hex string");
  auto b = from_hex(v.get_ref<const std::string&>());
  if (!b) return bad_reply(what, b.error().message);
  return std::move(b).value();
}

Result<H256> hash_field(const Json& v, std::string_view what) {
  const Bytes b = EV_TRY(hex_field(v, what));
  if (b.size() != 32) return bad_reply(what, "expected 32 bytes");
  H256 h{};
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

Result<std::uint64_t> number_field(const Json& v, std::string_view what) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  // "0x2a": 1 to 16 significant hex digits
  if (!v.is_string()) return bad_reply(what, "expected a number or a 0x-hex string");
  std::string_view s = v.get_ref<const std::string&>();
  if (s.size() < 3 || s.size() > 66 || s.substr(0, 2) != "0x") {
    return bad_reply(what, "expected 0x followed by 1 to 64 hex digits");
  }
  std::uint64_t n = 0;
  for (char c : s.substr(2)) {
    const int d = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
    if (d < 0) return bad_reply(what, "invalid hex digit");
    if (n >> 60 != 0) return bad_reply(what, "does not fit in 64 bits");
    n = (n << 4) | static_cast<std::uint64_t>(d);
  }
  return n;
}

Json hex(ByteSpan b) { return to_hex(b); }

// The transaction-validity name of a pool rejection's text, as Polkadot-SDK words it.
std::string_view invalid_name(std::string_view text) {
  static constexpr std::pair<std::string_view, std::string_view> kTexts[] = {
      {"outdated", "Stale"},         {"future", "Future"},
      {"bad signature", "BadProof"}, {"ancient birth block", "AncientBirthBlock"},
      {"pay some fees", "Payment"},  {"exhaust the resources", "ExhaustsResources"}};
  for (const auto& [needle, name] : kTexts) {
    if (text.find(needle) != std::string_view::npos) return name;
  }
  return "Unrecognised";
}

}  // namespace

struct ChainAccess::Impl {
  std::string origin;
  std::string path;
  std::mutex mu;  // guards idle, next_id
  // Keep-alive connections not in use: each request takes one (or opens one), so requests from
  // several threads run side by side, as they did over WebSocket.
  std::vector<std::unique_ptr<httplib::Client>> idle;
  std::uint64_t next_id = 1;

  std::unique_ptr<httplib::Client> take() {
    {
      std::lock_guard lock(mu);
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<httplib::Client>(origin);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    c->set_connection_timeout(5, 0);
    c->set_read_timeout(kRequestSeconds, 0);
    c->set_write_timeout(kRequestSeconds, 0);
    return c;
  }

  void give_back(std::unique_ptr<httplib::Client> c) {
    std::lock_guard lock(mu);
    if (idle.size() < kMaxIdle) idle.push_back(std::move(c));
  }
  ChainIdentity id;
  std::uint16_t ss58 = 42;
  mutable std::mutex rt_mu;  // guards runtime, extensions, id.spec/transaction versions
  std::shared_ptr<const Runtime> runtime;
  std::shared_ptr<const Extensions> extensions;
  std::unique_ptr<NonceManager> nonces;

  Result<Json> call(std::string_view method, Json params) {
    std::uint64_t rid = 0;
    {
      std::lock_guard lock(mu);
      rid = next_id++;
    }
    const Json req = {{"jsonrpc", "2.0"}, {"id", rid}, {"method", method}, {"params", params}};
    std::optional<httplib::Result> sent;
    try {
      auto http = take();
      SigpipeGuard no_sigpipe;
      sent.emplace(http->Post(path, req.dump(), "application/json"));
      if (*sent) give_back(std::move(http));
    } catch (const std::exception& e) {
      return make_error(AccessErrc::Rpc, std::string(method) + ": " + e.what());
    }
    httplib::Result& res = *sent;
    if (!res) {
      return make_error(AccessErrc::Rpc, std::string(method) + " to " + origin + ": " +
                                             httplib::to_string(res.error()));
    }
    if (res->body.size() > kMaxReply) return bad_reply(method, "reply too large");
    Json reply = Json::parse(res->body, nullptr, false);
    if (reply.is_discarded() || !reply.is_object()) {
      return bad_reply(method, "HTTP " + std::to_string(res->status) + ", not a JSON-RPC reply");
    }
    if (auto e = reply.find("error"); e != reply.end()) {
      const Json& err = *e;
      const std::string msg = err.is_object() ? err.value("message", std::string()) : err.dump();
      const std::string data =
          err.is_object() && err.contains("data")
              ? (err["data"].is_string() ? err["data"].get<std::string>() : err["data"].dump())
              : std::string();
      if (err.is_object() && err.value("code", 0) == 1010) {
        return make_error(AccessErrc::Rejected,
                          "invalid transaction: " + std::string(invalid_name(data)) + " (" +
                              std::string(method) + ": " + msg + ": " + data + ")");
      }
      // The pool's other definitive refusals (unknown validity, banned, priority too low, cycle,
      // immediately dropped): the transaction was never pooled and can never be included. 1013
      // (already imported) is not one: that transaction may still land.
      const auto code = err.is_object() ? err.value("code", 0) : 0;
      if (code == 1011 || code == 1012 || code == 1014 || code == 1015 || code == 1016) {
        return make_error(AccessErrc::Rejected,
                          "transaction pool refused it (" + std::to_string(code) + "): " +
                              std::string(method) + ": " + msg + (data.empty() ? "" : ": " + data));
      }
      return make_error(AccessErrc::Rpc,
                        std::string(method) + ": " + msg + (data.empty() ? "" : ": " + data));
    }
    if (!reply.contains("result") || reply.value("id", Json()) != Json(rid)) {
      return bad_reply(method, "reply without a result for request " + std::to_string(rid));
    }
    return std::move(reply["result"]);
  }

  Result<void> load_runtime() {
    const Json v = EV_TRY(call("state_getRuntimeVersion", Json::array()));
    if (!v.is_object()) return bad_reply("state_getRuntimeVersion", "expected an object");
    const auto spec = EV_TRY(number_field(v.value("specVersion", Json()), "specVersion"));
    const auto tx = EV_TRY(number_field(v.value("transactionVersion", Json()), "txVersion"));
    {
      std::lock_guard lock(rt_mu);
      if (runtime && spec == id.spec_version && tx == id.transaction_version) return ok();
    }
    const Json md = EV_TRY(call("state_getMetadata", Json::array()));
    const Bytes raw = EV_TRY(hex_field(md, "state_getMetadata"));
    auto rt =
        std::make_shared<const Runtime>(EV_TRY_CTX("state_getMetadata", Runtime::decode(raw)));
    auto ext = std::make_shared<const Extensions>(EV_TRY(Extensions::of(*rt)));
    std::lock_guard lock(rt_mu);
    id.spec_version = static_cast<std::uint32_t>(spec);
    id.transaction_version = static_cast<std::uint32_t>(tx);
    runtime = std::move(rt);
    extensions = std::move(ext);
    return ok();
  }

  // The number of the best block (`at` null) or of block `at`.
  Result<std::optional<std::uint64_t>> header(const Json& at) {
    const Json h =
        EV_TRY(call("chain_getHeader", at.is_null() ? Json::array() : Json::array({at})));
    if (h.is_null()) return std::optional<std::uint64_t>{};
    if (!h.is_object()) return bad_reply("chain_getHeader", "expected an object");
    return std::optional<std::uint64_t>(
        EV_TRY(number_field(h.value("number", Json()), "header.number")));
  }

  Result<std::optional<H256>> block_hash(std::uint64_t n) {
    const Json h = EV_TRY(call("chain_getBlockHash", Json::array({n})));
    if (h.is_null()) return std::optional<H256>{};
    return std::optional<H256>(EV_TRY(hash_field(h, "chain_getBlockHash")));
  }

  // The block's number and extrinsics.
  Result<std::optional<std::pair<std::uint64_t, std::vector<Bytes>>>> block(const H256& at) {
    using Out = std::optional<std::pair<std::uint64_t, std::vector<Bytes>>>;
    const Json r = EV_TRY(call("chain_getBlock", Json::array({to_hex(at)})));
    if (r.is_null()) return Out{};
    if (!r.is_object() || !r.contains("block") || !r["block"].is_object()) {
      return bad_reply("chain_getBlock", "expected {block: {...}}");
    }
    const Json& b = r["block"];
    const Json& xs = b.value("extrinsics", Json());
    if (!b.contains("header") || !b["header"].is_object() || !xs.is_array()) {
      return bad_reply("chain_getBlock", "expected a header and extrinsics");
    }
    const std::uint64_t n = EV_TRY(number_field(b["header"].value("number", Json()), "number"));
    std::vector<Bytes> out;
    for (const auto& x : xs) out.push_back(EV_TRY(hex_field(x, "chain_getBlock extrinsic")));
    return Out({n, std::move(out)});
  }
};

ChainAccess::ChainAccess(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ChainAccess::~ChainAccess() = default;

Result<std::unique_ptr<ChainAccess>> ChainAccess::connect(std::string_view url) {
  auto impl = std::make_unique<Impl>();
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) {
    return make_error(AccessErrc::Rpc, "\"" + std::string(url) + "\": expected scheme://host");
  }
  std::string scheme(url.substr(0, sep));
  if (scheme == "ws") scheme = "http";  // the node serves HTTP JSON-RPC on its WebSocket port
  if (scheme == "wss") scheme = "https";
  if (scheme != "http" && scheme != "https") {
    return make_error(AccessErrc::Rpc,
                      "\"" + std::string(url) + "\": scheme must be http(s) or ws(s)");
  }
  const std::string_view rest = url.substr(sep + 3);
  const auto slash = rest.find('/');
  impl->origin = scheme + "://" + std::string(rest.substr(0, slash));
  impl->path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  try {
    auto first = impl->take();
    if (!first->is_valid()) {
      return make_error(AccessErrc::Rpc, "\"" + std::string(url) + "\": not a valid endpoint");
    }
    impl->give_back(std::move(first));
  } catch (const std::exception& e) {
    return make_error(AccessErrc::Rpc, "\"" + std::string(url) + "\": " + e.what());
  }
  auto genesis = EV_TRY(impl->block_hash(0));
  if (!genesis) return make_error(AccessErrc::BadChainData, "the node has no block 0");
  impl->id.genesis_hash = *genesis;
  const Json props = EV_TRY(impl->call("system_properties", Json::array()));
  if (props.is_object() && props.contains("ss58Format") &&
      props["ss58Format"].is_number_unsigned() &&
      props["ss58Format"].get<std::uint64_t>() < 16384) {
    impl->ss58 = static_cast<std::uint16_t>(props["ss58Format"].get<std::uint64_t>());
  }
  EV_TRY(impl->load_runtime());
  Impl* raw = impl.get();
  impl->nonces =
      std::make_unique<NonceManager>([raw](const AccountId32& who) -> Result<std::uint64_t> {
        const std::string address = EV_TRY(ss58_encode(who, raw->ss58));
        const Json n = EV_TRY(raw->call("system_accountNextIndex", Json::array({address})));
        return number_field(n, "system_accountNextIndex");
      });
  return std::unique_ptr<ChainAccess>(new ChainAccess(std::move(impl)));
}

std::shared_ptr<const Runtime> ChainAccess::runtime() const {
  std::lock_guard lock(impl_->rt_mu);
  return impl_->runtime;
}

Result<std::uint64_t> ChainAccess::best_number() {
  auto h = EV_TRY(impl_->header(Json()));
  if (!h) return bad_reply("chain_getHeader", "no best block");
  return *h;
}

Result<std::uint64_t> ChainAccess::finalized_number() {
  const Json head = EV_TRY(impl_->call("chain_getFinalizedHead", Json::array()));
  const H256 fin = EV_TRY(hash_field(head, "finalized head"));
  auto h = EV_TRY(impl_->header(to_hex(fin)));
  if (!h) return bad_reply("chain_getHeader", "finalized head unknown");
  return *h;
}

Result<Json> ChainAccess::rpc(std::string_view method, std::string_view params) {
  Json p = Json::parse(params, nullptr, false);
  if (p.is_discarded() || !p.is_array()) {
    return make_error(AccessErrc::Rpc, std::string(method) + ": params are not a JSON array");
  }
  return impl_->call(method, std::move(p));
}

ChainIdentity ChainAccess::identity() const {
  std::lock_guard lock(impl_->rt_mu);
  return impl_->id;
}

Result<std::optional<Bytes>> ChainAccess::storage(ByteSpan key) {
  const Json v = EV_TRY(impl_->call("state_getStorage", Json::array({hex(key)})));
  if (v.is_null()) return std::optional<Bytes>{};
  return std::optional<Bytes>(EV_TRY(hex_field(v, "state_getStorage")));
}

Result<std::vector<Bytes>> ChainAccess::keys_paged(ByteSpan prefix, std::uint32_t count,
                                                   const std::optional<Bytes>& start) {
  const Json r = EV_TRY(impl_->call(
      "state_getKeysPaged", Json::array({hex(prefix), count, start ? hex(*start) : Json()})));
  if (!r.is_array()) return bad_reply("state_getKeysPaged", "expected an array");
  std::vector<Bytes> out;
  for (const auto& k : r) out.push_back(EV_TRY(hex_field(k, "state_getKeysPaged")));
  return out;
}

Result<std::vector<std::pair<Bytes, std::optional<Bytes>>>> ChainAccess::values(
    const std::vector<Bytes>& keys) {
  Json list = Json::array();
  for (const auto& k : keys) list.push_back(hex(k));
  const Json r = EV_TRY(impl_->call("state_queryStorageAt", Json::array({list})));
  if (!r.is_array()) return bad_reply("state_queryStorageAt", "expected an array");
  std::vector<std::pair<Bytes, std::optional<Bytes>>> out;
  for (const auto& set : r) {
    if (!set.is_object() || !set.contains("changes") || !set["changes"].is_array()) {
      return bad_reply("state_queryStorageAt", "expected {changes: [...]}");
    }
    for (const auto& ch : set["changes"]) {
      if (!ch.is_array() || ch.size() != 2) {
        return bad_reply("state_queryStorageAt", "expected [key, value]");
      }
      std::optional<Bytes> v;
      if (!ch[1].is_null()) v = EV_TRY(hex_field(ch[1], "state_queryStorageAt value"));
      out.emplace_back(EV_TRY(hex_field(ch[0], "state_queryStorageAt key")), std::move(v));
    }
  }
  return out;
}

Result<Included> ChainAccess::submit(const KeyPair& signer, ByteSpan call) {
  Impl& m = *impl_;
  const AccountId32 who = signer.account_id();
  const std::uint64_t nonce = EV_TRY(m.nonces->reserve(who));
  auto built = [&]() -> Result<Bytes> {
    EV_TRY(m.load_runtime());  // a runtime upgrade changes versions and perhaps extensions
    auto best = EV_TRY(m.header(Json()));
    if (!best) return bad_reply("chain_getHeader", "no best block");
    auto hash = EV_TRY(m.block_hash(*best));
    if (!hash) return bad_reply("chain_getBlockHash", "no hash for the best block");
    TxParams p;
    p.nonce = nonce;
    p.birth_number = *best;
    p.birth_hash = *hash;
    std::shared_ptr<const Extensions> ext;
    ChainIdentity id;
    {
      std::lock_guard lock(m.rt_mu);
      ext = m.extensions;
      id = m.id;
    }
    return ext->sign(signer, call, id, p);
  }();
  if (!built) {
    m.nonces->release(who, nonce);
    return std::move(built).error();
  }
  const H256 xt_hash = blake2_256(*built);
  auto start = m.header(Json());
  if (!start || !*start) {
    m.nonces->release(who, nonce);
    if (!start) return std::move(start).error();
    return bad_reply("chain_getHeader", "no best block");
  }
  if (auto sent = m.call("author_submitExtrinsic", Json::array({hex(*built)})); !sent) {
    if (is(sent.error(), AccessErrc::Rejected)) {
      const std::string& t = sent.error().message;
      if (t.find("Stale") != std::string::npos || t.find("Future") != std::string::npos) {
        m.nonces->resync(who);
      }
    }
    return std::move(sent).error();
  }
  // Poll the best head and look for the extrinsic in every new block.
  std::uint64_t next = **start;
  const auto deadline = SteadyClock::now() + kInclusionTimeout;
  while (SteadyClock::now() < deadline) {
    auto head = EV_TRY(m.header(Json()));
    for (; head && next <= *head; ++next) {
      auto hash = EV_TRY(m.block_hash(next));
      if (!hash) break;
      auto blk = EV_TRY(m.block(*hash));
      if (!blk) break;
      for (std::size_t i = 0; i < blk->second.size(); ++i) {
        if (blake2_256(blk->second[i]) != xt_hash) continue;
        Included out;
        out.block_hash = *hash;
        out.block_number = blk->first;
        out.index = static_cast<std::uint32_t>(i);
        const Bytes key = storage_prefix("System", "Events");
        const Json ev = EV_TRY(m.call("state_getStorage", Json::array({hex(key), to_hex(*hash)})));
        const Bytes raw = ev.is_null() ? Bytes{} : EV_TRY(hex_field(ev, "System.Events"));
        auto rt = runtime();
        out.runtime = rt;
        out.events = EV_TRY_CTX("System.Events", rt->extrinsic_events(raw, out.index));
        for (const Event& e : out.events) {
          if (e.pallet != "System") continue;
          if (e.variant->name == "ExtrinsicSuccess") out.success = true;
          if (e.variant->name == "ExtrinsicFailed" && !e.variant->fields.empty()) {
            scale::Decoder d(e.fields);
            auto name = rt->dispatch_error(e.variant->fields[0], d);
            out.dispatch_error = name ? *name : "undecodable: " + name.error().to_string();
          }
        }
        return out;
      }
    }
    std::this_thread::sleep_for(kPoll);
  }
  return make_error(AccessErrc::Timeout, "extrinsic " + to_hex(xt_hash) +
                                             " not seen in a block within 120000 ms (it may "
                                             "still be included)");
}

}  // namespace ev::chain::access
