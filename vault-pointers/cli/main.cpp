// epochvault: the host-side CLI for operators, users and auditors.
#include <cstdio>
#include <string>
#include <vector>

#include "cli.hpp"

namespace {

void print_help(const std::vector<ev::cli::Command>& commands) {
  std::printf(
      "epochvault - credentials encrypted off-chain under per-epoch keys, anchored on a "
      "Substrate chain\n\nUsage: epochvault <group> <command> [args] [options]\n\nCommands:\n");
  for (const auto& c : commands) {
    const std::string full = c.name.empty() ? c.group : c.group + " " + c.name;
    std::printf("  %-22s %s\n", full.c_str(), c.summary.c_str());
  }
  std::printf("\nRun 'epochvault <group> <command> --help' for a command's usage.\n");
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<ev::cli::Command> commands;
  ev::cli::register_key_commands(commands);
  ev::cli::register_codec_commands(commands);
  ev::cli::register_store_commands(commands);
  ev::cli::register_chain_commands(commands);
  ev::cli::register_mirror_commands(commands);
  ev::cli::register_dev_commands(commands);
  ev::cli::register_demo_commands(commands);
  ev::cli::register_attest_commands(commands);
  ev::cli::register_attest_fetch_command(commands);
  ev::cli::register_wallet_commands(commands);

  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_help(commands);
    return args.empty() ? 2 : 0;
  }
  for (const auto& c : commands) {
    // A group without sub-commands ("dev") is one word.
    const std::size_t words = c.name.empty() ? 1 : 2;
    if (args.size() < words || c.group != args[0] || (words == 2 && c.name != args[1])) continue;
    std::vector<std::string> rest(args.begin() + static_cast<std::ptrdiff_t>(words), args.end());
    for (const auto& a : rest) {
      if (a == "--help" || a == "-h") {
        std::printf("Usage: %s\n", c.usage.c_str());
        return 0;
      }
    }
    auto r = c.run(rest);
    if (!r.ok()) {
      std::fprintf(stderr, "error: %s\n", r.error().message.c_str());
      return ev::cli::exit_code_of(r.error());
    }
    return 0;
  }
  std::fprintf(stderr, "error: unknown command '%s%s%s' (see 'epochvault --help')\n",
               args[0].c_str(), args.size() > 1 ? " " : "", args.size() > 1 ? args[1].c_str() : "");
  return 2;
}
