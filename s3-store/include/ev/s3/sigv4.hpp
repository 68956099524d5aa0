// AWS Signature Version 4 (AWS4-HMAC-SHA256) as pure functions, one per step of the
// specification, with S3's rules: the path is percent-encoded once and never normalised
// ("a//b/../c" is signed as written), and x-amz-content-sha256 is sent and signed.
//
// Every input is passed in, the request time included (Scope::amz_date): nothing here reads
// a clock, the environment or the network. Known answers: the botocore and aws-c-auth suites
// (s3-store/tests/conformance/sigv4_vectors_test.cpp) and the examples of the S3 API
// reference (s3-store/tests/sigv4_test.cpp). Overview: docs/s3-store.md.
//
// Text inputs are the decoded (raw) forms: an object key "a b/c$d" is passed as the path
// "/bucket/a b/c$d" and the signer encodes it. The signer never decodes.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"
#include "ev/s3/errors.hpp"

namespace ev::s3::sigv4 {

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
// Payload hash for a body that is not hashed (S3 accepts it over TLS and in presigned URLs).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// Longest validity of a presigned URL (7 days).
inline constexpr std::int64_t kMaxPresignSeconds = 604800;

struct Header {
  std::string name;
  std::string value;
};

struct QueryParam {
  std::string name;   // decoded
  std::string value;  // decoded; "" for "?name" and "?name="
};

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;  // never logged; wiped when the struct is destroyed
  std::string session_token;      // temporary credentials (STS); empty for long-term keys
  ~Credentials();
};

struct Scope {
  std::string amz_date;  // request time "YYYYMMDDTHHMMSSZ" (UTC), e.g. from amz_date(now)
  std::string region;    // "us-east-1"
  std::string service;   // "s3"
};

struct Request {
  std::string method;             // "GET", "PUT", ...
  std::string path;               // decoded; starts with '/', or empty for "/"
  std::vector<QueryParam> query;  // any order
  std::vector<Header> headers;    // every header to sign, host included; any order and case
};

// --- Steps ------------------------------------------------------------------------------

// Percent-encodes every byte except the unreserved A-Z a-z 0-9 '-' '.' '_' '~' (and '/'
// when keep_slash), as %XX with upper-case hex. Never decodes: "%41" becomes "%2541".
[[nodiscard]] std::string uri_encode(std::string_view s, bool keep_slash);

// The canonical URI of a decoded path: uri_encode(path, keep '/'), "/" for an empty path.
// No normalisation (S3): "//a/./b/.." stays as it is.
[[nodiscard]] std::string canonical_uri(std::string_view path);

// Names and values encoded (uri_encode, '/' encoded), sorted by encoded name then encoded
// value, joined as "n1=v1&n2=v2"; a parameter without a value is "n=". Also a valid query
// string to send.
[[nodiscard]] std::string canonical_query_string(std::span<const QueryParam> params);

// A header value with leading and trailing spaces and tabs removed and every run of spaces
// and tabs inside collapsed to one space.
[[nodiscard]] std::string canonical_header_value(std::string_view value);

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per distinct name, sorted by lowercase name
  std::string signed_headers;  // "host;x-amz-date"
};

// Lowercases names, canonicalises values, joins the values of a repeated name with ','
// (in the order given) and sorts by name. InvalidArgument for an empty or non-token name
// (RFC 9110 tchar) and for a value holding CR, LF or NUL.
[[nodiscard]] Result<CanonicalHeaders> canonical_headers(std::span<const Header> headers);

// method \n canonical_uri \n canonical_query \n block \n signed_headers \n payload_hash
[[nodiscard]] std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                                            std::string_view canonical_query,
                                            const CanonicalHeaders& headers,
                                            std::string_view payload_hash);

// OK when the scope is usable: amz_date is "YYYYMMDDTHHMMSSZ" with a valid calendar date and
// time, region and service are non-empty printable ASCII without '/' or spaces.
[[nodiscard]] Result<void> validate_scope(const Scope& scope);

