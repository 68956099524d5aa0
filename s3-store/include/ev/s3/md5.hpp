// MD5, for S3 ETags and Content-MD5 only (integrity against accidents, not attackers; the
// project's integrity hashes are SHA-256).
#pragma once

#include <string>

#include "ev/common/bytes.hpp"

namespace ev::s3 {

[[nodiscard]] ByteArray<16> md5(ByteSpan data);

// The ETag S3 gives a single-part object: lowercase hex MD5 of its content, unquoted.
[[nodiscard]] std::string etag_of(ByteSpan data);

}  // namespace ev::s3
