// --self-test-platform: the platform's fresh report verifies offline on the simulated platform
// (the library function and the real executables), and a report that does not carry the fresh
// nonce's commitment (a recorded Nitro document from a fake /dev/nsm) fails it.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <ctime>
#include <string>

#include "ev/attestation/verify.hpp"
#include "ev/enclave/simulated_platform.hpp"
#include "ev/worker/self_test.hpp"
#include "fake_tee.hpp"
#include "test_support.hpp"

using namespace ev;
using namespace ev::worker;

namespace {

std::int64_t now() { return static_cast<std::int64_t>(std::time(nullptr)); }

struct Run {
  int status = -1;
  std::string out;
};

// Runs a command line, capturing standard output and error.
Run run(const std::string& cmd) {
  Run r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  REQUIRE(p != nullptr);
  char buf[512];
  while (std::fgets(buf, sizeof buf, p) != nullptr) r.out += buf;
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

}  // namespace

TEST_CASE("self-test: the simulated platform's fresh report verifies", "[self-test]") {
  ev::test::TempDir dir;
  enclave::SimulatedPlatformOptions o;
  o.secret_path = dir.path() / "platform.secret";
  o.measurement = enclave::Measurement{};
  o.measurement->fill(0x5a);
  auto p = enclave::SimulatedPlatform::create(o);
  REQUIRE(p.ok());
  const SelfTestResult r = self_test_platform(**p, "simulated", now());
  INFO(r.text);
  CHECK(r.verified);
  CHECK(r.text.find("self-test: verified") != std::string::npos);
  CHECK(r.text.find("tee_verified: false") != std::string::npos);
  CHECK(r.text.find("measurement MEASUREMENT: " + to_hex(Bytes(48, 0x5a), false)) !=
        std::string::npos);

  // Under another platform name the same evidence is refused.
  const SelfTestResult other = self_test_platform(**p, "nitro", now());
  CHECK_FALSE(other.verified);
  CHECK(other.text.find("self-test: FAILED") != std::string::npos);
}

TEST_CASE("self-test: a report without the fresh nonce's commitment fails", "[self-test]") {
  const std::string raw = ev::test::read_file(
      ev::test::require_vectors("attestation/nitro/marlin-oyster-2024-12-13/aws.bin"));
  const Bytes doc(raw.begin(), raw.end());
  const auto recorded = attestation::verify_nitro(doc);
  REQUIRE(recorded.ok());
  auto nsm = std::make_unique<enclave::test::FakeNsm>();
  nsm->document = doc;
  nsm->pcr0 = *recorded->measurement("PCR0");
  auto p = enclave::HardwarePlatform::create(enclave::HardwareKind::Nitro,
                                             enclave::nitro_source(std::move(nsm)));
  REQUIRE(p.ok());
  // The recorded document verifies (at its own time) but commits to someone else's data, and it
  // is years old.
  const SelfTestResult r = self_test_platform(**p, "nitro", now());
  INFO(r.text);
  CHECK_FALSE(r.verified);
  CHECK(r.text.find("tee_verified: true") != std::string::npos);
  CHECK(r.text.find("self-test: FAILED") != std::string::npos);
  CHECK(r.text.find("report data") != std::string::npos);
}

TEST_CASE("self-test: epochvault-serve and epochvault-rotate --self-test-platform", "[self-test]") {
  ev::test::TempDir dir;
  for (const char* exe : {EV_SERVE_EXE, EV_ROTATE_EXE}) {
    const Run ok = run(std::string(exe) + " --self-test-platform --platform simulated --data-dir " +
                       dir.path().string());
    INFO(ok.out);
    CHECK(ok.status == 0);
    CHECK(ok.out.find("self-test: verified") != std::string::npos);
    CHECK(ok.out.find("platform: simulated") != std::string::npos);
  }
  // A hardware platform whose device is absent: exit code 1 and the path named.
  const Run bad =
      run(std::string(EV_SERVE_EXE) + " --self-test-platform --platform nitro --platform-device " +
          (dir.path() / "no-nsm").string());
  INFO(bad.out);
  CHECK(bad.status == 1);
  CHECK(bad.out.find("no-nsm") != std::string::npos);
}
