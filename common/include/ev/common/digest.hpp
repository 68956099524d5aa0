// SHA-256 and HMAC-SHA256 (OpenSSL), shared by the chain client, the store and the worker.
#pragma once

#include "ev/common/bytes.hpp"

namespace ev {

[[nodiscard]] ByteArray<32> sha256(ByteSpan data);
[[nodiscard]] ByteArray<32> hmac_sha256(ByteSpan key, ByteSpan data);

}  // namespace ev
