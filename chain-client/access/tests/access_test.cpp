// The fixed-layout chain access against the full client, on real Polkadot metadata
// (../shared/vectors/substrate) and on known answers built by polkadot-js.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "ev/chain/access.hpp"
#include "ev/chain/events.hpp"
#include "ev/chain/extrinsic.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/metadata.hpp"
#include "test_support.hpp"

using namespace ev;
using namespace ev::chain;

namespace {

Bytes vector_bytes(const std::string& name) {
  const std::string raw = test::read_file(test::require_vectors("substrate/" + name));
  return Bytes(raw.begin(), raw.end());
}

nlohmann::json vectors() {
  return nlohmann::json::parse(test::read_file(test::require_vectors("substrate/vectors.json")));
}

Bytes hex(const nlohmann::json& v) { return from_hex(v.get<std::string>()).value(); }

// The same transaction through the full client's ExtrinsicFormat and the fixed encoder.
void require_same_extrinsics(const Metadata& md, const access::Runtime& rt) {
  const auto full = ExtrinsicFormat::from_metadata(md).value();
  const auto fixed = access::Extensions::of(rt).value();
  ChainIdentity id{1234, 7, {}};
  id.genesis_hash.fill(0x91);
  access::ChainIdentity aid{id.spec_version, id.transaction_version, id.genesis_hash};
  for (auto scheme : {Scheme::Ed25519, Scheme::Ecdsa}) {
    const auto key = from_suri(scheme, "//Alice").value();
    for (std::size_t call_len : {std::size_t{2}, std::size_t{300}}) {
      const Bytes call(call_len, 0x05);
      for (bool immortal : {false, true}) {
        TxOptions o;
        o.nonce = 70000;
        o.immortal = immortal;
        o.birth_number = 1000;
        o.birth_hash.fill(0xab);
        access::TxParams p{o.nonce, immortal, o.period, o.birth_number, o.birth_hash};
        CAPTURE(scheme_name(scheme), call_len, immortal);
        CHECK(fixed.extra(p) == full.encode_extra(o).value());
        CHECK(fixed.implicit(aid, p) == full.encode_implicit(id, o).value());
        CHECK(fixed.sign(key, call, aid, p).value() == full.build_signed(key, call, id, o).value());
      }
    }
  }
}

}  // namespace

TEST_CASE("chain access: real Polkadot V14 and V15 metadata read as the full client reads it",
          "[access]") {
  for (const char* file : {"metadata_polkadot_v14.bin", "metadata_polkadot_v15.bin"}) {
    CAPTURE(file);
    const Bytes raw = vector_bytes(file);
    const Metadata md = decode_metadata(raw).value();
    const auto rt = access::Runtime::decode(raw);
    REQUIRE(rt.ok());
    CHECK(rt->version() == md.version);
    REQUIRE(rt->extensions().size() == md.extrinsic.signed_extensions.size());
    for (std::size_t i = 0; i < rt->extensions().size(); ++i) {
      CHECK(rt->extensions()[i].identifier == md.extrinsic.signed_extensions[i].identifier);
    }
    std::size_t calls = 0;
    std::size_t errors = 0;
    for (const auto& p : md.pallets) {
      if (p.calls_type) {
        for (const auto& v : md.types[*p.calls_type].variants) {
          const auto a = rt->call(p.name, v.name).value();
          const auto b = md.call(p.name, v.name).value();
          CHECK(a.pallet == b.pallet_index);
          CHECK(a.call == b.call_index);
          CHECK(a.args == v.fields.size());
          ++calls;
        }
      }
      if (p.errors_type) {
        for (const auto& v : md.types[*p.errors_type].variants) {
          const Bytes err{v.index, 0, 0, 0};
          CHECK(rt->error_name(p.index, v.index).value() == md.error_name(p.index, err).value());
          ++errors;
        }
      }
    }
    CHECK(calls > 300);
    CHECK(errors > 300);
    CHECK(!rt->call("Balances", "no_such_call").ok());
    require_same_extrinsics(md, *rt);
  }
}

