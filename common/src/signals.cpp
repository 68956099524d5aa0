#include "ev/common/signals.hpp"

#include <pthread.h>

#include <cstring>
#include <string>

#include "ev/common/errors.hpp"

namespace ev {

Result<sigset_t> block_stop_signals() {
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  if (const int rc = pthread_sigmask(SIG_BLOCK, &sigs, nullptr); rc != 0) {
    return make_error(CommonErrc::Io, std::string("pthread_sigmask: ") + std::strerror(rc));
  }
  return sigs;
}

SigpipeGuard::SigpipeGuard() {
  sigemptyset(&pipe_);
  sigaddset(&pipe_, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  blocked_ = pthread_sigmask(SIG_BLOCK, &pipe_, &old_) == 0;
  was_pending_ = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
}

SigpipeGuard::~SigpipeGuard() {
  if (!blocked_) return;
  sigset_t pending;
  sigemptyset(&pending);
  if (!was_pending_ && sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1) {
    const timespec zero{0, 0};
    (void)sigtimedwait(&pipe_, nullptr, &zero);
  }
  (void)pthread_sigmask(SIG_SETMASK, &old_, nullptr);
}

}  // namespace ev
