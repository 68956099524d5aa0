// The destruction of a drained epoch, in four steps that rotate runs in order and that are each
// tested on their own (docs/workers.md, "Rotation, sweeps and destruction", step 4):
//   list   - every blob key of the wallet's epoch in the store;
//   verify - each listed object's SHA-256 (from the sweep's cache, or read now);
//   delete - multi-object deletes, accounting for requests that failed as a whole;
//   record - the destroy_epoch call with its count and deletion digest.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ev/s3/object_store.hpp"
#include "ev/vault/calls.hpp"
#include "ev/worker/vault_chain.hpp"

namespace ev::worker {

using DeletedObjects = std::vector<std::pair<std::string, vault::Hash256>>;

// list: every object key of `wallet` at `epoch`. The wallet's services are found by skipping
// through its keys in order (a one-key listing per service: all keys of a service lie between
// "<wallet>/<service>/" and "<wallet>/<service>0", '0' being the byte after '/'), then each
// service's epoch prefix is listed in full; the other epochs' objects are never listed. Keys that
// are not blob keys of this epoch are logged and left out.
// Errors: Unavailable (store trouble, or a store that ignores start-after).
[[nodiscard]] Result<std::vector<std::string>> list_epoch_objects(s3::ObjectStore& store,
                                                                  const std::string& prefix,
                                                                  const AccountId& wallet,
                                                                  Epoch epoch);

// verify: the SHA-256 of each key, taken from `known` (objects the sweep fetched and checked
// against their pointer) or computed from the object read now. nullopt where the object could
// not be read (it is then not deleted this round, so every deleted object is in the digest).
[[nodiscard]] std::vector<std::optional<vault::Hash256>> object_hashes(
    s3::ObjectStore& store, const std::vector<std::string>& keys,
    const std::map<std::string, vault::Hash256>& known, std::size_t concurrency);

// What one deletion round did.
struct DeletionRound {
  DeletedObjects deleted;  // named by a successful request and not in its errors
  // Keys of requests that failed as a whole: perhaps deleted. The next listing decides.
  std::map<std::string, vault::Hash256> maybe;
};

// delete: multi-object deletes of up to 1,000 of the keys that have a hash, `concurrency`
// requests at a time.
[[nodiscard]] DeletionRound delete_objects(s3::ObjectStore& store,
                                           const std::vector<std::string>& keys,
                                           const std::vector<std::optional<vault::Hash256>>& hashes,
                                           std::size_t concurrency);

// The keys of an earlier round's `maybe` that `listed` no longer shows: deleted by that round.
[[nodiscard]] DeletedObjects settle_maybe(const std::map<std::string, vault::Hash256>& maybe,
                                          const std::vector<std::string>& listed);

// SHA-256 over the deleted objects, sorted by key: for each, u32 LE key length ‖ key ‖ SHA-256
// of the object (docs/workers.md, "Destruction digest").
[[nodiscard]] vault::Hash256 deletion_digest(DeletedObjects deleted);

// record: the destroy_epoch call for what was deleted.
[[nodiscard]] vault::DestroyEpoch destruction_record(const AccountId& wallet, Epoch epoch,
                                                     const DeletedObjects& deleted);

}  // namespace ev::worker