// "YYYYMMDD/region/service/aws4_request". REQUIRES: validate_scope(scope).
[[nodiscard]] std::string credential_scope(const Scope& scope);

// "AWS4-HMAC-SHA256\n" amz_date "\n" credential_scope "\n" hex(sha256(canonical_request)).
// REQUIRES: validate_scope(scope).
[[nodiscard]] std::string string_to_sign(const Scope& scope, std::string_view canonical_request);

// HMAC chain: "AWS4"+secret → date → region → service → "aws4_request". The key is valid for
// one (day, region, service) and may be cached for that long. REQUIRES: validate_scope(scope).
[[nodiscard]] Secret<32> signing_key(std::string_view secret_access_key, const Scope& scope);

// Lowercase hex HMAC-SHA256(signing_key, string_to_sign).
[[nodiscard]] std::string signature(const Secret<32>& signing_key, std::string_view string_to_sign);

// "AWS4-HMAC-SHA256 Credential=<id>/<scope>, SignedHeaders=<list>, Signature=<hex>"
[[nodiscard]] std::string authorization_header(std::string_view access_key_id, const Scope& scope,
                                               std::string_view signed_headers,
                                               std::string_view signature);

// Lowercase hex SHA-256, the payload hash of a body.
[[nodiscard]] std::string hex_sha256(ByteSpan data);

// "YYYYMMDDTHHMMSSZ" of a UTC time point (whole seconds, truncated).
[[nodiscard]] std::string amz_date(std::chrono::system_clock::time_point t);

// --- Whole requests ---------------------------------------------------------------------

struct HeaderSigningOptions {
  // Lowercase hex SHA-256 of the body (hex_sha256), or kUnsignedPayload.
  std::string payload_hash;
  // Add and sign x-amz-content-sha256: payload_hash (S3 requires it; the generic AWS suites
  // do not send it).
  bool add_content_sha256 = true;
  // With a session token: sign x-amz-security-token (S3 and most services). When false the
  // header is still added but after signing, outside SignedHeaders.
  bool sign_session_token = true;
};

struct HeaderSignature {
  // Headers to add to the request, in this order: x-amz-date, x-amz-content-sha256,
  // x-amz-security-token (each only if the request lacks it), then Authorization.
  std::vector<Header> headers;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
  std::string authorization;  // the value of the Authorization header
};

// Signs request with the Authorization header. The request may already carry x-amz-date,
// x-amz-content-sha256 or x-amz-security-token; each must then equal what the signer would
// add. InvalidArgument for: a bad scope, credentials without id or secret, an empty or
// non-token method, a path not starting with '/', a malformed payload hash, a missing host
// header, an Authorization header, invalid headers, or a conflicting header.
[[nodiscard]] Result<HeaderSignature> sign_headers(const Request& request,
                                                   const Credentials& credentials,
                                                   const Scope& scope,
                                                   const HeaderSigningOptions& options);

struct PresignOptions {
  std::int64_t expires_seconds = 3600;  // 1..kMaxPresignSeconds
  std::string payload_hash = std::string(kUnsignedPayload);
  // With a session token: put X-Amz-Security-Token in the signed query (S3). When false it is
  // appended after signing.
  bool sign_session_token = true;
};

struct Presignature {
  // Parameters to append to the request's own (decoded): X-Amz-Algorithm, X-Amz-Credential,
  // X-Amz-Date, X-Amz-Expires, X-Amz-Security-Token (when present), X-Amz-SignedHeaders,
  // X-Amz-Signature. canonical_query_string(request.query + these) is the URL's query.
  std::vector<QueryParam> query;
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

// Signs request in the query string (a presigned URL); the request's headers (host at
// least) are signed and must be sent as they are. Errors as sign_headers(), plus
// InvalidArgument for expires_seconds out of range and for X-Amz-* signing parameters
// already in the query.
[[nodiscard]] Result<Presignature> presign(const Request& request, const Credentials& credentials,
                                           const Scope& scope, const PresignOptions& options);

}  // namespace ev::s3::sigv4
