#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "ev/enclave/errors.hpp"
#include "ev/enclave/sealed_blob.hpp"
#include "ev/enclave/simulated_platform.hpp"
#include "test_helpers.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace ev;
using namespace ev::enclave;
using ev::enclave::test::filled;

namespace {

SimulatedPlatformOptions options_for(const fs::path& dir, std::uint8_t measurement,
                                     std::uint32_t version = 1) {
  SimulatedPlatformOptions o;
  o.secret_path = dir / "platform.secret";
  o.measurement = filled<kMeasurementSize>(measurement);
  o.version = version;
  return o;
}

std::unique_ptr<SimulatedPlatform> make(const SimulatedPlatformOptions& o) {
  auto p = SimulatedPlatform::create(o);
  REQUIRE(p.ok());
  return std::move(p).value();
}

const Bytes kSecret = {1, 2, 3, 4, 5, 6, 7, 8};
const Bytes kAad = {'a', 'a', 'd'};

}  // namespace

TEST_CASE("simulated platform: creates the platform secret with mode 0600", "[platform]") {
  ev::test::TempDir dir;
  auto p = make(options_for(dir.path(), 1));
  struct stat st {};
  REQUIRE(::stat((dir.path() / "platform.secret").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(st.st_size == 32);
}

TEST_CASE("simulated platform: refuses a group- or world-readable secret", "[platform]") {
  ev::test::TempDir dir;
  { auto p = make(options_for(dir.path(), 1)); }
  fs::permissions(dir.path() / "platform.secret", fs::perms::others_read, fs::perm_options::add);
  auto r = SimulatedPlatform::create(options_for(dir.path(), 1));
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::InsecureFile));
  CHECK_THAT(r.error().message, Catch::Contains("0604") && Catch::Contains("0600"));
}

TEST_CASE("simulated platform: refuses a secret of the wrong size", "[platform]") {
  ev::test::TempDir dir;
  const fs::path path = dir.path() / "platform.secret";
  { std::ofstream(path) << "short"; }
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  auto r = SimulatedPlatform::create(options_for(dir.path(), 1));
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::InsecureFile));
  CHECK_THAT(r.error().message, Catch::Contains("5 bytes"));
}

TEST_CASE("simulated platform: does not follow a symbolic link to the secret", "[platform]") {
  ev::test::TempDir dir;
  { auto p = make(options_for(dir.path(), 1)); }
  fs::create_symlink(dir.path() / "platform.secret", dir.path() / "link.secret");
  auto o = options_for(dir.path(), 1);
  o.secret_path = dir.path() / "link.secret";
  auto r = SimulatedPlatform::create(o);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("link.secret"));
  o.secret_path.clear();
  CHECK(is(SimulatedPlatform::create(o).error(), Errc::InvalidArgument));
}

TEST_CASE("simulated platform: one platform secret gives one platform key", "[platform]") {
  ev::test::TempDir dir, dir2;
  auto a = make(options_for(dir.path(), 1));
  auto b = make(options_for(dir.path(), 2));
  auto c = make(options_for(dir2.path(), 1));
  CHECK(a->platform_key() == b->platform_key());
  CHECK(a->platform_key() != c->platform_key());
}

TEST_CASE("simulated platform: measures the running executable with SHA-384", "[platform]") {
  ev::test::TempDir dir;
  SimulatedPlatformOptions o;
  o.secret_path = dir.path() / "platform.secret";
  auto p = make(o);
  auto m = measure_file("/proc/self/exe");
  REQUIRE(m.ok());
  CHECK(p->measurement() == *m);
  // Known answer: SHA-384("abc") (FIPS 180-2).
  const fs::path f = dir.path() / "abc";
  { std::ofstream(f) << "abc"; }
  auto abc = measure_file(f);
  REQUIRE(abc.ok());
  CHECK(to_hex(*abc, false) ==
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca1"
        "34c825a7");
}

TEST_CASE("seal: measurement policy round trip, and another measurement is refused", "[platform]") {
  ev::test::TempDir dir;
  auto a = make(options_for(dir.path(), 1));
  auto blob = a->seal(SealPolicy::this_measurement(), kSecret, kAad);
  REQUIRE(blob.ok());
  auto back = a->unseal(SealPolicy::this_measurement(), *blob, kAad);
  REQUIRE(back.ok());
  CHECK(back->equals(kSecret));

  auto b = make(options_for(dir.path(), 2));  // same platform secret, other enclave
  for (const SealPolicy& accept : {SealPolicy::this_measurement(), SealPolicy::same_signer(0)}) {
    auto r = b->unseal(accept, *blob, kAad);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::PolicyRefused));
    CHECK_THAT(r.error().message, Catch::Contains("sealed to measurement 0101"));
  }
}

TEST_CASE("seal: signer policy lets a newer version of the same signer unseal", "[platform]") {
  ev::test::TempDir dir;
  auto v2 = make(options_for(dir.path(), 1, 2));
  auto blob = v2->seal(SealPolicy::same_signer(2), kSecret, kAad);
  REQUIRE(blob.ok());
  auto v3 = make(options_for(dir.path(), 9, 3));
  auto r = v3->unseal(SealPolicy::same_signer(2), *blob, kAad);
  REQUIRE(r.ok());
  CHECK(r->equals(kSecret));
}

