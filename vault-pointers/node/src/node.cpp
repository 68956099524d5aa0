// The dev node: genesis, transaction pool, block production and announcements.
#include "ev/devnode/node.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "ev/chain/hash.hpp"
#include "ev/chain/ss58.hpp"
#include "ev/common/errors.hpp"
#include "ev/vault/registry.hpp"
#include "node_internal.hpp"

namespace ev::devnode {

// ---- Header and roots ----------------------------------------------------------------------

chain::grandpa::Header Header::generic() const {
  chain::grandpa::Header g;
  g.parent_hash = parent_hash;
  g.number = number;
  g.state_root = state_root;
  g.extrinsics_root = extrinsics_root;
  g.digest = digest;
  return g;
}

Bytes Header::encode() const { return chain::grandpa::encode_header(generic()); }

Result<Header> Header::decode(ByteSpan bytes) {
  const auto g = EV_TRY_CTX("header", chain::grandpa::decode_header(bytes));
  Header h;
  h.parent_hash = g.parent_hash;
  h.number = g.number;
  h.state_root = g.state_root;
  h.extrinsics_root = g.extrinsics_root;
  h.digest = g.digest;
  return h;
}

namespace {
std::string hex_number(std::uint64_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  do {
    s.insert(s.begin(), digits[n & 0xf]);
    n >>= 4;
  } while (n != 0);
  return "0x" + s;
}
}  // namespace

nlohmann::json Header::to_json() const {
  // Each log as the hex of its SCALE DigestItem, as Substrate answers.
  nlohmann::json logs = nlohmann::json::array();
  for (const auto& item : digest) {
    scale::Encoder e;
    e.u8(item.kind);
    if (item.kind == 4 || item.kind == 5 || item.kind == 6) e.raw(item.engine);
    if (item.kind != 8) e.bytes(item.data);
    logs.push_back(to_hex(e.take()));
  }
  return {{"parentHash", to_hex(parent_hash)},
          {"number", hex_number(number)},
          {"stateRoot", to_hex(state_root)},
          {"extrinsicsRoot", to_hex(extrinsics_root)},
          {"digest", {{"logs", std::move(logs)}}}};
}

ByteArray<32> extrinsics_root(const std::vector<Bytes>& extrinsics) {
  scale::Encoder e;
  e.compact(extrinsics.size());
  for (const auto& x : extrinsics) e.raw(x);
  return chain::blake2_256(e.data());
}

// ---- Dev accounts --------------------------------------------------------------------------

Result<std::vector<DevAccount>> dev_accounts() {
  std::vector<DevAccount> out;
  for (chain::Scheme scheme :
       {chain::Scheme::Ed25519, chain::Scheme::Ecdsa, chain::Scheme::Sr25519}) {
    for (const char* name : {"Alice", "Bob", "Charlie", "Dave", "Eve", "Ferdie"}) {
      DevAccount a;
      a.name = name;
      a.scheme = scheme;
      a.suri = std::string("//") + name;
      const auto key = EV_TRY_CTX(a.suri, chain::from_suri(scheme, a.suri));
      a.account = key.account_id();
      a.ss58 = EV_TRY(chain::ss58_encode(a.account, kSs58Prefix));
      out.push_back(std::move(a));
    }
  }
  return out;
}

namespace {

// The registry's genesis configuration of a new chain.
vault::AttestationConfig genesis_attestation(const NodeConfig& c) {
  vault::AttestationConfig a = vault::production_attestation_config();
  a.dev_mode = c.attestation_dev_mode.value_or(c.dev);
  a.max_age_secs = c.attestation_max_age_secs;
  return a;
}

std::uint64_t block_time_ms(const NodeConfig& c) {
  if (c.clock_ms) return c.clock_ms();
  const auto since = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(since).count());
}

}  // namespace

// ---- Node ----------------------------------------------------------------------------------

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Node::~Node() { stop(); }

