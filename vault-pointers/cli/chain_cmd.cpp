// `epochvault chain ...`: talk to any Polkadot-SDK node (the dev node, a parachain node,
// Chopsticks) through its metadata: runtime facts, signed calls, storage and events.
// Output: human text by default, JSON with --output json (storage and events print one JSON
// document per line). The node URL comes from --url, else $EPOCHVAULT_URL (default
// ws://127.0.0.1:9944); the signer's secret URI from --suri, --suri-file, $EPOCHVAULT_SURI or a
// prompt.
#include <charconv>
#include <cstdio>
#include <string>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/ss58.hpp"
#include "input.hpp"

namespace ev::cli {
namespace {

Result<std::unique_ptr<chain::ChainClient>> connect(const Args& args) { return connect_node(args); }

Result<bool> json_output(const Args& args) {
  const std::string out = args.get_or("output", "text");
  if (out != "text" && out != "json") {
    return make_error(Errc::Usage, "--output '" + out + "': expected text or json");
  }
  return out == "json";
}

Result<std::uint64_t> number_option(const Args& args, const std::string& name,
                                    std::uint64_t fallback) {
  auto v = args.get(name);
  if (!v) return fallback;
  std::uint64_t n = 0;
  const char* end = v->data() + v->size();
  auto [p, ec] = std::from_chars(v->data(), end, n);
  if (ec != std::errc() || p != end || v->empty()) {
    return make_error(Errc::BadInput, "--" + name + " '" + *v + "': expected a whole number");
  }
  return n;
}

nlohmann::json event_json(const chain::EventRecord& e) {
  nlohmann::json j;
  j["pallet"] = e.pallet;
  j["name"] = e.name;
  j["fields"] = e.value;
  switch (e.phase) {
    case chain::EventRecord::Phase::ApplyExtrinsic: j["extrinsic"] = e.extrinsic_index; break;
    case chain::EventRecord::Phase::Finalization: j["phase"] = "finalization"; break;
    case chain::EventRecord::Phase::Initialization: j["phase"] = "initialization"; break;
  }
  if (!e.topics.empty()) {
    j["topics"] = nlohmann::json::array();
    for (const auto& t : e.topics) j["topics"].push_back(to_hex(t));
  }
  return j;
}

// Sudo.RequireSudo: which account is the sudo key (a chain may hold the same SURI under two
// schemes, e.g. the dev chain's //Alice ed25519 and //Alice ecdsa, only one of which is sudo).
std::string sudo_hint(chain::ChainClient& client, const std::optional<std::string>& error,
                      const chain::KeyPair& signer) {
  if (error != std::optional<std::string>("Sudo.RequireSudo")) return {};
  auto key = client.storage("Sudo", "Key", nlohmann::json::array());
  if (!key || !key->has_value() || !(**key).is_string()) return {};
  auto signer_ss58 = chain::ss58_encode(signer.account_id(), client.info().ss58_prefix);
  std::string hint = " (the sudo key is " + (**key).get<std::string>() +
                     "; this call was signed by " +
                     (signer_ss58 ? *signer_ss58 : std::string("?")) + " (" +
                     std::string(chain::scheme_name(signer.scheme())) + ")";
  if (client.info().version.spec_name == "epochvault-dev") {
    hint += "; on the dev chain sudo is //Alice with --scheme ecdsa, not ed25519";
  }
  return hint + ")";
}

Result<void> info_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "output"}, {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "chain info takes no arguments");
  const bool json = EV_TRY(json_output(args));
  auto client = EV_TRY(connect(args));
  const chain::ChainInfo info = client->info();
  auto md = client->metadata();
  nlohmann::json pallets = nlohmann::json::array();
  for (const auto& p : md->pallets) pallets.push_back({{"name", p.name}, {"index", p.index}});
  if (json) {
    nlohmann::json j = {{"chain", info.chain},
                        {"genesisHash", to_hex(info.genesis_hash)},
                        {"specName", info.version.spec_name},
                        {"specVersion", info.version.spec_version},
                        {"transactionVersion", info.version.transaction_version},
                        {"metadataVersion", info.metadata_version},
                        {"ss58Prefix", info.ss58_prefix},
                        {"pallets", pallets}};
    std::printf("%s\n", j.dump().c_str());
    return ok();
  }
  std::printf("chain:               %s\n", info.chain.c_str());
  std::printf("genesis hash:        %s\n", to_hex(info.genesis_hash).c_str());
  std::printf("runtime:             %s, spec version %u\n", info.version.spec_name.c_str(),
              info.version.spec_version);
  std::printf("transaction version: %u\n", info.version.transaction_version);
  std::printf("metadata version:    %u\n", static_cast<unsigned>(info.metadata_version));
  std::printf("ss58 prefix:         %u\n", static_cast<unsigned>(info.ss58_prefix));
  std::printf("pallets (%zu):\n", md->pallets.size());
  for (const auto& p : md->pallets) {
    std::printf("  %3u %s\n", static_cast<unsigned>(p.index), p.name.c_str());
  }
  return ok();
}

