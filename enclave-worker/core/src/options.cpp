#include "ev/worker/options.hpp"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "ev/common/parse.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

Result<Options> Options::parse(const std::vector<std::string>& args,
                               const std::set<std::string>& known) {
  Options o;
  std::map<std::string, std::string> flags;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.help_ = true;
      continue;
    }
    if (a.rfind("--", 0) != 0)
      return make_error(WorkerErrc::Config, "unexpected argument '" + a + "'");
    std::string name = a.substr(2);
    std::string value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    } else {
      if (i + 1 >= args.size())
        return make_error(WorkerErrc::Config, "--" + name + " needs a value");
      value = args[++i];
    }
    if (known.count(name) == 0) return make_error(WorkerErrc::Config, "unknown option --" + name);
    flags[name] = value;
  }
  if (auto it = flags.find("config"); it != flags.end()) {
    std::ifstream in(it->second);
    if (!in) return make_error(WorkerErrc::Config, "cannot read config file " + it->second);
    std::stringstream ss;
    ss << in.rdbuf();
    const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      return make_error(WorkerErrc::Config, it->second + ": expected a JSON object");
    }
    for (const auto& [k, v] : j.items()) {
      if (known.count(k) == 0 || k == "config") {
        return make_error(WorkerErrc::Config, it->second + ": unknown key '" + k + "'");
      }
      if (v.is_string()) {
        o.values_[k] = v.get<std::string>();
      } else if (v.is_number_unsigned() || v.is_boolean()) {
        o.values_[k] = v.dump();
      } else {
        return make_error(WorkerErrc::Config,
                          it->second + ": key '" + k + "' must be a string or a number");
      }
    }
  }
  for (auto& [k, v] : flags) o.values_[k] = v;
  return o;
}

std::optional<std::string> Options::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Options::get_or(const std::string& name, const std::string& fallback) const {
  return get(name).value_or(fallback);
}

Result<std::uint64_t> Options::number(const std::string& name, std::uint64_t fallback,
                                      std::uint64_t min, std::uint64_t max) const {
  auto v = get(name);
  if (!v) return fallback;
  const auto n = parse_decimal(*v, min, max);
  if (!n) {
    return make_error(WorkerErrc::Config, "--" + name + " '" + *v + "': expected a number in " +
                                              std::to_string(min) + ".." + std::to_string(max));
  }
  return *n;
}

Result<CommonOptions> common_options(const Options& o) {
  CommonOptions c;
  c.node_url = o.get_or("node", "ws://127.0.0.1:9944");
  c.data_dir = o.get_or("data-dir", "epochvault-data");
  c.store_url = o.get_or("store", "file://" + c.data_dir + "/store");
  c.store_prefix = o.get_or("store-prefix", "");
  c.seed_dir = o.get_or("seed-dir", c.data_dir + "/enclave");
  c.platform_secret = o.get_or("platform-secret", c.seed_dir + "/platform.secret");
  c.seal_policy = o.get_or("seal-policy", "signer:1");
  c.platform = o.get_or("platform", "simulated");
  c.platform_device = o.get_or("platform-device", "");
  c.wait_seconds = EV_TRY(o.number("wait-seconds", 60, 0, 3600));
  c.chain_checkpoint = o.get_or("chain-checkpoint", "");
  c.grandpa_authorities = o.get_or("grandpa-authorities", "");
  c.grandpa_set_id = EV_TRY(o.number("grandpa-set-id", 0, 0, UINT64_MAX));
  if (c.chain_checkpoint.empty() != c.grandpa_authorities.empty()) {
    return make_error(WorkerErrc::Config,
                      "--chain-checkpoint and --grandpa-authorities go together (the block the "
                      "verified view starts from and the authority set that finalises after it)");
  }
  if (!c.store_prefix.empty() && c.store_prefix.back() != '/') {
    return make_error(WorkerErrc::Config, "--store-prefix must end with '/'");
  }
  return c;
}

}  // namespace ev::worker
