// `epochvault demo`: the whole story of sharing credentials with agents and revoking one, told
// against a running stack
// (--endpoints FILE, as `epochvault dev` writes it) or against a stack of its own (this binary's
// `dev` in a fresh temporary directory, stopped and removed afterwards).
//
//   1. wallet //Dave (sr25519, a wallet's default) stores github.com twice (names work and
//      personal) and aws.amazon.com (fresh random bytes each run)
//   2. it lets agent A = //Eve (ecdsa) read github.com, and B = //Ferdie (ed25519) read and
//      write aws.amazon.com
//   3. A and B prove their keys to epochvault-serve and receive tokens
//   4. A reads both GitHub credentials the wallet stored, and is refused aws.amazon.com
//   5. B replaces aws.amazon.com; A (reading only) is refused a write
//   6. the wallet lists its three credentials with who wrote each
//   7. the wallet revokes A
//   8. the rotate worker moves the wallet to a new epoch and destroys the old one
//   9. A is refused, with its old token and with a new one
//  10. nothing is lost: the wallet reads all three back, B its aws.amazon.com, under the new epoch
//  11. the chain's events tell the same story (EpochRotated by Revocation, EpochDestroyed)
//
// One line per step, "ok" or "FAILED: reason"; exit 0 only when every step held. The CLI holds
// no decryption code: every plaintext comes from the serve worker's HTTP API (docs/api.md).
#include <fcntl.h>
#include <sodium.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "ev/chain/challenge.hpp"
#include "ev/chain/client.hpp"
#include "ev/chain/keys.hpp"
#include "ev/common/base64.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/storage.hpp"
#include "ev/vault/types.hpp"

namespace ev::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kPoll{250};
constexpr std::chrono::seconds kStackStartLimit{60};
constexpr std::chrono::seconds kStackStopLimit{30};
constexpr std::size_t kCredentialBytes = 48;

// ---- small helpers ---------------------------------------------------------------------------

Bytes random_credential() {
  Bytes out(kCredentialBytes);
  randombytes_buf(out.data(), out.size());
  return out;
}

std::string str_field(const json& j, const char* name) {
  if (!j.is_object()) return {};
  auto it = j.find(name);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::uint64_t> uint_field(const json& j, const char* name) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

// The last lines of a log file (for a stack that would not start or a story that failed).
std::string log_tail(const fs::path& file, std::size_t lines) {
  std::ifstream in(file);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const auto& l : last) out += "  | " + l + "\n";
  return out;
}

// ---- the serve worker's HTTP API -------------------------------------------------------------

// The json member makes the implicit special members potentially throwing (only on allocation
// failure), which bugprone-exception-escape reports.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct HttpReply {
  int status = 0;
  json body;  // the parsed body, or the raw text as a JSON string when it is not JSON
};

// "HTTP 403 forbidden: agent revoked" from an error answer.
std::string describe(const HttpReply& r) {
  std::string out = "HTTP " + std::to_string(r.status);
  if (r.body.is_object() && r.body.contains("error") && r.body["error"].is_object()) {
    const json& e = r.body["error"];
    out += " " + str_field(e, "code") + ": " + str_field(e, "message");
  } else if (r.body.is_string()) {
    out += ": " + r.body.get<std::string>().substr(0, 200);
  }
  return out;
}

class Api {
 public:
  // A client of the worker at `base` ("http://HOST:PORT"). Errors: BadInput for anything else.
  static Result<std::unique_ptr<Api>> open(const std::string& base) {
    const auto bad = [&] {
      return make_error(Errc::BadInput, "serve URL '" + base + "': expected http://HOST:PORT");
    };
    if (base.rfind("http://", 0) != 0 || base.size() <= std::strlen("http://")) return bad();
    try {  // httplib throws for URLs it cannot take (an unknown scheme, a port out of range)
      std::unique_ptr<Api> api(new Api(base));
      if (!api->client_.is_valid()) return bad();
      return api;
    } catch (const std::exception&) {
      return bad();
    }
  }

