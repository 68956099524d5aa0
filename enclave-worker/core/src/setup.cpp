#include "ev/worker/setup.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <thread>

#include "ev/enclave/simulated_platform.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/worker/errors.hpp"
#include "ev/worker/self_test.hpp"

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
  eo.platform = o.platform;
  if (!o.platform_device.empty()) eo.platform_device = o.platform_device;
  eo.policy = EV_TRY(parse_seal_policy(o.seal_policy));
  Enclave enclave = EV_TRY(open_enclave(eo));
  std::fprintf(stderr, "%s: enclave measurement %s (%s platform%s)\n", name,
               to_hex(enclave.measurement.bytes()).c_str(), o.platform.c_str(),
               o.platform == "simulated" ? ", not hardware-backed" : "");
  std::fprintf(stderr, "%s: worker account %s\n", name,
               to_hex(enclave.signer.account_id()).c_str());

  std::optional<ChainCheckpoint> checkpoint;
  if (!o.chain_checkpoint.empty()) {
    checkpoint =
        EV_TRY(parse_checkpoint(o.chain_checkpoint, o.grandpa_authorities, o.grandpa_set_id));
  }

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
  if (checkpoint) {
    chain->verify_from(*checkpoint);
    std::fprintf(stderr, "%s: reading the chain through proofs from block #%u (%s), set %llu\n",
                 name, checkpoint->number, to_hex(checkpoint->hash).c_str(),
                 static_cast<unsigned long long>(checkpoint->set.set_id));
  } else {
    std::fprintf(stderr,
                 "%s: WARNING: no --chain-checkpoint: the node's storage answers are "
                 "believed unverified\n",
                 name);
  }
  auto store = s3::open_store(o.store_url);
  if (!store) {
    return make_error(WorkerErrc::Config, "store " + o.store_url + ": " + store.error().message);
  }
  bool told = false;
  for (;;) {
    auto r = register_worker(enclave, *chain);
    if (r) break;
    if (std::chrono::steady_clock::now() >= deadline) return std::move(r).error();
    std::fprintf(stderr, "%s: not registered yet: %s (retrying)\n", name,
                 r.error().message.c_str());
    if (!told && r.error().message.find("MeasurementNotApproved") != std::string::npos) {
      told = true;
      std::fprintf(stderr,
                   "%s: approve the measurement (Root; through Sudo on a dev chain):\n  %s\n", name,
                   approve_command(role, to_hex(enclave.measurement.bytes())).c_str());
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  std::fprintf(stderr, "%s: registered on chain as a %s worker\n", name, name);
  return Worker{std::move(enclave), std::move(chain), std::move(store).value()};
}

std::string approve_command(vault::Role role, std::string_view measurement_hex) {
  const std::string role_name = role == vault::Role::Serve ? "Serve" : "Rotate";
  return "epochvault chain call Sudo sudo '[{\"VaultPointers\":{\"approve_measurement\":{"
         "\"measurement\":\"" +
         std::string(measurement_hex) + "\",\"role\":\"" + role_name +
         "\"}}}]' --suri //Alice --scheme ecdsa";
}

Result<std::string> measurement_report(vault::Role role, const std::filesystem::path& exe) {
  const enclave::Measurement m = EV_TRY(enclave::measure_file(exe));
  const std::string hex = to_hex(ByteSpan(m.data(), m.size()));
  return hex + "\nrole: " + (role == vault::Role::Serve ? "Serve" : "Rotate") +
         "\napprove it (Root; through Sudo on a dev or test chain whose sudo key is //Alice):\n  " +
         approve_command(role, hex) + "\n";
}

namespace {

// `--self-test-platform` with the common options (docs/attestation.md).
Result<int> run_self_test(std::vector<std::string> args) {
  args.erase(std::remove(args.begin(), args.end(), "--self-test-platform"), args.end());
  const Options o = EV_TRY(Options::parse(args, kCommonFlags));
  const CommonOptions c = EV_TRY(common_options(o));
  EnclaveOptions eo;
  eo.platform = c.platform;
  eo.platform_secret = c.platform_secret;
  if (!c.platform_device.empty()) eo.platform_device = c.platform_device;
  if (c.platform == "simulated") {
    std::error_code ec;
    std::filesystem::create_directories(c.seed_dir, ec);
    if (ec)
      return make_error(WorkerErrc::Config, "cannot create " + c.seed_dir + ": " + ec.message());
  }
  auto platform = EV_TRY(make_platform(eo));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const SelfTestResult r = self_test_platform(*platform, c.platform, now);
  std::fputs(r.text.c_str(), stdout);
  return r.verified ? 0 : 1;
}

}  // namespace

int worker_main(const char* name, int argc, char** argv,
                Result<int> (*run)(const std::vector<std::string>& args)) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (std::find(args.begin(), args.end(), "--print-measurement") != args.end()) {
    // The simulated platform measures the running executable (SHA-384 of /proc/self/exe).
    const auto role =
        std::string_view(name).ends_with("rotate") ? vault::Role::Rotate : vault::Role::Serve;
    auto report = measurement_report(role, "/proc/self/exe");
    if (!report) {
      std::fprintf(stderr, "%s: %s\n", name, report.error().to_string().c_str());
      return 1;
    }
    std::fputs(report->c_str(), stdout);
    return 0;
  }
  const bool self_test = std::find(args.begin(), args.end(), "--self-test-platform") != args.end();
  auto r = self_test ? run_self_test(args) : run(args);
  if (!r) {
    std::fprintf(stderr, "%s: %s\n", name, r.error().to_string().c_str());
    return 1;
  }
  return *r;
}

}  // namespace ev::worker
