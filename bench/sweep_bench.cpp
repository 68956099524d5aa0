// Rotation sweep throughput: blobs per second that epochvault-rotate's RotateWorker moves from a
// draining epoch to the current one (fetch + verify, re-encrypt, create-only PUT, reencrypt_blob
// in batch_all, then deletion of the old objects and destroy_epoch), against the raw PUT rate of
// the same store client for the same object size, count and concurrency, in the same process.
//
//   sweep_bench --store URL [--blobs N] [--size BYTES] [--batch B[,B...]]
//               [--concurrency C[,C...]] [--prefix P]
//
// URL is a store URL as the workers take it (file:///abs/dir, or
// s3://bucket?endpoint=http://127.0.0.1:PORT with credentials in the environment).
//
// One process: an in-process dev node (instant seal, in-memory chain), a serve-role and a
// rotate-role enclave on the simulated platform sharing one sealed seed, both measurements
// approved through Sudo and both workers registered. The serve enclave opens epoch 1 for one
// wallet (//Dave, ed25519), seals N blobs of BYTES plaintext bytes, PUTs them with C threads and
// registers them with batch_all of register_blob (500 per batch; the wallet is its own agent).
// Then, for each (batch, concurrency) pair, one rotation is timed: a fresh RotateWorker (period
// 1 s) ticks once to observe the current epoch, sleeps 1.1 s, and the timed ticks rotate the
// wallet, sweep every blob and destroy the old epoch. The worker's log lines are timestamped as
// they are written, which splits the wall time into rotate (rotate_epoch), sweep (re-encryption
// and the chain calls, until the last batch is included) and destroy (listing, GET + DELETE of
// every old object, destroy_epoch); the worker's store is wrapped to timestamp every PUT, which
// splits the sweep further into its store part and its chain wait (from a batch's last PUT to
// the batch's progress line: batch_all submitted, included, outcome read). Right before each timed
// rotation the same store client type PUTs N objects of the stored object's size with C threads
// (create-only, as the sweep stores), GETs them back, does the sweep's store work on them
// without the worker (GET + create-only PUT of a copy per object, then multi-object deletes of
// the originals) and DELETEs the copies: the raw rates the sweep is compared with. The target
// compares with raw PUT; "raw sweep work" says how much of the store's own rate for the same
// requests the worker achieves (the worker is not the bottleneck when this is close to 1).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "ev/chain/keys.hpp"
#include "ev/devnode/node.hpp"
#include "ev/enclave/dek.hpp"
#include "ev/enclave/envelope.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/vault/calls.hpp"
#include "ev/worker/blobs.hpp"
#include "ev/worker/identity.hpp"
#include "ev/worker/rotate.hpp"
#include "ev/worker/vault_chain.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kRegisterBatch = 500;  // register_blob calls per batch_all when populating
constexpr std::string_view kService = "bench";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "sweep_bench: %s\n", what.c_str());
  std::exit(1);
}

template <class T>
T must(ev::Result<T> r, const std::string& what) {
  if (!r.ok()) die(what + ": " + r.error().to_string());
  return std::move(r).value();
}

void must(const ev::Result<void>& r, const std::string& what) {
  if (!r.ok()) die(what + ": " + r.error().to_string());
}

void must_succeed(const ev::worker::CallOutcome& out, const std::string& what) {
  if (!out.success) die(what + ": " + out.error.value_or("failed"));
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::vector<std::size_t> parse_list(const std::string& text) {
  std::vector<std::size_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    char* end = nullptr;
    const unsigned long long v = std::strtoull(item.c_str(), &end, 10);
    if (item.empty() || end == nullptr || *end != '\0' || v == 0) die("bad number: " + item);
    out.push_back(static_cast<std::size_t>(v));
    start = comma + 1;
  }
  return out;
}

struct Options {
  std::string store;
  std::size_t blobs = 10000;
  std::size_t size = 256;
  std::vector<std::size_t> batches{64};
  std::vector<std::size_t> concurrencies{4};
  std::string prefix;
};

