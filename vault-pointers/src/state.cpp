#include "ev/vault/state.hpp"

#include <algorithm>

namespace ev::vault {

std::optional<Bytes> MemoryState::get(ByteSpan key) const {
  auto it = kv_.find(Bytes(key.begin(), key.end()));
  if (it == kv_.end()) return std::nullopt;
  return it->second;
}

void MemoryState::put(ByteSpan key, ByteSpan value) {
  kv_[Bytes(key.begin(), key.end())] = Bytes(value.begin(), value.end());
}

void MemoryState::erase(ByteSpan key) { kv_.erase(Bytes(key.begin(), key.end())); }

std::vector<Bytes> MemoryState::keys_with_prefix(ByteSpan prefix) const {
  std::vector<Bytes> out;
  for (auto it = kv_.lower_bound(Bytes(prefix.begin(), prefix.end())); it != kv_.end(); ++it) {
    const Bytes& k = it->first;
    if (k.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), k.begin())) break;
    out.push_back(k);
  }
  return out;
}

}  // namespace ev::vault
