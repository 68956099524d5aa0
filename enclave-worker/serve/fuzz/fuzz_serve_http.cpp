// The whole serve request path over arbitrary bytes: one in-process epochvault-serve (with an
// in-process dev node and a directory store) gets each input as a raw HTTP request on a fresh
// loopback connection, so the HTTP parser, the handler table, the error and exception handlers
// and the JSON replies all see the client's method, path, headers and body. "@TOKEN@" in an
// input is replaced by a valid token for //Dave's own wallet ("@WALLET@" by that wallet), so the
// seeds reach the credential handlers past authentication. A crash or abort anywhere ends the run;
// after every input the server must still answer /healthz.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ev/chain/challenge.hpp"
#include "ev/chain/keys.hpp"
#include "ev/devnode/node.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/worker/serve.hpp"

namespace {

using nlohmann::json;

// half_close: end the request after `raw` (no keep-alive wait; the server may then answer
// nothing). Otherwise the request must say "Connection: close".
std::string send_raw(std::uint16_t port, std::string_view raw, bool half_close) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) std::abort();
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{half_close ? 2 : 10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
    std::size_t sent = 0;
    while (sent < raw.size()) {
      const auto n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    if (half_close) ::shutdown(fd, SHUT_WR);
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      // libFuzzer's -timeout alarm interrupts blocking calls every second: not an answer.
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

struct World {
  std::filesystem::path dir;
  std::unique_ptr<ev::devnode::Node> node;
  std::unique_ptr<ev::worker::ServeWorker> serve;
  std::uint16_t port = 0;
  std::string token;
  std::string wallet;

  World() {
    using namespace ev;
    char tmpl[] = "/tmp/ev-fuzz-serve-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    devnode::NodeConfig cfg;
    cfg.dev = true;
    cfg.rpc.port = 0;
    node = devnode::Node::open(cfg).value();
    const std::string url = "ws://127.0.0.1:" + std::to_string(node->start().value());
    auto chain = worker::VaultChain::connect(url).value();
    std::filesystem::create_directories(dir / "enclave");
    worker::EnclaveOptions eo;
    eo.role = vault::Role::Serve;
    eo.seed_dir = dir / "enclave";
    eo.platform_secret = dir / "enclave" / "platform.secret";
    eo.measured_file = dir / "serve.bin";
    std::ofstream(*eo.measured_file) << "serve build";
    worker::Enclave se = worker::open_enclave(eo).value();
    const auto sudo = chain::from_suri(chain::Scheme::Ecdsa, "//Alice").value();
    if (!chain->submit_sudo(sudo, vault::ApproveMeasurement{se.measurement, vault::Role::Serve})
             .value()
             .success) {
      std::abort();
    }
    if (!worker::register_worker(se, *chain).ok()) std::abort();
    const auto worker_id = se.signer.account_id();
    worker::ServeOptions so;
    so.port = 0;
    so.threads = 4;
    serve = worker::ServeWorker::create(
                std::move(se), std::move(chain),
                s3::open_store("file://" + (dir / "store").string()).value(), so)
                .value();
    port = serve->start().value();
    // A token for //Dave's own wallet, obtained as a client does.
    const auto dave = chain::from_suri(chain::Scheme::Ed25519, "//Dave").value();
    httplib::Client c("127.0.0.1", port);
    const std::string w = to_hex(dave.account_id());
    auto ch =
        c.Post("/v1/auth/challenge", json{{"wallet", w}, {"agent", w}}.dump(), "application/json");
    if (!ch || ch->status != 200) std::abort();
    const json cj = json::parse(ch->body);
    chain::ExpectedChallenge expect{worker_id, dave.account_id(), dave.account_id()};
    const auto sig =
        chain::sign_login_challenge(dave, cj["message"].get<std::string>(), expect).value();
    auto t = c.Post(
        "/v1/auth/token",
        json{
            {"challenge_id", cj["challenge_id"]}, {"scheme", "ed25519"}, {"signature", to_hex(sig)}}
            .dump(),
        "application/json");
    if (!t || t->status != 200) std::abort();
    token = json::parse(t->body)["token"];
    wallet = w;
  }
  ~World() {
    serve.reset();
    node.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  std::string in(reinterpret_cast<const char*>(data), size);
  for (std::size_t at = in.find("@TOKEN@"); at != std::string::npos; at = in.find("@TOKEN@")) {
    in.replace(at, 7, world.token);
  }
  for (std::size_t at = in.find("@WALLET@"); at != std::string::npos; at = in.find("@WALLET@")) {
    in.replace(at, 8, world.wallet);
  }
  const std::string reply = send_raw(world.port, in, true);
  // Whatever came back is HTTP (or nothing, for bytes that are not a request).
  if (!reply.empty() && reply.rfind("HTTP/1.1 ", 0) != 0) __builtin_trap();
  // Serve must still answer /healthz after every input, at once: the input's connection, however
  // slow or incomplete, waits in the HTTP gate and holds no worker thread.
  const std::string health =
      send_raw(world.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false);
  if (health.rfind("HTTP/1.1 200", 0) != 0) {
    std::fprintf(stderr, "healthz: %s\n", health.c_str());
    __builtin_trap();
  }
  return 0;
}
