// The S3 wire formats the client reads and writes, as pure functions: the XML bodies of
// ListObjectsV2 (ListBucketResult), DeleteObjects (Delete / DeleteResult) and error responses
// (Error), and the text fields inside them and in headers (ETag, ISO 8601 and HTTP dates,
// percent-encoding). Reference: the S3 API Reference; overview in docs/s3-store.md ("S3 client").
//
// Every parser takes untrusted bytes and is strict and bounded: documents larger than
// kMaxXmlBytes, with a DOCTYPE, more than one root element, another root element, a repeated
// single-valued field, a missing required field, elements where text is expected, or a value
// that does not parse fail with Errc::Protocol and a message naming the field (e.g.
// "ListBucketResult/Contents[3]/Size: '12x' is not a decimal size"). Unknown elements are
// ignored (servers add their own, e.g. RGW's <Type>). Nothing here throws or reads past input.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ev/common/result.hpp"
#include "ev/s3/errors.hpp"

namespace ev::s3::xml {

// Largest XML body accepted (a ListBucketResult of 1,000 keys of 1,024 bytes, encoded, is
// well below it).
inline constexpr std::size_t kMaxXmlBytes = 16u << 20;
// Most <Contents> per ListBucketResult and <Deleted>+<Error> per DeleteResult (S3's page size).
inline constexpr std::size_t kMaxEntries = 1000;

// <Error><Code/><Message/><RequestId/><Key/></Error>; Code is required and non-empty.
struct ErrorBody {
  std::string code;
  std::string message;
  std::string request_id;
  std::string key;
};
[[nodiscard]] Result<ErrorBody> parse_error(std::string_view body);

struct ListedObject {
  std::string key;  // decoded when EncodingType is "url"
  std::uint64_t size = 0;
  std::string etag;  // without quotes
  std::chrono::system_clock::time_point last_modified;
};

struct ListBucketResult {
  std::string prefix;  // decoded when EncodingType is "url"
  bool truncated = false;
  std::string next_continuation_token;  // opaque, never decoded
  std::vector<ListedObject> contents;   // in document order
  std::size_t common_prefixes = 0;      // counted, not kept (no delimiter is ever sent)
};

// A ListObjectsV2 answer. Required: IsTruncated ("true"/"false"); per Contents: Key
// (non-empty), LastModified (ISO 8601), ETag, Size. When EncodingType is present it must be
// "url"; Key and Prefix are then percent-decoded (decode_url_component, '+' as a space).
// KeyCount, when present, must equal Contents + CommonPrefixes. IsTruncated true requires a
// non-empty NextContinuationToken.
[[nodiscard]] Result<ListBucketResult> parse_list_objects_v2(std::string_view body);

struct DeleteError {
  std::string key;
  std::string code;
  std::string message;
};

struct DeleteResult {
  std::vector<std::string> deleted;  // keys the server reports removed (none when Quiet)
  std::vector<DeleteError> errors;   // Key and Code required
};
[[nodiscard]] Result<DeleteResult> parse_delete_result(std::string_view body);

// True when every character of key can appear in an XML 1.0 document (it excludes U+FFFE,
// U+FFFF and controls other than tab, LF, CR). REQUIRES: key is valid UTF-8.
[[nodiscard]] bool xml_representable(std::string_view key);

// The DeleteObjects request body for keys (escaped):
//   <?xml version="1.0" encoding="UTF-8"?>
//   <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>
//   <Object><Key>k</Key></Object>...</Delete>
// REQUIRES: 1..kMaxEntries keys, each xml_representable().
[[nodiscard]] std::string delete_request(std::span<const std::string> keys, bool quiet);

// --- text fields ------------------------------------------------------------------------

// An ETag without its surrounding double quotes ("\"abc\"" -> "abc"); other text unchanged.
[[nodiscard]] std::string unquote_etag(std::string_view etag);

// "2026-11-21T16:44:53.524Z": date, time, optional fraction (1-9 digits, truncated to
// microseconds), "Z". Calendar-checked, years 1970..2200; anything else is Protocol.
[[nodiscard]] Result<std::chrono::system_clock::time_point> parse_iso8601(std::string_view text);

// IMF-fixdate (RFC 9110 §5.6.7), the form S3 uses in Last-Modified and Date:
// "Sun, 06 Nov 1994 08:49:37 GMT". Calendar-checked, years 1970..2200; the obsolete forms are
// refused.
[[nodiscard]] Result<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

// Percent-decoding of an encoding-type=url field: %XX (either case) becomes the byte, '+'
// becomes a space, everything else is itself. Protocol for a truncated or non-hex escape.
[[nodiscard]] Result<std::string> decode_url_component(std::string_view text);

}  // namespace ev::s3::xml
