// Errors of the enclave module (platform, sealing, keys, DEKs, envelope).
#pragma once

#include <string_view>

#include "ev/common/result.hpp"

namespace ev::enclave {

enum class Errc {
  InvalidArgument = 1,  // a caller-supplied value is out of range (path, service name, sizes)
  Io,                   // a file could not be read, written, synced or renamed
  InsecureFile,         // platform secret readable by others, wrong size, or not a regular file
  Malformed,            // stored bytes do not parse (offset and field in the message)
  Unsupported,          // unknown format version or algorithm
  PolicyRefused,        // sealed under another measurement / signer, or below the version floor
  AuthFailed,           // AEAD tag or signature does not verify: tampered or wrong key / context
  ContextMismatch,      // epoch or DEK id in the stored object differs from the caller's
  Crypto,               // the crypto library failed (allocation, RNG, an unexpected refusal)
  NonceLimit,           // a key reached its message bound (docs/enclave.md, "Nonce bound")
  Device,               // a TEE device refused a request or answered with an error
  Conflict,             // another writer changed a configfs-tsm request while it was read
};

}  // namespace ev::enclave

namespace ev {
template <>
struct ErrorTraits<enclave::Errc> {
  static constexpr std::string_view domain = "enclave";
  static std::string_view message(enclave::Errc e);
};
}  // namespace ev
