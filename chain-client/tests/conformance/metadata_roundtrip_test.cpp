// encode_metadata on the real metadata files of ../shared/vectors/substrate: Polkadot V14 and
// V15 decode -> encode -> decode to the same model; V15 written as V14; the kitchensink V16
// model, given the parts V15 needs from its own registry, written as V15; the builder's
// convenience types equal the Polkadot registry's own.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ev/chain/metadata.hpp"
#include "ev/chain/metadata_builder.hpp"
#include "test_support.hpp"

using ev::chain::decode_metadata;
using ev::chain::encode_metadata;
using ev::chain::Metadata;
using ev::chain::MetadataErrc;
using ev::chain::TypeDef;
using ev::chain::TypeKind;

namespace {

Metadata load_meta(const std::string& key) {
  auto json_path = ev::test::require_vectors("substrate/vectors.json");
  auto v = nlohmann::json::parse(ev::test::read_file(json_path));
  const auto& f = v["metadata"]["files"][key];
  auto raw = ev::test::read_file(json_path.parent_path() / f["bin"].get<std::string>());
  REQUIRE(raw.size() == f["raw_len"].get<std::size_t>());
  auto m = decode_metadata(ev::as_bytes(raw));
  if (!m.ok()) FAIL(m.error().to_string());
  return std::move(m).value();
}

Metadata reencode(const Metadata& m, std::uint8_t version) {
  auto bytes = encode_metadata(m, version);
  if (!bytes.ok()) FAIL(bytes.error().to_string());
  auto back = decode_metadata(*bytes);
  if (!back.ok()) FAIL(back.error().to_string());
  CHECK(encode_metadata(*back, version).value() == *bytes);  // stable under a second pass
  return std::move(back).value();
}

// The id of the only registry type whose path ends with `last`.
std::uint32_t type_by_path_end(const Metadata& m, const std::string& last) {
  std::vector<std::uint32_t> hits;
  for (std::uint32_t i = 0; i < m.types.size(); ++i) {
    if (!m.types[i].path.empty() && m.types[i].path.back() == last) hits.push_back(i);
  }
  REQUIRE(hits.size() == 1);
  return hits[0];
}

std::uint32_t param(const TypeDef& t, const std::string& name) {
  for (const auto& p : t.params) {
    if (p.name == name && p.type) return *p.type;
  }
  FAIL("no type param " << name);
  return 0;
}

// Structural equality of type a in ra and type b in rb (ids followed, not compared).
bool same_shape(const std::vector<TypeDef>& ra, std::uint32_t a, const std::vector<TypeDef>& rb,
                std::uint32_t b, int depth = 0) {
  const auto& x = ra.at(a);
  const auto& y = rb.at(b);
  if (depth > 8) return true;
  if (x.path != y.path || x.kind != y.kind || x.params.size() != y.params.size()) return false;
  for (std::size_t i = 0; i < x.params.size(); ++i) {
    if (x.params[i].name != y.params[i].name ||
        x.params[i].type.has_value() != y.params[i].type.has_value()) {
      return false;
    }
  }
  auto same_fields = [&](const std::vector<ev::chain::TypeField>& f,
                         const std::vector<ev::chain::TypeField>& g) {
    if (f.size() != g.size()) return false;
    for (std::size_t i = 0; i < f.size(); ++i) {
      if (f[i].name != g[i].name || f[i].type_name != g[i].type_name ||
          !same_shape(ra, f[i].type, rb, g[i].type, depth + 1)) {
        return false;
      }
    }
    return true;
  };
  switch (x.kind) {
    case TypeKind::Composite: return same_fields(x.fields, y.fields);
    case TypeKind::Variant:
      if (x.variants.size() != y.variants.size()) return false;
      for (std::size_t i = 0; i < x.variants.size(); ++i) {
        if (x.variants[i].name != y.variants[i].name ||
            x.variants[i].index != y.variants[i].index ||
            !same_fields(x.variants[i].fields, y.variants[i].fields)) {
          return false;
        }
      }
      return true;
    case TypeKind::Array:
      return x.length == y.length && same_shape(ra, x.element, rb, y.element, depth + 1);
    case TypeKind::Sequence:
    case TypeKind::Compact: return same_shape(ra, x.element, rb, y.element, depth + 1);
    case TypeKind::Primitive: return x.primitive == y.primitive;
    case TypeKind::Tuple:
      if (x.tuple.size() != y.tuple.size()) return false;
      for (std::size_t i = 0; i < x.tuple.size(); ++i) {
        if (!same_shape(ra, x.tuple[i], rb, y.tuple[i], depth + 1)) return false;
      }
      return true;
    case TypeKind::BitSequence:
      return same_shape(ra, x.element, rb, y.element, depth + 1) &&
             same_shape(ra, x.bit_order, rb, y.bit_order, depth + 1);
  }
  return false;
}

}  // namespace

