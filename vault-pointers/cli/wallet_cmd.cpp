// `epochvault wallet status` and `epochvault agent authorize|revoke|list`: what a user needs to
// see and do, read from and signed against the chain alone. `agent revoke` follows the
// revocation until the rotate worker has rotated the wallet away from its epoch, swept it and
// destroyed it (docs/cli.md).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/vault/storage.hpp"
#include "ev/vault/types.hpp"
#include "input.hpp"

namespace ev::cli {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kPage = 512;
// The rotate worker's default drain deadlines (docs/workers.md "Deadlines").
constexpr std::uint64_t kRevocationDeadlineSecs = 24 * 3600;
constexpr std::uint64_t kScheduledDeadlineSecs = 7 * 24 * 3600;

// Every (key, value) under a storage prefix at the best block.
Result<std::vector<std::pair<Bytes, Bytes>>> read_prefix(chain::RpcClient& rpc, ByteSpan prefix) {
  std::vector<std::pair<Bytes, Bytes>> out;
  std::optional<Bytes> start;
  for (;;) {
    auto keys = EV_TRY(chain::rpc::state_get_keys_paged(rpc, prefix, kPage, start));
    for (const Bytes& k : keys) {
      auto v = EV_TRY(chain::rpc::state_get_storage(rpc, k));
      if (v) out.emplace_back(k, std::move(*v));
    }
    if (keys.size() < kPage) break;
    start = keys.back();
  }
  return out;
}

Result<std::optional<Bytes>> read_one(chain::RpcClient& rpc, ByteSpan key) {
  return chain::rpc::state_get_storage(rpc, key);
}

std::string services_text(const vault::ServiceList& services) {
  if (services.empty()) return "every service";
  std::string s;
  for (const auto& n : services.items()) s += (s.empty() ? "" : ",") + std::string(n.view());
  return s;
}

json services_json(const vault::ServiceList& services) {
  json out = json::array();
  for (const auto& n : services.items()) out.push_back(std::string(n.view()));
  return out;
}

std::string reason_text(const vault::RotationReason& r, std::uint16_t prefix) {
  if (const auto* rev = std::get_if<vault::Revocation>(&r)) {
    return "Revocation of " + ss58(rev->agent, prefix);
  }
  return std::string(vault::reason_name(r));
}

// The wallet: the positional argument (SS58 or hex), else the account of the secret URI.
Result<ByteArray<32>> wallet_of(const Args& args) {
  if (!args.positional.empty()) return parse_account(args.positional[0], "wallet");
  if (args.has("suri") || args.has("suri-file") || std::getenv(kSuriEnv) != nullptr) {
    auto pair = EV_TRY(signer_of(args, "wallet"));
    return pair.account_id();
  }
  return make_error(Errc::Usage, "name the wallet (SS58 or 0x-hex) or give its secret URI");
}

struct Grant {
  ByteArray<32> agent{};
  vault::AgentGrant grant;
};

Result<std::vector<Grant>> read_grants(chain::RpcClient& rpc, const ByteArray<32>& wallet) {
  std::vector<Grant> out;
  for (auto& [k, v] : EV_TRY(read_prefix(rpc, vault::agents_prefix(wallet)))) {
    auto [w, agent] = EV_TRY_CTX("Agents key", vault::parse_agents_key(k));
    (void)w;
    out.push_back({agent, EV_TRY_CTX("Agents value", vault::decode_agent_grant(v))});
  }
  return out;
}

json grant_json(const Grant& g, std::uint16_t prefix) {
  json j = {{"agent", ss58(g.agent, prefix)},
            {"agent_hex", to_hex(g.agent)},
            {"services", services_json(g.grant.services)},
            {"access", vault::access_name(g.grant.access)},
            {"granted_at", g.grant.granted_at},
            {"revoked_at", nullptr}};
  if (g.grant.revoked_at) j["revoked_at"] = *g.grant.revoked_at;
  return j;
}

void print_grant(const Grant& g, std::uint16_t prefix) {
  std::printf(
      "  %s  %-28s %-10s since #%u%s\n", ss58(g.agent, prefix).c_str(),
      services_text(g.grant.services).c_str(), g.grant.can_write() ? "read+write" : "read",
      g.grant.granted_at,
      g.grant.revoked_at ? (", revoked at #" + std::to_string(*g.grant.revoked_at)).c_str() : "");
}

// ---- wallet status ---------------------------------------------------------------------------

Result<void> status_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "output", "suri", "suri-file", "scheme"}, {}));
  if (args.positional.size() > 1) return make_error(Errc::Usage, "expected at most one wallet");
  const bool json_out = EV_TRY(json_output_of(args));
  const ByteArray<32> wallet = EV_TRY(wallet_of(args));
  auto client = EV_TRY(connect_node(args));
  const std::uint16_t prefix = client->info().ss58_prefix;
  auto& rpc = client->rpc();
  auto best = EV_TRY(chain::rpc::chain_get_header(rpc));
  if (!best) return make_error(Errc::Failed, "the node has no best block");

  json j = {
      {"wallet", ss58(wallet, prefix)}, {"wallet_hex", to_hex(wallet)}, {"block", best->number}};
  std::optional<vault::EpochInfo> info;
  if (auto v = EV_TRY(read_one(rpc, vault::epochs_key(wallet)))) {
    info = EV_TRY_CTX("Epochs value", vault::decode_epoch_info(*v));
  }
  // Epochs whose wrapped DEK is on chain (current and draining) and their live counts.
  std::map<vault::Epoch, std::uint32_t> live;
  std::set<vault::Epoch> with_dek;
  for (auto& [k, v] : EV_TRY(read_prefix(rpc, vault::epoch_deks_prefix(wallet)))) {
    with_dek.insert(EV_TRY_CTX("EpochDeks key", vault::parse_epoch_deks_key(k)).second);
  }
  for (auto& [k, v] : EV_TRY(read_prefix(rpc, vault::live_blobs_prefix(wallet)))) {
    const auto e = EV_TRY_CTX("LiveBlobs key", vault::parse_live_blobs_key(k)).second;
    live[e] = EV_TRY_CTX("LiveBlobs value", vault::decode_live_blobs(v));
  }
  json epochs = {{"current", nullptr}, {"draining", json::array()}, {"destroyed", json::array()}};
  if (info) {
    epochs["current"] = {{"epoch", info->current},
                         {"since_block", info->rotated_at},
                         {"reason", std::string(vault::reason_name(info->reason))},
                         {"live_blobs", live[info->current]}};
    if (const auto* rev = std::get_if<vault::Revocation>(&info->reason)) {
      epochs["current"]["revoked_agent"] = ss58(rev->agent, prefix);
    }
    for (vault::Epoch e = 1; e < info->current; ++e) {
      if (with_dek.count(e) == 0) {
        epochs["destroyed"].push_back(e);
        continue;
      }
      json d = {{"epoch", e}, {"live_blobs", live[e]}};
      if (e + 1 == info->current) {
        // Draining since the rotation that made the current epoch; the rotate worker's deadline
        // follows the reason (its defaults; an operator may configure others).
        const bool revocation = std::holds_alternative<vault::Revocation>(info->reason);
        d["since_block"] = info->rotated_at;
        d["deadline_secs_after_rotation"] =
            revocation ? kRevocationDeadlineSecs : kScheduledDeadlineSecs;
      }
      epochs["draining"].push_back(d);
    }
  }
  j["epochs"] = epochs;

  const auto grants = EV_TRY(read_grants(rpc, wallet));
  j["grants"] = json::array();
  for (const auto& g : grants) j["grants"].push_back(grant_json(g, prefix));

  // Blobs per service and epoch.
  std::map<std::string, std::map<vault::Epoch, std::uint32_t>> blobs;
  std::size_t pointers = 0;
  for (auto& [k, v] : EV_TRY(read_prefix(rpc, vault::pointers_prefix(wallet)))) {
    auto p = EV_TRY_CTX("Pointers value", vault::decode_vault_pointer(v));
    ++blobs[std::string(p.service.view())][p.epoch];
    ++pointers;
  }
  j["blobs"] = json::array();
  for (const auto& [service, by_epoch] : blobs) {
    for (const auto& [epoch, n] : by_epoch) {
      j["blobs"].push_back({{"service", service}, {"epoch", epoch}, {"count", n}});
    }
  }
  j["pointers"] = pointers;

  // The workers: every registered worker, and whether its measurement is approved for its role.
  j["workers"] = json::array();
  for (auto& [k, v] : EV_TRY(read_prefix(rpc, vault::item_prefix(vault::item::kWorkers)))) {
    const auto worker = EV_TRY_CTX("Workers key", vault::parse_workers_key(k));
    const auto w = EV_TRY_CTX("Workers value", vault::decode_worker_info(v));
    bool approved = false;
    if (auto r = EV_TRY(read_one(rpc, vault::approved_measurements_key(w.measurement)))) {
      auto role = vault::decode_role(*r);
      approved = role.ok() && *role == w.role;
    }
    j["workers"].push_back({{"worker", ss58(worker, prefix)},
                            {"role", std::string(vault::role_name(w.role))},
                            {"measurement", to_hex(w.measurement.bytes())},
                            {"registered_at", w.registered_at},
                            {"approved", approved}});
  }

  if (json_out) {
    std::printf("%s\n", j.dump().c_str());
    return ok();
  }
  std::printf("wallet %s at block #%llu\n", ss58(wallet, prefix).c_str(),
              static_cast<unsigned long long>(best->number));
  if (!info) {
    std::printf("epochs: none yet (the first credential stored opens epoch 1)\n");
  } else {
    std::printf("epochs:\n  current   %u since #%u (%s), %u live blob(s)\n", info->current,
                info->rotated_at, reason_text(info->reason, prefix).c_str(), live[info->current]);
    for (const auto& d : epochs["draining"]) {
      std::string deadline;
      if (d.contains("deadline_secs_after_rotation")) {
        deadline = ", deadline " +
                   std::to_string(d["deadline_secs_after_rotation"].get<std::uint64_t>() / 3600) +
                   " h after #" + std::to_string(d["since_block"].get<std::uint32_t>());
      }
      std::printf("  draining  %u, %u live blob(s)%s\n", d["epoch"].get<vault::Epoch>(),
                  d["live_blobs"].get<std::uint32_t>(), deadline.c_str());
    }
    std::string destroyed;
    for (const auto& e : epochs["destroyed"]) {
      destroyed += (destroyed.empty() ? "" : " ") + std::to_string(e.get<vault::Epoch>());
    }
    std::printf("  destroyed %s\n", destroyed.empty() ? "none" : destroyed.c_str());
  }
  std::printf("grants (%zu):\n", grants.size());
  for (const auto& g : grants) print_grant(g, prefix);
  std::printf("blobs (%zu):\n", pointers);
  for (const auto& b : j["blobs"]) {
    std::printf("  %-28s epoch %u: %u\n", b["service"].get<std::string>().c_str(),
                b["epoch"].get<vault::Epoch>(), b["count"].get<std::uint32_t>());
  }
  std::printf("workers (%zu):\n", j["workers"].size());
  for (const auto& w : j["workers"]) {
    std::printf("  %s  %-6s registered at #%u, measurement %s\n",
                w["worker"].get<std::string>().c_str(), w["role"].get<std::string>().c_str(),
                w["registered_at"].get<std::uint32_t>(),
                w["approved"].get<bool>() ? "approved" : "NOT approved");
  }
  return ok();
}

