#include "ev/worker/serve.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ev/attestation/report_data.hpp"
#include "ev/chain/challenge.hpp"
#include "ev/common/digest.hpp"
#include "ev/enclave/dek.hpp"
#include "ev/worker/attestation_api.hpp"
#include "ev/worker/blobs.hpp"
#include "ev/worker/errors.hpp"
#include "ev/worker/listen.hpp"
#include "ev/worker/reattest.hpp"
#include "ev/worker/requests.hpp"

namespace ev::worker {

namespace {

using json = nlohmann::json;

struct Reply {
  int status = 200;
  json body;
};

int status_of(const Error& e) {
  if (e.domain != ErrorTraits<WorkerErrc>::domain) return 503;
  switch (static_cast<WorkerErrc>(e.code)) {
    case WorkerErrc::BadRequest: return 400;
    case WorkerErrc::Unauthorized: return 401;
    case WorkerErrc::Forbidden: return 403;
    case WorkerErrc::NotFound: return 404;
    case WorkerErrc::TooLarge: return 413;
    case WorkerErrc::Integrity: return 502;
    case WorkerErrc::Rejected: return 409;
    case WorkerErrc::Unavailable:
    case WorkerErrc::Config: return 503;
  }
  return 503;
}

std::string_view code_of(int status) {
  switch (status) {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "rejected";
    case 413: return "payload_too_large";
    case 429: return "rate_limited";
    case 502: return "integrity";
    default: return "unavailable";
  }
}

Reply error_reply(int status, std::string message) {
  return {status, {{"error", {{"code", code_of(status)}, {"message", std::move(message)}}}}};
}

Reply error_reply(const Error& e) {
  const int status = status_of(e);
  // Messages of our own errors are written for the client; others get their domain too.
  return error_reply(status,
                     e.domain == ErrorTraits<WorkerErrc>::domain ? e.message : e.to_string());
}

// The request's method if it is one of ours, else a placeholder: never the client's bytes.
std::string route_method(const std::string& m) {
  for (const char* known : {"GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}) {
    if (m == known) return m;
  }
  return "this method";
}

// The request's Content-Length (0 when absent or not a number).
std::size_t declared_length(const httplib::Request& req) {
  const std::string v = req.get_header_value("Content-Length");
  std::size_t n = 0;
  const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc{} && p == v.data() + v.size() ? n : 0;
}

// The HTTP gate's counters in the Prometheus text format.
std::string gate_metrics(const GateStats& g) {
  std::string out;
  auto metric = [&out](const char* type, const char* name, const char* help, std::uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(v) + "\n";
  };
  metric("counter", "epochvault_serve_connections_refused_total",
         "Connections refused by the HTTP gate's caps (in all, per address).",
         g.refused_connections);
  metric("counter", "epochvault_serve_requests_timed_out_total",
         "Requests dropped by the HTTP gate's head, body or write deadlines.", g.timed_out);
  metric("counter", "epochvault_serve_requests_refused_total",
         "Requests refused by the HTTP gate before routing (head caps, lengths, chunked bodies).",
         g.refused_requests);
  metric("gauge", "epochvault_serve_open_connections", "Connections the HTTP gate holds open.",
         g.open_connections);
  return out;
}

// Token buckets by key (a client address, a wallet/agent pair). A bucket refilled to its burst is
// the same as none, so those are dropped when the table is full; if it is still full, refuse.
// Time is the worker's injected clock (tests drive it); a clock set back refills nothing.
class RateLimiter {
 public:
  using Time = std::chrono::system_clock::time_point;
  RateLimiter(ServeOptions::Rate rate, std::size_t max_keys) : rate_(rate), max_keys_(max_keys) {}

  bool allow(const std::string& key, Time now) {
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
      if (buckets_.size() >= max_keys_) {
        std::erase_if(buckets_,
                      [&](const auto& kv) { return level(kv.second, now) >= rate_.burst; });
        if (buckets_.size() >= max_keys_) return false;
      }
      it = buckets_.emplace(key, Bucket{rate_.burst, now}).first;
    }
    Bucket& b = it->second;
    b.tokens = level(b, now);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

 private:
  struct Bucket {
    double tokens = 0;
    Time at;
  };
  [[nodiscard]] double level(const Bucket& b, Time now) const {
    const double secs = std::max(0.0, std::chrono::duration<double>(now - b.at).count());
    return std::min(rate_.burst, b.tokens + secs * rate_.per_sec);
  }
  ServeOptions::Rate rate_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
};

struct Challenge {
  AccountId wallet{};
  AccountId agent{};
  std::string message;
  std::int64_t expires = 0;
};

struct Session {
  AccountId wallet{};
  AccountId agent{};
  std::int64_t expires = 0;
  [[nodiscard]] bool is_wallet() const { return wallet == agent; }
};

}  // namespace

struct ServeWorker::Impl {
  Impl(Enclave e, const HttpLimits& limits) : enclave(std::move(e)), server(limits) {}
  Enclave enclave;
  std::unique_ptr<VaultChain> chain;
  std::unique_ptr<s3::ObjectStore> store;
  ServeOptions opt;
  // Randomness comes from the enclave platform; time from the injected clock.
  enclave::Rng& rng() { return *enclave.platform; }
  Clock* clock = &system_clock();
  std::int64_t unix_now() { return clock->unix_seconds(); }
  GatedServer server;  // httplib behind the gate: slow clients never hold a worker thread
  std::thread thread;
  bool started = false;

