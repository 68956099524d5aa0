#include <catch2/catch.hpp>

#include "ev/enclave/errors.hpp"
#include "ev/enclave/keys.hpp"

using namespace ev;
using namespace ev::enclave;

namespace {

MasterSeed seed_counting() {
  MasterSeed s;
  for (std::size_t i = 0; i < 32; ++i) s.mut()[i] = static_cast<std::uint8_t>(i);
  return s;
}

std::string hex(const Key256& k) { return to_hex(k.view(), false); }

}  // namespace

// Expected values computed independently with RFC 5869 HKDF-SHA256 (Python hmac/hashlib):
// ikm = 00 01 .. 1f, salt = "epochvault/kdf/v1", info = "epochvault/key:" + path.
TEST_CASE("derive_key: known values for shielding/v1 and other paths", "[keys]") {
  const MasterSeed seed = seed_counting();
  auto s = shielding_key(seed);
  REQUIRE(s.ok());
  CHECK(hex(*s) == "1ecbedfa649855b5fb363265f73cc3bf503b80396768f6d60ab0bbdab8641292");
  auto v2 = derive_key(seed, "shielding/v2");
  REQUIRE(v2.ok());
  CHECK(hex(*v2) == "23340048f2046486afe1ce11f85e25295fc97391090af6383c93c75721d7518f");
  auto nested = derive_key(seed, "session/tokens/v1");
  REQUIRE(nested.ok());
  CHECK(hex(*nested) == "cd22021e4454536876c43efb750ea45257e5be0c9146a70969e63a3b130a3b86");
  MasterSeed ab;
  for (auto& b : ab.mut()) b = 0xab;
  auto other = shielding_key(ab);
  REQUIRE(other.ok());
  CHECK(hex(*other) == "87564baf742f7331a73eb491f13fb906ade439b62f29778a2c409817ddfd08ae");
}

TEST_CASE("derive_key: rejects malformed paths with the offset", "[keys]") {
  const MasterSeed seed = seed_counting();
  struct Case {
    const char* path;
    const char* where;
  };
  for (const Case& c : {Case{"", "offset 0"}, Case{"shielding", "offset 0"},
                        Case{"shielding/", "offset 10"}, Case{"/v1", "offset 0"},
                        Case{"shielding//v1", "offset 10"}, Case{"Shielding/v1", "offset 0"},
                        Case{"shielding/v0", "offset 10"}, Case{"shielding/v01", "offset 10"},
                        Case{"shielding/1", "offset 10"}, Case{"a b/v1", "offset 1"}}) {
    INFO(c.path);
    auto r = derive_key(seed, c.path);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), Errc::InvalidArgument));
    CHECK_THAT(r.error().message, Catch::Contains(c.where));
  }
  CHECK(validate_key_path("a-b_c/d9/v12").ok());
  CHECK_FALSE(validate_key_path(std::string(200, 'a') + "/v1").ok());
}