TEST_CASE("metadata round trip: polkadot v14 decodes, encodes as V14 and decodes equal",
          "[metadata][encode][conformance]") {
  auto m = load_meta("polkadot_v14");
  auto back = reencode(m, 14);
  CHECK(back.types.size() == m.types.size());
  CHECK(back.pallets.size() == m.pallets.size());
  CHECK(back == m);
}

TEST_CASE("metadata round trip: polkadot v15 decodes, encodes as V15 and decodes equal",
          "[metadata][encode][conformance]") {
  auto m = load_meta("polkadot_v15");
  auto back = reencode(m, 15);
  CHECK(back.apis.size() == m.apis.size());
  CHECK(back == m);
}

TEST_CASE("metadata round trip: polkadot v15 written as V14 keeps all V14 carries",
          "[metadata][encode][conformance]") {
  auto m = load_meta("polkadot_v15");
  // V15 has no UncheckedExtrinsic type id in its extrinsic info; V14 needs one.
  auto missing = encode_metadata(m, 14);
  REQUIRE_FALSE(missing.ok());
  CHECK(ev::is(missing.error(), MetadataErrc::Incomplete));
  m.extrinsic.extrinsic_type = type_by_path_end(m, "UncheckedExtrinsic");
  auto back = reencode(m, 14);

  Metadata want = m;
  want.version = 14;
  want.extrinsic.address_type.reset();
  want.extrinsic.call_type.reset();
  want.extrinsic.signature_type.reset();
  want.extrinsic.extra_type.reset();
  want.outer_enums.reset();
  want.apis.clear();
  want.custom.clear();
  CHECK(back == want);
  CHECK(back.call("Balances", "transfer_keep_alive").ok());
}

TEST_CASE("metadata round trip: kitchensink v16 given a runtime and extra type encodes as V15",
          "[metadata][encode][conformance]") {
  auto m = load_meta("substrate_v16");
  auto refused = encode_metadata(m, 15);
  REQUIRE_FALSE(refused.ok());
  CHECK(ev::is(refused.error(), MetadataErrc::Incomplete));

  // What V15 carries and V16 does not, taken from the V16 registry itself: the runtime type,
  // one extrinsic version (4, with the extensions of extension version 0) and the Extra type
  // of UncheckedExtrinsic.
  const auto xt = type_by_path_end(m, "UncheckedExtrinsic");
  m.runtime_type = type_by_path_end(m, "Runtime");
  m.extrinsic.versions = {4};
  m.extrinsic.extra_type = param(m.types[xt], "Extra");
  const auto& v0 = m.extrinsic.extensions_by_version.at(0);
  REQUIRE(v0.first == 0);
  std::vector<ev::chain::SignedExtension> exts;
  for (auto i : v0.second) exts.push_back(m.extrinsic.signed_extensions.at(i));
  m.extrinsic.signed_extensions = exts;
  m.extrinsic.extensions_by_version.clear();

  auto back = reencode(m, 15);
  Metadata want = m;
  want.version = 15;
  CHECK(back == want);
  CHECK(back.types.size() == m.types.size());
  CHECK(back.extrinsic.signed_extensions.size() == exts.size());
  CHECK(back.call("Balances", "transfer_keep_alive").ok());
}

TEST_CASE("metadata builder: convenience types equal the Polkadot registry's",
          "[metadata][builder][conformance]") {
  auto m = load_meta("polkadot_v15");
  ev::chain::TypeRegistryBuilder b;
  auto u8 = b.primitive(ev::chain::Primitive::U8);
  auto acc = b.account_id32();
  auto h256 = b.h256();
  auto bv = b.bounded_vec(u8);
  auto opt = b.option(acc);
  auto addr = b.multi_address(acc, b.unit());
  auto sig = b.multi_signature();
  auto xt = b.unchecked_extrinsic(addr, b.unit(), sig, b.unit());
  auto types = std::move(b).finish();
  REQUIRE(types.ok());
  std::size_t matched = 0;
  auto find = [&](std::uint32_t mine) {
    for (std::uint32_t i = 0; i < m.types.size(); ++i) {
      if (same_shape(*types, mine, m.types, i)) return true;
    }
    return false;
  };
  for (auto id : {acc, h256, bv, opt, addr, sig, xt}) {
    INFO("builder type " << id);
    CHECK(find(id));
    ++matched;
  }
  CHECK(matched == 7);
}
