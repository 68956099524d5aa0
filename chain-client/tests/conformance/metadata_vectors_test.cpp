// Runtime metadata known answers from ../shared/vectors/substrate: the three metadata files
// (V14, V15, V16) and every item of metadata.polkadot_v15_lookups and the events name tables.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "ev/chain/metadata.hpp"
#include "test_support.hpp"

using ev::chain::Metadata;
using nlohmann::json;

namespace {

json load_vectors() {
  auto path = ev::test::require_vectors("substrate/vectors.json");
  return json::parse(ev::test::read_file(path));
}

Metadata load_meta(const json& v, const std::string& key) {
  auto json_path = ev::test::require_vectors("substrate/vectors.json");
  const auto& f = v["metadata"]["files"][key];
  auto raw = ev::test::read_file(json_path.parent_path() / f["bin"].get<std::string>());
  REQUIRE(raw.size() == f["raw_len"].get<std::size_t>());
  auto first5 = ev::from_hex(f["raw_first_5"].get<std::string>());
  REQUIRE(first5.ok());
  REQUIRE(ev::Bytes(raw.begin(), raw.begin() + 5) == *first5);
  auto m = ev::chain::decode_metadata(ev::as_bytes(raw));
  if (!m.ok()) FAIL(m.error().to_string());
  return std::move(m).value();
}

std::string hasher_name(ev::chain::Hasher h) { return std::string(ev::chain::name(h)); }

// Checks a signed-extension list; returns the number of entries checked.
std::size_t check_extensions(const Metadata& m, const json& list, const char* implicit_key) {
  REQUIRE(m.extrinsic.signed_extensions.size() == list.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& e = m.extrinsic.signed_extensions[i];
    CHECK(e.identifier == list[i]["identifier"].get<std::string>());
    CHECK(e.type == list[i]["type_id"].get<std::uint32_t>());
    CHECK(e.additional_signed == list[i][implicit_key].get<std::uint32_t>());
    ++n;
  }
  return n;
}

}  // namespace

TEST_CASE("metadata vectors: three files decode with expected sizes and versions",
          "[metadata][conformance]") {
  auto v = load_vectors();
  CHECK(load_meta(v, "polkadot_v14").version == 14);
  CHECK(load_meta(v, "polkadot_v15").version == 15);
  CHECK(load_meta(v, "substrate_v16").version == 16);
}

