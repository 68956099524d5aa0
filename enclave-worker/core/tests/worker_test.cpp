// The two workers end to end in one process: a dev node, a directory store, epochvault-serve's
// HTTP API (over real HTTP) and epochvault-rotate's passes (tick() called by the test, so every
// step is deterministic). Nothing is mocked: the chain is the dev node with the real pallet.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ev/attestation/evidence.hpp"
#include "ev/attestation/report_data.hpp"
#include "ev/chain/challenge.hpp"
#include "ev/chain/client.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/rpc.hpp"
#include "ev/common/base64.hpp"
#include "ev/common/clock.hpp"
#include "ev/common/digest.hpp"
#include "ev/devnode/node.hpp"
#include "ev/enclave/dek.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/vault/storage.hpp"
#include "ev/worker/attestation_api.hpp"
#include "ev/worker/blobs.hpp"
#include "ev/worker/errors.hpp"
#include "ev/worker/rotate.hpp"
#include "ev/worker/serve.hpp"
#include "test_support.hpp"

using namespace ev;
using namespace ev::worker;
using nlohmann::json;

namespace {

chain::KeyPair key(chain::Scheme s, const char* suri) { return chain::from_suri(s, suri).value(); }

std::string b64(std::string_view s) { return base64(as_bytes(s)); }

std::string unb64(const std::string& s) {
  const Bytes b = unbase64(s).value();
  return std::string(b.begin(), b.end());
}

// Sends `raw` as is on a new loopback connection and returns everything the server answers until
// it closes or `wait` passes ("" when nothing came back: closed, reset or refused).
std::string raw_exchange(std::uint16_t port, std::string_view raw,
                         std::chrono::milliseconds wait = std::chrono::seconds(5),
                         const char* from = nullptr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  if (from != nullptr) {  // another loopback source address: another client to the server
    sockaddr_in src{};
    src.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, from, &src.sin_addr) == 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) == 0);
  }
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{};
  tv.tv_sec = wait.count() / 1000;
  tv.tv_usec = static_cast<suseconds_t>((wait.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0) {
    std::size_t sent = 0;
    while (sent < raw.size()) {
      const auto n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return out;
}

// As unb64, for threads (no Catch2 assertion): "" when not base64.
std::string unb64_nothrow(const std::string& s) {
  std::string out(s.size(), '\0');
  std::size_t n = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), s.data(),
                        s.size(), nullptr, &n, nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    return "";
  }
  out.resize(n);
  return out;
}

struct HttpReply {
  int status = 0;
  json body;
};

struct Stack {
  test::TempDir dir;
  ManualClock clock;  // both workers' time: tests move it, nothing sleeps
  std::unique_ptr<devnode::Node> node;
  std::string url;
  std::unique_ptr<VaultChain> chain;         // the test's own connection (users, sudo, checks)
  std::unique_ptr<chain::ChainClient> full;  // the full client, to read every event back
  std::unique_ptr<ServeWorker> serve;
  std::uint16_t port = 0;
  std::unique_ptr<RotateWorker> rotate;
  std::unique_ptr<s3::ObjectStore> store;  // the test's view of the store (the "host")
  EnclaveOptions serve_opts;
  EnclaveOptions rotate_opts;
  AccountId serve_worker{};  // the serve worker's chain account (named in its challenges)

  // `store_url`: the workers' store (default: a directory store in the temporary directory).
  explicit Stack(std::chrono::seconds token_ttl = std::chrono::seconds(900),
                 std::chrono::seconds period = std::chrono::hours(1),
                 const std::function<void(ServeOptions&)>& tune = {},
                 const std::string& store_url_override = "",
                 const std::function<void(devnode::NodeConfig&)>& tune_node = {}) {
    devnode::NodeConfig cfg;
    cfg.dev = true;
    cfg.rpc.port = 0;
    if (tune_node) tune_node(cfg);
    node = devnode::Node::open(cfg).value();
    url = "ws://127.0.0.1:" + std::to_string(node->start().value());
    chain = VaultChain::connect(url).value();
    full = chain::ChainClient::connect(url).value();
    const std::string store_url = store_url_override.empty()
                                      ? "file://" + (dir.path() / "store").string()
                                      : store_url_override;
    std::filesystem::create_directories(dir.path() / "enclave");
    store = s3::open_store(store_url).value();

    // Two "executables" with different measurements sharing one sealed seed.
    for (auto* o : {&serve_opts, &rotate_opts}) {
      const bool is_serve = o == &serve_opts;
      const auto bin = dir.path() / (is_serve ? "serve.bin" : "rotate.bin");
      std::ofstream(bin) << (is_serve ? "serve build" : "rotate build");
      o->role = is_serve ? vault::Role::Serve : vault::Role::Rotate;
      o->seed_dir = dir.path() / "enclave";
      o->platform_secret = dir.path() / "enclave" / "platform.secret";
      o->measured_file = bin;
    }
    const auto sudo = key(chain::Scheme::Ecdsa, "//Alice");
    Enclave se = open_enclave(serve_opts).value();
    Enclave re = open_enclave(rotate_opts).value();
    REQUIRE(chain->submit_sudo(sudo, vault::ApproveMeasurement{se.measurement, vault::Role::Serve})
                .value()
                .success);
    REQUIRE(chain->submit_sudo(sudo, vault::ApproveMeasurement{re.measurement, vault::Role::Rotate})
                .value()
                .success);
    REQUIRE(register_worker(se, *chain).ok());
    REQUIRE(register_worker(re, *chain).ok());

    serve_worker = se.signer.account_id();
    ServeOptions so;
    so.port = 0;
    so.token_ttl = token_ttl;
    so.clock = &clock;
    if (tune) tune(so);
    // Both workers read the chain through the verified view, from genesis and the dev node's
    // GRANDPA set (verified_view_test.cpp puts a lying host in between).
    const ChainCheckpoint checkpoint{node->store().hash_of(0).value().value(), 0,
                                     node->grandpa_set()};
    auto serve_chain = VaultChain::connect(url).value();
    serve_chain->verify_from(checkpoint);
    serve = ServeWorker::create(std::move(se), std::move(serve_chain),
                                s3::open_store(store_url).value(), so)
                .value();
    port = serve->start().value();
    RotateOptions ro;
    ro.state_dir = dir.path() / "rotate";
    ro.period = period;
    ro.batch = 4;  // several batches even for a handful of blobs
    ro.clock = &clock;
    auto rotate_chain = VaultChain::connect(url).value();
    rotate_chain->verify_from(checkpoint);
    rotate = RotateWorker::create(std::move(re), std::move(rotate_chain),
                                  s3::open_store(store_url).value(), ro)
                 .value();
  }

  // The serve enclave's keys again (same seed, same measurement): what a compromised host
  // could NOT do; the AAD test uses it to forge a pointer the way a malicious chain could.
  Enclave serve_enclave() const { return open_enclave(serve_opts).value(); }

  HttpReply request(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& token = "") {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET"      ? c.Get(path.c_str(), h)
                        : method == "DELETE" ? c.Delete(path.c_str(), h)
                        : method == "PUT"    ? c.Put(path.c_str(), h, body, "application/json")
                                             : c.Post(path.c_str(), h, body, "application/json");
    REQUIRE(r);
    HttpReply out{r->status, json::parse(r->body, nullptr, false)};
    if (r->status >= 400) {
      // Every error has the documented shape.
      REQUIRE(out.body.is_object());
      REQUIRE(out.body["error"]["code"].is_string());
      REQUIRE(out.body["error"]["message"].is_string());
    }
    return out;
  }

  HttpReply token_reply(const chain::KeyPair& agent, const AccountId& wallet) {
    const auto c =
        request("POST", "/v1/auth/challenge",
                json{{"wallet", to_hex(wallet)}, {"agent", to_hex(agent.account_id())}}.dump());
    REQUIRE(c.status == 200);
    const std::string msg = c.body["message"];
    const auto sig =
        chain::sign_login_challenge(agent, msg, {serve_worker, wallet, agent.account_id()},
                                    clock.unix_seconds())
            .value();
    return request("POST", "/v1/auth/token",
                   json{{"challenge_id", c.body["challenge_id"]},
                        {"scheme", std::string(chain::scheme_name(agent.scheme()))},
                        {"signature", to_hex(sig)}}
                       .dump());
  }

  std::string token(const chain::KeyPair& agent, const AccountId& wallet) {
    auto r = token_reply(agent, wallet);
    REQUIRE(r.status == 200);
    return r.body["token"];
  }

  static std::string cred(const AccountId& wallet, const std::string& service) {
    return "/v1/credentials/" + to_hex(wallet) + "/" + service;
  }

  HttpReply put(const std::string& tok, const AccountId& wallet, const std::string& service,
                const std::string& secret) {
    return request("PUT", cred(wallet, service), json{{"data", b64(secret)}}.dump(), tok);
  }
  HttpReply get(const std::string& tok, const AccountId& wallet, const std::string& service) {
    return request("GET", cred(wallet, service), "", tok);
  }

  void user_call(const chain::KeyPair& who, const vault::Call& call) {
    const auto out = chain->submit(who, call).value();
    REQUIRE(out.success);
  }

  std::vector<chain::EventRecord> vault_events() {
    std::vector<chain::EventRecord> out;
    const auto best = chain->best_number().value();
    for (std::uint64_t n = 1; n <= best; ++n) {
      const auto h = chain::rpc::chain_get_block_hash(full->rpc(), n).value().value();
      auto events = full->events_at(h);
      REQUIRE(events.ok());
      std::vector<chain::EventRecord> block_events = std::move(events).value();
      for (auto& e : block_events) {
        if (e.pallet == "VaultPointers") out.push_back(std::move(e));
      }
    }
    return out;
  }

  // Every object in the store except `skip`, with its SHA-256: what a destruction must record.
  std::vector<std::pair<std::string, vault::Hash256>> objects_with_hashes(
      const std::vector<std::string>& skip = {}) {
    std::vector<std::pair<std::string, vault::Hash256>> out;
    const s3::ListPage listed = store->list(s3::ListOptions{}).value();
    REQUIRE_FALSE(listed.truncated);
    for (const auto& o : listed.objects) {
      if (std::find(skip.begin(), skip.end(), o.key) != skip.end()) continue;
      out.emplace_back(o.key, sha256(store->get(o.key).value().data));
    }
    return out;
  }

  // The chain holds exactly one EpochDestroyed, recording exactly `objects`.
  void require_destroyed(const std::vector<std::pair<std::string, vault::Hash256>>& objects) {
    int seen = 0;
    for (const auto& e : vault_events()) {
      if (e.name != "EpochDestroyed") continue;
      CHECK(e.value["objects_deleted"] == objects.size());
      CHECK(e.value["deletion_digest"] == to_hex(deletion_digest(objects)));
      ++seen;
    }
    CHECK(seen == 1);
  }

