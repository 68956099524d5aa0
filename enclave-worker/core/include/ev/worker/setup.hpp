// Start-up shared by both worker executables: folders, enclave, chain, store, registration.
#pragma once

#include <signal.h>

#include <memory>
#include <string>
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

// Blocks SIGINT and SIGTERM in this thread (and the threads it starts) and returns them, for a
// later sigwait: the workers stop cleanly on either.
[[nodiscard]] sigset_t block_stop_signals();

// main() of a worker executable: runs `run` on the arguments; an error becomes one line
// "<name>: <error>" on stderr and exit code 1.
int worker_main(const char* name, int argc, char** argv,
                Result<int> (*run)(const std::vector<std::string>& args));

}  // namespace ev::worker
