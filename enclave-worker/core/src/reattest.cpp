#include "ev/worker/reattest.hpp"

#include <utility>

namespace ev::worker {

Reattester::Reattester(Enclave& enclave, VaultChain& chain, std::mutex& platform_mu,
                       std::chrono::milliseconds interval, Log log)
    : enclave_(enclave),
      chain_(chain),
      platform_mu_(platform_mu),
      interval_(interval),
      log_(std::move(log)) {}

Reattester::~Reattester() { stop(); }

Result<void> Reattester::check_once() {
  std::lock_guard lock(platform_mu_);
  return register_worker(enclave_, chain_);
}

void Reattester::start() {
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!cv_.wait_for(lock, interval_, [this] { return stopping_; })) {
      lock.unlock();
      if (auto r = check_once(); !r && log_) log_("re-attestation: " + r.error().to_string());
      lock.lock();
    }
  });
}

void Reattester::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace ev::worker
