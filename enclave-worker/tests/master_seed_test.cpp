#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "ev/enclave/errors.hpp"
#include "ev/enclave/master_seed.hpp"
#include "ev/enclave/simulated_platform.hpp"
#include "test_helpers.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using namespace ev;
using namespace ev::enclave;
using ev::enclave::test::filled;

namespace {

std::unique_ptr<SimulatedPlatform> make(const fs::path& dir, std::uint8_t measurement,
                                        std::uint32_t version) {
  SimulatedPlatformOptions o;
  o.secret_path = dir / "platform.secret";
  o.measurement = filled<kMeasurementSize>(measurement);
  o.version = version;
  auto p = SimulatedPlatform::create(o);
  REQUIRE(p.ok());
  return std::move(p).value();
}

}  // namespace

TEST_CASE("master seed: created once, sealed to disk, and loaded back unchanged", "[seed]") {
  ev::test::TempDir dir;
  auto p = make(dir.path(), 1, 1);
  auto first = load_or_create_master_seed(*p, dir.path(), SealPolicy::this_measurement());
  REQUIRE(first.ok());
  const fs::path file = dir.path() / kMasterSeedFile;
  REQUIRE(fs::exists(file));
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // No temporary file is left behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 2);  // platform.secret and the sealed seed
  auto again = load_or_create_master_seed(*p, dir.path(), SealPolicy::this_measurement());
  REQUIRE(again.ok());
  CHECK(*again == *first);
  CHECK_FALSE(*first == MasterSeed{});
}

TEST_CASE("master seed: a seal from another measurement is refused with a clear message",
          "[seed]") {
  ev::test::TempDir dir;
  auto old_build = make(dir.path(), 1, 1);
  REQUIRE(load_or_create_master_seed(*old_build, dir.path(), SealPolicy::this_measurement()).ok());
  auto new_build = make(dir.path(), 2, 2);
  auto r = load_or_create_master_seed(*new_build, dir.path(), SealPolicy::same_signer(1));
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::PolicyRefused));
  CHECK_THAT(r.error().message,
             Catch::Contains("master seed") && Catch::Contains("sealed to measurement"));
}

TEST_CASE("master seed: the signer policy carries the seed across an upgrade", "[seed]") {
  ev::test::TempDir dir;
  auto v1 = make(dir.path(), 1, 1);
  auto seed = load_or_create_master_seed(*v1, dir.path(), SealPolicy::same_signer(1));
  REQUIRE(seed.ok());
  auto v2 = make(dir.path(), 2, 2);
  auto loaded = load_or_create_master_seed(*v2, dir.path(), SealPolicy::same_signer(1));
  REQUIRE(loaded.ok());
  CHECK(*loaded == *seed);
  // An operator who raised the floor to 2 refuses the seal made with floor 1.
  auto strict = load_or_create_master_seed(*v2, dir.path(), SealPolicy::same_signer(2));
  REQUIRE_FALSE(strict.ok());
  CHECK(is(strict.error(), Errc::PolicyRefused));
}

TEST_CASE("master seed: a corrupted seal file is an error, never a new seed", "[seed]") {
  ev::test::TempDir dir;
  auto p = make(dir.path(), 1, 1);
  REQUIRE(load_or_create_master_seed(*p, dir.path(), SealPolicy::this_measurement()).ok());
  const fs::path file = dir.path() / kMasterSeedFile;
  fs::resize_file(file, 40);
  auto r = load_or_create_master_seed(*p, dir.path(), SealPolicy::this_measurement());
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), Errc::Malformed));
  CHECK(fs::file_size(file) == 40);
}

TEST_CASE("write_file_atomic: replaces the file content", "[seed]") {
  ev::test::TempDir dir;
  const fs::path f = dir.path() / "x";
  REQUIRE(write_file_atomic(f, Bytes{1, 2, 3}).ok());
  REQUIRE(write_file_atomic(f, Bytes{4, 5}).ok());
  CHECK(ev::test::read_file(f) == std::string("\x04\x05"));
  CHECK_FALSE(write_file_atomic(dir.path() / "missing" / "x", Bytes{1}).ok());
}
