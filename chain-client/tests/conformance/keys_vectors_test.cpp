// Known answers for keys and signatures: ../shared/vectors/substrate/vectors.json, sections
// `keys` and `signatures`. Every field of every entry is either checked or named below as
// belonging elsewhere (ss58_*: the SS58 tests); an unknown field fails the test.
#include <secp256k1.h>
#include <simdjson.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/ss58.hpp"
#include "test_support.hpp"

namespace ev::chain {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Bytes hex(std::string_view s) {
  auto b = from_hex(s);
  if (!b.ok()) FAIL("bad hex in vectors: " << b.error().to_string());
  return *b;
}
std::string str(element e) { return std::string(std::string_view(e)); }

bool is_ss58_field(std::string_view key) {
  return key.starts_with("ss58_") || key == "keyring_address";
}

struct Doc {
  simdjson::dom::parser parser;
  element root;
  Doc() { root = parser.load(test::require_vectors("substrate/vectors.json").string()); }
};

// Public key (hex) -> seed (hex), from the `keys` lists, to sign the `signatures` vectors.
std::map<std::string, std::string> seeds_by_public_key(object keys) {
  std::map<std::string, std::string> out;
  for (element e : array(keys["ed25519"])) out[str(e["public_key"])] = str(e["seed"]);
  for (element e : array(keys["ecdsa"])) out[str(e["public_key_compressed"])] = str(e["seed"]);
  return out;
}

// The uncompressed X || Y of a compressed key, through libsecp256k1 directly.
Bytes uncompressed_xy(ByteSpan compressed) {
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_VERIFY);
  secp256k1_pubkey pk;
  REQUIRE(secp256k1_ec_pubkey_parse(ctx, &pk, compressed.data(), compressed.size()) == 1);
  Bytes out(65);
  std::size_t len = out.size();
  REQUIRE(secp256k1_ec_pubkey_serialize(ctx, out.data(), &len, &pk, SECP256K1_EC_UNCOMPRESSED) ==
          1);
  secp256k1_context_destroy(ctx);
  REQUIRE(out[0] == 0x04);
  return Bytes(out.begin() + 1, out.end());
}

// One entry of keys.ed25519 / keys.ecdsa; returns how many fields it checked.
int check_key_entry(Scheme scheme, object entry, std::string_view dev_phrase) {
  std::string label = str(entry["label"]);
  INFO(scheme_name(scheme) << " key: " << label);
  Bytes seed = hex(str(entry["seed"]));
  KeyPair pair = KeyPair::from_seed(scheme, seed).value();
  int checked = 0;
  for (auto [key, value] : entry) {
    INFO("field " << key);
    if (key == "label" || key == "seed" || is_ss58_field(key)) continue;
    if (key == "public_key" || key == "public_key_compressed") {
      REQUIRE(to_hex(pair.public_key()) == str(value));
    } else if (key == "account_id") {
      REQUIRE(to_hex(pair.account_id()) == str(value));
      REQUIRE(to_hex(account_id_of(scheme, pair.public_key()).value()) == str(value));
    } else if (key == "account_id_rule") {
      REQUIRE(str(value) == "blake2_256(33-byte compressed pubkey)");
      REQUIRE(pair.account_id() == blake2_256(pair.public_key()));
    } else if (key == "public_key_uncompressed_xy") {
      REQUIRE(to_hex(uncompressed_xy(pair.public_key())) == str(value));
    } else {
      FAIL("unknown field in keys." << scheme_name(scheme) << ": " << key);
    }
    ++checked;
  }
  // Entries that name a secret URI: the URI must give this very seed.
  std::optional<std::string> suri;
  if (label == "dev phrase (no path)") suri = std::string(dev_phrase);
  if (label == "//Alice (dev phrase)") suri = std::string(dev_phrase) + "//Alice";
  if (suri) {
    KeyPair from_uri = from_suri(scheme, *suri).value();
    REQUIRE(from_uri.seed() == pair.seed());
    if (label.starts_with("//Alice"))
      REQUIRE(from_suri(scheme, "//Alice").value().seed() == pair.seed());
    ++checked;
  }
  return checked;
}

