// The workers against a host that lies: a falsifying JSON-RPC proxy between each worker and the
// dev node alters read proofs, drops proof nodes, forges headers and a whole finalized block
// with a fabricated state, replays old justifications and withholds finality. The workers read
// through the verified view (verified_state.hpp) and must refuse to act (no plaintext, no token,
// no call signed, nothing deleted), count the refusal in /metrics, and resume once the answers
// are honest again.
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ev/chain/access.hpp"
#include "ev/chain/challenge.hpp"
#include "ev/chain/grandpa.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/trie.hpp"
#include "ev/common/base64.hpp"
#include "ev/common/clock.hpp"
#include "ev/devnode/node.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/vault/storage.hpp"
#include "ev/worker/errors.hpp"
#include "ev/worker/rotate.hpp"
#include "ev/worker/serve.hpp"
#include "ev/worker/verified_state.hpp"
#include "test_support.hpp"

using namespace ev;
using namespace ev::worker;
using nlohmann::json;

namespace {

chain::KeyPair key(chain::Scheme s, const char* suri) { return chain::from_suri(s, suri).value(); }

// JSON-RPC over HTTP to `port`: the whole response object.
json rpc_call(std::uint16_t port, const std::string& method, const json& params) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(60, 0);
  const json req = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  auto r = c.Post("/", req.dump(), "application/json");
  if (!r) return json();
  return json::parse(r->body, nullptr, false);
}

// The host between a worker and its node: forwards every JSON-RPC call and lets the test rewrite
// the result (method, params, result).
class LyingHost {
 public:
  using Tamper = std::function<void(const std::string&, const json&, json&)>;

  explicit LyingHost(std::uint16_t node_port) : node_port_(node_port) {
    srv_.Post("/", [this](const httplib::Request& req, httplib::Response& res) {
      httplib::Client c("127.0.0.1", node_port_);
      c.set_read_timeout(60, 0);
      auto r = c.Post("/", req.body, "application/json");
      if (!r) {
        res.status = 502;
        return;
      }
      const json in = json::parse(req.body, nullptr, false);
      json out = json::parse(r->body, nullptr, false);
      Tamper t;
      {
        std::lock_guard lock(mu_);
        t = tamper_;
      }
      if (t && in.is_object() && out.is_object()) {
        // An error answer reaches the tamper as a null result; a lie replaces it.
        const json before = out.value("result", json());
        json result = before;
        t(in.value("method", std::string()), in.value("params", json::array()), result);
        if (result != before) {
          ++tampered_;
          out.erase("error");
          out["result"] = std::move(result);
        }
      }
      res.set_content(out.dump(), "application/json");
    });
    port_ = static_cast<std::uint16_t>(srv_.bind_to_any_port("127.0.0.1"));
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
  }
  ~LyingHost() {
    srv_.stop();
    thread_.join();
  }
  LyingHost(const LyingHost&) = delete;
  LyingHost& operator=(const LyingHost&) = delete;

  void lie(Tamper t) {
    std::lock_guard lock(mu_);
    tamper_ = std::move(t);
    tampered_ = 0;
  }
  void honest() { lie({}); }
  [[nodiscard]] int tampered() const { return tampered_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::uint16_t node_port_;
  httplib::Server srv_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  Tamper tamper_;
  std::atomic<int> tampered_{0};
};

struct HttpReply {
  int status = 0;
  json body;
  std::string raw;
};

struct LiedToStack {
  test::TempDir dir;
  ManualClock clock;
  std::unique_ptr<devnode::Node> node;
  std::uint16_t node_port = 0;
  std::unique_ptr<VaultChain> chain;  // the test's own, honest connection
  std::unique_ptr<LyingHost> serve_host;
  std::unique_ptr<LyingHost> rotate_host;
  std::unique_ptr<ServeWorker> serve;
  std::uint16_t port = 0;
  std::unique_ptr<RotateWorker> rotate;
  VerifiedState* rotate_view = nullptr;  // owned by rotate's VaultChain
  std::unique_ptr<s3::ObjectStore> store;
  AccountId serve_worker{};