  std::mutex mu;  // guards challenges, tokens and the rate limiters
  std::unordered_map<std::string, Challenge> challenges;
  std::unique_ptr<RateLimiter> client_rate;  // by client address
  std::unique_ptr<RateLimiter> agent_rate;   // by wallet and agent
  std::unordered_map<std::string, Session> tokens;

  // Writes (PUT, DELETE) of one (wallet, service) run one at a time: a PUT registers its blob
  // and then replaces the older ones, which a concurrent PUT of the same service must not see
  // half done. Striped, so memory stays bounded whatever the clients name.
  static constexpr std::size_t kWriteStripes = 64;
  std::array<std::mutex, kWriteStripes> write_locks;
  std::mutex& write_lock(const AccountId& wallet, const vault::ServiceName& service) {
    const std::string k = to_hex(wallet) + "/" + std::string(service.view());
    return write_locks[std::hash<std::string>{}(k) % kWriteStripes];
  }

  std::mutex metrics_mu;
  std::map<std::string, std::uint64_t> requests;  // "route status" -> count
  std::atomic<std::uint64_t> reencrypted{0};
  std::atomic<std::uint64_t> reencrypt_failures{0};
  std::atomic<std::uint64_t> integrity_failures{0};

  void log(const std::string& line) { std::fprintf(stderr, "serve: %s\n", line.c_str()); }

  Result<std::string> random_hex(std::size_t n) {
    Bytes b(n);
    EV_TRY(rng().random(b));
    return to_hex(b, false);
  }

  void prune_locked(std::int64_t now) {
    std::erase_if(challenges, [now](const auto& kv) { return kv.second.expires < now; });
    std::erase_if(tokens, [now](const auto& kv) { return kv.second.expires < now; });
  }

  // What a client is told about an error: our own messages, except that integrity failures and
  // store or chain trouble name no internals (object keys, store paths, node URLs): the detail
  // goes to the log only.
  Reply client_error(const Error& e) {
    const int status = status_of(e);
    if (status == 502) {
      log(e.to_string());
      return error_reply(502, "the stored credential fails verification; no plaintext is released");
    }
    const bool ours = e.domain == ErrorTraits<WorkerErrc>::domain;
    if (!ours || e.message.rfind("store: ", 0) == 0) {
      log(e.to_string());
      return error_reply(status, "the chain or the object store is unavailable; try again");
    }
    return error_reply(e);
  }

  // Tokens are held under their SHA-256: the table never holds a usable token.
  static std::string token_key(std::string_view token) { return to_hex(sha256(as_bytes(token))); }

  // ---- access -------------------------------------------------------------------------------

  Result<Session> authenticate(const httplib::Request& req) {
    const std::string h = req.get_header_value("Authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (h.size() <= kBearer.size() || h.compare(0, kBearer.size(), kBearer) != 0) {
      return make_error(WorkerErrc::Unauthorized, "missing 'Authorization: Bearer <token>'");
    }
    const std::string token = h.substr(kBearer.size());
    std::lock_guard lock(mu);
    auto it = tokens.find(token_key(token));
    if (it == tokens.end()) return make_error(WorkerErrc::Unauthorized, "unknown token");
    if (it->second.expires < unix_now()) {
      tokens.erase(it);
      return make_error(WorkerErrc::Unauthorized, "token expired");
    }
    return it->second;
  }

  // The agent may act for the wallet on `service` (nullopt: on anything) at the best block;
  // `write`: it may also add, replace or remove credentials there. Every refusal says what is
  // missing and which call of the wallet grants it.
  Result<void> authorize(const Session& s, const std::optional<vault::ServiceName>& service,
                         bool write = false) {
    if (s.is_wallet()) return ok();
    const std::string who = "agent " + to_hex(s.agent);
    const std::string wallet = "wallet " + to_hex(s.wallet);
    const std::string svc = service ? std::string(service->view()) : std::string("SERVICE");
    auto g = EV_TRY(chain->grant(s.wallet, s.agent));
    if (!g) {
      return make_error(WorkerErrc::Forbidden,
                        who + " holds no grant from " + wallet +
                            ": the wallet signs VaultPointers.authorize_agent (epochvault agent "
                            "authorize " +
                            to_hex(s.agent) + " --services " + svc + ")");
    }
    if (!g->active()) {
      return make_error(WorkerErrc::Forbidden,
                        who + "'s grant from " + wallet + " was revoked at block " +
                            std::to_string(*g->revoked_at) +
                            ": only a new VaultPointers.authorize_agent by the wallet restores "
                            "access");
    }
    if (service && !g->covers(*service)) {
      std::string covered;
      for (const auto& x : g->services.items()) {
        covered += (covered.empty() ? "" : ",") + std::string(x.view());
      }
      return make_error(WorkerErrc::Forbidden,
                        who + "'s grant from " + wallet + " covers " + covered + ", not service '" +
                            svc +
                            "': the wallet signs VaultPointers.authorize_agent with the service "
                            "added (epochvault agent authorize " +
                            to_hex(s.agent) + " --services " + covered + "," + svc + ")");
    }
    if (write && !g->can_write()) {
      return make_error(WorkerErrc::Forbidden,
                        who + "'s grant from " + wallet + " allows reading service '" + svc +
                            "', not writing: the wallet signs VaultPointers.authorize_agent "
                            "with access ReadWrite (epochvault agent authorize " +
                            to_hex(s.agent) + " --services " + svc + " --write)");
    }
    return ok();
  }

