// Store URLs: file:///dir and s3://bucket[/prefix]?... (s3_client.hpp).
#include <map>

#include "ev/s3/directory_store.hpp"
#include "ev/s3/object_key.hpp"
#include "ev/s3/s3_client.hpp"

namespace ev::s3 {
namespace {

Error invalid(std::string_view url, std::string_view why) {
  return make_error(Errc::InvalidArgument,
                    "store URL '" + std::string(url) + "': " + std::string(why));
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoding; '+' stays itself (RFC 3986). nullopt for a bad escape or a decoded NUL.
std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = hex_digit(s[i + 1]);
    const int lo = hex_digit(s[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

constexpr std::string_view kKnownParams = "endpoint, region, style, profile";

Result<std::map<std::string, std::string>> parse_query(std::string_view url,
                                                       std::string_view query) {
  std::map<std::string, std::string> out;
  std::size_t pos = 0;
  while (pos <= query.size()) {
    auto amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view item = query.substr(pos, amp - pos);
    pos = amp + 1;
    const auto eq = item.find('=');
    if (item.empty() || eq == std::string_view::npos || eq == 0 || eq + 1 == item.size()) {
      return invalid(url, "query items must be name=value (got '" + std::string(item) + "')");
    }
    const std::string name(item.substr(0, eq));
    if (name != "endpoint" && name != "region" && name != "style" && name != "profile") {
      return invalid(url,
                     "unknown parameter '" + name + "' (known: " + std::string(kKnownParams) + ")");
    }
    const auto value = percent_decode(item.substr(eq + 1));
    if (!value) return invalid(url, "bad percent-escape in '" + name + "'");
    if (!out.emplace(name, *value).second) return invalid(url, "'" + name + "' repeated");
  }
  return out;
}

Result<std::unique_ptr<ObjectStore>> open_directory(std::string_view url) {
  std::string_view rest = url.substr(std::string_view("file://").size());
  if (!rest.starts_with('/')) {
    return invalid(url, "expected file:///absolute/path (no host)");
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return invalid(url, "a file URL takes no query or fragment");
  }
  const auto path = percent_decode(rest);
  if (!path) return invalid(url, "bad percent-escape in the path");
  auto store = EV_TRY(DirectoryStore::open(*path));
  return std::unique_ptr<ObjectStore>(std::move(store));
}

}  // namespace

Result<S3Url> parse_s3_url(std::string_view url) {
  if (!url.starts_with("s3://")) return invalid(url, "expected s3://bucket[/prefix][?...]");
  std::string_view rest = url.substr(5);
  if (rest.find('#') != std::string_view::npos) return invalid(url, "fragments are not allowed");
  S3Url out;
  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.empty()) return invalid(url, "empty query");
  }
  const auto slash = rest.find('/');
  out.bucket = std::string(rest.substr(0, slash));
  if (out.bucket.empty()) return invalid(url, "no bucket");
  if (slash != std::string_view::npos) {
    const auto prefix = percent_decode(rest.substr(slash + 1));
    if (!prefix) return invalid(url, "bad percent-escape in the prefix");
    out.key_prefix = *prefix;
    if (!out.key_prefix.empty() && !out.key_prefix.ends_with('/')) out.key_prefix += '/';
    if (!out.key_prefix.empty()) {
      auto r = validate_key(out.key_prefix.substr(0, out.key_prefix.size() - 1));
      if (!r.ok()) return invalid(url, "prefix: " + r.error().message);
    }
  }
  if (!query.empty()) {
    auto params = EV_TRY(parse_query(url, query));
    out.endpoint = params["endpoint"];
    out.region = params["region"];
    out.profile = params["profile"];
    if (params.contains("style") && !params["style"].empty()) {
      const std::string& s = params["style"];
      if (s == "path") {
        out.style = AddressingStyle::Path;
      } else if (s == "virtual") {
        out.style = AddressingStyle::VirtualHosted;
      } else {
        return invalid(url, "style must be 'path' or 'virtual'");
      }
    }
  }
  return out;
}

Result<std::unique_ptr<ObjectStore>> open_store(std::string_view url) {
  return open_store(url, StoreOptions{});
}

Result<std::unique_ptr<ObjectStore>> open_store(std::string_view url, const StoreOptions& options) {
  if (url.starts_with("file://")) return open_directory(url);
  if (!url.starts_with("s3://")) {
    return invalid(url, "unsupported scheme (use file:///dir or s3://bucket[/prefix]?...)");
  }
  const S3Url parsed = EV_TRY(parse_s3_url(url));
  const EnvLookup env = options.env ? options.env : process_environment();
  S3Config cfg = options.s3;
  cfg.bucket = parsed.bucket;
  cfg.key_prefix = parsed.key_prefix;
  cfg.region = parsed.region;
  if (cfg.region.empty()) cfg.region = env("AWS_REGION").value_or("");
  if (cfg.region.empty()) cfg.region = env("AWS_DEFAULT_REGION").value_or("");
  if (cfg.region.empty()) cfg.region = "us-east-1";
  cfg.endpoint = parsed.endpoint;
  if (cfg.endpoint.empty()) cfg.endpoint = "https://s3." + cfg.region + ".amazonaws.com";
  cfg.style = parsed.style.value_or(parsed.endpoint.empty() ? AddressingStyle::VirtualHosted
                                                            : AddressingStyle::Path);
  CredentialOptions creds = options.credentials;
  if (creds.profile.empty()) creds.profile = parsed.profile;
  ResolvedCredentials resolved = EV_TRY(resolve_credentials(creds, env));
  cfg.credentials = resolved.credentials;
  auto client = EV_TRY_CTX("store URL '" + std::string(url) + "'", S3Client::create(cfg));
  return std::unique_ptr<ObjectStore>(std::move(client));
}

}  // namespace ev::s3
