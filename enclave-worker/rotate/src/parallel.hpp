// Rotate's bounded parallelism (private to enclave-worker/rotate/).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace ev::worker::detail {

// Runs f(i, thread) for i in [0, n) on up to `threads` threads.
template <class F>
void parallel_for(std::size_t n, std::size_t threads, F f) {
  threads = std::max<std::size_t>(1, std::min(threads, n));
  if (threads == 1) {
    for (std::size_t i = 0; i < n; ++i) f(i, 0);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  pool.reserve(threads);
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (std::size_t i = next++; i < n; i = next++) f(i, t);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace ev::worker::detail
