// epochvault-serve (TEE-A): the agents' credential API. docs/api.md, docs/workers.md.
#include <cstdio>
#include <string>
#include <vector>

#include "ev/common/parse.hpp"
#include "ev/common/service_notify.hpp"
#include "ev/common/signals.hpp"
#include "ev/worker/errors.hpp"
#include "ev/worker/serve.hpp"
#include "ev/worker/setup.hpp"

namespace {

constexpr const char* kUsage =
    "usage: epochvault-serve [--config FILE] [--node URL] [--store URL] [--store-prefix P/]\n"
    "                        [--data-dir DIR] [--seed-dir DIR] [--platform simulated]\n"
    "                        [--platform-secret FILE]\n"
    "                        [--seal-policy signer:N|measurement] [--listen HOST:PORT]\n"
    "                        [--token-ttl SECONDS] [--threads N] [--wait-seconds N]\n"
    "Serves the credential API (docs/api.md); default --listen 127.0.0.1:8765.\n";

ev::Result<int> run(const std::vector<std::string>& args) {
  using namespace ev::worker;
  auto known = kCommonFlags;
  known.insert({"listen", "token-ttl", "threads"});
  const Options o = EV_TRY(Options::parse(args, known));
  if (o.help()) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  const CommonOptions common = EV_TRY(common_options(o));
  ServeOptions so;
  so.store_prefix = common.store_prefix;
  const std::string listen = o.get_or("listen", "127.0.0.1:8765");
  const auto hp = ev::parse_host_port(listen);
  if (!hp) return ev::make_error(WorkerErrc::Config, "--listen " + hp.error().message);
  so.host = hp->host;
  so.port = hp->port;
  so.token_ttl = std::chrono::seconds(EV_TRY(o.number("token-ttl", 900, 1, 86400)));
  so.threads = EV_TRY(o.number("threads", 8, 1, 256));

  sigset_t sigs = EV_TRY(ev::block_stop_signals());

  Worker w = EV_TRY(setup_worker(ev::vault::Role::Serve, common));
  auto serve =
      EV_TRY(ServeWorker::create(std::move(w.enclave), std::move(w.chain), std::move(w.store), so));
  const std::uint16_t port = EV_TRY(serve->start());
  std::printf("serve: listening on http://%s:%u\n", so.host.c_str(), port);
  std::fflush(stdout);
  ev::service::Notifier notify;
  notify.ready("serving on " + so.host + ":" + std::to_string(port));
  int sig = 0;
  sigwait(&sigs, &sig);
  std::fprintf(stderr, "serve: stopping (signal %d)\n", sig);
  notify.stopping("stopping");
  serve->stop();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ev::worker::worker_main("epochvault-serve", argc, argv, run);
}
