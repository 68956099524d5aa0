// Time and randomness as injected seams: the workers and the S3 client read the time through a
// Clock and draw random bytes through an Rng, so that tests drive time by hand and an enclave
// platform can supply its own randomness.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>

#include "ev/common/result.hpp"

namespace ev {

// Wall-clock time. Implementations must be safe for concurrent calls.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point now() = 0;
  // Whole seconds since the Unix epoch.
  [[nodiscard]] std::int64_t unix_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(now().time_since_epoch()).count();
  }
};

// The system's clock (process-wide, thread-safe).
[[nodiscard]] Clock& system_clock();

// A clock that moves only when told to (tests). Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(std::chrono::system_clock::time_point start =
                           std::chrono::system_clock::time_point(std::chrono::seconds(1700000000)))
      : now_(start) {}
  std::chrono::system_clock::time_point now() override {
    std::lock_guard lock(mu_);
    return now_;
  }
  void advance(std::chrono::system_clock::duration d) {
    std::lock_guard lock(mu_);
    now_ += d;
  }

 private:
  std::mutex mu_;
  std::chrono::system_clock::time_point now_;
};

// A source of cryptographically secure random bytes. Implementations must be safe for
// concurrent calls.
class Rng {
 public:
  virtual ~Rng() = default;
  // Fills `out` entirely or fails.
  [[nodiscard]] virtual Result<void> random(std::span<std::uint8_t> out) = 0;
};

}  // namespace ev
