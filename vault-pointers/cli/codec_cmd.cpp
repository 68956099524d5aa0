// `epochvault codec ...`: encoding helpers for operators and auditors.
#include <cstdio>

#include "cli.hpp"
#include "ev/chain/storage_key.hpp"
#include "ev/common/bytes.hpp"

namespace ev::cli {
namespace {

// "<hasher>:<0xhex>" -> (hasher, key bytes)
Result<std::pair<chain::Hasher, Bytes>> parse_key_arg(const std::string& arg) {
  auto colon = arg.find(':');
  if (colon == std::string::npos) {
    return make_error(Errc::BadInput, "--key '" + arg + "': expected <hasher>:<0xhex>");
  }
  auto hasher = EV_TRY_CTX("--key '" + arg + "'", chain::parse_hasher(arg.substr(0, colon)));
  auto bytes = EV_TRY_CTX("--key '" + arg + "'", from_hex(arg.substr(colon + 1)));
  return std::make_pair(hasher, std::move(bytes));
}

Result<void> storage_key_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"key"}, {}));
  if (args.positional.size() != 2) {
    return make_error(Errc::Usage, "expected <Pallet> <Item> (see --help)");
  }
  std::vector<std::pair<chain::Hasher, Bytes>> keys;
  for (const auto& k : args.all("key")) keys.push_back(EV_TRY(parse_key_arg(k)));
  auto key = chain::storage_key(args.positional[0], args.positional[1], keys);
  std::printf("%s\n", to_hex(key).c_str());
  return ok();
}

}  // namespace

void register_codec_commands(std::vector<Command>& out) {
  out.push_back(
      {"codec", "storage-key", "print the full storage key of a FRAME storage item",
       "epochvault codec storage-key <Pallet> <Item> [--key <hasher>:<0xhex>]...\n"
       "  hashers (case-insensitive): Blake2_128 Blake2_256 Blake2_128Concat Twox128\n"
       "  Twox256 Twox64Concat Identity; each --key is one map key, SCALE-encoded, in order",
       storage_key_cmd});
}

}  // namespace ev::cli
