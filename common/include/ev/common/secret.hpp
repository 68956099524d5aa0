// Fixed-size secret buffers: wiped on destruction (sodium_memzero), locked in memory where
// the platform allows (sodium_mlock), compared in constant time, never printable.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace ev {

namespace detail {
void secure_wipe(void* p, std::size_t n);
void secure_lock(void* p, std::size_t n);    // best effort; failure is not an error
void secure_unlock(void* p, std::size_t n);  // wipes as well
bool secure_equal(const void* a, const void* b, std::size_t n);
}  // namespace detail

template <std::size_t N>
class Secret {
 public:
  Secret() { detail::secure_lock(bytes_.data(), N); }
  explicit Secret(std::span<const std::uint8_t, N> src) : Secret() {
    for (std::size_t i = 0; i < N; ++i) bytes_[i] = src[i];
  }
  Secret(const Secret& o) : Secret() { bytes_ = o.bytes_; }
  Secret& operator=(const Secret& o) {
    bytes_ = o.bytes_;
    return *this;
  }
  ~Secret() { detail::secure_unlock(bytes_.data(), N); }

  static constexpr std::size_t size() { return N; }
  std::uint8_t* data() { return bytes_.data(); }
  const std::uint8_t* data() const { return bytes_.data(); }
  std::span<const std::uint8_t, N> view() const { return bytes_; }
  std::span<std::uint8_t, N> mut() { return bytes_; }

  // Constant-time comparison.
  bool operator==(const Secret& o) const { return detail::secure_equal(data(), o.data(), N); }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

}  // namespace ev
