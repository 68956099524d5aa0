// Faults between the S3 client and Ceph RGW: a fault-injecting proxy (s3_fault_proxy.hpp)
// resets connections before and after forwarding, truncates answers, answers 503 SlowDown and
// 500, and delays answers past the client's timeout. Retries must end in success (or, when the
// faults never stop, in a clear retryable error), and afterwards every object must read back
// intact straight from RGW: nothing lost, nothing corrupted.
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <random>
#include <thread>

#include "ev/s3/md5.hpp"
#include "ev/s3/s3_client.hpp"
#include "rgw_env.hpp"
#include "s3_fault_proxy.hpp"
#include "store_contract.hpp"

using namespace ev::s3;
using namespace std::chrono_literals;
using ev::Bytes;
using ev::s3::contract::bytes_of;
using ev::s3::test::FaultProxy;
using Fault = FaultProxy::Fault;

namespace {

template <class T>
bool fails_with(const ev::Result<T>& r, Errc e, std::string_view fragment = {}) {
  if (r.ok()) return false;
  INFO(r.error().message);
  return ev::is(r.error(), e) && r.error().message.find(fragment) != std::string::npos;
}

// A client through the proxy, with short back-off so the test stays quick (real sleeping).
S3Config through(const FaultProxy& proxy) {
  S3Config c = rgw::config();
  c.endpoint = "http://127.0.0.1:" + std::to_string(proxy.port());
  c.retry.max_attempts = 6;
  c.retry.base_delay = 5ms;
  c.retry.max_delay = 50ms;
  c.io_timeout = 1500ms;
  return c;
}

Bytes content(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = static_cast<std::uint8_t>(rng());
  return b;
}

}  // namespace

TEST_CASE("rgw faults: mixed resets, truncation, 503, 500 and delays end in intact objects",
          "[rgw][faults]") {
  const std::vector<Fault> kinds = {Fault::ResetBeforeForward, Fault::ResetAfterForward,
                                    Fault::TruncateResponse,   Fault::SlowDown,
                                    Fault::InternalError,      Fault::Delay};
  std::atomic<std::size_t> turn{0};
  // One request in three meets a fault, each kind in turn; Delay outlasts the client's timeout.
  FaultProxy proxy(
      rgw::port(),
      [&](std::size_t i, const std::string&) {
        return i % 3 == 2 ? kinds[turn.fetch_add(1) % kinds.size()] : Fault::None;
      },
      2000ms);
  auto store = rgw::client(through(proxy));
  const std::string ns = rgw::ns("faults");
  std::map<std::string, Bytes> written;
  std::mutex mu;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        const std::string key = ns + "t" + std::to_string(t) + "/" + std::to_string(i);
        const Bytes data = content(static_cast<std::size_t>(512 + 4096 * (i % 5)),
                                   static_cast<std::uint32_t>(t * 100 + i));
        PutOptions opt;
        opt.create_only = i % 2 == 0;
        auto put = store->put(key, data, opt);
        if (!put.ok()) {
          UNSCOPED_INFO(key << ": " << put.error().message);
          failures.fetch_add(1);
          continue;
        }
        if (put->etag != etag_of(data)) failures.fetch_add(1);
        auto got = store->get(key);
        if (!got.ok() || got->data != data) failures.fetch_add(1);
        std::lock_guard lock(mu);
        written[key] = data;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);
  CHECK(written.size() == 60);
  CHECK(contract::list_all(*store, ns, 7).size() == written.size());
  const auto injected = proxy.injected();
  for (Fault f : kinds) CHECK(injected.count(f) == 1);
  CHECK(store->stats().retries >= 20);

  // Straight from RGW: every object present and intact, nothing else there.
  auto direct = rgw::client(rgw::config());
  for (const auto& [key, data] : written) {
    auto got = direct->get(key);
    INFO(key);
    REQUIRE(got.ok());
    CHECK(got->data == data);
    CHECK(got->etag == etag_of(data));
  }
  CHECK(contract::list_all(*direct, ns, 1000).size() == written.size());
  contract::clean(*direct, ns);
}

TEST_CASE("rgw faults: a create-only put whose answer is lost is recognised as ours",
          "[rgw][faults][create_only]") {
  // The first PUT reaches RGW and creates the object; the proxy drops RGW's answer.
  FaultProxy proxy(rgw::port(), [](std::size_t i, const std::string&) {
    return i == 0 ? Fault::ResetAfterForward : Fault::None;
  });
  auto store = rgw::client(through(proxy));
  const std::string key = rgw::ns("lost-answer") + "blob";
  PutOptions create;
  create.create_only = true;
  const Bytes data = content(2048, 7);
  auto r = store->put(key, data, create);
  REQUIRE(r.ok());
  CHECK(r->etag == etag_of(data));
  CHECK(proxy.requests() == 3);  // PUT (answer lost), PUT (412), HEAD (ours)
  // Someone else's object is still refused after a lost answer.
  FaultProxy again(rgw::port(), [](std::size_t i, const std::string&) {
    return i == 0 ? Fault::ResetBeforeForward : Fault::None;
  });
  auto other = rgw::client(through(again));
  CHECK(fails_with(other->put(key, content(2048, 8), create), Errc::PreconditionFailed,
                   "another object exists"));
  CHECK(contract::data_of(*store, key) == data);
  REQUIRE(store->remove(key).ok());
}

TEST_CASE("rgw faults: endless SlowDown ends in Throttled, endless resets in Transient",
          "[rgw][faults]") {
  {
    FaultProxy proxy(rgw::port(), [](std::size_t, const std::string&) { return Fault::SlowDown; });
    auto store = rgw::client(through(proxy));
    auto r = store->put(rgw::ns("throttled") + "k", bytes_of("v"));
    CHECK(fails_with(r, Errc::Throttled, "SlowDown: injected by the test proxy (HTTP 503 on PUT"));
    CHECK(fails_with(r, Errc::Throttled, "after 6 attempts"));
    CHECK(retry_after(r.error()) == std::chrono::milliseconds(0));
    CHECK(proxy.requests() == 6);
  }
  {
    FaultProxy proxy(rgw::port(),
                     [](std::size_t, const std::string&) { return Fault::ResetBeforeForward; });
    auto store = rgw::client(through(proxy));
    auto r = store->get("k");
    CHECK(fails_with(r, Errc::Transient, "connection closed, reset or timed out"));
    CHECK(proxy.requests() == 6);
  }
}

TEST_CASE("rgw faults: a slow answer within the timeout is waited for, not retried",
          "[rgw][faults]") {
  FaultProxy proxy(
      rgw::port(), [](std::size_t, const std::string&) { return Fault::Delay; }, 300ms);
  auto store = rgw::client(through(proxy));
  const std::string key = rgw::ns("slow") + "k";
  REQUIRE(store->put(key, bytes_of("patient")).ok());
  CHECK(contract::data_of(*store, key) == bytes_of("patient"));
  CHECK(store->stats().retries == 0);
  REQUIRE(store->remove(key).ok());
}
