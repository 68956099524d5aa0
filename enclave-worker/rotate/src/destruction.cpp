#include "ev/worker/destruction.hpp"

#include <algorithm>
#include <cstdio>
#include <set>

#include "ev/common/digest.hpp"
#include "ev/s3/errors.hpp"
#include "ev/s3/object_key.hpp"
#include "ev/worker/blobs.hpp"
#include "ev/worker/errors.hpp"
#include "parallel.hpp"

namespace ev::worker {

namespace {
void log(const std::string& line) { std::fprintf(stderr, "rotate: %s\n", line.c_str()); }
}  // namespace

Result<std::vector<std::string>> list_epoch_objects(s3::ObjectStore& store,
                                                    const std::string& prefix,
                                                    const AccountId& wallet, Epoch epoch) {
  const std::string base = prefix + wallet_hex(wallet) + "/";
  std::vector<std::string> out;
  s3::ListOptions probe;
  probe.prefix = base;
  probe.max_keys = 1;
  for (;;) {
    auto first = store.list(probe);
    if (!first) return store_error(first.error(), "list " + base);
    if (first->objects.empty()) {
      // S3 may answer a page with fewer keys than asked, even none, and more to come.
      if (!first->truncated) break;
      probe.continuation_token = first->next_continuation_token;
      continue;
    }
    probe.continuation_token.clear();
    const std::string& key = first->objects.front().key;
    if (!probe.start_after.empty() && key <= probe.start_after) {
      return make_error(WorkerErrc::Unavailable, "the store ignored start-after " +
                                                     probe.start_after + " (answered " + key +
                                                     "); cannot enumerate the wallet's services");
    }
    const std::size_t slash = key.find('/', base.size());
    if (slash == std::string::npos) {  // "<wallet>/<name>": not a blob key
      log("ignoring foreign key " + key);
      probe.start_after = key;
      continue;
    }
    const std::string service_dir = key.substr(0, slash + 1);  // "<base><service>/"
    const std::string service = key.substr(base.size(), slash - base.size());
    probe.start_after = key.substr(0, slash);
    probe.start_after += '0';
    auto epoch_dir = s3::epoch_prefix(prefix, wallet_hex(wallet), service, epoch);
    if (!epoch_dir) {  // a segment no service can have: nothing of ours under it
      log("ignoring foreign keys under " + service_dir);
      continue;
    }
    s3::ListOptions lo;
    lo.prefix = *epoch_dir;
    for (;;) {
      auto page = store.list(lo);
      if (!page) return store_error(page.error(), "list " + lo.prefix);
      for (const auto& o : page->objects) {
        auto k = s3::parse_object_key(o.key, prefix);
        // Keys that do not parse as blob keys are not ours to delete; they are reported.
        if (!k || k->epoch != epoch) {
          log("ignoring foreign key " + o.key);
          continue;
        }
        out.push_back(o.key);
      }
      if (!page->truncated) break;
      lo.continuation_token = page->next_continuation_token;
    }
  }
  return out;
}

std::vector<std::optional<vault::Hash256>> object_hashes(
    s3::ObjectStore& store, const std::vector<std::string>& keys,
    const std::map<std::string, vault::Hash256>& known, std::size_t concurrency) {
  std::vector<std::optional<vault::Hash256>> hashes(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (auto it = known.find(keys[i]); it != known.end()) hashes[i] = it->second;
  }
  detail::parallel_for(keys.size(), concurrency, [&](std::size_t i, std::size_t) {
    if (hashes[i]) return;
    auto obj = store.get(keys[i]);
    if (obj) {
      hashes[i] = sha256(obj->data);
    } else if (!is(obj.error(), s3::Errc::NotFound)) {
      log("reading " + keys[i] + " before deletion: " + obj.error().to_string());
    }
  });
  return hashes;
}

DeletionRound delete_objects(s3::ObjectStore& store, const std::vector<std::string>& keys,
                             const std::vector<std::optional<vault::Hash256>>& hashes,
                             std::size_t concurrency) {
  DeletionRound out;
  std::vector<std::size_t> todo;
  todo.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (hashes[i]) todo.push_back(i);
  }
  // A key is counted as deleted when its request succeeded and named no error for it.
  const std::size_t chunks = (todo.size() + s3::kMaxKeysPerCall - 1) / s3::kMaxKeysPerCall;
  auto chunk_of = [&](std::size_t c) {
    const std::size_t at = c * s3::kMaxKeysPerCall;
    return std::pair(at, std::min(todo.size(), at + s3::kMaxKeysPerCall));
  };
  std::vector<Result<s3::RemoveManyResult>> results(
      chunks, make_error(WorkerErrc::Unavailable, "not sent"));
  detail::parallel_for(chunks, concurrency, [&](std::size_t c, std::size_t) {
    const auto [at, end] = chunk_of(c);
    std::vector<std::string> chunk;
    chunk.reserve(end - at);
    for (std::size_t j = at; j < end; ++j) chunk.push_back(keys[todo[j]]);
    results[c] = store.remove_many(chunk);
  });
  for (std::size_t c = 0; c < chunks; ++c) {
    const auto [at, end] = chunk_of(c);
    const auto& r = results[c];
    if (!r) {
      log("deleting objects: " + r.error().to_string());
      for (std::size_t j = at; j < end; ++j) out.maybe.emplace(keys[todo[j]], *hashes[todo[j]]);
      continue;
    }
    std::set<std::string> failed;
    for (const auto& ke : r->errors) {
      failed.insert(ke.key);
      log("deleting " + ke.key + ": " + ke.error.to_string());
    }
    for (std::size_t j = at; j < end; ++j) {
      const std::size_t i = todo[j];
      if (failed.count(keys[i]) == 0) out.deleted.emplace_back(keys[i], *hashes[i]);
    }
  }
  return out;
}

DeletedObjects settle_maybe(const std::map<std::string, vault::Hash256>& maybe,
                            const std::vector<std::string>& listed) {
  DeletedObjects out;
  const std::set<std::string> present(listed.begin(), listed.end());
  for (const auto& [key, hash] : maybe) {
    if (present.count(key) == 0) out.emplace_back(key, hash);
  }
  return out;
}

vault::Hash256 deletion_digest(DeletedObjects deleted) {
  std::sort(deleted.begin(), deleted.end());
  Bytes buf;
  for (const auto& [key, hash] : deleted) {
    const auto n = static_cast<std::uint32_t>(key.size());
    for (int i = 0; i < 4; ++i) buf.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
    buf.insert(buf.end(), key.begin(), key.end());
    buf.insert(buf.end(), hash.begin(), hash.end());
  }
  return sha256(buf);
}

vault::DestroyEpoch destruction_record(const AccountId& wallet, Epoch epoch,
                                       const DeletedObjects& deleted) {
  vault::DestroyEpoch call;
  call.wallet = wallet;
  call.epoch = epoch;
  call.objects_deleted = static_cast<std::uint32_t>(deleted.size());
  call.deletion_digest = deletion_digest(deleted);
  return call;
}

}  // namespace ev::worker