Options parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(std::string(a) + " needs a value");
      return argv[++i];
    };
    if (a == "--store") {
      o.store = value();
    } else if (a == "--blobs") {
      o.blobs = parse_list(value()).front();
    } else if (a == "--size") {
      o.size = parse_list(value()).front();
    } else if (a == "--batch") {
      o.batches = parse_list(value());
    } else if (a == "--concurrency") {
      o.concurrencies = parse_list(value());
    } else if (a == "--prefix") {
      o.prefix = value();
    } else {
      die("usage: sweep_bench --store URL [--blobs N] [--size BYTES] [--batch B[,B...]] "
          "[--concurrency C[,C...]] [--prefix P]");
    }
  }
  if (o.store.empty()) die("--store URL is required");
  return o;
}

// Runs f(i) for i in [0, n) on `threads` threads.
void parallel_for(std::size_t n, std::size_t threads, const std::function<void(std::size_t)>& f) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < std::max<std::size_t>(1, threads); ++t) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) f(i);
    });
  }
  for (auto& th : pool) th.join();
}

// Timestamps every line written to stderr (the rotate worker logs there) and forwards all but
// the per-batch progress lines to the original stderr.
class StderrTap {
 public:
  StderrTap() {
    int fds[2] = {-1, -1};
    if (::pipe(fds) != 0) die("pipe failed");
    saved_ = ::dup(2);
    if (saved_ < 0 || ::dup2(fds[1], 2) < 0) die("dup2 failed");
    ::close(fds[1]);
    read_fd_ = fds[0];
    reader_ = std::thread([this] { read_loop(); });
  }
  ~StderrTap() {
    std::fflush(stderr);
    ::dup2(saved_, 2);  // closes the pipe's last write end: the reader sees EOF
    reader_.join();
    ::close(read_fd_);
    ::close(saved_);
  }
  StderrTap(const StderrTap&) = delete;
  StderrTap& operator=(const StderrTap&) = delete;

  // Lines written since `since` that contain `needle`, with their times.
  std::vector<std::pair<Clock::time_point, std::string>> lines(Clock::time_point since,
                                                               std::string_view needle) {
    std::lock_guard lock(mu_);
    std::vector<std::pair<Clock::time_point, std::string>> out;
    for (const auto& l : lines_) {
      if (l.first >= since && l.second.find(needle) != std::string::npos) out.push_back(l);
    }
    return out;
  }

 private:
  void read_loop() {
    std::string pending;
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(read_fd_, buf, sizeof buf);
      if (n <= 0) break;
      const auto now = Clock::now();
      pending.append(buf, static_cast<std::size_t>(n));
      for (std::size_t nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
        std::string line = pending.substr(0, nl + 1);
        pending.erase(0, nl + 1);
        if (line.find("rotate: sweep wallet") == std::string::npos) {
          (void)!::write(saved_, line.data(), line.size());
        }
        std::lock_guard lock(mu_);
        lines_.emplace_back(now, std::move(line));
      }
    }
  }

  int saved_ = -1;
  int read_fd_ = -1;
  std::thread reader_;
  std::mutex mu_;
  std::vector<std::pair<Clock::time_point, std::string>> lines_;
};

struct Stack {
  std::unique_ptr<ev::devnode::Node> node;
  std::string rpc_url;
  fs::path dir;
  ev::worker::EnclaveOptions serve_opts;
  ev::worker::EnclaveOptions rotate_opts;
};

void write_file(const fs::path& p, std::string_view text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
  if (!f) die("cannot write " + p.string());
}

