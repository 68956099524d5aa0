#include <algorithm>

#include "cli.hpp"

std::string_view ev::ErrorTraits<ev::cli::Errc>::message(ev::cli::Errc e) {
  switch (e) {
    case ev::cli::Errc::Usage: return "usage";
    case ev::cli::Errc::BadInput: return "bad input";
    case ev::cli::Errc::Failed: return "failed";
    case ev::cli::Errc::NoSuchGrant: return "no such grant";
    case ev::cli::Errc::AlreadyRevoked: return "already revoked";
    case ev::cli::Errc::Timeout: return "timed out";
  }
  return "error";
}

namespace ev::cli {

int exit_code_of(const Error& e) {
  if (e.domain != ErrorTraits<Errc>::domain) return 1;
  switch (static_cast<Errc>(e.code)) {
    case Errc::Usage: return 2;
    case Errc::NoSuchGrant: return 3;
    case Errc::AlreadyRevoked: return 4;
    case Errc::Timeout: return 5;
    default: return 1;
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = options.find(name);
  if (it == options.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::get_or(const std::string& name, std::string fallback) const {
  auto v = get(name);
  return v ? *v : std::move(fallback);
}

const std::vector<std::string>& Args::all(const std::string& name) const {
  static const std::vector<std::string> kNone;
  auto it = options.find(name);
  return it == options.end() ? kNone : it->second;
}

Result<Args> parse_args(const std::vector<std::string>& argv,
                        const std::vector<std::string>& value_options,
                        const std::vector<std::string>& flag_options) {
  auto contains = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  Args out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() < 3 || a.rfind("--", 0) != 0) {
      out.positional.push_back(a);
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (contains(flag_options, name)) {
      if (value) return make_error(Errc::Usage, "--" + name + " takes no value");
      out.options[name].emplace_back();
      continue;
    }
    if (!contains(value_options, name)) return make_error(Errc::Usage, "unknown option --" + name);
    if (!value) {
      if (i + 1 >= argv.size()) return make_error(Errc::Usage, "--" + name + " needs a value");
      value = argv[++i];
    }
    out.options[name].push_back(*value);
  }
  return out;
}

}  // namespace ev::cli
