// epochvault-devnode: a single-node development chain (docs/devnode.md).
//
//   epochvault-devnode [--rpc-port N] [--rpc-external] [--base-path DIR | --tmp] [--dev]
//                      [--block-time MS] [--grandpa-authority SURI]...
//                      [--production-genesis] [--attestation-max-age SECS]
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "ev/chain/keys.hpp"
#include "ev/common/service_notify.hpp"
#include "ev/common/signals.hpp"
#include "ev/devnode/node.hpp"

namespace {

void usage() {
  std::fprintf(stderr,
               "usage: epochvault-devnode [--rpc-port N (default 9944, 0 = any free port)]\n"
               "                          [--rpc-external] [--base-path DIR | --tmp] [--dev]\n"
               "                          [--block-time MS (default: a block per transaction)]\n"
               "                          [--production-genesis (refuse simulated attestations)]\n"
               "                          [--attestation-max-age SECS (default 86400)]\n"
               "                          [--grandpa-authority SURI (ed25519, repeatable; "
               "default //Alice)]\n");
}

bool parse_u32(std::string_view s, std::uint32_t max, std::uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > max) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  ev::devnode::NodeConfig cfg;
  bool tmp = false;
  bool grandpa_set = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    const auto next = [&]() -> std::string_view {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    std::uint32_t v = 0;
    if (a == "--rpc-port") {
      if (!parse_u32(next(), 65535, v)) {
        std::fprintf(stderr, "--rpc-port: expected 0..65535\n");
        return 2;
      }
      cfg.rpc.port = static_cast<std::uint16_t>(v);
    } else if (a == "--rpc-external") {
      cfg.rpc.host = "0.0.0.0";
    } else if (a == "--base-path") {
      cfg.base_path = std::string(next());
    } else if (a == "--tmp") {
      tmp = true;
    } else if (a == "--dev") {
      cfg.dev = true;
    } else if (a == "--production-genesis") {
      cfg.attestation_dev_mode = false;
    } else if (a == "--attestation-max-age") {
      if (!parse_u32(next(), 365U * 24 * 3600, v) || v == 0) {
        std::fprintf(stderr, "--attestation-max-age: expected 1..31536000 seconds\n");
        return 2;
      }
      cfg.attestation_max_age_secs = v;
    } else if (a == "--block-time") {
      if (!parse_u32(next(), 3'600'000, v) || v == 0) {
        std::fprintf(stderr, "--block-time: expected 1..3600000 milliseconds\n");
        return 2;
      }
      cfg.block_time_ms = v;
    } else if (a == "--grandpa-authority") {
      if (!grandpa_set) cfg.grandpa_authorities.clear();
      grandpa_set = true;
      cfg.grandpa_authorities.emplace_back(next());
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "unknown argument %s\n", argv[i]);
      usage();
      return 2;
    }
  }
  if (tmp && cfg.base_path) {
    std::fprintf(stderr, "--tmp and --base-path exclude each other\n");
    return 2;
  }
  // --tmp (and no --base-path): an in-memory chain, gone at exit.

  // Block the stop signals in every thread; this thread waits for them with sigwait().
  auto blocked = ev::block_stop_signals();
  if (!blocked) {
    std::fprintf(stderr, "%s\n", blocked.error().to_string().c_str());
    return 1;
  }
  sigset_t sigs = *blocked;

  auto node = ev::devnode::Node::open(cfg);
  if (!node) {
    std::fprintf(stderr, "cannot open the chain: %s\n", node.error().to_string().c_str());
    return 1;
  }
  if (cfg.dev) {
    auto accounts = ev::devnode::dev_accounts();
    if (!accounts) {
      std::fprintf(stderr, "%s\n", accounts.error().to_string().c_str());
      return 1;
    }
    std::printf("dev accounts (secret URI, scheme, SS58 address):\n");
    for (const auto& acc : *accounts) {
      std::printf("  %-9s %-7s %s\n", acc.suri.c_str(),
                  std::string(ev::chain::scheme_name(acc.scheme)).c_str(), acc.ss58.c_str());
    }
    std::printf(
        "sudo: //Alice (ecdsa) only; //Alice (ed25519) is an ordinary account "
        "(Sudo.RequireSudo)\n");
  }
  std::printf("genesis: %s\n", ev::to_hex((*node)->genesis_hash()).c_str());
  std::printf("best: #%u\n", (*node)->best().number);
  auto port = (*node)->start();
  if (!port) {
    std::fprintf(stderr, "cannot start: %s\n", port.error().to_string().c_str());
    return 1;
  }
  std::printf("rpc: ws://%s:%u\n", cfg.rpc.host == "0.0.0.0" ? "0.0.0.0" : "127.0.0.1", *port);
  std::fflush(stdout);
  ev::service::Notifier notify;
  notify.ready("rpc on port " + std::to_string(*port));

  int sig = 0;
  sigwait(&sigs, &sig);
  std::printf("stopping (signal %d)\n", sig);
  std::fflush(stdout);
  notify.stopping("stopping");
  (*node)->stop();
  return 0;
}
