// `epochvault attest verify` on the recorded attestation documents: exit 0 only when every
// check passes; times as Unix seconds or RFC 3339; measurement and nonce expectations.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "../cli_run.hpp"

using ev::test::require_vectors;
using ev::test::run_cli;

namespace {

std::string vec(const std::string& rel) { return require_vectors("attestation/" + rel).string(); }

const char* kDoc = "nitro/marlin-oyster-2024-12-13/aws.bin";
const char* kDocTime = "1734075478";
const char* kDocRfc = "2024-12-13T07:37:58Z";

ev::test::CliResult run_with_stdin(const std::vector<std::string>& args, const std::string& in) {
  ev::test::TempDir dir;
  std::string cmd = ev::test::shell_quote(EV_CLI_PATH);
  for (const auto& a : args) cmd += " " + ev::test::shell_quote(a);
  cmd +=
      " <" + ev::test::shell_quote(in) + " 2>" + ev::test::shell_quote((dir.path() / "e").string());
  ev::test::CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[4096];
  std::size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.err = ev::test::read_file(dir.path() / "e");
  return r;
}

void require_refusal(const ev::test::CliResult& r, const std::string& needle) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.out.empty());
  CHECK(r.err.find(needle) != std::string::npos);
}

}  // namespace

TEST_CASE("cli attest verify: a Nitro document at its own time, as JSON", "[cli][attest]") {
  const std::string doc = vec(kDoc);
  auto r = run_cli({"attest", "verify", doc, "--at", kDocTime, "--output", "json"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["ok"] == true);
  CHECK(j["platform"] == "nitro");
  CHECK(j["tee_verified"] == true);
  CHECK(j["verified_at"] == 1734075478);
  CHECK(j["issued_at"] == 1734075478);
  CHECK(j["measurement"].get<std::string>().substr(0, 16) == "189038eccf28a3a0");
  CHECK(j["measurements"]["PCR1"].get<std::string>().substr(0, 16) == "5d3938eb05288e20");

  // The same time as RFC 3339 gives the same answer; today the leaf has long expired.
  auto rfc = run_cli({"attest", "verify", doc, "--at", kDocRfc, "--output", "json"});
  CHECK(rfc.exit_code == 0);
  CHECK(rfc.out == r.out);
  require_refusal(run_cli({"attest", "verify", doc}), "validity check failed");
  require_refusal(run_cli({"attest", "verify", doc, "--at", "yesterday"}), "RFC 3339");

  // Text output names the platform and the measurement.
  auto text = run_cli({"attest", "verify", doc, "--at", kDocTime});
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("verified: nitro attestation") != std::string::npos);
}

TEST_CASE("cli attest verify: measurement and nonce expectations", "[cli][attest]") {
  const std::string doc = vec(kDoc);
  auto j = nlohmann::json::parse(
      run_cli({"attest", "verify", doc, "--at", kDocTime, "--output", "json"}).out);
  const std::string pcr0 = j["measurement"];
  const std::string pcr4 = j["measurements"]["PCR4"];
  CHECK(run_cli({"attest", "verify", doc, "--at", kDocTime, "--expect-measurement", pcr0})
            .exit_code == 0);
  CHECK(run_cli({"attest", "verify", doc, "--at", kDocTime, "--expect-measurement", "PCR4=" + pcr4,
                 "--expect-measurement", pcr0})
            .exit_code == 0);
  std::string other = pcr0;
  other[0] = other[0] == '0' ? '1' : '0';
  require_refusal(
      run_cli({"attest", "verify", doc, "--at", kDocTime, "--expect-measurement", other}),
      "measurement check failed");
  require_refusal(
      run_cli({"attest", "verify", doc, "--at", kDocTime, "--expect-measurement", "PCR31=00"}),
      "no measurement PCR31");

  // evervault's 2023-09-18 document carries a 256-byte nonce (and is a debug enclave).
  const std::string nd = vec("nitro/evervault-2023-09-18/valid-attestation-doc-base64");
  auto dj =
      run_cli({"attest", "verify", nd, "--at", "1695049410", "--allow-debug", "--output", "json"});
  REQUIRE(dj.exit_code == 0);
  const std::string nonce = nlohmann::json::parse(dj.out)["nonce"];
  CHECK(nonce.size() == 512);
  CHECK(run_cli({"attest", "verify", nd, "--at", "1695049410", "--allow-debug", "--nonce", nonce})
            .exit_code == 0);
  require_refusal(
      run_cli({"attest", "verify", nd, "--at", "1695049410", "--allow-debug", "--nonce", "00"}),
      "nonce is not the expected one");
  require_refusal(run_cli({"attest", "verify", nd, "--at", "1695049410"}),
                  "debug mode check failed");
}

TEST_CASE("cli attest verify: stdin, corrupt documents and DCAP quotes", "[cli][attest]") {
  const std::string b64 = vec("nitro/blocky-nitrite-2024-09-07/nitro_attestation.b64");
  auto r = run_with_stdin({"attest", "verify", "-", "--at", "2024-09-07T14:37:39Z"}, b64);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  require_refusal(run_cli({"attest", "verify",
                           vec("nitro/base-nitro-validator-2026-01-03-indefinite/"
                               "real_attestation.as-committed.b64"),
                           "--at", "1767472867"}),
                  "attestation");
  require_refusal(run_cli({"attest", "verify", "/nonexistent/file"}), "cannot open");

  const std::string quote = vec("intel-dcap/phala-tdx-v4/tdx_quote");
  require_refusal(run_cli({"attest", "verify", quote, "--at", "1751624163"}), "collateral");
  auto q = run_cli({"attest", "verify", quote, "--at", "1751624163", "--allow-no-collateral",
                    "--output", "json"});
  INFO(q.err);
  REQUIRE(q.exit_code == 0);
  auto j = nlohmann::json::parse(q.out);
  CHECK(j["platform"] == "tdx");
  CHECK(j["tcb_status"] == "NoCollateral");
  CHECK(j["measurement"].get<std::string>().substr(0, 16) == "91eb2b44d141d4ec");
}