  // rotate_epoch(from → from + 1) signed by the rotate worker's key, without a sweep.
  void rotate_by_hand(const Enclave& re, const AccountId& w, Epoch from,
                      const vault::RotationReason& reason) {
    enclave::SystemRng rng;
    auto fresh = enclave::new_epoch_dek(re.shielding, w, from + 1, rng).value();
    vault::RotateEpoch rot;
    rot.wallet = w;
    rot.from_epoch = from;
    rot.wrapped_dek = vault::WrappedDek::from(fresh.wrapped).value();
    rot.reason = reason;
    REQUIRE(chain->submit(re.signer, rot).value().success);
  }

  std::size_t object_count() {
    s3::ListOptions lo;
    return store->list(lo).value().objects.size();
  }
};

const auto kDave = [] { return key(chain::Scheme::Ed25519, "//Dave"); };
const auto kEve = [] { return key(chain::Scheme::Ecdsa, "//Eve"); };
const auto kFerdie = [] { return key(chain::Scheme::Ed25519, "//Ferdie"); };

}  // namespace

TEST_CASE(
    "serve and rotate: two agents store and read, a revocation rotates, sweeps, destroys; "
    "the revoked agent is refused, the other reads its bytes unchanged, nothing is deleted",
    "[worker]") {
  Stack s;
  const auto wallet = kDave();
  const auto a = kEve();
  const auto b = kFerdie();
  const AccountId w = wallet.account_id();
  s.user_call(wallet, vault::AuthorizeAgent{a.account_id(), {}, vault::Access::ReadWrite});
  s.user_call(wallet, vault::AuthorizeAgent{b.account_id(), {}, vault::Access::ReadWrite});
  const std::string ta = s.token(a, w);
  const std::string tb = s.token(b, w);
  const std::string secret_a = "ghp_agent-a-secret\x01\x02";
  const std::string secret_b(std::string("aws-agent-b\0secret", 18));

  auto pa = s.put(ta, w, "github.com", secret_a);
  REQUIRE(pa.status == 201);
  CHECK(pa.body["epoch"] == 1);
  auto pb = s.put(tb, w, "aws.amazon.com", secret_b);
  REQUIRE(pb.status == 201);
  CHECK(unb64(s.get(ta, w, "github.com").body["data"]) == secret_a);
  CHECK(unb64(s.get(tb, w, "aws.amazon.com").body["data"]) == secret_b);
  // Both grants cover every service: each agent reads what the other wrote; so does the wallet.
  CHECK(unb64(s.get(tb, w, "github.com").body["data"]) == secret_a);
  const std::string tw = s.token(wallet, w);
  CHECK(unb64(s.get(tw, w, "github.com").body["data"]) == secret_a);
  CHECK(s.object_count() == 2);

  // Nothing to do before the revocation.
  auto idle = s.rotate->tick().value();
  CHECK(idle.rotations == 0);

  s.user_call(wallet, vault::RevokeAgent{a.account_id()});
  // The revoked agent's token stops working from the revocation's block, before any rotation.
  CHECK(s.get(ta, w, "github.com").status == 403);

  auto rep = s.rotate->tick().value();
  CHECK(rep.rotations == 1);
  CHECK(rep.reencrypted == 2);  // B's blob, and A's: a revocation deletes no credential
  CHECK(rep.removed == 0);
  CHECK(rep.destroyed == 1);
  CHECK(rep.objects_deleted == 2);
  CHECK(rep.errors == 0);

  const auto info = s.chain->epoch(w).value().value();
  CHECK(info.current == 2);
  CHECK(std::holds_alternative<vault::Revocation>(info.reason));
  CHECK_FALSE(s.chain->wrapped_dek(w, 1).value().has_value());
  CHECK(s.chain->wrapped_dek(w, 2).value().has_value());

  auto rb = s.get(tb, w, "aws.amazon.com");
  REQUIRE(rb.status == 200);
  CHECK(unb64(rb.body["data"]) == secret_b);
  CHECK(rb.body["epoch"] == 2);
  CHECK(rb.body["reencrypted"] == false);  // the sweep moved it already
  CHECK(s.get(ta, w, "github.com").status == 403);
  CHECK(s.token_reply(a, w).status == 403);  // no new token for a revoked agent
  CHECK(s.object_count() == 2);              // both blobs, at epoch 2
  // What A wrote stays with the wallet and B (granted every service) reads it too.
  CHECK(unb64(s.get(tw, w, "github.com").body["data"]) == secret_a);
  CHECK(unb64(s.get(tb, w, "github.com").body["data"]) == secret_a);

  bool rotated = false;
  bool destroyed = false;
  for (const auto& e : s.vault_events()) {
    if (e.name == "EpochRotated" && e.value["to_epoch"] == 2) {
      rotated = e.value["reason"].dump().find("Revocation") != std::string::npos;
    }
    if (e.name == "EpochDestroyed" && e.value["epoch"] == 1) {
      destroyed = e.value["objects_deleted"] == 2;
    }
  }
  CHECK(rotated);
  CHECK(destroyed);

  // A second pass finds nothing left to do.
  auto again = s.rotate->tick().value();
  CHECK(again.rotations + again.reencrypted + again.removed + again.destroyed == 0);
}

TEST_CASE("serve: a blob of an older epoch is re-encrypted on read; rotate then only destroys",
          "[worker]") {
  Stack s;
  const auto wallet = kDave();
  const AccountId w = wallet.account_id();
  const std::string tw = s.token(wallet, w);
  REQUIRE(s.put(tw, w, "mail", "imap-password").status == 201);
  // An operator rotation submitted by the rotate worker's key, without a sweep.
  Enclave re = open_enclave(s.rotate_opts).value();
  s.rotate_by_hand(re, w, 1, vault::Operator{});

  auto r = s.get(tw, w, "mail");
  REQUIRE(r.status == 200);
  CHECK(unb64(r.body["data"]) == "imap-password");
  CHECK(r.body["epoch"] == 2);
  CHECK(r.body["reencrypted"] == true);
  CHECK(s.chain->live_blobs(w, 1).value() == 0);
  CHECK(s.chain->live_blobs(w, 2).value() == 1);

  const std::string status_path = "/v1/wallets/" + to_hex(w) + "/status";
  auto before = s.request("GET", status_path, "", tw);
  REQUIRE(before.body["draining"].size() == 1);
  CHECK(before.body["draining"][0]["epoch"] == 1);
  CHECK(before.body["draining"][0]["live_blobs"] == 0);

  auto rep = s.rotate->tick().value();
  CHECK(rep.reencrypted == 0);
  CHECK(rep.destroyed == 1);
  CHECK(rep.objects_deleted == 1);  // the epoch-1 object the lazy path left behind
  CHECK(unb64(s.get(tw, w, "mail").body["data"]) == "imap-password");
  // serve had epoch 1's DEK in hand; the destroyed epoch is no longer reported as draining.
  CHECK(s.request("GET", status_path, "", tw).body["draining"].empty());
}

TEST_CASE("rotate: a wallet is rotated on its schedule", "[worker]") {
  Stack s(std::chrono::seconds(900), std::chrono::seconds(1));
  const auto wallet = kDave();
  const AccountId w = wallet.account_id();
  const std::string tw = s.token(wallet, w);
  for (int i = 0; i < 6; ++i) {
    REQUIRE(s.put(tw, w, "svc-" + std::to_string(i), "value-" + std::to_string(i)).status == 201);
  }
  // An orphan of epoch 1 (an object no pointer names, e.g. left by a crashed write) under a
  // service "svc", whose keys sort after every "svc-N/" key ('-' < '/'), so destruction must
  // skip from service to service correctly to find it. Keys that are not blob keys of this
  // wallet's epoch are left alone, as is another wallet's object.
  // Orphans also under "svc.x" (between "svc-5" and "svc") and "svc0" (right after "svc"'s
  // skip key), and a foreign key equal to that skip key.
  enclave::SystemRng rng;
  std::vector<std::string> orphans;
  for (const char* service : {"svc", "svc.x", "svc0"}) {
    orphans.push_back(blob_key("", w, service, 1, new_blob_id(rng).value()).value());
    REQUIRE(s.store->put(orphans.back(), as_bytes("orphaned ciphertext")).ok());
  }
  const std::string base = to_hex(w) + "/";
  const std::vector<std::string> foreign = {
      base + "readme", base + "svc0", base + "svc/0000000001/not-a-blob",
      base + "UPPER/0000000001/x.enc",
      blob_key("", kFerdie().account_id(), "svc", 1, new_blob_id(rng).value()).value()};
  for (const auto& k : foreign) REQUIRE(s.store->put(k, as_bytes("not ours")).ok());
  // What destroy_epoch must record, computed from the objects themselves.
  const auto epoch1 = s.objects_with_hashes(foreign);
  REQUIRE(epoch1.size() == 9);
  CHECK(s.rotate->tick().value().rotations == 0);  // first seen now
  s.clock.advance(std::chrono::milliseconds(1100));
  auto rep = s.rotate->tick().value();
  CHECK(rep.rotations == 1);
  CHECK(rep.reencrypted == 6);  // in two batches of 4 and 2
  CHECK(rep.destroyed == 1);
  for (const auto& orphan : orphans) {
    auto gone = s.store->get(orphan);
    REQUIRE_FALSE(gone.ok());
    CHECK(is(gone.error(), s3::Errc::NotFound));
  }
  for (const auto& k : foreign) CHECK(s.store->get(k).ok());
  // The sweep's verified hashes (not re-read at destruction) give the same digest.
  s.require_destroyed(epoch1);
  CHECK(std::holds_alternative<vault::Scheduled>(s.chain->epoch(w).value()->reason));
  for (int i = 0; i < 6; ++i) {
    auto r = s.get(tw, w, "svc-" + std::to_string(i));
    CHECK(unb64(r.body["data"]) == "value-" + std::to_string(i));
    CHECK(r.body["epoch"] == 2);
  }
}

namespace {

// A store whose first multi-object delete fails as a whole: after doing its work (as when the
// answer is lost) or before.
class FailingDeletes final : public s3::ObjectStore {
 public:
  FailingDeletes(std::unique_ptr<s3::ObjectStore> inner, bool delete_first)
      : inner_(std::move(inner)), delete_first_(delete_first) {}
  Result<s3::PutResult> put(std::string_view key, ByteSpan data,
                            const s3::PutOptions& options) override {
    return inner_->put(key, data, options);
  }
  Result<s3::Object> get(std::string_view key, const s3::GetOptions& options) override {
    return inner_->get(key, options);
  }
  Result<s3::ObjectInfo> head(std::string_view key) override { return inner_->head(key); }
  Result<void> remove(std::string_view key) override { return inner_->remove(key); }
  Result<s3::RemoveManyResult> remove_many(const std::vector<std::string>& keys) override {
    if (failed_) return inner_->remove_many(keys);
    failed_ = true;
    if (delete_first_) (void)inner_->remove_many(keys);
    return make_error(s3::Errc::Transient, "connection reset while reading the answer");
  }
  Result<s3::ListPage> list(const s3::ListOptions& options) override {
    return inner_->list(options);
  }

