// NonceManager: fetched once, counted locally, resynchronised on demand, safe across threads.
#include "ev/chain/nonce.hpp"

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "ev/common/errors.hpp"

namespace ev::chain {
namespace {

AccountId32 account(std::uint8_t b) {
  AccountId32 a;
  a.fill(b);
  return a;
}

// A chain stub: per-account next index, settable by the test; counts calls.
struct FakeChain {
  std::mutex mu;
  std::map<AccountId32, std::uint64_t> next;
  std::atomic<int> calls{0};
  std::atomic<bool> fail{false};
  std::chrono::milliseconds delay{0};

  NonceFetcher fetcher() {
    return [this](const AccountId32& a) -> Result<std::uint64_t> {
      ++calls;
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      if (fail) return make_error(CommonErrc::Io, "node unreachable");
      std::lock_guard lock(mu);
      return next[a];
    };
  }
};

TEST_CASE("nonce: fetches once, then counts locally", "[nonce]") {
  FakeChain chain;
  chain.next[account(1)] = 41;
  NonceManager m(chain.fetcher());
  CHECK_FALSE(m.peek(account(1)).has_value());
  CHECK(m.reserve(account(1)).value() == 41);
  CHECK(m.reserve(account(1)).value() == 42);
  CHECK(m.reserve(account(1)).value() == 43);
  CHECK(m.peek(account(1)) == std::optional<std::uint64_t>(44));
  CHECK(chain.calls == 1);
  CHECK(m.fetch_count() == 1);
}

TEST_CASE("nonce: accounts are counted separately", "[nonce]") {
  FakeChain chain;
  chain.next[account(1)] = 5;
  chain.next[account(2)] = 100;
  NonceManager m(chain.fetcher());
  CHECK(m.reserve(account(1)).value() == 5);
  CHECK(m.reserve(account(2)).value() == 100);
  CHECK(m.reserve(account(1)).value() == 6);
  CHECK(chain.calls == 2);
}

TEST_CASE("nonce: resync fetches the chain's index again", "[nonce]") {
  FakeChain chain;
  chain.next[account(1)] = 10;
  NonceManager m(chain.fetcher());
  CHECK(m.reserve(account(1)).value() == 10);
  CHECK(m.reserve(account(1)).value() == 11);
  // The chain saw only the first transaction (the second was dropped as future/stale).
  chain.next[account(1)] = 11;
  m.resync(account(1));
  CHECK_FALSE(m.peek(account(1)).has_value());
  CHECK(m.reserve(account(1)).value() == 11);
  CHECK(chain.calls == 2);
}

TEST_CASE("nonce: releasing the latest reservation hands it out again", "[nonce]") {
  FakeChain chain;
  chain.next[account(1)] = 3;
  NonceManager m(chain.fetcher());
  const auto n = m.reserve(account(1)).value();
  m.release(account(1), n);
  CHECK(m.reserve(account(1)).value() == 3);
  CHECK(chain.calls == 1);
}

TEST_CASE("nonce: releasing an older reservation resynchronises", "[nonce]") {
  FakeChain chain;
  chain.next[account(1)] = 3;
  NonceManager m(chain.fetcher());
  const auto first = m.reserve(account(1)).value();
  CHECK(m.reserve(account(1)).value() == 4);
  m.release(account(1), first);  // a gap: only the chain knows what comes next
  CHECK_FALSE(m.peek(account(1)).has_value());
  chain.next[account(1)] = 3;
  CHECK(m.reserve(account(1)).value() == 3);
  CHECK(chain.calls == 2);
}

TEST_CASE("nonce: a failed fetch is returned and retried on the next reservation", "[nonce]") {
  FakeChain chain;
  chain.next[account(1)] = 8;
  chain.fail = true;
  NonceManager m(chain.fetcher());
  const auto r = m.reserve(account(1));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("node unreachable") != std::string::npos);
  CHECK_FALSE(m.peek(account(1)).has_value());
  chain.fail = false;
  CHECK(m.reserve(account(1)).value() == 8);
  CHECK(chain.calls == 2);
}

TEST_CASE("nonce: concurrent reservations are distinct and contiguous", "[nonce]") {
  FakeChain chain;
  chain.next[account(1)] = 1000;
  chain.next[account(2)] = 0;
  chain.delay = std::chrono::milliseconds(20);  // all threads arrive during the first fetch
  NonceManager m(chain.fetcher());
  constexpr int kThreads = 8;
  constexpr int kEach = 400;
  std::vector<std::vector<std::uint64_t>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const AccountId32 who = account(static_cast<std::uint8_t>(1 + t % 2));
      for (int i = 0; i < kEach; ++i)
        got[static_cast<std::size_t>(t)].push_back(m.reserve(who).value());
    });
  }
  for (auto& th : threads) th.join();
  CHECK(chain.calls == 2);  // one fetch per account, however many threads asked

  for (int parity = 0; parity < 2; ++parity) {
    std::vector<std::uint64_t> all;
    for (int t = parity; t < kThreads; t += 2) {
      const auto& v = got[static_cast<std::size_t>(t)];
      CHECK(std::is_sorted(v.begin(), v.end()));  // each thread sees increasing nonces
      all.insert(all.end(), v.begin(), v.end());
    }
    std::sort(all.begin(), all.end());
    const std::uint64_t base = parity == 0 ? 1000 : 0;
    REQUIRE(all.size() == static_cast<std::size_t>(kThreads / 2 * kEach));
    for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(all[i] == base + i);
  }
}

TEST_CASE("nonce: resync from another thread never hands out a nonce twice before it", "[nonce]") {
  FakeChain chain;
  chain.next[account(7)] = 0;
  NonceManager m(chain.fetcher());
  std::atomic<bool> stop{false};
  std::vector<std::uint64_t> seen;
  std::thread reserver([&] {
    while (!stop) seen.push_back(m.reserve(account(7)).value());
  });
  std::thread resyncer([&] {
    for (int i = 0; i < 50; ++i) {
      {
        std::lock_guard lock(chain.mu);
        chain.next[account(7)] += 3;  // the chain moves on independently
      }
      m.resync(account(7));
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    stop = true;
  });
  resyncer.join();
  reserver.join();
  REQUIRE_FALSE(seen.empty());
  CHECK(m.fetch_count() >= 1);
  // Between two fetches the values increase by one.
  std::size_t jumps = 0;
  for (std::size_t i = 1; i < seen.size(); ++i) {
    if (seen[i] != seen[i - 1] + 1) ++jumps;
  }
  CHECK(jumps < m.fetch_count());
}

}  // namespace
}  // namespace ev::chain
