// `epochvault key ...`: subkey-style key tools (generate, inspect, sign, verify).
// JSON output uses subkey's field names.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/ss58.hpp"
#include "ev/common/bytes.hpp"

namespace ev::cli {
namespace {

constexpr std::uint16_t kDefaultNetwork = 42;

// sr25519 unless --scheme says otherwise, as subkey.
Result<chain::Scheme> scheme_of(const Args& args) {
  auto name = args.get("scheme");
  if (!name) return chain::Scheme::Sr25519;
  return chain::parse_scheme(*name);
}

Result<std::uint16_t> network_of(const Args& args) {
  auto text = args.get("network");
  if (!text) return kDefaultNetwork;
  auto v = u128_from_string(*text);
  if (!v.ok() || *v > chain::kSs58MaxPrefix) {
    return make_error(Errc::BadInput, "--network '" + *text + "': expected an SS58 prefix 0-16383");
  }
  return static_cast<std::uint16_t>(*v);
}

Result<bool> json_output(const Args& args) {
  auto out = args.get_or("output", "text");
  if (out != "text" && out != "json") {
    return make_error(Errc::BadInput, "--output '" + out + "': expected text or json");
  }
  return out == "json";
}

std::string network_id(std::uint16_t prefix) {
  return prefix == kDefaultNetwork ? "substrate" : std::to_string(prefix);
}

// Prints what subkey prints for a key: the secret (when known), public key, account id and the
// SS58 forms. `phrase` is shown only for generated keys. An sr25519 key reached through a soft
// junction has no seed: "n/a", as subkey prints.
Result<void> print_key(const chain::KeyPair* pair, chain::Scheme scheme, const Bytes& public_key,
                       std::uint16_t network, bool json, const std::string& phrase,
                       const std::string& uri) {
  auto account = EV_TRY(chain::account_id_of(scheme, public_key));
  auto address = EV_TRY(chain::ss58_encode(account, network));
  auto ss58_public = EV_TRY(chain::ss58_encode(public_key, network));
  std::string seed;
  if (pair != nullptr) seed = pair->has_seed() ? to_hex(pair->seed().view()) : "n/a";
  if (json) {
    nlohmann::json j;
    if (!phrase.empty()) j["secretPhrase"] = phrase;
    if (pair != nullptr) j["secretSeed"] = seed;
    j["networkId"] = network_id(network);
    j["publicKey"] = to_hex(public_key);
    j["accountId"] = to_hex(account);
    j["ss58PublicKey"] = ss58_public;
    j["ss58Address"] = address;
    std::printf("%s\n", j.dump(2).c_str());
    return ok();
  }
  if (!phrase.empty()) {
    std::printf("Secret phrase:       %s\n", phrase.c_str());
  } else if (!uri.empty()) {
    std::printf("Secret Key URI `%s` is account:\n", uri.c_str());
  } else {
    std::printf("Public key `%s` is account:\n", to_hex(public_key).c_str());
  }
  std::printf("  Network ID:        %s\n", network_id(network).c_str());
  if (pair != nullptr) std::printf("  Secret seed:       %s\n", seed.c_str());
  std::printf("  Public key (hex):  %s\n", to_hex(public_key).c_str());
  std::printf("  Account ID:        %s\n", to_hex(account).c_str());
  std::printf("  Public key (SS58): %s\n", ss58_public.c_str());
  std::printf("  SS58 Address:      %s\n", address.c_str());
  return ok();
}

Result<void> generate_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"scheme", "network", "output", "words"}, {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "unexpected argument");
  auto scheme = EV_TRY(scheme_of(args));
  auto network = EV_TRY(network_of(args));
  bool json = EV_TRY(json_output(args));
  auto words = EV_TRY_CTX("--words", u128_from_string(args.get_or("words", "12")));
  auto phrase = EV_TRY(chain::generate_mnemonic(static_cast<std::size_t>(words)));
  auto pair = EV_TRY(chain::from_suri(scheme, phrase));
  return print_key(&pair, scheme, pair.public_key(), network, json, phrase, {});
}

// An account (SS58 under any network, or 0x + 64 hex digits) in both forms; no scheme needed.
Result<void> print_account(const ByteArray<32>& account, std::uint16_t network, bool json) {
  auto address = EV_TRY(chain::ss58_encode(account, network));
  if (json) {
    nlohmann::json j = {{"networkId", network_id(network)},
                        {"accountId", to_hex(account)},
                        {"ss58Address", address}};
    std::printf("%s\n", j.dump(2).c_str());
    return ok();
  }
  std::printf("Account:\n");
  std::printf("  Network ID:        %s\n", network_id(network).c_str());
  std::printf("  Account ID:        %s\n", to_hex(account).c_str());
  std::printf("  SS58 Address:      %s\n", address.c_str());
  return ok();
}