Result<void> call_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(
      argv, {"url", "suri", "suri-file", "scheme", "wait", "output", "period", "tip", "password"},
      {"immortal"}));
  if (args.positional.size() < 2 || args.positional.size() > 3) {
    return make_error(Errc::Usage, "expected <Pallet> <call> ['<json args>'] (see --help)");
  }
  const bool json = EV_TRY(json_output(args));
  auto scheme_name = args.get("scheme");
  if (!scheme_name) return make_error(Errc::Usage, "--scheme sr25519|ed25519|ecdsa is required");
  const chain::Scheme scheme = EV_TRY(chain::parse_scheme(*scheme_name));
  std::optional<std::string_view> password;
  auto pw = args.get("password");
  if (pw) password = *pw;
  const SecretUri suri = EV_TRY(secret_uri(args, "signer"));
  const chain::KeyPair signer =
      EV_TRY_CTX("--suri", chain::from_suri(scheme, suri.view(), password));

  chain::SubmitOptions opts;
  const std::string wait = args.get_or("wait", "inblock");
  if (wait == "inblock") {
    opts.wait = chain::rpc::TxWait::InBlock;
  } else if (wait == "finalized") {
    opts.wait = chain::rpc::TxWait::Finalized;
  } else {
    return make_error(Errc::Usage, "--wait '" + wait + "': expected inblock or finalized");
  }
  opts.immortal = args.has("immortal");
  opts.period = EV_TRY(number_option(args, "period", 64));
  opts.tip = EV_TRY(number_option(args, "tip", 0));

  nlohmann::json call_args = nlohmann::json::array();
  if (args.positional.size() == 3) {
    call_args = nlohmann::json::parse(args.positional[2], nullptr, false);
    if (call_args.is_discarded() || !(call_args.is_array() || call_args.is_object())) {
      return make_error(Errc::BadInput,
                        "call arguments must be a JSON array (positional) or object (by name)");
    }
  }
  auto client = EV_TRY(connect(args));
  call_args = EV_TRY(
      prepare_call_args(*client->metadata(), args.positional[0], args.positional[1], call_args));
  Bytes call = EV_TRY(client->encode_call(args.positional[0], args.positional[1], call_args));
  if (!json) {
    opts.on_status = [](const chain::TxStatus& s) {
      std::fprintf(stderr, "status: %s\n", std::string(chain::tx_status_name(s)).c_str());
    };
  }
  chain::SubmitOutcome out = EV_TRY(client->submit(signer, call, opts));
  if (json) {
    nlohmann::json events = nlohmann::json::array();
    for (const auto& e : out.events) events.push_back(event_json(e));
    nlohmann::json j = {{"extrinsicHash", to_hex(out.extrinsic_hash)},
                        {"blockHash", to_hex(out.block_hash)},
                        {"blockNumber", out.block_number},
                        {"extrinsicIndex", out.extrinsic_index},
                        {"nonce", out.nonce},
                        {"success", out.success},
                        {"events", events}};
    if (out.dispatch_error) j["error"] = *out.dispatch_error;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("extrinsic: %s\n", to_hex(out.extrinsic_hash).c_str());
    std::printf("block:     #%llu %s (extrinsic %u)\n",
                static_cast<unsigned long long>(out.block_number), to_hex(out.block_hash).c_str(),
                out.extrinsic_index);
    std::printf("result:    %s\n",
                out.success ? "success" : ("failed: " + out.dispatch_error.value_or("?")).c_str());
    for (const auto& e : out.events) {
      std::printf("event:     %s.%s %s\n", e.pallet.c_str(), e.name.c_str(),
                  humanize_event(*client->metadata(), e.pallet, e.name, e.value).dump().c_str());
    }
  }
  if (!out.success) {
    return make_error(Errc::Failed, "dispatch failed: " +
                                        out.dispatch_error.value_or("no ExtrinsicSuccess event") +
                                        sudo_hint(*client, out.dispatch_error, signer));
  }
  return ok();
}

