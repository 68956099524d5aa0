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

}  // namespace ev
