// `epochvault key ...` (filled in with the keys module).
#include "cli.hpp"

namespace ev::cli {
void register_key_commands(std::vector<Command>&) {}
}  // namespace ev::cli
