// Keeps a running worker's registration fresh (docs/workers.md, "Re-attestation"): a thread that
// every `interval` reads Workers[signer] and, once half of the attestation's lifetime has passed
// (attestation_due) or the entry is gone, submits register_worker with a fresh attestation, so
// the chain never sees the worker's attestation lapse while it runs.
//
// Thread safety: start() and stop() from one owning thread. The platform is used under
// `platform_mu`, which the owner also holds for its own attestations.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "ev/worker/identity.hpp"
#include "ev/worker/vault_chain.hpp"

namespace ev::worker {

class Reattester {
 public:
  using Log = std::function<void(const std::string&)>;
  Reattester(Enclave& enclave, VaultChain& chain, std::mutex& platform_mu,
             std::chrono::milliseconds interval, Log log);
  ~Reattester();  // stop()
  Reattester(const Reattester&) = delete;
  Reattester& operator=(const Reattester&) = delete;

  void start();
  void stop();  // idempotent; waits for the thread
  // One check (and re-registration when due), as the thread runs it. Errors: register_worker's.
  [[nodiscard]] Result<void> check_once();

 private:
  Enclave& enclave_;
  VaultChain& chain_;
  std::mutex& platform_mu_;
  std::chrono::milliseconds interval_;
  Log log_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ev::worker