 private:
  std::unique_ptr<s3::ObjectStore> inner_;
  bool delete_first_;
  bool failed_ = false;
};

}  // namespace

TEST_CASE("rotate: a multi-object delete that fails as a whole is retried and fully recorded",
          "[worker]") {
  for (const bool delete_first : {true, false}) {
    INFO("the failed request " << (delete_first ? "had deleted its keys" : "deleted nothing"));
    Stack s(std::chrono::seconds(900), std::chrono::seconds(1));
    const auto wallet = kDave();
    const AccountId w = wallet.account_id();
    const std::string tw = s.token(wallet, w);
    for (int i = 0; i < 3; ++i) {
      REQUIRE(s.put(tw, w, "svc-" + std::to_string(i), "value-" + std::to_string(i)).status == 201);
    }
    const auto epoch1 = s.objects_with_hashes();
    REQUIRE(epoch1.size() == 3);
    RotateOptions ro;
    ro.state_dir = s.dir.path() / "rotate-flaky";
    ro.period = std::chrono::seconds(1);
    ro.clock = &s.clock;
    auto rotate = RotateWorker::create(
                      open_enclave(s.rotate_opts).value(), VaultChain::connect(s.url).value(),
                      std::make_unique<FailingDeletes>(
                          s3::open_store("file://" + (s.dir.path() / "store").string()).value(),
                          delete_first),
                      ro)
                      .value();
    CHECK(rotate->tick().value().rotations == 0);  // first seen now
    s.clock.advance(std::chrono::milliseconds(1100));
    const auto rep = rotate->tick().value();
    CHECK(rep.rotations == 1);
    CHECK(rep.reencrypted == 3);
    CHECK(rep.destroyed == 1);
    s.require_destroyed(epoch1);
    for (const auto& [key, hash] : epoch1) CHECK_FALSE(s.store->get(key).ok());
  }
}

TEST_CASE("rotate: a sweep interrupted after storing the new object adopts it on the next pass",
          "[worker]") {
  Stack s;
  const auto wallet = kDave();
  const AccountId w = wallet.account_id();
  const std::string tw = s.token(wallet, w);
  REQUIRE(s.put(tw, w, "db", "postgres://secret").status == 201);
  Enclave re = open_enclave(s.rotate_opts).value();
  enclave::SystemRng rng;
  s.rotate_by_hand(re, w, 1, vault::Scheduled{});
  // What a crash between the store write and the chain call leaves: the epoch-2 object exists,
  // the pointer still says epoch 1.
  const auto [blob, ptr] = s.chain->pointers(w).value().front();
  const auto d1 = load_dek(*s.chain, re.shielding, w, 1).value();
  const auto d2 = load_dek(*s.chain, re.shielding, w, 2).value();
  enclave::DekCipher c1(d1);
  enclave::DekCipher c2(d2);
  const auto call = move_blob(*s.store, "", c1, c2, w, blob, ptr, 2, rng).value();
  CHECK(s.chain->pointer(w, blob).value()->epoch == 1);

  auto rep = s.rotate->tick().value();
  CHECK(rep.reencrypted == 1);
  CHECK(rep.destroyed == 1);
  CHECK(rep.errors == 0);
  const auto now = s.chain->pointer(w, blob).value().value();
  CHECK(now.epoch == 2);
  CHECK(now.ciphertext_hash == call.ciphertext_hash);  // the adopted object, not a second one
  CHECK(unb64(s.get(tw, w, "db").body["data"]) == "postgres://secret");
}

TEST_CASE("serve: a tampered object is refused with an integrity error and no plaintext",
          "[worker]") {
  Stack s;
  const auto wallet = kDave();
  const AccountId w = wallet.account_id();
  const std::string tw = s.token(wallet, w);
  auto p = s.put(tw, w, "bank", "pin-1234");
  REQUIRE(p.status == 201);
  const auto blob = parse_uuid(p.body["blob_id"].get<std::string>()).value();
  const std::string k = blob_key("", w, "bank", 1, blob).value();
  Bytes obj = s.store->get(k).value().data;
  obj[obj.size() / 2] ^= 0x01;
  REQUIRE(s.store->put(k, obj).ok());
  auto r = s.get(tw, w, "bank");
  CHECK(r.status == 502);
  CHECK(r.body["error"]["code"] == "integrity");
  CHECK_FALSE(r.body.contains("data"));
  CHECK(r.body.dump().find("pin-1234") == std::string::npos);
}

TEST_CASE("serve: an object moved to another wallet, service or epoch fails authentication",
          "[worker]") {
  Stack s;
  const auto dave = kDave();
  const auto ferdie = kFerdie();
  const AccountId w = dave.account_id();
  const AccountId other = ferdie.account_id();
  const std::string tw = s.token(dave, w);
  const std::string to = s.token(ferdie, other);
  auto p = s.put(tw, w, "bank", "pin-1234");
  REQUIRE(p.status == 201);
  REQUIRE(s.put(to, other, "shop", "placeholder").status == 201);  // opens Ferdie's epoch 1
  const auto blob = parse_uuid(p.body["blob_id"].get<std::string>()).value();
  const Bytes obj = s.store->get(blob_key("", w, "bank", 1, blob).value()).value().data;

  // A malicious chain and host together: a pointer with the copied object's true hash at
  // another wallet, another service and another blob id. The AEAD's AAD still refuses it.
  Enclave se = s.serve_enclave();
  struct Case {
    AccountId wallet;
    std::string service;
    std::string tok;
  };
  for (const auto& c : {Case{other, "bank", to}, Case{w, "bank-copy", tw}}) {
    enclave::SystemRng rng;
    const BlobId fake = new_blob_id(rng).value();
    REQUIRE(s.store->put(blob_key("", c.wallet, c.service, 1, fake).value(), obj).ok());
    vault::RegisterBlob reg;
    reg.wallet = c.wallet;
    reg.blob_id = fake;
    reg.service = vault::ServiceName::from(c.service).value();
    reg.agent = c.wallet;
    reg.epoch = 1;
    reg.ciphertext_hash = enclave::ciphertext_hash(obj);
    reg.size = static_cast<std::uint32_t>(obj.size());
    REQUIRE(s.chain->submit(se.signer, reg).value().success);
    auto r = s.get(c.tok, c.wallet, c.service);
    CHECK(r.status == 502);
    CHECK(r.body["error"]["code"] == "integrity");
    CHECK_FALSE(r.body.contains("data"));
  }
  // The original still reads.
  CHECK(unb64(s.get(tw, w, "bank").body["data"]) == "pin-1234");
}

TEST_CASE("serve: forged, expired, misused tokens and bad signatures are refused", "[worker]") {
  Stack s(std::chrono::seconds(1));
  const auto dave = kDave();
  const auto eve = kEve();
  const AccountId w = dave.account_id();
  CHECK(s.get("", w, "x").status == 401);
  CHECK(s.get(std::string(64, 'a'), w, "x").status == 401);  // forged
  // A signature by another key.
  auto c = s.request("POST", "/v1/auth/challenge",
                     json{{"wallet", to_hex(w)}, {"agent", to_hex(w)}}.dump());
  const auto sig = eve.sign(as_bytes(c.body["message"].get<std::string>())).value();
  auto bad = s.request(
      "POST", "/v1/auth/token",
      json{
          {"challenge_id", c.body["challenge_id"]}, {"scheme", "ecdsa"}, {"signature", to_hex(sig)}}
          .dump());
  CHECK(bad.status == 401);
  // The challenge was used up by the failed attempt.
  const auto good = dave.sign(as_bytes(c.body["message"].get<std::string>())).value();
  auto reuse = s.request("POST", "/v1/auth/token",
                         json{{"challenge_id", c.body["challenge_id"]},
                              {"scheme", "ed25519"},
                              {"signature", to_hex(good)}}
                             .dump());
  CHECK(reuse.status == 401);
  // An agent without a grant gets no token.
  CHECK(s.token_reply(eve, w).status == 403);
  // An ed25519 signature presented as sr25519 fails verification (no marker bit or no match).
  auto c2 = s.request("POST", "/v1/auth/challenge",
                      json{{"wallet", to_hex(w)}, {"agent", to_hex(w)}}.dump());
  const auto ed_sig = dave.sign(as_bytes(c2.body["message"].get<std::string>())).value();
  auto sr = s.request("POST", "/v1/auth/token",
                      json{{"challenge_id", c2.body["challenge_id"]},
                           {"scheme", "sr25519"},
                           {"signature", to_hex(ed_sig)}}
                          .dump());
  CHECK(sr.status == 401);
  // A valid token for one wallet does not open another.
  const std::string tw = s.token(dave, w);
  CHECK(s.get(tw, kFerdie().account_id(), "x").status == 403);
  // Expired.
  s.clock.advance(std::chrono::milliseconds(2100));
  auto expired = s.get(tw, w, "x");
  CHECK(expired.status == 401);
  CHECK(expired.body["error"]["message"].get<std::string>().find("expired") != std::string::npos);
}

TEST_CASE("serve: an sr25519 wallet authorizes an sr25519 agent, which stores and reads",
          "[worker]") {
  Stack s;
  const auto wallet = key(chain::Scheme::Sr25519, "//Dave");
  const auto agent = key(chain::Scheme::Sr25519, "//Eve//agent/1");
  const AccountId w = wallet.account_id();
  s.user_call(wallet, vault::AuthorizeAgent{agent.account_id(), {}, vault::Access::ReadWrite});
  const std::string ta = s.token(agent, w);
  REQUIRE(s.put(ta, w, "github.com", "sr-secret").status == 201);
  CHECK(unb64(s.get(ta, w, "github.com").body["data"]) == "sr-secret");
  const std::string tw = s.token(wallet, w);
  CHECK(unb64(s.get(tw, w, "github.com").body["data"]) == "sr-secret");
  s.user_call(wallet, vault::RevokeAgent{agent.account_id()});
  CHECK(s.get(ta, w, "github.com").status == 403);
  CHECK(s.token_reply(agent, w).status == 403);
}