  Result<HttpReply> call(const std::string& method, const std::string& path,
                         const json& body = nullptr, const std::string& token = {}) {
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    const std::string text = body.is_null() ? std::string() : body.dump();
    httplib::Result res = method == "GET"    ? client_.Get(path, headers)
                          : method == "PUT"  ? client_.Put(path, headers, text, "application/json")
                          : method == "POST" ? client_.Post(path, headers, text, "application/json")
                                             : client_.Delete(path, headers);
    if (!res) {
      const std::string why = res.error() == httplib::Error::Connection
                                  ? "cannot connect (nothing listening, or unreachable)"
                                  : httplib::to_string(res.error());
      return make_error(Errc::Failed, method + " " + base_ + path + ": " + why);
    }
    HttpReply out;
    out.status = res->status;
    out.body = json::parse(res->body, nullptr, false);
    if (out.body.is_discarded()) out.body = res->body;
    return out;
  }

 private:
  explicit Api(const std::string& base) : base_(base), client_(base) {
    client_.set_connection_timeout(std::chrono::seconds(5));
    client_.set_read_timeout(std::chrono::seconds(120));  // a PUT waits for its block
    client_.set_write_timeout(std::chrono::seconds(30));
  }

  std::string base_;
  httplib::Client client_;
};

// An error's message without this module's "failed: " / "bad input: " lead (for nesting).
std::string detail(const Error& e) {
  if (e.domain != ErrorTraits<Errc>::domain) return e.to_string();
  const std::string lead =
      std::string(ErrorTraits<Errc>::message(static_cast<Errc>(e.code))) + ": ";
  return e.message.rfind(lead, 0) == 0 ? e.message.substr(lead.size()) : e.message;
}

// GET /healthz once: nullopt when it answers 200, else why not.
std::optional<std::string> health_problem(const std::string& serve) {
  auto api = Api::open(serve);
  if (!api) return detail(api.error());
  auto r = (*api)->call("GET", "/healthz");
  if (!r) return detail(r.error());
  if (r->status != 200) return "GET /healthz: " + describe(*r);
  return std::nullopt;
}

// The serve worker a challenge names, checked against the chain: a registered serve worker.
Result<vault::AccountId> challenge_worker(chain::ChainClient& client, std::string_view message) {
  const chain::LoginChallenge c = EV_TRY(chain::parse_login_challenge(message));
  auto raw = EV_TRY(chain::rpc::state_get_storage(client.rpc(), vault::workers_key(c.worker)));
  if (!raw) {
    return make_error(Errc::Failed, "the challenge names worker " + to_hex(c.worker) +
                                        ", which is not registered on chain");
  }
  const vault::WorkerInfo info = EV_TRY(vault::decode_worker_info(*raw));
  if (info.role != vault::Role::Serve) {
    return make_error(Errc::Failed,
                      "the challenge names worker " + to_hex(c.worker) + ", not a serve worker");
  }
  return c.worker;
}

// A challenge, checked (an epochvault challenge from a registered serve worker, for this wallet
// and agent, not expired) and signed by the agent in its <Bytes> form, exchanged for a token:
// the token answer (200 with "token") or the first answer that was not 200.
Result<HttpReply> request_token(Api& api, chain::ChainClient& client,
                                const vault::AccountId& wallet, const chain::KeyPair& agent) {
  HttpReply c =
      EV_TRY(api.call("POST", "/v1/auth/challenge",
                      {{"wallet", to_hex(wallet)}, {"agent", to_hex(agent.account_id())}}));
  if (c.status != 200) return c;
  const std::string id = str_field(c.body, "challenge_id");
  const std::string message = str_field(c.body, "message");
  if (id.empty() || message.empty()) {
    return make_error(Errc::Failed, "challenge answer without challenge_id or message");
  }
  const vault::AccountId worker = EV_TRY(challenge_worker(client, message));
  const Bytes sig =
      EV_TRY(chain::sign_login_challenge(agent, message, {worker, wallet, agent.account_id()}));
  return api.call("POST", "/v1/auth/token",
                  {{"challenge_id", id},
                   {"scheme", std::string(chain::scheme_name(agent.scheme()))},
                   {"signature", to_hex(sig)}});
}

Result<std::string> authenticate(Api& api, chain::ChainClient& client,
                                 const vault::AccountId& wallet, const chain::KeyPair& agent) {
  const HttpReply r = EV_TRY(request_token(api, client, wallet, agent));
  std::string token = str_field(r.body, "token");
  if (r.status != 200 || token.empty()) {
    return make_error(Errc::Failed, "no token: " + describe(r));
  }
  return token;
}

std::string credential_path(const vault::AccountId& wallet, const std::string& service) {
  return "/v1/credentials/" + to_hex(wallet) + "/" + service;
}

