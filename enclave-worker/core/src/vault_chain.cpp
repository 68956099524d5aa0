#include "ev/worker/vault_chain.hpp"

#include <algorithm>

#include "ev/chain/scale.hpp"
#include "ev/vault/calls_access.hpp"
#include "ev/vault/storage.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

namespace {

Error unavailable(const Error& e, std::string_view what) {
  return make_error(WorkerErrc::Unavailable, std::string(what) + ": " + e.to_string());
}

}  // namespace

bool CallOutcome::failed_with(std::string_view pallet_error) const {
  if (success || !error) return false;
  const std::string& e = *error;
  return e.size() > pallet_error.size() &&
         e.compare(e.size() - pallet_error.size(), pallet_error.size(), pallet_error) == 0 &&
         e[e.size() - pallet_error.size() - 1] == '.';
}

VaultChain::VaultChain(std::unique_ptr<chain::access::ChainAccess> chain)
    : chain_(std::move(chain)) {}

Result<std::unique_ptr<VaultChain>> VaultChain::connect(const std::string& url) {
  auto chain = chain::access::ChainAccess::connect(url);
  if (!chain) return unavailable(chain.error(), "chain " + url);
  return std::unique_ptr<VaultChain>(new VaultChain(std::move(chain).value()));
}

Result<std::uint64_t> VaultChain::best_number() {
  auto n = chain_->best_number();
  if (!n) return unavailable(n.error(), "chain_getHeader");
  return *n;
}

void VaultChain::verify_from(const ChainCheckpoint& checkpoint) {
  chain::access::ChainAccess* access = chain_.get();
  verified_ = std::make_unique<VerifiedState>(
      [access](std::string_view method, std::string_view params) {
        return access->rpc(method, params);
      },
      checkpoint);
}

Result<std::optional<Bytes>> VaultChain::read(ByteSpan key) {
  if (verified_) return verified_->read(key);
  auto v = chain_->storage(key);
  if (!v) return unavailable(v.error(), "state_getStorage");
  return std::move(v).value();
}

template <class T, class Decode>
static Result<std::optional<T>> read_as(Result<std::optional<Bytes>> raw, Decode decode,
                                        std::string_view what) {
  auto bytes = EV_TRY(std::move(raw));
  if (!bytes) return std::optional<T>{};
  auto v = decode(*bytes);
  if (!v) {
    return make_error(
        WorkerErrc::Unavailable,
        "chain returned an undecodable " + std::string(what) + ": " + v.error().to_string());
  }
  return std::optional<T>(std::move(v).value());
}

Result<std::optional<vault::EpochInfo>> VaultChain::epoch(const AccountId& wallet) {
  return read_as<vault::EpochInfo>(read(vault::epochs_key(wallet)), vault::decode_epoch_info,
                                   "Epochs entry");
}

Result<std::optional<Bytes>> VaultChain::wrapped_dek(const AccountId& wallet, Epoch epoch) {
  const std::string cache_key = to_hex(wallet) + ":" + std::to_string(epoch);
  {
    std::lock_guard lock(mu_);
    if (auto it = dek_cache_.find(cache_key); it != dek_cache_.end()) return {it->second};
  }
  auto dek = EV_TRY(read_as<vault::EpochDek>(read(vault::epoch_deks_key(wallet, epoch)),
                                             vault::decode_epoch_dek, "EpochDeks entry"));
  if (!dek) return std::optional<Bytes>{};
  Bytes wrapped = dek->wrapped_dek.bytes();
  std::lock_guard lock(mu_);
  if (dek_cache_.size() > 100000) dek_cache_.clear();
  dek_cache_.emplace(cache_key, wrapped);
  return std::optional<Bytes>(std::move(wrapped));
}

Result<bool> VaultChain::dek_on_chain(const AccountId& wallet, Epoch epoch) {
  const bool present = EV_TRY(read(vault::epoch_deks_key(wallet, epoch))).has_value();
  if (!present) {
    std::lock_guard lock(mu_);
    dek_cache_.erase(to_hex(wallet) + ":" + std::to_string(epoch));
  }
  return present;
}