TEST_CASE("chain access: the polkadot-js extrinsic on Polkadot V15 metadata, byte for byte",
          "[access]") {
  const auto v = vectors()["extrinsic_v4_polkadot_metadata"];
  const auto rt = access::Runtime::decode(vector_bytes("metadata_polkadot_v15.bin")).value();
  const auto ext = access::Extensions::of(rt).value();
  const Bytes payload = hex(v["signing_payload"]);
  const Bytes call = hex(v["call"]);
  // The signing payload names the identity: call ++ extra ++ spec ++ tx ++ genesis ++ birth ++ 0.
  access::ChainIdentity id{2000000, 26, {}};
  const std::size_t implicit_at = payload.size() - 4 - 4 - 32 - 32 - 1;
  std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(implicit_at + 8), 32,
              id.genesis_hash.begin());
  access::TxParams p;
  p.nonce = 7;
  p.period = 64;
  p.birth_number = 42;
  std::copy_n(payload.begin() + static_cast<std::ptrdiff_t>(implicit_at + 40), 32,
              p.birth_hash.begin());
  const auto alice = from_suri(Scheme::Ed25519, "//Alice").value();
  Bytes signed_payload = call;
  const Bytes extra = ext.extra(p);
  const Bytes implicit = ext.implicit(id, p);
  signed_payload.insert(signed_payload.end(), extra.begin(), extra.end());
  signed_payload.insert(signed_payload.end(), implicit.begin(), implicit.end());
  CHECK(signed_payload == payload);
  CHECK(ext.sign(alice, call, id, p).value() == hex(v["extrinsic"]));
}

TEST_CASE("chain access: the events of one extrinsic in a real System.Events value", "[access]") {
  const auto v = vectors()["events"];
  const Bytes raw = vector_bytes("metadata_polkadot_v15.bin");
  const auto rt = access::Runtime::decode(raw).value();
  const Bytes events = hex(v["encoded_vec_event_record"]);
  const auto mine = rt.extrinsic_events(events, 1).value();
  REQUIRE(mine.size() == 2);
  CHECK(mine[0].pallet == "Balances");
  CHECK(mine[0].variant->name == "Transfer");
  CHECK(mine[1].pallet == "System");
  CHECK(mine[1].variant->name == "ExtrinsicSuccess");
  // The field bytes are those the full decoder reports.
  const auto all = decode_events(decode_metadata(raw).value(), events).value();
  CHECK(mine[0].fields == all[0].fields);
  CHECK(mine[1].fields == all[1].fields);
  CHECK(rt.extrinsic_events(events, 0).value().empty());
  // Truncated or extended, the value is refused.
  const Bytes shorter(events.begin(), events.end() - 1);
  CHECK(!rt.extrinsic_events(shorter, 1).ok());
  Bytes longer = events;
  longer.push_back(0);
  CHECK(!rt.extrinsic_events(longer, 1).ok());
}

TEST_CASE("chain access: V16 metadata, truncated metadata and bad magic are refused", "[access]") {
  const auto v16 = access::Runtime::decode(vector_bytes("metadata_substrate_v16.bin"));
  REQUIRE(!v16.ok());
  CHECK(is(v16.error(), access::AccessErrc::Metadata));
  CHECK(v16.error().message.find("version 16") != std::string::npos);
  const Bytes v14 = vector_bytes("metadata_polkadot_v14.bin");
  for (std::size_t n : {std::size_t{0}, std::size_t{4}, std::size_t{5}, std::size_t{1000},
                        v14.size() / 2, v14.size() - 1}) {
    CAPTURE(n);
    CHECK(!access::Runtime::decode(ByteSpan(v14.data(), n)).ok());
  }
  Bytes bad = v14;
  bad[0] = 'x';
  const auto r = access::Runtime::decode(bad);
  REQUIRE(!r.ok());
  CHECK(r.error().message.find("magic") != std::string::npos);
}