Result<void> events_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "from", "to", "pallet", "output"}, {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "chain events takes no arguments");
  const bool raw = EV_TRY(json_output(args));
  auto client = EV_TRY(connect(args));
  auto md = client->metadata();
  auto best = EV_TRY(chain::rpc::chain_get_header(client->rpc()));
  if (!best) return make_error(Errc::Failed, "the node has no best block");
  const std::uint64_t to = EV_TRY(number_option(args, "to", best->number));
  const std::uint64_t from = EV_TRY(number_option(args, "from", to));
  if (from > to) return make_error(Errc::Usage, "--from is after --to");
  const std::string pallet = args.get_or("pallet", "");
  for (std::uint64_t n = from; n <= to; ++n) {
    auto hash = EV_TRY(chain::rpc::chain_get_block_hash(client->rpc(), n));
    if (!hash) return make_error(Errc::Failed, "no block #" + std::to_string(n));
    auto events = EV_TRY_CTX("block #" + std::to_string(n), client->events_at(*hash));
    for (std::size_t i = 0; i < events.size(); ++i) {
      if (!pallet.empty() && events[i].pallet != pallet) continue;
      nlohmann::json j = event_json(events[i]);
      if (!raw) j["fields"] = humanize_event(*md, events[i].pallet, events[i].name, j["fields"]);
      j["block"] = n;
      j["blockHash"] = to_hex(*hash);
      j["index"] = i;
      std::printf("%s\n", j.dump().c_str());
    }
  }
  return ok();
}

}  // namespace

void register_chain_commands(std::vector<Command>& out) {
  out.push_back({"chain", "info", "chain, genesis, runtime and metadata versions, pallets",
                 "epochvault chain info [--url URL] [--output json]\n"
                 "  URL: http://, https://, ws:// or wss:// (default ws://127.0.0.1:9944)",
                 info_cmd});
  out.push_back(
      {"chain", "call", "sign a call with our code, submit it, wait and print its events",
       "epochvault chain call <Pallet> <call> ['<json args>'] --scheme sr25519|ed25519|ecdsa\n"
       "    [--suri SURI | --suri-file FILE] (else $EPOCHVAULT_SURI, else asked on a terminal)\n"
       "    [--url URL] [--wait inblock|finalized] [--immortal] [--period N] [--tip N]\n"
       "    [--password P] [--output json]\n"
       "  names as in the runtime metadata (System remark_with_event); args: a JSON array\n"
       "  (positional) or object (by name); accounts as SS58 or 0x-hex; bytes as 0x-hex or text\n"
       "  (\"github.com\"); blob ids as UUIDs; exit 1 if dispatch fails",
       call_cmd});
  register_chain_read_commands(out);
  out.push_back({"chain", "events", "decoded events of a block range, one JSON line each",
                 "epochvault chain events [--url URL] [--from N] [--to M] [--pallet P]\n"
                 "    [--output json]\n"
                 "  default: the best block only; service names as text, blob ids as UUIDs\n"
                 "  (--output json: as the codec prints them, hex)",
                 events_cmd});
}

}  // namespace ev::cli