  // A credential of the wallet: (service, name); the empty name is the service's default one.
  struct Credential {
    Session s;
    vault::ServiceName service;
    vault::CredentialName name;
    [[nodiscard]] std::string label() const {
      return "credential '" + std::string(service.view()) +
             (name.empty() ? std::string() : "/" + std::string(name.view())) + "'";
    }
    [[nodiscard]] std::string path() const {
      return "/v1/credentials/" + to_hex(s.wallet) + "/" + std::string(service.view()) +
             (name.empty() ? std::string() : "/" + std::string(name.view()));
    }
  };

  Result<Session> wallet_session(const httplib::Request& req) {
    const Session s = EV_TRY(authenticate(req));
    const AccountId wallet = EV_TRY(parse_wallet(req.matches[1].str()));
    if (wallet != s.wallet) {
      return make_error(WorkerErrc::Forbidden,
                        "the token is for wallet " + to_hex(s.wallet) + ", not wallet " +
                            to_hex(wallet) + ": log in for that wallet (POST /v1/auth/challenge)");
    }
    return s;
  }

  // The caller may read (or, `write`, write) the credential the path names.
  Result<Credential> credential_access(const httplib::Request& req, bool write = false) {
    const Session s = EV_TRY(wallet_session(req));
    auto service = EV_TRY(parse_service(req.matches[2].str()));
    vault::CredentialName name;
    if (req.matches.size() > 3) name = EV_TRY(parse_credential_name(req.matches[3].str()));
    EV_TRY(authorize(s, service, write));
    return Credential{s, std::move(service), std::move(name)};
  }