Stack start_stack(const fs::path& dir) {
  Stack s;
  s.dir = dir;
  ev::devnode::NodeConfig cfg;
  cfg.dev = true;
  cfg.rpc.port = 0;
  s.node = must(ev::devnode::Node::open(cfg), "Node::open");
  const std::uint16_t port = must(s.node->start(), "Node::start");
  s.rpc_url = "ws://127.0.0.1:" + std::to_string(port);

  // Two "executables" to measure: the simulated platform's measurement of a file.
  write_file(dir / "serve.measured", "sweep_bench serve worker\n");
  write_file(dir / "rotate.measured", "sweep_bench rotate worker\n");
  for (auto* o : {&s.serve_opts, &s.rotate_opts}) {
    o->seed_dir = dir / "enclave";
    o->platform_secret = dir / "enclave" / "platform.secret";
  }
  fs::create_directories(dir / "enclave");
  s.serve_opts.role = ev::vault::Role::Serve;
  s.serve_opts.measured_file = dir / "serve.measured";
  s.rotate_opts.role = ev::vault::Role::Rotate;
  s.rotate_opts.measured_file = dir / "rotate.measured";
  return s;
}

struct Populated {
  ev::vault::AccountId wallet{};
  std::size_t object_size = 0;
  double put_s = 0;
  double register_s = 0;
  std::size_t register_batches = 0;
};

// Opens epoch 1 for the wallet with the serve enclave and stores + registers `n` blobs.
Populated populate(const Options& o, ev::worker::Enclave& serve, ev::worker::VaultChain& chain,
                   ev::s3::ObjectStore& store) {
  Populated p;
  p.wallet =
      must(ev::chain::from_suri(ev::chain::Scheme::Ed25519, "//Dave"), "//Dave").account_id();
  ev::enclave::SystemRng rng;
  auto fresh = must(ev::enclave::new_epoch_dek(serve.shielding, p.wallet, 1, rng), "DEK");
  ev::vault::OpenEpoch open;
  open.wallet = p.wallet;
  open.wrapped_dek = must(ev::vault::WrappedDek::from(ev::ByteSpan(fresh.wrapped)), "wrapped");
  must_succeed(must(chain.submit(serve.signer, open), "open_epoch"), "open_epoch");

  const auto service = must(ev::vault::ServiceName::from(kService), "service");
  std::vector<ev::vault::Call> calls(o.blobs);
  std::vector<std::string> failures(o.blobs);
  const ev::Bytes plaintext(o.size, 0x5a);
  std::atomic<std::size_t> object_size{0};
  const auto t0 = Clock::now();
  parallel_for(o.blobs, o.concurrencies.front(), [&](std::size_t i) {
    ev::enclave::SystemRng local_rng;
    auto id = ev::worker::new_blob_id(local_rng);
    if (!id) {
      failures[i] = id.error().to_string();
      return;
    }
    const auto ctx = ev::worker::blob_context(p.wallet, kService, 1, *id);
    auto obj = ev::enclave::seal_blob(fresh.dek, ctx, plaintext, local_rng);
    auto key = ev::worker::blob_key(o.prefix, p.wallet, kService, 1, *id);
    if (!obj || !key) {
      failures[i] = !obj ? obj.error().to_string() : key.error().to_string();
      return;
    }
    ev::s3::PutOptions po;
    po.create_only = true;
    if (auto put = store.put(*key, *obj, po); !put) {
      failures[i] = put.error().to_string();
      return;
    }
    object_size = obj->size();
    ev::vault::RegisterBlob rb;
    rb.wallet = p.wallet;
    rb.blob_id = *id;
    rb.service = service;
    rb.agent = p.wallet;
    rb.epoch = 1;
    rb.ciphertext_hash = ev::enclave::ciphertext_hash(*obj);
    rb.size = static_cast<std::uint32_t>(obj->size());
    calls[i] = rb;
  });
  const auto t1 = Clock::now();
  for (const auto& f : failures) {
    if (!f.empty()) die("populate: " + f);
  }
  for (std::size_t start = 0; start < calls.size(); start += kRegisterBatch) {
    const std::size_t n = std::min(kRegisterBatch, calls.size() - start);
    const std::vector<ev::vault::Call> batch(
        calls.begin() + static_cast<std::ptrdiff_t>(start),
        calls.begin() + static_cast<std::ptrdiff_t>(start + n));
    must_succeed(must(chain.submit_batch(serve.signer, batch), "register_blob batch"),
                 "register_blob batch");
    ++p.register_batches;
  }
  p.put_s = seconds_between(t0, t1);
  p.register_s = seconds_between(t1, Clock::now());
  p.object_size = object_size;
  return p;
}

