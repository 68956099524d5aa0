#include "ev/worker/vault_chain.hpp"

#include <algorithm>

#include "ev/chain/rpc.hpp"
#include "ev/chain/scale.hpp"
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

VaultChain::VaultChain(std::unique_ptr<chain::ChainClient> client) : client_(std::move(client)) {}

Result<std::unique_ptr<VaultChain>> VaultChain::connect(const std::string& url) {
  auto client = chain::ChainClient::connect(url);
  if (!client) return unavailable(client.error(), "chain " + url);
  return std::unique_ptr<VaultChain>(new VaultChain(std::move(client).value()));
}

Result<std::uint64_t> VaultChain::best_number() {
  auto h = chain::rpc::chain_get_header(client_->rpc());
  if (!h) return unavailable(h.error(), "chain_getHeader");
  if (!*h) return make_error(WorkerErrc::Unavailable, "chain_getHeader: no best block");
  return (*h)->number;
}

void VaultChain::verify_from(const ChainCheckpoint& checkpoint) {
  chain::RpcClient* rpc = &client_->rpc();
  verified_ = std::make_unique<VerifiedState>(
      [rpc](std::string_view method, std::string_view params) { return rpc->call(method, params); },
      checkpoint);
}

Result<std::optional<Bytes>> VaultChain::read(ByteSpan key) {
  if (verified_) return verified_->read(key);
  auto v = chain::rpc::state_get_storage(client_->rpc(), key);
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
  auto keys =
      chain::rpc::state_get_keys_paged(client_->rpc(), vault::epoch_deks_prefix(wallet), 1000);
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
static Result<std::vector<std::pair<K, V>>> entries(chain::ChainClient& client,
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
    auto keys = chain::rpc::state_get_keys_paged(client.rpc(), prefix, kPage, start);
    if (!keys) return unavailable(keys.error(), "state_getKeysPaged");
    if (keys->empty()) break;
    auto sets = chain::rpc::state_query_storage_at(client.rpc(), *keys);
    if (!sets) return unavailable(sets.error(), "state_queryStorageAt");
    for (const auto& set : *sets) {
      for (const auto& change : set.changes) {
        if (!change.value) continue;  // removed since the key listing
        auto k = parse_key(change.key);
        auto v = decode(*change.value);
        if (!k || !v) {
          return make_error(WorkerErrc::Unavailable, "chain returned an undecodable " +
                                                         std::string(what) + " entry " +
                                                         to_hex(change.key));
        }
        out.emplace_back(std::move(k).value(), std::move(v).value());
      }
    }
    if (keys->size() < kPage) break;
    start = keys->back();
  }
  return out;
}

Result<std::vector<std::pair<BlobId, vault::VaultPointer>>> VaultChain::pointers(
    const AccountId& wallet) {
  return entries<BlobId, vault::VaultPointer>(
      *client_, verified_.get(), vault::pointers_prefix(wallet),
      [](ByteSpan k) -> Result<BlobId> { return EV_TRY(vault::parse_pointers_key(k)).second; },
      vault::decode_vault_pointer, "Pointers");
}

Result<std::vector<std::pair<AccountId, vault::EpochInfo>>> VaultChain::wallets() {
  return entries<AccountId, vault::EpochInfo>(*client_, verified_.get(),
                                              vault::item_prefix("Epochs"), vault::parse_epochs_key,
                                              vault::decode_epoch_info, "Epochs");
}

Result<std::vector<std::pair<AccountId, vault::AgentGrant>>> VaultChain::grants(
    const AccountId& wallet) {
  return entries<AccountId, vault::AgentGrant>(
      *client_, verified_.get(), vault::agents_prefix(wallet),
      [](ByteSpan k) -> Result<AccountId> { return EV_TRY(vault::parse_agents_key(k)).second; },
      vault::decode_agent_grant, "Agents");
}

Result<ChainPosition> VaultChain::position() {
  ChainPosition p;
  p.best = EV_TRY(best_number());
  auto fin = chain::rpc::chain_get_finalized_head(client_->rpc());
  if (!fin) return unavailable(fin.error(), "chain_getFinalizedHead");
  auto h = chain::rpc::chain_get_header(client_->rpc(), *fin);
  if (!h) return unavailable(h.error(), "chain_getHeader");
  if (!*h) return make_error(WorkerErrc::Unavailable, "chain_getHeader: finalized head unknown");
  p.finalized = (*h)->number;
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

Result<CallOutcome> VaultChain::submit_encoded(const chain::KeyPair& signer, const Bytes& call) {
  auto out = client_->submit(signer, call);
  // Another process with this key (a restarted worker whose old transactions are still in
  // the pool, or an operator tool) moved the nonce: the client resynced it; try again.
  for (int retry = 0; retry < 3 && !out && is(out.error(), chain::ClientErrc::Rejected) &&
                      out.error().message.find("Stale") != std::string::npos;
       ++retry) {
    out = client_->submit(signer, call);
  }
  if (!out) return unavailable(out.error(), "submit");
  CallOutcome r;
  r.success = out->success;
  r.error = out->dispatch_error;
  r.block = out->block_number;
  r.block_hash = out->block_hash;
  r.events = std::move(out->events);
  return r;
}

Result<CallOutcome> VaultChain::submit(const chain::KeyPair& signer, const vault::Call& call) {
  auto md = client_->metadata();
  const Bytes encoded = EV_TRY(vault::encode_runtime_call(*md, call));
  return submit_encoded(signer, encoded);
}

Result<CallOutcome> VaultChain::submit_batch(const chain::KeyPair& signer,
                                             const std::vector<vault::Call>& calls) {
  if (calls.size() == 1) return submit(signer, calls.front());
  auto md = client_->metadata();
  auto info = md->call("Utility", "batch_all");
  if (!info) return make_error(WorkerErrc::Unavailable, info.error().message);
  scale::Encoder e;
  e.u8(info->pallet_index).u8(info->call_index).compact(calls.size());
  for (const auto& c : calls) e.raw(EV_TRY(vault::encode_runtime_call(*md, c)));
  return submit_encoded(signer, e.take());
}

Result<CallOutcome> VaultChain::submit_sudo(const chain::KeyPair& sudo_key,
                                            const vault::Call& call) {
  auto md = client_->metadata();
  auto info = md->call("Sudo", "sudo");
  if (!info) return make_error(WorkerErrc::Unavailable, info.error().message);
  scale::Encoder e;
  e.u8(info->pallet_index).u8(info->call_index).raw(EV_TRY(vault::encode_runtime_call(*md, call)));
  auto out = EV_TRY(submit_encoded(sudo_key, e.take()));
  // Sudo reports the inner call's failure in its Sudid event, not as the extrinsic's error.
  for (const auto& ev : out.events) {
    if (ev.pallet == "Sudo" && ev.name == "Sudid" && ev.value.contains("sudo_result")) {
      const auto& res = ev.value["sudo_result"];
      if (res.is_object() && res.contains("Err")) {
        out.success = false;
        out.error = "Sudo.sudo: inner call failed: " + res["Err"].dump();
      }
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