  LiedToStack() {
    devnode::NodeConfig cfg;
    cfg.dev = true;
    cfg.rpc.port = 0;
    node = devnode::Node::open(cfg).value();
    node_port = node->start().value();
    chain = VaultChain::connect("ws://127.0.0.1:" + std::to_string(node_port)).value();
    serve_host = std::make_unique<LyingHost>(node_port);
    rotate_host = std::make_unique<LyingHost>(node_port);
    const std::string store_url = "file://" + (dir.path() / "store").string();
    std::filesystem::create_directories(dir.path() / "enclave");
    store = s3::open_store(store_url).value();

    EnclaveOptions serve_opts;
    EnclaveOptions rotate_opts;
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

    // The operator's trusted configuration: genesis and the dev node's GRANDPA set.
    const ChainCheckpoint checkpoint{node->store().hash_of(0).value().value(), 0,
                                     node->grandpa_set()};
    auto serve_chain = VaultChain::connect(serve_host->url()).value();
    serve_chain->verify_from(checkpoint);
    ServeOptions so;
    so.port = 0;
    so.clock = &clock;
    serve = ServeWorker::create(std::move(se), std::move(serve_chain),
                                s3::open_store(store_url).value(), so)
                .value();
    port = serve->start().value();
    auto rotate_chain = VaultChain::connect(rotate_host->url()).value();
    rotate_chain->verify_from(checkpoint);
    rotate_view = rotate_chain->verified();
    RotateOptions ro;
    ro.state_dir = dir.path() / "rotate";
    ro.period = std::chrono::hours(1);
    ro.batch = 4;
    ro.clock = &clock;
    rotate = RotateWorker::create(std::move(re), std::move(rotate_chain),
                                  s3::open_store(store_url).value(), ro)
                 .value();
  }

  HttpReply request(const std::string& method, const std::string& path, const std::string& body,
                    const std::string& token = "") {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(60, 0);
    httplib::Headers h;
    if (!token.empty()) h.emplace("Authorization", "Bearer " + token);
    httplib::Result r = method == "GET"   ? c.Get(path.c_str(), h)
                        : method == "PUT" ? c.Put(path.c_str(), h, body, "application/json")
                                          : c.Post(path.c_str(), h, body, "application/json");
    REQUIRE(r);
    return {r->status, json::parse(r->body, nullptr, false), r->body};
  }

