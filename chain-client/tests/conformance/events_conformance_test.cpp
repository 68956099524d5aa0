// System.Events against the vectors' "events" section (built by polkadot-js on the real
// Polkadot runtime) with the real Polkadot v14 and v15 metadata files.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <regex>
#include <string>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/events.hpp"
#include "ev/chain/metadata.hpp"
#include "test_support.hpp"

using ev::Bytes;
using ev::to_hex;
using ev::chain::EventRecord;
using ev::chain::Metadata;
using Json = nlohmann::json;

namespace {

const Json& vectors() {
  static const Json v =
      Json::parse(ev::test::read_file(ev::test::require_vectors("substrate/vectors.json")));
  return v;
}

Metadata load(const std::string& file) {
  const std::string raw = ev::test::read_file(ev::test::require_vectors("substrate/" + file));
  auto r = ev::chain::decode_metadata(ev::as_bytes(raw));
  if (!r.ok()) FAIL(r.error().to_string());
  return std::move(r).value();
}

// polkadot-js spells field names in camelCase and numbers with thousands separators.
std::string snake(const std::string& camel) {
  std::string s;
  for (char c : camel) {
    if (std::isupper(static_cast<unsigned char>(c)) != 0) {
      s += '_';
      s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      s += c;
    }
  }
  return s;
}

std::string plain_number(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ','), s.end());
  return s;
}

// Checks every leaf of polkadot-js's rendering against ours.
void check_same(const Json& ours, const Json& theirs, const std::string& where) {
  INFO(where << ": ours " << ours.dump() << ", polkadot-js " << theirs.dump());
  if (theirs.is_object()) {
    REQUIRE(ours.is_object());
    CHECK(ours.size() == theirs.size());
    for (auto it = theirs.begin(); it != theirs.end(); ++it) {
      const std::string key = snake(it.key());
      REQUIRE(ours.contains(key));
      check_same(ours[key], it.value(), where + "." + key);
    }
  } else if (theirs.is_string()) {
    const std::string mine = ours.is_string() ? ours.get<std::string>() : ours.dump();
    CHECK(plain_number(mine) == plain_number(theirs.get<std::string>()));
  } else {
    CHECK(ours == theirs);
  }
}

void check_record(const EventRecord& r, const Json& want, std::size_t i) {
  INFO("record " << i);
  const Json& phase = want["phase"];
  if (phase.is_object()) {
    CHECK(r.phase == EventRecord::Phase::ApplyExtrinsic);
    CHECK(std::to_string(r.extrinsic_index) == phase["ApplyExtrinsic"].get<std::string>());
  } else {
    CHECK(phase ==
          (r.phase == EventRecord::Phase::Finalization ? "Finalization" : "Initialization"));
  }
  const Json& event = want["event"];
  std::string section = r.pallet;
  section[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(section[0])));
  CHECK(section == event["section"]);
  CHECK(r.name == event["method"]);
  CHECK(to_hex(Bytes{r.pallet_index, r.event_index}) == event["index"]);
  check_same(r.value, event["data"], r.pallet + "." + r.name);
  REQUIRE(r.topics.size() == want["topics"].size());
  for (std::size_t t = 0; t < r.topics.size(); ++t) CHECK(to_hex(r.topics[t]) == want["topics"][t]);
}

void check_vector_events(const Metadata& md) {
  const Json& e = vectors()["events"];
  const Bytes raw = ev::from_hex(e["encoded_vec_event_record"].get<std::string>()).value();
  // The vectors print Polkadot accounts: SS58 prefix 0.
  auto r = ev::chain::decode_events(md, raw, {.ss58_prefix = 0});
  if (!r.ok()) FAIL(r.error().to_string());
  REQUIRE(r->size() == e["decoded"].size());
  std::size_t end = 1;  // after the Vec length byte; the records are contiguous
  for (std::size_t i = 0; i < r->size(); ++i) {
    check_record((*r)[i], e["decoded"][i], i);
    // The field bytes are the slice of the input that follows the two index bytes.
    const auto& f = (*r)[i].fields;
    const auto at =
        std::search(raw.begin() + static_cast<std::ptrdiff_t>(end), raw.end(), f.begin(), f.end());
    CHECK(at != raw.end());
  }
}

}  // namespace

TEST_CASE("events vectors: the encoded records decode to polkadot-js's rendering (v15)",
          "[events][conformance]") {
  check_vector_events(load("metadata_polkadot_v15.bin"));
}