TEST_CASE("serve: bad requests get precise 4xx JSON errors and change nothing", "[worker]") {
  Stack s;
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  const std::string tw = s.token(dave, w);
  CHECK(s.request("POST", "/v1/auth/challenge", "{not json").status == 400);
  CHECK(s.request("POST", "/v1/auth/challenge", "[]").status == 400);
  CHECK(s.request("POST", "/v1/auth/challenge", R"({"wallet":"nope","agent":"x"})").status == 400);
  CHECK(s.request("POST", "/v1/auth/token", R"({"challenge_id":"x"})").status == 400);
  CHECK(s.request("PUT", Stack::cred(w, "github.com"), R"({"data":"***"})", tw).status == 400);
  CHECK(s.request("PUT", Stack::cred(w, "github.com"), R"({"data":7})", tw).status == 400);
  CHECK(s.request("PUT", Stack::cred(w, "GitHub"), R"({"data":"eA=="})", tw).status == 400);
  CHECK(s.request("PUT", Stack::cred(w, ".."), R"({"data":"eA=="})", tw).status == 400);
  CHECK(s.request("GET", "/v1/credentials/0x12/github.com", "", tw).status == 400);
  CHECK(s.request("GET", "/v1/nothing", "").status == 404);
  CHECK(s.get(tw, w, "github.com").status == 404);
  CHECK(s.request("DELETE", Stack::cred(w, "github.com"), "", tw).status == 404);
  // Over the credential limit (1 MiB) but under the body limit.
  const std::string big(std::size_t{1024} * 1024 + 10, 'x');
  CHECK(s.put(tw, w, "big", big).status == 413);
  // Over the body limit.
  CHECK(s.request("PUT", Stack::cred(w, "big"), std::string(std::size_t{3} * 1024 * 1024, ' '), tw)
            .status == 413);
  CHECK(s.object_count() == 0);
  CHECK(s.chain->pointers(w).value().empty());
}

TEST_CASE("serve: PUT replaces the caller's credential, DELETE removes it, status reports",
          "[worker]") {
  Stack s;
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  const std::string tw = s.token(dave, w);
  REQUIRE(s.put(tw, w, "github.com", "one").status == 201);
  REQUIRE(s.put(tw, w, "github.com", "two").status == 201);
  CHECK(unb64(s.get(tw, w, "github.com").body["data"]) == "two");
  CHECK(s.chain->pointers(w).value().size() == 1);
  CHECK(s.object_count() == 1);
  auto st = s.request("GET", "/v1/wallets/" + to_hex(w) + "/status", "", tw);
  REQUIRE(st.status == 200);
  CHECK(st.body["current_epoch"] == 1);
  CHECK(st.body["live_blobs"] == 1);
  CHECK(st.body["draining"].empty());
  auto d = s.request("DELETE", Stack::cred(w, "github.com"), "", tw);
  CHECK(d.status == 200);
  CHECK(d.body["removed"] == 1);
  CHECK(s.get(tw, w, "github.com").status == 404);
  CHECK(s.object_count() == 0);
  CHECK(s.request("GET", "/healthz", "").status == 200);
  auto att = s.request("GET", "/v1/attestation", "");
  CHECK(att.body["platform"].get<std::string>().find("not hardware-backed") != std::string::npos);
}

TEST_CASE("serve: invalid UTF-8 in the path or in echoed text is answered, never fatal",
          "[worker]") {
  // Before the fix, GET /%ff terminated the process (the 404 message carried the decoded path
  // and json::dump() threw outside the HTTP library's try/catch).
  Stack s;
  for (const char* path : {"/%ff", "/%c3", "/v1/credentials/%ff/%fe", "/%00%ff%1b[2J"}) {
    const std::string reply = raw_exchange(
        s.port, "GET " + std::string(path) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    INFO(path);
    REQUIRE(reply.rfind("HTTP/1.1 4", 0) == 0);
    const auto body = json::parse(reply.substr(reply.find("\r\n\r\n") + 4), nullptr, false);
    REQUIRE(body.is_object());
    CHECK(body["error"]["message"].get<std::string>().find('\xff') == std::string::npos);
  }
  // A method that is not ours is not echoed either.
  const std::string odd = raw_exchange(s.port, "\xff\xfe /x HTTP/1.1\r\nConnection: close\r\n\r\n");
  CHECK(odd.find('\xff') == std::string::npos);
  // A message cut mid-character (40-byte prefix of a scheme ending in 'é') is a 400, not 503.
  const auto c = s.request(
      "POST", "/v1/auth/challenge",
      json{{"wallet", to_hex(kDave().account_id())}, {"agent", to_hex(kDave().account_id())}}
          .dump());
  REQUIRE(c.status == 200);
  const auto bad = s.request("POST", "/v1/auth/token",
                             json{{"challenge_id", c.body["challenge_id"]},
                                  {"scheme", std::string(39, 'a') + "\xc3\xa9"},
                                  {"signature", "0x00"}}
                                 .dump());
  CHECK(bad.status == 400);
  // The server is still there.
  CHECK(s.request("GET", "/healthz", "").status == 200);
}

TEST_CASE("serve: the login accepts only signRaw-wrapped signatures of its own challenges",
          "[worker]") {
  // Before the fix, a signature over the bare message was accepted: the login was a signing
  // oracle for anything the agent's key signs (an extrinsic's signing payload included).
  Stack s;
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  for (const auto& agent : {kDave(), key(chain::Scheme::Ecdsa, "//Dave")}) {
    const AccountId aw = agent.account_id();
    auto challenge = [&] {
      auto c = s.request("POST", "/v1/auth/challenge",
                         json{{"wallet", to_hex(aw)}, {"agent", to_hex(aw)}}.dump());
      REQUIRE(c.status == 200);
      return c;
    };
    auto exchange = [&](const json& c, const Bytes& sig) {
      return s.request("POST", "/v1/auth/token",
                       json{{"challenge_id", c["challenge_id"]},
                            {"scheme", std::string(chain::scheme_name(agent.scheme()))},
                            {"signature", to_hex(sig)}}
                           .dump());
    };
    const auto c1 = challenge();
    const std::string m1 = c1.body["message"];
    const auto m1_bytes = as_bytes(m1);
    CHECK(from_hex(c1.body["message_hex"].get<std::string>()).value() ==
          Bytes(m1_bytes.begin(), m1_bytes.end()));
    const auto raw = exchange(c1.body, agent.sign(as_bytes(m1)).value());
    CHECK(raw.status == 401);
    const auto c2 = challenge();
    const std::string m2 = c2.body["message"];
    const std::string wrapped = "<Bytes>" + m2 + "</Bytes>";
    const auto ok = exchange(c2.body, agent.sign(as_bytes(wrapped)).value());
    CHECK(ok.status == 200);
    CHECK(ok.body["token"].is_string());
  }
  // The test client (chain::sign_login_challenge) refuses to sign what serve could abuse.
  const auto c = s.request("POST", "/v1/auth/challenge",
                           json{{"wallet", to_hex(w)}, {"agent", to_hex(w)}}.dump());
  const std::string m = c.body["message"];
  const chain::ExpectedChallenge good{s.serve_worker, w, w};
  const std::int64_t now = s.clock.unix_seconds();  // the serve worker's clock
  const auto signed_ok = chain::sign_login_challenge(dave, m, good, now);
  INFO((signed_ok.ok() ? std::string("ok") : signed_ok.error().message));
  CHECK(signed_ok.ok());
  CHECK_FALSE(chain::sign_login_challenge(dave, m, {w, w, w}, now).ok());  // another worker
  CHECK_FALSE(chain::sign_login_challenge(dave, m, {s.serve_worker, kFerdie().account_id(), w}, now)
                  .ok());  // another wallet
  CHECK_FALSE(
      chain::sign_login_challenge(kFerdie(), m, good, now).ok());  // not this key's challenge
  CHECK_FALSE(chain::sign_login_challenge(dave, m + "x", good, now).ok());
}

TEST_CASE("serve: a form-encoded body over 8 KiB is told to send Content-Type: application/json",
          "[worker]") {
  // Before, the answer said "request body over 2097152 bytes" for a 9,000-byte body.
  Stack s;
  const std::string body(9000, 'x');
  const std::string reply =
      raw_exchange(s.port,
                   "POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body);
  REQUIRE(reply.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(reply.find("Content-Type: application/json'") != std::string::npos);
  CHECK(reply.find("2097152") == std::string::npos);
}

TEST_CASE("serve: concurrent PUTs of one service never lose the newest acknowledged credential",
          "[worker]") {
  // Before the fix, each PUT removed every other pointer of the caller for the service after
  // registering its own, so two concurrent PUTs could delete each other's new blob (404 after
  // two 201s).
  Stack s;
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  const std::string tw = s.token(dave, w);
  const std::string path = Stack::cred(w, "github.com");
  using SteadyClock = std::chrono::steady_clock;
  struct Write {
    std::string value;
    SteadyClock::time_point start, ack;
    int status = 0;
  };
  struct Read {
    SteadyClock::time_point start, end;
    int status = 0;
    std::string value;
  };
  // No Catch2 assertions off the main thread: record, then check.
  auto call = [&](const std::string& method, const std::string& body) -> std::pair<int, json> {
    httplib::Client c("127.0.0.1", s.port);
    c.set_read_timeout(60, 0);
    const httplib::Headers h{{"Authorization", "Bearer " + tw}};
    auto r =
        method == "PUT" ? c.Put(path.c_str(), h, body, "application/json") : c.Get(path.c_str(), h);
    if (!r) return {0, json()};
    return {r->status, json::parse(r->body, nullptr, false)};
  };
  constexpr int kWriters = 3;
  constexpr int kEach = 3;
  std::vector<std::vector<Write>> writes(kWriters);
  std::vector<std::vector<Read>> reads(2);
  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < kEach; ++j) {
        Write wr;
        wr.value = "secret-" + std::to_string(i) + "-" + std::to_string(j);
        wr.start = SteadyClock::now();
        wr.status = call("PUT", json{{"data", b64(wr.value)}}.dump()).first;
        wr.ack = SteadyClock::now();
        writes[static_cast<std::size_t>(i)].push_back(wr);
      }
      --writers_left;
    });
  }
  for (auto& rs : reads) {
    threads.emplace_back([&] {
      while (writers_left.load() > 0) {
        Read rd;
        rd.start = SteadyClock::now();
        auto [status, body] = call("GET", "");
        rd.end = SteadyClock::now();
        rd.status = status;
        if (status == 200 && body.is_object() && body["data"].is_string()) {
          rd.value = unb64_nothrow(body["data"].get<std::string>());
        }
        rs.push_back(rd);
      }
    });
  }
  for (auto& t : threads) t.join();

  std::vector<Write> all;
  for (const auto& ws : writes) all.insert(all.end(), ws.begin(), ws.end());
  for (const auto& wr : all) {
    INFO(wr.value);
    REQUIRE(wr.status == 201);
  }
  auto find = [&](const std::string& v) -> std::optional<Write> {
    for (const auto& wr : all) {
      if (wr.value == v) return wr;
    }
    return std::nullopt;
  };
  // v is stale at time t if some write began after v was acknowledged and was itself
  // acknowledged before t.
  auto stale_at = [&](const Write& v, SteadyClock::time_point t) {
    return std::any_of(all.begin(), all.end(),
                       [&](const Write& y) { return y.start > v.ack && y.ack < t; });
  };
  auto first_ack = SteadyClock::time_point::max();
  for (const auto& wr : all) first_ack = std::min(first_ack, wr.ack);
  std::size_t checked = 0;
  for (const auto& rs : reads) {
    for (const auto& rd : rs) {
      if (rd.start <= first_ack) continue;  // nothing acknowledged yet
      ++checked;
      INFO("read status " << rd.status << " value '" << rd.value << "'");
      REQUIRE(rd.status == 200);
      const auto v = find(rd.value);
      REQUIRE(v.has_value());
      CHECK(v->start < rd.end);
      CHECK_FALSE(stale_at(*v, rd.start));
    }
  }
  INFO(checked << " reads checked");
  const auto final_read = s.get(tw, w, "github.com");
  REQUIRE(final_read.status == 200);
  const auto last = find(unb64(final_read.body["data"]));
  REQUIRE(last.has_value());
  CHECK_FALSE(stale_at(*last, SteadyClock::now()));
  CHECK(s.chain->pointers(w).value().size() == 1);
  CHECK(s.object_count() == 1);
}

