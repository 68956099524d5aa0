#include <sodium.h>

#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"

namespace ev::detail {
namespace {

void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  EV_ASSERT(ready, "libsodium failed to initialise");
}

}  // namespace

void secure_wipe(void* p, std::size_t n) { sodium_memzero(p, n); }

void secure_lock(void* p, std::size_t n) {
  ensure_sodium();
  (void)sodium_mlock(p, n);  // best effort: RLIMIT_MEMLOCK may forbid it
}

void secure_unlock(void* p, std::size_t n) {
  (void)sodium_munlock(p, n);  // sodium_munlock wipes before unlocking
  sodium_memzero(p, n);
}

bool secure_equal(const void* a, const void* b, std::size_t n) {
  return sodium_memcmp(a, b, n) == 0;
}

}  // namespace ev::detail