struct RawRates {
  double put = 0, get = 0, del = 0;  // operations per second
  double work = 0;                   // objects per second through the sweep's store work
};

// PUT (create-only) `n` objects of `size` bytes with `threads` threads, GET them, then the store
// work of a sweep without the worker (per object GET it and create-only PUT a copy under a new
// key; then multi-object deletes of the originals, 1,000 keys per request, `threads` requests at
// a time), then DELETE the copies one by one.
RawRates raw_store_rates(const std::string& url, const std::string& tag, std::size_t n,
                         std::size_t size, std::size_t threads) {
  auto store = must(ev::s3::open_store(url), "open_store " + url);
  ev::Bytes body(size);
  for (std::size_t i = 0; i < size; ++i) body[i] = static_cast<std::uint8_t>(i * 131 + 17);
  auto key = [&](std::size_t i) { return "raw-bench/" + tag + "/" + std::to_string(i); };
  std::atomic<std::size_t> errors{0};
  std::string first_error;
  std::mutex mu;
  auto fail = [&](const ev::Error& e) {
    std::lock_guard lock(mu);
    if (errors++ == 0) first_error = e.to_string();
  };
  RawRates r;
  auto t0 = Clock::now();
  parallel_for(n, threads, [&](std::size_t i) {
    ev::s3::PutOptions po;
    po.create_only = true;
    if (auto put = store->put(key(i), body, po); !put) fail(put.error());
  });
  r.put = static_cast<double>(n) / seconds_between(t0, Clock::now());
  t0 = Clock::now();
  parallel_for(n, threads, [&](std::size_t i) {
    if (auto got = store->get(key(i)); !got) fail(got.error());
  });
  r.get = static_cast<double>(n) / seconds_between(t0, Clock::now());
  auto copy = [&](std::size_t i) { return key(i) + "-copy"; };
  t0 = Clock::now();
  parallel_for(n, threads, [&](std::size_t i) {
    auto got = store->get(key(i));
    if (!got) return fail(got.error());
    ev::s3::PutOptions po;
    po.create_only = true;
    if (auto put = store->put(copy(i), got->data, po); !put) fail(put.error());
  });
  const std::size_t chunks = (n + ev::s3::kMaxKeysPerCall - 1) / ev::s3::kMaxKeysPerCall;
  parallel_for(chunks, threads, [&](std::size_t c) {
    std::vector<std::string> keys;
    for (std::size_t i = c * ev::s3::kMaxKeysPerCall;
         i < std::min(n, (c + 1) * ev::s3::kMaxKeysPerCall); ++i) {
      keys.push_back(key(i));
    }
    auto rm = store->remove_many(keys);
    if (!rm) return fail(rm.error());
    for (const auto& ke : rm->errors) fail(ke.error);
  });
  r.work = static_cast<double>(n) / seconds_between(t0, Clock::now());
  t0 = Clock::now();
  parallel_for(n, threads, [&](std::size_t i) {
    if (auto rm = store->remove(copy(i)); !rm) fail(rm.error());
  });
  r.del = static_cast<double>(n) / seconds_between(t0, Clock::now());
  if (errors != 0)
    die("raw store operations: " + std::to_string(errors) + " failed, first: " + first_error);
  return r;
}

// The store handed to the RotateWorker: forwards every call and records when each PUT
// completed, which splits each sweep batch into its store part (GET, re-encrypt, PUT on the
// worker's threads, up to the batch's last PUT) and its chain part (batch_all submitted and
// included, up to the worker's progress line).
class TimedStore final : public ev::s3::ObjectStore {
 public:
  explicit TimedStore(std::unique_ptr<ev::s3::ObjectStore> inner) : inner_(std::move(inner)) {}