TEST_CASE("serve: challenges are rate-limited per client and per agent; tokens keep a budget",
          "[worker]") {
  // Before, challenges were unlimited and shared one table with tokens: one client asking fast
  // enough for random agents locked every agent out of login.
  Stack s(std::chrono::seconds(900), std::chrono::hours(1), [](ServeOptions& o) {
    o.max_challenges = 25;
    o.challenges_per_client = {1, 10};
    o.challenges_per_agent = {1, 10};
  });
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  const auto c = s.request("POST", "/v1/auth/challenge",
                           json{{"wallet", to_hex(w)}, {"agent", to_hex(w)}}.dump());
  REQUIRE(c.status == 200);
  auto challenge_from = [&](const char* from, const AccountId& wallet, const AccountId& agent) {
    const std::string body = json{{"wallet", to_hex(wallet)}, {"agent", to_hex(agent)}}.dump();
    const std::string reply =
        raw_exchange(s.port,
                     "POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body,
                     std::chrono::seconds(5), from);
    REQUIRE(reply.size() > 12);
    return std::stoi(reply.substr(9, 3));
  };
  // An attacker at 127.0.0.1 asks for challenges for fresh random keys as fast as it can.
  int ok = 0;
  int limited = 0;
  for (int i = 0; i < 60; ++i) {
    AccountId k{};
    randombytes_buf(k.data(), k.size());
    const int st = challenge_from("127.0.0.1", k, k);
    ok += st == 200 ? 1 : 0;
    limited += st == 429 ? 1 : 0;
  }
  CHECK(limited > 0);
  CHECK(ok < 25);  // the table (25) was not filled by one client
  // Another client still gets a challenge.
  CHECK(challenge_from("127.0.0.2", w, w) == 200);
  // One wallet/agent pair has its own budget too, whatever address asks.
  const auto ferdie = kFerdie().account_id();
  int pair_limited = 0;
  for (int i = 0; i < 15; ++i) {
    const char* from = i % 2 == 0 ? "127.0.0.3" : "127.0.0.4";
    pair_limited += challenge_from(from, ferdie, ferdie) == 429 ? 1 : 0;
  }
  CHECK(pair_limited > 0);
  // A full challenge table does not stop tokens: fill it from many addresses, then log in with
  // the challenge obtained first.
  for (int i = 10; i < 60; ++i) {
    AccountId k{};
    randombytes_buf(k.data(), k.size());
    (void)challenge_from(("127.0.1." + std::to_string(i)).c_str(), k, k);
  }
  AccountId k{};
  randombytes_buf(k.data(), k.size());
  CHECK(challenge_from("127.0.2.1", k, k) == 503);  // full
  const auto sig = chain::sign_login_challenge(dave, c.body["message"].get<std::string>(),
                                               {s.serve_worker, w, w}, s.clock.unix_seconds())
                       .value();
  const auto t = s.request("POST", "/v1/auth/token",
                           json{{"challenge_id", c.body["challenge_id"]},
                                {"scheme", "ed25519"},
                                {"signature", to_hex(sig)}}
                               .dump());
  CHECK(t.status == 200);
}

TEST_CASE("serve: errors name no object keys or store paths", "[worker]") {
  // Before, a tampered or missing object's error carried its object key.
  Stack s;
  const auto wallet = kDave();
  const AccountId w = wallet.account_id();
  const std::string tw = s.token(wallet, w);
  auto p = s.put(tw, w, "bank", "pin-1234");
  REQUIRE(p.status == 201);
  const auto blob = parse_uuid(p.body["blob_id"].get<std::string>()).value();
  const std::string k = blob_key("", w, "bank", 1, blob).value();
  auto no_internals = [&](const HttpReply& r) {
    const std::string text = r.body.dump();
    INFO(text);
    CHECK(text.find(uuid_text(blob)) == std::string::npos);
    CHECK(text.find(".enc") == std::string::npos);
    CHECK(text.find(s.dir.path().string()) == std::string::npos);
  };
  Bytes obj = s.store->get(k).value().data;
  obj[obj.size() / 2] ^= 0x01;
  REQUIRE(s.store->put(k, obj).ok());
  const auto tampered = s.get(tw, w, "bank");
  CHECK(tampered.status == 502);
  no_internals(tampered);
  REQUIRE(s.store->remove(k).ok());
  const auto missing = s.get(tw, w, "bank");
  CHECK(missing.status == 404);
  no_internals(missing);
}

TEST_CASE("serve: a wallet's status is refused to an agent granted only some services",
          "[worker]") {
  // Before, any active grant could read the wallet's pointer counts and revoked agents.
  Stack s;
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  const auto narrow = kFerdie();
  const auto wide = kEve();
  vault::ServiceList only;
  only = vault::ServiceList::from({vault::ServiceName::from("github.com").value()}).value();
  s.user_call(dave, vault::AuthorizeAgent{narrow.account_id(), only, vault::Access::Read});
  s.user_call(dave, vault::AuthorizeAgent{wide.account_id(), {}, vault::Access::Read});
  const std::string path = "/v1/wallets/" + to_hex(w) + "/status";
  CHECK(s.request("GET", path, "", s.token(narrow, w)).status == 403);
  CHECK(s.request("GET", path, "", s.token(wide, w)).status == 200);
  CHECK(s.request("GET", path, "", s.token(dave, w)).status == 200);
}

TEST_CASE("serve: per-wallet quotas of credentials and bytes are enforced before any chain call",
          "[worker]") {
  // Before, any key could store without limit under its own wallet, serve paying for the calls.
  Stack s(std::chrono::seconds(900), std::chrono::hours(1), [](ServeOptions& o) {
    o.max_wallet_credentials = 2;
    o.max_wallet_bytes = 200;
  });
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  const std::string tw = s.token(dave, w);
  REQUIRE(s.put(tw, w, "a", std::string(10, 'a')).status == 201);
  REQUIRE(s.put(tw, w, "b", std::string(10, 'b')).status == 201);
  const auto best = s.chain->best_number().value();
  const auto third = s.put(tw, w, "c", "c");
  CHECK(third.status == 403);
  CHECK(third.body["error"]["message"].get<std::string>().find("quota") != std::string::npos);
  CHECK(s.chain->best_number().value() == best);                  // no transaction spent on it
  CHECK(s.put(tw, w, "a", std::string(20, 'a')).status == 201);   // a replacement fits
  CHECK(s.put(tw, w, "a", std::string(300, 'a')).status == 403);  // over the bytes
  CHECK(s.chain->pointers(w).value().size() == 2);
  CHECK(s.object_count() == 2);
}

TEST_CASE("serve: a second serve on a taken port fails to start and says so", "[worker]") {
  Stack s;
  ServeOptions so;
  so.port = s.port;
  auto second =
      ServeWorker::create(s.serve_enclave(), VaultChain::connect(s.url).value(),
                          s3::open_store("file://" + (s.dir.path() / "store").string()).value(), so)
          .value();
  const auto started = second->start();
  REQUIRE_FALSE(started.ok());
  CHECK(is(started.error(), WorkerErrc::Config));
  CHECK(started.error().message.find("127.0.0.1:" + std::to_string(s.port)) != std::string::npos);
  CHECK(started.error().message.find("in use") != std::string::npos);
  // The first still holds the port alone and answers every request.
  for (int i = 0; i < 8; ++i) {
    CHECK(s.request("POST", "/v1/auth/challenge", "{not json").status == 400);
  }
}

TEST_CASE("rotate: a pass reports the block followed and finalized; /healthz and /metrics show it",
          "[worker]") {
  Stack s;
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  REQUIRE(s.put(s.token(dave, w), w, "mail", "imap-password").status == 201);
  const auto best = s.chain->best_number().value();
  REQUIRE(best > 1);
  const auto first = s.rotate->tick().value();
  CHECK(first.block == best);  // no rotation was due, so no call moved the chain meanwhile
  CHECK(first.finalized >= 1);
  CHECK(first.finalized <= first.block);
  // A pass with nothing new still reports where the chain is (not "0 blocks applied").
  const auto again = s.rotate->tick().value();
  CHECK(again.block == best);
  CHECK(again.finalized == first.finalized);

  // The health endpoint of a rotate worker on its own port; a second one on that port fails.
  const auto port = static_cast<std::uint16_t>(test::free_loopback_port());
  REQUIRE(port != 0);
  auto make = [&](const char* sub) {
    RotateOptions ro;
    ro.state_dir = s.dir.path() / sub;
    ro.clock = &s.clock;
    ro.health_port = port;
    return RotateWorker::create(
               open_enclave(s.rotate_opts).value(), VaultChain::connect(s.url).value(),
               s3::open_store("file://" + (s.dir.path() / "store").string()).value(), ro)
        .value();
  };
  auto rotate = make("rotate-health");
  REQUIRE(rotate->start_health().value() == port);
  auto other = make("rotate-health-2");
  const auto taken = other->start_health();
  REQUIRE_FALSE(taken.ok());
  CHECK(taken.error().message.find("in use") != std::string::npos);
  const auto rep = rotate->tick().value();
  httplib::Client c("127.0.0.1", port);
  auto health = c.Get("/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  const json h = json::parse(health->body);
  CHECK(h["block"] == rep.block);
  CHECK(h["finalized"] == rep.finalized);
  auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("\nepochvault_rotate_block " + std::to_string(rep.block) + "\n") !=
        std::string::npos);
  CHECK(metrics->body.find("\nepochvault_rotate_finalized_block " + std::to_string(rep.finalized) +
                           "\n") != std::string::npos);
}

