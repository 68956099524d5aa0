// Key derivation from the master seed (docs/enclave.md, "Key derivation"):
//   prk      = HKDF-Extract(salt = "epochvault/kdf/v1", ikm = master seed)       (SHA-256)
//   key(p)   = HKDF-Expand(prk, info = "epochvault/key:" ‖ p, 32)
// A path p is one or more segments joined by '/', each of [a-z0-9_-]+, the last one a
// version "v<digits>" (no leading zero): "shielding/v1".
#pragma once

#include <string_view>

#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"
#include "ev/enclave/master_seed.hpp"

namespace ev::enclave {

inline constexpr std::string_view kShieldingPath = "shielding/v1";
using Key256 = Secret<32>;

// Errors: InvalidArgument (path syntax, with the offset), Crypto.
[[nodiscard]] Result<void> validate_key_path(std::string_view path);
[[nodiscard]] Result<Key256> derive_key(const MasterSeed& seed, std::string_view path);
// derive_key(seed, kShieldingPath).
[[nodiscard]] Result<Key256> shielding_key(const MasterSeed& seed);

}  // namespace ev::enclave
