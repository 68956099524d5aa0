#include "ev/devnode/runtime.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

#include "ev/chain/extrinsic.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/chain/storage_key.hpp"

using namespace ev;
using namespace ev::devnode;

namespace {
const Runtime& rt() {
  static const auto r = Runtime::create();
  REQUIRE(r.ok());
  return **r;
}
}  // namespace

TEST_CASE("runtime: V14 and V15 metadata decode back with every pallet item by name", "[runtime]") {
  for (const Bytes* raw : {&rt().metadata_v14(), &rt().metadata_v15()}) {
    auto md = chain::decode_metadata(*raw);
    REQUIRE(md.ok());
    CHECK(md->pallet("System").ok());
    CHECK((*md->pallet("System"))->index == 0);
    CHECK((*md->pallet("Utility"))->index == 1);
    CHECK((*md->pallet("Sudo"))->index == 2);
    CHECK((*md->pallet("VaultPointers"))->index == 3);
    auto remark = md->call("System", "remark_with_event");
    REQUIRE(remark.ok());
    CHECK(remark->call_index == 7);
    CHECK(md->call("Utility", "batch_all")->call_index == 2);
    CHECK(md->call("Sudo", "sudo")->call_index == 0);
    CHECK(md->call("Sudo", "set_key")->call_index == 2);
    CHECK(md->call("VaultPointers", "register_blob")->call_index == 6);
    CHECK(md->event("System", "ExtrinsicFailed").ok());
    CHECK(md->event("Sudo", "Sudid").ok());
    CHECK(md->event("VaultPointers", "BlobWritten").ok());
    CHECK(md->error("VaultPointers", "NotWorker").ok());
    CHECK(md->error("Sudo", "RequireSudo").ok());
    for (const char* item :
         {"Account", "Number", "ParentHash", "BlockHash", "Events", "ExtrinsicCount"}) {
      CHECK(md->storage("System", item).ok());
    }
    CHECK(md->storage("Sudo", "Key").ok());
    for (const char* item : {"Pointers", "Epochs", "EpochDeks", "LiveBlobs", "Agents", "Workers",
                             "ApprovedMeasurements"}) {
      CHECK(md->storage("VaultPointers", item).ok());
    }
    auto ss58 = md->constant("System", "SS58Prefix");
    REQUIRE(ss58.ok());
    CHECK((*ss58)->value == Bytes{42, 0});
    auto name = md->error_name(3, Bytes{2, 0, 0, 0});
    REQUIRE(name.ok());
    CHECK(*name == "VaultPointers.MeasurementNotApproved");
  }
}

TEST_CASE("runtime: V15 metadata carries the runtime APIs and outer enums", "[runtime]") {
  auto md = chain::decode_metadata(rt().metadata_v15());
  REQUIRE(md.ok());
  REQUIRE(md->outer_enums.has_value());
  bool nonce_api = false;
  for (const auto& api : md->apis) nonce_api = nonce_api || api.name == "AccountNonceApi";
  CHECK(nonce_api);
}

TEST_CASE("runtime: the extrinsic plan has the nine signed extensions in order", "[runtime]") {
  const auto& ext = rt().format().extensions();
  REQUIRE(ext.size() == 9);
  const char* want[] = {"CheckNonZeroSender", "CheckSpecVersion",         "CheckTxVersion",
                        "CheckGenesis",       "CheckMortality",           "CheckNonce",
                        "CheckWeight",        "ChargeTransactionPayment", "CheckMetadataHash"};
  for (std::size_t i = 0; i < 9; ++i) CHECK(ext[i].identifier == want[i]);
  CHECK(ext[4].kind == chain::ExtensionKind::CheckMortality);
  CHECK(ext[8].kind == chain::ExtensionKind::CheckMetadataHash);
}

TEST_CASE("runtime: API ids are blake2b-64 of the API names", "[runtime]") {
  // Known ids published by every Substrate runtime.
  CHECK(to_hex(blake2_64(as_bytes(std::string_view("Core")))) == "0xdf6acb689907609b");
  CHECK(to_hex(blake2_64(as_bytes(std::string_view("Metadata")))) == "0x37e397fc7c91f5e4");
  CHECK(to_hex(blake2_64(as_bytes(std::string_view("AccountNonceApi")))) == "0xbc9d89904f5b923f");
  // RFC 7693 parameter block: an 8-byte digest is not a truncated 32-byte one.
  const auto h256 = chain::blake2_256(as_bytes(std::string_view("Core")));
  CHECK(!std::equal(h256.begin(), h256.begin() + 8,
                    blake2_64(as_bytes(std::string_view("Core"))).begin()));
}