TEST_CASE("worker: a seed other than the one that wrapped the wallet's DEKs is named as such",
          "[worker]") {
  Stack s;
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  REQUIRE(s.put(s.token(dave, w), w, "mail", "imap-password").status == 201);
  EnclaveOptions other = s.serve_opts;
  other.seed_dir = s.dir.path() / "another-seed";
  std::filesystem::create_directories(other.seed_dir);
  const Enclave stranger = open_enclave(other).value();
  const auto dek = load_dek(*s.chain, stranger.shielding, w, 1);
  REQUIRE_FALSE(dek.ok());
  CHECK(is(dek.error(), WorkerErrc::Integrity));
  CHECK(dek.error().message.find("this worker's seed does not match the wallet's DEKs") !=
        std::string::npos);
  CHECK(dek.error().message.find("tag") == std::string::npos);
  // The deployment's own seed opens it.
  CHECK(load_dek(*s.chain, s.serve_enclave().shielding, w, 1).ok());
}

TEST_CASE("worker: the platform is chosen by name; an unknown one is refused", "[worker]") {
  Stack s;
  EnclaveOptions o = s.serve_opts;
  auto simulated = make_platform(o);
  REQUIRE(simulated.ok());
  CHECK((*simulated)->measurement() == open_enclave(o).value().platform->measurement());
  o.platform = "no-such-tee";
  const auto unknown = make_platform(o);
  REQUIRE_FALSE(unknown.ok());
  CHECK(is(unknown.error(), WorkerErrc::Config));
  CHECK(unknown.error().message.find("no-such-tee") != std::string::npos);
  CHECK(unknown.error().message.find("simulated") != std::string::npos);
}

// ---- sharing: one credential, stored once by the wallet, read by the agents it authorized -----

namespace {

std::string error_message(const HttpReply& r) {
  return r.body.is_object() && r.body.contains("error") ? r.body["error"].value("message", "")
                                                        : std::string();
}

bool says(const HttpReply& r, std::string_view what) {
  return error_message(r).find(what) != std::string::npos;
}

vault::ServiceList services_of(std::initializer_list<const char*> names) {
  std::vector<vault::ServiceName> v;
  for (const char* n : names) v.push_back(vault::ServiceName::from(n).value());
  return vault::ServiceList::from(std::move(v)).value();
}

// (service, name) -> writer, of a GET /v1/credentials/{wallet} answer; no item carries data.
std::map<std::string, std::string> listed_writers(const HttpReply& r) {
  std::map<std::string, std::string> out;
  for (const auto& item : r.body["credentials"]) {
    CHECK_FALSE(item.contains("data"));
    out[item["service"].get<std::string>() + "/" + item["name"].get<std::string>()] =
        item["writer"].get<std::string>();
  }
  return out;
}

// The story of docs/api.md, "Sharing credentials with agents", over HTTP on `s`:
// the owner stores github.com twice (two names) and aws; agent A may read github.com, agent B
// read and write aws; A reads both GitHub credentials and is refused aws; B replaces aws; the
// owner lists all three with their writers; A, upgraded to write, adds one; A is revoked and
// refused from that block on; the rotation runs and every credential still reads back, the one
// A wrote included.
void sharing_story(Stack& s) {
  const auto owner = kDave();
  const auto a = kEve();
  const auto b = kFerdie();
  const AccountId w = owner.account_id();
  const std::string tw = s.token(owner, w);
  const std::string gh_work = Stack::cred(w, "github.com") + "/work";
  const std::string gh_personal = Stack::cred(w, "github.com") + "/personal";
  const std::string gh_bot = Stack::cred(w, "github.com") + "/bot";
  const std::string aws = Stack::cred(w, "aws");
  const std::string listing = "/v1/credentials/" + to_hex(w);
  auto put = [&](const std::string& tok, const std::string& path, const std::string& secret) {
    return s.request("PUT", path, json{{"data", b64(secret)}}.dump(), tok);
  };
  auto read = [&](const std::string& tok, const std::string& path) {
    const auto r = s.request("GET", path, "", tok);
    INFO(path << ": " << r.body.dump());
    REQUIRE(r.status == 200);
    return unb64(r.body["data"]);
  };

  REQUIRE(put(tw, gh_work, "ghp_work").status == 201);
  REQUIRE(put(tw, gh_personal, "ghp_personal").status == 201);
  REQUIRE(put(tw, aws, "aws_owner").status == 201);

  // An agent without a grant gets no token, and is told which call of the wallet grants one.
  const auto no_grant = s.token_reply(a, w);
  CHECK(no_grant.status == 403);
  CHECK(says(no_grant, "holds no grant from wallet " + to_hex(w)));
  CHECK(says(no_grant, "VaultPointers.authorize_agent"));

  s.user_call(owner, vault::AuthorizeAgent{a.account_id(), services_of({"github.com"}),
                                           vault::Access::Read});
  s.user_call(
      owner, vault::AuthorizeAgent{b.account_id(), services_of({"aws"}), vault::Access::ReadWrite});
  const std::string ta = s.token(a, w);
  const std::string tb = s.token(b, w);

  // A reads every github.com credential, though the owner wrote them.
  CHECK(read(ta, gh_work) == "ghp_work");
  CHECK(read(ta, gh_personal) == "ghp_personal");
  // ... and nothing else; nor may it write: each refusal says what is missing and how to fix it.
  const auto other = s.request("GET", aws, "", ta);
  CHECK(other.status == 403);
  CHECK(says(other, "covers github.com, not service 'aws'"));
  CHECK(says(other, "--services github.com,aws"));
  const auto read_only = put(ta, gh_work, "overwrite");
  CHECK(read_only.status == 403);
  CHECK(says(read_only, "not writing"));
  CHECK(says(read_only, "--write"));
  CHECK(s.request("DELETE", gh_work, "", ta).status == 403);
  CHECK(read(tw, gh_work) == "ghp_work");
  // A missing credential is a 404 that says so (not "no route").
  const auto none = s.request("GET", Stack::cred(w, "github.com") + "/nobody", "", ta);
  CHECK(none.status == 404);
  CHECK(says(none, "holds no credential 'github.com/nobody'"));
  CHECK(says(none, "PUT "));

  // B replaces the owner's aws credential, and reads it; github.com is not B's.
  const auto replaced = put(tb, aws, "aws_by_b");
  REQUIRE(replaced.status == 201);
  CHECK(replaced.body["replaced"] == 1);
  CHECK(read(tb, aws) == "aws_by_b");
  CHECK(s.request("GET", gh_work, "", tb).status == 403);
  const auto owner_aws = s.request("GET", aws, "", tw);
  CHECK(unb64(owner_aws.body["data"]) == "aws_by_b");
  CHECK(owner_aws.body["writer"] == to_hex(b.account_id()));

  // The owner lists all three with their writers; each agent lists what it may read.
  const auto all = s.request("GET", listing, "", tw);
  REQUIRE(all.status == 200);
  CHECK(listed_writers(all) ==
        std::map<std::string, std::string>{{"aws/", to_hex(b.account_id())},
                                           {"github.com/personal", to_hex(w)},
                                           {"github.com/work", to_hex(w)}});
  CHECK(listed_writers(s.request("GET", listing, "", ta)) ==
        std::map<std::string, std::string>{{"github.com/personal", to_hex(w)},
                                           {"github.com/work", to_hex(w)}});
  CHECK(listed_writers(s.request("GET", listing, "", tb)) ==
        std::map<std::string, std::string>{{"aws/", to_hex(b.account_id())}});

  // Upgraded to read and write, A adds a credential of its own.
  s.user_call(owner, vault::AuthorizeAgent{a.account_id(), services_of({"github.com"}),
                                           vault::Access::ReadWrite});
  REQUIRE(put(ta, gh_bot, "ghp_bot_by_a").status == 201);

  // A is revoked: refused from the including block, before any rotation.
  s.user_call(owner, vault::RevokeAgent{a.account_id()});
  const auto revoked = s.request("GET", gh_work, "", ta);
  CHECK(revoked.status == 403);
  CHECK(says(revoked, "was revoked at block"));
  CHECK(s.token_reply(a, w).status == 403);

  // The rotation follows; it deletes no credential.
  const auto rep = s.rotate->tick().value();
  CHECK(rep.rotations == 1);
  CHECK(rep.reencrypted == 4);
  CHECK(rep.removed == 0);
  CHECK(rep.destroyed == 1);
  CHECK(rep.errors == 0);
  const auto info = s.chain->epoch(w).value().value();
  CHECK(info.current == 2);
  CHECK(std::holds_alternative<vault::Revocation>(info.reason));

  // Everything reads back for the owner, the credential A wrote included, and for B where B is
  // granted; A stays refused.
  CHECK(read(tw, gh_work) == "ghp_work");
  CHECK(read(tw, gh_personal) == "ghp_personal");
  CHECK(read(tw, aws) == "aws_by_b");
  const auto bot = s.request("GET", gh_bot, "", tw);
  REQUIRE(bot.status == 200);
  CHECK(unb64(bot.body["data"]) == "ghp_bot_by_a");
  CHECK(bot.body["writer"] == to_hex(a.account_id()));
  CHECK(bot.body["epoch"] == 2);
  CHECK(read(tb, aws) == "aws_by_b");
  CHECK(s.request("GET", gh_bot, "", ta).status == 403);
  const auto after = s.request("GET", listing, "", tw);
  CHECK(listed_writers(after).size() == 4);
  for (const auto& item : after.body["credentials"]) CHECK(item["epoch"] == 2);
  CHECK(s.object_count() == 4);
}

}  // namespace

TEST_CASE(
    "sharing: the owner stores once, agents read what their grant covers, a revocation "
    "rotates and loses nothing (directory store)",
    "[worker][sharing]") {
  Stack s;
  sharing_story(s);
  // The missing credential's 404 is counted once, under its route, never as an unknown route.
  httplib::Client c("127.0.0.1", s.port);
  const auto m = c.Get("/metrics");
  REQUIRE(m);
  CHECK(m->body.find("route=\"credential_get\",status=\"404\"} 1\n") != std::string::npos);
  CHECK(m->body.find("route=\"unknown\",status=\"404\"") == std::string::npos);
  CHECK(m->body.find("route=\"credential_list\",status=\"200\"} 4\n") != std::string::npos);
}

