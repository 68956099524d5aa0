// Known answers for v4 extrinsics: ../shared/vectors/substrate/vectors.json, sections
// `extrinsic_v4_manual` (hand-assembled, extension order given by its description) and
// `extrinsic_v4_polkadot_metadata` (the extension plan read from the real Polkadot V15
// metadata). Every step is compared: extra, implicit, signing payload, bytes signed, signature,
// extrinsic, hash; then the vector extrinsic is decoded and its signature verified.
#include <simdjson.h>

#include <array>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "ev/chain/extrinsic.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/metadata.hpp"
#include "test_support.hpp"

namespace ev::chain {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

Bytes hex(std::string_view s) {
  auto b = from_hex(s);
  if (!b.ok()) FAIL("bad hex in vectors: " << b.error().to_string());
  return *b;
}
ByteArray<32> hex32(std::string_view s) {
  auto b = from_hex_fixed<32>(s);
  if (!b.ok()) FAIL("bad 32-byte hex in vectors: " << b.error().to_string());
  return *b;
}
std::string_view sv(element e) { return std::string_view(e); }

struct Doc {
  simdjson::dom::parser parser;
  element root;
  Doc() { root = parser.load(test::require_vectors("substrate/vectors.json").string()); }
};

constexpr std::array<std::string_view, 11> kManualOrder = {
    "AuthorizeCall",     "CheckNonZeroSender", "CheckSpecVersion",
    "CheckTxVersion",    "CheckGenesis",       "CheckMortality",
    "CheckNonce",        "CheckWeight",        "ChargeTransactionPayment",
    "CheckMetadataHash", "WeightReclaim"};

// The options and identity of the manual vectors' `params`.
struct ManualParams {
  ChainIdentity id;
  TxOptions opts;
};

ManualParams manual_params(object p) {
  ManualParams m;
  m.id.spec_version = static_cast<std::uint32_t>(std::uint64_t(p["spec_version"]));
  m.id.transaction_version = static_cast<std::uint32_t>(std::uint64_t(p["transaction_version"]));
  m.id.genesis_hash = hex32(sv(p["genesis_hash"]));
  m.opts.nonce = std::uint64_t(p["nonce"]);
  m.opts.tip = u128_from_string(sv(p["tip"])).value();
  m.opts.period = 64;
  m.opts.birth_number = 42;  // era_note: Era::mortal(64, 42)
  m.opts.birth_hash = hex32(sv(p["birth_block_hash"]));
  m.opts.metadata_hash_mode = static_cast<std::uint8_t>(std::uint64_t(p["metadata_hash_mode"]));
  return m;
}

// Checks one manual case step by step; `opts` already carries the case's metadata hash mode.
void check_case(const ExtrinsicFormat& fmt, object c, ByteSpan call, const ChainIdentity& id,
                const TxOptions& opts, const KeyPair& key) {
  const std::set<std::string_view> known = {"extra",
                                            "implicit",
                                            "signing_payload",
                                            "payload_len",
                                            "hashed_before_signing",
                                            "bytes_signed",
                                            "signature",
                                            "extrinsic",
                                            "extrinsic_hash_blake2_256"};
  for (auto [k, v] : c) {
    INFO("field " << k);
    CHECK(known.count(k) == 1);
  }
  const Bytes extra = fmt.encode_extra(opts).value();
  const Bytes implicit = fmt.encode_implicit(id, opts).value();
  CHECK(to_hex(extra) == sv(c["extra"]));
  CHECK(to_hex(implicit) == sv(c["implicit"]));

  Bytes concatenated(call.begin(), call.end());
  append(concatenated, extra);
  append(concatenated, implicit);
  CHECK(to_hex(concatenated) == sv(c["signing_payload"]));
  CHECK(concatenated.size() == std::uint64_t(c["payload_len"]));
  const bool hashed = bool(c["hashed_before_signing"]);
  CHECK((concatenated.size() > kMaxUnhashedPayload) == hashed);

  const Bytes payload = ExtrinsicFormat::signing_payload(call, extra, implicit);
  CHECK(to_hex(payload) == sv(c["bytes_signed"]));
  CHECK(to_hex(key.sign(payload).value()) == sv(c["signature"]));

  const Bytes xt = fmt.build_signed(key, call, id, opts).value();
  CHECK(to_hex(xt) == sv(c["extrinsic"]));
  CHECK(to_hex(extrinsic_hash(xt)) == sv(c["extrinsic_hash_blake2_256"]));

  // The vector's own bytes decode to the same parts and verify as a node checks them.
  const Bytes vector_xt = hex(sv(c["extrinsic"]));
  const auto decoded = fmt.decode(vector_xt);
  REQUIRE(decoded.ok());
  REQUIRE(decoded->signer.has_value());
  CHECK(decoded->signer->account == key.account_id());
  CHECK(decoded->signer->scheme == key.scheme());
  CHECK(to_hex(decoded->signer->signature) == sv(c["signature"]));
  CHECK(decoded->extra.raw == extra);
  CHECK(decoded->extra.era == opts.era());
  CHECK(decoded->extra.nonce == opts.nonce);
  CHECK(decoded->extra.tip == opts.tip);
  CHECK(decoded->extra.metadata_hash_mode == opts.metadata_hash_mode);
  CHECK(Bytes(call.begin(), call.end()) == decoded->call);
  CHECK(decoded->encoded_size == vector_xt.size());
  CHECK(fmt.verify(*decoded, id, opts.birth_hash, opts.metadata_hash).ok());
}

TEST_CASE("extrinsic vectors: manual v4 extrinsics match byte for byte", "[extrinsic]") {
  Doc doc;
  const object m = doc.root["extrinsic_v4_manual"];
  const auto fmt = ExtrinsicFormat::from_identifiers(kManualOrder);
  REQUIRE(fmt.ok());
  ManualParams p = manual_params(m["params"]);
  CHECK(to_hex([&] {
          scale::Encoder e;
          p.opts.era().encode(e);
          return e.take();
        }()) == sv(m["params"]["era_hex"]));

  const Bytes small = hex(sv(m["small_call"]["call"]));
  const Bytes big = hex(sv(m["big_call"]["call"]));
  const KeyPair ed = from_suri(Scheme::Ed25519, "//Alice").value();
  const KeyPair ec = from_suri(Scheme::Ecdsa, "//Alice").value();

  SECTION("ed25519 small call") {
    check_case(*fmt, m["ed25519_alice_small"], small, p.id, p.opts, ed);
  }
  SECTION("ed25519 big call (payload hashed)") {
    check_case(*fmt, m["ed25519_alice_big"], big, p.id, p.opts, ed);
  }
  SECTION("ecdsa small call") { check_case(*fmt, m["ecdsa_alice_small"], small, p.id, p.opts, ec); }
  SECTION("ed25519 small call, metadata hash mode 1") {
    TxOptions o = p.opts;
    o.metadata_hash_mode = 1;
    o.metadata_hash.emplace();
    o.metadata_hash->fill(0x11);  // the hash the vector's implicit carries
    check_case(*fmt, m["ed25519_alice_small_metadata_hash_mode1"], small, p.id, o, ed);
  }
}

TEST_CASE("extrinsic vectors: every manual case is covered", "[extrinsic]") {
  Doc doc;
  const std::set<std::string_view> covered = {
      "description",         "params",
      "small_call",          "big_call",
      "ed25519_alice_small", "ed25519_alice_big",
      "ecdsa_alice_small",   "ed25519_alice_small_metadata_hash_mode1"};
  for (auto [k, v] : object(doc.root["extrinsic_v4_manual"])) {
    INFO("case " << k);
    CHECK(covered.count(k) == 1);
  }
}

Metadata load_metadata(Doc& doc, std::string_view file_key) {
  const auto bin = sv(doc.root["metadata"]["files"][file_key]["bin"]);
  const auto path = test::require_vectors("substrate/" + std::string(bin));
  const std::string raw = test::read_file(path);
  auto md = decode_metadata(as_bytes(raw));
  if (!md.ok()) FAIL("metadata " << bin << ": " << md.error().to_string());
  return std::move(md).value();
}

std::vector<std::string> identifiers(const ExtrinsicFormat& f) {
  std::vector<std::string> out;
  for (const auto& e : f.extensions()) out.push_back(e.identifier);
  return out;
}

TEST_CASE("extrinsic vectors: Polkadot V15 metadata drives a byte-identical extrinsic",
          "[extrinsic]") {
  Doc doc;
  const object v = doc.root["extrinsic_v4_polkadot_metadata"];
  const Metadata md = load_metadata(doc, "polkadot_v15");
  const auto fmt = ExtrinsicFormat::from_metadata(md);
  REQUIRE(fmt.ok());
  CHECK(identifiers(*fmt) == std::vector<std::string>{"CheckNonZeroSender", "CheckSpecVersion",
                                                      "CheckTxVersion", "CheckGenesis",
                                                      "CheckMortality", "CheckNonce", "CheckWeight",
                                                      "ChargeTransactionPayment",
                                                      "PrevalidateAttests", "CheckMetadataHash"});

  const Bytes call = hex(sv(v["call"]));
  const auto info = md.call("Balances", "transfer_keep_alive").value();
  CHECK(call[0] == info.pallet_index);
  CHECK(call[1] == info.call_index);

  const object rv = doc.root["metadata"]["polkadot_v15_runtime_version"];
  const object p = doc.root["extrinsic_v4_manual"]["params"];
  ChainIdentity id;
  id.spec_version = static_cast<std::uint32_t>(std::uint64_t(rv["specVersion"]));
  id.transaction_version = static_cast<std::uint32_t>(std::uint64_t(rv["transactionVersion"]));
  id.genesis_hash = hex32(sv(p["genesis_hash"]));
  TxOptions opts;
  opts.nonce = 7;
  opts.period = 64;
  opts.birth_number = 42;
  opts.birth_hash = hex32(sv(p["birth_block_hash"]));

  const Bytes extra = fmt->encode_extra(opts).value();
  const Bytes implicit = fmt->encode_implicit(id, opts).value();
  const Bytes payload = ExtrinsicFormat::signing_payload(call, extra, implicit);
  CHECK(to_hex(payload) == sv(v["signing_payload"]));
  const KeyPair alice = from_suri(Scheme::Ed25519, "//Alice").value();
  CHECK(to_hex(alice.sign(payload).value()) == sv(v["signature"]));
  const Bytes xt = fmt->build_signed(alice, call, id, opts).value();
  CHECK(to_hex(xt) == sv(v["extrinsic"]));
  CHECK(to_hex(extrinsic_hash(xt)) == sv(v["extrinsic_hash"]));

  const auto decoded = fmt->decode(hex(sv(v["extrinsic"])));
  REQUIRE(decoded.ok());
  CHECK(decoded->extra.era.period() == 64);
  CHECK(decoded->extra.era.phase() == 42);
  CHECK(decoded->extra.nonce == 7);
  CHECK(decoded->extra.tip == 0);
  CHECK(decoded->extra.metadata_hash_mode == 0);
  CHECK(decoded->call == call);
  CHECK(fmt->verify(*decoded, id, opts.birth_hash).ok());
  ChainIdentity other = id;
  other.spec_version += 1;
  CHECK_FALSE(fmt->verify(*decoded, other, opts.birth_hash).ok());
}

TEST_CASE("extrinsic vectors: Polkadot V14 metadata gives the V15 extension plan", "[extrinsic]") {
  Doc doc;
  const auto v14 = ExtrinsicFormat::from_metadata(load_metadata(doc, "polkadot_v14"));
  const auto v15 = ExtrinsicFormat::from_metadata(load_metadata(doc, "polkadot_v15"));
  REQUIRE(v14.ok());
  REQUIRE(v15.ok());
  CHECK(identifiers(*v14) == identifiers(*v15));
}

TEST_CASE("extrinsic vectors: Substrate V16 metadata plans the version-0 extensions",
          "[extrinsic]") {
  Doc doc;
  const auto fmt = ExtrinsicFormat::from_metadata(load_metadata(doc, "substrate_v16"));
  REQUIRE(fmt.ok());
  CHECK(identifiers(*fmt) ==
        std::vector<std::string>{"AuthorizeCall", "CheckNonZeroSender", "CheckSpecVersion",
                                 "CheckTxVersion", "CheckGenesis", "CheckMortality", "CheckNonce",
                                 "CheckWeight", "ChargeAssetTxPayment", "CheckMetadataHash",
                                 "WeightReclaim"});
  // ChargeAssetTxPayment: tip then asset id None.
  TxOptions opts;
  opts.immortal = true;
  opts.nonce = 3;
  opts.tip = 5;
  CHECK(to_hex(fmt->encode_extra(opts).value()) == "0x000c140000");
  const KeyPair alice = from_suri(Scheme::Ecdsa, "//Alice").value();
  const Bytes call = {0x00, 0x07, 0x04, 0x61};
  ChainIdentity id;
  id.genesis_hash.fill(0x42);
  const Bytes xt = fmt->build_signed(alice, call, id, opts).value();
  const auto back = fmt->decode(xt);
  REQUIRE(back.ok());
  CHECK(back->extra.tip == 5);
  CHECK(back->extra.nonce == 3);
  CHECK(back->extra.era.is_immortal());
  CHECK(fmt->verify(*back, id, ByteArray<32>{}).ok());
}

}  // namespace
}  // namespace ev::chain
