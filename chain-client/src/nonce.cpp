// NonceManager: one locally counted nonce per account, fetched on demand (nonce.hpp).
#include "ev/chain/nonce.hpp"

#include <utility>

namespace ev::chain {

struct NonceManager::Entry {
  std::mutex mu;                      // serialises reservations (and the fetch) of one account
  std::optional<std::uint64_t> next;  // nullopt: fetch before the next reservation
};

NonceManager::NonceManager(NonceFetcher fetch) : fetch_(std::move(fetch)) {
  EV_ASSERT(fetch_ != nullptr, "NonceManager needs a fetch function");
}

NonceManager::~NonceManager() = default;

NonceManager::Entry& NonceManager::entry(const AccountId32& account) const {
  std::lock_guard lock(mu_);
  auto& slot = entries_[account];
  if (slot == nullptr) slot = std::make_unique<Entry>();
  return *slot;
}

Result<std::uint64_t> NonceManager::reserve(const AccountId32& account) {
  Entry& e = entry(account);
  std::lock_guard lock(e.mu);
  if (!e.next) {
    fetches_.fetch_add(1, std::memory_order_relaxed);
    e.next = EV_TRY(fetch_(account));
  }
  return (*e.next)++;
}

void NonceManager::release(const AccountId32& account, std::uint64_t nonce) {
  Entry& e = entry(account);
  std::lock_guard lock(e.mu);
  if (!e.next) return;  // already unsynchronised: the next reservation fetches
  if (*e.next != 0 && nonce == *e.next - 1) {
    e.next = nonce;
  } else {
    e.next.reset();
  }
}

void NonceManager::resync(const AccountId32& account) {
  Entry& e = entry(account);
  std::lock_guard lock(e.mu);
  e.next.reset();
}

std::optional<std::uint64_t> NonceManager::peek(const AccountId32& account) const {
  Entry& e = entry(account);
  std::lock_guard lock(e.mu);
  return e.next;
}

std::uint64_t NonceManager::fetch_count() const { return fetches_.load(std::memory_order_relaxed); }

}  // namespace ev::chain