// ---- agent authorize / revoke / list ---------------------------------------------------------

Result<chain::SubmitOutcome> submit_vault(chain::ChainClient& client, const chain::KeyPair& signer,
                                          const std::string& call, const json& call_args) {
  Bytes encoded = EV_TRY(client.encode_call("VaultPointers", call, call_args));
  chain::SubmitOptions opts;
  auto out = EV_TRY(client.submit(signer, encoded, opts));
  if (!out.success) {
    return make_error(Errc::Failed, "VaultPointers." + call + " failed in block #" +
                                        std::to_string(out.block_number) + ": " +
                                        out.dispatch_error.value_or("no ExtrinsicSuccess event"));
  }
  return out;
}

Result<void> authorize_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(
      argv, {"url", "output", "suri", "suri-file", "scheme", "password", "services"}, {"write"}));
  if (args.positional.size() != 1) return make_error(Errc::Usage, "expected one AGENT");
  const bool json_out = EV_TRY(json_output_of(args));
  const ByteArray<32> agent = EV_TRY(parse_account(args.positional[0], "agent"));
  json services = json::array();
  if (auto list = args.get("services")) {
    std::size_t start = 0;
    while (start <= list->size()) {
      const std::size_t comma = std::min(list->find(',', start), list->size());
      const std::string name = EV_TRY(parse_service(list->substr(start, comma - start)));
      services.push_back(to_hex(as_bytes(name)));
      start = comma + 1;
    }
  }
  const chain::KeyPair wallet = EV_TRY(signer_of(args, "wallet"));
  auto client = EV_TRY(connect_node(args));
  const std::uint16_t prefix = client->info().ss58_prefix;
  const bool write = args.has("write");
  const char* access = write ? "ReadWrite" : "Read";
  auto out = EV_TRY(submit_vault(*client, wallet, "authorize_agent",
                                 json::array({to_hex(agent), services, access})));
  std::vector<std::string> names;
  for (const auto& s : services) {
    auto b = from_hex(s.get<std::string>());
    names.emplace_back(b->begin(), b->end());
  }
  if (json_out) {
    std::printf("%s\n", json({{"wallet", ss58(wallet.account_id(), prefix)},
                              {"agent", ss58(agent, prefix)},
                              {"services", names},
                              {"access", access},
                              {"block", out.block_number},
                              {"block_hash", to_hex(out.block_hash)}})
                            .dump()
                            .c_str());
    return ok();
  }
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ",") + n;
  std::printf("wallet %s authorized agent %s to %s %s in block #%llu\n",
              ss58(wallet.account_id(), prefix).c_str(), ss58(agent, prefix).c_str(),
              write ? "read and write" : "read", list.empty() ? "every service" : list.c_str(),
              static_cast<unsigned long long>(out.block_number));
  return ok();
}

