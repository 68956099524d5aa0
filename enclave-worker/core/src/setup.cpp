#include "ev/worker/setup.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "ev/s3/s3_client.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

Result<enclave::SealPolicy> parse_seal_policy(std::string_view text) {
  if (text == "measurement") return enclave::SealPolicy::this_measurement();
  constexpr std::string_view kSigner = "signer:";
  if (text.substr(0, kSigner.size()) == kSigner) {
    const std::string_view n = text.substr(kSigner.size());
    std::uint32_t floor = 0;
    bool okay = !n.empty() && n.size() <= 9;
    for (char c : n) {
      if (c < '0' || c > '9') okay = false;
      floor = floor * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (okay) return enclave::SealPolicy::same_signer(floor);
  }
  return make_error(WorkerErrc::Config, "--seal-policy '" + std::string(text) +
                                            "': expected signer:<version floor> or measurement");
}

Result<Worker> setup_worker(vault::Role role, const CommonOptions& o) {
  const char* name = role == vault::Role::Serve ? "serve" : "rotate";
  std::error_code ec;
  for (const auto& dir : {o.data_dir, o.seed_dir}) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return make_error(WorkerErrc::Config, "cannot create " + dir + ": " + ec.message());
  }
  EnclaveOptions eo;
  eo.role = role;
  eo.seed_dir = o.seed_dir;
  eo.platform_secret = o.platform_secret;
  eo.policy = EV_TRY(parse_seal_policy(o.seal_policy));
  Enclave enclave = EV_TRY(open_enclave(eo));
  std::fprintf(stderr, "%s: enclave measurement %s (simulated platform, not hardware-backed)\n",
               name, to_hex(enclave.measurement.bytes()).c_str());
  std::fprintf(stderr, "%s: worker account %s\n", name,
               to_hex(enclave.signer.account_id()).c_str());

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.wait_seconds);
  std::unique_ptr<VaultChain> chain;
  for (;;) {
    auto c = VaultChain::connect(o.node_url);
    if (c) {
      chain = std::move(c).value();
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::move(c).error();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  auto store = s3::open_store(o.store_url);
  if (!store) {
    return make_error(WorkerErrc::Config, "store " + o.store_url + ": " + store.error().message);
  }
  for (;;) {
    auto r = register_worker(enclave, *chain);
    if (r) break;
    if (std::chrono::steady_clock::now() >= deadline) return std::move(r).error();
    std::fprintf(stderr, "%s: not registered yet: %s (retrying)\n", name,
                 r.error().message.c_str());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::fprintf(stderr, "%s: registered on chain as a %s worker\n", name, name);
  return Worker{std::move(enclave), std::move(chain), std::move(store).value()};
}

sigset_t block_stop_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  return sigs;
}

int worker_main(const char* name, int argc, char** argv,
                Result<int> (*run)(const std::vector<std::string>& args)) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto r = run(args);
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", name, r.error().to_string().c_str());
    return 1;
  }
  return *r;
}

}  // namespace ev::worker
