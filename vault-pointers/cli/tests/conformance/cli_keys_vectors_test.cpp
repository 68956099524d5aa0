// `epochvault key inspect` and `codec storage-key` give the shared vectors' answers.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../cli_run.hpp"

using ev::test::run_cli;
using nlohmann::json;

namespace {

json vectors() {
  auto path = ev::test::require_vectors("substrate/vectors.json");
  return json::parse(ev::test::read_file(path));
}

json inspect(const std::string& suri, const std::string& scheme, const std::string& network) {
  auto r = run_cli(
      {"key", "inspect", suri, "--scheme", scheme, "--network", network, "--output", "json"});
  INFO(suri << " " << scheme << ": " << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

// The secret URI that yields an entry: its label names //Alice derivations, else the seed.
std::string suri_of(const json& entry) {
  std::string label = entry["label"];
  return label.find("//Alice") != std::string::npos ? "//Alice" : std::string(entry["seed"]);
}

}  // namespace

TEST_CASE("cli vectors: key inspect gives every key entry's public key, account and addresses",
          "[cli][vectors]") {
  auto v = vectors();
  int checked = 0;
  for (const char* scheme : {"ed25519", "ecdsa"}) {
    const char* pk_field =
        std::string(scheme) == "ed25519" ? "public_key" : "public_key_compressed";
    for (const auto& e : v["keys"][scheme]) {
      for (const auto& [network, field] :
           {std::pair{"42", "ss58_42"}, std::pair{"0", "ss58_0"}, std::pair{"2", "ss58_2"}}) {
        if (!e.contains(field)) continue;
        for (const std::string& suri : {std::string(e["seed"]), suri_of(e)}) {
          auto j = inspect(suri, scheme, network);
          CHECK(j["publicKey"] == e[pk_field]);
          CHECK(j["accountId"] == e["account_id"]);
          CHECK(j["ss58Address"] == e[field]);
          CHECK(j["secretSeed"] == e["seed"]);
        }
        ++checked;
      }
      if (e.contains("ss58_42_of_raw_pubkey")) {
        CHECK(inspect(e["seed"], scheme, "42")["ss58PublicKey"] == e["ss58_42_of_raw_pubkey"]);
      }
    }
  }
  // 4 ed25519 entries x 3 networks + ecdsa entries x 2 networks each (as the file gives them).
  int expected = 0;
  for (const char* scheme : {"ed25519", "ecdsa"}) {
    for (const auto& e : v["keys"][scheme]) {
      expected += static_cast<int>(e.contains("ss58_42")) + static_cast<int>(e.contains("ss58_0")) +
                  static_cast<int>(e.contains("ss58_2"));
    }
  }
  CHECK(expected > 10);
  CHECK(checked == expected);
}

TEST_CASE("cli vectors: the dev phrase and //Alice inspect to the vectors' keys",
          "[cli][vectors]") {
  auto v = vectors();
  std::string phrase = v["keys"]["dev_phrase"];
  for (const auto& e : v["keys"]["ed25519"]) {
    std::string label = e["label"];
    if (label == "dev phrase (no path)") {
      CHECK(inspect(phrase, "ed25519", "42")["ss58Address"] == e["ss58_42"]);
    }
    if (label == "//Alice (dev phrase)") {
      CHECK(inspect(phrase + "//Alice", "ed25519", "42")["ss58Address"] == e["ss58_42"]);
    }
  }
}

TEST_CASE("cli vectors: codec storage-key gives the System.Account keys", "[cli][vectors]") {
  auto v = vectors();
  int checked = 0;
  for (const char* name : {"System_Account_Alice_sr25519", "System_Account_Alice_ed25519",
                           "System_Account_Alice_ecdsa"}) {
    const auto& e = v["storage_keys"][name];
    auto r = run_cli({"codec", "storage-key", "System", "Account", "--key",
                      "Blake2_128Concat:" + std::string(e["account_id"])});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == std::string(e["key"]) + "\n");
    ++checked;
  }
  for (const char* name : {"System_BlockHash_block_0", "System_BlockHash_block_1"}) {
    const auto& e = v["storage_keys"][name];
    std::uint32_t n = e["key_u32"];
    char le[16];
    std::snprintf(le, sizeof le, "0x%02x%02x%02x%02x", n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff,
                  n >> 24);
    auto r = run_cli({"codec", "storage-key", "System", "BlockHash", "--key",
                      std::string("twox64concat:") + le});
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == std::string(e["key"]) + "\n");
    ++checked;
  }
  auto events = run_cli({"codec", "storage-key", "System", "Events"});
  CHECK(events.out == std::string(v["storage_keys"]["System_Events"]) + "\n");
  CHECK(checked == 5);
}
