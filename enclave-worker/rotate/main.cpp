// epochvault-rotate (TEE-B): rotation, sweeps and destruction. docs/workers.md.
#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "ev/common/parse.hpp"
#include "ev/common/service_notify.hpp"
#include "ev/common/signals.hpp"
#include "ev/worker/errors.hpp"
#include "ev/worker/rotate.hpp"
#include "ev/worker/setup.hpp"

namespace {

constexpr const char* kUsage =
    "usage: epochvault-rotate [--config FILE] [--node URL] [--store URL] [--store-prefix P/]\n"
    "                         [--data-dir DIR] [--seed-dir DIR] [--platform simulated]\n"
    "                         [--platform-secret FILE]\n"
    "                         [--seal-policy signer:N|measurement] [--period SECONDS]\n"
    "                         [--revocation-deadline SECONDS] [--scheduled-deadline SECONDS]\n"
    "                         [--poll-ms MS] [--batch N] [--concurrency N] [--health HOST:PORT]\n"
    "                         [--wait-seconds N] [--once]\n"
    "Rotates epochs (default weekly, and at once after a revocation), sweeps draining epochs\n"
    "and records their destruction. --once runs a single pass and exits.\n";

ev::Result<int> run(const std::vector<std::string>& args_in) {
  using namespace ev::worker;
  std::vector<std::string> args;
  bool once = false;
  for (const auto& a : args_in) {
    if (a == "--once") {
      once = true;
    } else {
      args.push_back(a);
    }
  }
  auto known = kCommonFlags;
  known.insert({"period", "revocation-deadline", "scheduled-deadline", "poll-ms", "batch",
                "concurrency", "health"});
  const Options o = EV_TRY(Options::parse(args, known));
  if (o.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const CommonOptions common = EV_TRY(common_options(o));
  RotateOptions ro;
  ro.store_prefix = common.store_prefix;
  ro.state_dir = common.data_dir;
  constexpr std::uint64_t kYear = 366ULL * 24 * 3600;
  ro.period =
      std::chrono::seconds(EV_TRY(o.number("period", std::uint64_t{7} * 24 * 3600, 1, kYear)));
  ro.revocation_deadline = std::chrono::seconds(
      EV_TRY(o.number("revocation-deadline", std::uint64_t{24} * 3600, 1, kYear)));
  ro.scheduled_deadline = std::chrono::seconds(
      EV_TRY(o.number("scheduled-deadline", std::uint64_t{7} * 24 * 3600, 1, kYear)));
  ro.poll = std::chrono::milliseconds(EV_TRY(o.number("poll-ms", 1000, 10, 3600000)));
  ro.batch = EV_TRY(o.number("batch", 64, 1, 1000));
  ro.concurrency = EV_TRY(o.number("concurrency", 4, 1, 256));
  if (auto h = o.get("health")) {
    const auto hp = ev::parse_host_port(*h, 1);
    if (!hp) return ev::make_error(WorkerErrc::Config, "--health " + hp.error().message);
    ro.health_host = hp->host;
    ro.health_port = hp->port;
  }

  sigset_t sigs = EV_TRY(ev::block_stop_signals());

  Worker w = EV_TRY(setup_worker(ev::vault::Role::Rotate, common));
  auto rotate = EV_TRY(
      RotateWorker::create(std::move(w.enclave), std::move(w.chain), std::move(w.store), ro));
  if (once) {
    const auto rep = EV_TRY(rotate->tick());
    std::printf(
        "rotate: block %llu: %u rotations, %u re-encrypted, %u removed, %u objects deleted, %u "
        "epochs destroyed, %u errors\n",
        static_cast<unsigned long long>(rep.block), rep.rotations, rep.reencrypted, rep.removed,
        rep.objects_deleted, rep.destroyed, rep.errors);
    return rep.errors == 0 ? 0 : 1;
  }
  (void)EV_TRY(rotate->start_health());
  std::atomic<bool> stop{false};
  ev::service::Notifier notify;
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    std::fprintf(stderr, "rotate: stopping (signal %d)\n", sig);
    notify.stopping("stopping: finishing the current pass");
    stop = true;
  });
  std::printf("rotate: running (poll %lld ms)\n", static_cast<long long>(ro.poll.count()));
  std::fflush(stdout);
  notify.ready("rotating (poll " + std::to_string(ro.poll.count()) + " ms)");
  rotate->run(stop);
  waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ev::worker::worker_main("epochvault-rotate", argc, argv, run);
}