struct ReadBack {
  Bytes data;
  vault::Epoch epoch = 0;
  bool reencrypted = false;
};

Result<ReadBack> read_credential(Api& api, const vault::AccountId& wallet,
                                 const std::string& service, const std::string& token) {
  const HttpReply r = EV_TRY(api.call("GET", credential_path(wallet, service), nullptr, token));
  if (r.status != 200) return make_error(Errc::Failed, "GET " + service + ": " + describe(r));
  auto epoch = uint_field(r.body, "epoch");
  if (!epoch || !r.body.contains("data") || !r.body["data"].is_string()) {
    return make_error(Errc::Failed, "GET " + service + ": answer without data or epoch");
  }
  ReadBack out;
  out.data = EV_TRY_CTX("the answer's data", unbase64(r.body["data"].get<std::string>()));
  out.epoch = static_cast<vault::Epoch>(*epoch);
  out.reencrypted = r.body.value("reencrypted", false);
  return out;
}

// ---- the chain --------------------------------------------------------------------------------

Result<chain::SubmitOutcome> submit(chain::ChainClient& client, const chain::KeyPair& signer,
                                    const vault::Call& call) {
  const Bytes bytes = EV_TRY(vault::encode_runtime_call(*client.metadata(), call));
  auto out = EV_TRY(client.submit(signer, bytes));
  if (!out.success) {
    return make_error(Errc::Failed, std::string(vault::call_name(call)) + " failed: " +
                                        out.dispatch_error.value_or("no ExtrinsicSuccess"));
  }
  return out;
}

Result<std::optional<vault::EpochInfo>> read_epoch(chain::ChainClient& client,
                                                   const vault::AccountId& wallet) {
  auto raw = EV_TRY(chain::rpc::state_get_storage(client.rpc(), vault::epochs_key(wallet)));
  if (!raw) return std::optional<vault::EpochInfo>();
  return std::optional<vault::EpochInfo>(EV_TRY(vault::decode_epoch_info(*raw)));
}

Result<bool> dek_on_chain(chain::ChainClient& client, const vault::AccountId& wallet,
                          vault::Epoch epoch) {
  auto raw =
      EV_TRY(chain::rpc::state_get_storage(client.rpc(), vault::epoch_deks_key(wallet, epoch)));
  return raw.has_value();
}

Result<std::uint64_t> best_block(chain::ChainClient& client) {
  auto header = EV_TRY(chain::rpc::chain_get_header(client.rpc()));
  if (!header) return make_error(Errc::Failed, "the node has no best block");
  return header->number;
}

// ---- the story --------------------------------------------------------------------------------

class Steps {
 public:
  // Runs one step: prints its title, then "ok" or "FAILED: reason", then its notes.
  bool run(const std::string& title,
           const std::function<Result<void>(std::vector<std::string>&)>& body) {
    std::printf("[%d] %s ... ", ++n_, title.c_str());
    std::fflush(stdout);
    std::vector<std::string> notes;
    auto r = body(notes);
    if (r) {
      std::printf("ok\n");
    } else {
      std::printf("FAILED: %s\n", r.error().message.c_str());
      failed_.push_back(n_);
    }
    for (const auto& note : notes) std::printf("      %s\n", note.c_str());
    std::fflush(stdout);
    return r.ok();
  }
  void skip(const std::string& title) {
    std::printf("[%d] %s ... FAILED: skipped (an earlier step failed)\n", ++n_, title.c_str());
    failed_.push_back(n_);
  }
  [[nodiscard]] const std::vector<int>& failed() const { return failed_; }

 private:
  int n_ = 0;
  std::vector<int> failed_;
};

struct Agent {
  std::string name;
  chain::KeyPair key;
  std::string service;
  std::string token;
  Bytes secret;
};