Result<std::unique_ptr<Node>> Node::open(NodeConfig config) {
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->runtime = EV_TRY(Runtime::create());
  EV_TRY(load_grandpa_keys(*impl));
  if (impl->config.base_path) {
    std::error_code ec;
    std::filesystem::create_directories(*impl->config.base_path, ec);
    if (ec) {
      return make_error(CommonErrc::Io,
                        "cannot create " + *impl->config.base_path + ": " + ec.message());
    }
    impl->store = EV_TRY(ChainStore::open(*impl->config.base_path + "/chain.sqlite"));
  } else {
    impl->store = EV_TRY(ChainStore::open_memory());
  }
  auto best = EV_TRY(impl->store->best());
  if (!best) {
    std::vector<ByteArray<32>> endowed;
    std::optional<ByteArray<32>> sudo;
    if (impl->config.dev) {
      for (const auto& a : EV_TRY(dev_accounts())) {
        endowed.push_back(a.account);
        if (a.name == "Alice" && a.scheme == chain::Scheme::Ecdsa) sudo = a.account;
      }
    }
    BlockRecord g;
    g.number = 0;
    g.changes = impl->runtime->genesis_storage(endowed, sudo, kDevBalance);
    g.changes[vault::attestation_config_key()] = scale::encode(genesis_attestation(impl->config));
    (void)apply_to_trie(impl->state_trie, g.changes);
    Header h;
    h.state_root = impl->state_trie.root();
    h.extrinsics_root = extrinsics_root({});
    g.header = h.encode();
    g.hash = chain::blake2_256(g.header);
    EV_TRY_CTX("writing the genesis block", impl->store->commit_block(g));
    best = BlockRef{0, g.hash};
  } else {
    EV_TRY(load_state_trie(*impl->store, *best, impl->state_trie));
  }
  impl->genesis = EV_TRY(impl->store->hash_of(0)).value_or(ByteArray<32>{});
  impl->best = *best;
  std::unique_ptr<Node> node(new Node(std::move(impl)));
  node->runtime_ = node->impl_->runtime;
  node->store_ = node->impl_->store.get();
  node->genesis_ = node->impl_->genesis;
  return node;
}

BlockRef Node::best() const {
  std::lock_guard lock(impl_->mu);
  return impl_->best;
}

std::uint32_t Node::next_index(const ByteArray<32>& who) const {
  std::lock_guard lock(impl_->mu);
  return impl_->next_index_locked(who);
}

std::pair<std::size_t, std::size_t> Node::pool_size() const {
  std::lock_guard lock(impl_->mu);
  return {impl_->ready.size(), impl_->future.size()};
}

bool Node::wait_for_block(std::uint32_t number, std::uint32_t timeout_ms) const {
  std::unique_lock lock(impl_->mu);
  return impl_->block_cv.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                  [&] { return impl_->best.number >= number; });
}

SubmitOutcome Node::submit(ByteSpan encoded, TxWatcher watcher) {
  SubmitOutcome out = RpcError::internal();
  {
    std::lock_guard lock(impl_->mu);
    out = impl_->submit_locked(encoded, std::move(watcher));
  }
  impl_->flush_notifications();
  impl_->producer_cv.notify_all();
  return out;
}

Result<std::optional<BlockRef>> Node::seal(bool allow_empty) {
  std::optional<BlockRef> r;
  {
    std::lock_guard lock(impl_->mu);
    r = EV_TRY(impl_->seal_locked(allow_empty));
  }
  impl_->flush_notifications();
  impl_->block_cv.notify_all();
  return r;
}

Result<std::uint16_t> Node::start() {
  if (!impl_->server) {
    impl_->server = std::make_unique<RpcServer>(impl_->config.rpc);
    EV_TRY(register_rpc(*this, *impl_, *impl_->server));
  }
  const std::uint16_t port = EV_TRY(impl_->server->start());
  if (!impl_->config.manual_seal && !impl_->producer.joinable()) {
    impl_->stopping = false;
    impl_->producer = std::thread([this] { impl_->produce_loop(*this); });
  }
  return port;
}