  // Every stored version of the credential, whoever wrote it, newest (largest UUIDv7) first.
  Result<std::vector<std::pair<BlobId, vault::VaultPointer>>> versions(const Credential& c) {
    auto all = EV_TRY(chain->pointers(c.s.wallet));
    std::vector<std::pair<BlobId, vault::VaultPointer>> out;
    for (auto& [id, p] : all) {
      if (p.service == c.service && p.name == c.name) out.emplace_back(id, std::move(p));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    return out;
  }

  Error missing(const Credential& c) {
    return make_error(WorkerErrc::NotFound,
                      "wallet " + to_hex(c.s.wallet) + " holds no " + c.label() +
                          ": store one with PUT " + c.path() +
                          " (GET /v1/credentials/<wallet> lists what is stored)");
  }

  Error rejected(const CallOutcome& out, std::string_view call) {
    const std::string why = out.error.value_or("failed");
    for (const char* e : {"AgentNotAuthorized", "AgentRevoked"}) {
      if (out.failed_with(e))
        return make_error(WorkerErrc::Forbidden, std::string(call) + ": " + why);
    }
    return make_error(WorkerErrc::Rejected, std::string(call) + ": " + why);
  }

  // ---- handlers -----------------------------------------------------------------------------

  Result<Reply> challenge(const httplib::Request& req) {
    const auto [wallet, agent] = EV_TRY(parse_challenge_request(req.body));
    const std::string id = EV_TRY(random_hex(16));
    const std::string nonce = EV_TRY(random_hex(32));
    const std::int64_t expires = unix_now() + opt.challenge_ttl.count();
    const std::string message =
        chain::format_login_challenge({enclave.signer.account_id(), wallet, agent, nonce, expires});
    {
      std::lock_guard lock(mu);
      const auto now = clock->now();
      if (!client_rate->allow(req.remote_addr, now)) {
        return error_reply(429, "too many challenges from this address; try again shortly");
      }
      if (!agent_rate->allow(to_hex(wallet) + to_hex(agent), now)) {
        return error_reply(429, "too many challenges for this wallet and agent; try again shortly");
      }
      prune_locked(unix_now());
      if (challenges.size() >= opt.max_challenges) {
        return make_error(WorkerErrc::Unavailable, "too many outstanding challenges");
      }
      challenges[id] = Challenge{wallet, agent, message, expires};
    }
    return Reply{200,
                 {{"challenge_id", id},
                  {"message", message},
                  {"message_hex", to_hex(as_bytes(message))},
                  {"expires_at", expires}}};
  }

  Result<Reply> token(const httplib::Request& req) {
    const TokenRequest t = EV_TRY(parse_token_request(req.body));
    const std::string& id = t.challenge_id;
    Challenge c;
    {
      std::lock_guard lock(mu);
      auto it = challenges.find(id);
      if (it == challenges.end()) {
        return make_error(WorkerErrc::Unauthorized, "unknown or already used challenge");
      }
      c = it->second;
      challenges.erase(it);  // one use, whatever the outcome
    }
    if (c.expires < unix_now()) return make_error(WorkerErrc::Unauthorized, "challenge expired");
    // Only the signRaw form: a signature over the bare message could be one over anything the
    // agent's key signs elsewhere (an extrinsic payload), and is refused.
    auto v = chain::verify_for_account(t.scheme, c.agent, chain::wrapped_for_signing(c.message),
                                       t.signature);
    if (!v) {
      return make_error(WorkerErrc::Unauthorized,
                        "signature over <Bytes>message</Bytes> does not verify for agent " +
                            to_hex(c.agent) + ": " + v.error().message);
    }
    Session s{c.wallet, c.agent, unix_now() + opt.token_ttl.count()};
    EV_TRY(authorize(s, std::nullopt));
    const std::string tok = EV_TRY(random_hex(32));
    {
      std::lock_guard lock(mu);
      prune_locked(unix_now());
      if (tokens.size() >= opt.max_tokens) {
        return make_error(WorkerErrc::Unavailable, "too many live tokens");
      }
      tokens[token_key(tok)] = s;
    }
    return Reply{200,
                 {{"token", tok},
                  {"wallet", to_hex(s.wallet)},
                  {"agent", to_hex(s.agent)},
                  {"expires_at", s.expires}}};
  }

  // The wallet's current epoch, opening epoch 1 when it has none.
  Result<vault::EpochInfo> current_epoch(const AccountId& wallet) {
    for (int attempt = 0; attempt < 3; ++attempt) {
      if (auto info = EV_TRY(chain->epoch(wallet))) return *info;
      auto fresh = EV_TRY(enclave::new_epoch_dek(enclave.shielding, wallet, 1, rng()));
      vault::OpenEpoch call;
      call.wallet = wallet;
      call.wrapped_dek = EV_TRY(vault::WrappedDek::from(fresh.wrapped));
      const auto out = EV_TRY(chain->submit(enclave.signer, call));
      if (out.success) log("opened epoch 1 of wallet " + to_hex(wallet));
      if (!out.success && !out.failed_with("EpochExists")) return rejected(out, "open_epoch");
    }
    return make_error(WorkerErrc::Unavailable, "the wallet's epoch keeps changing; try again");
  }

  // Removes pointers (one batch) and, once the chain took it, their objects.
  Result<CallOutcome> remove_pointers(
      const AccountId& wallet, const std::vector<std::pair<BlobId, vault::VaultPointer>>& ps) {
    std::vector<vault::Call> calls;
    calls.reserve(ps.size());
    for (const auto& [id, p] : ps) calls.emplace_back(vault::RemoveBlob{wallet, id});
    auto out = EV_TRY(chain->submit_batch(enclave.signer, calls));
    if (!out.success) return out;
    for (const auto& [id, p] : ps) {
      auto key = blob_key(opt.store_prefix, wallet, p.service.view(), p.epoch, id);
      if (key) {
        auto r = store->remove(*key);
        if (!r) log("removing " + *key + ": " + r.error().to_string() + " (left for destruction)");
      }
    }
    return out;
  }

  // The wallet's quota (credentials and stored bytes) with this PUT counted and the versions
  // it replaces not. Writes of other services may race past it by a few.
  Result<void> check_quota(const Credential& c, std::size_t size) {
    const auto all = EV_TRY(chain->pointers(c.s.wallet));
    std::size_t count = 1;
    std::uint64_t bytes = size;
    for (const auto& [id, p] : all) {
      if (p.service == c.service && p.name == c.name) continue;  // replaced by this PUT
      ++count;
      bytes += p.size;
    }
    if (count > opt.max_wallet_credentials) {
      return make_error(WorkerErrc::Forbidden, "the wallet's quota of " +
                                                   std::to_string(opt.max_wallet_credentials) +
                                                   " credentials is used up");
    }
    if (bytes > opt.max_wallet_bytes) {
      return make_error(WorkerErrc::Forbidden, "the wallet's quota of " +
                                                   std::to_string(opt.max_wallet_bytes) +
                                                   " stored bytes would be exceeded");
    }
    return ok();
  }

  Result<Reply> put(const httplib::Request& req) {
    const Credential c = EV_TRY(credential_access(req, /*write=*/true));
    const Session& s = c.s;
    const vault::ServiceName& service = c.service;
    const enclave::SecretBytes plain = EV_TRY(parse_put_request(req.body));
    const PutExtras extras = EV_TRY(parse_put_extras(req.body));
    const std::lock_guard write(write_lock(s.wallet, service));
    EV_TRY(check_quota(c, plain.size()));  // before any chain transaction is spent
    for (int attempt = 0; attempt < 3; ++attempt) {
      const auto info = EV_TRY(current_epoch(s.wallet));
      const enclave::Dek dek = EV_TRY(load_dek(*chain, enclave.shielding, s.wallet, info.current));
      const BlobId blob = EV_TRY(newer_blob_id(c));
      const auto ctx = blob_context(s.wallet, service.view(), info.current, blob);
      auto object = enclave::seal_blob(dek, ctx, plain.view(), rng());
      if (!object) return make_error(WorkerErrc::Unavailable, object.error().to_string());
      const std::string key =
          EV_TRY(blob_key(opt.store_prefix, s.wallet, service.view(), info.current, blob));
      s3::PutOptions po;
      po.create_only = true;
      if (auto r = store->put(key, *object, po); !r) return store_error(r.error(), key);
      vault::RegisterBlob call;
      call.wallet = s.wallet;
      call.blob_id = blob;
      call.service = service;
      call.agent = s.agent;
      call.epoch = info.current;
      call.ciphertext_hash = enclave::ciphertext_hash(*object);
      call.size = static_cast<std::uint32_t>(object->size());
      call.name = c.name;
      call.readers = extras.readers;
      const auto out = EV_TRY(submit_for_object(call, key));
      if (!out.success) {
        (void)store->remove(key);  // the chain refused it: nothing references the object
        if (out.failed_with("EpochMismatch")) continue;  // rotated meanwhile: again, newer epoch
        return rejected(out, "register_blob");
      }
      // The credential's older versions are replaced, whoever wrote them (the chain keeps who
      // wrote which); a newer one (another serve instance's write) is left alone, so of two
      // writes the newer always survives.
      auto older = EV_TRY(versions(c));
      std::erase_if(older, [&blob](const auto& e) { return !(e.first < blob); });
      if (!older.empty()) {
        auto removed = remove_pointers(s.wallet, older);
        if (!removed || !removed->success) {
          log("replacing older credentials of " + to_hex(s.wallet) + "/" +
              std::string(service.view()) + " failed; the newest one is served");
        }
      }
      return Reply{201,
                   {{"blob_id", uuid_text(blob)},
                    {"service", std::string(service.view())},
                    {"name", std::string(c.name.view())},
                    {"writer", to_hex(s.agent)},
                    {"replaced", older.size()},
                    {"epoch", info.current},
                    {"ciphertext_hash", to_hex(call.ciphertext_hash)},
                    {"size", call.size},
                    {"block", out.block},
                    {"block_hash", to_hex(out.block_hash)}}};
    }
    return make_error(WorkerErrc::Unavailable, "the wallet's epoch kept rotating; try again");
  }

  // Submits the call that will reference the object at `key`. When the node refuses it for good
  // (invalid, pool full), the object is deleted and the client told so. When the submission
  // fails otherwise (connection, dropped), the object stays: the call may still be included, and
  // a pointer must never name a missing object. Such orphans go with their epoch.
  Result<CallOutcome> submit_for_object(const vault::Call& call, const std::string& key) {
    auto out = chain->submit(enclave.signer, call);
    if (out || !is(out.error(), WorkerErrc::Rejected)) return out;
    if (auto r = store->remove(key); !r) {
      log("removing " + key + " after a refused call: " + r.error().to_string());
    }
    return make_error(WorkerErrc::Rejected, std::string(vault::call_name(call)) + ": " +
                                                out.error().message + "; nothing was stored");
  }

  // A fresh UUIDv7 above every pointer the caller has for the service, so "newest" (largest)
  // is also the last acknowledged write even within one millisecond.
  Result<BlobId> newer_blob_id(const Credential& c) {
    const auto mine = EV_TRY(versions(c));
    for (int i = 0; i < 100; ++i) {
      const BlobId id = EV_TRY(new_blob_id(rng()));
      if (mine.empty() || mine.front().first < id) return id;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return make_error(WorkerErrc::Unavailable,
                      "a newer credential for this service is dated ahead of this worker's clock");
  }

  Result<Reply> get(const httplib::Request& req) {
    const Credential c = EV_TRY(credential_access(req));
    const Session& s = c.s;
    const vault::ServiceName& service = c.service;
    for (int attempt = 0;; ++attempt) {
      const bool last = attempt == 2;
      auto mine = EV_TRY(versions(c));
      if (mine.empty()) return missing(c);
      if (!s.is_wallet() && !mine.front().second.readable_by(s.agent)) {
        return make_error(WorkerErrc::Forbidden,
                          "wallet " + to_hex(s.wallet) + "'s " + c.label() +
                              " is restricted to named readers and agent " + to_hex(s.agent) +
                              " is not one: the wallet (or a writer) stores it again with this "
                              "agent in 'readers'");
      }
      const auto& [blob, p] = mine.front();
      const std::string key =
          EV_TRY(blob_key(opt.store_prefix, s.wallet, service.view(), p.epoch, blob));
      // A sweep may move the blob between our pointer read and the fetch: read again.
      auto object = fetch_verified(*store, key, p.ciphertext_hash);
      if (!object && is(object.error(), WorkerErrc::NotFound) && !last) continue;
      if (!object) {
        if (is(object.error(), WorkerErrc::Integrity)) {
          ++integrity_failures;
          log(object.error().message);
        }
        if (is(object.error(), WorkerErrc::NotFound)) {
          log(object.error().message);
          return make_error(WorkerErrc::NotFound,
                            "the credential's stored object is missing from the store");
        }
        return std::move(object).error();
      }
      auto dek = load_dek(*chain, enclave.shielding, s.wallet, p.epoch);
      if (!dek && is(dek.error(), WorkerErrc::NotFound) && !last) continue;
      if (!dek) return std::move(dek).error();
      const auto ctx = blob_context(s.wallet, service.view(), p.epoch, blob);
      auto plain = enclave::open_blob(*dek, ctx, *object);
      if (!plain) {
        ++integrity_failures;
        log(key + ": " + plain.error().message);
        return make_error(
            WorkerErrc::Integrity,
            "stored object " + key + " fails authentication: " + plain.error().message);
      }
      Epoch epoch = p.epoch;
      bool moved = false;
      const auto info = EV_TRY(chain->epoch(s.wallet));
      if (info && info->current > p.epoch) {
        auto r = lazy_reencrypt(s.wallet, blob, p, *dek, info->current);
        if (r && *r) {
          epoch = info->current;
          moved = true;
        } else if (!r) {
          ++reencrypt_failures;
          log("lazy re-encryption of " + key + ": " + r.error().to_string());
        }
      }
      return Reply{200,
                   {{"data", base64(plain->view())},
                    {"blob_id", uuid_text(blob)},
                    {"epoch", epoch},
                    {"service", std::string(service.view())},
                    {"name", std::string(c.name.view())},
                    {"agent", to_hex(p.agent)},
                    {"writer", to_hex(p.agent)},
                    {"updated_at", p.updated_at},
                    {"reencrypted", moved}}};
    }
  }

  Result<bool> lazy_reencrypt(const AccountId& wallet, const BlobId& blob,
                              const vault::VaultPointer& p, const enclave::Dek& old_dek,
                              Epoch current) {
    const enclave::Dek new_dek = EV_TRY(load_dek(*chain, enclave.shielding, wallet, current));
    enclave::DekCipher from(old_dek);
    enclave::DekCipher to(new_dek);
    const auto call =
        EV_TRY(move_blob(*store, opt.store_prefix, from, to, wallet, blob, p, current, rng()));
    const auto out = EV_TRY(chain->submit(enclave.signer, call));
    if (out.success) {
      ++reencrypted;
      return true;
    }
    // The rotate worker moved or removed it first: fine, the new object is theirs or adopted.
    log("reencrypt_blob: " + out.error.value_or("failed") + " (left to the sweep)");
    return false;
  }

  Result<Reply> remove(const httplib::Request& req) {
    const Credential c = EV_TRY(credential_access(req, /*write=*/true));
    const std::lock_guard write(write_lock(c.s.wallet, c.service));
    auto mine = EV_TRY(versions(c));
    if (mine.empty()) return missing(c);
    const auto out = EV_TRY(remove_pointers(c.s.wallet, mine));
    if (!out.success) return rejected(out, "remove_blob");
    return Reply{200, {{"removed", mine.size()}, {"block", out.block}}};
  }

  Result<Reply> status(const httplib::Request& req) {
    const Session s = EV_TRY(wallet_session(req));
    const AccountId& wallet = s.wallet;
    EV_TRY(authorize(s, std::nullopt));
    // The wallet's status (pointer counts, revoked agents) is for the wallet and for agents
    // whose grant covers every service, not for an agent limited to some services.
    if (!s.is_wallet()) {
      const auto g = EV_TRY(chain->grant(s.wallet, s.agent));
      if (g && !g->services.empty()) {
        return make_error(WorkerErrc::Forbidden,
                          "the wallet's status is for the wallet and agents granted every service");
      }
    }
    const auto block = EV_TRY(chain->best_number());
    const auto info = EV_TRY(chain->epoch(wallet));
    const auto pointers = EV_TRY(chain->pointers(wallet));
    json j = {{"wallet", to_hex(wallet)}, {"pointers", pointers.size()}, {"block", block}};
    if (!info) {
      j["current_epoch"] = 0;
      j["draining"] = json::array();
      j["live_blobs"] = 0;
      return Reply{200, j};
    }
    j["current_epoch"] = info->current;
    j["rotated_at"] = info->rotated_at;
    j["reason"] = vault::reason_name(info->reason);
    if (const auto* r = std::get_if<vault::Revocation>(&info->reason)) {
      j["revoked_agent"] = to_hex(r->agent);
    }
    j["live_blobs"] = EV_TRY(chain->live_blobs(wallet, info->current));
    json draining = json::array();
    for (const Epoch e : EV_TRY(chain->dek_epochs(wallet))) {
      if (e >= info->current) continue;
      const bool revocation =
          (e + 1 == info->current) && std::holds_alternative<vault::Revocation>(info->reason);
      draining.push_back({{"epoch", e},
                          {"live_blobs", EV_TRY(chain->live_blobs(wallet, e))},
                          {"deadline_secs_after_rotation", revocation ? 86400 : 604800}});
    }
    j["draining"] = draining;
    return Reply{200, j};
  }

  // GET /v1/credentials/{wallet}: what the caller may read, never a secret. The wallet sees
  // every credential; an agent those of the services its active grant covers (minus those
  // restricted to other agents).
  Result<Reply> list(const httplib::Request& req) {
    const Session s = EV_TRY(wallet_session(req));
    EV_TRY(authorize(s, std::nullopt));
    std::optional<vault::AgentGrant> grant;
    if (!s.is_wallet()) grant = EV_TRY(chain->grant(s.wallet, s.agent));
    const auto block = EV_TRY(chain->best_number());
    auto all = EV_TRY(chain->pointers(s.wallet));
    // Newest version first, so the first of each (service, name) is the one a GET serves.
    std::sort(all.begin(), all.end(),
              [](const auto& a, const auto& b) { return a.first > b.first; });
    std::map<std::pair<std::string, std::string>, json> items;
    for (const auto& [id, p] : all) {
      if (grant && (!grant->covers(p.service) || !p.readable_by(s.agent))) continue;
      const auto k = std::pair{std::string(p.service.view()), std::string(p.name.view())};
      if (items.count(k) != 0) continue;
      json item = {{"service", k.first},
                   {"name", k.second},
                   {"epoch", p.epoch},
                   {"writer", to_hex(p.agent)},
                   {"written_by_wallet", p.agent == s.wallet},
                   {"created_at", p.created_at},
                   {"updated_at", p.updated_at},
                   {"size", p.size},
                   {"blob_id", uuid_text(id)}};
      if (!p.readers.empty()) {
        json readers = json::array();
        for (const auto& r : p.readers.items()) readers.push_back(to_hex(r));
        item["readers"] = readers;
      }
      items.emplace(k, std::move(item));
    }
    json out = json::array();
    for (auto& [k, item] : items) out.push_back(std::move(item));
    return Reply{200,
                 {{"wallet", to_hex(s.wallet)},
                  {"caller", to_hex(s.agent)},
                  {"block", block},
                  {"credentials", out}}};
  }

  Reply health() {
    auto n = chain->best_number();
    if (!n) return client_error(n.error());
    s3::ListOptions lo;
    lo.prefix = opt.store_prefix;
    lo.max_keys = 1;
    if (auto l = store->list(lo); !l) return client_error(store_error(l.error(), "list"));
    return {200, {{"status", "ok"}, {"block", *n}, {"role", "serve"}}};
  }

  Reply attestation() {
    return {200,
            {{"worker", to_hex(enclave.signer.account_id())},
             {"role", "serve"},
             {"measurement", to_hex(enclave.measurement.bytes())},
             {"report", to_hex(enclave.attestation)},
             {"platform", "simulated (not hardware-backed)"}}};
  }

  // ---- seed 001's attestation API (attestation_api.hpp) ----------------------------------

  std::mutex attest_mu;  // one platform attestation at a time
  // Renews the registration before the chain's attestation lifetime runs out.
  std::unique_ptr<Reattester> reattester;

  Result<Reply> attestation_api(const httplib::Request& req) {
    const AttestationRequest r = EV_TRY(parse_attestation_request(req.body));
    {  // a platform attestation per request: the per-address budget of challenges applies
      std::lock_guard lock(mu);
      if (!client_rate->allow(req.remote_addr, clock->now())) {
        return error_reply(429, "too many requests from this address; try again shortly");
      }
    }
    const auto account = enclave.signer.account_id();
    const auto genesis = chain->genesis_hash();
    UserDataInputs in;
    in.now = unix_now();
    in.worker = to_hex(account);
    in.role = "serve";
    in.measurement = to_hex(enclave.measurement.bytes());
    in.genesis = to_hex(genesis);
    in.platform = enclave.platform_name;
    in.request = &r;
    const nlohmann::json user_data = attestation_user_data(in);
    attestation::Commitment c;
    c.account = account;
    c.genesis_hash = genesis;
    c.purpose = attestation::Purpose::Session;
    const auto binding = user_data_binding(user_data);
    c.nonce.assign(binding.begin(), binding.end());
    const auto rd = EV_TRY(attestation::report_data_commitment(c));
    AttestationReply reply;
    {
      std::lock_guard lock(attest_mu);
      const Bytes ev = EV_TRY(attestation_evidence(enclave, rd));
      reply.evidence.assign(ev.begin(), ev.end());
    }
    reply.user_data = &user_data;
    reply.report_data.assign(rd.begin(), rd.end());
    reply.measurement = in.measurement;
    reply.platform = enclave.platform_name;
    reply.tee_verified = enclave.platform_name != "simulated";
    reply.request = &r;
    return Reply{200, attestation_response(reply)};
  }

  Reply seed_health() {
    const bool chain_ok = chain->best_number().ok();
    std::size_t sessions = 0;
    const std::int64_t now = unix_now();
    {
      std::lock_guard lock(mu);
      prune_locked(now);
      sessions = tokens.size();
    }
    return {chain_ok ? 200 : 503,
            health_response(chain_ok, now, enclave.platform_name != "simulated", sessions)};
  }

  void install_attestation_api() {
    server.Post("/attestation", route("attestation_api", &Impl::attestation_api));
    server.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
      guarded("health", res, [this] { return seed_health(); });
    });
  }