Result<void> tell_story(const std::string& node_rpc, const std::string& serve,
                        std::chrono::seconds timeout) {
  auto client = EV_TRY_CTX("node " + node_rpc, chain::ChainClient::connect(node_rpc));
  auto api_ptr = EV_TRY(Api::open(serve));
  Api& api = *api_ptr;

  const chain::KeyPair wallet_key = EV_TRY(chain::from_suri(chain::Scheme::Sr25519, "//Dave"));
  const vault::AccountId wallet = wallet_key.account_id();
  std::vector<Agent> agents;
  agents.push_back(
      {"A", EV_TRY(chain::from_suri(chain::Scheme::Ecdsa, "//Eve")), "github.com", {}, {}});
  agents.push_back({"B",
                    EV_TRY(chain::from_suri(chain::Scheme::Ed25519, "//Ferdie")),
                    "aws.amazon.com",
                    {},
                    {}});
  Agent& a = agents[0];
  Agent& b = agents[1];

  std::printf("epochvault demo: node %s, serve %s\n", node_rpc.c_str(), serve.c_str());
  std::printf("  wallet  //Dave   (sr25519) %s\n", to_hex(wallet).c_str());
  std::printf("  agent A //Eve    (ecdsa)   %s\n", to_hex(a.key.account_id()).c_str());
  std::printf("  agent B //Ferdie (ed25519) %s\n", to_hex(b.key.account_id()).c_str());
  std::fflush(stdout);

  Steps steps;
  vault::Epoch old_epoch = 0;
  vault::Epoch new_epoch = 0;
  std::uint64_t revoke_block = 0;
  std::string owner_token;
  // The wallet's credentials: path below /v1/credentials/{wallet}/ -> bytes last stored.
  std::map<std::string, Bytes> stored;
  const std::string gh_work = a.service + "/work";
  const std::string gh_personal = a.service + "/personal";

  const std::vector<std::string> titles = {
      "the wallet stores github.com twice (work, personal) and aws.amazon.com itself",
      "the wallet lets A read github.com and B read and write aws.amazon.com "
      "(VaultPointers.authorize_agent)",
      "A and B sign a challenge and receive tokens",
      "A reads both GitHub credentials the wallet stored and is refused aws.amazon.com",
      "B replaces aws.amazon.com; A, granted reading only, is refused a write",
      "the wallet lists its credentials with who wrote each",
      "the wallet revokes A (VaultPointers.revoke_agent)",
      "the rotate worker moves the wallet to a new epoch and destroys the old one",
      "A is refused (old token and new token)",
      "nothing is lost: the wallet reads all three, B reads aws.amazon.com, under the new epoch",
      "the chain's events tell the same story"};

  auto put = [&](const std::string& path, const std::string& token,
                 const Bytes& secret) -> Result<HttpReply> {
    return api.call("PUT", credential_path(wallet, path), {{"data", base64(secret)}}, token);
  };
  auto read_same = [&](const std::string& who, const std::string& path,
                       const std::string& token) -> Result<ReadBack> {
    const ReadBack back = EV_TRY(read_credential(api, wallet, path, token));
    if (back.data != stored[path]) {
      return make_error(Errc::Failed,
                        who + " " + path + ": the bytes read differ from the bytes stored");
    }
    return back;
  };

  // Steps 1-8 build on each other; 9-11 are checks of the end state and all run.
  const std::vector<std::function<Result<void>(std::vector<std::string>&)>> setup = {
      [&](std::vector<std::string>& notes) -> Result<void> {
        owner_token = EV_TRY_CTX("the wallet", authenticate(api, *client, wallet, wallet_key));
        for (const std::string& path : {gh_work, gh_personal, b.service}) {
          stored[path] = random_credential();
          const HttpReply r = EV_TRY(put(path, owner_token, stored[path]));
          if (r.status != 201) return make_error(Errc::Failed, "PUT " + path + ": " + describe(r));
          notes.push_back(path + ": " + std::to_string(stored[path].size()) +
                          " random bytes, blob " + str_field(r.body, "blob_id") + ", epoch " +
                          std::to_string(uint_field(r.body, "epoch").value_or(0)));
        }
        return ok();
      },
      [&](std::vector<std::string>& notes) -> Result<void> {
        for (const Agent& ag : agents) {
          vault::AuthorizeAgent call;
          call.agent = ag.key.account_id();
          const vault::ServiceName service = EV_TRY(vault::ServiceName::from(ag.service));
          call.services =
              EV_TRY(vault::ServiceList::from(std::vector<vault::ServiceName>{service}));
          call.access = &ag == &b ? vault::Access::ReadWrite : vault::Access::Read;
          const auto out = EV_TRY(submit(*client, wallet_key, call));
          notes.push_back(ag.name + " may " +
                          (call.access == vault::Access::ReadWrite ? "read and write " : "read ") +
                          ag.service + " (block #" + std::to_string(out.block_number) + ")");
        }
        return ok();
      },
      [&](std::vector<std::string>& notes) -> Result<void> {
        for (Agent& ag : agents) {
          ag.token = EV_TRY_CTX(ag.name, authenticate(api, *client, wallet, ag.key));
          notes.push_back(ag.name + " (" + std::string(chain::scheme_name(ag.key.scheme())) +
                          ") token " + ag.token.substr(0, 8) + "...");
        }
        return ok();
      },
      [&](std::vector<std::string>& notes) -> Result<void> {
        for (const std::string& path : {gh_work, gh_personal}) {
          const ReadBack back = EV_TRY(read_same("A", path, a.token));
          notes.push_back("A " + path + ": " + std::to_string(back.data.size()) +
                          " bytes, identical to what the wallet stored");
        }
        const HttpReply other =
            EV_TRY(api.call("GET", credential_path(wallet, b.service), nullptr, a.token));
        if (other.status != 403 || other.body.contains("data")) {
          return make_error(Errc::Failed,
                            "A GET " + b.service + ": expected 403, got " + describe(other));
        }
        notes.push_back("A " + b.service + ": " + describe(other));
        return ok();
      },
      [&](std::vector<std::string>& notes) -> Result<void> {
        b.secret = random_credential();
        const HttpReply r = EV_TRY(put(b.service, b.token, b.secret));
        if (r.status != 201) {
          return make_error(Errc::Failed, "B PUT " + b.service + ": " + describe(r));
        }
        stored[b.service] = b.secret;
        const ReadBack back = EV_TRY(read_same("B", b.service, b.token));
        notes.push_back("B replaced " + b.service + " (" +
                        std::to_string(uint_field(r.body, "replaced").value_or(0)) +
                        " older version) and reads its " + std::to_string(back.data.size()) +
                        " bytes back");
        const HttpReply refused = EV_TRY(put(gh_work, a.token, random_credential()));
        if (refused.status != 403) {
          return make_error(Errc::Failed,
                            "A PUT " + gh_work + ": expected 403, got " + describe(refused));
        }
        notes.push_back("A PUT " + gh_work + ": " + describe(refused));
        return ok();
      },
      [&](std::vector<std::string>& notes) -> Result<void> {
        const HttpReply r =
            EV_TRY(api.call("GET", "/v1/credentials/" + to_hex(wallet), nullptr, owner_token));
        if (r.status != 200 || !r.body.contains("credentials") ||
            !r.body["credentials"].is_array()) {
          return make_error(Errc::Failed, "GET /v1/credentials/{wallet}: " + describe(r));
        }
        std::map<std::string, std::string> writers;
        for (const json& item : r.body["credentials"]) {
          if (!item.is_object() || item.contains("data")) {
            return make_error(Errc::Failed, "a listed item is not a bare description");
          }
          std::string path = str_field(item, "service");
          if (!str_field(item, "name").empty()) path += "/" + str_field(item, "name");
          writers[path] = str_field(item, "writer");
          notes.push_back(path + ": written by " +
                          (item.value("written_by_wallet", false) ? std::string("the wallet")
                                                                  : str_field(item, "writer")) +
                          ", epoch " + std::to_string(uint_field(item, "epoch").value_or(0)));
        }
        const std::map<std::string, std::string> expected = {
            {gh_work, to_hex(wallet)},
            {gh_personal, to_hex(wallet)},
            {b.service, to_hex(b.key.account_id())}};
        if (writers != expected) {
          return make_error(Errc::Failed,
                            "the listing is not the three credentials with "
                            "their writers: " +
                                r.body["credentials"].dump());
        }
        return ok();
      },
      [&](std::vector<std::string>& notes) -> Result<void> {
        const auto before = EV_TRY(read_epoch(*client, wallet));
        if (!before) return make_error(Errc::Failed, "the wallet has no epoch after step 1");
        old_epoch = before->current;
        vault::RevokeAgent call;
        call.agent = a.key.account_id();
        const auto out = EV_TRY(submit(*client, wallet_key, call));
        revoke_block = out.block_number;
        notes.push_back("epoch before: " + std::to_string(old_epoch) + "; AgentRevoked in block #" +
                        std::to_string(revoke_block));
        return ok();
      },
      [&](std::vector<std::string>& notes) -> Result<void> {
        const auto start = Clock::now();
        const auto deadline = start + timeout;
        std::string last = "no answer yet";
        for (;;) {
          const auto info = EV_TRY(read_epoch(*client, wallet));
          const vault::Epoch current = info ? info->current : 0;
          const bool present = EV_TRY(dek_on_chain(*client, wallet, old_epoch));
          if (current > old_epoch && !present) {
            new_epoch = current;
            const auto ms =
                std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
            notes.push_back("epoch " + std::to_string(old_epoch) + " -> " +
                            std::to_string(new_epoch) + " (rotated at block #" +
                            std::to_string(info->rotated_at) + "); epoch " +
                            std::to_string(old_epoch) + "'s wrapped DEK is gone from the chain (" +
                            std::to_string(ms.count()) + " ms after the revocation)");
            return ok();
          }
          last = "current epoch " + std::to_string(current) + ", epoch " +
                 std::to_string(old_epoch) + "'s DEK " + (present ? "still on chain" : "gone");
          if (Clock::now() >= deadline) {
            return make_error(Errc::Failed, "not within " + std::to_string(timeout.count()) +
                                                " s (" + last + ")");
          }
          std::this_thread::sleep_for(kPoll);
        }
      }};

  std::size_t i = 0;
  for (; i < setup.size(); ++i) {
    if (!steps.run(titles[i], setup[i])) break;
  }
  if (i < setup.size()) {
    for (std::size_t j = i + 1; j < titles.size(); ++j) steps.skip(titles[j]);
    return make_error(Errc::Failed, "the story broke at step " + std::to_string(i + 1));
  }

  steps.run(titles[8], [&](std::vector<std::string>& notes) -> Result<void> {
    const HttpReply old =
        EV_TRY(api.call("GET", credential_path(wallet, a.service), nullptr, a.token));
    if (old.status != 403 || old.body.contains("data")) {
      return make_error(Errc::Failed, "GET with A's old token: expected HTTP 403, got " +
                                          describe(old) +
                                          (old.body.contains("data") ? " WITH DATA" : ""));
    }
    notes.push_back("old token: " + describe(old));
    const HttpReply fresh = EV_TRY(request_token(api, *client, wallet, a.key));
    if ((fresh.status != 403 && fresh.status != 401) || !str_field(fresh.body, "token").empty()) {
      return make_error(Errc::Failed,
                        "a new token for A: expected HTTP 403 or 401, got " + describe(fresh));
    }
    notes.push_back("new token: " + describe(fresh));
    return ok();
  });

  steps.run(titles[9], [&](std::vector<std::string>& notes) -> Result<void> {
    const auto info = EV_TRY(read_epoch(*client, wallet));
    const vault::Epoch current = info ? info->current : 0;
    if (current != new_epoch) {
      return make_error(Errc::Failed, "the wallet's current epoch is " + std::to_string(current));
    }
    std::vector<std::pair<std::string, const std::string*>> reads;
    for (const auto& [path, bytes] : stored) reads.emplace_back(path, &owner_token);
    reads.emplace_back(b.service, &b.token);
    for (const auto& [path, token] : reads) {
      const std::string who = token == &owner_token ? "the wallet" : "B";
      const ReadBack back = EV_TRY(read_same(who, path, *token));
      if (back.epoch != current) {
        return make_error(Errc::Failed, who + " " + path + " answered from epoch " +
                                            std::to_string(back.epoch) + ", current is " +
                                            std::to_string(current));
      }
      notes.push_back(who + " " + path + ": " + std::to_string(back.data.size()) +
                      " bytes, identical, epoch " + std::to_string(back.epoch) +
                      (back.reencrypted ? " (moved by this read)" : " (moved by the sweep)"));
    }
    return ok();
  });

  steps.run(titles[10], [&](std::vector<std::string>& notes) -> Result<void> {
    const std::uint64_t best = EV_TRY(best_block(*client));
    bool rotated = false;
    bool destroyed = false;
    for (std::uint64_t n = revoke_block; n <= best; ++n) {
      auto hash = EV_TRY(chain::rpc::chain_get_block_hash(client->rpc(), n));
      if (!hash) return make_error(Errc::Failed, "no block #" + std::to_string(n));
      for (const auto& e : EV_TRY(client->events_at(*hash))) {
        if (e.pallet != vault::kPalletName) continue;
        const json& v = e.value;
        if (e.name == "EpochRotated" && v.is_object() && v.contains("reason") &&
            uint_field(v, "from_epoch") == old_epoch) {
          // The JSON names the reason; the typed event says whose revocation it was.
          const json& reason = v["reason"];
          const bool named =
              (reason.is_object() && reason.contains("Revocation")) || reason == "Revocation";
          auto typed = vault::decode_event(e.name, e.fields);
          const auto* ev = typed ? std::get_if<vault::EpochRotated>(&*typed) : nullptr;
          const auto* why = ev ? std::get_if<vault::Revocation>(&ev->reason) : nullptr;
          rotated = rotated || (named && why != nullptr && why->agent == a.key.account_id());
        }
        if (e.name == "EpochDestroyed" && uint_field(v, "epoch") == old_epoch) {
          destroyed = true;
          notes.push_back("#" + std::to_string(n) + " EpochDestroyed: epoch " +
                          std::to_string(old_epoch) + ", objects_deleted " +
                          (v.contains("objects_deleted") ? v["objects_deleted"].dump() : "?") +
                          ", deletion_digest " + str_field(v, "deletion_digest"));
          continue;
        }
        notes.push_back("#" + std::to_string(n) + " " + e.name + " " + v.dump());
      }
    }
    if (!rotated) {
      return make_error(Errc::Failed, "no EpochRotated from epoch " + std::to_string(old_epoch) +
                                          " with reason Revocation(A) in blocks #" +
                                          std::to_string(revoke_block) + "..#" +
                                          std::to_string(best));
    }
    if (!destroyed) {
      return make_error(Errc::Failed, "no EpochDestroyed for epoch " + std::to_string(old_epoch) +
                                          " in blocks #" + std::to_string(revoke_block) + "..#" +
                                          std::to_string(best));
    }
    return ok();
  });

  if (!steps.failed().empty()) {
    std::string which;
    for (int n : steps.failed()) which += (which.empty() ? "" : ", ") + std::to_string(n);
    return make_error(Errc::Failed, "step " + which + " failed");
  }
  std::printf("every step held\n");
  return ok();
}

