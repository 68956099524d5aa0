// RpcErrc messages, the ServerError message format, and transaction-pool rejection classes.
#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "ev/chain/rpc/errors.hpp"

namespace ev {

std::string_view ErrorTraits<chain::RpcErrc>::message(chain::RpcErrc e) {
  using chain::RpcErrc;
  switch (e) {
    case RpcErrc::ServerError: return "node returned an error";
    case RpcErrc::InvalidResponse: return "invalid JSON-RPC reply";
    case RpcErrc::ResponseTooLarge: return "reply too large";
    case RpcErrc::BadResult: return "unexpected result";
    case RpcErrc::ConnectFailed: return "cannot connect";
    case RpcErrc::Timeout: return "timed out";
    case RpcErrc::ConnectionLost: return "connection lost";
    case RpcErrc::HttpStatus: return "unexpected HTTP status";
    case RpcErrc::SubscriptionsUnsupported: return "subscriptions need ws:// or wss://";
    case RpcErrc::SubscriptionClosed: return "subscription closed";
    case RpcErrc::InvalidUrl: return "invalid RPC URL";
    case RpcErrc::InvalidArgument: return "invalid argument";
    case RpcErrc::Closed: return "client closed";
  }
  return "unknown error";
}

}  // namespace ev

namespace ev::chain {
namespace {

constexpr std::string_view kMarker = "JSON-RPC error ";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool contains_ci(std::string_view hay, std::string_view needle) {
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
  return it != hay.end();
}

// The error object's members, validated; nullopt when v is not a well-formed error object.
std::optional<RpcErrorInfo> info_from_json(const JsonValue& v) {
  if (!v.is_object() || !v.contains("message") || !v["message"].is_string()) return std::nullopt;
  RpcErrorInfo info;
  info.message = v["message"].get<std::string>();
  if (v.contains("code")) {
    if (!v["code"].is_number_integer()) return std::nullopt;
    info.code = v["code"].get<std::int64_t>();
  }
  if (v.contains("data")) info.data = v["data"];
  return info;
}

// A validity enum as a name plus payload: "BadProof" -> ("BadProof", null);
// {"badProof":null} -> ("badProof", null); {"Custom":3} -> ("Custom", 3).
std::optional<std::pair<std::string, JsonValue>> variant_of(const JsonValue& v) {
  if (v.is_string()) return std::make_pair(v.get<std::string>(), JsonValue());
  if (v.is_object() && v.size() == 1) return std::make_pair(v.begin().key(), v.begin().value());
  return std::nullopt;
}

std::optional<std::uint8_t> custom_code(const JsonValue& payload) {
  if (payload.is_number_unsigned() && payload.get<std::uint64_t>() <= 255) {
    return static_cast<std::uint8_t>(payload.get<std::uint64_t>());
  }
  return std::nullopt;
}

// "Custom error: 7" -> 7.
std::optional<std::uint8_t> custom_from_text(std::string_view text) {
  constexpr std::string_view kPrefix = "Custom error: ";
  if (text.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view digits = text.substr(kPrefix.size());
  if (digits.empty() || digits.size() > 3) return std::nullopt;
  unsigned v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

struct NamedInvalid {
  std::string_view name;  // serde / polkadot-js variant name (compared case-insensitively)
  std::string_view text;  // a distinctive part of sp_runtime's human message ("" = none)
  InvalidTx kind;
};
constexpr std::array<NamedInvalid, 14> kInvalid{{
    {"Call", "call is not expected", InvalidTx::Call},
    {"Payment", "Inability to pay", InvalidTx::Payment},
    {"Future", "will be valid in the future", InvalidTx::Future},
    {"Stale", "is outdated", InvalidTx::Stale},
    {"BadProof", "bad signature", InvalidTx::BadProof},
    {"AncientBirthBlock", "ancient birth block", InvalidTx::AncientBirthBlock},
    {"ExhaustsResources", "the block limits", InvalidTx::ExhaustsResources},
    {"Custom", "custom error", InvalidTx::Custom},
    {"BadMandatory", "labelled as mandatory", InvalidTx::BadMandatory},
    {"MandatoryValidation", "dispatch is mandatory", InvalidTx::MandatoryValidation},
    {"MandatoryDispatch", "", InvalidTx::MandatoryValidation},
    {"BadSigner", "Invalid signing address", InvalidTx::BadSigner},
    {"IndeterminateImplicit", "implicit data", InvalidTx::IndeterminateImplicit},
    {"UnknownOrigin", "did not authorize any origin", InvalidTx::UnknownOrigin},
}};

struct NamedUnknown {
  std::string_view name;
  std::string_view text;
  UnknownTx kind;
};
constexpr std::array<NamedUnknown, 3> kUnknown{{
    {"CannotLookup", "Could not lookup", UnknownTx::CannotLookup},
    {"NoUnsignedValidator", "unsigned validator", UnknownTx::NoUnsignedValidator},
    {"Custom", "custom", UnknownTx::Custom},
}};

// Fills r.invalid / r.custom from a detail value (string or single-key object).
void classify_invalid(const JsonValue& detail, TxRejection& r) {
  auto var = variant_of(detail);
  if (!var) return;
  const auto& [name, payload] = *var;
  for (const auto& e : kInvalid) {
    if (iequals(name, e.name)) {
      r.invalid = e.kind;
      if (e.kind == InvalidTx::Custom) r.custom = custom_code(payload);
      return;
    }
  }
  if (detail.is_string()) {
    if (auto c = custom_from_text(name)) {
      r.invalid = InvalidTx::Custom;
      r.custom = c;
      return;
    }
    for (const auto& e : kInvalid) {
      if (!e.text.empty() && contains_ci(name, e.text)) {
        r.invalid = e.kind;
        return;
      }
    }
  }
}

void classify_unknown(const JsonValue& detail, TxRejection& r) {
  auto var = variant_of(detail);
  if (!var) return;
  const auto& [name, payload] = *var;
  for (const auto& e : kUnknown) {
    if (iequals(name, e.name) || (detail.is_string() && contains_ci(name, e.text))) {
      r.unknown = e.kind;
      if (e.kind == UnknownTx::Custom) r.custom = custom_code(payload);
      return;
    }
  }
}

// The validity detail: data if present, else the message when it is JSON (Chopsticks puts
// {"invalid":{...}} there), else the message as text.
JsonValue detail_of(const RpcErrorInfo& info) {
  if (info.data) return *info.data;
  if (!info.message.empty() && (info.message.front() == '{' || info.message.front() == '"')) {
    auto parsed = parse_json(info.message, JsonLimits{4096, 8, 64});
    if (parsed.ok()) return std::move(parsed).value();
  }
  return JsonValue(info.message);
}

std::optional<TxRejection> simple_kind(std::int64_t code) {
  switch (code) {
    case 1001:
    case 1002:
    case 1012:
    case 1013:
    case 1014:
    case 1015:
    case 1016:
    case 1017: return TxRejection{static_cast<TxPoolErrc>(code), {}, {}, {}};
    default: return std::nullopt;
  }
}

}  // namespace

Error make_server_error(std::string_view method, const RpcErrorInfo& info) {
  JsonValue obj = JsonValue::object();
  if (info.code) obj["code"] = *info.code;
  obj["message"] = info.message;
  if (info.data) obj["data"] = *info.data;
  std::string detail(method);
  detail += ": ";
  detail += kMarker;
  detail += dump_json(obj);
  return make_error(RpcErrc::ServerError, detail);
}

std::optional<RpcErrorInfo> rpc_error_info(const Error& e) {
  if (!is(e, RpcErrc::ServerError)) return std::nullopt;
  const JsonLimits limits{e.message.size(), 128, std::size_t{1} << 20};
  for (auto p = e.message.find(kMarker); p != std::string::npos;
       p = e.message.find(kMarker, p + 1)) {
    auto parsed = parse_json(std::string_view(e.message).substr(p + kMarker.size()), limits);
    if (!parsed.ok()) continue;
    if (auto info = info_from_json(*parsed)) return info;
  }
  return std::nullopt;
}

bool is_transient(const Error& e) {
  return is(e, RpcErrc::ConnectFailed) || is(e, RpcErrc::Timeout) || is(e, RpcErrc::ConnectionLost);
}

std::optional<TxRejection> classify_validity_json(const JsonValue& v) {
  if (!v.is_object() || v.size() != 1) return std::nullopt;
  const std::string& key = v.begin().key();
  TxRejection r;
  if (iequals(key, "invalid")) {
    r.kind = TxPoolErrc::Invalid;
    classify_invalid(v.begin().value(), r);
    if (!r.invalid) r.invalid = InvalidTx::Unrecognised;
    return r;
  }
  if (iequals(key, "unknown")) {
    r.kind = TxPoolErrc::UnknownValidity;
    classify_unknown(v.begin().value(), r);
    if (!r.unknown) r.unknown = UnknownTx::Unrecognised;
    return r;
  }
  return std::nullopt;
}

std::optional<TxRejection> classify_tx_rejection(const RpcErrorInfo& info) {
  JsonValue detail = detail_of(info);
  if (auto r = classify_validity_json(detail)) return r;
  if (!info.code) return std::nullopt;
  if (auto r = simple_kind(*info.code)) return r;
  TxRejection r;
  if (*info.code == 1010) {
    r.kind = TxPoolErrc::Invalid;
    classify_invalid(detail, r);
    if (!r.invalid) r.invalid = InvalidTx::Unrecognised;
    return r;
  }
  if (*info.code == 1011) {
    r.kind = TxPoolErrc::UnknownValidity;
    classify_unknown(detail, r);
    if (!r.unknown) r.unknown = UnknownTx::Unrecognised;
    return r;
  }
  return std::nullopt;
}

std::optional<TxRejection> classify_tx_rejection(const Error& e) {
  auto info = rpc_error_info(e);
  if (!info) return std::nullopt;
  return classify_tx_rejection(*info);
}

std::string_view to_string(InvalidTx v) {
  switch (v) {
    case InvalidTx::Call: return "Call";
    case InvalidTx::Payment: return "Payment";
    case InvalidTx::Future: return "Future";
    case InvalidTx::Stale: return "Stale";
    case InvalidTx::BadProof: return "BadProof";
    case InvalidTx::AncientBirthBlock: return "AncientBirthBlock";
    case InvalidTx::ExhaustsResources: return "ExhaustsResources";
    case InvalidTx::Custom: return "Custom";
    case InvalidTx::BadMandatory: return "BadMandatory";
    case InvalidTx::MandatoryValidation: return "MandatoryValidation";
    case InvalidTx::BadSigner: return "BadSigner";
    case InvalidTx::IndeterminateImplicit: return "IndeterminateImplicit";
    case InvalidTx::UnknownOrigin: return "UnknownOrigin";
    case InvalidTx::Unrecognised: return "Unrecognised";
  }
  return "Unrecognised";
}

std::string_view to_string(UnknownTx v) {
  switch (v) {
    case UnknownTx::CannotLookup: return "CannotLookup";
    case UnknownTx::NoUnsignedValidator: return "NoUnsignedValidator";
    case UnknownTx::Custom: return "Custom";
    case UnknownTx::Unrecognised: return "Unrecognised";
  }
  return "Unrecognised";
}

}  // namespace ev::chain
