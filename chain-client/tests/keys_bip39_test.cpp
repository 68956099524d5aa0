// BIP39 mnemonics and Substrate's entropy-keyed mini secret.
#include <catch2/catch.hpp>

#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ev/chain/keys.hpp"
#include "require_error.hpp"

namespace ev::chain {
namespace {

using ev::test::require_error;

Bytes to_bytes(ByteSpan s) { return Bytes(s.begin(), s.end()); }

std::size_t word_count(const std::string& phrase) {
  std::istringstream in(phrase);
  std::size_t n = 0;
  for (std::string w; in >> w;) ++n;
  return n;
}

// Known answers from the reference implementation paritytech/substrate-bip39 (src/lib.rs test
// vectors, password "Substrate"): phrase, entropy, first 32 bytes of the 64-byte seed.
struct Vector {
  const char* phrase;
  const char* entropy;
  const char* mini_secret;
};
const Vector kVectors[] = {
    {"abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon "
     "about",
     "0x00000000000000000000000000000000",
     "0x44e9d125f037ac1d51f0a7d3649689d422c2af8b1ec8e00d71db4d7bf6d127e3"},
    {"legal winner thank year wave sausage worth useful legal winner thank yellow",
     "0x7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
     "0x4313249608fe8ac10fd5886c92c4579007272cb77c21551ee5b8d60b78041685"},
    {"ozone drill grab fiber curtain grace pudding thank cruise elder eight picnic",
     "0x9e885d952ad362caeb4efe34a8e91bd2",
     "0xf4956be6960bc145cdab782e649a5056598fd07cd3f32ceb73421c3da2783324"},
    {"zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo when",
     "0xffffffffffffffffffffffffffffffffffffffffffffffff",
     "0x8971cb290e7117c64b63379c97ed3b5c6da488841bd9f95cdc2a5651ac89571e"},
    {"gravity machine north sort system female filter attitude volume fold club stay feature "
     "office ecology stable narrow fog",
     "0x6610b25967cdcca9d59875f5cb50b0ea75433311869e930b",
     "0xfbcc5229ade0c0ff018cb7a329c5459f91876e4dde2a97ddf03c832eab7f2612"},
    {"letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount "
     "doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless",
     "0x8080808080808080808080808080808080808080808080808080808080808080",
     "0x2c9c6144a06ae5a855453d98c3dea470e2a8ffb78179c2e9eb15208ccca7d831"},
    {"hamster diagram private dutch cause delay private meat slide toddler razor book happy fancy "
     "gospel tennis maple dilemma loan word shrug inflict delay length",
     "0x68a79eaca2324873eacc50cb9c6eca8cc68ea5d936f98787c60c7ebc74e6ce7c",
     "0x7c60c555126c297deddddd59f8cdcdc9e3608944455824dd604897984b5cc369"},
};

// The list as mnemonic_from_entropy uses it: word i is the first word of the entropy whose
// top 11 bits are i.
std::vector<std::string> word_list() {
  std::vector<std::string> out;
  for (unsigned i = 0; i < 2048; ++i) {
    Bytes entropy(16, 0);
    entropy[0] = static_cast<std::uint8_t>(i >> 3);
    entropy[1] = static_cast<std::uint8_t>((i & 7) << 5);
    std::string phrase = mnemonic_from_entropy(entropy).value();
    out.push_back(phrase.substr(0, phrase.find(' ')));
  }
  return out;
}

}  // namespace

TEST_CASE("bip39: phrase <-> entropy on the substrate-bip39 vectors", "[bip39]") {
  for (const Vector& v : kVectors) {
    INFO(v.phrase);
    Bytes entropy = from_hex(v.entropy).value();
    REQUIRE(to_bytes(mnemonic_to_entropy(v.phrase).value().view()) == entropy);
    REQUIRE(mnemonic_from_entropy(entropy).value() == v.phrase);
  }
}

TEST_CASE("bip39: mini secret is PBKDF2 keyed by the entropy (substrate-bip39 vectors)",
          "[bip39]") {
  for (const Vector& v : kVectors) {
    INFO(v.phrase);
    Bytes want = from_hex(v.mini_secret).value();
    Bytes entropy = from_hex(v.entropy).value();
    REQUIRE(to_bytes(mini_secret_from_entropy(entropy, "Substrate").value().view()) == want);
    REQUIRE(to_bytes(mini_secret_from_phrase(v.phrase, "Substrate").value().view()) == want);
    // A different password gives a different secret.
    REQUIRE(to_bytes(mini_secret_from_phrase(v.phrase, "").value().view()) != want);
  }
}

TEST_CASE("bip39: entropy round-trips for every length", "[bip39]") {
  std::mt19937_64 rng(20240601);
  for (std::size_t size : {16, 20, 24, 28, 32}) {
    for (int i = 0; i < 50; ++i) {
      Bytes entropy(size);
      for (auto& b : entropy) b = static_cast<std::uint8_t>(rng());
      std::string phrase = mnemonic_from_entropy(entropy).value();
      REQUIRE(word_count(phrase) == size * 3 / 4);
      REQUIRE(to_bytes(mnemonic_to_entropy(phrase).value().view()) == entropy);
    }
  }
}

TEST_CASE("bip39: entropy of a wrong size is rejected", "[bip39]") {
  for (std::size_t size : {0, 12, 15, 17, 33, 64}) {
    require_error(mnemonic_from_entropy(Bytes(size, 1)), KeyErrc::InvalidMnemonic,
                  "got " + std::to_string(size));
    require_error(mini_secret_from_entropy(Bytes(size, 1), ""), KeyErrc::InvalidMnemonic,
                  "got " + std::to_string(size));
  }
}

TEST_CASE("bip39: a non-ASCII password is rejected, not normalised", "[bip39]") {
  require_error(mini_secret_from_entropy(Bytes(16, 0), "caf\xc3\xa9"), KeyErrc::InvalidSecretUri,
                "byte 3 is not ASCII");
}

TEST_CASE("bip39: the embedded list has 2048 distinct sorted words", "[bip39]") {
  std::vector<std::string> list = word_list();
  REQUIRE(list.size() == 2048);
  REQUIRE(list.front() == "abandon");
  REQUIRE(list.back() == "zoo");
  for (std::size_t i = 1; i < list.size(); ++i) REQUIRE(list[i - 1] < list[i]);
}

TEST_CASE("bip39: the checksum admits exactly one last word in 2^checksum-bits", "[bip39]") {
  // 12 words: the last word is 7 entropy bits + 4 checksum bits -> 2^7 of 2048 pass.
  // 24 words: 3 entropy bits + 8 checksum bits -> 2^3 pass.
  std::vector<std::string> list = word_list();
  for (auto [phrase, want] : {std::pair{std::string(kVectors[2].phrase), 128},
                              std::pair{std::string(kVectors[6].phrase), 8}}) {
    std::string head = phrase.substr(0, phrase.rfind(' ') + 1);
    int passing = 0;
    for (const std::string& w : list) {
      auto r = mnemonic_to_entropy(head + w);
      if (r.ok()) {
        ++passing;
      } else {
        REQUIRE(is(r.error(), KeyErrc::InvalidMnemonic));
        REQUIRE_THAT(r.error().message, Catch::Contains("checksum mismatch"));
      }
    }
    REQUIRE(passing == want);
  }
}

TEST_CASE("generate_mnemonic: valid phrases of the requested length", "[bip39]") {
  for (std::size_t words : {12, 15, 18, 21, 24}) {
    std::string a = generate_mnemonic(words).value();
    std::string b = generate_mnemonic(words).value();
    REQUIRE(word_count(a) == words);
    REQUIRE(a != b);
    REQUIRE(mnemonic_to_entropy(a).value().size == words * 4 / 3);
    REQUIRE(from_suri(Scheme::Ed25519, a + "//0").ok());
  }
  REQUIRE(word_count(generate_mnemonic().value()) == 12);
}

TEST_CASE("generate_mnemonic: rejects a word count BIP39 does not define", "[bip39]") {
  for (std::size_t words : {0, 1, 11, 13, 27, 48}) {
    require_error(generate_mnemonic(words), KeyErrc::InvalidMnemonic,
                  "cannot generate " + std::to_string(words) + " words");
  }
}

}  // namespace ev::chain
