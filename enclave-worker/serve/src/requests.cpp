#include "ev/worker/requests.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "ev/chain/ss58.hpp"
#include "ev/common/base64.hpp"
#include "ev/enclave/envelope.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

namespace {

using json = nlohmann::json;

Error bad(const std::string& msg) { return make_error(WorkerErrc::BadRequest, msg); }

Result<json> parse_object(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return bad("request body is not valid JSON");
  if (!j.is_object()) return bad("request body must be a JSON object");
  return j;
}

Result<std::string> string_field(const json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return bad(std::string("missing field '") + name + "'");
  if (!it->is_string()) return bad(std::string("field '") + name + "' must be a string");
  return it->get<std::string>();
}

Result<vault::AccountId> parse_account(std::string_view text, std::string_view what) {
  if (text.size() > 80) return bad(std::string(what) + ": too long");
  auto a = chain::parse_account_id(text);
  if (!a) return bad(std::string(what) + " '" + std::string(text) + "': " + a.error().message);
  return *a;
}

Error too_large() {
  return make_error(WorkerErrc::TooLarge,
                    "credential over " + std::to_string(enclave::kMaxCredentialSize) + " bytes");
}

}  // namespace

Result<ChallengeRequest> parse_challenge_request(std::string_view body) {
  const json j = EV_TRY(parse_object(body));
  const std::string wallet = EV_TRY(string_field(j, "wallet"));
  const std::string agent = EV_TRY(string_field(j, "agent"));
  return ChallengeRequest{EV_TRY(parse_account(wallet, "wallet")),
                          EV_TRY(parse_account(agent, "agent"))};
}

Result<TokenRequest> parse_token_request(std::string_view body) {
  const json j = EV_TRY(parse_object(body));
  TokenRequest t;
  t.challenge_id = EV_TRY(string_field(j, "challenge_id"));
  if (t.challenge_id.size() > 64) return bad("challenge_id too long");
  const std::string scheme = EV_TRY(string_field(j, "scheme"));
  const std::string sig = EV_TRY(string_field(j, "signature"));
  auto s = chain::parse_scheme(scheme);
  if (!s) return bad("scheme '" + scheme.substr(0, 40) + "': " + s.error().message);
  t.scheme = *s;
  if (sig.size() > 200) return bad("signature too long");
  auto bytes = from_hex(sig);
  if (!bytes) return bad("signature: " + bytes.error().message);
  t.signature = std::move(bytes).value();
  return t;
}

Result<enclave::SecretBytes> parse_put_request(std::string_view body) {
  const json j = EV_TRY(parse_object(body));
  const std::string text = EV_TRY(string_field(j, "data"));
  if (text.size() / 4 * 3 > enclave::kMaxCredentialSize + 3) return too_large();
  const std::size_t cap = text.size() / 4 * 3 + 3;
  enclave::SecretBytes out(cap);
  auto decoded = unbase64_into(text, std::span<std::uint8_t>(out.data(), cap));
  if (!decoded) return bad("field 'data' is not valid base64");
  const std::size_t n = *decoded;
  if (n > enclave::kMaxCredentialSize) return too_large();
  out.truncate(n);
  return out;
}

Result<PutExtras> parse_put_extras(std::string_view body) {
  const json j = EV_TRY(parse_object(body));
  PutExtras out;
  auto it = j.find("readers");
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return bad("field 'readers' must be an array of accounts");
  if (it->size() > vault::ReaderList::kBound) {
    return bad("field 'readers' names " + std::to_string(it->size()) + " agents; at most " +
               std::to_string(vault::ReaderList::kBound));
  }
  std::vector<vault::AccountId> readers;
  for (const auto& r : *it) {
    if (!r.is_string()) return bad("field 'readers' must be an array of account strings");
    const vault::AccountId a = EV_TRY(parse_account(r.get<std::string>(), "reader"));
    if (std::find(readers.begin(), readers.end(), a) == readers.end()) readers.push_back(a);
  }
  auto list = vault::ReaderList::from(std::move(readers));
  if (!list) return bad("field 'readers': " + list.error().message);
  out.readers = std::move(list).value();
  return out;
}

Result<vault::CredentialName> parse_credential_name(std::string_view segment) {
  auto n = vault::CredentialName::from(segment);
  if (!n || segment.empty() || segment == "." || segment == "..") {
    return bad("credential name '" + std::string(segment.substr(0, 80)) +
               "': expected 1..64 characters of [a-z0-9._@-]");
  }
  return std::move(n).value();
}

Result<vault::AccountId> parse_wallet(std::string_view segment) {
  return parse_account(segment, "wallet");
}

Result<vault::ServiceName> parse_service(std::string_view segment) {
  if (segment == "." || segment == "..") {
    return bad("service '" + std::string(segment) + "' is reserved");
  }
  auto s = vault::ServiceName::from(segment);
  if (!s || segment.empty()) {
    return bad("service '" + std::string(segment.substr(0, 80)) +
               "': expected 1..64 characters of [a-z0-9._-]");
  }
  return std::move(s).value();
}

}  // namespace ev::worker
