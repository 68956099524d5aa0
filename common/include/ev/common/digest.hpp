// SHA-256 and HMAC-SHA256 (OpenSSL), shared by the chain client, the store and the worker.
#pragma once

#include <filesystem>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev {

[[nodiscard]] ByteArray<32> sha256(ByteSpan data);
[[nodiscard]] ByteArray<32> hmac_sha256(ByteSpan key, ByteSpan data);
// SHA-384 of a whole file (the simulated platform's measurement of an executable).
// Errors: CommonErrc::Io (cannot open or read, with the reason), CommonErrc::InvalidArgument
// (the digest could not be computed).
[[nodiscard]] Result<ByteArray<48>> sha384_file(const std::filesystem::path& path);

}  // namespace ev
