// Account nonces for many transactions in flight from one account.
//
// The next index of an account is fetched once (through an injected function, typically
// system_accountNextIndex, which counts the pool's ready transactions too), then handed out
// locally, one per transaction. When the chain rejects a transaction as stale or future
// (RPC error 1010), the caller resyncs the account and the next reservation fetches again.
//
// Thread safety: every member may be called concurrently. Reservations for one account are
// serialised (two threads never get the same nonce between resyncs, and a first fetch happens
// once even when several threads ask at the same moment); different accounts do not wait for
// each other, except for a short look-up in a shared map. The fetch function is called without
// the shared map's lock held and must not call back into the NonceManager.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "ev/chain/keys.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

// Returns the next nonce the chain expects from an account.
using NonceFetcher = std::function<Result<std::uint64_t>(const AccountId32&)>;

class NonceManager {
 public:
  explicit NonceManager(NonceFetcher fetch);
  NonceManager(const NonceManager&) = delete;
  NonceManager& operator=(const NonceManager&) = delete;
  ~NonceManager();

  // Reserves the account's next nonce: fetched on the first call (and after resync), else the
  // previous reservation + 1. A failed fetch is returned as is and leaves the account
  // unsynchronised (the next call fetches again).
  [[nodiscard]] Result<std::uint64_t> reserve(const AccountId32& account);

  // Gives back a reserved nonce whose transaction was never submitted. When it is the latest
  // reservation, the next reserve() hands it out again; otherwise later nonces are already in
  // use and the gap can only be closed by the chain, so the account is resynchronised.
  void release(const AccountId32& account, std::uint64_t nonce);

  // Forgets the local count (after a stale / future rejection): the next reserve() fetches.
  void resync(const AccountId32& account);

  // The nonce the next reserve() would return without fetching; nullopt when unsynchronised.
  [[nodiscard]] std::optional<std::uint64_t> peek(const AccountId32& account) const;

  // How many times the fetch function has been called (all accounts).
  [[nodiscard]] std::uint64_t fetch_count() const;

 private:
  struct Entry;
  // The account's entry, created on first use. Entries are never erased, so the pointer stays
  // valid for the manager's lifetime.
  [[nodiscard]] Entry& entry(const AccountId32& account) const;

  NonceFetcher fetch_;
  mutable std::mutex mu_;  // guards entries_ (the map, not the entries)
  mutable std::map<AccountId32, std::unique_ptr<Entry>> entries_;
  std::atomic<std::uint64_t> fetches_{0};
};

}  // namespace ev::chain
