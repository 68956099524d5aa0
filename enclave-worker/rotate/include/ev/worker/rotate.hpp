// epochvault-rotate (TEE-B): reads the chain's state each pass (it keeps no mirror), rotates each
// wallet's epoch on its schedule and at once after a revocation, sweeps draining epochs
// (re-encrypting every credential, those revoked agents wrote included), deletes the old epoch's
// objects and records the destruction on chain. Every step is derived from chain state and the
// store, so a crash anywhere is finished by the next run (docs/workers.md).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "ev/common/clock.hpp"
#include "ev/s3/object_store.hpp"
#include "ev/worker/destruction.hpp"
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
  std::filesystem::path state_dir;  // rotate-state.db (docs/workers.md, "Rotate's local state")
  std::string health_host = "127.0.0.1";
  std::uint16_t health_port = 0;  // 0: no health/metrics endpoint
  Clock* clock = nullptr;         // the schedule's and deadlines' time; nullptr: system clock
};

// What one pass did (also the metrics' source).
struct TickReport {
  std::uint64_t block = 0;      // the best block when the pass began (the block followed)
  std::uint64_t finalized = 0;  // the last finalized block then
  std::uint32_t rotations = 0;
  std::uint32_t reencrypted = 0;
  std::uint32_t removed = 0;  // pointers removed by a sweep (none: revocation keeps credentials)
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

  // One pass over every wallet. Errors only when the chain cannot be read; a wallet's
  // failure is logged, counted in `errors` and retried on the next pass.
  [[nodiscard]] Result<TickReport> tick();
  // Binds health_host:health_port (when health_port != 0) and serves /healthz and /metrics on
  // a background thread until the worker is destroyed; returns the bound port (0: none).
  // Errors: Config (the port is taken or not available), never a silently shared port.
  [[nodiscard]] Result<std::uint16_t> start_health();
  // tick() every `poll` until `stop`.
  void run(const std::atomic<bool>& stop);
  // The bound health port after start_health() (0 if none).
  [[nodiscard]] std::uint16_t health_port() const;

  struct Impl;

 private:
  explicit RotateWorker(std::unique_ptr<Impl> impl);
  void record(const Result<TickReport>& r);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ev::worker