TEST_CASE("runtime: version encodes as Core_version returns it", "[runtime]") {
  const auto& v = rt().version();
  CHECK(v.spec_name == "epochvault-dev");
  CHECK(v.transaction_version == 1);
  vault::MemoryState st;
  auto raw = rt().call_api("Core_version", {}, st);
  REQUIRE(raw.ok());
  CHECK(*raw == v.encode());
  const auto j = v.to_json();
  CHECK(j["specName"] == "epochvault-dev");
  CHECK(j["stateVersion"] == 1);
  CHECK(j["apis"].size() == v.apis.size());
}

TEST_CASE("runtime: System keys are FRAME's", "[runtime]") {
  const Bytes number = keys::system_number();
  Bytes want;
  append(want, chain::twox128(as_bytes(std::string_view("System"))));
  append(want, chain::twox128(as_bytes(std::string_view("Number"))));
  CHECK(number == want);
  ByteArray<32> who{};
  who[0] = 7;
  const Bytes acc = keys::system_account(who);
  REQUIRE(acc.size() == 32 + 16 + 32);
  CHECK(std::equal(who.begin(), who.end(), acc.end() - 32));
}

TEST_CASE("runtime: RuntimeCall decoding rejects unknown calls and excessive nesting",
          "[runtime]") {
  CHECK(!decode_runtime_call(Bytes{9, 0}).ok());
  CHECK(!decode_runtime_call(Bytes{0, 1}).ok());
  CHECK(!decode_runtime_call(Bytes{0, 0, 8, 1}).ok());     // a 2-byte remark with 1 byte
  CHECK(!decode_runtime_call(Bytes{0, 0, 0, 0xff}).ok());  // trailing byte
  auto ok = decode_runtime_call(Bytes{0, 7, 8, 'h', 'i'});
  REQUIRE(ok.ok());
  CHECK(ok->kind == RuntimeCall::Kind::RemarkWithEvent);
  // sudo(sudo(...)) nested beyond the limit
  Bytes deep;
  for (std::size_t i = 0; i <= kMaxCallDepth + 1; ++i) {
    deep.push_back(2);
    deep.push_back(0);
  }
  append(deep, Bytes{0, 0, 0});
  auto r = decode_runtime_call(deep);
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("nesting") != std::string::npos);
}

TEST_CASE("runtime: overlay snapshots restore earlier writes and hide erased keys", "[runtime]") {
  vault::MemoryState base;
  base.put(Bytes{1, 1}, Bytes{9});
  base.put(Bytes{1, 2}, Bytes{8});
  Overlay o(StateReader{
      [&](ByteSpan k) -> Result<std::optional<Bytes>> { return base.get(k); },
      [&](ByteSpan p) -> Result<std::vector<Bytes>> { return base.keys_with_prefix(p); }});
  auto snap = o.snapshot();
  o.erase(Bytes{1, 1});
  o.put(Bytes{1, 3}, Bytes{7});
  CHECK(!o.get(Bytes{1, 1}).has_value());
  CHECK(o.keys_with_prefix(Bytes{1}) == std::vector<Bytes>{Bytes{1, 2}, Bytes{1, 3}});
  o.restore(std::move(snap));
  CHECK(o.get(Bytes{1, 1}) == Bytes{9});
  CHECK(o.keys_with_prefix(Bytes{1}) == std::vector<Bytes>{Bytes{1, 1}, Bytes{1, 2}});
}

TEST_CASE("runtime: transaction validity errors render as Substrate's", "[runtime]") {
  CHECK(tx_invalid_json(TxInvalid::Stale).dump() == R"({"invalid":{"stale":null}})");
  CHECK(tx_invalid_json(TxInvalid::BadProof).dump() == R"({"invalid":{"badProof":null}})");
  CHECK(tx_invalid_text(TxInvalid::Stale) == "Transaction is outdated");
}