// Hidden: run through tests/interop/with-rgw.sh (ctest label interop), which starts Ceph RGW.
TEST_CASE("sharing: the same story with the workers' blobs in Ceph RGW", "[.rgw][sharing]") {
  const char* endpoint = std::getenv("EV_S3_ENDPOINT");
  const char* bucket = std::getenv("EV_S3_BUCKET");
  if (endpoint == nullptr || bucket == nullptr || *endpoint == '\0' || *bucket == '\0') {
    std::printf(
        "SKIPPED: EV_S3_ENDPOINT / EV_S3_BUCKET not set (run through "
        "tests/interop/with-rgw.sh)\n");
    std::fflush(stdout);
    std::exit(77);
  }
  test::TempDir unique;  // a fresh key prefix per run
  const std::string prefix = "sharing-" + unique.path().filename().string();
  const std::string url = "s3://" + std::string(bucket) + "/" + prefix +
                          "?endpoint=" + std::string(endpoint) + "&style=path";
  INFO(url);
  Stack s(std::chrono::seconds(900), std::chrono::hours(1), {}, url);
  sharing_story(s);
}

TEST_CASE("sharing: a credential restricted to named readers is refused to other agents",
          "[worker][sharing]") {
  Stack s;
  const auto owner = kDave();
  const auto a = kEve();
  const auto b = kFerdie();
  const AccountId w = owner.account_id();
  s.user_call(owner, vault::AuthorizeAgent{a.account_id(), {}, vault::Access::Read});
  s.user_call(owner, vault::AuthorizeAgent{b.account_id(), {}, vault::Access::Read});
  const std::string tw = s.token(owner, w);
  const std::string path = Stack::cred(w, "bank") + "/joint";
  const auto stored =
      s.request("PUT", path,
                json{{"data", b64("iban-pin")}, {"readers", {to_hex(a.account_id())}}}.dump(), tw);
  REQUIRE(stored.status == 201);
  CHECK(unb64(s.request("GET", path, "", s.token(a, w)).body["data"]) == "iban-pin");
  const auto refused = s.request("GET", path, "", s.token(b, w));
  CHECK(refused.status == 403);
  CHECK(says(refused, "restricted to named readers"));
  const auto listed = s.request("GET", "/v1/credentials/" + to_hex(w), "", s.token(b, w));
  CHECK(listed.body["credentials"].empty());
  const auto mine = s.request("GET", "/v1/credentials/" + to_hex(w), "", tw);
  REQUIRE(mine.body["credentials"].size() == 1);
  CHECK(mine.body["credentials"][0]["readers"] == json::array({to_hex(a.account_id())}));
  // The pointer on chain keeps the restriction and the name.
  const auto ptrs = s.chain->pointers(w).value();
  REQUIRE(ptrs.size() == 1);
  CHECK(ptrs[0].second.name.view() == "joint");
  CHECK(ptrs[0].second.readers.items() == std::vector<AccountId>{a.account_id()});
  CHECK(s.request("PUT", path, json{{"data", b64("x")}, {"readers", "nope"}}.dump(), tw).status ==
        400);
}

// Random grants, revocations, reads, writes, listings and rotation passes against a reference
// model of who may read and write what: the owner everything; an agent the services its active
// grant covers, writing only with ReadWrite; a write replaces the credential whoever wrote it; a
// revocation (and the rotation after it) deletes nothing.
TEST_CASE("sharing: random grant/revoke/read/write sequences agree with the reference model",
          "[worker][sharing][property]") {
  std::uint32_t seed = 20261208;
  if (const char* env = std::getenv("EV_SHARING_SEED"))
    seed = static_cast<std::uint32_t>(std::stoul(env));
  INFO("seed " << seed << " (EV_SHARING_SEED reproduces it)");
  std::mt19937 rng(seed);
  auto pick = [&rng](std::size_t n) {
    return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng);
  };

  Stack s;
  const auto owner = kDave();
  const AccountId w = owner.account_id();
  const std::vector<chain::KeyPair> agents = {kEve(), kFerdie(),
                                              key(chain::Scheme::Ed25519, "//Charlie")};
  const std::vector<std::string> services = {"github.com", "aws", "mail"};
  const std::vector<std::string> names = {"", "work"};

  struct ModelGrant {
    std::set<std::string> services;  // empty: every service
    bool write = false;
    bool active = true;
    [[nodiscard]] bool covers(const std::string& svc) const {
      return active && (services.empty() || services.count(svc) != 0);
    }
  };
  std::map<std::size_t, ModelGrant> grants;  // by agent index
  struct ModelCred {
    std::string value;
    std::string writer;
  };
  std::map<std::pair<std::string, std::string>, ModelCred> creds;
  std::map<std::size_t, std::string> tokens;  // by caller index; agents.size() = the owner
  tokens[agents.size()] = s.token(owner, w);
  std::set<std::size_t> asked_without_grant;

  auto account_of = [&](std::size_t caller) {
    return caller == agents.size() ? w : agents[caller].account_id();
  };
  auto may_read = [&](std::size_t caller, const std::string& svc) {
    return caller == agents.size() || (grants.count(caller) != 0 && grants[caller].covers(svc));
  };
  auto may_write = [&](std::size_t caller, const std::string& svc) {
    return caller == agents.size() ||
           (grants.count(caller) != 0 && grants[caller].covers(svc) && grants[caller].write);
  };
  auto path_of = [&](const std::string& svc, const std::string& name) {
    return Stack::cred(w, svc) + (name.empty() ? "" : "/" + name);
  };

  int reads = 0;
  int writes = 0;
  int refusals = 0;
  int rotations = 0;
  for (int step = 0; step < 70; ++step) {
    const std::size_t op = pick(10);
    const std::size_t caller = pick(agents.size() + 1);
    const std::string& svc = services[pick(services.size())];
    const std::string& name = names[pick(names.size())];
    INFO("step " << step << " op " << op << " caller " << caller << " " << svc << "/" << name);
    if (op == 0) {  // authorize
      const std::size_t ag = pick(agents.size());
      ModelGrant g;
      std::vector<vault::ServiceName> list;
      if (pick(3) != 0) {
        for (const auto& x : services) {
          if (pick(2) == 0) {
            g.services.insert(x);
            list.push_back(vault::ServiceName::from(x).value());
          }
        }
      }
      g.write = pick(2) == 0;
      s.user_call(owner, vault::AuthorizeAgent{
                             agents[ag].account_id(), vault::ServiceList::from(list).value(),
                             g.write ? vault::Access::ReadWrite : vault::Access::Read});
      grants[ag] = g;
      if (tokens.count(ag) == 0) tokens[ag] = s.token(agents[ag], w);
    } else if (op == 1) {  // revoke
      const std::size_t ag = pick(agents.size());
      if (grants.count(ag) == 0 || !grants[ag].active) continue;
      s.user_call(owner, vault::RevokeAgent{agents[ag].account_id()});
      grants[ag].active = false;
    } else if (op == 2) {  // a rotation pass
      const auto rep = s.rotate->tick().value();
      CHECK(rep.removed == 0);
      CHECK(rep.errors == 0);
      rotations += static_cast<int>(rep.rotations);
    } else if (tokens.count(caller) == 0) {
      // Never granted: no token, and the refusal names the missing grant (asked once per
      // agent: challenges are rate limited per wallet and agent).
      if (!asked_without_grant.insert(caller).second) continue;
      const auto r = s.token_reply(agents[caller], w);
      CHECK(r.status == 403);
      CHECK(says(r, "holds no grant"));
    } else if (op <= 5) {  // write
      const std::string value = "v" + std::to_string(step) + "-" + std::to_string(rng());
      const auto r =
          s.request("PUT", path_of(svc, name), json{{"data", b64(value)}}.dump(), tokens[caller]);
      if (may_write(caller, svc)) {
        CHECK(r.status == 201);
        creds[{svc, name}] = ModelCred{value, to_hex(account_of(caller))};
        ++writes;
      } else {
        CHECK(r.status == 403);
        ++refusals;
      }
    } else if (op <= 8) {  // read
      const auto r = s.request("GET", path_of(svc, name), "", tokens[caller]);
      const auto it = creds.find({svc, name});
      if (!may_read(caller, svc)) {
        CHECK(r.status == 403);
        ++refusals;
      } else if (it == creds.end()) {
        CHECK(r.status == 404);
        CHECK(says(r, "holds no credential"));
      } else {
        REQUIRE(r.status == 200);
        CHECK(unb64(r.body["data"]) == it->second.value);
        CHECK(r.body["writer"] == it->second.writer);
        ++reads;
      }
    } else {  // list
      const auto r = s.request("GET", "/v1/credentials/" + to_hex(w), "", tokens[caller]);
      const bool agent = caller != agents.size();
      if (agent && !grants[caller].active) {
        CHECK(r.status == 403);
        continue;
      }
      REQUIRE(r.status == 200);
      std::map<std::string, std::string> expected;
      for (const auto& [k, c] : creds) {
        if (may_read(caller, k.first)) expected[k.first + "/" + k.second] = c.writer;
      }
      CHECK(listed_writers(r) == expected);
    }
  }
  // Finally every credential reads back for the owner, whoever wrote it and whatever was
  // revoked since.
  s.rotate->tick().value();
  for (const auto& [k, c] : creds) {
    const auto r = s.request("GET", path_of(k.first, k.second), "", tokens[agents.size()]);
    REQUIRE(r.status == 200);
    CHECK(unb64(r.body["data"]) == c.value);
  }
  CHECK(s.chain->pointers(w).value().size() == creds.size());
  INFO("reads " << reads << ", writes " << writes << ", refusals " << refusals << ", rotations "
                << rotations);
  CHECK(writes > 0);
  CHECK(refusals > 0);
}

TEST_CASE("attestation api: nonces are read as hex, then base64, then plain text", "[worker]") {
  CHECK(decode_client_nonce("deadbeef").encoding == "hex");
  CHECK(decode_client_nonce("deadbeef").bytes == Bytes{0xde, 0xad, 0xbe, 0xef});
  CHECK(decode_client_nonce("dGVzdCBub25jZQ==").encoding == "base64");
  CHECK(decode_client_nonce("dGVzdCBub25jZQ==").bytes ==
        Bytes(as_bytes("test nonce").begin(), as_bytes("test nonce").end()));
  CHECK(decode_client_nonce("user-session-123abc").encoding == "plain");
  CHECK(decode_client_nonce("abc").encoding == "plain");  // odd hex, not base64
  CHECK(decode_client_nonce("").encoding == "none");
  CHECK(parse_attestation_request("").ok());
  CHECK_FALSE(parse_attestation_request("[1]").ok());
  CHECK_FALSE(parse_attestation_request(R"({"nonce": 5})").ok());
  CHECK_FALSE(parse_attestation_request(R"({"include_metadata": "yes"})").ok());
  CHECK_FALSE(parse_attestation_request(R"({"nonce": ")" + std::string(600, 'z') + "\"}").ok());
  CHECK(canonical_json(json::parse(R"({"b": [1, {"d": 1, "c": "\u00e9"}], "a": null})")) ==
        "{\"a\":null,\"b\":[1,{\"c\":\"\xc3\xa9\",\"d\":1}]}");
  CHECK(rfc3339_utc(1706616000) == "2024-01-30T12:00:00Z");
}

