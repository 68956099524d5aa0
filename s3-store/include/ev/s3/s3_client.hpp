// S3Client: the ObjectStore over the S3 REST API (AWS S3, Ceph RGW, MinIO), the credential
// sources it reads, and open_store() for store URLs. Design notes: docs/s3-store.md ("S3 client").
//
// Requests are signed with SigV4 in the Authorization header (sigv4.hpp) with a plain payload
// and its hex SHA-256 in x-amz-content-sha256 (never aws-chunked). Every PUT carries
// Content-MD5, so the server checks the bytes it stores. Path-style ("/bucket/key") and
// virtual-hosted-style ("Host: bucket.endpoint-host") addressing, HTTP and HTTPS.
//
// Retries: Throttled and Transient failures (503 SlowDown, 429, other 5xx, 400 RequestTimeout,
// 409 ConditionalRequestConflict, connection failures and resets, timeouts) are retried up to
// RetryPolicy::max_attempts times in all, sleeping a full-jitter exponential back-off between
// tries, or the server's Retry-After when it sends one (capped at max_retry_after). When the
// attempts are used up the last error is returned, carrying the retry hint (retry_after()).
// A create_only put is retried too, but once an attempt has failed in a way that may have
// stored the object (the request may have reached the server), a later 412 is ambiguous: it
// may be our own earlier write. The client then HEADs the key and reports success when the
// stored ETag equals the MD5 of our data (the object is ours, or byte-identical to ours), and
// PreconditionFailed otherwise. A create_only put that finally fails with Transient or
// Throttled may nonetheless have stored the object; a caller that repeats it should treat a
// PreconditionFailed the same way (head() and compare the etag).
//
// Integrity: get() recomputes the MD5 of a single-part object and fails with Corrupt when it
// differs from the ETag (multipart ETags, "<hex>-<n>", are not checked).
//
// Thread safety: an S3Client is safe for concurrent use by any number of threads; at most
// S3Config::max_connections requests are in flight at once (others wait), each on its own
// keep-alive connection from a small pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ev/common/base64.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/clock.hpp"
#include "ev/common/result.hpp"
#include "ev/s3/object_store.hpp"
#include "ev/s3/sigv4.hpp"

namespace ev::s3 {

// --- Seams: time, sleeping and randomness are injected so tests are deterministic --------

// The project-wide clock seam (ev/common/clock.hpp).
using Clock = ev::Clock;

class Sleeper {
 public:
  virtual ~Sleeper() = default;
  virtual void sleep_for(std::chrono::milliseconds duration) = 0;
};

// Implementations must be safe for concurrent calls.
class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed integer in [0, bound].
  virtual std::uint64_t uniform(std::uint64_t bound) = 0;
};

// The real ones (process-wide, thread-safe).
[[nodiscard]] Clock& system_clock();
[[nodiscard]] Sleeper& thread_sleeper();
[[nodiscard]] Random& system_random();

// --- Configuration ------------------------------------------------------------------------

enum class AddressingStyle {
  Path,           // http://host:port/bucket/key
  VirtualHosted,  // http://bucket.host:port/key (Host: bucket.host:port)
};

struct RetryPolicy {
  int max_attempts = 5;                              // tries per call, the first included: 1..20
  std::chrono::milliseconds base_delay{25};          // back-off before the first retry, at most
  std::chrono::milliseconds max_delay{2000};         // cap of the exponential back-off
  std::chrono::milliseconds max_retry_after{20000};  // cap on a server's Retry-After
};