  HttpReply token_reply(const chain::KeyPair& agent, const AccountId& wallet) {
    const auto c =
        request("POST", "/v1/auth/challenge",
                json{{"wallet", to_hex(wallet)}, {"agent", to_hex(agent.account_id())}}.dump());
    if (c.status != 200) return c;
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
  HttpReply put(const std::string& tok, const AccountId& w, const std::string& service,
                const std::string& secret) {
    return request("PUT", cred(w, service), json{{"data", base64(as_bytes(secret))}}.dump(), tok);
  }
  HttpReply get(const std::string& tok, const AccountId& w, const std::string& service) {
    return request("GET", cred(w, service), "", tok);
  }
  void user_call(const chain::KeyPair& who, const vault::Call& call) {
    REQUIRE(chain->submit(who, call).value().success);
  }
  // serve's counter of chain answers that did not verify, from its /metrics.
  std::uint64_t serve_refusals() {
    const auto r = request("GET", "/metrics", "");
    const std::string name = "\nepochvault_serve_chain_refusals_total ";
    const auto at = r.raw.find(name);
    REQUIRE(at != std::string::npos);
    return std::stoull(r.raw.substr(at + name.size()));
  }
  // Every object in the store with its bytes.
  std::map<std::string, Bytes> objects() {
    std::map<std::string, Bytes> out;
    const s3::ListPage listed = store->list(s3::ListOptions{}).value();
    for (const auto& o : listed.objects) out[o.key] = store->get(o.key).value().data;
    return out;
  }
  json node_rpc(const std::string& method, const json& params) const {
    return rpc_call(node_port, method, params)["result"];
  }
};

// A read of the credential that must be refused: 503, and no plaintext in the answer.
void require_refused(const HttpReply& r, const std::string& secret) {
  INFO(r.raw);
  CHECK(r.status == 503);
  CHECK_FALSE(r.body.contains("data"));
  CHECK(r.raw.find(base64(as_bytes(secret))) == std::string::npos);
  CHECK(r.raw.find("does not verify") != std::string::npos);
}

// Flips a bit in the last byte of every proof node.
void flip_proof_nodes(const std::string& method, const json&, json& result) {
  if (method != "state_getReadProof") return;
  for (auto& n : result["proof"]) {
    std::string s = n.get<std::string>();
    s.back() = s.back() == '0' ? '1' : '0';
    n = s;
  }
}

std::string hex_number(std::uint32_t n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", n);
  return buf;
}

}  // namespace

TEST_CASE("verified view: serve refuses a lying host's answers, releases nothing, and resumes",
          "[worker][verified]") {
  LiedToStack s;
  const auto wallet = key(chain::Scheme::Ed25519, "//Dave");
  const auto agent = key(chain::Scheme::Ecdsa, "//Eve");
  const auto outsider = key(chain::Scheme::Ed25519, "//Ferdie");
  const AccountId w = wallet.account_id();
  s.user_call(wallet, vault::AuthorizeAgent{agent.account_id(), {}, vault::Access::ReadWrite});
  const std::string ta = s.token(agent, w);
  const std::string secret = "ghp_verified-view-secret";
  REQUIRE(s.put(ta, w, "github.com", secret).status == 201);
  const auto honest_read = [&] {
    const auto r = s.get(ta, w, "github.com");
    REQUIRE(r.status == 200);
    CHECK(unbase64(r.body["data"].get<std::string>()).value() ==
          Bytes(secret.begin(), secret.end()));
  };
  honest_read();
  CHECK(s.serve_refusals() == 0);

  SECTION("altered proof nodes") {
    s.serve_host->lie(flip_proof_nodes);
    require_refused(s.get(ta, w, "github.com"), secret);
    CHECK(s.serve_host->tampered() > 0);
  }
  SECTION("dropped proof nodes") {
    s.serve_host->lie([](const std::string& method, const json&, json& result) {
      if (method == "state_getReadProof" && !result["proof"].empty()) {
        result["proof"].erase(result["proof"].begin());
      }
    });
    require_refused(s.get(ta, w, "github.com"), secret);
    CHECK(s.serve_host->tampered() > 0);
  }
  SECTION("a listing with a key left out") {
    // The wallet's pointers are listed to find the credential: hide them all.
    s.serve_host->lie([](const std::string& method, const json&, json& result) {
      if (method == "state_getKeysPaged") result = json::array();
    });
    require_refused(s.get(ta, w, "github.com"), secret);
    CHECK(s.serve_host->tampered() > 0);
  }
  SECTION("a header that does not hash to the block it is served for") {
    s.user_call(wallet, vault::AuthorizeAgent{
                            outsider.account_id(), {}, vault::Access::Read});  // a new block
    s.serve_host->lie([](const std::string& method, const json&, json& result) {
      if (method == "chain_getHeader" && result.is_object()) {
        result["stateRoot"] = to_hex(chain::H256{});
      }
    });
    require_refused(s.get(ta, w, "github.com"), secret);
  }
  SECTION("an old justification replayed for a new block") {
    const std::uint32_t before = s.node->best().number;
    s.user_call(wallet, vault::AuthorizeAgent{outsider.account_id(), {}, vault::Access::Read});
    const json old = s.node_rpc("grandpa_proveFinality", json::array({before}));
    REQUIRE(old.is_string());
    s.serve_host->lie([&](const std::string& method, const json& params, json& result) {
      if (method != "grandpa_proveFinality") return;
      // The old proof as is, and with its block field naming the new block.
      const std::string bytes = old.get<std::string>();
      const std::string target = s.node_rpc("chain_getBlockHash", params).get<std::string>();
      result = params[0].get<std::uint32_t>() % 2 == 0
                   ? json(bytes)
                   : json("0x" + target.substr(2) + bytes.substr(66));
    });
    require_refused(s.get(ta, w, "github.com"), secret);
  }
  SECTION("a forged finalized block with a fabricated state granting an outsider") {
    // The host makes up block best+1: its state holds a grant for the outsider (a copy of the
    // agent's real grant), and its header links to the real best block, so it hashes right.
    auto direct =
        chain::access::ChainAccess::connect("http://127.0.0.1:" + std::to_string(s.node_port))
            .value();
    const auto grant_value = direct->rpc(
        "state_getStorage", json::array({to_hex(vault::agents_key(w, agent.account_id()))}).dump());
    REQUIRE(grant_value.ok());
    const Bytes grant = from_hex(grant_value->get<std::string>()).value();
    chain::trie::Trie fake;
    const Bytes fake_key = vault::agents_key(w, outsider.account_id());
    fake.set(fake_key, grant);
    const chain::H256 fake_root = fake.root();
    const auto real = s.node->best();
    chain::grandpa::Header h;
    h.parent_hash = real.hash;
    h.number = real.number + 1;
    h.state_root = fake_root;
    const chain::H256 forged = chain::blake2_256(chain::grandpa::encode_header(h));
    const json forged_header = {{"parentHash", to_hex(real.hash)},
                                {"number", hex_number(h.number)},
                                {"stateRoot", to_hex(fake_root)},
                                {"extrinsicsRoot", to_hex(chain::H256{})},
                                {"digest", {{"logs", json::array()}}}};
    const json real_proof = s.node_rpc("grandpa_proveFinality", json::array({real.number}));
    const auto fake_proof = fake.prove({fake_key});
    s.serve_host->lie([&](const std::string& method, const json& params, json& result) {
      if (method == "chain_getFinalizedHead") result = to_hex(forged);
      if (method == "chain_getHeader" && params.is_array() && !params.empty() &&
          params[0] == to_hex(forged)) {
        result = forged_header;
      }
      if (method == "grandpa_proveFinality") {
        // The real block's justification, claimed for the forged block.
        result = "0x" + to_hex(forged, false) + real_proof.get<std::string>().substr(66);
      }
      if (method == "state_getReadProof") {
        result["proof"] = json::array();
        for (const auto& n : fake_proof) result["proof"].push_back(to_hex(n));
      }
    });
    const auto t = s.token_reply(outsider, w);
    INFO(t.raw);
    CHECK(t.status == 503);
    CHECK_FALSE(t.body.contains("token"));
    CHECK(t.raw.find("justification") != std::string::npos);
    // Nor does the agent's credential come out of the forged state.
    require_refused(s.get(ta, w, "github.com"), secret);
  }
  SECTION("withheld finality: a grant made since does not count") {
    const std::string held = s.node_rpc("chain_getFinalizedHead", json::array());
    s.user_call(wallet, vault::AuthorizeAgent{outsider.account_id(), {}, vault::Access::Read});
    s.serve_host->lie([&](const std::string& method, const json&, json& result) {
      if (method == "chain_getFinalizedHead") result = held;
    });
    const auto t = s.token_reply(outsider, w);
    CHECK(t.status == 403);  // not granted in the last verified state
    CHECK_FALSE(t.body.contains("token"));
    honest_read();  // what was final before still reads
    s.serve_host->honest();
    CHECK(s.token_reply(outsider, w).status == 200);
    return;
  }
  CHECK(s.serve_refusals() > 0);
  // Honest answers again: the same bytes come back.
  s.serve_host->honest();
  honest_read();
}

TEST_CASE(
    "verified view: rotate refuses a lying host's answers, signs and deletes nothing, and "
    "rotates once answers are honest",
    "[worker][verified]") {
  LiedToStack s;
  const auto wallet = key(chain::Scheme::Ed25519, "//Dave");
  const auto a = key(chain::Scheme::Ecdsa, "//Eve");
  const auto b = key(chain::Scheme::Ed25519, "//Ferdie");
  const AccountId w = wallet.account_id();
  s.user_call(wallet, vault::AuthorizeAgent{a.account_id(), {}, vault::Access::ReadWrite});
  s.user_call(wallet, vault::AuthorizeAgent{b.account_id(), {}, vault::Access::ReadWrite});
  REQUIRE(s.put(s.token(a, w), w, "github.com", "secret-a").status == 201);
  REQUIRE(s.put(s.token(b, w), w, "aws", "secret-b").status == 201);
  s.user_call(wallet, vault::RevokeAgent{a.account_id()});
  const auto before = s.objects();
  REQUIRE(before.size() == 2);
  const auto best_before = s.node->best().number;

  using Tamper = LyingHost::Tamper;
  const std::vector<std::pair<const char*, Tamper>> lies = {
      {"altered proof nodes", flip_proof_nodes},
      {"dropped proof nodes",
       [](const std::string& method, const json&, json& result) {
         if (method == "state_getReadProof" && result["proof"].size() > 1) {
           result["proof"].erase(result["proof"].end() - 1);
         }
       }},
      {"listings emptied",
       [](const std::string& method, const json&, json& result) {
         if (method == "state_getKeysPaged") result = json::array();
       }},
  };
  for (const auto& [name, lie] : lies) {
    INFO(name);
    const auto refusals = s.rotate_view->status().refusals;
    s.rotate_host->lie(lie);
    auto rep = s.rotate->tick();
    if (rep) CHECK(rep->rotations + rep->reencrypted + rep->removed + rep->destroyed == 0);
    CHECK(s.rotate_host->tampered() > 0);
    CHECK(s.rotate_view->status().refusals > refusals);
    CHECK(s.node->best().number == best_before);  // nothing signed
    CHECK(s.objects() == before);                 // nothing deleted or rewritten
    CHECK(s.chain->epoch(w).value().value().current == 1);
  }
  s.rotate_host->honest();
  const auto rep = s.rotate->tick().value();
  CHECK(rep.rotations == 1);
  // A revocation deletes no credential: the revoked agent's is re-encrypted with the other.
  CHECK(rep.reencrypted == 2);
  CHECK(rep.removed == 0);
  CHECK(rep.destroyed == 1);
  CHECK(s.chain->epoch(w).value().value().current == 2);
  CHECK(s.objects().size() == 2);
}

TEST_CASE("verified view: checkpoint configuration and finality proofs are parsed strictly",
          "[worker][verified]") {
  const std::string h = "0x" + std::string(64, 'a');
  const std::string id1 = "0x" + std::string(64, '1');
  const std::string id2 = "0x" + std::string(64, '2');
  auto cp = parse_checkpoint(h + ":12", id1 + "," + id2 + ":3", 4).value();
  CHECK(to_hex(cp.hash) == h);
  CHECK(cp.number == 12);
  CHECK(cp.set.set_id == 4);
  REQUIRE(cp.set.authorities.size() == 2);
  CHECK(cp.set.authorities[0].weight == 1);
  CHECK(cp.set.authorities[1].weight == 3);
  for (const auto& [checkpoint, authorities] : std::vector<std::pair<std::string, std::string>>{
           {h, id1},                     // no number
           {h + ":x", id1},              // bad number
           {"0x12:1", id1},              // short hash
           {h + ":1", ""},               // no authority
           {h + ":1", "0x11"},           // short id
           {h + ":1", id1 + ":0"},       // zero weight
           {h + ":1", id1 + "," + id1},  // twice
       }) {
    INFO(checkpoint << " " << authorities);
    auto r = parse_checkpoint(checkpoint, authorities, 0);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == static_cast<int>(WorkerErrc::Config));
  }
  Bytes proof(32, 7);
  proof.push_back(8);  // compact 2
  proof.push_back(0xab);
  proof.push_back(0xcd);
  proof.push_back(0);  // no unknown headers
  const auto p = decode_finality_proof(proof).value();
  CHECK(p.block == chain::H256{7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
                               7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7});
  CHECK(p.justification == Bytes{0xab, 0xcd});
  CHECK_FALSE(decode_finality_proof(Bytes(31, 0)).ok());
  CHECK_FALSE(decode_finality_proof(Bytes(33, 0x08)).ok());  // justification truncated
}
