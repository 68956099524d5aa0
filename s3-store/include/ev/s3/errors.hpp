// Errors of the object store (domain "store"), shared by every ObjectStore implementation.
//
// Retry hints: Throttled and Transient errors may carry the delay the server asked for
// (HTTP Retry-After, or a back-off the implementation chose). The delay is written at the end
// of the error's message as "[retry after N ms]", so it survives EV_TRY_CTX (which only
// prefixes) and reads well in logs; retry_after() parses it back. Build such errors with
// make_retry_error(), never by hand.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "ev/common/result.hpp"

namespace ev::s3 {

enum class Errc {
  NotFound = 1,        // no object under the key (S3 404 NoSuchKey)
  PreconditionFailed,  // create_only on an existing key, or if_match mismatch (S3 412)
  AccessDenied,        // credentials, signature or policy refused (S3 403)
  Throttled,           // the store asks us to slow down (S3 503 SlowDown, 429); retry later
  Transient,           // network failure or server-side 5xx; the same call may succeed later
  Corrupt,             // a digest does not match: sent content (BadDigest) or stored content
  InvalidKey,          // the key fails validate_key() or a backend limit on keys
  InvalidArgument,     // bad options: max_keys 0, more than 1000 keys, unknown token, ...
  Io,                  // local file-system error (directory store)
  Protocol,            // the peer answered something unexpected or unparseable
  Unsupported,         // the backend does not implement a feature (S3 501)
};

// True for Throttled and Transient: the identical call may succeed if retried.
[[nodiscard]] bool is_retryable(const Error& e);

// A Throttled or Transient error whose message ends with "[retry after N ms]".
// REQUIRES: e is Throttled or Transient; delay >= 0.
[[nodiscard]] Error make_retry_error(Errc e, std::chrono::milliseconds delay,
                                     std::string_view detail);

// The delay carried by a retryable "store" error, or nullopt (not retryable, or no hint:
// the caller then uses its own back-off).
[[nodiscard]] std::optional<std::chrono::milliseconds> retry_after(const Error& e);

}  // namespace ev::s3

namespace ev {
template <>
struct ErrorTraits<s3::Errc> {
  static constexpr std::string_view domain = "store";
  static std::string_view message(s3::Errc e);
};
}  // namespace ev
