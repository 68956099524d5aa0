// AWS Signature Version 4, S3 rules (see sigv4.hpp and docs/s3-store.md).
#include "ev/s3/sigv4.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "ev/common/digest.hpp"

namespace ev::s3::sigv4 {
namespace {

constexpr std::string_view kTerminator = "aws4_request";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 9110 token characters (header names, methods).
bool is_tchar(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(),
                                   [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

bool is_space_or_tab(char c) { return c == ' ' || c == '\t'; }

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && lowercase(a) == lowercase(b);
}

bool is_payload_hash(std::string_view h) {
  if (h == kUnsignedPayload) return true;
  return h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

bool all_digits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

bool valid_amz_date(std::string_view d) {
  if (d.size() != 16 || d[8] != 'T' || d[15] != 'Z') return false;
  if (!all_digits(d.substr(0, 8)) || !all_digits(d.substr(9, 6))) return false;
  const std::chrono::year_month_day ymd{
      std::chrono::year{number(d.substr(0, 4))},
      std::chrono::month{static_cast<unsigned>(number(d.substr(4, 2)))},
      std::chrono::day{static_cast<unsigned>(number(d.substr(6, 2)))}};
  return ymd.ok() && number(d.substr(9, 2)) < 24 && number(d.substr(11, 2)) < 60 &&
         number(d.substr(13, 2)) < 60;
}

bool valid_scope_part(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7F && c != '/'; });
}

Error invalid(std::string_view what) { return make_error(Errc::InvalidArgument, what); }

// Checks shared by header and query signing.
Result<void> check_request(const Request& request, const Credentials& credentials,
                           const Scope& scope, std::string_view payload_hash) {
  EV_TRY(validate_scope(scope));
  if (!valid_scope_part(credentials.access_key_id)) {
    return invalid("access key id: empty or holds '/', spaces or control characters");
  }
  if (credentials.secret_access_key.empty()) return invalid("secret access key: empty");
  if (!is_token(request.method)) return invalid("method: empty or not an HTTP token");
  if (!request.path.empty() && request.path.front() != '/') {
    return invalid("path: must start with '/'");
  }
  if (!is_payload_hash(payload_hash)) {
    return invalid("payload hash: expected 64 lowercase hex digits or UNSIGNED-PAYLOAD");
  }
  bool host = false;
  for (const Header& h : request.headers) {
    if (iequals(h.name, "authorization")) return invalid("request already has Authorization");
    host = host || iequals(h.name, "host");
  }
  if (!host) return invalid("request has no host header");
  return ok();
}

const Header* find_header(const std::vector<Header>& headers, std::string_view name) {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) return &h;
  }
  return nullptr;
}

// Adds name: value to `added` unless the request has it; if it has it, it must agree.
Result<void> add_or_match(const std::vector<Header>& request, std::vector<Header>& added,
                          std::string_view name, std::string_view value) {
  const Header* existing = find_header(request, name);
  if (existing == nullptr) {
    added.push_back({std::string(name), std::string(value)});
    return ok();
  }
  if (canonical_header_value(existing->value) != value) {
    return invalid("request header " + std::string(name) + " disagrees with the signer's value");
  }
  return ok();
}

void wipe(void* p, std::size_t n) { OPENSSL_cleanse(p, n); }

}  // namespace

Credentials::~Credentials() {
  wipe(secret_access_key.data(), secret_access_key.size());
  wipe(session_token.data(), session_token.size());
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0F];
    }
  }
  return out;
}

std::string canonical_uri(std::string_view path) {
  return path.empty() ? std::string("/") : uri_encode(path, true);
}