struct S3Config {
  // "http://host[:port]" or "https://host[:port]", nothing after the authority but an
  // optional "/". Host names "localhost" and "*.localhost" are connected to 127.0.0.1
  // without a DNS lookup (RFC 6761 §6.3), so virtual-hosted style works on loopback.
  std::string endpoint;
  std::string bucket;  // 3..63 of [a-z0-9.-], starting and ending with a letter or digit
  // "" or a prefix ending in '/' ("tenant/a/"): added to every key, stripped from listed keys,
  // invisible to the caller. Key limits apply to the whole key.
  std::string key_prefix;
  std::string region = "us-east-1";
  AddressingStyle style = AddressingStyle::Path;
  sigv4::Credentials credentials;
  RetryPolicy retry;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds io_timeout{30000};  // each socket read or write
  std::size_t max_connections = 8;              // 1..256
  std::uint64_t max_object_bytes = 1ull << 30;  // a larger GET fails with Protocol
  bool verify_tls = true;                       // HTTPS: verify the server's certificate
  std::string ca_file;                          // HTTPS: trust these PEM roots (else system's)
  // Not owned; must outlive the client. Null: system_clock(), thread_sleeper(), system_random().
  Clock* clock = nullptr;
  Sleeper* sleeper = nullptr;
  Random* random = nullptr;
};

struct S3ClientStats {
  std::uint64_t attempts = 0;  // HTTP requests sent (or tried)
  std::uint64_t retries = 0;   // attempts after the first of a call
};

class S3Client final : public ObjectStore {
 public:
  // Checks the configuration (InvalidArgument naming the field); opens no connection.
  [[nodiscard]] static Result<std::unique_ptr<S3Client>> create(S3Config config);
  ~S3Client() override;

  [[nodiscard]] Result<PutResult> put(std::string_view key, ByteSpan data,
                                      const PutOptions& options = {}) override;
  [[nodiscard]] Result<Object> get(std::string_view key, const GetOptions& options = {}) override;
  [[nodiscard]] Result<ObjectInfo> head(std::string_view key) override;
  [[nodiscard]] Result<void> remove(std::string_view key) override;
  [[nodiscard]] Result<RemoveManyResult> remove_many(const std::vector<std::string>& keys) override;
  [[nodiscard]] Result<ListPage> list(const ListOptions& options) override;

  [[nodiscard]] S3ClientStats stats() const;

 private:
  struct Impl;
  explicit S3Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// --- Pure pieces of the protocol (exposed for tests) --------------------------------------

// An S3 error answer: the HTTP status and, when the body was an <Error> document, its code and
// message. request names the call for the message ("PUT 'a/b'").
struct S3ErrorResponse {
  int status = 0;  // 0: no HTTP status (a per-key error inside a DeleteResult)
  std::string code;
  std::string message;
  std::string request_id;
  std::string request;
  std::optional<std::chrono::milliseconds> retry_after;
};

// The Errc for an S3 error (docs/s3-store.md, "Errors"):
//   403 (AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyId, ...) -> AccessDenied
//   404 NoSuchKey (or no body) -> NotFound;  412 -> PreconditionFailed
//   400 BadDigest, InvalidDigest, XAmzContentSHA256Mismatch -> Corrupt
//   503 SlowDown, 429 -> Throttled;  501 NotImplemented -> Unsupported
//   other 5xx, 400 RequestTimeout, 409 ConditionalRequestConflict -> Transient
//   400 InvalidArgument -> InvalidArgument;  anything else -> Protocol.
// The message reads "<human errc>: <Code>[: <Message>] (HTTP <status> on <request>, request id
// <id>)", e.g. "access denied: SignatureDoesNotMatch (HTTP 403 on PUT 'k', request id tx1)".
// Throttled and Transient errors carry retry_after as the retry hint when it is set.
[[nodiscard]] Error map_s3_error(const S3ErrorResponse& response);

// Retry-After: delta-seconds ("120") or an HTTP date (relative to now; past dates are 0).
// nullopt when the value is neither.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now);

// Full-jitter exponential back-off before retry number `retry` (1 = the first retry):
// uniform in [0, min(max_delay, base_delay * 2^(retry-1))] milliseconds.
[[nodiscard]] std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry,
                                                      Random& random);

// Standard base64 with padding (Content-MD5): the project's one copy.
using ev::base64;