TEST_CASE("serve: seed 001's POST /attestation binds nonce and custom data; GET /health",
          "[worker]") {
  Stack s;
  auto h = s.request("GET", "/health", "");
  REQUIRE(h.status == 200);
  CHECK(h.body["status"] == "healthy");
  CHECK(h.body["tee_available"] == false);
  CHECK(h.body["active_sessions"].is_number_unsigned());
  CHECK(h.body["timestamp"].get<std::string>().ends_with("Z"));

  const std::string nonce = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  const json custom = {{"response", "the answer"}, {"n", 42}};
  auto r =
      s.request("POST", "/attestation", json{{"nonce", nonce}, {"custom_data", custom}}.dump());
  REQUIRE(r.status == 200);
  CHECK(r.body["tee_verified"] == false);
  CHECK(r.body.contains("_warning"));
  CHECK(r.body["custom_data"] == custom);
  CHECK(r.body["custom_digest_method"] == "sha256");
  const std::string canon = R"({"n":42,"response":"the answer"})";
  CHECK(r.body["custom_digest"] == to_hex(sha256(as_bytes(canon)), false));
  const json& ud = r.body["user_data"];
  CHECK(ud["nonce"] == nonce);
  CHECK(ud["custom_digest"] == r.body["custom_digest"]);
  CHECK(ud["agent"] == "epochvault-serve");
  CHECK(r.body.contains("verification_instructions"));

  // The evidence verifies and its report data binds user_data to the worker on this chain.
  const std::string evidence = r.body["attestation_document"]["evidence"].dump();
  attestation::VerifyOptions o;
  o.at = std::time(nullptr);
  auto v = attestation::verify_evidence(as_bytes(evidence), o);
  REQUIRE(v.ok());
  CHECK(to_hex(v->primary_measurement()) == r.body["measurement"]);
  attestation::Commitment c;
  c.account = from_hex_fixed<32>(ud["worker"].get<std::string>()).value();
  c.genesis_hash = s.node->genesis_hash();
  c.purpose = attestation::Purpose::Session;
  const auto binding = sha256(as_bytes(ud.dump()));
  c.nonce.assign(binding.begin(), binding.end());
  CHECK(attestation::check_report_data(v->report_data, c).ok());
  // Another user_data (a changed nonce) no longer matches.
  json forged = ud;
  forged["nonce"] = "00";
  const auto fb = sha256(as_bytes(forged.dump()));
  c.nonce.assign(fb.begin(), fb.end());
  CHECK_FALSE(attestation::check_report_data(v->report_data, c).ok());

  // Without metadata or custom data; a malformed body is a 400.
  auto bare = s.request("POST", "/attestation", R"({"include_metadata": false})");
  REQUIRE(bare.status == 200);
  CHECK_FALSE(bare.body["user_data"].contains("agent"));
  CHECK_FALSE(bare.body.contains("custom_data"));
  CHECK(s.request("POST", "/attestation", "not json").status == 400);
  // The /v1/ routes keep working beside them.
  CHECK(s.request("GET", "/v1/attestation", "").status == 200);
  CHECK(s.request("GET", "/healthz", "").status == 200);
}

TEST_CASE("workers: the registration on chain carries the verified attestation", "[worker]") {
  Stack s;
  const auto w = s.chain->worker(s.serve_worker).value();
  REQUIRE(w.has_value());
  CHECK(w->platform == vault::AttestationPlatform::Simulated);
  CHECK(w->tcb_status.view() == "Simulated");
  CHECK(w->expires_at == w->attested_at + 24 * 3600);
  CHECK_FALSE(attestation_due(*w, static_cast<std::int64_t>(w->attested_at)));
  CHECK(attestation_due(*w, static_cast<std::int64_t>(w->attested_at + 12 * 3600)));
}

TEST_CASE("serve: slow and idle connections never stop /healthz; they are dropped at deadlines",
          "[worker]") {
  // Before, 8 connections sending one header line every few seconds froze the whole API (one
  // pool thread per connection, per-read timeouts only). Here twice as many as threads.
  Stack s(std::chrono::seconds(900), std::chrono::hours(1), [](ServeOptions& o) {
    o.threads = 2;
    o.http.header_timeout = std::chrono::milliseconds(2000);
    o.http.idle_timeout = std::chrono::milliseconds(1000);
  });
  std::vector<int> slow;
  for (int i = 0; i < 8; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, ("127.0.7." + std::to_string(i + 1)).c_str(), &src.sin_addr) == 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) == 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(s.port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    const std::string_view line = "GET /healthz HTTP/1.1\r\n";
    REQUIRE(::send(fd, line.data(), line.size(), MSG_NOSIGNAL) > 0);
    slow.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::thread drip([&] {
    while (!stop) {
      for (const int fd : slow) (void)::send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string r =
        raw_exchange(s.port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                     std::chrono::seconds(5));
    CHECK(r.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
  }
  // At the header deadline each slow client is told 408 and closed.
  for (const int fd : slow) {
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    char buf[1024];
    for (ssize_t n = 0; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
      got.append(buf, static_cast<std::size_t>(n));
    }
    CHECK(got.rfind("HTTP/1.1 408", 0) == 0);
  }
  stop = true;
  drip.join();
  for (const int fd : slow) ::close(fd);
  httplib::Client c("127.0.0.1", s.port);
  const auto metrics = c.Get("/metrics");
  REQUIRE(metrics);
  CHECK(metrics->body.find("epochvault_serve_requests_timed_out_total 8") != std::string::npos);
}

TEST_CASE("rotate: slow connections to the health port never stop /healthz", "[worker]") {
  // Before, the health endpoint was a plain cpp-httplib server: as many slow clients as its
  // pool threads (8 or more) left /healthz unanswered, and a supervisor would restart rotate.
  Stack s;
  RotateOptions ro;
  ro.state_dir = s.dir.path() / "rotate-slow";
  ro.clock = &s.clock;
  ro.health_port = static_cast<std::uint16_t>(test::free_loopback_port());
  REQUIRE(ro.health_port != 0);
  auto rotate = RotateWorker::create(
                    open_enclave(s.rotate_opts).value(), VaultChain::connect(s.url).value(),
                    s3::open_store("file://" + (s.dir.path() / "store").string()).value(), ro)
                    .value();
  REQUIRE(rotate->start_health().value() == ro.health_port);
  REQUIRE(rotate->tick().ok());
  std::vector<int> slow;
  for (int i = 0; i < 16; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    REQUIRE(::inet_pton(AF_INET, ("127.0.8." + std::to_string(i + 1)).c_str(), &src.sin_addr) == 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) == 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(ro.health_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
    const std::string_view line = "GET /healthz HTTP/1.1\r\nX-Slow: 1\r\n";
    REQUIRE(::send(fd, line.data(), line.size(), MSG_NOSIGNAL) > 0);
    slow.push_back(fd);
  }
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::string r = raw_exchange(
        ro.health_port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        std::chrono::seconds(5));
    CHECK(r.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(1));
  }
  for (const int fd : slow) ::close(fd);
}

TEST_CASE("serve: challenge budgets refill with the worker's clock, not the wall's", "[worker]") {
  // The rate limiter read std::chrono::steady_clock; it now reads the injected clock, so the
  // refill is exact and a test needs no sleeping.
  Stack s(std::chrono::seconds(900), std::chrono::hours(1), [](ServeOptions& o) {
    o.challenges_per_client = {1, 3};
    o.challenges_per_agent = {100, 100};
  });
  const std::string w = to_hex(kDave().account_id());
  const std::string body = json{{"wallet", w}, {"agent", w}}.dump();
  auto ask = [&] {
    const std::string reply =
        raw_exchange(s.port,
                     "POST /v1/auth/challenge HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                     "Content-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n" + body,
                     std::chrono::seconds(5), "127.0.9.1");
    REQUIRE(reply.size() > 12);
    return std::stoi(reply.substr(9, 3));
  };
  for (int i = 0; i < 3; ++i) CHECK(ask() == 200);  // the burst
  CHECK(ask() == 429);
  CHECK(ask() == 429);  // no refill while the worker's clock stands still
  s.clock.advance(std::chrono::seconds(1));
  CHECK(ask() == 200);  // one second: one challenge
  CHECK(ask() == 429);
  s.clock.advance(std::chrono::seconds(60));
  for (int i = 0; i < 3; ++i) CHECK(ask() == 200);  // refilled to the burst, not beyond
  CHECK(ask() == 429);
}

TEST_CASE("serve: a write the node refuses for good deletes its object and says why", "[worker]") {
  // Before, every submission error was "unavailable" and the object written for a refused
  // register_blob stayed in the store, an orphan until its epoch was destroyed.
  Stack s(std::chrono::seconds(900), std::chrono::hours(1), {}, "",
          [](devnode::NodeConfig& c) { c.max_pool = 2; });
  const auto dave = kDave();
  const AccountId w = dave.account_id();
  const std::string tw = s.token(dave, w);
  REQUIRE(s.put(tw, w, "mail", "first").status == 201);  // the epoch is open
  REQUIRE(s.object_count() == 1);
  // Two transactions far ahead of //Bob's nonce wait in the pool for good: it is full.
  const auto bob = key(chain::Scheme::Ed25519, "//Bob");
  const auto md = s.full->metadata();
  for (std::uint64_t nonce : {1000, 1001}) {
    const Bytes call = vault::encode_runtime_call(
                           *md, vault::AuthorizeAgent{kFerdie().account_id(), vault::ServiceList{},
                                                      vault::Access::Read})
                           .value();
    const Bytes xt = s.full->sign(bob, call, nonce).value();
    REQUIRE(std::holds_alternative<ByteArray<32>>(s.node->submit(xt)));
  }
  const auto refused = s.put(tw, w, "bank", "pin-1234");
  CHECK(refused.status == 409);
  CHECK(refused.body["error"]["code"] == "rejected");
  const std::string msg = refused.body["error"]["message"];
  INFO(msg);
  CHECK(msg.find("register_blob") != std::string::npos);
  CHECK(msg.find("refused") != std::string::npos);
  CHECK(msg.find("nothing was stored") != std::string::npos);
  CHECK(s.object_count() == 1);  // the refused write's object is gone
  CHECK(s.chain->pointers(w).value().size() == 1);
  CHECK(s.get(tw, w, "mail").status == 200);
}
