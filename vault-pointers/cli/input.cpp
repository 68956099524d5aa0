#include "input.hpp"

#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "ev/chain/ss58.hpp"
#include "ev/vault/types.hpp"

namespace ev::cli {
namespace {

using nlohmann::json;

bool has_hex_prefix(const std::string& s) { return s.rfind("0x", 0) == 0 || s.rfind("0X", 0) == 0; }

bool is_u8(const chain::Metadata& md, std::uint32_t type) {
  auto t = md.type(type);
  return t.ok() && (*t)->kind == chain::TypeKind::Primitive &&
         (*t)->primitive == chain::Primitive::U8;
}

enum class Hint { None, Service, Uuid };

Hint hint_of(const std::optional<std::string>& type_name) {
  if (!type_name) return Hint::None;
  if (type_name->find("ServiceName") != std::string::npos ||
      type_name->find("ServiceList") != std::string::npos) {
    return Hint::Service;
  }
  if (type_name->find("BlobId") != std::string::npos) return Hint::Uuid;
  return Hint::None;
}

// A byte string of valid service-name text shown as that text; anything else stays hex.
json bytes_for_people(const json& v, Hint hint) {
  if (!v.is_string()) return v;
  const std::string s = v.get<std::string>();
  auto bytes = from_hex(s);
  if (!bytes) return v;
  if (hint == Hint::Uuid && bytes->size() == 16) return uuid_text(*bytes);
  if (hint == Hint::Service) {
    std::string text(bytes->begin(), bytes->end());
    if (vault::ServiceName::from(text).ok()) return text;
  }
  return v;
}

json walk_out(const chain::Metadata& md, std::uint32_t type, const json& v, Hint hint, int depth);

json fields_out(const chain::Metadata& md, const std::vector<chain::TypeField>& fields,
                const json& v, Hint hint, int depth) {
  if (fields.size() == 1 && !fields[0].name) {
    const Hint h = hint_of(fields[0].type_name);
    return walk_out(md, fields[0].type, v, h == Hint::None ? hint : h, depth + 1);
  }
  json out = v;
  if (v.is_object()) {
    for (const auto& f : fields) {
      if (!f.name || !v.contains(*f.name)) continue;
      out[*f.name] = walk_out(md, f.type, v[*f.name], hint_of(f.type_name), depth + 1);
    }
  } else if (v.is_array() && v.size() == fields.size()) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      out[i] = walk_out(md, fields[i].type, v[i], hint_of(fields[i].type_name), depth + 1);
    }
  }
  return out;
}

json walk_out(const chain::Metadata& md, std::uint32_t type, const json& v, Hint hint, int depth) {
  if (depth > 64) return v;
  auto tr = md.type(type);
  if (!tr) return v;
  const chain::TypeDef& t = **tr;
  switch (t.kind) {
    case chain::TypeKind::Composite: return fields_out(md, t.fields, v, hint, depth);
    case chain::TypeKind::Sequence:
      if (is_u8(md, t.element)) return bytes_for_people(v, hint);
      if (v.is_array()) {
        json out = json::array();
        for (const auto& e : v) out.push_back(walk_out(md, t.element, e, hint, depth + 1));
        return out;
      }
      return v;
    case chain::TypeKind::Array:
      if (is_u8(md, t.element)) {
        return bytes_for_people(v, t.length == 16 && hint == Hint::None ? Hint::Uuid : hint);
      }
      if (v.is_array()) {
        json out = json::array();
        for (const auto& e : v) out.push_back(walk_out(md, t.element, e, hint, depth + 1));
        return out;
      }
      return v;
    case chain::TypeKind::Tuple:
      if (v.is_array() && v.size() == t.tuple.size()) {
        json out = json::array();
        for (std::size_t i = 0; i < t.tuple.size(); ++i) {
          out.push_back(walk_out(md, t.tuple[i], v[i], hint, depth + 1));
        }
        return out;
      }
      return v;
    case chain::TypeKind::Variant: {
      const bool option = !t.path.empty() && t.path.back() == "Option";
      if (option) {
        const auto* some = t.variant_by_name("Some");
        if (v.is_null() || some == nullptr || some->fields.size() != 1) return v;
        return walk_out(md, some->fields[0].type, v,
                        hint_of(some->fields[0].type_name) == Hint::None
                            ? hint
                            : hint_of(some->fields[0].type_name),
                        depth + 1);
      }
      if (v.is_object() && v.size() == 1) {
        const auto* var = t.variant_by_name(v.begin().key());
        if (var == nullptr) return v;
        json out;
        out[var->name] = fields_out(md, var->fields, v.begin().value(), hint, depth);
        return out;
      }
      return v;
    }
    default: return v;
  }
}

