// Storage keys against the FRAME hashers, key parsing and value decoding.
#include <catch2/catch.hpp>

#include "ev/chain/hash.hpp"
#include "ev/chain/scale.hpp"
#include "ev/chain/storage_key.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/storage.hpp"

using namespace ev;
using namespace ev::vault;

namespace {

AccountId acct(std::uint8_t b) {
  AccountId a{};
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(b + i);
  return a;
}

Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) append(out, p);
  return out;
}

Bytes prefix(std::string_view item_name) {
  return cat({chain::twox128(as_bytes("VaultPointers")), chain::twox128(as_bytes(item_name))});
}

Bytes b128c(ByteSpan k) { return cat({chain::blake2_128(k), k}); }
Bytes t64c(ByteSpan k) { return cat({chain::twox64(k), k}); }
Bytes le32(std::uint32_t v) { return scale::encode(v); }

}  // namespace

TEST_CASE("storage: Epochs key is twox128 prefix ++ blake2_128(w) ++ w", "[storage]") {
  const AccountId w = acct(1);
  const Bytes expect = cat({prefix("Epochs"), chain::blake2_128(w), w});
  CHECK(epochs_key(w) == expect);
  CHECK(epochs_key(w).size() == 32 + 16 + 32);
}

TEST_CASE("storage: double-map keys use Blake2_128Concat and Twox64Concat", "[storage]") {
  const AccountId w = acct(1);
  const AccountId a = acct(50);
  BlobId b{};
  b.fill(0x77);
  CHECK(pointers_key(w, b) == cat({prefix("Pointers"), b128c(w), b128c(b)}));
  CHECK(pointers_prefix(w) == cat({prefix("Pointers"), b128c(w)}));
  CHECK(epoch_deks_key(w, 3) == cat({prefix("EpochDeks"), b128c(w), t64c(le32(3))}));
  CHECK(epoch_deks_prefix(w) == cat({prefix("EpochDeks"), b128c(w)}));
  CHECK(live_blobs_key(w, 7) == cat({prefix("LiveBlobs"), b128c(w), t64c(le32(7))}));
  CHECK(live_blobs_prefix(w) == cat({prefix("LiveBlobs"), b128c(w)}));
  CHECK(agents_key(w, a) == cat({prefix("Agents"), b128c(w), b128c(a)}));
  CHECK(agents_prefix(w) == cat({prefix("Agents"), b128c(w)}));
  CHECK(workers_key(a) == cat({prefix("Workers"), b128c(a)}));
  const Measurement m = Measurement::from("pcr0").value();
  CHECK(approved_measurements_key(m) ==
        cat({prefix("ApprovedMeasurements"), b128c(scale::encode(m))}));
  CHECK(item_prefix("Pointers") == prefix("Pointers"));
}

TEST_CASE("storage: map keys parse back from full keys", "[storage]") {
  const AccountId w = acct(1);
  const AccountId a = acct(90);
  BlobId b{};
  b.fill(0x42);
  CHECK(parse_pointers_key(pointers_key(w, b)).value() == std::pair(w, b));
  CHECK(parse_epochs_key(epochs_key(w)).value() == w);
  CHECK(parse_epoch_deks_key(epoch_deks_key(w, 9)).value() == std::pair(w, Epoch{9}));
  CHECK(parse_live_blobs_key(live_blobs_key(w, 2)).value() == std::pair(w, Epoch{2}));
  CHECK(parse_agents_key(agents_key(w, a)).value() == std::pair(w, a));
  CHECK(parse_workers_key(workers_key(a)).value() == a);
  const Measurement m = Measurement::from("image-sha384").value();
  CHECK(parse_approved_measurements_key(approved_measurements_key(m)).value() == m);
}

TEST_CASE("storage: key parsing rejects other items, short keys and bad hashes", "[storage]") {
  const AccountId w = acct(1);
  CHECK(is(parse_workers_key(epochs_key(w)).error(), chain::StorageKeyErrc::PrefixMismatch));
  Bytes k = epochs_key(w);
  k.pop_back();
  CHECK_FALSE(parse_epochs_key(k).ok());
  k = epochs_key(w);
  k[40] ^= 1;  // inside the blake2_128 hash
  CHECK(is(parse_epochs_key(k).error(), chain::StorageKeyErrc::HashMismatch));
  Bytes mk = approved_measurements_key(Measurement::from("m").value());
  mk.back() ^= 1;
  CHECK(is(parse_approved_measurements_key(mk).error(), chain::StorageKeyErrc::HashMismatch));
  CHECK_FALSE(parse_approved_measurements_key(prefix("ApprovedMeasurements")).ok());
}

TEST_CASE("storage: value decoders reject trailing bytes and truncation", "[storage]") {
  const EpochInfo info{2, 5, Scheduled{}};
  Bytes v = scale::encode(info);
  CHECK(decode_epoch_info(v).value() == info);
  v.push_back(0);
  auto r = decode_epoch_info(v);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.find("Epochs") != std::string::npos);
  CHECK_FALSE(decode_live_blobs(Bytes{1, 0, 0}).ok());
  CHECK(decode_live_blobs(Bytes{1, 0, 0, 0}).value() == 1);
  CHECK(decode_role(Bytes{1}).value() == Role::Rotate);
  CHECK_FALSE(decode_role(Bytes{2}).ok());
  const WorkerInfo wi{Role::Serve,
                      Measurement::from("m").value(),
                      Hash256{3},
                      4,
                      AttestationPlatform::Sgx,
                      TcbStatus::from("UpToDate").value(),
                      1700000000,
                      1700086400};
  CHECK(decode_worker_info(scale::encode(wi)).value() == wi);
  const AgentGrant g{ServiceList{}, 1, 2u, Access::ReadWrite};
  CHECK(decode_agent_grant(scale::encode(g)).value() == g);
  const EpochDek d{WrappedDek::from(Bytes(16, 1)).value(), 9};
  CHECK(decode_epoch_dek(scale::encode(d)).value() == d);
  const VaultPointer p{ServiceName::from("s").value(), acct(2), 1, Hash256{}, 3, 4, 5, {}, {}};
  CHECK(decode_vault_pointer(scale::encode(p)).value() == p);
}

TEST_CASE("calls: encode_runtime_call looks pallet and call up by name", "[calls]") {
  chain::Metadata md;
  chain::TypeDef calls;
  calls.kind = chain::TypeKind::Variant;
  chain::TypeVariant rb;
  rb.name = "remove_blob";
  rb.index = 42;
  rb.fields = {chain::TypeField{std::string("wallet"), 0, std::nullopt},
               chain::TypeField{std::string("blob_id"), 0, std::nullopt}};
  calls.variants.push_back(rb);
  md.types.push_back(calls);
  chain::Pallet p;
  p.name = "VaultPointers";
  p.index = 17;
  p.calls_type = 0;
  md.pallets.push_back(p);

  BlobId b{};
  b.fill(3);
  const Call c = RemoveBlob{acct(1), b};
  auto bytes = encode_runtime_call(md, c);
  REQUIRE(bytes.ok());
  Bytes expect{17, 42};
  append(expect, encode_args(c));
  CHECK(*bytes == expect);

  auto missing = encode_runtime_call(md, RevokeAgent{acct(2)});
  REQUIRE_FALSE(missing.ok());
  CHECK(is(missing.error(), VaultErrc::Metadata));

  md.types[0].variants[0].fields.pop_back();
  CHECK(is(encode_runtime_call(md, c).error(), VaultErrc::Metadata));
  md.pallets[0].name = "Other";
  CHECK(is(encode_runtime_call(md, c).error(), VaultErrc::Metadata));
}