// --- Credentials --------------------------------------------------------------------------

// Environment look-up, injected for tests; process_environment() reads getenv().
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
[[nodiscard]] EnvLookup process_environment();

// Settings given explicitly (command-line flags, configuration); each wins over the
// environment.
struct CredentialOptions {
  std::string access_key_id;  // with secret_access_key, used as they are
  std::string secret_access_key;
  std::string session_token;
  std::string profile;           // "" -> $AWS_PROFILE -> "default"
  std::string credentials_file;  // "" -> $AWS_SHARED_CREDENTIALS_FILE -> $HOME/.aws/credentials
};

struct ResolvedCredentials {
  sigv4::Credentials credentials;
  std::string source;  // "options", "environment" or "profile 'p' in <file>" (never secrets)
};

// The first source that has credentials:
//   1. options.access_key_id + secret_access_key (+ session_token);
//   2. options.profile, when given: that profile of the shared file (it must exist);
//   3. AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN);
//   4. the profile $AWS_PROFILE or "default" of the shared credentials file.
// Errors (InvalidArgument, naming the variable, file, line or profile, never a secret): half a
// key pair in options or the environment, a session token without keys, a file that does not
// parse, a named profile that is absent or lacks a key, and no source at all.
[[nodiscard]] Result<ResolvedCredentials> resolve_credentials(const CredentialOptions& options,
                                                              const EnvLookup& env);

// The keys of one profile of a shared credentials file (INI): "[name]" sections and
// "key = value" lines; blank lines and lines starting with '#' or ';' are ignored; CRLF is
// accepted. Strict: a line that is neither, a key outside a section, a repeated section or
// key, an indented continuation line, a file over 1 MiB, or a profile without both
// aws_access_key_id and aws_secret_access_key (aws_session_token optional) is an
// InvalidArgument naming file_name and the line. Other keys (region, ...) are allowed and
// ignored.
[[nodiscard]] Result<sigv4::Credentials> parse_shared_credentials(std::string_view text,
                                                                  std::string_view profile,
                                                                  std::string_view file_name);

// --- Store URLs ---------------------------------------------------------------------------

struct S3Url {
  std::string bucket;
  std::string key_prefix;  // "" or ends with '/'
  std::string endpoint;    // "" when the URL names none (AWS: https://s3.<region>.amazonaws.com)
  std::string region;      // "" when the URL names none
  std::optional<AddressingStyle> style;
  std::string profile;  // "" when the URL names none
};

// Parses "s3://bucket[/prefix][?endpoint=URL&region=R&style=path|virtual&profile=P]". Query
// values are percent-decoded; unknown, repeated or empty parameters are InvalidArgument.
[[nodiscard]] Result<S3Url> parse_s3_url(std::string_view url);

struct StoreOptions {
  CredentialOptions credentials;  // explicit credentials; the URL's profile fills profile
  EnvLookup env;                  // null: process_environment()
  // Applied to S3 stores; endpoint, bucket, key_prefix, region, style and credentials come
  // from the URL and the credential sources.
  S3Config s3;
};

// Opens the store a URL names:
//   file:///abs/dir  -> DirectoryStore::open("/abs/dir") (percent-decoded; no host, no query)
//   s3://bucket[/prefix]?endpoint=http://127.0.0.1:PORT&region=us-east-1&style=path|virtual
//                    -> S3Client. Region: the URL, else $AWS_REGION, $AWS_DEFAULT_REGION,
//                       "us-east-1". Style: the URL, else path with an endpoint, virtual for AWS.
//                       Credentials: resolve_credentials().
// InvalidArgument for anything else. Opens no connection.
[[nodiscard]] Result<std::unique_ptr<ObjectStore>> open_store(std::string_view url);
[[nodiscard]] Result<std::unique_ptr<ObjectStore>> open_store(std::string_view url,
                                                              const StoreOptions& options);

}  // namespace ev::s3
