// `epochvault dev`: the embedded default stack on one machine — the dev node (in this process),
// a local-directory object store, the SQLite mirror following the chain, and both enclave
// workers (epochvault-serve and epochvault-rotate, child processes on the simulated platform,
// their measurements approved through Sudo) — with every endpoint written to
// DIR/endpoints.json and printed. Stops everything cleanly on Ctrl-C or SIGTERM.
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>
#include <tuple>

#include <httplib.h>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/common/digest.hpp"
#include "ev/common/parse.hpp"
#include "ev/common/signals.hpp"
#include "ev/devnode/node.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/mirror.hpp"

extern char** environ;

namespace ev::cli {
namespace {

namespace fs = std::filesystem;

Result<std::uint16_t> port_option(const Args& args) {
  const std::string text = args.get_or("rpc-port", "9944");
  unsigned long v = 0;
  try {
    std::size_t used = 0;
    v = std::stoul(text, &used);
    if (used != text.size() || v > 65535) throw std::out_of_range(text);
  } catch (const std::exception&) {
    return make_error(Errc::Usage, "--rpc-port '" + text + "': expected 0..65535 (0 = any free)");
  }
  return static_cast<std::uint16_t>(v);
}

// A free loopback TCP port (the kernel's choice; another process could take it before we use it,
// which only makes the worker fail to start with a clear message).
Result<std::uint16_t> free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return make_error(Errc::Failed, "socket failed");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  std::uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  if (port == 0) return make_error(Errc::Failed, "no free port");
  return port;
}

// The worker executable `name`: $EPOCHVAULT_<NAME>_BIN, beside this executable, the build
// tree's worker folder, then PATH.
Result<fs::path> find_worker(const std::string& name, const char* env) {
  if (const char* e = std::getenv(env); e != nullptr && *e != '\0') return fs::path(e);
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  std::vector<fs::path> candidates;
  if (!ec) candidates.push_back(self.parent_path() / name);
#ifdef EV_WORKER_DIR
  candidates.push_back(fs::path(EV_WORKER_DIR) / name);
#endif
  if (const char* path = std::getenv("PATH")) {
    std::string p(path);
    for (std::size_t start = 0; start <= p.size();) {
      const auto end = p.find(':', start);
      const std::string dir =
          p.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!dir.empty()) candidates.push_back(fs::path(dir) / name);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  for (const auto& c : candidates) {
    if (::access(c.c_str(), X_OK) == 0) return c;
  }
  return make_error(Errc::Failed, "cannot find " + name + " (set " + env + ")");
}

// SHA-384 of a file: the simulated platform's measurement of that executable.
Result<Bytes> measure(const fs::path& file) {
  const auto h = EV_TRY(sha384_file(file));
  return Bytes(h.begin(), h.end());
}

// Root approves `measurement` for `role` through Sudo.sudo, signed by the dev sudo key.
Result<void> approve(chain::ChainClient& client, const chain::KeyPair& sudo, const Bytes& m,
                     vault::Role role) {
  auto md = client.metadata();
  vault::ApproveMeasurement call;
  call.measurement = EV_TRY(vault::Measurement::from(ByteSpan(m)));
  call.role = role;
  const Bytes inner = EV_TRY(vault::encode_runtime_call(*md, call));
  auto info = EV_TRY(md->call("Sudo", "sudo"));
  Bytes outer{info.pallet_index, info.call_index};
  outer.insert(outer.end(), inner.begin(), inner.end());
  auto out = EV_TRY_CTX("approve_measurement", client.submit(sudo, outer));
  if (!out.success) {
    return make_error(Errc::Failed,
                      "approve_measurement: " + out.dispatch_error.value_or("failed"));
  }
  return ok();
}

struct Child {
  std::string name;
  pid_t pid = -1;
};

Result<Child> spawn(const std::string& name, const fs::path& exe, std::vector<std::string> args,
                    const fs::path& log) {
  args.insert(args.begin(), exe.string());
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  // The child must not inherit our blocked SIGINT/SIGTERM.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0)
    return make_error(Errc::Failed, "cannot start " + exe.string() + ": " + std::strerror(rc));
  return Child{name, pid};
}

void stop_child(Child& c) {
  if (c.pid <= 0) return;
  ::kill(c.pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int st = 0;
    if (::waitpid(c.pid, &st, WNOHANG) == c.pid) {
      c.pid = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(c.pid, SIGKILL);
  ::waitpid(c.pid, nullptr, 0);
  c.pid = -1;
}

// Waits until GET url answers 200 (or the child exits, or the timeout passes).
Result<void> wait_healthy(const std::string& host, std::uint16_t port, Child& c,
                          const fs::path& log) {
  httplib::Client http(host, port);
  http.set_connection_timeout(1, 0);
  for (int i = 0; i < 600; ++i) {
    int st = 0;
    if (::waitpid(c.pid, &st, WNOHANG) == c.pid) {
      c.pid = -1;
      return make_error(Errc::Failed, c.name + " exited during start-up; see " + log.string());
    }
    if (auto r = http.Get("/healthz"); r && r->status == 200) return ok();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return make_error(Errc::Failed, c.name + " did not become healthy in 60 s; see " + log.string());
}

Result<void> write_endpoints(const fs::path& file, const nlohmann::json& j) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump(2) << "\n";
    if (!out) return make_error(Errc::Failed, "cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec) return make_error(Errc::Failed, "cannot write " + file.string() + ": " + ec.message());
  return ok();
}

Result<void> dev_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv,
                                {"data-dir", "rpc-port", "block-time", "serve-port",
                                 "rotate-health-port", "rotation-period", "poll-ms", "store"},
                                {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "dev takes no arguments");
  const fs::path dir = fs::absolute(args.get_or("data-dir", "epochvault-dev"));
  std::error_code ec;
  for (const char* sub : {"chain", "store", "enclave", "serve", "rotate"}) {
    if (!ec) fs::create_directories(dir / sub, ec);
  }
  if (ec) return make_error(Errc::Failed, "cannot create " + dir.string() + ": " + ec.message());
  auto number = [&args](const std::string& name, std::uint64_t fallback,
                        std::uint64_t max) -> Result<std::uint64_t> {
    const auto v = args.get(name);
    if (!v) return fallback;
    if (const auto n = parse_decimal(*v, 0, max)) return *n;
    return make_error(Errc::Usage,
                      "--" + name + " '" + *v + "': expected 0.." + std::to_string(max));
  };

  // Stop signals are blocked in every thread; the main thread waits for them.
  sigset_t sigs = EV_TRY(block_stop_signals());

  const fs::path serve_bin = EV_TRY(find_worker("epochvault-serve", "EPOCHVAULT_SERVE_BIN"));
  const fs::path rotate_bin = EV_TRY(find_worker("epochvault-rotate", "EPOCHVAULT_ROTATE_BIN"));

  devnode::NodeConfig cfg;
  cfg.base_path = (dir / "chain").string();
  cfg.dev = true;
  cfg.rpc.port = EV_TRY(port_option(args));
  if (args.get("block-time")) {
    cfg.block_time_ms = static_cast<std::uint32_t>(EV_TRY(number("block-time", 0, 3600000)));
  }
  auto node = EV_TRY_CTX("dev node", devnode::Node::open(cfg));
  const std::uint16_t port = EV_TRY_CTX("dev node RPC", node->start());
  const std::string url = "ws://127.0.0.1:" + std::to_string(port);

  // The embedded default is a directory store; --store swaps in any store URL (s3://…), whose
  // credentials the workers take from the environment as the CLI does (docs/s3-store.md).
  const std::string store_url = args.get_or("store", "file://" + (dir / "store").string());
  EV_TRY_CTX("store", s3::open_store(store_url));

  // Approve both workers' measurements (SHA-384 of their executables) as Root.
  {
    auto client = EV_TRY_CTX("dev node", chain::ChainClient::connect(url));
    const auto sudo = EV_TRY(chain::from_suri(chain::Scheme::Ecdsa, "//Alice"));
    const Bytes serve_m = EV_TRY(measure(serve_bin));
    const Bytes rotate_m = EV_TRY(measure(rotate_bin));
    EV_TRY(approve(*client, sudo, serve_m, vault::Role::Serve));
    EV_TRY(approve(*client, sudo, rotate_m, vault::Role::Rotate));
  }

  std::uint16_t serve_port = static_cast<std::uint16_t>(EV_TRY(number("serve-port", 8765, 65535)));
  if (serve_port == 0) serve_port = EV_TRY(free_port());
  std::uint16_t health_port =
      static_cast<std::uint16_t>(EV_TRY(number("rotate-health-port", 0, 65535)));
  if (health_port == 0) health_port = EV_TRY(free_port());
  const std::string period = std::to_string(
      EV_TRY(number("rotation-period", std::uint64_t{7} * 24 * 3600, 366ULL * 24 * 3600)));
  const std::string poll = std::to_string(EV_TRY(number("poll-ms", 500, 3600000)));
  const std::vector<std::string> common = {"--node",
                                           url,
                                           "--store",
                                           store_url,
                                           "--seed-dir",
                                           (dir / "enclave").string(),
                                           "--platform-secret",
                                           (dir / "enclave" / "platform.secret").string()};
  std::vector<std::string> serve_args = common;
  serve_args.insert(serve_args.end(), {"--data-dir", (dir / "serve").string(), "--listen",
                                       "127.0.0.1:" + std::to_string(serve_port)});
  std::vector<std::string> rotate_args = common;
  rotate_args.insert(rotate_args.end(), {"--data-dir", (dir / "rotate").string(), "--health",
                                         "127.0.0.1:" + std::to_string(health_port), "--period",
                                         period, "--poll-ms", poll});
  std::vector<Child> children;
  auto stop_all = [&] {
    for (auto it = children.rbegin(); it != children.rend(); ++it) stop_child(*it);
    node->stop();
  };
  // Serve first: it creates the shared sealed seed; rotate then loads the same one.
  for (auto& [name, exe, wargs, wport] :
       std::vector<std::tuple<std::string, fs::path, std::vector<std::string>, std::uint16_t>>{
           {"serve", serve_bin, serve_args, serve_port},
           {"rotate", rotate_bin, rotate_args, health_port}}) {
    const fs::path log = dir / (name + ".log");
    auto child = spawn(name, exe, wargs, log);
    if (!child) {
      stop_all();
      return std::move(child).error();
    }
    children.push_back(*child);
    if (auto h = wait_healthy("127.0.0.1", wport, children.back(), log); !h) {
      stop_all();
      return std::move(h).error();
    }
  }
  const std::string serve_url = "http://127.0.0.1:" + std::to_string(serve_port);
  const std::string health_url = "http://127.0.0.1:" + std::to_string(health_port);

  nlohmann::json accounts = nlohmann::json::array();
  for (const auto& a : EV_TRY(devnode::dev_accounts())) {
    accounts.push_back({{"suri", a.suri},
                        {"scheme", std::string(chain::scheme_name(a.scheme))},
                        {"ss58", a.ss58}});
  }
  const nlohmann::json endpoints = {{"node_rpc", url},
                                    {"node_http", "http://127.0.0.1:" + std::to_string(port)},
                                    {"store_url", store_url},
                                    {"serve", serve_url},
                                    {"rotate", health_url},
                                    {"rotate_health", health_url},
                                    {"serve_log", (dir / "serve.log").string()},
                                    {"rotate_log", (dir / "rotate.log").string()},
                                    {"seed_dir", (dir / "enclave").string()},
                                    {"mirror_db", (dir / "mirror.db").string()},
                                    {"chain_dir", (dir / "chain").string()},
                                    {"sudo", "//Alice (ecdsa)"},
                                    {"dev_accounts", accounts}};
  if (auto w = write_endpoints(dir / "endpoints.json", endpoints); !w) {
    stop_all();
    return w;
  }

  std::printf("epochvault dev stack (data in %s)\n", dir.string().c_str());
  std::printf("  node RPC:   %s  (HTTP on the same port)\n", url.c_str());
  std::printf("  store:      %s\n", store_url.c_str());
  std::printf("  mirror:     %s\n", (dir / "mirror.db").string().c_str());
  std::printf("  serve:      %s  (TEE-A, simulated platform; log %s)\n", serve_url.c_str(),
              (dir / "serve.log").string().c_str());
  std::printf("  rotate:     %s/healthz, /metrics  (TEE-B; log %s)\n", health_url.c_str(),
              (dir / "rotate.log").string().c_str());
  std::printf(
      "  sudo:       //Alice with --scheme ecdsa only (//Alice ed25519 is another account)\n");
  std::printf(
      "  accounts:   //Alice..//Ferdie, each as ed25519 and as ecdsa (two accounts each)\n");
  std::printf("  endpoints:  %s\n", (dir / "endpoints.json").string().c_str());
  std::printf(
      "share: the wallet stores a credential once (PUT /v1/credentials/WALLET/SERVICE[/NAME]),\n"
      "  then: epochvault agent authorize AGENT --services SERVICE [--write] --url %s\n"
      "  the agent reads every credential of SERVICE, whoever wrote it; `epochvault agent\n"
      "  revoke AGENT` ends that and rotates the epoch, and no credential is lost\n",
      url.c_str());
  std::printf("try: epochvault demo --endpoints %s  (the whole sharing story, checked)\n",
              (dir / "endpoints.json").string().c_str());
  std::printf("Ctrl-C stops everything.\n");
  std::fflush(stdout);

  // The mirror follows the chain on its own thread.
  std::atomic<bool> stopping{false};
  std::thread follower([&] {
    auto client = chain::ChainClient::connect(url);
    auto mirror = vault::Mirror::open((dir / "mirror.db").string());
    if (!client || !mirror) {
      std::fprintf(stderr, "mirror: %s\n",
                   (!client ? client.error() : mirror.error()).to_string().c_str());
      return;
    }
    auto source = vault::chain_source(**client);
    while (!stopping) {
      auto n = (*mirror)->sync(*source);
      if (!n) std::fprintf(stderr, "mirror: %s\n", n.error().to_string().c_str());
      for (int i = 0; i < 10 && !stopping; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
  });

  // Wait for a stop signal; report a worker that exits on its own.
  int sig = 0;
  for (;;) {
    timespec tick{1, 0};
    sig = sigtimedwait(&sigs, nullptr, &tick);
    if (sig > 0) break;
    for (auto& c : children) {
      int st = 0;
      if (c.pid > 0 && ::waitpid(c.pid, &st, WNOHANG) == c.pid) {
        std::fprintf(stderr, "warning: %s exited (status %d); see %s\n", c.name.c_str(),
                     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                     (dir / (c.name + ".log")).string().c_str());
        c.pid = -1;
      }
    }
  }
  std::printf("stopping (signal %d)\n", sig);
  std::fflush(stdout);
  stopping = true;
  follower.join();
  stop_all();
  return ok();
}

}  // namespace

void register_dev_commands(std::vector<Command>& out) {
  out.push_back(
      {"dev", "", "run the embedded stack (dev node, directory store, mirror, both workers)",
       "epochvault dev [--data-dir DIR] [--rpc-port N] [--serve-port N] [--block-time MS]\n"
       "               [--rotate-health-port N] [--rotation-period SECONDS] [--poll-ms MS]\n"
       "  DIR defaults to ./epochvault-dev; N defaults to 9944, 8765 and 0 (0 = any free\n"
       "  port; the rotate health port is any free one by default); rotation weekly by default; "
       "writes DIR/endpoints.json and stops\n"
       "  everything on Ctrl-C or SIGTERM; --store replaces the directory store (e.g. s3://…)",
       dev_cmd});
}

}  // namespace ev::cli