std::string canonical_query_string(std::span<const QueryParam> params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(params.size());
  for (const QueryParam& p : params) {
    encoded.emplace_back(uri_encode(p.name, false), uri_encode(p.value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string canonical_header_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (is_space_or_tab(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

Result<CanonicalHeaders> canonical_headers(std::span<const Header> headers) {
  struct Entry {
    std::string name;
    std::string value;
  };
  std::vector<Entry> entries;
  entries.reserve(headers.size());
  for (const Header& h : headers) {
    if (!is_token(h.name)) return invalid("header name \"" + h.name + "\" is not an HTTP token");
    if (h.value.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      return invalid("header " + h.name + ": value holds CR, LF or NUL");
    }
    entries.push_back({lowercase(h.name), canonical_header_value(h.value)});
  }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.name < b.name; });
  CanonicalHeaders out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const bool same_as_previous = i > 0 && entries[i].name == entries[i - 1].name;
    if (same_as_previous) {
      out.block.back() = ',';  // replaces the previous line's '\n'
    } else {
      if (!out.signed_headers.empty()) out.signed_headers += ';';
      out.signed_headers += entries[i].name;
      out.block += entries[i].name;
      out.block += ':';
    }
    out.block += entries[i].value;
    out.block += '\n';
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view canonical_uri,
                              std::string_view canonical_query, const CanonicalHeaders& headers,
                              std::string_view payload_hash) {
  std::string out;
  out.reserve(method.size() + canonical_uri.size() + canonical_query.size() + headers.block.size() +
              headers.signed_headers.size() + payload_hash.size() + 8);
  out.append(method).append("\n");
  out.append(canonical_uri).append("\n");
  out.append(canonical_query).append("\n");
  out.append(headers.block).append("\n");
  out.append(headers.signed_headers).append("\n");
  out.append(payload_hash);
  return out;
}

Result<void> validate_scope(const Scope& scope) {
  if (!valid_amz_date(scope.amz_date)) {
    return invalid("amz date \"" + scope.amz_date + "\" is not YYYYMMDDTHHMMSSZ");
  }
  if (!valid_scope_part(scope.region)) return invalid("region: empty or malformed");
  if (!valid_scope_part(scope.service)) return invalid("service: empty or malformed");
  return ok();
}

std::string credential_scope(const Scope& scope) {
  EV_ASSERT(scope.amz_date.size() == 16, "credential_scope on an unvalidated scope");
  std::string out = scope.amz_date.substr(0, 8);
  out.append("/").append(scope.region).append("/").append(scope.service).append("/");
  out.append(kTerminator);
  return out;
}

std::string string_to_sign(const Scope& scope, std::string_view canonical_request) {
  std::string out(kAlgorithm);
  out.append("\n").append(scope.amz_date).append("\n");
  out.append(credential_scope(scope)).append("\n");
  out.append(hex_sha256(as_bytes(canonical_request)));
  return out;
}

Secret<32> signing_key(std::string_view secret_access_key, const Scope& scope) {
  EV_ASSERT(scope.amz_date.size() == 16, "signing_key on an unvalidated scope");
  std::string k_secret = "AWS4";
  k_secret.append(secret_access_key);
  ByteArray<32> k = hmac_sha256(as_bytes(k_secret), as_bytes(scope.amz_date.substr(0, 8)));
  wipe(k_secret.data(), k_secret.size());
  for (std::string_view part :
       {std::string_view(scope.region), std::string_view(scope.service), kTerminator}) {
    ByteArray<32> next = hmac_sha256(k, as_bytes(part));
    k = next;
    wipe(next.data(), next.size());
  }
  Secret<32> out(std::span<const std::uint8_t, 32>(k.data(), 32));
  wipe(k.data(), k.size());
  return out;
}

std::string signature(const Secret<32>& signing_key, std::string_view string_to_sign) {
  return to_hex(hmac_sha256(signing_key.view(), as_bytes(string_to_sign)), false);
}

std::string authorization_header(std::string_view access_key_id, const Scope& scope,
                                 std::string_view signed_headers, std::string_view signature) {
  std::string out(kAlgorithm);
  out.append(" Credential=").append(access_key_id).append("/").append(credential_scope(scope));
  out.append(", SignedHeaders=").append(signed_headers);
  out.append(", Signature=").append(signature);
  return out;
}

std::string hex_sha256(ByteSpan data) { return to_hex(ev::sha256(data), false); }

std::string amz_date(std::chrono::system_clock::time_point t) {
  const auto secs = std::chrono::floor<std::chrono::seconds>(t);
  const auto day = std::chrono::floor<std::chrono::days>(secs);
  const std::chrono::year_month_day ymd{day};
  const std::chrono::hh_mm_ss hms{secs - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

Result<HeaderSignature> sign_headers(const Request& request, const Credentials& credentials,
                                     const Scope& scope, const HeaderSigningOptions& options) {
  EV_TRY(check_request(request, credentials, scope, options.payload_hash));
  std::vector<Header> added;
  EV_TRY(add_or_match(request.headers, added, "X-Amz-Date", scope.amz_date));
  if (options.add_content_sha256) {
    EV_TRY(add_or_match(request.headers, added, "x-amz-content-sha256", options.payload_hash));
  }
  std::optional<Header> unsigned_token;
  const std::string& token = credentials.session_token;
  if (!token.empty()) {
    if (options.sign_session_token) {
      EV_TRY(add_or_match(request.headers, added, "X-Amz-Security-Token", token));
    } else if (find_header(request.headers, "x-amz-security-token") != nullptr) {
      return invalid("request signs x-amz-security-token but sign_session_token is false");
    } else {
      unsigned_token = Header{"X-Amz-Security-Token", token};
    }
  }
  std::vector<Header> signed_set = request.headers;
  signed_set.insert(signed_set.end(), added.begin(), added.end());
  const CanonicalHeaders ch = EV_TRY(canonical_headers(signed_set));

  HeaderSignature out;
  out.canonical_request =
      canonical_request(request.method, canonical_uri(request.path),
                        canonical_query_string(request.query), ch, options.payload_hash);
  out.string_to_sign = string_to_sign(scope, out.canonical_request);
  out.signature = signature(signing_key(credentials.secret_access_key, scope), out.string_to_sign);
  out.authorization =
      authorization_header(credentials.access_key_id, scope, ch.signed_headers, out.signature);
  out.headers = std::move(added);
  if (unsigned_token) out.headers.push_back(std::move(*unsigned_token));
  out.headers.push_back({"Authorization", out.authorization});
  return out;
}

Result<Presignature> presign(const Request& request, const Credentials& credentials,
                             const Scope& scope, const PresignOptions& options) {
  EV_TRY(check_request(request, credentials, scope, options.payload_hash));
  if (options.expires_seconds < 1 || options.expires_seconds > kMaxPresignSeconds) {
    return invalid("expires_seconds: must be 1.." + std::to_string(kMaxPresignSeconds));
  }
  for (const QueryParam& p : request.query) {
    const std::string n = lowercase(p.name);
    if (n == "x-amz-algorithm" || n == "x-amz-credential" || n == "x-amz-date" ||
        n == "x-amz-expires" || n == "x-amz-signedheaders" || n == "x-amz-signature" ||
        n == "x-amz-security-token") {
      return invalid("query already holds signing parameter " + p.name);
    }
  }
  const CanonicalHeaders ch = EV_TRY(canonical_headers(request.headers));
  const std::string& token = credentials.session_token;

  Presignature out;
  out.query = {
      {"X-Amz-Algorithm", std::string(kAlgorithm)},
      {"X-Amz-Credential", credentials.access_key_id + "/" + credential_scope(scope)},
      {"X-Amz-Date", scope.amz_date},
      {"X-Amz-Expires", std::to_string(options.expires_seconds)},
  };
  if (!token.empty() && options.sign_session_token) {
    out.query.push_back({"X-Amz-Security-Token", token});
  }
  out.query.push_back({"X-Amz-SignedHeaders", ch.signed_headers});

  std::vector<QueryParam> all = request.query;
  all.insert(all.end(), out.query.begin(), out.query.end());
  out.canonical_request = canonical_request(request.method, canonical_uri(request.path),
                                            canonical_query_string(all), ch, options.payload_hash);
  out.string_to_sign = string_to_sign(scope, out.canonical_request);
  out.signature = signature(signing_key(credentials.secret_access_key, scope), out.string_to_sign);
  if (!token.empty() && !options.sign_session_token) {
    out.query.push_back({"X-Amz-Security-Token", token});
  }
  out.query.push_back({"X-Amz-Signature", out.signature});
  return out;
}

}  // namespace ev::s3::sigv4
