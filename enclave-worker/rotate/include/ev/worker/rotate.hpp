// epochvault-rotate (TEE-B): follows the chain through its own mirror, rotates each wallet's
// epoch on its schedule and at once after a revocation, sweeps draining epochs (re-encrypting
// what remains, removing the revoked agents' blobs), deletes the old epoch's objects and records
// the destruction on chain. Every step is derived from chain state and the store, so a crash
// anywhere is finished by the next run (docs/workers.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "ev/s3/object_store.hpp"
#include "ev/worker/identity.hpp"
#include "ev/worker/vault_chain.hpp"

namespace ev::worker {

struct RotateOptions {
  std::chrono::seconds period{std::chrono::hours(24 * 7)};  // scheduled rotation per wallet
  std::chrono::seconds revocation_deadline{std::chrono::hours(24)};
  std::chrono::seconds scheduled_deadline{std::chrono::hours(24 * 7)};
  std::chrono::milliseconds poll{1000};
  std::size_t batch = 64;       // blobs per batch_all extrinsic
  std::size_t concurrency = 4;  // threads re-encrypting one batch
  std::string store_prefix;
  std::filesystem::path state_dir;  // rotate-mirror.db, rotate-state.db
  std::string health_host = "127.0.0.1";
  std::uint16_t health_port = 0;  // 0: no health/metrics endpoint
};

// What one pass did (also the metrics' source).
struct TickReport {
  std::uint64_t block = 0;
  std::uint32_t rotations = 0;
  std::uint32_t reencrypted = 0;
  std::uint32_t removed = 0;
  std::uint32_t objects_deleted = 0;
  std::uint32_t destroyed = 0;
  std::uint32_t deadlines_missed = 0;
  std::uint32_t errors = 0;
};

class RotateWorker {
 public:
  [[nodiscard]] static Result<std::unique_ptr<RotateWorker>> create(
      Enclave enclave, std::unique_ptr<VaultChain> chain, std::unique_ptr<s3::ObjectStore> store,
      RotateOptions options);
  ~RotateWorker();
  RotateWorker(const RotateWorker&) = delete;
  RotateWorker& operator=(const RotateWorker&) = delete;

  // One pass over every wallet. Errors only when the mirror cannot follow the chain; a wallet's
  // failure is logged, counted in `errors` and retried on the next pass.
  [[nodiscard]] Result<TickReport> tick();
  // tick() every `poll` until `stop` (serves /healthz and /metrics when health_port != 0).
  void run(const std::atomic<bool>& stop);
  // The bound health port after run() started it (0 if none).
  [[nodiscard]] std::uint16_t health_port() const;

  struct Impl;

 private:
  explicit RotateWorker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// SHA-256 over the deleted objects, sorted by key: for each, u32 LE key length ‖ key ‖ SHA-256
// of the object (docs/workers.md, "Destruction digest").
[[nodiscard]] vault::Hash256 deletion_digest(
    std::vector<std::pair<std::string, vault::Hash256>> deleted);

}  // namespace ev::worker
