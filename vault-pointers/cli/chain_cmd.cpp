// `epochvault chain ...`: talk to any Polkadot-SDK node (the dev node, a parachain node,
// Chopsticks) through its metadata: runtime facts, signed calls, storage and events.
// Output: human text by default, JSON with --output json (storage and events print one JSON
// document per line). The node URL comes from --url (default ws://127.0.0.1:9944).
#include <charconv>
#include <cstdio>
#include <string>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/chain/keys.hpp"

namespace ev::cli {
namespace {

constexpr const char* kDefaultUrl = "ws://127.0.0.1:9944";

Result<std::unique_ptr<chain::ChainClient>> connect(const Args& args) {
  const std::string url = args.get_or("url", kDefaultUrl);
  return EV_TRY_CTX(url, chain::ChainClient::connect(url));
}

Result<bool> json_output(const Args& args) {
  const std::string out = args.get_or("output", "text");
  if (out != "text" && out != "json") {
    return make_error(Errc::Usage, "--output '" + out + "': expected text or json");
  }
  return out == "json";
}

// A positional JSON argument; a bare word that is not JSON (an SS58 address, a name) is taken
// as a JSON string.
nlohmann::json json_arg(const std::string& text) {
  auto v = nlohmann::json::parse(text, nullptr, false);
  if (v.is_discarded()) return nlohmann::json(text);
  return v;
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
  auto args = EV_TRY(
      parse_args(argv, {"url", "suri", "scheme", "wait", "output", "period", "tip", "password"},
                 {"immortal"}));
  if (args.positional.size() < 2 || args.positional.size() > 3) {
    return make_error(Errc::Usage, "expected <Pallet> <call> ['<json args>'] (see --help)");
  }
  const bool json = EV_TRY(json_output(args));
  auto suri = args.get("suri");
  if (!suri) return make_error(Errc::Usage, "--suri is required (the signer's secret URI)");
  auto scheme_name = args.get("scheme");
  if (!scheme_name) return make_error(Errc::Usage, "--scheme sr25519|ed25519|ecdsa is required");
  const chain::Scheme scheme = EV_TRY(chain::parse_scheme(*scheme_name));
  std::optional<std::string_view> password;
  auto pw = args.get("password");
  if (pw) password = *pw;
  const chain::KeyPair signer = EV_TRY_CTX("--suri", chain::from_suri(scheme, *suri, password));

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
                  e.value.dump().c_str());
    }
  }
  if (!out.success) {
    return make_error(Errc::Failed, "dispatch failed: " +
                                        out.dispatch_error.value_or("no ExtrinsicSuccess event"));
  }
  return ok();
}

Result<void> storage_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "at"}, {}));
  if (args.positional.size() < 2) {
    return make_error(Errc::Usage, "expected <Pallet> <Item> [keys...] (see --help)");
  }
  nlohmann::json keys = nlohmann::json::array();
  for (std::size_t i = 2; i < args.positional.size(); ++i) {
    keys.push_back(json_arg(args.positional[i]));
  }
  std::optional<chain::H256> at;
  if (auto a = args.get("at")) at = EV_TRY_CTX("--at", from_hex_fixed<32>(*a));
  auto client = EV_TRY(connect(args));
  auto value = EV_TRY(client->storage(args.positional[0], args.positional[1], keys, at));
  std::printf("%s\n", value ? value->dump().c_str() : "null");
  return ok();
}

Result<void> events_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "from", "to", "pallet"}, {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "chain events takes no arguments");
  auto client = EV_TRY(connect(args));
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
       "epochvault chain call <Pallet> <call> ['<json args>'] --suri SURI --scheme "
       "sr25519|ed25519|ecdsa\n"
       "    [--url URL] [--wait inblock|finalized] [--immortal] [--period N] [--tip N]\n"
       "    [--password P] [--output json]\n"
       "  names as in the runtime metadata (System remark_with_event); args: a JSON array\n"
       "  (positional) or object (by name); accounts as SS58 or 0x-hex; exit 1 if dispatch fails",
       call_cmd});
  out.push_back({"chain", "storage", "read a storage value by pallet and item name (JSON)",
                 "epochvault chain storage <Pallet> <Item> [key...] [--url URL] [--at 0xHASH]\n"
                 "  each key is JSON (42, \"0x..\", [1,2]); a bare word is a string (SS58)",
                 storage_cmd});
  out.push_back({"chain", "events", "decoded events of a block range, one JSON line each",
                 "epochvault chain events [--url URL] [--from N] [--to M] [--pallet P]\n"
                 "  default: the best block only",
                 events_cmd});
}

}  // namespace ev::cli
