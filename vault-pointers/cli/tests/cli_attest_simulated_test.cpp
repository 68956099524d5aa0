// `epochvault attest verify` on a simulated report (built here from its documented layout):
// refused unless --allow-simulated, and the report-data commitment options.
#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"

using ev::test::run_cli;

namespace {

using Bytes = std::vector<std::uint8_t>;

// SHA-512("epochvault/report-data/v1" ‖ purpose ‖ account ‖ genesis ‖ len ‖ nonce).
Bytes commitment(std::uint8_t purpose, std::uint8_t account, std::uint8_t genesis,
                 const Bytes& nonce) {
  const std::string tag = "epochvault/report-data/v1";
  Bytes m(tag.begin(), tag.end());
  m.push_back(purpose);
  m.insert(m.end(), 32, account);
  m.insert(m.end(), 32, genesis);
  m.push_back(static_cast<std::uint8_t>(nonce.size()));
  m.insert(m.end(), nonce.begin(), nonce.end());
  Bytes out(64);
  unsigned int n = 0;
  REQUIRE(EVP_Digest(m.data(), m.size(), out.data(), &n, EVP_sha512(), nullptr) == 1);
  return out;
}

// A simulated report (docs/enclave.md) over `report_data`, written to `path`.
void write_simulated(const std::string& path, const Bytes& report_data) {
  Bytes r(283, 0);
  std::memcpy(r.data(), "EVSIMREP", 8);
  r[8] = 1;
  std::memcpy(r.data() + 9, "SIMULATED-NOT-HARDWARE-BACKED", 29);
  std::fill(r.begin() + 38, r.begin() + 86, 0x44);
  r[122] = static_cast<std::uint8_t>(report_data.size());
  std::copy(report_data.begin(), report_data.end(), r.begin() + 123);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(key != nullptr);
  std::size_t len = 32;
  REQUIRE(EVP_PKEY_get_raw_public_key(key, r.data() + 187, &len) == 1);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  len = 64;
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1);
  REQUIRE(EVP_DigestSign(ctx, r.data() + 219, &len, r.data(), 219) == 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  std::ofstream(path, std::ios::binary)
      .write(reinterpret_cast<const char*>(r.data()), static_cast<std::streamsize>(r.size()));
}

std::string hex_fill(std::uint8_t b) {
  static const char* d = "0123456789abcdef";
  std::string s = "0x";
  for (int i = 0; i < 32; ++i) {
    s += d[b >> 4];
    s += d[b & 15];
  }
  return s;
}

}  // namespace

TEST_CASE("cli attest verify: simulated reports and the report-data commitment", "[cli][attest]") {
  ev::test::TempDir dir;
  const std::string path = (dir.path() / "sim.bin").string();
  write_simulated(path, commitment(1, 0xA1, 0x6E, {7, 7}));

  auto refused = run_cli({"attest", "verify", path});
  CHECK(refused.exit_code != 0);
  CHECK(refused.err.find("simulated") != std::string::npos);

  const std::vector<std::string> base = {"attest", "verify", path, "--allow-simulated"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> a = base;
    a.insert(a.end(), extra.begin(), extra.end());
    return run_cli(a);
  };
  auto j = with({"--output", "json"});
  INFO(j.err);
  REQUIRE(j.exit_code == 0);
  auto parsed = nlohmann::json::parse(j.out);
  CHECK(parsed["platform"] == "simulated");
  CHECK(parsed["tee_verified"] == false);

  const std::string account = hex_fill(0xA1);
  const std::string genesis = hex_fill(0x6E);
  CHECK(with({"--account", account, "--genesis", genesis, "--nonce", "0707"}).exit_code == 0);
  CHECK(
      with({"--account", account, "--genesis", genesis, "--nonce", "0707", "--purpose", "register"})
          .exit_code == 0);
  // Another account, another chain, another purpose, another nonce: refused.
  for (const auto& extra : std::vector<std::vector<std::string>>{
           {"--account", hex_fill(0xB2), "--genesis", genesis, "--nonce", "0707"},
           {"--account", account, "--genesis", hex_fill(0x6F), "--nonce", "0707"},
           {"--account", account, "--genesis", genesis, "--nonce", "0707", "--purpose", "session"},
           {"--account", account, "--genesis", genesis, "--nonce", "0708"}}) {
    auto r = with(extra);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("report data check failed") != std::string::npos);
  }
  auto usage = with({"--account", account});
  CHECK(usage.exit_code != 0);
  CHECK(usage.err.find("go together") != std::string::npos);
}
