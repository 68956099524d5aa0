// `epochvault dev`: the embedded default stack on one machine — the dev node (in this process),
// a local-directory object store and the SQLite mirror following the chain — with every
// endpoint written to DIR/endpoints.json and printed. Stops cleanly on Ctrl-C or SIGTERM.
// The enclave workers (epochvault-serve, epochvault-rotate) join this stack when they exist;
// until then endpoints.json says so ("serve": null).
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/devnode/node.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/vault/mirror.hpp"

namespace ev::cli {
namespace {

namespace fs = std::filesystem;

Result<std::uint16_t> port_option(const Args& args) {
  const std::string text = args.get_or("rpc-port", "9944");
  unsigned long v = 0;
  try {
    std::size_t used = 0;
    v = std::stoul(text, &used);
    if (used != text.size() || v > 65535) throw std::out_of_range(text);
  } catch (const std::exception&) {
    return make_error(Errc::Usage, "--rpc-port '" + text + "': expected 0..65535 (0 = any free)");
  }
  return static_cast<std::uint16_t>(v);
}

Result<void> write_endpoints(const fs::path& file, const nlohmann::json& j) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) return make_error(Errc::Failed, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) return make_error(Errc::Failed, "cannot write " + file.string() + ": " + ec.message());
  return ok();
}

Result<void> dev_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"data-dir", "rpc-port", "block-time"}, {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "dev takes no arguments");
  const fs::path dir = fs::absolute(args.get_or("data-dir", "epochvault-dev"));
  std::error_code ec;
  fs::create_directories(dir / "chain", ec);
  if (!ec) fs::create_directories(dir / "store", ec);
  if (ec) return make_error(Errc::Failed, "cannot create " + dir.string() + ": " + ec.message());

  // Stop signals are blocked in every thread; this one waits for them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  if (pthread_sigmask(SIG_BLOCK, &sigs, nullptr) != 0) {
    return make_error(Errc::Failed, "pthread_sigmask failed");
  }

  devnode::NodeConfig cfg;
  cfg.base_path = (dir / "chain").string();
  cfg.dev = true;
  cfg.rpc.port = EV_TRY(port_option(args));
  if (auto bt = args.get("block-time")) {
    try {
      cfg.block_time_ms = static_cast<std::uint32_t>(std::stoul(*bt));
    } catch (const std::exception&) {
      return make_error(Errc::Usage, "--block-time '" + *bt + "': expected milliseconds");
    }
  }
  auto node = EV_TRY_CTX("dev node", devnode::Node::open(cfg));
  const std::uint16_t port = EV_TRY_CTX("dev node RPC", node->start());
  const std::string url = "ws://127.0.0.1:" + std::to_string(port);

  const std::string store_url = "file://" + (dir / "store").string();
  auto store = EV_TRY_CTX("store", s3::open_store(store_url));
  (void)store;

  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& a : EV_TRY(devnode::dev_accounts())) {
    accounts.push_back({{"suri", a.suri},
                        {"scheme", a.scheme == chain::Scheme::Ed25519 ? "ed25519" : "ecdsa"},
                        {"ss58", a.ss58}});
  }
  const nlohmann::json endpoints = {{"node_rpc", url},
                                    {"node_http", "http://127.0.0.1:" + std::to_string(port)},
                                    {"store_url", store_url},
                                    {"serve", nullptr},
                                    {"rotate", nullptr},
                                    {"mirror_db", (dir / "mirror.db").string()},
                                    {"chain_dir", (dir / "chain").string()},
                                    {"sudo", "//Alice (ecdsa)"},
                                    {"dev_accounts", accounts}};
  EV_TRY(write_endpoints(dir / "endpoints.json", endpoints));

  std::printf("epochvault dev stack (data in %s)\n", dir.string().c_str());
  std::printf("  node RPC:   %s  (HTTP on the same port)\n", url.c_str());
  std::printf("  store:      %s\n", store_url.c_str());
  std::printf("  mirror:     %s\n", (dir / "mirror.db").string().c_str());
  std::printf("  workers:    not part of this build yet (endpoints.json: serve = null)\n");
  std::printf("  sudo:       //Alice (ecdsa); dev accounts //Alice..//Ferdie, ed25519 and ecdsa\n");
  std::printf("  endpoints:  %s\n", (dir / "endpoints.json").string().c_str());
  std::printf("try: epochvault chain info --url %s\n", url.c_str());
  std::printf("Ctrl-C stops everything.\n");
  std::fflush(stdout);

  // The mirror follows the chain on its own thread.
  std::atomic<bool> stopping{false};
  std::thread follower([&] {
    auto client = chain::ChainClient::connect(url);
    auto mirror = vault::Mirror::open((dir / "mirror.db").string());
    if (!client || !mirror) {
      std::fprintf(stderr, "mirror: %s\n",
                   (!client ? client.error() : mirror.error()).to_string().c_str());
      return;
    }
    auto source = vault::chain_source(**client);
    while (!stopping) {
      auto n = (*mirror)->sync(*source);
      if (!n) std::fprintf(stderr, "mirror: %s\n", n.error().to_string().c_str());
      for (int i = 0; i < 10 && !stopping; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });

  int sig = 0;
  sigwait(&sigs, &sig);
  std::printf("stopping (signal %d)\n", sig);
  std::fflush(stdout);
  stopping = true;
  follower.join();
  node->stop();
  return ok();
}

}  // namespace

void register_dev_commands(std::vector<Command>& out) {
  out.push_back({"dev", "", "run the embedded dev stack (dev node, directory store, mirror)",
                 "epochvault dev [--data-dir DIR] [--rpc-port N] [--block-time MS]\n"
                 "  DIR defaults to ./epochvault-dev; N defaults to 9944 (0 = any free port);\n"
                 "  writes DIR/endpoints.json and stops on Ctrl-C or SIGTERM",
                 dev_cmd});
}

}  // namespace ev::cli
