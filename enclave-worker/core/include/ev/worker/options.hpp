// Command-line and config-file options of the worker executables: `--name value` flags, or the
// same names as keys of a JSON object in `--config FILE` (flags win). Unknown names are errors.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ev/common/result.hpp"

namespace ev::worker {

class Options {
 public:
  // Errors: Config (unknown flag, missing value, unreadable or malformed config file).
  [[nodiscard]] static Result<Options> parse(const std::vector<std::string>& args,
                                             const std::set<std::string>& known);
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const;
  [[nodiscard]] std::string get_or(const std::string& name, const std::string& fallback) const;
  [[nodiscard]] Result<std::uint64_t> number(const std::string& name, std::uint64_t fallback,
                                             std::uint64_t min, std::uint64_t max) const;
  [[nodiscard]] bool help() const { return help_; }

 private:
  std::map<std::string, std::string> values_;
  bool help_ = false;
};

// The options both workers share, with their defaults.
struct CommonOptions {
  std::string node_url;             // --node, default ws://127.0.0.1:9944
  std::string store_url;            // --store, default file://<data-dir>/store
  std::string store_prefix;         // --store-prefix, default ""
  std::string data_dir;             // --data-dir, default ./epochvault-data
  std::string seed_dir;             // --seed-dir, default <data-dir>/enclave
  std::string platform_secret;      // --platform-secret, default <seed-dir>/platform.secret
  std::string seal_policy;          // --seal-policy signer:<floor> | measurement; default signer:1
  std::string platform;             // --platform, default simulated
  std::string platform_device;      // --platform-device: the platform's device or directory
  std::uint64_t wait_seconds = 60;  // --wait-seconds: how long to wait for the node at start
  // The verified chain view (docs/verified-chain.md, "Workers"): --chain-checkpoint
  // 0x<hash>:<number>, --grandpa-authorities 0x<ed25519 id>[:weight],..., --grandpa-set-id N.
  // Without a checkpoint the worker believes its node's storage answers.
  std::string chain_checkpoint;
  std::string grandpa_authorities;
  std::uint64_t grandpa_set_id = 0;
};

inline const std::set<std::string> kCommonFlags = {"config",
                                                   "node",
                                                   "store",
                                                   "store-prefix",
                                                   "data-dir",
                                                   "seed-dir",
                                                   "platform-secret",
                                                   "seal-policy",
                                                   "wait-seconds",
                                                   "platform",
                                                   "platform-device",
                                                   "chain-checkpoint",
                                                   "grandpa-authorities",
                                                   "grandpa-set-id"};

[[nodiscard]] Result<CommonOptions> common_options(const Options& o);

}  // namespace ev::worker
