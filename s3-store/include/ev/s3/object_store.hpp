// ObjectStore: the one seam between epochvault and object storage.
//
// Implementations: DirectoryStore (directory_store.hpp, the embedded default) and the S3
// client (AWS S3, Ceph RGW, MinIO). The behaviour every implementation guarantees is written
// here and checked by the shared contract suite (s3-store/tests/store_contract.hpp), which
// runs against each of them.
//
// Keys: every key argument must pass validate_key() (object_key.hpp,
// docs/formats/object-keys.md); a key that does not fails with Errc::InvalidKey before any
// I/O. A backend may refuse further keys it cannot represent (also InvalidKey).
//
// ETags: lowercase hex MD5 of the content, without the surrounding double quotes that HTTP
// uses (S3's ETag for a single-part PUT). Etags passed in (GetOptions::if_match) may carry
// the quotes; they are compared without them.
//
// Errors: domain "store" (errors.hpp). Throttled and Transient are retryable and may carry
// a retry-after hint (retry_after()).
//
// Thread safety: every implementation is safe for concurrent calls from any number of
// threads (and, for the directory store, processes) on the same keys.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/s3/errors.hpp"

namespace ev::s3 {

// Most keys per remove_many() call and per list() page (S3's limits).
inline constexpr std::size_t kMaxKeysPerCall = 1000;

struct PutOptions {
  // Write only if no object exists under the key (S3 If-None-Match: *). When one exists,
  // put() fails with PreconditionFailed and the stored object is unchanged. Of concurrent
  // create_only writers of one key, exactly one succeeds.
  bool create_only = false;
  // Digests of the data the caller means to store. When set, the store verifies the data
  // against them before it becomes visible (S3: Content-MD5 and x-amz-content-sha256); a
  // mismatch fails with Corrupt and stores nothing.
  std::optional<ByteArray<16>> content_md5;
  std::optional<ByteArray<32>> sha256;
};

struct PutResult {
  std::string etag;
};

struct GetOptions {
  // Read only if the object's etag equals this (S3 If-Match); otherwise PreconditionFailed.
  // A missing object is NotFound either way (S3 answers 404 before evaluating If-Match).
  std::optional<std::string> if_match;
};

struct Object {
  Bytes data;
  std::string etag;
  std::uint64_t size = 0;  // == data.size()
};

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string etag;
  std::chrono::system_clock::time_point last_modified;
};

struct ListOptions {
  // Only keys that start with prefix (validate_prefix()); empty lists everything.
  std::string prefix;
  // Only keys strictly greater (byte order) than this; ignored when continuation_token is set.
  std::string start_after;
  // From ListPage::next_continuation_token of the previous page; opaque; empty on page one.
  std::string continuation_token;
  // At most this many keys per page: 1..1000 (larger values are treated as 1000, as S3 does;
  // 0 fails with InvalidArgument).
  std::uint32_t max_keys = 1000;
};

struct ListEntry {
  std::string key;
  ObjectInfo info;
};

struct ListPage {
  std::vector<ListEntry> objects;       // ascending byte order of key, no duplicates
  std::string next_continuation_token;  // non-empty exactly when truncated
  bool truncated = false;               // more keys follow; ask again with the token
};

struct KeyError {
  std::string key;
  Error error;
};

struct RemoveManyResult {
  std::vector<KeyError> errors;  // keys that could not be removed; empty on full success
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores data under key, replacing any object there (unless options.create_only). The new
  // object is visible whole or not at all: a reader never sees part of it, and a crash
  // during put leaves either the old object or the new one.
  // Errors: InvalidKey, PreconditionFailed (create_only), Corrupt (digest mismatch), and the
  // backend's own (Io, AccessDenied, Throttled, Transient, Protocol).
  [[nodiscard]] virtual Result<PutResult> put(std::string_view key, ByteSpan data,
                                              const PutOptions& options = {}) = 0;

  // The whole object. Errors: InvalidKey, NotFound, PreconditionFailed (if_match), Corrupt
  // (stored content fails its digest, where the backend can tell), backend errors.
  [[nodiscard]] virtual Result<Object> get(std::string_view key,
                                           const GetOptions& options = {}) = 0;

  // Size, etag and modification time, without the data. Errors: InvalidKey, NotFound, ...
  [[nodiscard]] virtual Result<ObjectInfo> head(std::string_view key) = 0;

  // Removes the object. Idempotent: a missing key is success, as in S3.
  [[nodiscard]] virtual Result<void> remove(std::string_view key) = 0;

  // Removes up to kMaxKeysPerCall keys (more: InvalidArgument, nothing removed). Missing keys
  // count as removed. Keys that fail (including InvalidKey) are listed in the result; the
  // call itself fails only when the whole request fails.
  [[nodiscard]] virtual Result<RemoveManyResult> remove_many(
      const std::vector<std::string>& keys) = 0;

  // One page of keys in ascending byte order. Keys written or removed while paging may or
  // may not appear; keys present throughout appear exactly once across the pages.
  // Errors: InvalidArgument (max_keys 0, bad prefix or token), backend errors.
  [[nodiscard]] virtual Result<ListPage> list(const ListOptions& options) = 0;
};

}  // namespace ev::s3
