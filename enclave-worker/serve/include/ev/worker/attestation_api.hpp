// Seed 001's attestation API on epochvault-serve (docs/api.md, "Attestation API"; binding in
// docs/formats/attestation.md, "Attestation API"): POST /attestation and GET /health.
//
// Pure functions: the request parser, the user_data and report-data binding, and the response
// bodies. The server (serve.cpp) supplies the clock, the enclave's attestation and its counts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::worker {

// The largest nonce a client may send (decoded bytes).
inline constexpr std::size_t kMaxAttestationNonce = 256;

// A client nonce, decoded: hex (an even number of hex digits), else base64 (canonical, padded),
// else the string's own UTF-8 bytes.
struct ClientNonce {
  Bytes bytes;
  std::string encoding;  // "hex", "base64", "plain", or "none" (absent or empty)
};
[[nodiscard]] ClientNonce decode_client_nonce(std::string_view text);

struct AttestationRequest {
  ClientNonce nonce;
  bool include_metadata = true;
  std::optional<nlohmann::json> custom_data;  // any JSON value
};

// Parses the body of POST /attestation: an object with optional "nonce" (string),
// "include_metadata" (bool, default true) and "custom_data" (any JSON). An empty body is {}.
// Errors: BadRequest (not JSON, not an object, a field of the wrong type, nonce too long).
[[nodiscard]] Result<AttestationRequest> parse_attestation_request(std::string_view body);

// The canonical form custom_data is digested in: JSON without whitespace, object members sorted
// by the bytes of their keys, strings in UTF-8 with only the escapes JSON requires.
[[nodiscard]] std::string canonical_json(const nlohmann::json& v);

// What the attestation binds besides the worker's identity.
struct UserDataInputs {
  std::int64_t now = 0;  // Unix seconds
  std::string worker;    // account, 0x-hex
  std::string role;      // "serve"
  std::string measurement;
  std::string genesis;  // the chain's genesis hash, 0x-hex
  std::string platform;
  const AttestationRequest* request = nullptr;
};
// The user_data object of the response (timestamp, nonce, custom_digest, ...).
[[nodiscard]] nlohmann::json attestation_user_data(const UserDataInputs& in);

// The nonce inside the report-data commitment (purpose "session"): SHA-256 of the canonical
// user_data. A verifier recomputes it from the user_data it received.
[[nodiscard]] ByteArray<32> user_data_binding(const nlohmann::json& user_data);

// RFC 3339 UTC with seconds: "2026-01-30T12:00:00Z".
[[nodiscard]] std::string rfc3339_utc(std::int64_t unix_seconds);

struct AttestationReply {
  const nlohmann::json* user_data = nullptr;
  std::string evidence;       // the platform-tagged evidence bundle (JSON text)
  Bytes report_data;          // 64 bytes
  std::string measurement;    // hex
  std::string platform;       // "simulated", "nitro", ...
  bool tee_verified = false;  // false on the simulated platform
  const AttestationRequest* request = nullptr;
};
// The response body of POST /attestation.
[[nodiscard]] nlohmann::json attestation_response(const AttestationReply& r);

// The response body of GET /health.
[[nodiscard]] nlohmann::json health_response(bool healthy, std::int64_t now, bool tee_available,
                                             std::size_t active_sessions);

}  // namespace ev::worker
