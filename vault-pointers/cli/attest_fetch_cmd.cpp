// `epochvault attest fetch`: asks a serve worker for a fresh attestation (POST /attestation with
// a random nonce), verifies it offline, checks that its report data binds the returned user_data
// (the nonce included) to the worker's account on this chain, and that the chain lists the worker
// as a serve worker with that measurement, approved and not expired (docs/attestation.md).
#include <sodium.h>

#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "ev/attestation/evidence.hpp"
#include "ev/attestation/report_data.hpp"
#include "ev/chain/client.hpp"
#include "ev/chain/rpc/api.hpp"
#include "ev/common/digest.hpp"
#include "ev/vault/storage.hpp"
#include "input.hpp"

namespace ev::cli {
namespace {

namespace at = ev::attestation;
using nlohmann::json;

Error failed(std::string_view what) { return make_error(Errc::Failed, what); }

// POST {serve}/attestation with the nonce; the parsed JSON answer.
Result<json> post_attestation(const std::string& base, const std::string& nonce_hex) {
  if (base.rfind("http://", 0) != 0 || base.size() <= 7) {
    return make_error(Errc::BadInput, "--serve '" + base + "': expected http://HOST:PORT");
  }
  try {
    httplib::Client client(base);
    if (!client.is_valid()) return make_error(Errc::BadInput, "--serve '" + base + "'");
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(30));
    const json body = {{"nonce", nonce_hex}, {"include_metadata", true}};
    auto res = client.Post("/attestation", body.dump(), "application/json");
    if (!res) return failed("POST " + base + "/attestation: " + httplib::to_string(res.error()));
    if (res->status != 200) {
      return failed("POST " + base + "/attestation: HTTP " + std::to_string(res->status) + ": " +
                    res->body.substr(0, 200));
    }
    json j = json::parse(res->body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return failed("the attestation answer is not JSON");
    return j;
  } catch (const std::exception& e) {
    return make_error(Errc::BadInput, "--serve '" + base + "': " + e.what());
  }
}

Result<std::string> text_field(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return failed(std::string("the answer has no text field \"") + key + "\"");
  }
  return it->get<std::string>();
}

struct Fetched {
  at::Verified verified;
  vault::AccountId worker{};
  vault::WorkerInfo info;
};

// The chain's view of the worker: a serve worker with this measurement, approved, not expired.
Result<vault::WorkerInfo> check_on_chain(chain::ChainClient& client, const vault::AccountId& worker,
                                         const Bytes& measurement, std::int64_t now) {
  auto raw = EV_TRY(chain::rpc::state_get_storage(client.rpc(), vault::workers_key(worker)));
  if (!raw) return failed("worker " + to_hex(worker) + " is not registered on chain");
  const vault::WorkerInfo info = EV_TRY(vault::decode_worker_info(*raw));
  if (info.role != vault::Role::Serve)
    return failed("worker " + to_hex(worker) + " is not a serve worker");
  if (info.measurement.bytes() != measurement) {
    return failed("the chain lists worker " + to_hex(worker) + " with measurement " +
                  to_hex(info.measurement.bytes()) + ", the attestation shows " +
                  to_hex(measurement));
  }
  auto approved = EV_TRY(chain::rpc::state_get_storage(
      client.rpc(), vault::approved_measurements_key(info.measurement)));
  if (!approved || approved->size() != 1 ||
      (*approved)[0] != static_cast<std::uint8_t>(info.role)) {
    return failed("measurement " + to_hex(measurement) + " is not approved for serve workers");
  }
  if (now > 0 && static_cast<std::uint64_t>(now) > info.expires_at) {
    return failed("the worker's registration attestation expired at " +
                  std::to_string(info.expires_at));
  }
  return info;
}

Result<Fetched> fetch(const Args& args, const std::string& nonce_hex, std::int64_t now) {
  const json answer = EV_TRY(post_attestation(*args.get("serve"), nonce_hex));
  const auto doc = answer.find("attestation_document");
  if (doc == answer.end() || !doc->is_object() || !doc->contains("evidence")) {
    return failed("the answer has no attestation_document.evidence");
  }
  const json& ev = (*doc)["evidence"];
  const std::string evidence = ev.is_string() ? ev.get<std::string>() : ev.dump();
  at::VerifyOptions opts;
  opts.at = now;
  opts.prefer_document_time = true;
  Fetched out;
  out.verified = EV_TRY(at::verify_evidence(as_bytes(evidence), opts));
  if (!out.verified.tee_verified && !args.has("allow-simulated")) {
    return make_error(at::Errc::NotHardware,
                      "the worker answered with a simulated attestation, which proves nothing "
                      "about hardware (--allow-simulated accepts it for development)");
  }
  const auto ud = answer.find("user_data");
  if (ud == answer.end() || !ud->is_object()) return failed("the answer has no user_data object");
  if (EV_TRY(text_field(*ud, "nonce")) != nonce_hex) {
    return make_error(at::Errc::ReportData, "user_data.nonce is not the nonce sent");
  }
  const std::string worker_hex = EV_TRY(text_field(*ud, "worker"));
  out.worker = EV_TRY_CTX("user_data.worker", from_hex_fixed<32>(worker_hex));
  auto client = EV_TRY(connect_node(args));
  at::Commitment c;
  c.account = out.worker;
  c.genesis_hash = client->info().genesis_hash;
  c.purpose = at::Purpose::Session;
  // The nonce inside the commitment: SHA-256 of the canonical user_data (sorted keys, compact).
  const auto binding = sha256(as_bytes(ud->dump()));
  c.nonce.assign(binding.begin(), binding.end());
  EV_TRY_CTX("report data (worker, this chain, purpose session, user_data)",
             at::check_report_data(out.verified.report_data, c));
  out.info = EV_TRY(check_on_chain(*client, out.worker, out.verified.primary_measurement(), now));
  return out;
}

Result<void> fetch_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"serve", "url", "output"}, {"allow-simulated"}));
  if (!args.positional.empty() || !args.has("serve")) {
    return make_error(Errc::Usage, "expected --serve URL (see --help)");
  }
  const bool as_json = EV_TRY(json_output_of(args));
  Bytes nonce(32);
  randombytes_buf(nonce.data(), nonce.size());
  const std::string nonce_hex = to_hex(nonce, false);
  const auto now = static_cast<std::int64_t>(std::time(nullptr));
  const Fetched f = EV_TRY(fetch(args, nonce_hex, now));
  const std::string platform(at::platform_name(f.verified.platform));
  if (as_json) {
    const json j = {{"ok", true},
                    {"platform", platform},
                    {"tee_verified", f.verified.tee_verified},
                    {"worker", to_hex(f.worker)},
                    {"measurement", to_hex(f.verified.primary_measurement(), false)},
                    {"tcb_status", f.verified.tcb_status},
                    {"nonce", nonce_hex},
                    {"registered_at", f.info.registered_at},
                    {"attested_at", f.info.attested_at},
                    {"expires_at", f.info.expires_at}};
    std::printf("%s\n", j.dump(2).c_str());
    return ok();
  }
  std::printf("verified: %s attestation%s from worker %s\n", platform.c_str(),
              f.verified.tee_verified ? "" : " (simulated, not hardware-backed)",
              to_hex(f.worker).c_str());
  std::printf("  measurement  %s\n", to_hex(f.verified.primary_measurement(), false).c_str());
  std::printf("  nonce        %s (fresh, bound with user_data in the report data)\n",
              nonce_hex.c_str());
  std::printf("  on chain     serve worker, measurement approved, attestation valid until %llu\n",
              static_cast<unsigned long long>(f.info.expires_at));
  return ok();
}

}  // namespace

void register_attest_fetch_command(std::vector<Command>& out) {
  out.push_back(
      {"attest", "fetch", "fetch a serve worker's attestation and check it against the chain",
       "epochvault attest fetch --serve URL [--url NODE] [--output text|json] [--allow-simulated]\n"
       "  Sends a fresh random nonce to URL/attestation, verifies the evidence offline, checks\n"
       "  that its report data commits to the worker's account, this chain's genesis hash, the\n"
       "  purpose session and the returned user_data (which must echo the nonce), and that the\n"
       "  chain lists the worker as a serve worker with that measurement, approved and not\n"
       "  expired. Exit 0 only when every check passes.",
       fetch_cmd});
}

}  // namespace ev::cli
