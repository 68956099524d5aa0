// Errors of the enclave workers (epochvault-serve, epochvault-rotate). The serve API maps them
// to HTTP statuses (docs/api.md, "Errors").
#pragma once

#include <string_view>

#include "ev/common/result.hpp"

namespace ev::worker {

enum class WorkerErrc {
  BadRequest = 1,  // malformed or out-of-range input from a client
  Unauthorized,    // missing, unknown, forged or expired token or challenge
  Forbidden,       // authenticated, but not allowed (wallet mismatch, no or revoked grant)
  NotFound,        // no such credential or route
  TooLarge,        // body or credential over its limit
  Integrity,       // a stored object does not match the chain or fails authentication
  Unavailable,     // chain or store trouble; nothing half-written is referenced
  Rejected,        // the chain refused a call (the pallet error follows)
  Config,          // bad configuration or command line
};

}  // namespace ev::worker

namespace ev {
template <>
struct ErrorTraits<worker::WorkerErrc> {
  static constexpr std::string_view domain = "worker";
  static std::string_view message(worker::WorkerErrc e);
};
}  // namespace ev