json walk_in(const chain::Metadata& md, std::uint32_t type, const json& v, int depth);

json fields_in(const chain::Metadata& md, const std::vector<chain::TypeField>& fields,
               const json& v, int depth) {
  if (fields.size() == 1 && !fields[0].name) return walk_in(md, fields[0].type, v, depth + 1);
  json out = v;
  if (v.is_object()) {
    for (const auto& f : fields) {
      if (f.name && v.contains(*f.name)) out[*f.name] = walk_in(md, f.type, v[*f.name], depth + 1);
    }
  } else if (v.is_array() && v.size() == fields.size()) {
    for (std::size_t i = 0; i < fields.size(); ++i) {
      out[i] = walk_in(md, fields[i].type, v[i], depth + 1);
    }
  }
  return out;
}

json walk_in(const chain::Metadata& md, std::uint32_t type, const json& v, int depth) {
  if (depth > 64) return v;
  auto tr = md.type(type);
  if (!tr) return v;
  const chain::TypeDef& t = **tr;
  switch (t.kind) {
    case chain::TypeKind::Composite: return fields_in(md, t.fields, v, depth);
    case chain::TypeKind::Sequence:
      if (is_u8(md, t.element) && v.is_string() && !has_hex_prefix(v.get<std::string>())) {
        return to_hex(as_bytes(v.get<std::string>()));
      }
      if (v.is_array()) {
        json out = json::array();
        for (const auto& e : v) out.push_back(walk_in(md, t.element, e, depth + 1));
        return out;
      }
      return v;
    case chain::TypeKind::Array:
      if (is_u8(md, t.element) && t.length == 16 && v.is_string()) {
        auto id = parse_blob_id(v.get<std::string>());
        if (id) return to_hex(*id);
      }
      if (v.is_array()) {
        json out = json::array();
        for (const auto& e : v) out.push_back(walk_in(md, t.element, e, depth + 1));
        return out;
      }
      return v;
    case chain::TypeKind::Tuple:
      if (v.is_array() && v.size() == t.tuple.size()) {
        json out = json::array();
        for (std::size_t i = 0; i < t.tuple.size(); ++i) {
          out.push_back(walk_in(md, t.tuple[i], v[i], depth + 1));
        }
        return out;
      }
      return v;
    case chain::TypeKind::Variant: {
      const bool option = !t.path.empty() && t.path.back() == "Option";
      if (option) {
        const auto* some = t.variant_by_name("Some");
        if (v.is_null() || some == nullptr || some->fields.size() != 1) return v;
        return walk_in(md, some->fields[0].type, v, depth + 1);
      }
      if (v.is_object() && v.size() == 1) {
        const auto* var = t.variant_by_name(v.begin().key());
        if (var == nullptr) return v;
        json out;
        out[var->name] = fields_in(md, var->fields, v.begin().value(), depth);
        return out;
      }
      return v;
    }
    default: return v;
  }
}

// Reads one line from the terminal without echo.
Result<std::string> prompt_no_echo(std::string_view what) {
  // Echo goes off before the prompt appears, so nothing typed after it is shown.
  termios old{};
  const bool tty = tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::fprintf(stderr, "secret URI of the %.*s: ", static_cast<int>(what.size()), what.data());
  std::fflush(stderr);
  std::string line;
  int c = 0;
  while ((c = std::fgetc(stdin)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  if (tty) tcsetattr(STDIN_FILENO, TCSANOW, &old);
  std::fprintf(stderr, "\n");
  if (line.empty()) return make_error(Errc::Usage, "no secret URI entered");
  return line;
}

}  // namespace

std::string node_url(const Args& args) {
  if (auto u = args.get("url")) return *u;
  const char* env = std::getenv(kUrlEnv);
  if (env != nullptr && *env != '\0') return env;
  return kDefaultUrl;
}

Result<std::unique_ptr<chain::ChainClient>> connect_node(const Args& args) {
  const std::string url = node_url(args);
  return EV_TRY_CTX(url, chain::ChainClient::connect(url));
}

Result<bool> json_output_of(const Args& args) {
  const std::string out = args.get_or("output", "text");
  if (out != "text" && out != "json") {
    return make_error(Errc::Usage, "--output '" + out + "': expected text or json");
  }
  return out == "json";
}

SecretUri::~SecretUri() {
  if (!s_.empty()) sodium_memzero(s_.data(), s_.size());
}

Result<SecretUri> secret_uri(const Args& args, std::string_view what) {
  if (auto s = args.get("suri")) return SecretUri(*s);
  if (auto file = args.get("suri-file")) {
    std::ifstream in(*file);
    if (!in) return make_error(Errc::BadInput, "--suri-file " + *file + ": cannot be read");
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) return make_error(Errc::BadInput, "--suri-file " + *file + ": empty");
    return SecretUri(std::move(line));
  }
  const char* env = std::getenv(kSuriEnv);
  if (env != nullptr && *env != '\0') return SecretUri(env);
  if (isatty(STDIN_FILENO) != 0) return SecretUri(EV_TRY(prompt_no_echo(what)));
  return make_error(Errc::Usage, "the " + std::string(what) +
                                     "'s secret URI is needed: --suri-file FILE, " + kSuriEnv +
                                     ", --suri, or run on a terminal to be asked");
}