TEST_CASE("seal: signer policy enforces the version floor", "[platform]") {
  ev::test::TempDir dir;
  auto v2 = make(options_for(dir.path(), 1, 2));
  auto blob = v2->seal(SealPolicy::same_signer(2), kSecret, kAad);
  REQUIRE(blob.ok());
  auto v1 = make(options_for(dir.path(), 7, 1));
  auto r = v1->unseal(SealPolicy::same_signer(0), *blob, kAad);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::PolicyRefused));
  CHECK_THAT(r.error().message, Catch::Contains(">= 2") && Catch::Contains("version 1"));
  // The caller may demand a higher floor than the blob carries.
  auto v5 = make(options_for(dir.path(), 8, 5));
  auto r2 = v5->unseal(SealPolicy::same_signer(3), *blob, kAad);
  REQUIRE_FALSE(r2.ok());
  CHECK_THAT(r2.error().message, Catch::Contains("below the required floor 3"));
  // A measurement-only caller does not accept a signer-bound blob.
  auto r3 = v2->unseal(SealPolicy::this_measurement(), *blob, kAad);
  REQUIRE_FALSE(r3.ok());
  CHECK(is(r3.error(), Errc::PolicyRefused));
  // Sealing above one's own version is refused.
  auto s = v2->seal(SealPolicy::same_signer(3), kSecret, kAad);
  REQUIRE_FALSE(s.ok());
  CHECK(is(s.error(), Errc::InvalidArgument));
}

TEST_CASE("seal: another signer is refused", "[platform]") {
  ev::test::TempDir dir;
  auto a = make(options_for(dir.path(), 1));
  auto blob = a->seal(SealPolicy::same_signer(1), kSecret, kAad);
  REQUIRE(blob.ok());
  auto o = options_for(dir.path(), 1);
  o.signer = filled<kSignerSize>(0xee);
  auto other = make(o);
  auto r = other->unseal(SealPolicy::same_signer(1), *blob, kAad);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::PolicyRefused));
  CHECK_THAT(r.error().message, Catch::Contains("signer"));
}

TEST_CASE("seal: other aad, other platform secret, and every flipped byte fail", "[platform]") {
  ev::test::TempDir dir, dir2;
  auto a = make(options_for(dir.path(), 1));
  auto blob = a->seal(SealPolicy::this_measurement(), kSecret, kAad);
  REQUIRE(blob.ok());
  auto r = a->unseal(SealPolicy::this_measurement(), *blob, Bytes{'x'});
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::AuthFailed));
  auto other_machine = make(options_for(dir2.path(), 1));
  auto r2 = other_machine->unseal(SealPolicy::this_measurement(), *blob, kAad);
  REQUIRE_FALSE(r2.ok());
  CHECK(is(r2.error(), Errc::AuthFailed));
  for (std::size_t i = 0; i < blob->size(); ++i) {
    Bytes t = *blob;
    t[i] ^= 0x01;
    CHECK_FALSE(a->unseal(SealPolicy::same_signer(0), t, kAad).ok());
  }
  for (std::size_t n = 0; n < blob->size(); ++n) {
    CHECK_FALSE(a->unseal(SealPolicy::this_measurement(), ByteSpan(*blob).first(n), kAad).ok());
  }
}

TEST_CASE("sealed blob: parser names the offset of what is wrong", "[platform]") {
  ev::test::TempDir dir;
  auto a = make(options_for(dir.path(), 1));
  auto blob = a->seal(SealPolicy::this_measurement(), kSecret, kAad);
  REQUIRE(blob.ok());
  auto v = parse_sealed_blob(*blob);
  REQUIRE(v.ok());
  CHECK(v->ciphertext.size() == kSecret.size());
  Bytes t = *blob;
  t[5] = 9;
  auto r = parse_sealed_blob(t);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("at offset 5"));
  t = *blob;
  t[54] = 1;  // a floor on a measurement-bound blob
  r = parse_sealed_blob(t);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.error().message, Catch::Contains("at offset 54"));
  t = *blob;
  t[4] = 2;
  r = parse_sealed_blob(t);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::Unsupported));
}

TEST_CASE("attestation: a simulated report verifies and binds its report data", "[platform]") {
  ev::test::TempDir dir;
  auto a = make(options_for(dir.path(), 3, 4));
  const Bytes data(64, 0x5a);
  auto report = a->attest(data);
  REQUIRE(report.ok());
  const std::string text(report->begin(), report->end());
  CHECK(text.find(kSimulatedMarker) != std::string::npos);
  auto v = verify_simulated_report(*report, a->platform_key());
  REQUIRE(v.ok());
  CHECK(v->identity.measurement == filled<kMeasurementSize>(3));
  CHECK(v->identity.version == 4);
  CHECK(v->report_data == data);
  CHECK_FALSE(a->attest(Bytes(65, 0)).ok());
  auto small = a->attest(Bytes{1, 2, 3});
  REQUIRE(small.ok());
  auto vs = verify_simulated_report(*small, a->platform_key());
  REQUIRE(vs.ok());
  CHECK(vs->report_data == Bytes{1, 2, 3});
}

TEST_CASE("attestation: every tampered byte and another platform key are refused", "[platform]") {
  ev::test::TempDir dir, dir2;
  auto a = make(options_for(dir.path(), 3));
  auto report = a->attest(Bytes{9, 9});
  REQUIRE(report.ok());
  for (std::size_t i = 0; i < report->size(); ++i) {
    Bytes t = *report;
    t[i] ^= 0x80;
    CHECK_FALSE(verify_simulated_report(t, a->platform_key()).ok());
  }
  auto other = make(options_for(dir2.path(), 3));
  auto r = verify_simulated_report(*report, other->platform_key());
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::AuthFailed));
  CHECK_FALSE(
      verify_simulated_report(ByteSpan(*report).first(report->size() - 1), a->platform_key()).ok());
}
