// Seed 001's attestation API (see attestation_api.hpp).
#include "ev/worker/attestation_api.hpp"

#include <ctime>
#include <string>
#include <utility>

#include "ev/common/base64.hpp"
#include "ev/common/digest.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

namespace {

using nlohmann::json;

bool is_hex_digit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::optional<Bytes> as_hex(std::string_view t) {
  if (t.size() % 2 != 0) return std::nullopt;
  for (const char c : t) {
    if (!is_hex_digit(c)) return std::nullopt;
  }
  auto b = from_hex(t);
  if (!b) return std::nullopt;
  return std::move(b).value();
}

std::optional<Bytes> as_base64(std::string_view t) {
  if (t.size() % 4 != 0) return std::nullopt;
  auto b = unbase64(t);
  if (!b) return std::nullopt;
  if (base64(*b) != t) return std::nullopt;  // canonical only
  return std::move(b).value();
}

Error bad(std::string_view what) { return make_error(WorkerErrc::BadRequest, what); }

json verification_steps() {
  json steps = json::array();
  steps.push_back(
      "verify attestation_document.evidence offline (epochvault attest verify) against the "
      "pinned vendor root at the document's time");
  steps.push_back(
      "recompute the report data: SHA-512 commitment (docs/formats/attestation.md) to "
      "user_data.worker, user_data.chain_genesis, purpose session and the nonce "
      "SHA-256(canonical JSON of user_data)");
  steps.push_back("check user_data.nonce is the hex of the nonce you sent");
  steps.push_back("check custom_digest = SHA-256(canonical JSON of custom_data)");
  steps.push_back(
      "check on chain that VaultPointers.Workers[user_data.worker] lists this measurement, "
      "approved and not expired");
  return steps;
}

}  // namespace

ClientNonce decode_client_nonce(std::string_view text) {
  if (text.empty()) return {{}, "none"};
  if (auto h = as_hex(text)) return {std::move(*h), "hex"};
  if (auto b = as_base64(text)) return {std::move(*b), "base64"};
  return {Bytes(text.begin(), text.end()), "plain"};
}

Result<AttestationRequest> parse_attestation_request(std::string_view body) {
  AttestationRequest r;
  r.nonce = {{}, "none"};
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return r;
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return bad("the body is not JSON");
  if (!j.is_object()) return bad("the body must be a JSON object");
  if (auto it = j.find("nonce"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return bad("\"nonce\" must be a string (hex, base64 or plain)");
    r.nonce = decode_client_nonce(it->get_ref<const std::string&>());
    if (r.nonce.bytes.size() > kMaxAttestationNonce) {
      return bad("\"nonce\" longer than " + std::to_string(kMaxAttestationNonce) + " bytes");
    }
  }
  if (auto it = j.find("include_metadata"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) return bad("\"include_metadata\" must be true or false");
    r.include_metadata = it->get<bool>();
  }
  if (auto it = j.find("custom_data"); it != j.end()) r.custom_data = *it;
  return r;
}

std::string canonical_json(const json& v) {
  // nlohmann's object type is an ordered std::map: members come out sorted by key bytes.
  return v.dump(-1, ' ', false, json::error_handler_t::strict);
}

std::string rfc3339_utc(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf, n);
}

json attestation_user_data(const UserDataInputs& in) {
  json u = json::object();
  u["timestamp"] = rfc3339_utc(in.now);
  u["timestamp_unix"] = in.now;
  u["purpose"] = "session";
  u["worker"] = in.worker;
  u["chain_genesis"] = in.genesis;
  u["nonce"] = to_hex(in.request->nonce.bytes, false);
  u["nonce_encoding"] = in.request->nonce.encoding;
  if (in.request->custom_data) {
    const std::string c = canonical_json(*in.request->custom_data);
    u["custom_digest"] = to_hex(sha256(as_bytes(c)), false);
    u["custom_digest_method"] = "sha256";
  }
  if (in.request->include_metadata) {
    u["agent"] = "epochvault-serve";
    u["role"] = in.role;
    u["measurement"] = in.measurement;
    u["platform"] = in.platform;
  }
  return u;
}

ByteArray<32> user_data_binding(const json& user_data) {
  return sha256(as_bytes(canonical_json(user_data)));
}

json attestation_response(const AttestationReply& r) {
  json evidence = json::parse(r.evidence, nullptr, false);
  if (evidence.is_discarded()) evidence = r.evidence;
  json doc = {{"platform", r.platform},
              {"module_id", "epochvault-serve"},
              {"timestamp", r.user_data->value("timestamp_unix", std::int64_t{0}) * 1000},
              {"measurement", r.measurement},
              {"report_data", to_hex(r.report_data, false)},
              {"evidence", evidence}};
  json out = {{"attestation_document", doc},
              {"measurement", r.measurement},
              {"user_data", *r.user_data},
              {"tee_verified", r.tee_verified}};
  if (r.request->custom_data) {
    out["custom_digest"] = r.user_data->at("custom_digest");
    out["custom_digest_method"] = "sha256";
    out["custom_data"] = *r.request->custom_data;
  }
  if (!r.tee_verified) {
    out["_warning"] =
        "simulated platform: this attestation is not hardware-backed and proves nothing about "
        "the code that runs; for development only";
  }
  out["verification_instructions"] = {
      {"tool", "epochvault attest fetch --serve URL --url NODE_URL"},
      {"steps", verification_steps()},
      {"canonical_json",
       "no whitespace, object members sorted by key bytes, UTF-8 strings with only the escapes "
       "JSON requires"}};
  return out;
}

json health_response(bool healthy, std::int64_t now, bool tee_available,
                     std::size_t active_sessions) {
  return {{"status", healthy ? "healthy" : "unhealthy"},
          {"timestamp", rfc3339_utc(now)},
          {"tee_available", tee_available},
          {"active_sessions", active_sessions}};
}

}  // namespace ev::worker