TEST_CASE("metadata vectors: polkadot v15 look-ups", "[metadata][conformance]") {
  auto v = load_vectors();
  auto m = load_meta(v, "polkadot_v15");
  const auto& l = v["metadata"]["polkadot_v15_lookups"];
  std::size_t checked = 0;

  REQUIRE(m.pallets.size() == l["pallet_count"].get<std::size_t>());
  for (const auto& p : l["pallets"]) {
    auto name = p["name"].get<std::string>();
    auto r = m.pallet(name);
    REQUIRE(r.ok());
    const auto* pl = *r;
    CHECK(pl->index == p["index"].get<int>());
    CHECK(pl->calls_type.has_value() == p["has_calls"].get<bool>());
    CHECK(pl->events_type.has_value() == p["has_events"].get<bool>());
    CHECK(pl->storage_prefix.has_value() == p["has_storage"].get<bool>());
    ++checked;
  }
  CHECK(checked == l["pallets"].size());
  CHECK(checked == m.pallets.size());

  CHECK((*m.pallet("Balances"))->index == l["balances_pallet_index"].get<int>());
  std::size_t calls = 0;
  for (const auto& c : l["balances_calls"]) {
    auto r = m.call("Balances", c["name"].get<std::string>());
    REQUIRE(r.ok());
    CHECK(r->pallet_index == 5);
    CHECK(r->call_index == c["index"].get<int>());
    ++calls;
  }
  CHECK(calls == l["balances_calls"].size());

  const auto& tka = l["transfer_keep_alive"];
  auto call = m.call("Balances", tka["name"].get<std::string>());
  REQUIRE(call.ok());
  CHECK(call->call_index == tka["index"].get<int>());
  REQUIRE(call->variant->fields.size() == tka["fields"].size());
  for (std::size_t i = 0; i < tka["fields"].size(); ++i) {
    const auto& f = call->variant->fields[i];
    CHECK(f.name.value_or("") == tka["fields"][i]["name"].get<std::string>());
    CHECK(f.type == tka["fields"][i]["type"].get<std::uint32_t>());
    CHECK(f.type_name.value_or("") == tka["fields"][i]["typeName"].get<std::string>());
  }

  const auto& sa = l["system_account_storage"];
  auto acc = m.storage("System", "Account");
  REQUIRE(acc.ok());
  CHECK(((*acc)->modifier == ev::chain::StorageModifier::Default) ==
        (sa["modifier"].get<std::string>() == "Default"));
  REQUIRE((*acc)->is_map);
  REQUIRE((*acc)->hashers.size() == sa["hashers"].size());
  for (std::size_t i = 0; i < sa["hashers"].size(); ++i) {
    CHECK(hasher_name((*acc)->hashers[i]) == sa["hashers"][i].get<std::string>());
  }
  CHECK((*acc)->key_type == sa["key_type_id"].get<std::uint32_t>());
  CHECK((*acc)->value_type == sa["value_type_id"].get<std::uint32_t>());
  CHECK(m.is_account_id32((*acc)->key_type));

  const auto& se = l["system_events_storage"];
  auto ev = m.storage("System", "Events");
  REQUIRE(ev.ok());
  CHECK(((*ev)->modifier == ev::chain::StorageModifier::Default) ==
        (se["modifier"].get<std::string>() == "Default"));
  CHECK_FALSE((*ev)->is_map);
  CHECK((*ev)->value_type == se["type"]["plain"].get<std::uint32_t>());

  const auto& x = l["extrinsic_v15_raw"];
  REQUIRE(m.extrinsic.versions.size() == 1);
  CHECK(m.extrinsic.versions[0] == x["version"].get<int>());
  CHECK(m.extrinsic.address_type == x["addressType"].get<std::uint32_t>());
  CHECK(m.extrinsic.call_type == x["callType"].get<std::uint32_t>());
  CHECK(m.extrinsic.signature_type == x["signatureType"].get<std::uint32_t>());
  CHECK(m.extrinsic.extra_type == x["extraType"].get<std::uint32_t>());
  REQUIRE(m.extrinsic.signed_extensions.size() == x["signedExtensions"].size());
  for (std::size_t i = 0; i < x["signedExtensions"].size(); ++i) {
    const auto& e = m.extrinsic.signed_extensions[i];
    CHECK(e.identifier == x["signedExtensions"][i]["identifier"].get<std::string>());
    CHECK(e.type == x["signedExtensions"][i]["type"].get<std::uint32_t>());
    CHECK(e.additional_signed == x["signedExtensions"][i]["additionalSigned"].get<std::uint32_t>());
  }

  const auto& s15 = l["signed_extensions_v15"];
  CHECK(m.version == s15["metadata_version"].get<int>());
  CHECK(m.extrinsic.versions[0] == s15["extrinsic_version"].get<int>());
  CHECK(check_extensions(m, s15["list"], "additional_signed_type_id") == s15["list"].size());

  const auto& oe = l["outer_enums"];
  REQUIRE(m.outer_enums.has_value());
  CHECK(m.outer_enums->call_type == oe["callType"].get<std::uint32_t>());
  CHECK(m.outer_enums->event_type == oe["eventType"].get<std::uint32_t>());
  CHECK(m.outer_enums->error_type == oe["errorType"].get<std::uint32_t>());
  CHECK(m.outer_enums->event_type ==
        v["events"]["event_type_ids"]["outer_RuntimeEvent"].get<std::uint32_t>());
  CHECK(m.runtime_type.has_value());
  CHECK(!m.apis.empty());

  // Every key of the section is covered above.
  std::vector<std::string> keys;
  for (const auto& [k, _] : l.items()) keys.push_back(k);
  CHECK(keys.size() == 12);
}