Result<void> list_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "output", "suri", "suri-file", "scheme"}, {}));
  if (args.positional.size() > 1) return make_error(Errc::Usage, "expected at most one wallet");
  const bool json_out = EV_TRY(json_output_of(args));
  const ByteArray<32> wallet = EV_TRY(wallet_of(args));
  auto client = EV_TRY(connect_node(args));
  const std::uint16_t prefix = client->info().ss58_prefix;
  const auto grants = EV_TRY(read_grants(client->rpc(), wallet));
  if (json_out) {
    json j = json::array();
    for (const auto& g : grants) j.push_back(grant_json(g, prefix));
    std::printf("%s\n", j.dump().c_str());
    return ok();
  }
  std::printf("grants of wallet %s (%zu):\n", ss58(wallet, prefix).c_str(), grants.size());
  for (const auto& g : grants) print_grant(g, prefix);
  return ok();
}

// What the chain's events say about the old epoch after a revocation.
struct Follow {
  std::optional<vault::Epoch> new_epoch;
  std::uint64_t rotated_in = 0;
  std::uint64_t moved = 0;
  std::uint64_t removed = 0;
  std::optional<std::uint64_t> objects_deleted;
  std::string deletion_digest;
  std::uint64_t destroyed_in = 0;
};

std::uint64_t u64_of(const json& j, const char* name) {
  auto it = j.find(name);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : ~0ULL;
}

