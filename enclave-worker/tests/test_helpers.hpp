// Helpers shared by the enclave tests.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>

#include "ev/enclave/platform.hpp"

namespace ev::enclave::test {

// Fills every request with one repeated byte (deterministic nonces for known answers).
class FixedRng final : public Rng {
 public:
  explicit FixedRng(std::uint8_t b) : b_(b) {}
  Result<void> random(std::span<std::uint8_t> out) override {
    std::fill(out.begin(), out.end(), b_);
    return ok();
  }

 private:
  std::uint8_t b_;
};

template <std::size_t N>
ByteArray<N> filled(std::uint8_t b) {
  ByteArray<N> a{};
  a.fill(b);
  return a;
}

}  // namespace ev::enclave::test
