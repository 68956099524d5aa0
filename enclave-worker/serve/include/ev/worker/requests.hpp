// Parsers of the serve API's untrusted request parts (docs/api.md): bodies and path segments.
// Every failure is WorkerErrc::BadRequest (or TooLarge) with a message fit for the client.
#pragma once

#include <string>
#include <string_view>

#include "ev/chain/keys.hpp"
#include "ev/common/base64.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/enclave/secret_bytes.hpp"
#include "ev/vault/types.hpp"

namespace ev::worker {

struct ChallengeRequest {
  vault::AccountId wallet{};
  vault::AccountId agent{};
};
// {"wallet": "<ss58 | 0x hex>", "agent": "<ss58 | 0x hex>"}
[[nodiscard]] Result<ChallengeRequest> parse_challenge_request(std::string_view body);

struct TokenRequest {
  std::string challenge_id;
  chain::Scheme scheme = chain::Scheme::Ed25519;
  Bytes signature;
};
// {"challenge_id": "...", "scheme": "sr25519" | "ed25519" | "ecdsa", "signature": "0x..."}.
[[nodiscard]] Result<TokenRequest> parse_token_request(std::string_view body);

// {"data": "<base64>"} → the credential, decoded straight into locked, wiped memory.
// Errors: BadRequest, TooLarge (over enclave::kMaxCredentialSize).
[[nodiscard]] Result<enclave::SecretBytes> parse_put_request(std::string_view body);

// The optional fields of a PUT body besides "data": {"readers": ["<ss58 | 0x hex>", ...]}
// restricts the credential to those agents (at most 16; absent or empty: every agent whose
// grant covers the service).
struct PutExtras {
  vault::ReaderList readers;
};
[[nodiscard]] Result<PutExtras> parse_put_extras(std::string_view body);

// A credential name path segment: 1..64 characters of [a-z0-9._@-].
[[nodiscard]] Result<vault::CredentialName> parse_credential_name(std::string_view segment);

// Path segments: a wallet (SS58 or 0x + 64 hex) and a service name.
[[nodiscard]] Result<vault::AccountId> parse_wallet(std::string_view segment);
[[nodiscard]] Result<vault::ServiceName> parse_service(std::string_view segment);

// Standard base64 with padding: the project's one copy (ev/common/base64.hpp).
using ev::base64;

}  // namespace ev::worker