Result<void> inspect_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"scheme", "network", "output", "password"}, {"public"}));
  if (args.positional.size() != 1) {
    return make_error(Errc::Usage, "expected one <suri> (or a public key with --public)");
  }
  // An SS58 address is never a secret URI; 0x + 64 hex digits is an account unless a scheme
  // says it is a seed.
  if (!args.has("public")) {
    const std::string& text = args.positional[0];
    const bool hex = text.rfind("0x", 0) == 0;
    if (!hex || !args.has("scheme")) {
      if (auto account = chain::parse_account_id(text)) {
        return print_account(*account, EV_TRY(network_of(args)), EV_TRY(json_output(args)));
      }
    }
  }
  auto scheme = EV_TRY(scheme_of(args));
  auto network = EV_TRY(network_of(args));
  bool json = EV_TRY(json_output(args));
  const std::string& input = args.positional[0];
  if (args.has("public")) {
    auto public_key = EV_TRY_CTX("public key", from_hex(input));
    return print_key(nullptr, scheme, public_key, network, json, {}, {});
  }
  std::optional<std::string_view> password;
  auto pw = args.get("password");
  if (pw) password = *pw;
  auto pair = EV_TRY(chain::from_suri(scheme, input, password));
  return print_key(&pair, scheme, pair.public_key(), network, json, {}, input);
}

Result<Bytes> message_of(const Args& args) {
  auto msg = args.get("message");
  if (!msg) return make_error(Errc::Usage, "--message <0xhex> is required");
  return EV_TRY_CTX("--message", from_hex(*msg));
}

Result<void> sign_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"scheme", "suri", "message", "password"}, {}));
  if (!args.positional.empty()) return make_error(Errc::Usage, "unexpected argument");
  auto scheme = EV_TRY(scheme_of(args));
  auto suri = args.get("suri");
  if (!suri) return make_error(Errc::Usage, "--suri <secret uri> is required");
  auto message = EV_TRY(message_of(args));
  std::optional<std::string_view> password;
  auto pw = args.get("password");
  if (pw) password = *pw;
  auto pair = EV_TRY(chain::from_suri(scheme, *suri, password));
  auto sig = EV_TRY(pair.sign(message));
  std::printf("%s\n", to_hex(sig).c_str());
  return ok();
}

// The signer may be given as a public key (0x-hex) or, for sr25519 and ed25519 whose account id
// is the public key, as an SS58 address.
Result<void> verify_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"scheme", "message"}, {}));
  if (args.positional.size() != 2) {
    return make_error(Errc::Usage, "expected <0xsignature> <public key or address>");
  }
  auto scheme = EV_TRY(scheme_of(args));
  auto message = EV_TRY(message_of(args));
  auto sig = EV_TRY_CTX("signature", from_hex(args.positional[0]));
  const std::string& who = args.positional[1];
  if (who.rfind("0x", 0) == 0 && who.size() != 66) {
    auto public_key = EV_TRY_CTX("public key", from_hex(who));
    EV_TRY(chain::verify(scheme, public_key, message, sig));
  } else {
    auto account = EV_TRY_CTX("account", chain::parse_account_id(who));
    EV_TRY(chain::verify_for_account(scheme, account, message, sig));
  }
  std::printf("Signature verifies correctly.\n");
  return ok();
}

}  // namespace

// --scheme defaults to sr25519 in every key command.
void register_key_commands(std::vector<Command>& out) {
  out.push_back({"key", "generate", "generate a key with a new BIP39 phrase",
                 "epochvault key generate --scheme sr25519|ed25519|ecdsa [--words 12|15|18|21|24]\n"
                 "  [--network <ss58 prefix>] [--output text|json]",
                 generate_cmd});
  out.push_back(
      {"key", "inspect", "show the public key, account id and address of a secret URI",
       "epochvault key inspect <suri> --scheme sr25519|ed25519|ecdsa [--password <pw>]\n"
       "  [--network <ss58 prefix>] [--output text|json]\n"
       "epochvault key inspect <0xpublic key> --public --scheme sr25519|ed25519|ecdsa ...\n"
       "epochvault key inspect <SS58 address | 0x account id> [--network <prefix>]\n"
       "  an account in both forms (no --scheme: 0x + 64 hex digits is an account)",
       inspect_cmd});
  out.push_back(
      {"key", "sign", "sign a hex message (ecdsa signs its blake2_256; sr25519 is randomised)",
       "epochvault key sign --suri <suri> --scheme sr25519|ed25519|ecdsa --message <0xhex>",
       sign_cmd});
  out.push_back({"key", "verify", "verify a signature over a hex message",
                 "epochvault key verify <0xsignature> <0xpublic key | account (SS58 or 0x 32 "
                 "bytes)> --scheme sr25519|ed25519|ecdsa --message <0xhex>",
                 verify_cmd});
}

}  // namespace ev::cli