Result<chain::Scheme> scheme_or_default(const Args& args) {
  auto name = args.get("scheme");
  if (!name) return chain::Scheme::Ed25519;
  return chain::parse_scheme(*name);
}

Result<chain::KeyPair> signer_of(const Args& args, std::string_view what) {
  const chain::Scheme scheme = EV_TRY(scheme_or_default(args));
  const SecretUri suri = EV_TRY(secret_uri(args, what));
  std::optional<std::string_view> password;
  auto pw = args.get("password");
  if (pw) password = *pw;
  return EV_TRY_CTX("the " + std::string(what) + "'s secret URI",
                    chain::from_suri(scheme, suri.view(), password));
}

Result<ByteArray<32>> parse_account(std::string_view text, std::string_view what) {
  return EV_TRY_CTX(std::string(what) + " '" + std::string(text) + "'",
                    chain::parse_account_id(text));
}

std::string ss58(const ByteArray<32>& account, std::uint16_t prefix) {
  auto s = chain::ss58_encode(account, prefix);
  return s ? *s : to_hex(account);
}

Result<std::string> parse_service(std::string_view text) {
  std::string name(text);
  if (has_hex_prefix(name)) {
    auto bytes = EV_TRY_CTX("service '" + name + "'", from_hex(name));
    name.assign(bytes.begin(), bytes.end());
  }
  auto checked = vault::ServiceName::from(name);
  if (!checked) {
    return make_error(Errc::BadInput, "service '" + std::string(text) +
                                          "': expected 1-64 characters of a-z 0-9 . _ -");
  }
  return name;
}

Result<ByteArray<16>> parse_blob_id(std::string_view text) {
  std::string s(text);
  if (has_hex_prefix(s)) return EV_TRY_CTX("blob id", from_hex_fixed<16>(s));
  static constexpr std::size_t kDashes[] = {8, 13, 18, 23};
  if (s.size() != 36) {
    return make_error(Errc::BadInput, "blob id '" + s + "': expected a UUID (8-4-4-4-12)");
  }
  std::string hex = "0x";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == kDashes[0] || i == kDashes[1] || i == kDashes[2] || i == kDashes[3];
    if (dash != (s[i] == '-') || (!dash && std::isxdigit(static_cast<unsigned char>(s[i])) == 0)) {
      return make_error(Errc::BadInput, "blob id '" + s + "': expected a UUID (8-4-4-4-12)");
    }
    if (!dash) hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(s[i]))));
  }
  return EV_TRY_CTX("blob id", from_hex_fixed<16>(hex));
}

std::string uuid_text(ByteSpan id16) {
  std::string hex = to_hex(id16).substr(2);
  if (hex.size() != 32) return to_hex(id16);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

json prepare_input(const chain::Metadata& md, std::uint32_t type, const json& value) {
  return walk_in(md, type, value, 0);
}

Result<json> prepare_call_args(const chain::Metadata& md, std::string_view pallet,
                               std::string_view call, const json& args) {
  auto info = EV_TRY(md.call(pallet, call));
  return fields_in(md, info.variant->fields, args, 0);
}

json humanize(const chain::Metadata& md, std::uint32_t type, const json& value) {
  return walk_out(md, type, value, Hint::None, 0);
}

json humanize_event(const chain::Metadata& md, std::string_view pallet, std::string_view name,
                    const json& fields) {
  auto v = md.event(pallet, name);
  if (!v) return fields;
  return fields_out(md, (*v)->fields, fields, Hint::None, 0);
}

}  // namespace ev::cli
