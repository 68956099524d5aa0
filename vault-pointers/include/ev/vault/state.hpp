// Raw key/value state the pallet reads and writes (a real seam: the dev node implements it
// over its block overlay; tests use MemoryState).
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "ev/common/bytes.hpp"

namespace ev::vault {

class StateAccess {
 public:
  virtual ~StateAccess() = default;
  // The value under key, or nullopt when absent.
  virtual std::optional<Bytes> get(ByteSpan key) const = 0;
  // Inserts or replaces.
  virtual void put(ByteSpan key, ByteSpan value) = 0;
  // Removes; absent keys are ignored.
  virtual void erase(ByteSpan key) = 0;
  // Every present key starting with prefix, in increasing byte order.
  virtual std::vector<Bytes> keys_with_prefix(ByteSpan prefix) const = 0;
};

// An ordered in-memory StateAccess. Not thread-safe.
class MemoryState final : public StateAccess {
 public:
  std::optional<Bytes> get(ByteSpan key) const override;
  void put(ByteSpan key, ByteSpan value) override;
  void erase(ByteSpan key) override;
  std::vector<Bytes> keys_with_prefix(ByteSpan prefix) const override;

  [[nodiscard]] const std::map<Bytes, Bytes>& entries() const { return kv_; }

 private:
  std::map<Bytes, Bytes> kv_;
};

}  // namespace ev::vault