TEST_CASE("events vectors: the encoded records decode to polkadot-js's rendering (v14)",
          "[events][conformance]") {
  check_vector_events(load("metadata_polkadot_v14.bin"));
}

TEST_CASE("events vectors: System.Events types are the documented ids (v15)",
          "[events][conformance]") {
  const Metadata md = load("metadata_polkadot_v15.bin");
  const Json& ids = vectors()["events"]["event_type_ids"];
  const std::string layout = ids["System_Events_value"];
  std::smatch m;
  REQUIRE(std::regex_search(
      layout, m,
      std::regex(R"(type (\d+) = Vec<type (\d+) .*phase:(\d+), event:(\d+), topics:(\d+))")));
  const auto* entry = md.storage("System", "Events").value();
  CHECK(std::to_string(entry->value_type) == m[1].str());
  const auto& vec = md.types.at(entry->value_type);
  CHECK(std::to_string(vec.element) == m[2].str());
  const auto& record = md.types.at(vec.element);
  REQUIRE(record.fields.size() == 3);
  CHECK(std::to_string(record.fields[0].type) == m[3].str());
  CHECK(std::to_string(record.fields[1].type) == m[4].str());
  CHECK(std::to_string(record.fields[2].type) == m[5].str());
  REQUIRE(md.outer_enums.has_value());
  CHECK(md.outer_enums->event_type == ids["outer_RuntimeEvent"].get<std::uint32_t>());
}

TEST_CASE("events vectors: System and Balances event lists match the metadata (v15)",
          "[events][conformance]") {
  const Metadata md = load("metadata_polkadot_v15.bin");
  for (const auto& want : vectors()["events"]["system_events"]) {
    const std::string name = want["name"];
    INFO("System." << name);
    const auto* v = md.event("System", name).value();
    CHECK(v->index == want["index"].get<int>());
    REQUIRE(v->fields.size() == want["fields"].size());
    for (std::size_t i = 0; i < v->fields.size(); ++i) {
      CHECK(v->fields[i].name.value_or("") == want["fields"][i]["name"]);
      CHECK(v->fields[i].type == want["fields"][i]["type"].get<std::uint32_t>());
      CHECK(v->fields[i].type_name.value_or("") == want["fields"][i]["typeName"]);
    }
  }
  for (const auto& want : vectors()["events"]["balances_events"]) {
    const std::string name = want["name"];
    INFO("Balances." << name);
    CHECK(md.event("Balances", name).value()->index == want["index"].get<int>());
  }
}

TEST_CASE("events: a Polkadot ExtrinsicFailed round-trips and names its module error (v15)",
          "[events][conformance]") {
  const Metadata md = load("metadata_polkadot_v15.bin");
  const auto* balances = md.pallet("Balances").value();
  const auto* insufficient = md.error("Balances", "InsufficientBalance").value();
  const Bytes err = {insufficient->index, 0, 0, 0};
  // Start from the vector's ExtrinsicSuccess record, as our codec renders it.
  const Bytes raw =
      ev::from_hex(vectors()["events"]["encoded_vec_event_record"].get<std::string>()).value();
  const auto* entry = md.storage("System", "Events").value();
  Json records = ev::chain::decode_value_all(md, entry->value_type, raw).value();
  Bytes again;
  REQUIRE(ev::chain::encode_value(md, entry->value_type, records, again).ok());
  CHECK(again == raw);  // the generic codec round-trips the whole Vec<EventRecord>

  Json failed = records[1];
  const Json info = failed["event"]["System"]["ExtrinsicSuccess"]["dispatch_info"];
  failed["event"] = {
      {"System",
       {{"ExtrinsicFailed",
         {{"dispatch_error", {{"Module", {{"index", balances->index}, {"error", to_hex(err)}}}}},
          {"dispatch_info", info}}}}}};
  Bytes one;
  REQUIRE(ev::chain::encode_value(md, entry->value_type, Json::array({failed}), one).ok());
  auto decoded = ev::chain::decode_events(md, one);
  if (!decoded.ok()) FAIL(decoded.error().to_string());
  REQUIRE(decoded->size() == 1);
  CHECK((*decoded)[0].name == "ExtrinsicFailed");
  const auto name =
      ev::chain::describe_dispatch_error(md, (*decoded)[0].value["dispatch_error"]).value();
  CHECK(name == "Balances.InsufficientBalance");
}