void Node::stop() {
  if (!impl_) return;
  {
    std::lock_guard lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->producer_cv.notify_all();
  if (impl_->producer.joinable()) impl_->producer.join();
  if (impl_->server) impl_->server->stop();
}

// ---- Impl ----------------------------------------------------------------------------------

StateReader Node::Impl::reader_at(std::uint32_t at) const {
  ChainStore* s = store.get();
  return StateReader{[s, at](ByteSpan key) { return s->get(key, at); },
                     [s, at](ByteSpan prefix) -> Result<std::vector<Bytes>> {
                       auto pairs = EV_TRY(s->pairs(prefix, at));
                       std::vector<Bytes> out;
                       out.reserve(pairs.size());
                       for (auto& kv : pairs) out.push_back(std::move(kv.first));
                       return out;
                     }};
}

std::uint32_t Node::Impl::next_index_locked(const ByteArray<32>& who) const {
  if (next_cache_block != best.number) {
    next_cache.clear();
    next_cache_block = best.number;
  }
  if (auto it = next_cache.find(who); it != next_cache.end()) return it->second;
  Overlay st(reader_at(best.number));
  std::uint32_t n = Runtime::account_nonce(st, who);
  while (ready_by_key.count({who, n}) != 0) ++n;
  if (!st.failed()) next_cache.emplace(who, n);
  return n;
}

void Node::Impl::note_ready(const ByteArray<32>& who, std::uint64_t nonce) {
  if (next_cache_block != best.number) return;  // stale: recomputed on the next query
  auto it = next_cache.find(who);
  if (it == next_cache.end() || it->second != nonce) return;  // the answer is unchanged
  std::uint32_t n = it->second + 1;
  while (ready_by_key.count({who, n}) != 0) ++n;
  it->second = n;
}

void Node::Impl::notify_tx(const ByteArray<32>& hash, nlohmann::json status) {
  if (auto it = watchers.find(hash); it != watchers.end()) {
    pending_notes.emplace_back(it->second, std::move(status));
  }
}

SubmitOutcome Node::Impl::submit_locked(ByteSpan encoded, TxWatcher watcher) {
  const auto hash = chain::extrinsic_hash(encoded);
  if (known.count(hash) != 0) {
    return RpcError{1013, "Transaction Already Imported", std::nullopt};
  }
  Overlay st(reader_at(best.number));
  auto v = runtime->validate(
      encoded, st, best.number,
      [this](std::uint32_t n) -> std::optional<ByteArray<32>> {
        auto h = store->hash_of(n);
        return h ? *h : std::nullopt;
      },
      genesis);
  if (!v.format_error.empty()) {
    return RpcError{1000, "Could not decode `UncheckedExtrinsic`: " + v.format_error, std::nullopt};
  }
  if (v.invalid) {
    return RpcError{1010, "Invalid Transaction", std::string(tx_invalid_text(*v.invalid))};
  }
  if (st.failed()) return RpcError::from(*st.failed());
  CheckedExtrinsic xt = std::move(*v.ok);
  const std::pair<ByteArray<32>, std::uint64_t> key{xt.signer, xt.nonce};
  if (ready_by_key.count(key) != 0 || future.count(key) != 0) {
    return RpcError{1014, "Priority is too low: (0 vs 0)",
                    std::string("The transaction has too low priority to replace another "
                                "transaction already in the pool.")};
  }
  if (ready.size() + future.size() >= config.max_pool) {
    return RpcError{1016, "Immediately Dropped",
                    std::string("The transaction couldn't enter the pool because of the limit")};
  }
  const std::uint32_t expected = next_index_locked(xt.signer);
  if (watcher) watchers[hash] = std::move(watcher);
  known.insert(hash);
  if (xt.nonce > expected) {
    std::size_t mine = 0;
    for (auto it = future.lower_bound({xt.signer, 0});
         it != future.end() && it->first.first == xt.signer; ++it) {
      ++mine;
    }
    if (mine >= config.max_future_per_sender || future.size() >= config.max_future) {
      watchers.erase(hash);
      known.erase(hash);
      return RpcError{1016, "Immediately Dropped",
                      std::string("The transaction couldn't enter the pool because of the limit")};
    }
    future.emplace(key, std::move(xt));
    notify_tx(hash, "future");
    return hash;
  }
  ready_by_key.insert(key);
  note_ready(key.first, key.second);
  ready.push_back(std::move(xt));
  notify_tx(hash, "ready");
  promote(key.first);
  return hash;
}

void Node::Impl::promote(const ByteArray<32>& who) {
  for (;;) {
    // Nothing held as future for this sender: nothing to promote.
    if (auto f = future.lower_bound({who, 0}); f == future.end() || f->first.first != who) return;
    const std::uint32_t n = next_index_locked(who);
    auto it = future.find({who, n});
    if (it == future.end()) return;
    CheckedExtrinsic xt = std::move(it->second);
    future.erase(it);
    if (best.number + 1 >= xt.death) {  // its era ended while it waited: never ready
      notify_tx(xt.hash, "invalid");
      watchers.erase(xt.hash);
      known.erase(xt.hash);
      return;
    }
    ready_by_key.insert({who, xt.nonce});
    note_ready(who, xt.nonce);
    notify_tx(xt.hash, "ready");
    ready.push_back(std::move(xt));
  }
}

Result<std::optional<BlockRef>> Node::Impl::seal_locked(bool allow_empty) {
  if (ready.empty() && !allow_empty) return std::optional<BlockRef>();
  next_cache.clear();  // ready transactions leave the pool below
  const std::uint32_t number = best.number + 1;
  Overlay st(reader_at(best.number));
  runtime->initialize_block(st, number, best.hash);
  runtime->set_block_time(st, block_time_ms(config));
  std::vector<Bytes> extrinsics;
  std::vector<ByteArray<32>> included;
  std::deque<CheckedExtrinsic> keep;
  while (!ready.empty()) {
    CheckedExtrinsic xt = std::move(ready.front());
    ready.pop_front();
    if (extrinsics.size() >= config.max_block_extrinsics) {
      keep.push_back(std::move(xt));
      continue;
    }
    ready_by_key.erase({xt.signer, xt.nonce});
    // No longer valid (nonce used, or its era ended while it waited): drop it.
    if (Runtime::account_nonce(st, xt.signer) != xt.nonce || number >= xt.death) {
      notify_tx(xt.hash, "invalid");
      watchers.erase(xt.hash);
      known.erase(xt.hash);
      continue;
    }
    const auto index = static_cast<std::uint32_t>(extrinsics.size());
    (void)EV_TRY_CTX("applying extrinsic " + to_hex(xt.hash),
                     runtime->apply(st, xt, index, number));
    extrinsics.push_back(xt.encoded);
    included.push_back(xt.hash);
  }
  ready = std::move(keep);
  runtime->finalize_block(st, static_cast<std::uint32_t>(extrinsics.size()));
  if (st.failed()) return *st.failed();

  BlockRecord rec;
  rec.number = number;
  rec.parent = best.hash;
  rec.changes = st.changes();
  Header h;
  h.parent_hash = best.hash;
  h.number = number;
  announce_grandpa_change(h);
  const StorageChanges undo = apply_to_trie(state_trie, rec.changes);
  h.state_root = state_trie.root();
  h.extrinsics_root = extrinsics_root(extrinsics);
  rec.header = h.encode();
  rec.hash = chain::blake2_256(rec.header);
  rec.extrinsics = std::move(extrinsics);
  if (auto c = store->commit_block(rec); !c.ok()) {
    (void)apply_to_trie(state_trie, undo);
    return std::move(c).error().context("committing block " + std::to_string(number));
  }
  best = BlockRef{number, rec.hash};
  EV_TRY_CTX("finalising block " + std::to_string(number), finalize_with_grandpa(rec.hash, number));

  for (const auto& x : included) {
    notify_tx(x, nlohmann::json{{"inBlock", to_hex(rec.hash)}});
    notify_tx(x, nlohmann::json{{"finalized", to_hex(rec.hash)}});
    watchers.erase(x);
    known.erase(x);
  }
  // Futures turned stale, or dead by their era, are dropped.
  for (auto it = future.begin(); it != future.end();) {
    const auto who = it->first.first;
    Overlay now(reader_at(best.number));
    if (it->second.nonce < Runtime::account_nonce(now, who) ||
        best.number + 1 >= it->second.death) {
      notify_tx(it->second.hash, "invalid");
      watchers.erase(it->second.hash);
      known.erase(it->second.hash);
      it = future.erase(it);
    } else {
      ++it;
    }
  }
  std::set<ByteArray<32>> senders;
  for (const auto& [k, _] : future) senders.insert(k.first);
  for (const auto& who : senders) promote(who);
  announce_block(h, rec);
  return std::optional<BlockRef>(best);
}

void Node::Impl::flush_notifications() {
  std::vector<std::pair<TxWatcher, nlohmann::json>> notes;
  {
    std::lock_guard lock(mu);
    notes.swap(pending_notes);
  }
  for (auto& [w, status] : notes) w(status);
}

void Node::Impl::produce_loop(Node& node) {
  for (;;) {
    {
      std::unique_lock lock(mu);
      if (config.block_time_ms) {
        producer_cv.wait_for(lock, std::chrono::milliseconds(*config.block_time_ms),
                             [&] { return stopping; });
      } else {
        producer_cv.wait(lock, [&] { return stopping || !ready.empty(); });
      }
      if (stopping) return;
    }
    auto r = node.seal(config.block_time_ms.has_value());
    if (!r) {
      std::fprintf(stderr, "block production failed: %s\n", r.error().to_string().c_str());
      std::unique_lock lock(mu);
      producer_cv.wait_for(lock, std::chrono::milliseconds(500), [&] { return stopping; });
    }
  }
}

}  // namespace ev::devnode