Result<std::vector<Epoch>> VaultChain::dek_epochs(const AccountId& wallet) {
  if (verified_) {
    std::vector<Epoch> out;
    for (const auto& [k, v] : EV_TRY(verified_->read_prefix(vault::epoch_deks_prefix(wallet)))) {
      auto parsed = vault::parse_epoch_deks_key(k);
      if (!parsed) {
        return make_error(WorkerErrc::Unavailable, "chain holds an undecodable EpochDeks key");
      }
      out.push_back(parsed->second);
    }
    return out;
  }
  auto keys = chain_->keys_paged(vault::epoch_deks_prefix(wallet), 1000, std::nullopt);
  if (!keys) return unavailable(keys.error(), "state_getKeysPaged");
  std::vector<Epoch> out;
  for (const auto& k : *keys) {
    auto parsed = vault::parse_epoch_deks_key(k);
    if (!parsed) {
      return make_error(WorkerErrc::Unavailable, "chain returned an undecodable EpochDeks key");
    }
    out.push_back(parsed->second);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::optional<vault::VaultPointer>> VaultChain::pointer(const AccountId& wallet,
                                                               const BlobId& blob) {
  return read_as<vault::VaultPointer>(read(vault::pointers_key(wallet, blob)),
                                      vault::decode_vault_pointer, "Pointers entry");
}

// Every entry under `prefix`, listed a page of keys at a time and read in one query per page.
template <class K, class V, class ParseKey, class Decode>
static Result<std::vector<std::pair<K, V>>> entries(chain::access::ChainAccess& chain,
                                                    VerifiedState* verified, const Bytes& prefix,
                                                    ParseKey parse_key, Decode decode,
                                                    std::string_view what) {
  std::vector<std::pair<K, V>> out;
  if (verified != nullptr) {  // complete and proven, at the verified finalised block
    for (const auto& [key, value] : EV_TRY(verified->read_prefix(prefix))) {
      auto k = parse_key(key);
      auto v = decode(value);
      if (!k || !v) {
        return make_error(WorkerErrc::Unavailable, "chain holds an undecodable " +
                                                       std::string(what) + " entry " + to_hex(key));
      }
      out.emplace_back(std::move(k).value(), std::move(v).value());
    }
    return out;
  }
  std::optional<Bytes> start;
  constexpr std::uint32_t kPage = 1000;
  for (;;) {
    auto keys = chain.keys_paged(prefix, kPage, start);
    if (!keys) return unavailable(keys.error(), "state_getKeysPaged");
    if (keys->empty()) break;
    auto values = chain.values(*keys);
    if (!values) return unavailable(values.error(), "state_queryStorageAt");
    for (const auto& [key, value] : *values) {
      if (!value) continue;  // removed since the key listing
      auto k = parse_key(key);
      auto v = decode(*value);
      if (!k || !v) {
        return make_error(WorkerErrc::Unavailable, "chain returned an undecodable " +
                                                       std::string(what) + " entry " + to_hex(key));
      }
      out.emplace_back(std::move(k).value(), std::move(v).value());
    }
    if (keys->size() < kPage) break;
    start = keys->back();
  }
  return out;
}

Result<std::vector<std::pair<BlobId, vault::VaultPointer>>> VaultChain::pointers(
    const AccountId& wallet) {
  return entries<BlobId, vault::VaultPointer>(
      *chain_, verified_.get(), vault::pointers_prefix(wallet),
      [](ByteSpan k) -> Result<BlobId> { return EV_TRY(vault::parse_pointers_key(k)).second; },
      vault::decode_vault_pointer, "Pointers");
}

Result<std::vector<std::pair<AccountId, vault::EpochInfo>>> VaultChain::wallets() {
  return entries<AccountId, vault::EpochInfo>(*chain_, verified_.get(),
                                              vault::item_prefix("Epochs"), vault::parse_epochs_key,
                                              vault::decode_epoch_info, "Epochs");
}

Result<std::vector<std::pair<AccountId, vault::AgentGrant>>> VaultChain::grants(
    const AccountId& wallet) {
  return entries<AccountId, vault::AgentGrant>(
      *chain_, verified_.get(), vault::agents_prefix(wallet),
      [](ByteSpan k) -> Result<AccountId> { return EV_TRY(vault::parse_agents_key(k)).second; },
      vault::decode_agent_grant, "Agents");
}

Result<ChainPosition> VaultChain::position() {
  ChainPosition p;
  p.best = EV_TRY(best_number());
  auto fin = chain_->finalized_number();
  if (!fin) return unavailable(fin.error(), "chain_getFinalizedHead");
  p.finalized = *fin;
  return p;
}

Result<std::optional<vault::AgentGrant>> VaultChain::grant(const AccountId& wallet,
                                                           const AccountId& agent) {
  return read_as<vault::AgentGrant>(read(vault::agents_key(wallet, agent)),
                                    vault::decode_agent_grant, "Agents entry");
}

Result<std::uint32_t> VaultChain::live_blobs(const AccountId& wallet, Epoch epoch) {
  auto n = EV_TRY(read_as<std::uint32_t>(read(vault::live_blobs_key(wallet, epoch)),
                                         vault::decode_live_blobs, "LiveBlobs entry"));
  return n.value_or(0);
}

Result<std::optional<vault::WorkerInfo>> VaultChain::worker(const AccountId& account) {
  return read_as<vault::WorkerInfo>(read(vault::workers_key(account)), vault::decode_worker_info,
                                    "Workers entry");
}

Result<std::optional<vault::Role>> VaultChain::approved(const vault::Measurement& m) {
  return read_as<vault::Role>(read(vault::approved_measurements_key(m)), vault::decode_role,
                              "ApprovedMeasurements entry");
}

Result<chain::access::Included> VaultChain::submit_encoded(const chain::KeyPair& signer,
                                                           const Bytes& call) {
  auto out = chain_->submit(signer, call);
  // Another process with this key (a restarted worker whose old transactions are still in
  // the pool, or an operator tool) moved the nonce: the access resynced it; try again.
  for (int retry = 0; retry < 3 && !out && is(out.error(), chain::access::AccessErrc::Rejected) &&
                      out.error().message.find("Stale") != std::string::npos;
       ++retry) {
    out = chain_->submit(signer, call);
  }
  if (!out && is(out.error(), chain::access::AccessErrc::Rejected)) {
    // The node refused the transaction (invalid, or the pool would not take it): it was never
    // pooled, or was dropped as invalid, so it can never be included. Definitive, unlike a
    // connection failure or a "dropped" status, after which it may still land.
    return make_error(WorkerErrc::Rejected,
                      "the node refused the transaction: " + out.error().message);
  }
  if (!out) return unavailable(out.error(), "submit");
  return std::move(out).value();
}

CallOutcome VaultChain::outcome(const chain::access::Included& in) {
  CallOutcome r;
  r.success = in.success;
  r.error = in.dispatch_error;
  r.block = in.block_number;
  r.block_hash = in.block_hash;
  return r;
}

Result<CallOutcome> VaultChain::submit(const chain::KeyPair& signer, const vault::Call& call) {
  auto rt = chain_->runtime();
  const Bytes encoded = EV_TRY(vault::encode_runtime_call(*rt, call));
  return outcome(EV_TRY(submit_encoded(signer, encoded)));
}

Result<CallOutcome> VaultChain::submit_batch(const chain::KeyPair& signer,
                                             const std::vector<vault::Call>& calls) {
  if (calls.size() == 1) return submit(signer, calls.front());
  auto rt = chain_->runtime();
  auto info = rt->call("Utility", "batch_all");
  if (!info) return make_error(WorkerErrc::Unavailable, info.error().message);
  scale::Encoder e;
  e.u8(info->pallet).u8(info->call).compact(calls.size());
  for (const auto& c : calls) e.raw(EV_TRY(vault::encode_runtime_call(*rt, c)));
  return outcome(EV_TRY(submit_encoded(signer, e.take())));
}

Result<CallOutcome> VaultChain::submit_sudo(const chain::KeyPair& sudo_key,
                                            const vault::Call& call) {
  auto rt = chain_->runtime();
  auto info = rt->call("Sudo", "sudo");
  if (!info) return make_error(WorkerErrc::Unavailable, info.error().message);
  scale::Encoder e;
  e.u8(info->pallet).u8(info->call).raw(EV_TRY(vault::encode_runtime_call(*rt, call)));
  const auto in = EV_TRY(submit_encoded(sudo_key, e.take()));
  CallOutcome out = outcome(in);
  // Sudo reports the inner call's failure in its Sudid event (sudo_result: DispatchResult), not
  // as the extrinsic's error.
  for (const auto& ev : in.events) {
    if (ev.pallet != "Sudo" || ev.variant->name != "Sudid" || ev.variant->fields.empty()) continue;
    scale::Decoder d(ev.fields);
    auto res = in.runtime->read_variant(ev.variant->fields[0], d);
    if (res && (*res)->name == "Err" && !(*res)->fields.empty()) {
      auto why = in.runtime->dispatch_error((*res)->fields[0], d);
      out.success = false;
      out.error = "Sudo.sudo: inner call failed: " + (why ? *why : why.error().to_string());
    }
  }
  return out;
}

}  // namespace ev::worker

std::string_view ev::ErrorTraits<ev::worker::WorkerErrc>::message(worker::WorkerErrc e) {
  using E = worker::WorkerErrc;
  switch (e) {
    case E::BadRequest: return "bad request";
    case E::Unauthorized: return "unauthorized";
    case E::Forbidden: return "forbidden";
    case E::NotFound: return "not found";
    case E::TooLarge: return "too large";
    case E::Integrity: return "integrity check failed";
    case E::Unavailable: return "unavailable";
    case E::Rejected: return "rejected by the chain";
    case E::Config: return "configuration";
  }
  return "unknown worker error";
}
