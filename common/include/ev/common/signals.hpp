// Stop signals for the long-running programs (workers, dev node, `epochvault dev`).
#pragma once

#include <signal.h>

#include "ev/common/result.hpp"

namespace ev {

// Blocks SIGINT and SIGTERM in the calling thread (and the threads it starts afterwards) and
// returns the set, for a later sigwait: the program then stops cleanly on either.
// Errors: CommonErrc::Io when pthread_sigmask fails.
[[nodiscard]] Result<sigset_t> block_stop_signals();

}  // namespace ev