  std::string metrics() {
    std::string out =
        "# HELP epochvault_serve_requests_total HTTP requests by route and status.\n"
        "# TYPE epochvault_serve_requests_total counter\n";
    {
      std::lock_guard lock(metrics_mu);
      for (const auto& [k, n] : requests) {
        const auto sp = k.rfind(' ');
        out += "epochvault_serve_requests_total{route=\"" + k.substr(0, sp) + "\",status=\"" +
               k.substr(sp + 1) + "\"} " + std::to_string(n) + "\n";
      }
    }
    out +=
        "# HELP epochvault_serve_reencrypted_total Blobs moved to the current epoch by a read "
        "(lazy re-encryption).\n"
        "# TYPE epochvault_serve_reencrypted_total counter\nepochvault_serve_reencrypted_total " +
        std::to_string(reencrypted.load()) + "\n";
    out +=
        "# HELP epochvault_serve_reencrypt_failures_total Lazy re-encryptions that failed (the "
        "sweep moves the blob later).\n"
        "# TYPE epochvault_serve_reencrypt_failures_total counter\n"
        "epochvault_serve_reencrypt_failures_total " +
        std::to_string(reencrypt_failures.load()) + "\n";
    out +=
        "# HELP epochvault_serve_integrity_failures_total Reads refused because the stored "
        "object did not match its pointer or did not decrypt.\n"
        "# TYPE epochvault_serve_integrity_failures_total counter\n"
        "epochvault_serve_integrity_failures_total " +
        std::to_string(integrity_failures.load()) + "\n";
    out += gate_metrics(server.stats());
    out += verified_view_metrics("epochvault_serve", chain->verified());
    return out;
  }

