// SecretBytes: a dynamic-size buffer for plaintext credentials. Its memory is locked where the
// platform allows (sodium_mlock, best effort) and wiped when the buffer is destroyed, cleared or
// reallocated. It cannot be copied implicitly and is never printable; compare with equals()
// (constant time for equal sizes).
//
// Thread safety: a plain value; one owner at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ev/common/bytes.hpp"

namespace ev::enclave {

class SecretBytes {
 public:
  SecretBytes() = default;
  // n zero bytes.
  explicit SecretBytes(std::size_t n);
  // A copy of `src` (the caller wipes its own copy).
  static SecretBytes copy_of(ByteSpan src);

  SecretBytes(SecretBytes&& o) noexcept;
  SecretBytes& operator=(SecretBytes&& o) noexcept;
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  ~SecretBytes();

  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  [[nodiscard]] ByteSpan view() const { return {data_, size_}; }
  [[nodiscard]] std::span<std::uint8_t> mut() { return {data_, size_}; }

  // Shrinks the visible size to n (n <= size()); the bytes past n are wiped at once.
  void truncate(std::size_t n);
  // Wipes and releases the buffer.
  void clear();
  // Constant-time content comparison (sizes are not secret).
  [[nodiscard]] bool equals(ByteSpan other) const;

 private:
  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace ev::enclave