  ev::Result<ev::s3::PutResult> put(std::string_view key, ev::ByteSpan data,
                                    const ev::s3::PutOptions& options) override {
    auto r = inner_->put(key, data, options);
    const auto now = Clock::now();
    std::lock_guard lock(mu_);
    puts_.push_back(now);
    return r;
  }
  ev::Result<ev::s3::Object> get(std::string_view key, const ev::s3::GetOptions& options) override {
    return inner_->get(key, options);
  }
  ev::Result<ev::s3::ObjectInfo> head(std::string_view key) override { return inner_->head(key); }
  ev::Result<void> remove(std::string_view key) override { return inner_->remove(key); }
  ev::Result<ev::s3::RemoveManyResult> remove_many(const std::vector<std::string>& keys) override {
    return inner_->remove_many(keys);
  }
  ev::Result<ev::s3::ListPage> list(const ev::s3::ListOptions& options) override {
    return inner_->list(options);
  }

  [[nodiscard]] std::vector<Clock::time_point> puts() {
    std::lock_guard lock(mu_);
    auto out = puts_;
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::unique_ptr<ev::s3::ObjectStore> inner_;
  std::mutex mu_;
  std::vector<Clock::time_point> puts_;
};

struct SweepResult {
  double total_s = 0, rotate_s = 0, sweep_s = 0, destroy_s = 0;
  double chain_s = 0;  // sweep time between a batch's last PUT and its progress line
  std::size_t batches = 0;
  ev::worker::TickReport report;
  std::size_t ticks = 0;
};

SweepResult timed_rotation(const Stack& s, const Options& o, std::size_t batch,
                           std::size_t concurrency, const std::string& tag, StderrTap& tap) {
  auto enclave = must(ev::worker::open_enclave(s.rotate_opts), "open rotate enclave");
  auto chain = must(ev::worker::VaultChain::connect(s.rpc_url), "connect (rotate)");
  auto timed = std::make_unique<TimedStore>(must(ev::s3::open_store(o.store), "open_store"));
  TimedStore* store = timed.get();
  ev::worker::RotateOptions ro;
  ro.period = std::chrono::seconds(1);
  ro.batch = batch;
  ro.concurrency = concurrency;
  ro.store_prefix = o.prefix;
  ro.state_dir = s.dir / ("rotate-" + tag);
  auto worker = must(
      ev::worker::RotateWorker::create(std::move(enclave), std::move(chain), std::move(timed), ro),
      "RotateWorker::create");
  // Untimed: the mirror catches up with the chain and the current epoch is first seen.
  const auto first = must(worker->tick(), "first tick");
  if (first.rotations != 0 || first.errors != 0) die("first tick did work or failed");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));

  SweepResult r;
  const auto t0 = Clock::now();
  while (r.report.destroyed == 0) {
    if (r.ticks == 5) die("the old epoch was not destroyed after 5 ticks");
    const auto rep = must(worker->tick(), "tick");
    ++r.ticks;
    r.report.rotations += rep.rotations;
    r.report.reencrypted += rep.reencrypted;
    r.report.removed += rep.removed;
    r.report.objects_deleted += rep.objects_deleted;
    r.report.destroyed += rep.destroyed;
    r.report.errors += rep.errors;
  }
  const auto t1 = Clock::now();
  std::fflush(stderr);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the tap read the last lines
  r.total_s = seconds_between(t0, t1);
  const auto rotated = tap.lines(t0, "rotate: rotated wallet");
  const auto sweeping = tap.lines(t0, "rotate: sweeping wallet");
  const auto progress = tap.lines(t0, "rotate: sweep wallet");
  const auto destroyed = tap.lines(t0, "rotate: destroyed wallet");
  if (rotated.empty() || sweeping.empty() || progress.empty() || destroyed.empty()) {
    die("missing worker log lines");
  }
  r.rotate_s = seconds_between(t0, rotated.front().first);
  r.sweep_s = seconds_between(rotated.front().first, progress.back().first);
  r.destroy_s = seconds_between(progress.back().first, destroyed.back().first);
  const auto puts = store->puts();
  for (const auto& [at, line] : progress) {
    auto it = std::lower_bound(puts.begin(), puts.end(), at);
    if (it == puts.begin()) continue;
    r.chain_s += seconds_between(*std::prev(it), at);
    ++r.batches;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_options(argc, argv);
  const fs::path dir = fs::temp_directory_path() / ("ev-sweep-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  StderrTap tap;

  Stack s = start_stack(dir);
  auto chain = must(ev::worker::VaultChain::connect(s.rpc_url), "connect");
  {
    const auto sudo = must(ev::chain::from_suri(ev::chain::Scheme::Ecdsa, "//Alice"), "sudo key");
    auto serve = must(ev::worker::open_enclave(s.serve_opts), "open serve enclave");
    auto rotate = must(ev::worker::open_enclave(s.rotate_opts), "open rotate enclave");
    must_succeed(
        must(chain->submit_sudo(
                 sudo, ev::vault::ApproveMeasurement{serve.measurement, ev::vault::Role::Serve}),
             "approve serve"),
        "approve serve");
    must_succeed(
        must(chain->submit_sudo(
                 sudo, ev::vault::ApproveMeasurement{rotate.measurement, ev::vault::Role::Rotate}),
             "approve rotate"),
        "approve rotate");
    must(ev::worker::register_worker(serve, *chain), "register serve");
    must(ev::worker::register_worker(rotate, *chain), "register rotate");

    auto store = must(ev::s3::open_store(o.store), "open_store " + o.store);
    const auto p = populate(o, serve, *chain, *store);
    std::printf(
        "populated %zu blobs of %zu plaintext bytes (%zu-byte objects): sealed + PUT in "
        "%.2f s (%.0f/s, %zu threads), registered in %zu batch_all of <= %zu in %.2f s "
        "(%.0f ms per batch)\n",
        o.blobs, o.size, p.object_size, p.put_s, static_cast<double>(o.blobs) / p.put_s,
        o.concurrencies.front(), p.register_batches, kRegisterBatch, p.register_s,
        1000.0 * p.register_s / static_cast<double>(p.register_batches));
    std::fflush(stdout);

    std::printf("\nstore %s, %zu blobs, %zu-byte objects\n\n", o.store.c_str(), o.blobs,
                p.object_size);
    std::printf(
        "| batch | concurrency | sweep total (s) | blobs/s | rotate (s) | sweep (s) | "
        "sweep blobs/s | chain wait in sweep (s) | chain wait per batch (ms) | destroy (s) | "
        "raw PUT/s | raw GET/s | raw DELETE/s | blobs/s / raw PUT/s | raw sweep work/s | "
        "blobs/s / raw sweep work/s |\n");
    std::printf("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    std::fflush(stdout);
    int run = 0;
    for (const std::size_t c : o.concurrencies) {
      for (const std::size_t b : o.batches) {
        const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(run++);
        const auto raw = raw_store_rates(o.store, tag, o.blobs, p.object_size, c);
        const auto r = timed_rotation(s, o, b, c, tag, tap);
        if (r.report.reencrypted != o.blobs || r.report.objects_deleted != o.blobs ||
            r.report.errors != 0) {
          die("unexpected tick totals: reencrypted " + std::to_string(r.report.reencrypted) +
              ", deleted " + std::to_string(r.report.objects_deleted) + ", errors " +
              std::to_string(r.report.errors));
        }
        const double n = static_cast<double>(o.blobs);
        std::printf(
            "| %zu | %zu | %.2f | %.0f | %.3f | %.2f | %.0f | %.2f | %.1f | %.2f | %.0f | %.0f | "
            "%.0f | %.2f | %.0f | %.2f |\n",
            b, c, r.total_s, n / r.total_s, r.rotate_s, r.sweep_s, n / r.sweep_s, r.chain_s,
            1000.0 * r.chain_s / static_cast<double>(std::max<std::size_t>(1, r.batches)),
            r.destroy_s, raw.put, raw.get, raw.del, (n / r.total_s) / raw.put, raw.work,
            (n / r.total_s) / raw.work);
        std::fflush(stdout);
      }
    }
  }
  chain.reset();
  s.node->stop();
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
