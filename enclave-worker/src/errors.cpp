#include "ev/enclave/errors.hpp"

namespace ev {

std::string_view ErrorTraits<enclave::Errc>::message(enclave::Errc e) {
  using enclave::Errc;
  switch (e) {
    case Errc::InvalidArgument: return "invalid argument";
    case Errc::Io: return "I/O error";
    case Errc::InsecureFile: return "insecure file";
    case Errc::Malformed: return "malformed data";
    case Errc::Unsupported: return "unsupported format";
    case Errc::PolicyRefused: return "sealing policy refused";
    case Errc::AuthFailed: return "authentication failed";
    case Errc::ContextMismatch: return "context mismatch";
    case Errc::Crypto: return "crypto library failure";
    case Errc::NonceLimit: return "nonce limit reached";
    case Errc::Device: return "TEE device error";
    case Errc::Conflict: return "concurrent attestation request";
  }
  return "unknown enclave error";
}

}  // namespace ev