  // ---- wiring -------------------------------------------------------------------------------

  void send(const char* route, httplib::Response& res, const Reply& r) {
    res.status = r.status;
    // Client text cut mid-character (or any invalid UTF-8 that reached a message) is replaced,
    // never thrown: a throwing dump() outside the HTTP library's try/catch ends the process.
    res.set_content(r.body.dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/json");
    std::lock_guard lock(metrics_mu);
    ++requests[std::string(route) + " " + std::to_string(r.status)];
  }

  template <class F>
  httplib::Server::Handler route(const char* name, F f) {
    return [this, name, f](const httplib::Request& req, httplib::Response& res) {
      guarded(name, res, [&] {
        Result<Reply> r = (this->*f)(req);
        return r ? std::move(r).value() : client_error(r.error());
      });
    };
  }

  // Every handler answers through here: nothing it throws leaves it (an exception escaping an
  // error handler, or a second one while answering, would terminate the process).
  template <class F>
  void guarded(const char* name, httplib::Response& res, F&& make) noexcept {
    try {
      send(name, res, make());
      return;
    } catch (const std::exception& e) {
      log(std::string(name) + ": internal error: " + e.what());
    } catch (...) {
      log(std::string(name) + ": internal error");
    }
    try {
      res.status = 503;
      res.set_content(R"({"error":{"code":"unavailable","message":"internal error"}})",
                      "application/json");
    } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory; the library answers 500
    }
  }

