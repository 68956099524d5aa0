#include "ev/vault/storage.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/scale.hpp"
#include "ev/chain/storage_key.hpp"
#include "ev/vault/calls.hpp"

namespace ev::vault {

namespace {

using chain::Hasher;
using KeyList = std::vector<std::pair<Hasher, Bytes>>;

template <class T>
std::pair<Hasher, Bytes> part(Hasher h, const T& k) {
  return {h, scale::encode(k)};
}

Bytes key(std::string_view item_name, const KeyList& parts) {
  return chain::storage_key(kPalletName, item_name, parts);
}

template <class T>
Result<T> key_value(const chain::DecodedKeyPart& p) {
  EV_ASSERT(p.key.has_value(), "reversible key part without key bytes");
  return scale::decode_all<T>(*p.key);
}

// Splits a key of `item_name` with the given reversible parts and decodes them as A and B.
template <class A, class B>
Result<std::pair<A, B>> parse2(ByteSpan full, std::string_view item_name, Hasher ha, Hasher hb) {
  const std::array<chain::KeyPartSpec, 2> specs = {
      chain::KeyPartSpec{ha, scale::Codec<A>::min_size},
      chain::KeyPartSpec{hb, scale::Codec<B>::min_size}};
  auto parts =
      EV_TRY_CTX(item_name, chain::decode_storage_key(full, kPalletName, item_name, specs));
  A a = EV_TRY_CTX(item_name, key_value<A>(parts[0]));
  B b = EV_TRY_CTX(item_name, key_value<B>(parts[1]));
  return std::pair<A, B>(a, b);
}

Result<AccountId> parse1(ByteSpan full, std::string_view item_name) {
  const std::array<chain::KeyPartSpec, 1> specs = {
      chain::KeyPartSpec{Hasher::Blake2_128Concat, 32}};
  auto parts =
      EV_TRY_CTX(item_name, chain::decode_storage_key(full, kPalletName, item_name, specs));
  return EV_TRY_CTX(item_name, key_value<AccountId>(parts[0]));
}

template <class T>
Result<T> value_of(std::string_view what, ByteSpan v) {
  return EV_TRY_CTX(what, scale::decode_all<T>(v));
}

}  // namespace

Bytes item_prefix(std::string_view item_name) {
  return chain::storage_prefix(kPalletName, item_name);
}

Bytes pointers_key(const AccountId& wallet, const BlobId& blob) {
  return key(item::kPointers,
             {part(Hasher::Blake2_128Concat, wallet), part(Hasher::Blake2_128Concat, blob)});
}
Bytes pointers_prefix(const AccountId& wallet) {
  return key(item::kPointers, {part(Hasher::Blake2_128Concat, wallet)});
}
Bytes epochs_key(const AccountId& wallet) {
  return key(item::kEpochs, {part(Hasher::Blake2_128Concat, wallet)});
}
Bytes epoch_deks_key(const AccountId& wallet, Epoch epoch) {
  return key(item::kEpochDeks,
             {part(Hasher::Blake2_128Concat, wallet), part(Hasher::Twox64Concat, epoch)});
}
Bytes epoch_deks_prefix(const AccountId& wallet) {
  return key(item::kEpochDeks, {part(Hasher::Blake2_128Concat, wallet)});
}
Bytes live_blobs_key(const AccountId& wallet, Epoch epoch) {
  return key(item::kLiveBlobs,
             {part(Hasher::Blake2_128Concat, wallet), part(Hasher::Twox64Concat, epoch)});
}
Bytes live_blobs_prefix(const AccountId& wallet) {
  return key(item::kLiveBlobs, {part(Hasher::Blake2_128Concat, wallet)});
}
Bytes agents_key(const AccountId& wallet, const AccountId& agent) {
  return key(item::kAgents,
             {part(Hasher::Blake2_128Concat, wallet), part(Hasher::Blake2_128Concat, agent)});
}
Bytes agents_prefix(const AccountId& wallet) {
  return key(item::kAgents, {part(Hasher::Blake2_128Concat, wallet)});
}
Bytes workers_key(const AccountId& worker) {
  return key(item::kWorkers, {part(Hasher::Blake2_128Concat, worker)});
}
Bytes approved_measurements_key(const Measurement& m) {
  return key(item::kApprovedMeasurements, {part(Hasher::Blake2_128Concat, m)});
}

Result<std::pair<AccountId, BlobId>> parse_pointers_key(ByteSpan k) {
  return parse2<AccountId, BlobId>(k, item::kPointers, Hasher::Blake2_128Concat,
                                   Hasher::Blake2_128Concat);
}
Result<AccountId> parse_epochs_key(ByteSpan k) { return parse1(k, item::kEpochs); }
Result<std::pair<AccountId, Epoch>> parse_epoch_deks_key(ByteSpan k) {
  return parse2<AccountId, Epoch>(k, item::kEpochDeks, Hasher::Blake2_128Concat,
                                  Hasher::Twox64Concat);
}
Result<std::pair<AccountId, Epoch>> parse_live_blobs_key(ByteSpan k) {
  return parse2<AccountId, Epoch>(k, item::kLiveBlobs, Hasher::Blake2_128Concat,
                                  Hasher::Twox64Concat);
}
Result<std::pair<AccountId, AccountId>> parse_agents_key(ByteSpan k) {
  return parse2<AccountId, AccountId>(k, item::kAgents, Hasher::Blake2_128Concat,
                                      Hasher::Blake2_128Concat);
}
Result<AccountId> parse_workers_key(ByteSpan k) { return parse1(k, item::kWorkers); }

Result<Measurement> parse_approved_measurements_key(ByteSpan k) {
  const Bytes prefix = item_prefix(item::kApprovedMeasurements);
  constexpr std::size_t kHash = 16;
  if (k.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), k.begin())) {
    return make_error(chain::StorageKeyErrc::PrefixMismatch,
                      "not a VaultPointers.ApprovedMeasurements key");
  }
  if (k.size() < prefix.size() + kHash) {
    return make_error(chain::StorageKeyErrc::ShortKey,
                      "ApprovedMeasurements: key ends inside the Blake2_128Concat hash");
  }
  const ByteSpan hash = k.subspan(prefix.size(), kHash);
  const ByteSpan encoded = k.subspan(prefix.size() + kHash);
  Measurement m = EV_TRY_CTX("ApprovedMeasurements key", scale::decode_all<Measurement>(encoded));
  const auto expect = chain::blake2_128(encoded);
  if (!std::equal(expect.begin(), expect.end(), hash.begin())) {
    return make_error(chain::StorageKeyErrc::HashMismatch,
                      "ApprovedMeasurements: Blake2_128Concat hash does not match the key bytes");
  }
  return m;
}

Result<VaultPointer> decode_vault_pointer(ByteSpan v) {
  return value_of<VaultPointer>("Pointers", v);
}
Result<EpochInfo> decode_epoch_info(ByteSpan v) { return value_of<EpochInfo>("Epochs", v); }
Result<EpochDek> decode_epoch_dek(ByteSpan v) { return value_of<EpochDek>("EpochDeks", v); }
Result<std::uint32_t> decode_live_blobs(ByteSpan v) {
  return value_of<std::uint32_t>("LiveBlobs", v);
}
Result<AgentGrant> decode_agent_grant(ByteSpan v) { return value_of<AgentGrant>("Agents", v); }
Result<WorkerInfo> decode_worker_info(ByteSpan v) { return value_of<WorkerInfo>("Workers", v); }
Result<Role> decode_role(ByteSpan v) { return value_of<Role>("ApprovedMeasurements", v); }

}  // namespace ev::vault
