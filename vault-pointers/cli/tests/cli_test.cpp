#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"

using ev::test::run_cli;

namespace {

// Bad input: exit code != 0 and exactly one line on stderr.
void require_one_line_error(const ev::test::CliResult& r, const std::string& needle) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.out.empty());
  REQUIRE(!r.err.empty());
  CHECK(r.err.find('\n') == r.err.size() - 1);
  CHECK(r.err.find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("cli: --help lists the key and codec commands", "[cli]") {
  auto r = run_cli({"--help"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("key inspect") != std::string::npos);
  CHECK(r.out.find("codec storage-key") != std::string::npos);
}

TEST_CASE("cli: bad input gives one clear stderr line and a non-zero exit", "[cli]") {
  require_one_line_error(run_cli({"nope"}), "unknown command");
  require_one_line_error(run_cli({"key", "inspect", "//Alice", "--scheme", "rsa"}), "rsa");
  require_one_line_error(run_cli({"key", "inspect", "//Alice/"}), "empty soft junction");
  require_one_line_error(run_cli({"key", "inspect", "//Alice/soft", "--scheme", "ed25519"}),
                         "soft derivation");
  require_one_line_error(run_cli({"key", "inspect", "0x1234", "--scheme", "ecdsa"}), "seed");
  require_one_line_error(
      run_cli({"key", "inspect", "//Alice", "--scheme", "ecdsa", "--network", "46"}), "46");
  require_one_line_error(
      run_cli({"key", "inspect", "//Alice", "--scheme", "ecdsa", "--network", "16384"}), "16384");
  require_one_line_error(run_cli({"key", "inspect", "//Alice", "--scheme", "ecdsa", "--bogus"}),
                         "unknown option --bogus");
  require_one_line_error(run_cli({"codec", "storage-key", "System"}), "<Pallet> <Item>");
  require_one_line_error(run_cli({"codec", "storage-key", "System", "Account", "--key", "x:0x00"}),
                         "unknown storage hasher");
  require_one_line_error(
      run_cli({"codec", "storage-key", "System", "Account", "--key", "identity:0xzz"}), "hex");
}

TEST_CASE("cli: key sign then verify round-trips, and a changed message fails", "[cli]") {
  for (const char* scheme : {"sr25519", "ed25519", "ecdsa"}) {
    auto info = run_cli({"key", "inspect", "//Bob", "--scheme", scheme, "--output", "json"});
    REQUIRE(info.exit_code == 0);
    auto j = nlohmann::json::parse(info.out);
    auto sig = run_cli({"key", "sign", "--suri", "//Bob", "--scheme", scheme, "--message", "0x01"});
    REQUIRE(sig.exit_code == 0);
    std::string s = sig.out.substr(0, sig.out.size() - 1);
    std::string pk = j["publicKey"];
    std::string address = j["ss58Address"];
    CHECK(run_cli({"key", "verify", s, pk, "--scheme", scheme, "--message", "0x01"}).exit_code ==
          0);
    CHECK(
        run_cli({"key", "verify", s, address, "--scheme", scheme, "--message", "0x01"}).exit_code ==
        0);
    require_one_line_error(
        run_cli({"key", "verify", s, pk, "--scheme", scheme, "--message", "0x02"}), "signature");
  }
}

TEST_CASE("cli: the key commands default to sr25519, as subkey", "[cli]") {
  auto info = run_cli({"key", "inspect", "//Alice", "--output", "json"});
  REQUIRE(info.exit_code == 0);
  auto j = nlohmann::json::parse(info.out);
  // Alice's sr25519 key, as subkey and polkadot-js print it.
  CHECK(j["publicKey"] == "0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d");
  CHECK(j["ss58Address"] == "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
  CHECK(j["secretSeed"] != "n/a");
  auto explicit_scheme =
      run_cli({"key", "inspect", "//Alice", "--scheme", "sr25519", "--output", "json"});
  CHECK(nlohmann::json::parse(explicit_scheme.out) == j);

  // A soft junction leaves no seed: "n/a", as subkey prints.
  auto soft = run_cli({"key", "inspect", "//Alice/soft", "--output", "json"});
  REQUIRE(soft.exit_code == 0);
  auto k = nlohmann::json::parse(soft.out);
  CHECK(k["secretSeed"] == "n/a");
  CHECK(k["publicKey"] != j["publicKey"]);

  auto sig = run_cli({"key", "sign", "--suri", "//Alice", "--message", "0x0102"});
  REQUIRE(sig.exit_code == 0);
  const std::string s = sig.out.substr(0, sig.out.size() - 1);
  CHECK(run_cli({"key", "verify", s, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
                 "--message", "0x0102"})
            .exit_code == 0);
  require_one_line_error(
      run_cli({"key", "verify", s, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY", "--scheme",
               "ed25519", "--message", "0x0102"}),
      "signature");

  auto gen = run_cli({"key", "generate", "--output", "json"});
  REQUIRE(gen.exit_code == 0);
  auto g = nlohmann::json::parse(gen.out);
  auto again =
      run_cli({"key", "inspect", g["secretPhrase"].get<std::string>(), "--output", "json"});
  CHECK(nlohmann::json::parse(again.out)["publicKey"] == g["publicKey"]);
}

TEST_CASE("cli: key generate makes a phrase that inspects to the same key", "[cli]") {
  auto gen = run_cli({"key", "generate", "--scheme", "ecdsa", "--output", "json", "--words", "24"});
  REQUIRE(gen.exit_code == 0);
  auto j = nlohmann::json::parse(gen.out);
  std::string phrase = j["secretPhrase"];
  CHECK(std::count(phrase.begin(), phrase.end(), ' ') == 23);
  auto again = run_cli({"key", "inspect", phrase, "--scheme", "ecdsa", "--output", "json"});
  REQUIRE(again.exit_code == 0);
  auto k = nlohmann::json::parse(again.out);
  CHECK(k["publicKey"] == j["publicKey"]);
  CHECK(k["ss58Address"] == j["ss58Address"]);
}

TEST_CASE("cli: key inspect converts an account between SS58 and hex without a scheme", "[cli]") {
  // //Charlie ed25519 (its account id is its public key).
  const std::string ss58 = "5DbKjhNLpqX3zqZdNBc9BGb4fHU1cRBaDhJUskrvkwfraDi6";
  const std::string hex = "0x439660b36c6c03afafca027b910b4fecf99801834c62a5e6006f27d978de234f";
  auto a = run_cli({"key", "inspect", ss58, "--output", "json"});
  REQUIRE(a.exit_code == 0);
  CHECK(nlohmann::json::parse(a.out)["accountId"] == hex);
  auto b = run_cli({"key", "inspect", hex, "--output", "json"});
  REQUIRE(b.exit_code == 0);
  CHECK(nlohmann::json::parse(b.out)["ss58Address"] == ss58);
  auto c = run_cli({"key", "inspect", hex, "--network", "0", "--output", "json"});
  REQUIRE(c.exit_code == 0);
  CHECK(nlohmann::json::parse(c.out)["ss58Address"] != ss58);
  // With --scheme, 0x + 64 hex digits is still a seed.
  auto d = run_cli({"key", "inspect", hex, "--scheme", "ed25519", "--output", "json"});
  REQUIRE(d.exit_code == 0);
  CHECK(nlohmann::json::parse(d.out).contains("secretSeed"));
}

TEST_CASE("cli: user commands refuse bad input before touching a node", "[cli]") {
  // No secret URI anywhere and stdin is not a terminal: a usage error naming the ways to give one.
  auto r = run_cli({"agent", "revoke", "5DbKjhNLpqX3zqZdNBc9BGb4fHU1cRBaDhJUskrvkwfraDi6"});
  require_one_line_error(r, "--suri-file");
  CHECK(r.exit_code == 2);
  require_one_line_error(run_cli({"agent", "revoke", "nobody", "--suri", "//Dave"}),
                         "agent 'nobody'");
  require_one_line_error(
      run_cli({"agent", "authorize", "5DbKjhNLpqX3zqZdNBc9BGb4fHU1cRBaDhJUskrvkwfraDi6", "--suri",
               "//Dave", "--services", "mail,GitHub"}),
      "service 'GitHub'");
  require_one_line_error(
      run_cli({"agent", "authorize", "5DbKjhNLpqX3zqZdNBc9BGb4fHU1cRBaDhJUskrvkwfraDi6",
               "--suri-file", "/nonexistent/suri"}),
      "cannot be read");
  require_one_line_error(
      run_cli({"agent", "revoke", "5DbKjhNLpqX3zqZdNBc9BGb4fHU1cRBaDhJUskrvkwfraDi6", "--suri",
               "//Dave", "--timeout", "0"}),
      "--timeout");
  require_one_line_error(run_cli({"wallet", "status"}), "name the wallet");
}

TEST_CASE("cli: mirror verify on a missing file refuses, says to sync, and creates nothing",
          "[cli]") {
  ev::test::TempDir dir;
  const auto db = dir.path() / "missing.db";
  // The refusal comes before any connection: no node is needed (the URL is never dialled).
  const auto r = run_cli({"mirror", "verify", "--db", db.string(), "--url", "ws://127.0.0.1:1"});
  require_one_line_error(r, "mirror sync");
  CHECK(r.err.find("no mirror at " + db.string()) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(db));
}
