// `epochvault mirror ...`: the local SQLite index of the VaultPointers pallet (docs/mirror.md)
// for operators and auditors: follow the chain, rebuild from genesis, compare with chain state.
#include <cstdio>
#include <filesystem>
#include <string>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/vault/mirror.hpp"
#include "input.hpp"

namespace ev::cli {
namespace {

struct Opened {
  std::unique_ptr<chain::ChainClient> client;
  std::unique_ptr<vault::ChainSource> source;
  std::unique_ptr<vault::Mirror> mirror;
};

Result<Opened> open_all(const std::vector<std::string>& argv, const char* what) {
  auto args = EV_TRY(parse_args(argv, {"url", "db"}, {}));
  if (!args.positional.empty()) {
    return make_error(Errc::Usage, std::string("mirror ") + what + " takes no arguments");
  }
  auto db = args.get("db");
  if (!db) return make_error(Errc::Usage, "--db PATH is required (the mirror's SQLite file)");
  // Only sync and rebuild create a mirror; verify never makes an empty one to complain about.
  if (std::string_view(what) == "verify" && !std::filesystem::exists(*db)) {
    return make_error(Errc::Usage, "no mirror at " + *db + ": run `epochvault mirror sync --db " +
                                       *db + "` first (verify never creates one)");
  }
  Opened o;
  // --url, else $EPOCHVAULT_URL, else the default: as every other command.
  const std::string url = node_url(args);
  o.client = EV_TRY_CTX(url, chain::ChainClient::connect(url));
  o.source = vault::chain_source(*o.client);
  o.mirror = EV_TRY_CTX(*db, vault::Mirror::open(*db));
  return o;
}

Result<void> print_last(vault::Mirror& m, std::uint64_t applied) {
  auto last = EV_TRY(m.last_block());
  if (last) {
    std::printf("applied %llu block(s); mirror at #%llu %s\n",
                static_cast<unsigned long long>(applied),
                static_cast<unsigned long long>(last->number), to_hex(last->hash).c_str());
  } else {
    std::printf("applied %llu block(s); mirror is empty\n",
                static_cast<unsigned long long>(applied));
  }
  return ok();
}

Result<void> sync_cmd(const std::vector<std::string>& argv) {
  Opened o = EV_TRY(open_all(argv, "sync"));
  const std::uint64_t n = EV_TRY(o.mirror->sync(*o.source));
  return print_last(*o.mirror, n);
}

Result<void> rebuild_cmd(const std::vector<std::string>& argv) {
  Opened o = EV_TRY(open_all(argv, "rebuild"));
  const std::uint64_t n = EV_TRY(o.mirror->rebuild(*o.source));
  return print_last(*o.mirror, n);
}

Result<void> verify_cmd(const std::vector<std::string>& argv) {
  Opened o = EV_TRY(open_all(argv, "verify"));
  auto diffs = EV_TRY(o.mirror->verify(*o.source));
  auto last = EV_TRY(o.mirror->last_block());
  for (const auto& d : diffs) {
    std::printf("%s[%s]: mirror %s, chain %s\n", d.item.c_str(), d.entry.c_str(), d.mirror.c_str(),
                d.chain.c_str());
  }
  if (!diffs.empty()) {
    return make_error(Errc::Failed, std::to_string(diffs.size()) +
                                        " entries differ from the chain at block #" +
                                        std::to_string(last ? last->number : 0));
  }
  std::printf("mirror equals chain state at #%llu\n",
              static_cast<unsigned long long>(last ? last->number : 0));
  return ok();
}

}  // namespace

void register_mirror_commands(std::vector<Command>& out) {
  out.push_back({"mirror", "sync", "apply finalized blocks to the local SQLite mirror",
                 "epochvault mirror sync --db PATH [--url URL]", sync_cmd});
  out.push_back({"mirror", "rebuild", "empty the mirror and rebuild it from genesis",
                 "epochvault mirror rebuild --db PATH [--url URL]", rebuild_cmd});
  out.push_back({"mirror", "verify", "compare every mirrored entry with chain state",
                 "epochvault mirror verify --db PATH [--url URL]\n"
                 "  prints each differing entry; exit 1 when any differs",
                 verify_cmd});
}

}  // namespace ev::cli
