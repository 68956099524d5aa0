// epochvault-serve (TEE-A): the agents' HTTP API (docs/api.md). Authenticates agents by a signed
// challenge, authorizes every request against the chain's grants, encrypts new credentials under
// the wallet's current epoch, decrypts on read and lazily re-encrypts blobs of older epochs.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ev/common/clock.hpp"
#include "ev/s3/object_store.hpp"
#include "ev/worker/http_gate.hpp"
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
  // Separate budgets: unauthenticated challenges never crowd out tokens.
  std::size_t max_challenges = 100000;  // outstanding challenges held in memory
  std::size_t max_tokens = 100000;      // live tokens held in memory
  // Challenges each client address (and each wallet/agent pair) may ask for: a token bucket of
  // `burst` refilled at `per_sec`. Beyond it: 429.
  struct Rate {
    double per_sec = 1;
    double burst = 1;
  };
  Rate challenges_per_client{10, 30};
  // Per wallet: credentials (pointers) and stored bytes; a PUT beyond either is refused (403)
  // before serve spends a chain transaction on it.
  std::size_t max_wallet_credentials = 1000;
  std::uint64_t max_wallet_bytes = std::uint64_t{64} * 1024 * 1024;
  Rate challenges_per_agent{1, 10};
  Clock* clock = nullptr;  // token and challenge expiry; nullptr: system clock
  // Connections, whole-request deadlines and request head caps (docs/threat-model.md); its
  // `threads` and `max_body` are taken from the fields above.
  HttpLimits http;
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