// ---- endpoints and the embedded stack -------------------------------------------------------

struct Endpoints {
  std::string node_rpc;
  std::string serve;
};

// Reads endpoints.json: the node's RPC URL and the serve worker's URL ("serve" null: none).
Result<Endpoints> read_endpoints(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return make_error(Errc::BadInput, "cannot read endpoints file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  const json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return make_error(Errc::BadInput, file.string() + ": not a JSON object");
  }
  Endpoints out;
  out.node_rpc = str_field(j, "node_rpc");
  if (out.node_rpc.empty()) {
    return make_error(Errc::BadInput, file.string() + ": no \"node_rpc\" URL");
  }
  out.serve = str_field(j, "serve");
  if (out.serve.empty()) {
    return make_error(Errc::BadInput,
                      file.string() + ": no \"serve\" URL (the stack runs no serve worker)");
  }
  return out;
}

// `epochvault dev` in a fresh temporary directory, as a child process. The destructor stops it
// (SIGTERM, then SIGKILL after kStackStopLimit) and removes the directory.
class DevStack {
 public:
  DevStack(const DevStack&) = delete;
  DevStack& operator=(const DevStack&) = delete;
  DevStack(DevStack&&) = delete;
  DevStack& operator=(DevStack&&) = delete;

  static Result<std::unique_ptr<DevStack>> start() {
    std::error_code ec;
    const fs::path tmp = fs::temp_directory_path(ec);
    if (ec) return make_error(Errc::Failed, "no temporary directory: " + ec.message());
    std::string pattern = (tmp / "epochvault-demo-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      return make_error(Errc::Failed, "mkdtemp " + pattern + ": " + std::strerror(errno));
    }
    std::unique_ptr<DevStack> stack(new DevStack(pattern));
    EV_TRY(stack->spawn());
    return stack;
  }

