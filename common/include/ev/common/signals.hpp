// Stop signals for the long-running programs (workers, dev node, `epochvault dev`).
#pragma once

#include <signal.h>

#include "ev/common/result.hpp"

namespace ev {

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it starts afterwards) and
// returns the set, for a later sigwait: the program then stops cleanly on either.
// Errors: CommonErrc::Io when pthread_sigmask fails.
[[nodiscard]] Result<sigset_t> block_stop_signals();

// Blocks SIGPIPE in the calling thread while it lives and discards one raised meanwhile: OpenSSL
// writes with write(2), which raises SIGPIPE when the server has closed the connection, and the
// process must not die of it (the failed write is reported as an error instead).
class SigpipeGuard {
 public:
  SigpipeGuard();
  ~SigpipeGuard();
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t old_{};
  bool blocked_ = false;
  bool was_pending_ = false;
};

}  // namespace ev
