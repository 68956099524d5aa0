// Credential sources for the S3 client: options, the environment and the shared credentials
// file (s3_client.hpp). Messages name variables, files, lines and profiles, never secrets.
#include <cstdlib>
#include <fstream>
#include <map>

#include "ev/s3/s3_client.hpp"

namespace ev::s3 {
namespace {

constexpr std::size_t kMaxCredentialsFile = 1u << 20;

Error invalid(std::string_view what) { return make_error(Errc::InvalidArgument, what); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Access key ids and secrets: printable ASCII without spaces.
bool printable_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c <= ' ' || c > '~') return false;
  }
  return true;
}

Result<void> check_value(std::string_view value, std::string_view name, std::string_view where) {
  if (!printable_token(value)) {
    return invalid(std::string(where) + ": " + std::string(name) +
                   " is empty or holds spaces or non-printable characters");
  }
  return ok();
}

sigv4::Credentials make(std::string_view id, std::string_view secret, std::string_view token) {
  sigv4::Credentials c;
  c.access_key_id = std::string(id);
  c.secret_access_key = std::string(secret);
  c.session_token = std::string(token);
  return c;
}

Result<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid("cannot read the credentials file " + path);
  std::string text;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxCredentialsFile) {
      return invalid("the credentials file " + path + " is larger than 1 MiB");
    }
  }
  if (in.bad()) return invalid("reading the credentials file " + path + " failed");
  return text;
}

std::optional<std::string> non_empty(const EnvLookup& env, const std::string& name) {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

Result<std::optional<ResolvedCredentials>> from_environment(const EnvLookup& env) {
  const auto id = non_empty(env, "AWS_ACCESS_KEY_ID");
  const auto secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  const auto token = non_empty(env, "AWS_SESSION_TOKEN");
  if (!id && !secret) {
    if (token) return invalid("AWS_SESSION_TOKEN is set without AWS_ACCESS_KEY_ID");
    return std::optional<ResolvedCredentials>();
  }
  if (!id) return invalid("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
  if (!secret) return invalid("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
  EV_TRY(check_value(*id, "AWS_ACCESS_KEY_ID", "environment"));
  EV_TRY(check_value(*secret, "AWS_SECRET_ACCESS_KEY", "environment"));
  if (token) EV_TRY(check_value(*token, "AWS_SESSION_TOKEN", "environment"));
  return std::optional<ResolvedCredentials>(
      ResolvedCredentials{make(*id, *secret, token.value_or("")), "environment"});
}

}  // namespace

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<sigv4::Credentials> parse_shared_credentials(std::string_view text, std::string_view profile,
                                                    std::string_view file_name) {
  const std::string file(file_name);
  if (text.size() > kMaxCredentialsFile) return invalid(file + " is larger than 1 MiB");
  std::map<std::string, std::map<std::string, std::string>> sections;
  std::map<std::string, std::string>* current = nullptr;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (line.ends_with('\r')) line.remove_suffix(1);
    const std::string where = file + " line " + std::to_string(line_no);
    if (line.find('\0') != std::string_view::npos) return invalid(where + ": NUL byte");
    const std::string_view t = trim(line);
    if (t.empty() || t.front() == '#' || t.front() == ';') continue;
    if (line.front() == ' ' || line.front() == '\t') {
      return invalid(where + ": indented (continuation) lines are not supported");
    }
    if (t.front() == '[') {
      if (t.back() != ']') return invalid(where + ": a section header must end with ']'");
      const std::string name(trim(t.substr(1, t.size() - 2)));
      if (name.empty() || name.find_first_of("[]") != std::string::npos) {
        return invalid(where + ": bad profile name");
      }
      if (sections.contains(name)) return invalid(where + ": profile '" += name + "' repeated");
      current = &sections[name];
      continue;
    }
    const auto eq = t.find('=');
    if (eq == std::string_view::npos) return invalid(where + ": expected 'key = value'");
    const std::string key(trim(t.substr(0, eq)));
    if (key.empty()) return invalid(where + ": empty key");
    if (current == nullptr) return invalid(where + ": '" += key + "' before any [profile]");
    if (current->contains(key)) return invalid(where + ": '" += key + "' repeated");
    (*current)[key] = std::string(trim(t.substr(eq + 1)));
  }
  const auto it = sections.find(std::string(profile));
  if (it == sections.end()) {
    std::string names;
    for (const auto& [name, _] : sections) names += (names.empty() ? "" : ", ") + name;
    return invalid("profile '" + std::string(profile) + "' not found in " + file +
                   (names.empty() ? " (it has no profiles)" : " (profiles: " + names + ")"));
  }
  const auto& s = it->second;
  const std::string where = "profile '" + std::string(profile) + "' in " + file;
  const auto id = s.find("aws_access_key_id");
  const auto secret = s.find("aws_secret_access_key");
  if (id == s.end() || secret == s.end()) {
    return invalid(where + " needs aws_access_key_id and aws_secret_access_key");
  }
  EV_TRY(check_value(id->second, "aws_access_key_id", where));
  EV_TRY(check_value(secret->second, "aws_secret_access_key", where));
  std::string token;
  if (const auto t = s.find("aws_session_token"); t != s.end()) {
    EV_TRY(check_value(t->second, "aws_session_token", where));
    token = t->second;
  }
  return make(id->second, secret->second, token);
}

Result<ResolvedCredentials> resolve_credentials(const CredentialOptions& options,
                                                const EnvLookup& env) {
  const bool has_id = !options.access_key_id.empty();
  const bool has_secret = !options.secret_access_key.empty();
  if (has_id != has_secret) {
    return invalid(has_id ? "an access key id was given without a secret access key"
                          : "a secret access key was given without an access key id");
  }
  if (has_id) {
    EV_TRY(check_value(options.access_key_id, "access key id", "options"));
    EV_TRY(check_value(options.secret_access_key, "secret access key", "options"));
    if (!options.session_token.empty()) {
      EV_TRY(check_value(options.session_token, "session token", "options"));
    }
    return ResolvedCredentials{
        make(options.access_key_id, options.secret_access_key, options.session_token), "options"};
  }
  if (!options.session_token.empty()) return invalid("a session token was given without keys");

  const bool profile_named = !options.profile.empty();
  if (!profile_named) {
    auto from_env = EV_TRY(from_environment(env));
    if (from_env) return std::move(*from_env);
  }
  std::string profile = options.profile;
  if (profile.empty()) profile = non_empty(env, "AWS_PROFILE").value_or("");
  const bool explicit_profile = !profile.empty();
  if (profile.empty()) profile = "default";

  std::string file = options.credentials_file;
  if (file.empty()) file = non_empty(env, "AWS_SHARED_CREDENTIALS_FILE").value_or("");
  const bool explicit_file = !file.empty();
  if (file.empty()) {
    const auto home = non_empty(env, "HOME");
    if (home) file = *home + "/.aws/credentials";
  }
  if (file.empty() || (!explicit_file && !explicit_profile && !std::ifstream(file).good())) {
    return invalid(
        "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or write them to "
        "a profile of the shared credentials file (" +
        (file.empty() ? std::string("$HOME is not set") : file + " does not exist") + ")");
  }
  const std::string text = EV_TRY(read_small_file(file));
  sigv4::Credentials c = EV_TRY(parse_shared_credentials(text, profile, file));
  return ResolvedCredentials{c, "profile '" + profile + "' in " + file};
}

}  // namespace ev::s3
