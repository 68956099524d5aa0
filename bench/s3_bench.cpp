// Object-store throughput: PUT and GET of 1 KiB and 64 KiB objects through our S3 client
// against the S3 server in EV_S3_ENDPOINT (bench/s3_bench.sh starts Ceph RGW and runs curl
// the same way for the reference), and the directory store on local disk. BM_s3_put hands the
// client the body's digests (as curl is handed its SHA-256); BM_s3_puthash lets it compute
// SHA-256 and MD5 of every body. Every GET verifies the body's MD5 against the ETag. Operations per
// second are reported as items_per_second. Without EV_S3_ENDPOINT the S3 cases are skipped.
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <unistd.h>

#include "ev/common/digest.hpp"
#include "ev/s3/directory_store.hpp"
#include "ev/s3/md5.hpp"
#include "ev/s3/s3_client.hpp"

namespace {

constexpr int kGetKeys = 256;  // objects a GET benchmark cycles over

ev::Bytes payload(std::size_t n) {
  ev::Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(i * 131 + 17);
  return b;
}

// One client for the whole process (shared by the benchmark threads, as an application would).
ev::s3::S3Client* s3_client() {
  static std::once_flag once;
  static std::unique_ptr<ev::s3::S3Client> client;
  std::call_once(once, [] {
    const char* endpoint = std::getenv("EV_S3_ENDPOINT");
    const char* bucket = std::getenv("EV_S3_BUCKET");
    if (endpoint == nullptr || bucket == nullptr) return;
    ev::s3::S3Config c;
    c.endpoint = endpoint;
    c.bucket = bucket;
    c.region = std::getenv("AWS_REGION") ? std::getenv("AWS_REGION") : "us-east-1";
    auto creds = ev::s3::resolve_credentials({}, ev::s3::process_environment());
    if (!creds.ok()) return;
    c.credentials = creds->credentials;
    c.max_connections = 8;
    auto r = ev::s3::S3Client::create(c);
    if (r.ok()) client = std::move(r).value();
  });
  return client.get();
}

std::filesystem::path& dir_root() {
  static std::filesystem::path root;
  return root;
}

// A directory store in $EV_BENCH_DIR (default /tmp), removed at exit.
ev::s3::DirectoryStore* dir_store() {
  static std::once_flag once;
  static std::unique_ptr<ev::s3::DirectoryStore> store;
  std::call_once(once, [] {
    const char* base = std::getenv("EV_BENCH_DIR");
    dir_root() = std::filesystem::path(base ? base : "/tmp") /
                 ("ev-dirstore-bench-" + std::to_string(::getpid()));
    auto r = ev::s3::DirectoryStore::open(dir_root());
    if (r.ok()) store = std::move(r).value();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir_root(), ec);
    });
  });
  return store.get();
}

// Writes the objects a GET benchmark reads, once per store and size.
bool prepare_gets(ev::s3::ObjectStore& store, const std::string& tag, std::size_t size) {
  static std::mutex mu;
  static std::map<std::string, bool> done;
  std::lock_guard lock(mu);
  const std::string id = tag + "/" + std::to_string(size);
  if (done[id]) return true;
  const ev::Bytes data = payload(size);
  for (int i = 0; i < kGetKeys; ++i) {
    if (!store.put("bench/get/" + id + "/" + std::to_string(i), data).ok()) return false;
  }
  done[id] = true;
  return true;
}

// supply_digests: pass the body's MD5 and SHA-256 in PutOptions (computed before timing, as
// curl is handed x-amz-content-sha256), so the client hashes nothing; otherwise it computes both.
void run_put(benchmark::State& st, ev::s3::ObjectStore* store, const std::string& tag,
             bool supply_digests = false) {
  if (store == nullptr) {
    st.SkipWithError("store unavailable (EV_S3_ENDPOINT unset for S3)");
    return;
  }
  const auto size = static_cast<std::size_t>(st.range(0));
  const ev::Bytes data = payload(size);
  ev::s3::PutOptions options;
  if (supply_digests) {
    options.content_md5 = ev::s3::md5(data);
    options.sha256 = ev::sha256(data);
  }
  const std::string base = "bench/put/" + tag + "/" + std::to_string(size) + "/t" +
                           std::to_string(st.thread_index()) + "/";
  std::uint64_t i = 0;
  for (auto _ : st) {
    auto r = store->put(base + std::to_string(i++ % 1000), data, options);
    if (!r.ok()) {
      st.SkipWithError(r.error().message.c_str());
      break;
    }
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
}

void run_get(benchmark::State& st, ev::s3::ObjectStore* store, const std::string& tag) {
  if (store == nullptr) {
    st.SkipWithError("store unavailable (EV_S3_ENDPOINT unset for S3)");
    return;
  }
  const auto size = static_cast<std::size_t>(st.range(0));
  if (!prepare_gets(*store, tag, size)) {
    st.SkipWithError("could not write the objects to read");
    return;
  }
  const std::string base = "bench/get/" + tag + "/" + std::to_string(size) + "/";
  std::uint64_t i = static_cast<std::uint64_t>(st.thread_index()) * 61;
  for (auto _ : st) {
    auto r = store->get(base + std::to_string(i++ % kGetKeys));
    if (!r.ok() || r->data.size() != size) {
      st.SkipWithError(r.ok() ? "short object" : r.error().message.c_str());
      break;
    }
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations()));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * size));
}

void BM_s3_put(benchmark::State& st) { run_put(st, s3_client(), "s3", true); }
void BM_s3_puthash(benchmark::State& st) { run_put(st, s3_client(), "s3h"); }
void BM_s3_get(benchmark::State& st) { run_get(st, s3_client(), "s3"); }
void BM_dirstore_put(benchmark::State& st) { run_put(st, dir_store(), "dir"); }
void BM_dirstore_get(benchmark::State& st) { run_get(st, dir_store(), "dir"); }

}  // namespace

// Concurrency 4, as curl --parallel-max 4 in bench/s3_bench.sh; a fixed number of operations
// per thread (4 x 500 of 1 KiB, 4 x 250 of 64 KiB), the same totals curl performs.
BENCHMARK(BM_s3_put)->Arg(1024)->Iterations(500)->Threads(4)->UseRealTime();
BENCHMARK(BM_s3_put)->Arg(65536)->Iterations(250)->Threads(4)->UseRealTime();
BENCHMARK(BM_s3_puthash)->Arg(1024)->Iterations(500)->Threads(4)->UseRealTime();
BENCHMARK(BM_s3_puthash)->Arg(65536)->Iterations(250)->Threads(4)->UseRealTime();
BENCHMARK(BM_s3_get)->Arg(1024)->Iterations(500)->Threads(4)->UseRealTime();
BENCHMARK(BM_s3_get)->Arg(65536)->Iterations(250)->Threads(4)->UseRealTime();
BENCHMARK(BM_dirstore_put)->Arg(1024)->Arg(65536)->Threads(1)->Threads(4)->UseRealTime();
BENCHMARK(BM_dirstore_get)->Arg(1024)->Arg(65536)->Threads(1)->Threads(4)->UseRealTime();
