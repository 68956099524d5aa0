// ChainClient: runtime-aware reads and signed submission over one RPC connection.
#include "ev/chain/client.hpp"

#include <algorithm>
#include <thread>
#include <utility>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/ss58.hpp"
#include "ev/chain/storage_key.hpp"

namespace ev {

std::string_view ErrorTraits<chain::ClientErrc>::message(chain::ClientErrc e) {
  using chain::ClientErrc;
  switch (e) {
    case ClientErrc::BadChainData: return "unexpected chain data";
    case ClientErrc::Rejected: return "transaction rejected";
    case ClientErrc::Dropped: return "transaction dropped";
    case ClientErrc::NotFound: return "not found";
  }
  return "unknown error";
}

}  // namespace ev

namespace ev::chain {
namespace {

constexpr std::chrono::milliseconds kPollInterval{100};

std::uint16_t ss58_prefix_of(const JsonValue& properties) {
  auto it = properties.find("ss58Format");
  if (it != properties.end() && it->is_number_unsigned() && it->get<std::uint64_t>() < 16384) {
    return static_cast<std::uint16_t>(it->get<std::uint64_t>());
  }
  return 42;
}

// The JSON array of a storage query's keys ([] for null).
Result<std::vector<nlohmann::json>> key_list(const nlohmann::json& keys) {
  if (keys.is_null()) return std::vector<nlohmann::json>{};
  if (!keys.is_array()) {
    return make_error(DynCodecErrc::WrongJsonType, "storage keys must be a JSON array");
  }
  return std::vector<nlohmann::json>(keys.begin(), keys.end());
}

std::string rejection_text(const Error& e, const TxRejection& r) {
  std::string out = e.message;
  if (r.invalid) {
    out = "invalid transaction: " + std::string(to_string(*r.invalid)) + " (" + e.message + ")";
  } else if (r.unknown) {
    out = "unknown validity: " + std::string(to_string(*r.unknown)) + " (" + e.message + ")";
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<ChainClient>> ChainClient::connect(std::string_view url,
                                                          const RpcOptions& options) {
  std::unique_ptr<ChainClient> c(new ChainClient());
  c->rpc_ = EV_TRY(ev::chain::connect(url, options));
  auto genesis = EV_TRY_CTX("chain_getBlockHash(0)", rpc::chain_get_block_hash(*c->rpc_, 0));
  if (!genesis) return make_error(ClientErrc::BadChainData, "the node has no block 0");
  c->info_.genesis_hash = *genesis;
  c->info_.chain = EV_TRY(rpc::system_chain(*c->rpc_));
  c->info_.ss58_prefix = ss58_prefix_of(EV_TRY(rpc::system_properties(*c->rpc_)));
  c->info_.version = EV_TRY(rpc::state_get_runtime_version(*c->rpc_));
  EV_TRY(c->load_metadata());
  RpcClient* raw = c->rpc_.get();
  const std::uint16_t prefix = c->info_.ss58_prefix;
  c->nonces_ = std::make_unique<NonceManager>(
      [raw, prefix](const AccountId32& who) -> Result<std::uint64_t> {
        std::string address = EV_TRY(ss58_encode(who, prefix));
        return rpc::system_account_next_index(*raw, address);
      });
  return c;
}

Result<void> ChainClient::load_metadata() {
  Bytes raw = EV_TRY(rpc::state_get_metadata(*rpc_));
  auto md = std::make_shared<Metadata>(EV_TRY_CTX("state_getMetadata", decode_metadata(raw)));
  auto format = std::make_shared<ExtrinsicFormat>(EV_TRY(ExtrinsicFormat::from_metadata(*md)));
  std::lock_guard lock(mu_);
  info_.metadata_version = md->version;
  metadata_ = std::move(md);
  format_ = std::move(format);
  return ok();
}

std::shared_ptr<const Metadata> ChainClient::metadata() const {
  std::lock_guard lock(mu_);
  return metadata_;
}

ChainInfo ChainClient::info() const {
  std::lock_guard lock(mu_);
  return info_;
}

Result<bool> ChainClient::refresh_runtime() {
  RuntimeVersion v = EV_TRY(rpc::state_get_runtime_version(*rpc_));
  {
    std::lock_guard lock(mu_);
    if (v.spec_version == info_.version.spec_version &&
        v.transaction_version == info_.version.transaction_version) {
      return false;
    }
  }
  EV_TRY(load_metadata());
  std::lock_guard lock(mu_);
  info_.version = std::move(v);
  return true;
}

Result<Bytes> ChainClient::storage_key(std::string_view pallet, std::string_view item,
                                       const nlohmann::json& keys) const {
  auto md = metadata();
  const StorageEntry* entry = EV_TRY(md->storage(pallet, item));
  const Pallet* p = EV_TRY(md->pallet(pallet));
  const std::string prefix = p->storage_prefix.value_or(p->name);
  std::vector<nlohmann::json> parts = EV_TRY(key_list(keys));
  const std::string what = std::string(pallet) + "." + std::string(item);
  if (parts.size() != entry->hashers.size()) {
    return make_error(DynCodecErrc::LengthMismatch,
                      what + " takes " + std::to_string(entry->hashers.size()) + " key(s), got " +
                          std::to_string(parts.size()));
  }
  std::vector<std::uint32_t> key_types;
  if (entry->hashers.size() == 1) {
    key_types.push_back(entry->key_type);
  } else if (!entry->hashers.empty()) {
    const TypeDef* t = EV_TRY(md->type(entry->key_type));
    if (t->kind != TypeKind::Tuple || t->tuple.size() != entry->hashers.size()) {
      return make_error(DynCodecErrc::BadType, what + ": key type is not a tuple of " +
                                                   std::to_string(entry->hashers.size()));
    }
    key_types = t->tuple;
  }
  std::vector<std::pair<Hasher, Bytes>> hashed;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Bytes encoded;
    EV_TRY_CTX(what + " key " + std::to_string(i),
               encode_value(*md, key_types[i], parts[i], encoded));
    hashed.emplace_back(entry->hashers[i], std::move(encoded));
  }
  return ev::chain::storage_key(prefix, entry->name, hashed);
}

Result<std::optional<nlohmann::json>> ChainClient::storage(std::string_view pallet,
                                                           std::string_view item,
                                                           const nlohmann::json& keys,
                                                           const std::optional<H256>& at) {
  Bytes key = EV_TRY(storage_key(pallet, item, keys));
  auto md = metadata();
  const StorageEntry* entry = EV_TRY(md->storage(pallet, item));
  std::optional<Bytes> value = EV_TRY(rpc::state_get_storage(*rpc_, key, at));
  if (!value) {
    if (entry->modifier != StorageModifier::Default) return std::optional<nlohmann::json>{};
    value = entry->default_value;
  }
  DecodeOptions opts;
  opts.ss58_prefix = info().ss58_prefix;
  nlohmann::json out = EV_TRY_CTX(std::string(pallet) + "." + std::string(item),
                                  decode_value_all(*md, entry->value_type, *value, opts));
  return std::optional<nlohmann::json>(std::move(out));
}

Result<std::vector<EventRecord>> ChainClient::events_at(const H256& block) {
  auto md = metadata();
  const Bytes key = storage_prefix("System", "Events");
  std::optional<Bytes> value = EV_TRY(rpc::state_get_storage(*rpc_, key, block));
  if (!value) return std::vector<EventRecord>{};
  DecodeOptions opts;
  opts.ss58_prefix = info().ss58_prefix;
  return decode_events(*md, *value, opts);
}

Result<Bytes> ChainClient::encode_call(std::string_view pallet, std::string_view call,
                                       const nlohmann::json& args) const {
  auto md = metadata();
  return ev::chain::encode_call(*md, pallet, call, args);
}

Result<Bytes> ChainClient::sign(const KeyPair& signer, ByteSpan call, std::uint64_t nonce,
                                const SubmitOptions& options) {
  EV_TRY(refresh_runtime());
  TxOptions tx;
  tx.nonce = nonce;
  tx.tip = options.tip;
  tx.immortal = options.immortal;
  tx.period = options.period;
  ChainIdentity id;
  std::shared_ptr<const ExtrinsicFormat> format;
  {
    std::lock_guard lock(mu_);
    id.spec_version = info_.version.spec_version;
    id.transaction_version = info_.version.transaction_version;
    id.genesis_hash = info_.genesis_hash;
    format = format_;
  }
  if (!options.immortal) {
    auto best = EV_TRY_CTX("chain_getHeader", rpc::chain_get_header(*rpc_));
    if (!best) return make_error(ClientErrc::BadChainData, "the node has no best block");
    auto hash = EV_TRY(rpc::chain_get_block_hash(*rpc_, best->number));
    if (!hash) return make_error(ClientErrc::BadChainData, "no hash for the best block");
    tx.birth_number = best->number;
    tx.birth_hash = *hash;
  }
  return format->build_signed(signer, call, id, tx);
}

Result<SubmitOutcome> ChainClient::submit(const KeyPair& signer, ByteSpan call,
                                          const SubmitOptions& options) {
  const AccountId32 who = signer.account_id();
  const std::uint64_t nonce = EV_TRY(nonces_->reserve(who));
  auto xt = sign(signer, call, nonce, options);
  if (!xt) {
    nonces_->release(who, nonce);
    return std::move(xt).error();
  }
  const H256 xt_hash = extrinsic_hash(*xt);
  auto fail = [&](Error e) -> Error {
    if (auto r = classify_tx_rejection(e)) {
      if (r->invalid && (*r->invalid == InvalidTx::Stale || *r->invalid == InvalidTx::Future)) {
        nonces_->resync(who);
      }
      return make_error(ClientErrc::Rejected, rejection_text(e, *r));
    }
    return e;
  };
  H256 block{};
  if (rpc_->supports_subscriptions()) {
    auto status =
        rpc::submit_and_wait(*rpc_, *xt, options.wait, options.timeout, options.on_status);
    if (!status) return fail(std::move(status).error());
    if (const auto* in = std::get_if<TxInBlock>(&*status)) {
      block = in->block;
    } else if (const auto* fin = std::get_if<TxFinalized>(&*status)) {
      block = fin->block;
    } else if (const auto* inv = std::get_if<TxInvalid>(&*status)) {
      nonces_->resync(who);
      std::string why = inv->reason && inv->reason->invalid
                            ? std::string(to_string(*inv->reason->invalid))
                            : std::string("no reason given");
      return make_error(ClientErrc::Rejected, "invalid transaction: " + why);
    } else {
      nonces_->resync(who);
      return make_error(ClientErrc::Dropped, "status " + std::string(tx_status_name(*status)) +
                                                 " for " + to_hex(xt_hash));
    }
  } else {
    auto sent = rpc::author_submit_extrinsic(*rpc_, *xt);
    if (!sent) return fail(std::move(sent).error());
    block = EV_TRY(wait_http(xt_hash, options));
  }
  return locate(block, xt_hash, nonce);
}

// Over HTTP there are no subscriptions: poll the best (or finalized) head and look for the
// extrinsic in every new block.
Result<H256> ChainClient::wait_http(const H256& xt_hash, const SubmitOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  auto start = EV_TRY(rpc::chain_get_header(*rpc_));
  if (!start) return make_error(ClientErrc::BadChainData, "the node has no best block");
  std::uint64_t next = start->number;  // the extrinsic may land in a block built meanwhile
  while (std::chrono::steady_clock::now() < deadline) {
    std::optional<Header> head;
    if (options.wait == rpc::TxWait::Finalized) {
      H256 fin = EV_TRY(rpc::chain_get_finalized_head(*rpc_));
      head = EV_TRY(rpc::chain_get_header(*rpc_, fin));
    } else {
      head = EV_TRY(rpc::chain_get_header(*rpc_));
    }
    for (; head && next <= head->number; ++next) {
      auto hash = EV_TRY(rpc::chain_get_block_hash(*rpc_, next));
      if (!hash) break;
      auto blk = EV_TRY(rpc::chain_get_block(*rpc_, *hash));
      if (!blk) break;
      for (const Bytes& x : blk->extrinsics) {
        if (extrinsic_hash(x) == xt_hash) return *hash;
      }
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return make_error(RpcErrc::Timeout,
                    "extrinsic " + to_hex(xt_hash) + " not seen in a block within " +
                        std::to_string(options.timeout.count()) + " ms (it may still be included)");
}

Result<SubmitOutcome> ChainClient::locate(const H256& block, const H256& xt_hash,
                                          std::uint64_t nonce) {
  SubmitOutcome out;
  out.extrinsic_hash = xt_hash;
  out.block_hash = block;
  out.nonce = nonce;
  auto blk = EV_TRY_CTX("chain_getBlock", rpc::chain_get_block(*rpc_, block));
  if (!blk) return make_error(ClientErrc::NotFound, "block " + to_hex(block));
  out.block_number = blk->header.number;
  auto it = std::find_if(blk->extrinsics.begin(), blk->extrinsics.end(),
                         [&](const Bytes& x) { return extrinsic_hash(x) == xt_hash; });
  if (it == blk->extrinsics.end()) {
    return make_error(ClientErrc::NotFound,
                      "extrinsic " + to_hex(xt_hash) + " is not in block " + to_hex(block));
  }
  out.extrinsic_index = static_cast<std::uint32_t>(it - blk->extrinsics.begin());
  std::vector<EventRecord> all = EV_TRY_CTX("System.Events", events_at(block));
  auto md = metadata();
  for (auto& e : all) {
    if (e.phase != EventRecord::Phase::ApplyExtrinsic || e.extrinsic_index != out.extrinsic_index) {
      continue;
    }
    if (e.pallet == "System" && e.name == "ExtrinsicSuccess") out.success = true;
    if (e.pallet == "System" && e.name == "ExtrinsicFailed") {
      const nlohmann::json& de = e.value.is_object() && e.value.contains("dispatch_error")
                                     ? e.value["dispatch_error"]
                                 : e.value.is_array() && !e.value.empty() ? e.value[0]
                                                                          : e.value;
      auto name = describe_dispatch_error(*md, de);
      out.dispatch_error = name ? *name : de.dump();
    }
    out.events.push_back(std::move(e));
  }
  return out;
}

}  // namespace ev::chain
