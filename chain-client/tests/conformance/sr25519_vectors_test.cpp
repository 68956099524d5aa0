// Known answers for sr25519: ../shared/vectors/substrate/sr25519/known_vectors.json (upstream
// test vectors of sp-core, schnorrkel, substrate-bip39, polkadot-js and @scure/sr25519) and
// generated.json (cross-checked between three implementations). See SOURCE.txt there.
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <string>

#include "ev/chain/keys.hpp"
#include "ev/chain/sr25519.hpp"
#include "ev/chain/ss58.hpp"
#include "test_support.hpp"

namespace ev::chain {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;

Bytes hex(std::string_view s) {
  auto b = from_hex(s);
  if (!b.ok()) FAIL("bad hex in vectors: " << b.error().to_string());
  return *b;
}
std::string str(element e) { return std::string(std::string_view(e)); }
std::string hex_of(ByteSpan b) { return to_hex(b); }

Seed seed_of(std::string_view h) {
  const Bytes b = hex(h);
  REQUIRE(b.size() == kSeedSize);
  return Seed(std::span<const std::uint8_t, kSeedSize>(b.data(), kSeedSize));
}

// Whether a URI (before any "///password") holds a soft junction "/x".
bool has_soft_junction(std::string_view suri) {
  suri = suri.substr(0, suri.find("///"));
  for (std::size_t i = 0; i < suri.size(); ++i) {
    if (suri[i] != '/') continue;
    if (i + 1 < suri.size() && suri[i + 1] == '/') {
      ++i;
      continue;
    }
    return true;
  }
  return false;
}

struct Doc {
  simdjson::dom::parser parser;
  element root;
  explicit Doc(const char* file) {
    root = parser.load(test::require_vectors(std::string("substrate/sr25519/") + file).string());
  }
};

KeyPair pair_of_mini(element e) {
  auto pair = KeyPair::from_seed(Scheme::Sr25519, hex(str(e)));
  REQUIRE(pair.ok());
  return *pair;
}

TEST_CASE("sr25519 vectors: mini secret -> public key and 64-byte secret", "[sr25519][vectors]") {
  Doc known("known_vectors.json");
  Doc gen("generated.json");
  int n = 0;
  for (Doc* d : {&known, &gen}) {
    const char* section = d == &known ? "seed_to_public" : "mini_secret_to_public";
    for (element e : array(d->root[section])) {
      KeyPair pair = pair_of_mini(e["mini_secret"]);
      CHECK(hex_of(pair.public_key()) == str(e["public"]));
      std::string_view secret64;
      if (e["secret_64"].get(secret64) == simdjson::SUCCESS) {
        const Seed mini = seed_of(str(e["mini_secret"]));
        auto exported = sr25519::secret_to_ed25519_bytes(sr25519::expand_mini_secret(mini));
        CHECK(hex_of(exported.view()) == secret64);
        auto back = KeyPair::from_sr25519_secret(hex(secret64));
        REQUIRE(back.ok());
        CHECK(back->public_key() == pair.public_key());
        CHECK_FALSE(back->has_seed());
      }
      std::string_view ss58;
      if (e["ss58_42"].get(ss58) == simdjson::SUCCESS) {
        CHECK(*ss58_encode(pair.public_key(), 42) == ss58);
      }
      ++n;
    }
  }
  CHECK(n >= 20);
}

TEST_CASE("sr25519 vectors: signatures that verify and ones that must not", "[sr25519][vectors]") {
  Doc known("known_vectors.json");
  Doc gen("generated.json");
  int valid = 0;
  int invalid = 0;
  for (element e : array(known.root["signatures_valid"])) {
    INFO(str(e["source"]));
    auto r = verify(Scheme::Sr25519, hex(str(e["public"])), hex(str(e["message"])),
                    hex(str(e["signature"])));
    CHECK(r.ok());
    ++valid;
  }
  for (element e : array(known.root["signatures_invalid"])) {
    INFO(str(e["reason"]));
    auto r = verify(Scheme::Sr25519, hex(str(e["public"])), hex(str(e["message"])),
                    hex(str(e["signature"])));
    CHECK_FALSE(r.ok());
    ++invalid;
  }
  for (element e : array(gen.root["signatures"])) {
    INFO(str(e["signer"]));
    const Bytes pub = hex(str(e["public"]));
    CHECK(hex_of(pair_of_mini(e["mini_secret"]).public_key()) == str(e["public"]));
    const Bytes sig = hex(str(e["signature"]));
    CHECK(verify(Scheme::Sr25519, pub, hex(str(e["message"])), sig).ok());
    ++valid;
    auto bad = verify(Scheme::Sr25519, pub, hex(str(e["negative"]["message"])), sig);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().code == static_cast<int>(KeyErrc::BadSignature));
    ++invalid;
  }
  CHECK(valid >= 20);
  CHECK(invalid >= 20);
}

TEST_CASE("sr25519 vectors: signing with fixed witness randomness", "[sr25519][vectors]") {
  Doc known("known_vectors.json");
  element e = known.root["deterministic_signing"];
  const Seed mini = seed_of(str(e["mini_secret"]));
  const sr25519::SecretKey secret = sr25519::expand_mini_secret(mini);
  const sr25519::PublicKey pub = sr25519::public_of(secret);
  CHECK(hex_of(pub) == str(e["public"]));
  const Bytes rng = hex(str(e["rng_bytes"]));
  REQUIRE(rng.size() == 32);
  const sr25519::Signature sig =
      sr25519::sign_with_randomness(secret, pub, sr25519::kSubstrateContext, hex(str(e["message"])),
                                    std::span<const std::uint8_t, 32>(rng.data(), 32));
  CHECK(hex_of(sig) == str(e["signature"]));
}

