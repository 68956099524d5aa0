// The `epochvault` command line: argument parsing shared by every command group.
// Bad input of any kind ends in exit code != 0 and one clear line on stderr.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ev/common/result.hpp"

namespace ev::cli {

// Exit codes (main): Usage 2, NoSuchGrant 3, AlreadyRevoked 4, Timeout 5, anything else 1.
enum class Errc { Usage = 1, BadInput, Failed, NoSuchGrant, AlreadyRevoked, Timeout };

}  // namespace ev::cli

template <>
struct ev::ErrorTraits<ev::cli::Errc> {
  static constexpr std::string_view domain = "cli";
  static std::string_view message(ev::cli::Errc e);
};

namespace ev::cli {

// Parsed arguments: positionals in order, options by name ("--scheme" -> "scheme").
// Options listed as flags take no value; every other option takes exactly one value, given
// as "--name value" or "--name=value". Options may repeat (all values kept, in order).
struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> options;

  [[nodiscard]] bool has(const std::string& name) const { return options.count(name) != 0; }
  // The last value of an option, if given.
  [[nodiscard]] std::optional<std::string> get(const std::string& name) const;
  [[nodiscard]] std::string get_or(const std::string& name, std::string fallback) const;
  [[nodiscard]] const std::vector<std::string>& all(const std::string& name) const;
};

// Parses argv against the allowed option names; unknown options are an error.
[[nodiscard]] Result<Args> parse_args(const std::vector<std::string>& argv,
                                      const std::vector<std::string>& value_options,
                                      const std::vector<std::string>& flag_options);

// A command: name, one-line summary, usage text and the function that runs it.
struct Command {
  std::string group;  // "key", "codec", ...
  std::string name;   // "inspect", ...
  std::string summary;
  std::string usage;
  Result<void> (*run)(const std::vector<std::string>& argv);
};

// Every command group registers its commands here (called once from main).
void register_key_commands(std::vector<Command>& out);
void register_codec_commands(std::vector<Command>& out);
void register_store_commands(std::vector<Command>& out);
void register_chain_commands(std::vector<Command>& out);
void register_chain_read_commands(std::vector<Command>& out);  // from register_chain_commands
void register_mirror_commands(std::vector<Command>& out);
void register_dev_commands(std::vector<Command>& out);
void register_demo_commands(std::vector<Command>& out);
void register_attest_commands(std::vector<Command>& out);
void register_attest_fetch_command(std::vector<Command>& out);
void register_wallet_commands(std::vector<Command>& out);  // wallet ... and agent ...

// The process exit code for a command's error (see Errc).
[[nodiscard]] int exit_code_of(const Error& e);

}  // namespace ev::cli
