// `epochvault codec ...` (filled in with the storage-key module).
#include "cli.hpp"

namespace ev::cli {
void register_codec_commands(std::vector<Command>&) {}
}  // namespace ev::cli
