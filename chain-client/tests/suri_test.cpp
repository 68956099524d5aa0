// Secret URIs: grammar, hard derivation, passwords, and every rejection.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>

#include "ev/chain/hash.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/scale.hpp"
#include "require_error.hpp"

namespace ev::chain {
namespace {

using ev::test::require_error;

Bytes suri_public(Scheme s, std::string_view suri,
                  std::optional<std::string_view> password = std::nullopt) {
  auto k = from_suri(s, suri, password);
  INFO(suri);
  if (!k.ok()) FAIL(k.error().to_string());
  return k->public_key();
}

Bytes seed_public(Scheme s, const Seed& seed) {
  return KeyPair::from_seed(s, seed.view()).value().public_key();
}

const std::string kSeedHex = "0x9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
const Scheme kBoth[] = {Scheme::Ed25519, Scheme::Ecdsa};

}  // namespace

TEST_CASE("junction: a name is its SCALE string, zero-padded to 32 bytes", "[suri]") {
  ByteArray<32> want{};
  want[0] = 5 << 2;  // compact length 5
  std::string_view name = "Alice";
  std::copy(name.begin(), name.end(), want.begin() + 1);
  REQUIRE(junction_chain_code("Alice") == want);
}

TEST_CASE("junction: a u64 number is its little-endian encoding, as Rust parses it", "[suri]") {
  ByteArray<32> five{};
  five[0] = 5;
  REQUIRE(junction_chain_code("5") == five);
  REQUIRE(junction_chain_code("+5") == five);
  REQUIRE(junction_chain_code("0005") == five);
  ByteArray<32> max{};
  for (int i = 0; i < 8; ++i) max[static_cast<std::size_t>(i)] = 0xff;
  REQUIRE(junction_chain_code("18446744073709551615") == max);
  // Not u64: a sign, overflow, a lone '+', a non-digit -> a string.
  for (std::string_view s : {"-1", "18446744073709551616", "+", "1a", " 1"}) {
    ByteArray<32> str{};
    str[0] = static_cast<std::uint8_t>(s.size() << 2);
    std::copy(s.begin(), s.end(), str.begin() + 1);
    INFO(s);
    REQUIRE(junction_chain_code(s) == str);
  }
}

TEST_CASE("junction: longer than 32 encoded bytes is hashed with blake2_256", "[suri]") {
  std::string n31(31, 'x');  // 1 + 31 = 32 bytes: padded, not hashed
  REQUIRE(junction_chain_code(n31)[0] == 31 << 2);
  REQUIRE(junction_chain_code(n31)[31] == 'x');
  std::string n32(32, 'x');  // 33 bytes: hashed
  Bytes enc;
  scale::append_compact(enc, 32);
  append(enc, as_bytes(n32));
  REQUIRE(junction_chain_code(n32) == blake2_256(enc));
  std::string n70(70, 'y');  // two-byte compact length
  enc.clear();
  scale::append_compact(enc, 70);
  append(enc, as_bytes(n70));
  REQUIRE(enc.size() == 72);
  REQUIRE(junction_chain_code(n70) == blake2_256(enc));
}

TEST_CASE("derive_hard: blake2_256 of the SCALE tuple (label, seed, chain code)", "[suri]") {
  Seed seed;
  for (std::size_t i = 0; i < seed.size(); ++i) seed.data()[i] = static_cast<std::uint8_t>(i);
  ByteArray<32> cc = junction_chain_code("Alice");
  for (auto [scheme, label] : {std::pair{Scheme::Ed25519, std::string_view("Ed25519HDKD")},
                               std::pair{Scheme::Ecdsa, std::string_view("Secp256k1HDKD")}}) {
    Bytes input;
    scale::append_compact(input, label.size());
    append(input, as_bytes(label));
    append(input, seed.view());
    append(input, cc);
    Seed derived = derive_hard(scheme, seed, cc).value();
    H256 want = blake2_256(input);
    REQUIRE(Bytes(derived.view().begin(), derived.view().end()) == Bytes(want.begin(), want.end()));
  }
}

TEST_CASE("suri: //Alice alone means the development phrase", "[suri]") {
  for (Scheme s : kBoth) {
    REQUIRE(suri_public(s, "//Alice") == suri_public(s, std::string(kDevPhrase) + "//Alice"));
    Seed root = mini_secret_from_phrase(kDevPhrase, "").value();
    Seed alice = derive_hard(s, root, junction_chain_code("Alice")).value();
    REQUIRE(suri_public(s, "//Alice") == seed_public(s, alice));
    REQUIRE(suri_public(s, kDevPhrase) == seed_public(s, root));
  }
}

TEST_CASE("suri: junctions apply left to right", "[suri]") {
  for (Scheme s : kBoth) {
    Seed root = mini_secret_from_phrase(kDevPhrase, "").value();
    Seed a = derive_hard(s, root, junction_chain_code("Alice")).value();
    Seed b = derive_hard(s, a, junction_chain_code("stash")).value();
    Seed c = derive_hard(s, b, junction_chain_code("3")).value();
    REQUIRE(suri_public(s, "//Alice//stash//3") == seed_public(s, c));
    REQUIRE(suri_public(s, "//Alice//stash") != suri_public(s, "//stash//Alice"));
    // Junction names may hold any character but '/', including UTF-8.
    REQUIRE(suri_public(s, "//a b.c") ==
            seed_public(s, derive_hard(s, root, junction_chain_code("a b.c")).value()));
    REQUIRE(from_suri(s, "//\xc3\xa9t\xc3\xa9").ok());
  }
}

TEST_CASE("suri: 0x seed is the raw seed, hex in any case", "[suri]") {
  for (Scheme s : kBoth) {
    Bytes seed = from_hex(kSeedHex).value();
    Bytes pk = KeyPair::from_seed(s, seed).value().public_key();
    REQUIRE(suri_public(s, kSeedHex) == pk);
    std::string upper = "0x" + std::string(kSeedHex.substr(2));
    for (std::size_t i = 2; i < upper.size(); ++i) {
      upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    }
    REQUIRE(suri_public(s, upper) == pk);
    Seed root(std::span<const std::uint8_t, 32>(seed.data(), 32));
    Seed alice = derive_hard(s, root, junction_chain_code("Alice")).value();
    REQUIRE(suri_public(s, kSeedHex + "//Alice") == seed_public(s, alice));
  }
}

TEST_CASE("suri: 0x seed with bad hex or wrong length is rejected", "[suri]") {
  for (Scheme s : kBoth) {
    std::string bad = kSeedHex;
    bad[10] = 'g';
    require_error(from_suri(s, bad), KeyErrc::InvalidSeed, "non-hex character at offset 10");
    require_error(from_suri(s, kSeedHex.substr(0, 64)), KeyErrc::InvalidSeed, "got 62 hex digits");
    require_error(from_suri(s, kSeedHex + "00"), KeyErrc::InvalidSeed, "got 66 hex digits");
    require_error(from_suri(s, kSeedHex.substr(0, 65)), KeyErrc::InvalidSeed, "got 63 hex digits");
    require_error(from_suri(s, "0x"), KeyErrc::InvalidSeed, "got 0 hex digits");
    require_error(from_suri(s, "0x12 34"), KeyErrc::InvalidSeed, "offset 4");
  }
  require_error(from_suri(Scheme::Ecdsa, "0x" + std::string(64, '0')), KeyErrc::InvalidSeed,
                "not a secp256k1 secret key");
}

TEST_CASE("suri: soft junctions are rejected for ed25519 and ecdsa", "[suri]") {
  for (Scheme s : kBoth) {
    const std::string_view why = "soft derivation is sr25519 only";
    require_error(from_suri(s, "/Alice"), KeyErrc::SoftDerivation, why);
    require_error(from_suri(s, "//Alice/1"), KeyErrc::SoftDerivation, "offset 7");
    require_error(from_suri(s, kSeedHex + "/x//y"), KeyErrc::SoftDerivation, why);
  }
}

TEST_CASE("suri: syntax errors name the offset", "[suri]") {
  for (Scheme s : kBoth) {
    require_error(from_suri(s, ""), KeyErrc::InvalidSecretUri, "empty");
    require_error(from_suri(s, "//"), KeyErrc::InvalidSecretUri, "empty hard junction at offset 0");
    require_error(from_suri(s, "//Alice//"), KeyErrc::InvalidSecretUri,
                  "empty hard junction at offset 7");
    require_error(from_suri(s, "//Alice/"), KeyErrc::InvalidSecretUri,
                  "empty soft junction at offset 7");
    require_error(from_suri(s, "bottom.drive"), KeyErrc::InvalidSecretUri,
                  "invalid character (a phrase holds only ASCII letters, digits and spaces) at "
                  "offset 6");
    require_error(from_suri(s, "bottom\tdrive"), KeyErrc::InvalidSecretUri, "offset 6");
    require_error(from_suri(s, "//Al\xffice"), KeyErrc::InvalidSecretUri,
                  "invalid UTF-8 at offset 4");
    require_error(from_suri(s, "//\xc0\xaf"), KeyErrc::InvalidSecretUri,
                  "invalid UTF-8");  // overlong
    require_error(from_suri(s, "//\xed\xa0\x80"), KeyErrc::InvalidSecretUri,
                  "invalid UTF-8");  // surrogate
    require_error(from_suri(s, "//\xe2\x82"), KeyErrc::InvalidSecretUri,
                  "invalid UTF-8");  // truncated
  }
}

TEST_CASE("suri: password in the URI or as argument gives the same key", "[suri]") {
  for (Scheme s : kBoth) {
    Bytes with = suri_public(s, "//Alice///secret");
    REQUIRE(with == suri_public(s, "//Alice", "secret"));
    REQUIRE(with != suri_public(s, "//Alice"));
    Seed root = mini_secret_from_phrase(kDevPhrase, "secret").value();
    REQUIRE(with == seed_public(s, derive_hard(s, root, junction_chain_code("Alice")).value()));
    // An empty password is no password (salt "mnemonic").
    REQUIRE(suri_public(s, "//Alice///") == suri_public(s, "//Alice"));
    // After "///" everything is password, slashes included.
    REQUIRE(suri_public(s, "//Alice///a//b/c") == suri_public(s, "//Alice", "a//b/c"));
    REQUIRE(suri_public(s, "////x") == suri_public(s, kDevPhrase, "/x"));
  }
}

TEST_CASE("suri: password rejections", "[suri]") {
  for (Scheme s : kBoth) {
    require_error(from_suri(s, "//Alice///a", "b"), KeyErrc::InvalidSecretUri, "both");
    require_error(from_suri(s, kSeedHex + "///pw"), KeyErrc::InvalidSecretUri, "not to a 0x seed");
    require_error(from_suri(s, kSeedHex, "pw"), KeyErrc::InvalidSecretUri, "not to a 0x seed");
    require_error(from_suri(s, "//Alice///a\nb"), KeyErrc::InvalidSecretUri,
                  "line break in the password at offset 11");
    require_error(from_suri(s, "//Alice///p\xc3\xa4ss"), KeyErrc::InvalidSecretUri,
                  "byte 1 is not ASCII");
  }
}

TEST_CASE("suri: phrase words may be separated by several spaces", "[suri]") {
  std::string spaced = "  ";
  for (char c : kDevPhrase) spaced += c == ' ' ? std::string("   ") : std::string(1, c);
  spaced += " ";
  for (Scheme s : kBoth) {
    REQUIRE(suri_public(s, spaced + "//Alice") == suri_public(s, "//Alice"));
  }
}

TEST_CASE("suri: mnemonic errors say which word, where, and why", "[suri]") {
  std::string phrase(kDevPhrase);
  for (Scheme s : kBoth) {
    std::string typo = phrase.substr(0, phrase.size() - 4) + "walc";
    require_error(from_suri(s, typo), KeyErrc::InvalidMnemonic,
                  "unknown word 'walc' at position 12");
    std::string upper = "Bottom" + phrase.substr(6);
    require_error(from_suri(s, upper), KeyErrc::InvalidMnemonic,
                  "unknown word 'Bottom' at position 1");
    std::string wrong_last = phrase.substr(0, phrase.size() - 4) + "zoo";
    require_error(from_suri(s, wrong_last + "//Alice"), KeyErrc::InvalidMnemonic,
                  "checksum mismatch");
    std::string eleven = phrase.substr(0, phrase.rfind(' '));
    require_error(from_suri(s, eleven), KeyErrc::InvalidMnemonic,
                  "11 words; expected 12, 15, 18, 21 or 24");
    require_error(from_suri(s, "   //Alice"), KeyErrc::InvalidMnemonic, "0 words");
    require_error(from_suri(s, phrase + " walk"), KeyErrc::InvalidMnemonic, "13 words");
  }
}

}  // namespace ev::chain
