#include "ev/common/clock.hpp"

namespace ev {

namespace {
class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point now() override { return std::chrono::system_clock::now(); }
};
}  // namespace

Clock& system_clock() {
  static SystemClock c;
  return c;
}

}  // namespace ev
