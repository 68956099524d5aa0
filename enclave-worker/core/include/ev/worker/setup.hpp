// Start-up shared by both worker executables: folders, enclave, chain, store, registration.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ev/s3/object_store.hpp"
#include "ev/worker/identity.hpp"
#include "ev/worker/options.hpp"
#include "ev/worker/vault_chain.hpp"

namespace ev::worker {

struct Worker {
  Enclave enclave;
  std::unique_ptr<VaultChain> chain;
  std::unique_ptr<s3::ObjectStore> store;
};

// Parses "signer:<floor>" or "measurement". Errors: Config.
[[nodiscard]] Result<enclave::SealPolicy> parse_seal_policy(std::string_view text);

// Creates the data folders, opens the enclave, connects to the node (retrying for
// wait_seconds), opens the store and registers the worker on chain (retrying while the
// measurement is not yet approved, for wait_seconds). Logs each step to stderr.
[[nodiscard]] Result<Worker> setup_worker(vault::Role role, const CommonOptions& options);

// The `epochvault chain call` that approves `measurement_hex` for `role` through Sudo (signed
// by //Alice, the dev chain's sudo key).
[[nodiscard]] std::string approve_command(vault::Role role, std::string_view measurement_hex);

// What --print-measurement prints: the measurement the simulated platform takes of `exe`
// (SHA-384 of the file), the role, and the command that approves it. Errors: Io.
[[nodiscard]] Result<std::string> measurement_report(vault::Role role,
                                                     const std::filesystem::path& exe);

// main() of a worker executable: runs `run` on the arguments; an error becomes one line
// "<name>: <error>" on stderr and exit code 1. With --print-measurement anywhere in the
// arguments it prints measurement_report() of the running executable instead and exits (the
// role is the one `name` ends with: "rotate" or else serve), without starting anything. With
// --self-test-platform it opens the platform named by the common options, runs
// self_test_platform() and prints its result, exit code 0 only when the evidence verified.
int worker_main(const char* name, int argc, char** argv,
                Result<int> (*run)(const std::vector<std::string>& args));

}  // namespace ev::worker