  void install() {
    // Addresses and pairs tracked at once (a full bucket is dropped when room is needed).
    constexpr std::size_t kRateKeys = 100000;
    client_rate = std::make_unique<RateLimiter>(opt.challenges_per_client, kRateKeys);
    agent_rate = std::make_unique<RateLimiter>(opt.challenges_per_agent, kRateKeys);
    server.set_payload_max_length(opt.max_body);
    // Answers go out at once: without this a kept-alive client waits ~40 ms per response for
    // its own delayed ACK (measured with wrk, docs/benchmarks.md).
    server.set_tcp_nodelay(true);
    const std::string cred = R"(/v1/credentials/([^/]+)/([^/]+))";
    const std::string named_cred = R"(/v1/credentials/([^/]+)/([^/]+)/([^/]+))";
    const std::string wallet_status = R"(/v1/wallets/([^/]+)/status)";
    server.Post("/v1/auth/challenge", route("challenge", &Impl::challenge));
    server.Post("/v1/auth/token", route("token", &Impl::token));
    server.Put(cred, route("credential_put", &Impl::put));
    server.Get(cred, route("credential_get", &Impl::get));
    server.Delete(cred, route("credential_delete", &Impl::remove));
    server.Put(named_cred, route("credential_put", &Impl::put));
    server.Get(named_cred, route("credential_get", &Impl::get));
    server.Delete(named_cred, route("credential_delete", &Impl::remove));
    server.Get(R"(/v1/credentials/([^/]+))", route("credential_list", &Impl::list));
    server.Get(wallet_status, route("status", &Impl::status));
    server.Get("/v1/attestation", [this](const httplib::Request&, httplib::Response& res) {
      guarded("attestation", res, [this] { return attestation(); });
    });
    install_attestation_api();
    server.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      guarded("healthz", res, [this] { return health(); });
    });
    server.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      try {
        res.set_content(metrics(), "text/plain; version=0.0.4");
      } catch (...) {
        res.status = 503;
      }
    });
    // Called for every status >= 400, ours included (those already have a body). The path is
    // never echoed: it is the client's bytes (invalid UTF-8, terminal controls).
    server.set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const int status = res.status;
      guarded("unknown", res, [&]() -> Reply {
        if (status == 404) {
          return error_reply(404, "no route for " + route_method(req.method) + " on this path");
        }
        if (status == 413) {
          // The HTTP library caps form-encoded bodies (curl -d without a Content-Type) at 8 KiB.
          if (req.get_header_value("Content-Type").rfind("application/x-www-form-urlencoded", 0) ==
                  0 &&
              declared_length(req) <= opt.max_body) {
            return error_reply(413,
                               "form-encoded request body over 8192 bytes: send the JSON body "
                               "with 'Content-Type: application/json'");
          }
          return error_reply(413, "request body over " + std::to_string(opt.max_body) + " bytes");
        }
        if (status == 405) return error_reply(405, "method not allowed");
        return error_reply(status, "request refused");
      });
    });
    server.set_exception_handler(
        [this](const httplib::Request&, httplib::Response& res, const std::exception_ptr&) {
          guarded("unknown", res, [] { return error_reply(503, "internal error"); });
        });
  }
};

