#include "ev/worker/blobs.hpp"

#include <chrono>

#include "ev/common/digest.hpp"
#include "ev/enclave/dek.hpp"
#include "ev/s3/errors.hpp"
#include "ev/s3/object_key.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

std::string uuid_text(const BlobId& id) {
  const std::string hex = to_hex(id, false);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

Result<BlobId> parse_uuid(std::string_view text) {
  if (text.size() != 36 || text[8] != '-' || text[13] != '-' || text[18] != '-' ||
      text[23] != '-') {
    return make_error(WorkerErrc::BadRequest, "blob id '" + std::string(text.substr(0, 40)) +
                                                  "': expected a UUID (8-4-4-4-12 hex digits)");
  }
  std::string hex;
  for (char c : text) {
    if (c == '-') continue;
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return make_error(WorkerErrc::BadRequest,
                        "blob id '" + std::string(text) + "': expected lowercase hex digits");
    }
    hex += c;
  }
  auto b = from_hex_fixed<16>(hex);
  if (!b) return make_error(WorkerErrc::BadRequest, "blob id: " + b.error().message);
  return *b;
}

Result<BlobId> new_blob_id(enclave::Rng& rng) {
  BlobId id{};
  EV_TRY(rng.random(std::span<std::uint8_t>(id.data() + 6, 10)));
  const auto ms =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  for (int i = 0; i < 6; ++i) id[i] = static_cast<std::uint8_t>(ms >> (8 * (5 - i)));
  id[6] = static_cast<std::uint8_t>(0x70 | (id[6] & 0x0f));
  id[8] = static_cast<std::uint8_t>(0x80 | (id[8] & 0x3f));
  return id;
}

std::string wallet_hex(const AccountId& wallet) { return to_hex(wallet); }

Result<std::string> blob_key(std::string_view prefix, const AccountId& wallet,
                             std::string_view service, Epoch epoch, const BlobId& blob) {
  auto k = s3::object_key(prefix, wallet_hex(wallet), service, epoch, uuid_text(blob));
  if (!k) return make_error(WorkerErrc::BadRequest, k.error().message);
  return std::move(k).value();
}

enclave::BlobContext blob_context(const AccountId& wallet, std::string_view service, Epoch epoch,
                                  const BlobId& blob) {
  enclave::BlobContext ctx;
  ctx.wallet = wallet;
  ctx.service = std::string(service);
  ctx.epoch = epoch;
  ctx.blob_id = blob;
  return ctx;
}

Result<enclave::Dek> load_dek(VaultChain& chain, const enclave::Key256& shielding,
                              const AccountId& wallet, Epoch epoch) {
  auto wrapped = EV_TRY(chain.wrapped_dek(wallet, epoch));
  if (!wrapped) {
    return make_error(WorkerErrc::NotFound, "no DEK on chain for wallet " + wallet_hex(wallet) +
                                                " epoch " + std::to_string(epoch));
  }
  auto dek = enclave::unwrap_dek(shielding, *wrapped, wallet, epoch);
  if (!dek) {
    return make_error(WorkerErrc::Integrity, "the DEK of wallet " + wallet_hex(wallet) + " epoch " +
                                                 std::to_string(epoch) +
                                                 " does not unwrap here: " + dek.error().message);
  }
  return std::move(dek).value();
}

Error store_error(const Error& e, std::string_view what) {
  if (is(e, s3::Errc::NotFound)) {
    return make_error(WorkerErrc::NotFound, std::string(what) + ": " + e.message);
  }
  return make_error(WorkerErrc::Unavailable, "store: " + std::string(what) + ": " + e.message);
}

Result<Bytes> fetch_verified(s3::ObjectStore& store, const std::string& key,
                             const vault::Hash256& expected) {
  auto obj = store.get(key);
  if (!obj) return store_error(obj.error(), key);
  if (enclave::ciphertext_hash(obj->data) != expected) {
    return make_error(
        WorkerErrc::Integrity,
        "stored object " + key + " does not match its on-chain hash " + to_hex(expected));
  }
  return std::move(obj->data);
}

Result<vault::ReencryptBlob> move_blob(s3::ObjectStore& store, std::string_view prefix,
                                       enclave::DekCipher& from, enclave::DekCipher& to,
                                       const AccountId& wallet, const BlobId& blob,
                                       const vault::VaultPointer& pointer, Epoch to_epoch,
                                       enclave::Rng& rng) {
  const std::string_view service = pointer.service.view();
  const std::string old_key = EV_TRY(blob_key(prefix, wallet, service, pointer.epoch, blob));
  const std::string new_key = EV_TRY(blob_key(prefix, wallet, service, to_epoch, blob));
  const Bytes old_object = EV_TRY(fetch_verified(store, old_key, pointer.ciphertext_hash));
  const auto old_ctx = blob_context(wallet, service, pointer.epoch, blob);
  const auto new_ctx = blob_context(wallet, service, to_epoch, blob);
  auto fresh = enclave::reencrypt(from, old_ctx, to, new_ctx, old_object, rng);
  if (!fresh) {
    return make_error(WorkerErrc::Integrity, old_key + ": " + fresh.error().message);
  }
  Bytes stored = std::move(fresh).value();
  s3::PutOptions po;
  po.create_only = true;
  auto put = store.put(new_key, stored, po);
  if (!put) {
    if (!is(put.error(), s3::Errc::PreconditionFailed)) return store_error(put.error(), new_key);
    // Someone stored this blob's new-epoch object first: adopt it if it is genuine.
    auto existing = store.get(new_key);
    if (!existing) return store_error(existing.error(), new_key);
    auto check = to.open(new_ctx, existing->data);
    if (!check) {
      return make_error(WorkerErrc::Integrity,
                        new_key + " exists and does not open under the new epoch's DEK: " +
                            check.error().message);
    }
    stored = std::move(existing->data);
  }
  vault::ReencryptBlob call;
  call.wallet = wallet;
  call.blob_id = blob;
  call.from_epoch = pointer.epoch;
  call.to_epoch = to_epoch;
  call.ciphertext_hash = enclave::ciphertext_hash(stored);
  call.size = static_cast<std::uint32_t>(stored.size());
  return call;
}

}  // namespace ev::worker