TEST_CASE("metadata vectors: signed extensions of v14 and v16", "[metadata][conformance]") {
  auto v = load_vectors();
  const auto& l = v["metadata"]["polkadot_v15_lookups"];

  auto m14 = load_meta(v, "polkadot_v14");
  const auto& s14 = l["signed_extensions_v14_polkadot"];
  CHECK(m14.version == s14["metadata_version"].get<int>());
  REQUIRE(m14.extrinsic.versions.size() == 1);
  CHECK(m14.extrinsic.versions[0] == s14["extrinsic_version"].get<int>());
  CHECK(check_extensions(m14, s14["list"], "additional_signed_type_id") == s14["list"].size());

  auto m16 = load_meta(v, "substrate_v16");
  const auto& s16 = l["signed_extensions_v16_substrate"];
  CHECK(m16.version == s16["metadata_version"].get<int>());
  auto versions = ev::from_hex(s16["extrinsic_versions"].get<std::string>());
  REQUIRE(versions.ok());
  CHECK(ev::Bytes(m16.extrinsic.versions.begin(), m16.extrinsic.versions.end()) == *versions);
  const auto& by = s16["transaction_extensions_by_version"];
  REQUIRE(m16.extrinsic.extensions_by_version.size() == by.size());
  for (const auto& [ver, idx] : m16.extrinsic.extensions_by_version) {
    const auto& want = by[std::to_string(ver)];
    REQUIRE(idx.size() == want.size());
    for (std::size_t i = 0; i < idx.size(); ++i) CHECK(idx[i] == want[i].get<std::uint32_t>());
  }
  // The listed extensions are those of extension version 0, in its order.
  const auto& list = s16["list"];
  const auto& v0 = m16.extrinsic.extensions_by_version.at(0).second;
  REQUIRE(v0.size() == list.size());
  std::size_t n = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const auto& e = m16.extrinsic.signed_extensions[v0[i]];
    CHECK(e.identifier == list[i]["identifier"].get<std::string>());
    CHECK(e.type == list[i]["type_id"].get<std::uint32_t>());
    CHECK(e.additional_signed == list[i]["implicit_type_id"].get<std::uint32_t>());
    ++n;
  }
  CHECK(n == list.size());
  CHECK(m16.extrinsic.call_type == m16.outer_enums->call_type);
  CHECK(m16.outer_enums.has_value());
  CHECK_FALSE(m16.runtime_type.has_value());
}

TEST_CASE("metadata vectors: event variants of Balances and System", "[metadata][conformance]") {
  auto v = load_vectors();
  auto m = load_meta(v, "polkadot_v15");
  std::size_t checked = 0;
  for (const auto& e : v["events"]["balances_events"]) {
    auto r = m.event("Balances", e["name"].get<std::string>());
    REQUIRE(r.ok());
    CHECK((*r)->index == e["index"].get<int>());
    ++checked;
  }
  for (const auto& e : v["events"]["system_events"]) {
    auto r = m.event("System", e["name"].get<std::string>());
    REQUIRE(r.ok());
    CHECK((*r)->index == e["index"].get<int>());
    REQUIRE((*r)->fields.size() == e["fields"].size());
    for (std::size_t i = 0; i < e["fields"].size(); ++i) {
      CHECK((*r)->fields[i].name.value_or("") == e["fields"][i]["name"].get<std::string>());
      CHECK((*r)->fields[i].type == e["fields"][i]["type"].get<std::uint32_t>());
      CHECK((*r)->fields[i].type_name.value_or("") ==
            e["fields"][i]["typeName"].get<std::string>());
    }
    ++checked;
  }
  CHECK(checked == v["events"]["balances_events"].size() + v["events"]["system_events"].size());
}

TEST_CASE("metadata vectors: v14 and v15 agree on shared pallets, calls and events",
          "[metadata][conformance]") {
  auto v = load_vectors();
  auto m14 = load_meta(v, "polkadot_v14");
  auto m15 = load_meta(v, "polkadot_v15");
  std::size_t shared = 0;
  std::size_t compared = 0;
  for (const auto& p14 : m14.pallets) {
    auto r = m15.pallet(p14.name);
    if (!r.ok()) continue;
    const auto* p15 = *r;
    INFO("pallet " << p14.name);
    ++shared;
    CHECK(p14.index == p15->index);
    REQUIRE(p14.calls_type.has_value() == p15->calls_type.has_value());
    auto same_variants = [&](std::uint32_t t14, std::uint32_t t15) {
      // Same index for every variant name present in both files.
      for (const auto& a : m14.types[t14].variants) {
        const auto* b = m15.types[t15].variant_by_name(a.name);
        if (b == nullptr) continue;
        INFO("variant " << a.name);
        CHECK(a.index == b->index);
        ++compared;
      }
    };
    if (p14.calls_type) same_variants(*p14.calls_type, *p15->calls_type);
    // The V14 file comes from an older Polkadot runtime than the V15 one (Scheduler events were
    // re-indexed, Historical gained events), so events are compared for the pallets whose
    // events the other vectors use.
    if (p14.name == "System" || p14.name == "Balances") {
      REQUIRE(p14.events_type.has_value());
      REQUIRE(p15->events_type.has_value());
      same_variants(*p14.events_type, *p15->events_type);
    }
  }
  CHECK(shared >= 50);  // 55 of the 57 V14 pallets remain in the V15 runtime
  CHECK(compared > 300);
  INFO("compared " << compared);
}
