// Blob operations shared by both workers: object keys, DEKs from the chain, verified fetches and
// the one way a blob moves to a newer epoch (lazily in serve, in sweeps in rotate).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ev/enclave/envelope.hpp"
#include "ev/enclave/keys.hpp"
#include "ev/s3/object_store.hpp"
#include "ev/vault/calls.hpp"
#include "ev/worker/vault_chain.hpp"

namespace ev::worker {

// Canonical lowercase UUID text (8-4-4-4-12) of 16 bytes, and back (strict).
[[nodiscard]] std::string uuid_text(const BlobId& id);
[[nodiscard]] Result<BlobId> parse_uuid(std::string_view text);
// A fresh UUIDv7: 48-bit Unix milliseconds, version 7, variant 10, 74 random bits.
[[nodiscard]] Result<BlobId> new_blob_id(enclave::Rng& rng);

// "0x" + 64 lowercase hex digits.
[[nodiscard]] std::string wallet_hex(const AccountId& wallet);

// <prefix><wallet>/<service>/<epoch:010>/<uuid>.enc (docs/formats/object-keys.md).
[[nodiscard]] Result<std::string> blob_key(std::string_view prefix, const AccountId& wallet,
                                           std::string_view service, Epoch epoch,
                                           const BlobId& blob);

[[nodiscard]] enclave::BlobContext blob_context(const AccountId& wallet, std::string_view service,
                                                Epoch epoch, const BlobId& blob);

// The unwrapped DEK of (wallet, epoch), read from EpochDeks. Errors: NotFound (no DEK: the epoch
// is unknown or destroyed), Integrity (it does not unwrap under this shielding key), Unavailable.
[[nodiscard]] Result<enclave::Dek> load_dek(VaultChain& chain, const enclave::Key256& shielding,
                                            const AccountId& wallet, Epoch epoch);

// The whole stored object at `key`, checked against the on-chain SHA-256.
// Errors: NotFound (no object), Integrity (hash mismatch), Unavailable (store trouble).
[[nodiscard]] Result<Bytes> fetch_verified(s3::ObjectStore& store, const std::string& key,
                                           const vault::Hash256& expected);

// Moves one blob from its pointer's epoch to `to_epoch` in the store (the chain call is left to
// the caller): fetch and verify the old object, re-encrypt it (old AAD → new AAD, fresh nonce),
// store it create-only at the new key. When an object already sits at the new key (a previous
// attempt, or the other worker, got there first) it is adopted if it opens under the new DEK and
// context, so that the chain always records the hash of the object actually stored.
// Returns the reencrypt_blob call to submit.
[[nodiscard]] Result<vault::ReencryptBlob> move_blob(
    s3::ObjectStore& store, std::string_view prefix, enclave::DekCipher& from,
    enclave::DekCipher& to, const AccountId& wallet, const BlobId& blob,
    const vault::VaultPointer& pointer, Epoch to_epoch, enclave::Rng& rng);

// Maps a store error to the worker's errors (NotFound stays NotFound, the rest is Unavailable).
[[nodiscard]] Error store_error(const Error& e, std::string_view what);

}  // namespace ev::worker