Result<void> revoke_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(
      argv, {"url", "output", "suri", "suri-file", "scheme", "password", "timeout"}, {"no-wait"}));
  if (args.positional.size() != 1) return make_error(Errc::Usage, "expected one AGENT");
  const bool json_out = EV_TRY(json_output_of(args));
  std::uint64_t timeout_secs = 900;
  if (auto t = args.get("timeout")) {
    auto v = u128_from_string(*t);
    if (!v.ok() || *v == 0 || *v > 7ULL * 24 * 3600) {
      return make_error(Errc::Usage, "--timeout '" + *t + "': expected 1..604800 seconds");
    }
    timeout_secs = static_cast<std::uint64_t>(*v);
  }
  const ByteArray<32> agent = EV_TRY(parse_account(args.positional[0], "agent"));
  const chain::KeyPair signer = EV_TRY(signer_of(args, "wallet"));
  const ByteArray<32> wallet = signer.account_id();
  auto client = EV_TRY(connect_node(args));
  const std::uint16_t prefix = client->info().ss58_prefix;
  auto& rpc = client->rpc();
  const std::string wallet_ss58 = ss58(wallet, prefix);
  const std::string agent_ss58 = ss58(agent, prefix);

  // The pallet would refuse these too (NoSuchGrant, AgentRevoked); asking first gives each its
  // own exit code and a sentence.
  auto grant_bytes = EV_TRY(read_one(rpc, vault::agents_key(wallet, agent)));
  if (!grant_bytes) {
    return make_error(Errc::NoSuchGrant,
                      "wallet " + wallet_ss58 + " has no grant for agent " + agent_ss58);
  }
  const auto grant = EV_TRY_CTX("Agents value", vault::decode_agent_grant(*grant_bytes));
  if (grant.revoked_at) {
    return make_error(Errc::AlreadyRevoked, "agent " + agent_ss58 + " was revoked at block #" +
                                                std::to_string(*grant.revoked_at));
  }
  std::optional<vault::EpochInfo> info;
  if (auto v = EV_TRY(read_one(rpc, vault::epochs_key(wallet)))) {
    info = EV_TRY_CTX("Epochs value", vault::decode_epoch_info(*v));
  }
  auto out = EV_TRY(submit_vault(*client, signer, "revoke_agent", json::array({to_hex(agent)})));
  const std::uint64_t revoked_in = out.block_number;
  json summary = {{"wallet", wallet_ss58},
                  {"agent", agent_ss58},
                  {"revoked_in", revoked_in},
                  {"block_hash", to_hex(out.block_hash)}};
  auto finish = [&](const std::string& text) -> Result<void> {
    if (json_out) {
      std::printf("%s\n", summary.dump().c_str());
    } else {
      std::printf("%s", text.c_str());
    }
    return ok();
  };
  const std::string revoked_line = "revoked agent " + agent_ss58 + " of wallet " + wallet_ss58 +
                                   " in block #" + std::to_string(revoked_in) + "\n";
  if (args.has("no-wait")) return finish(revoked_line);
  if (!info) {
    summary["note"] = "the wallet has no epoch: nothing was ever encrypted, nothing to rotate";
    return finish(revoked_line + "the wallet has no epoch yet: nothing to rotate\n");
  }
  const vault::Epoch old_epoch = info->current;
  summary["old_epoch"] = old_epoch;
  if (!json_out) {
    std::fprintf(stderr,
                 "%swaiting for the rotate worker: rotation away from epoch %u, sweep, "
                 "destruction (up to %llu s)\n",
                 revoked_line.c_str(), old_epoch, static_cast<unsigned long long>(timeout_secs));
  }

  Follow f;
  const auto deadline = Clock::now() + std::chrono::seconds(timeout_secs);
  std::uint64_t next = revoked_in;
  const bool tty = isatty(STDERR_FILENO) != 0;
  while (f.destroyed_in == 0) {
    auto best = EV_TRY(chain::rpc::chain_get_header(rpc));
    const std::uint64_t best_n = best ? best->number : 0;
    for (; next <= best_n && f.destroyed_in == 0; ++next) {
      auto hash = EV_TRY(chain::rpc::chain_get_block_hash(rpc, next));
      if (!hash) break;
      const std::uint64_t moved0 = f.moved;
      const std::uint64_t removed0 = f.removed;
      for (const auto& e : EV_TRY(client->events_at(*hash))) {
        if (e.pallet != "VaultPointers" || !e.value.is_object() ||
            e.value.value("wallet", std::string()) != wallet_ss58) {
          continue;
        }
        if (e.name == "EpochRotated" && u64_of(e.value, "from_epoch") == old_epoch) {
          f.new_epoch = static_cast<vault::Epoch>(u64_of(e.value, "to_epoch"));
          f.rotated_in = next;
          if (!json_out) {
            std::fprintf(stderr, "  block #%llu: rotated epoch %u -> %u\n",
                         static_cast<unsigned long long>(next), old_epoch, *f.new_epoch);
          }
        } else if (e.name == "BlobReencrypted" && u64_of(e.value, "from_epoch") == old_epoch) {
          ++f.moved;
        } else if (e.name == "BlobRemoved" && u64_of(e.value, "epoch") == old_epoch) {
          ++f.removed;
        } else if (e.name == "EpochDestroyed" && u64_of(e.value, "epoch") == old_epoch) {
          f.objects_deleted = u64_of(e.value, "objects_deleted");
          f.deletion_digest = e.value.value("deletion_digest", std::string());
          f.destroyed_in = next;
        }
      }
      if (!json_out && (f.moved != moved0 || f.removed != removed0)) {
        std::fprintf(stderr, "  block #%llu: %llu blob(s) moved, %llu removed so far\n",
                     static_cast<unsigned long long>(next),
                     static_cast<unsigned long long>(f.moved),
                     static_cast<unsigned long long>(f.removed));
      }
    }
    if (f.destroyed_in != 0) break;
    if (Clock::now() >= deadline) {
      const std::string where = "revoked in block #" + std::to_string(revoked_in) +
                                ", watched to block #" + std::to_string(best_n);
      if (!f.new_epoch) {
        return make_error(Errc::Timeout, "no rotation away from epoch " +
                                             std::to_string(old_epoch) + " within " +
                                             std::to_string(timeout_secs) + " s (" + where +
                                             "); is the rotate worker running?");
      }
      return make_error(Errc::Timeout,
                        "epoch " + std::to_string(old_epoch) + " rotated in block #" +
                            std::to_string(f.rotated_in) + " but not destroyed within " +
                            std::to_string(timeout_secs) + " s (" + std::to_string(f.moved) +
                            " moved, " + std::to_string(f.removed) + " removed; " + where + ")");
    }
    if (tty && !json_out) {
      std::fprintf(stderr, "\r  at block #%llu ...", static_cast<unsigned long long>(best_n));
      std::fflush(stderr);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  if (tty && !json_out) std::fprintf(stderr, "\r");
  summary["new_epoch"] = f.new_epoch ? json(*f.new_epoch) : json(nullptr);
  summary["rotated_in"] = f.rotated_in;
  summary["blobs_moved"] = f.moved;
  summary["blobs_removed"] = f.removed;
  summary["objects_deleted"] = f.objects_deleted.value_or(0);
  summary["deletion_digest"] = f.deletion_digest;
  summary["destroyed_in"] = f.destroyed_in;
  const std::string text =
      revoked_line + "rotated:   epoch " + std::to_string(old_epoch) + " -> " +
      (f.new_epoch ? std::to_string(*f.new_epoch) : std::string("?")) + " in block #" +
      std::to_string(f.rotated_in) + "\nswept:     " + std::to_string(f.moved) +
      " blob(s) moved to the new epoch, " + std::to_string(f.removed) +
      " of the revoked agent removed\ndestroyed: epoch " + std::to_string(old_epoch) +
      " in block #" + std::to_string(f.destroyed_in) + ", " +
      std::to_string(f.objects_deleted.value_or(0)) + " object(s) deleted (digest " +
      f.deletion_digest + "); its key is gone\n";
  return finish(text);
}

}  // namespace

