// VaultPointers calls and signed extrinsics through the fixed-layout chain access, against the
// full client's dynamic encoder on the dev node's metadata (V14 and V15).
#include <catch2/catch.hpp>
#include <utility>

#include "ev/chain/access.hpp"
#include "ev/chain/extrinsic.hpp"
#include "ev/chain/metadata_builder.hpp"
#include "ev/devnode/runtime.hpp"
#include "ev/vault/calls_access.hpp"

using namespace ev;
using namespace ev::chain;

namespace {

template <std::size_t... I>
std::vector<vault::Call> every_call(std::index_sequence<I...>) {
  return {vault::Call(std::in_place_index<I>)...};
}

}  // namespace

TEST_CASE("chain access: VaultPointers calls and extrinsics match the full encoder on the dev node",
          "[access]") {
  const Metadata md = devnode::build_runtime_metadata(devnode::RuntimeVersion{}).value();
  std::vector<vault::Call> calls = every_call(std::make_index_sequence<vault::kCallCount>{});
  vault::DestroyEpoch d;
  d.epoch = 7;
  d.objects_deleted = 3;
  calls.emplace_back(d);
  vault::ReencryptBlob r;
  r.from_epoch = 2;
  r.to_epoch = 3;
  r.size = 4096;
  calls.emplace_back(r);
  for (const std::uint8_t version : {std::uint8_t{14}, std::uint8_t{15}}) {
    CAPTURE(version);
    const Bytes raw = encode_metadata(md, version).value();
    const auto rt = access::Runtime::decode(raw).value();
    for (const auto& c : calls) {
      CAPTURE(vault::call_name(c));
      CHECK(vault::encode_runtime_call(rt, c).value() == vault::encode_runtime_call(md, c).value());
    }
    for (auto [p, n] : {std::pair{"Utility", "batch_all"}, std::pair{"Sudo", "sudo"}}) {
      CHECK(rt.call(p, n).value().pallet == md.call(p, n).value().pallet_index);
      CHECK(rt.call(p, n).value().call == md.call(p, n).value().call_index);
    }
    const auto full = ExtrinsicFormat::from_metadata(md).value();
    const auto fixed = access::Extensions::of(rt).value();
    ChainIdentity id{100, 1, {}};
    id.genesis_hash.fill(0x42);
    const access::ChainIdentity aid{100, 1, id.genesis_hash};
    for (auto scheme : {Scheme::Ed25519, Scheme::Ecdsa}) {
      const auto key = from_suri(scheme, "//Bob").value();
      const Bytes call = vault::encode_runtime_call(rt, calls.back()).value();
      TxOptions o;
      o.nonce = 3;
      o.birth_number = 77;
      o.birth_hash.fill(0x11);
      const access::TxParams p{3, false, 64, 77, o.birth_hash};
      CHECK(fixed.sign(key, call, aid, p).value() == full.build_signed(key, call, id, o).value());
    }
  }
}

TEST_CASE("chain access: a signed extension it cannot fill in is refused by name", "[access]") {
  Metadata md = devnode::build_runtime_metadata(devnode::RuntimeVersion{}).value();
  // An extension carrying a u32 (the type of CheckSpecVersion's implicit part) it does not know.
  const auto spec = md.extrinsic.signed_extensions.at(1);
  REQUIRE(spec.identifier == "CheckSpecVersion");
  md.extrinsic.signed_extensions.push_back(
      {"CheckSomethingNew", spec.additional_signed, spec.additional_signed});
  const auto rt = access::Runtime::decode(encode_metadata(md, 14).value()).value();
  const auto ext = access::Extensions::of(rt);
  REQUIRE(!ext.ok());
  CHECK(is(ext.error(), access::AccessErrc::UnknownExtension));
  CHECK(ext.error().message.find("CheckSomethingNew") != std::string::npos);
  // One without data is signed over as the full client does (nothing to add).
  md.extrinsic.signed_extensions.back() = md.extrinsic.signed_extensions.front();
  md.extrinsic.signed_extensions.back().identifier = "CheckNothingNew";
  const auto rt2 = access::Runtime::decode(encode_metadata(md, 14).value()).value();
  CHECK(access::Extensions::of(rt2).ok());
}