ServeWorker::ServeWorker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ServeWorker::~ServeWorker() { stop(); }

Result<std::unique_ptr<ServeWorker>> ServeWorker::create(Enclave enclave,
                                                         std::unique_ptr<VaultChain> chain,
                                                         std::unique_ptr<s3::ObjectStore> store,
                                                         ServeOptions options) {
  if (!options.store_prefix.empty() && options.store_prefix.back() != '/') {
    return make_error(WorkerErrc::Config, "store prefix must be empty or end with '/'");
  }
  HttpLimits limits = options.http;
  limits.threads = options.threads;
  limits.max_body = options.max_body;
  auto impl = std::make_unique<Impl>(std::move(enclave), limits);
  impl->chain = std::move(chain);
  impl->store = std::move(store);
  impl->opt = std::move(options);
  if (impl->opt.clock != nullptr) impl->clock = impl->opt.clock;
  exclusive_port(impl->server);
  impl->install();
  return std::unique_ptr<ServeWorker>(new ServeWorker(std::move(impl)));
}

Result<std::uint16_t> ServeWorker::start() {
  auto& s = impl_->server;
  int port = impl_->opt.port;
  if (port == 0) {
    port = s.bind_to_any_port(impl_->opt.host);
  } else if (!s.bind_to_port(impl_->opt.host, port)) {
    port = -1;
  }
  if (port <= 0) {
    return make_error(WorkerErrc::Config,
                      "cannot listen on " + impl_->opt.host + ":" +
                          std::to_string(impl_->opt.port) +
                          ": the address is in use (another epochvault-serve?) or not available");
  }
  impl_->thread = std::thread([&s] { s.listen_after_bind(); });
  impl_->reattester = std::make_unique<Reattester>(
      impl_->enclave, *impl_->chain, impl_->attest_mu, std::chrono::minutes(1),
      [impl = impl_.get()](const std::string& line) { impl->log(line); });
  impl_->reattester->start();
  impl_->started = true;
  return static_cast<std::uint16_t>(port);
}

void ServeWorker::stop() {
  if (!impl_ || !impl_->started) return;
  if (impl_->reattester) impl_->reattester->stop();
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
  impl_->server.shutdown();  // closes the connections the gate still holds
  impl_->started = false;
}

}  // namespace ev::worker