TEST_CASE("sr25519 vectors: derivations and secret URIs", "[sr25519][vectors]") {
  Doc known("known_vectors.json");
  Doc gen("generated.json");
  int n = 0;
  for (element e : array(known.root["derivation"])) {
    std::string_view suri;
    if (e["suri"].get(suri) == simdjson::SUCCESS) {
      INFO(suri);
      auto pair = from_suri(Scheme::Sr25519, suri);
      REQUIRE(pair.ok());
      CHECK(hex_of(pair->public_key()) == str(e["public"]));
      ++n;
      continue;
    }
    // One step from a parent mini secret, with the chain code given.
    const std::string junction = str(e["junction"]);
    INFO(junction);
    const bool hard = junction.starts_with("//");
    const ByteArray<32> code = junction_chain_code(junction.substr(hard ? 2 : 1));
    CHECK(hex_of(code) == str(e["chain_code"]));
    const Seed parent = seed_of(str(e["parent_mini_secret"]));
    const sr25519::SecretKey key = sr25519::expand_mini_secret(parent);
    if (hard) {
      const sr25519::SecretKey child = sr25519::expand_mini_secret(sr25519::derive_hard(key, code));
      CHECK(hex_of(sr25519::public_of(child)) == str(e["public"]));
      CHECK(hex_of(sr25519::secret_to_ed25519_bytes(child).view()) == str(e["secret_64"]));
    } else {
      const sr25519::SecretKey child = sr25519::derive_soft(key, sr25519::public_of(key), code);
      CHECK(hex_of(sr25519::public_of(child)) == str(e["public"]));
      auto pub = sr25519::derive_soft_public(sr25519::public_of(key), code);
      REQUIRE(pub.ok());
      CHECK(hex_of(*pub) == str(e["public"]));
    }
    ++n;
  }
  for (element e : array(gen.root["suri_derivations"])) {
    const std::string suri = str(e["suri"]);
    INFO(suri);
    auto pair = from_suri(Scheme::Sr25519, suri);
    REQUIRE(pair.ok());
    CHECK(hex_of(pair->public_key()) == str(e["public"]));
    CHECK(*ss58_encode(pair->public_key(), 42) == str(e["ss58_42"]));
    CHECK(pair->has_seed() == !has_soft_junction(suri));
    for (element step : array(e["steps"])) {
      const std::string j = str(step["junction"]);
      CHECK(hex_of(junction_chain_code(j.substr(j.starts_with("//") ? 2 : 1))) ==
            str(step["chain_code"]));
    }
    ++n;
  }
  element soft = gen.root["soft_public_derivation"];
  auto pub = sr25519::derive_soft_public(hex(str(soft["parent_public"])),
                                         junction_chain_code(str(soft["junction"]).substr(1)));
  REQUIRE(pub.ok());
  CHECK(hex_of(*pub) == str(soft["derived_public"]));
  CHECK(n >= 18);
}

TEST_CASE("sr25519 vectors: dev accounts, keyring pairs and BIP39 mini secrets",
          "[sr25519][vectors]") {
  Doc known("known_vectors.json");
  Doc gen("generated.json");
  int n = 0;
  for (element e : array(gen.root["dev_accounts"])) {
    const std::string suri = str(e["suri"]);
    INFO(suri);
    auto sr = from_suri(Scheme::Sr25519, suri);
    auto ed = from_suri(Scheme::Ed25519, suri);
    REQUIRE(sr.ok());
    REQUIRE(ed.ok());
    CHECK(hex_of(sr->public_key()) == str(e["sr25519_public"]));
    CHECK(*ss58_encode(sr->public_key(), 42) == str(e["sr25519_ss58_42"]));
    CHECK(*ss58_encode(sr->public_key(), 0) == str(e["sr25519_ss58_0"]));
    CHECK(hex_of(ed->public_key()) == str(e["ed25519_public"]));
    CHECK(*ss58_encode(ed->public_key(), 42) == str(e["ed25519_ss58_42"]));
    ++n;
  }
  for (element e : array(known.root["keyring_test_pairs"])) {
    const std::string suri = str(e["suri"]);
    INFO(suri);
    auto from_secret = KeyPair::from_sr25519_secret(hex(str(e["secret_64"])));
    REQUIRE(from_secret.ok());
    CHECK(hex_of(from_secret->public_key()) == str(e["public"]));
    auto sig = from_secret->sign(as_bytes("keyring"));
    REQUIRE(sig.ok());
    CHECK(verify(Scheme::Sr25519, from_secret->public_key(), as_bytes("keyring"), *sig).ok());
    if (suri.starts_with("//")) {
      auto pair = from_suri(Scheme::Sr25519, suri);
      REQUIRE(pair.ok());
      CHECK(hex_of(pair->public_key()) == str(e["public"]));
    }
    ++n;
  }
  element dev = gen.root["dev_root"];
  auto root = from_suri(Scheme::Sr25519, str(dev["phrase"]));
  REQUIRE(root.ok());
  CHECK(hex_of(root->seed().view()) == str(dev["mini_secret"]));
  CHECK(hex_of(root->public_key()) == str(dev["sr25519_public"]));
  for (element e : array(known.root["bip39_mini_secret"]["vectors"])) {
    auto mini = mini_secret_from_phrase(str(e["phrase"]), "Substrate");
    REQUIRE(mini.ok());
    CHECK(hex_of(mini->view()) == str(e["mini_secret"]));
    CHECK(hex_of(KeyPair::from_seed(Scheme::Sr25519, mini->view())->public_key()) ==
          str(e["public"]));
    ++n;
  }
  CHECK(n >= 20);
}

}  // namespace
}  // namespace ev::chain