void register_wallet_commands(std::vector<Command>& out) {
  out.push_back(
      {"wallet", "status", "a wallet's epochs, grants, blobs per service and epoch, workers",
       "epochvault wallet status [WALLET] [--url URL] [--output json]\n"
       "  WALLET: SS58 or 0x-hex (default: the account of --suri/--suri-file/$EPOCHVAULT_SURI)",
       status_cmd});
  out.push_back({"agent", "authorize",
                 "grant an agent the wallet's services (signed by the wallet)",
                 "epochvault agent authorize AGENT [--services a,b] [--write]\n"
                 "    [--suri SURI | --suri-file F] [--scheme sr25519|ed25519|ecdsa] [--url URL]\n"
                 "    [--output json]\n"
                 "  the agent reads every credential of the services, whoever wrote it; --write:\n"
                 "  it may also add, replace and delete them. No --services: every service; the\n"
                 "  secret URI may also come from $EPOCHVAULT_SURI or a prompt",
                 authorize_cmd});
  out.push_back(
      {"agent", "revoke", "revoke an agent and wait until its epoch is rotated, swept, destroyed",
       "epochvault agent revoke AGENT [--suri SURI | --suri-file F] [--scheme "
       "sr25519|ed25519|ecdsa]\n"
       "    [--url URL] [--no-wait] [--timeout SECONDS] [--output json]\n"
       "  exit codes: 0 done, 3 no such grant, 4 already revoked, 5 not done within --timeout\n"
       "  (default 900 s), 2 usage, 1 anything else",
       revoke_cmd});
  out.push_back({"agent", "list", "the grants of a wallet",
                 "epochvault agent list [WALLET] [--url URL] [--output json]", list_cmd});
}

}  // namespace ev::cli