  ~DevStack() {
    (void)stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  [[nodiscard]] fs::path endpoints_file() const { return dir_ / "stack" / "endpoints.json"; }
  [[nodiscard]] std::string log() const { return log_tail(dir_ / "dev.log", 30); }

  // Waits until endpoints.json names a serve worker whose /healthz answers 200.
  Result<Endpoints> wait_ready() {
    const auto deadline = Clock::now() + kStackStartLimit;
    std::string last = "no endpoints.json yet";
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return make_error(Errc::Failed, "epochvault dev exited (" + exit_text(status) +
                                            ") before the stack was up; its log:\n" + log());
      }
      if (fs::exists(endpoints_file())) {
        auto e = read_endpoints(endpoints_file());
        if (e) {
          auto problem = health_problem(e->serve);
          if (!problem) return e;
          last = "serve " + e->serve + ": " + *problem;
        } else {
          last = detail(e.error());
        }
      }
      std::this_thread::sleep_for(kPoll);
    }
    return make_error(Errc::Failed, "the embedded stack was not ready within " +
                                        std::to_string(kStackStartLimit.count()) + " s (" + last +
                                        "); its log:\n" + log());
  }

  // SIGTERM, wait; the exit as text ("exit 0"), or nothing when it was not running.
  std::optional<std::string> stop() {
    if (pid_ <= 0) return std::nullopt;
    ::kill(pid_, SIGTERM);
    int status = 0;
    const auto deadline = Clock::now() + kStackStopLimit;
    pid_t r = 0;
    while ((r = ::waitpid(pid_, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (r == 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return "did not stop within " + std::to_string(kStackStopLimit.count()) + " s; killed";
    }
    pid_ = -1;
    return exit_text(status);
  }

 private:
  explicit DevStack(const std::string& dir) : dir_(dir) {}

  static std::string exit_text(int status) {
    if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
    return "status " + std::to_string(status);
  }

  Result<void> spawn() {
    // Everything the child needs is prepared before fork (only async-signal-safe calls after).
    const std::string data_dir = (dir_ / "stack").string();
    const std::string log_file = (dir_ / "dev.log").string();
    std::vector<std::string> args = {"epochvault", "dev", "--data-dir",   data_dir,
                                     "--rpc-port", "0",   "--serve-port", "0"};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int log_fd = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) {
      return make_error(Errc::Failed, "cannot create " + log_file + ": " + std::strerror(errno));
    }
    const pid_t parent = ::getpid();
    const pid_t pid = ::fork();
    if (pid < 0) {
      ::close(log_fd);
      return make_error(Errc::Failed, std::string("fork: ") + std::strerror(errno));
    }
    if (pid == 0) {
      // The stack goes when the demo goes, however the demo ends.
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (::getppid() != parent) ::_exit(127);
      const int null_fd = ::open("/dev/null", O_RDONLY);
      if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
      ::dup2(log_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    ::close(log_fd);
    pid_ = pid;
    return ok();
  }

  fs::path dir_;
  pid_t pid_ = -1;
};

Result<std::chrono::seconds> timeout_option(const Args& args) {
  const std::string text = args.get_or("timeout", "120");
  unsigned long v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty() || v == 0 || v > 86400) {
    return make_error(Errc::Usage, "--timeout '" + text + "': expected seconds, 1..86400");
  }
  return std::chrono::seconds(static_cast<std::int64_t>(v));
}

Result<void> demo_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"endpoints", "timeout"}, {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "demo takes no arguments");
  const std::chrono::seconds timeout = EV_TRY(timeout_option(args));
  if (sodium_init() < 0) return make_error(Errc::Failed, "libsodium failed to initialise");

  if (auto file = args.get("endpoints")) {
    const Endpoints e = EV_TRY(read_endpoints(*file));
    if (auto problem = health_problem(e.serve)) {
      return make_error(Errc::BadInput, "serve worker " + e.serve + " is not ready: " + *problem);
    }
    return tell_story(e.node_rpc, e.serve, timeout);
  }

  std::printf("starting the embedded stack (epochvault dev) ...\n");
  std::fflush(stdout);
  auto stack = EV_TRY(DevStack::start());
  const Endpoints e = EV_TRY(stack->wait_ready());
  std::printf("stack up: node %s, serve %s\n", e.node_rpc.c_str(), e.serve.c_str());
  std::fflush(stdout);
  auto story = tell_story(e.node_rpc, e.serve, timeout);
  if (!story) {
    std::fprintf(stderr, "the embedded stack's log (last lines):\n%s", stack->log().c_str());
  }
  const auto stopped = stack->stop();
  std::printf("stack stopped (%s)\n", stopped.value_or("not running").c_str());
  return story;
}

}  // namespace

void register_demo_commands(std::vector<Command>& out) {
  out.push_back({"demo", "",
                 "tell the revocation story end to end against the stack (or an embedded one)",
                 "epochvault demo [--endpoints FILE] [--timeout SECONDS]\n"
                 "  FILE: endpoints.json of a running stack (epochvault dev writes it); without "
                 "it the demo\n"
                 "  starts its own stack in a temporary directory and stops it afterwards.\n"
                 "  SECONDS: how long to wait for the rotation after the revocation (default 120)",
                 demo_cmd});
}

}  // namespace ev::cli