// One entry of signatures.vectors.
void check_signature_entry(object v, const std::map<std::string, std::string>& seeds) {
  std::string label = str(v["label"]);
  INFO("signature: " << label);
  Scheme scheme = parse_scheme(str(v["scheme"])).value();
  auto seed = seeds.find(str(v["public_key"]));
  if (seed == seeds.end()) FAIL("no seed in `keys` for public key " << str(v["public_key"]));
  KeyPair pair = KeyPair::from_seed(scheme, hex(seed->second)).value();
  Bytes msg = hex(str(v["message_hex"]));
  Bytes sig = pair.sign(msg).value();
  for (auto [key, value] : v) {
    INFO("field " << key);
    if (key == "label" || key == "scheme" || key == "message_hex") continue;
    if (key == "public_key") {
      REQUIRE(to_hex(pair.public_key()) == str(value));
    } else if (key == "signature") {
      REQUIRE(to_hex(sig) == str(value));
      REQUIRE(verify(scheme, pair.public_key(), msg, hex(str(value))).ok());
      REQUIRE(verify_for_account(scheme, pair.account_id(), msg, hex(str(value))).ok());
    } else if (key == "multisignature_encoded") {
      REQUIRE(to_hex(pair.multisignature(msg).value()) == str(value));
    } else if (key == "prehash_blake2_256") {
      REQUIRE(to_hex(blake2_256(msg)) == str(value));
    } else if (key == "recovery_id") {
      REQUIRE(static_cast<std::int64_t>(sig.at(64)) == std::int64_t(value));
    } else {
      FAIL("unknown field in signatures.vectors: " << key);
    }
  }
}

}  // namespace

TEST_CASE("vectors: keys section, every entry", "[conformance][keys]") {
  Doc doc;
  object keys = doc.root["keys"];
  std::string dev_phrase = str(keys["dev_phrase"]);
  std::size_t expected = 0, checked = 0;
  for (auto [key, value] : keys) {
    INFO("keys." << key);
    if (key == "ed25519" || key == "ecdsa") {
      Scheme scheme = parse_scheme(key).value();
      for (element e : array(value)) {
        ++expected;
        REQUIRE(check_key_entry(scheme, object(e), dev_phrase) > 0);
        ++checked;
      }
    } else if (key == "sr25519_public_only") {
      for (element e : array(value)) {
        ++expected;
        const std::string label = str(e["label"]);
        REQUIRE(label.starts_with("//Alice sr25519"));
        Bytes pk = hex(str(e["public_key"]));
        const KeyPair alice = from_suri(Scheme::Sr25519, "//Alice").value();
        REQUIRE(alice.public_key() == pk);
        const AccountId32 id = account_id_of(Scheme::Sr25519, pk).value();
        REQUIRE(ss58_encode(id, 42).value() == str(e["ss58_42"]));
        ++checked;
      }
    } else if (key == "dev_phrase") {
      ++expected;
      REQUIRE(str(value) == kDevPhrase);
      ++checked;
    } else if (key == "dev_phrase_mini_secret") {
      ++expected;
      Seed mini = mini_secret_from_phrase(dev_phrase, "").value();
      REQUIRE(to_hex(mini.view()) == str(value));
      ++checked;
    } else if (key == "alice_chain_code") {
      ++expected;
      REQUIRE(to_hex(junction_chain_code("Alice")) == str(value));
      ++checked;
    } else if (key == "mini_secret_rule" || key == "hard_derivation_rule") {
      // Prose; the rules are exercised by dev_phrase_mini_secret and the //Alice entries.
    } else {
      FAIL("unknown field keys." << key);
    }
  }
  // 4 ed25519 + 5 ecdsa + 1 sr25519 + dev_phrase, its mini secret, alice_chain_code.
  std::size_t in_file = array(keys["ed25519"]).size() + array(keys["ecdsa"]).size() +
                        array(keys["sr25519_public_only"]).size() + 3;
  REQUIRE(expected == in_file);
  REQUIRE(checked == in_file);
}

TEST_CASE("vectors: signatures section, every vector", "[conformance][keys]") {
  Doc doc;
  object sigs = doc.root["signatures"];
  auto seeds = seeds_by_public_key(doc.root["keys"]);
  std::size_t checked = 0;
  for (auto [key, value] : sigs) {
    INFO("signatures." << key);
    if (key == "vectors") {
      for (element v : array(value)) {
        check_signature_entry(object(v), seeds);
        ++checked;
      }
    } else if (key == "expected_from_sp_core_source") {
      for (auto [name, expected] : object(value)) {
        if (name == "source") continue;
        REQUIRE(name == "ecdsa_seed_9d61b1_empty_msg");
        std::string seed;  // the `keys.ecdsa` entry whose seed starts 9d61b1
        for (element e : array(doc.root["keys"]["ecdsa"])) {
          if (str(e["seed"]).starts_with("0x9d61b1")) seed = str(e["seed"]);
        }
        REQUIRE_FALSE(seed.empty());
        KeyPair pair = KeyPair::from_seed(Scheme::Ecdsa, hex(seed)).value();
        REQUIRE(to_hex(pair.sign({}).value()) == str(expected));
        ++checked;
      }
    } else if (key == "notes") {
      // Prose; each note's rule is what the vectors check.
    } else {
      FAIL("unknown field signatures." << key);
    }
  }
  REQUIRE(checked == array(sigs["vectors"]).size() + 1);
}

}  // namespace ev::chain
