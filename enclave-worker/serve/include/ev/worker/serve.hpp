// epochvault-serve (TEE-A): the agents' HTTP API (docs/api.md). Authenticates agents by a signed
// challenge, authorizes every request against the chain's grants, encrypts new credentials under
// the wallet's current epoch, decrypts on read and lazily re-encrypts blobs of older epochs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ev/s3/object_store.hpp"
#include "ev/worker/identity.hpp"
#include "ev/worker/vault_chain.hpp"

namespace ev::worker {

struct ServeOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8765;  // 0: any free port
  std::string store_prefix;   // "" or ends with '/'
  std::chrono::seconds token_ttl{900};
  std::chrono::seconds challenge_ttl{60};
  std::size_t threads = 8;
  std::size_t max_body = std::size_t{2} * 1024 * 1024;
  std::size_t max_outstanding = 100000;  // challenges + tokens held in memory
};

class ServeWorker {
 public:
  [[nodiscard]] static Result<std::unique_ptr<ServeWorker>> create(
      Enclave enclave, std::unique_ptr<VaultChain> chain, std::unique_ptr<s3::ObjectStore> store,
      ServeOptions options);
  ~ServeWorker();  // stop()
  ServeWorker(const ServeWorker&) = delete;
  ServeWorker& operator=(const ServeWorker&) = delete;

  // Binds and serves on a background thread; returns the bound port.
  [[nodiscard]] Result<std::uint16_t> start();
  void stop();

  struct Impl;

 private:
  explicit ServeWorker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ev::worker
