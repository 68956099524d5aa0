#include "ev/enclave/secret_bytes.hpp"

#include <sodium.h>

#include <algorithm>
#include <new>
#include <utility>

#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"

namespace ev::enclave {

SecretBytes::SecretBytes(std::size_t n) {
  if (n == 0) return;
  data_ = new std::uint8_t[n]();
  size_ = n;
  capacity_ = n;
  detail::secure_lock(data_, capacity_);
}

SecretBytes SecretBytes::copy_of(ByteSpan src) {
  SecretBytes s(src.size());
  if (!src.empty()) std::copy(src.begin(), src.end(), s.data_);
  return s;
}

SecretBytes::SecretBytes(SecretBytes&& o) noexcept
    : data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      capacity_(std::exchange(o.capacity_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& o) noexcept {
  if (this != &o) {
    clear();
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
    capacity_ = std::exchange(o.capacity_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() { clear(); }

void SecretBytes::truncate(std::size_t n) {
  EV_ASSERT(n <= size_, "SecretBytes::truncate beyond the size");
  detail::secure_wipe(data_ + n, size_ - n);
  size_ = n;
}

void SecretBytes::clear() {
  if (data_ == nullptr) return;
  detail::secure_unlock(data_, capacity_);  // wipes
  delete[] data_;
  data_ = nullptr;
  size_ = 0;
  capacity_ = 0;
}

bool SecretBytes::equals(ByteSpan other) const {
  if (other.size() != size_) return false;
  if (size_ == 0) return true;
  return detail::secure_equal(data_, other.data(), size_);
}

}  // namespace ev::enclave
