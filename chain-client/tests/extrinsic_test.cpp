// ExtrinsicFormat: extension plans from (hand-built) metadata, payloads, building, and the
// strict decoder's every error path. Known answers are in conformance/extrinsic_*.
#include "ev/chain/extrinsic.hpp"

#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/metadata_builder.hpp"
#include "ev/chain/scale.hpp"
#include "require_error.hpp"

namespace ev::chain {
namespace {

using ev::test::require_error;

TypeField field(std::uint32_t type, std::optional<std::string> name = std::nullopt) {
  return TypeField{std::move(name), type, std::nullopt};
}

// A FRAME-like runtime model: MultiAddress, MultiSignature and signed extensions with the
// shapes real runtimes publish.
struct TestRuntime {
  TypeRegistryBuilder b;
  std::uint32_t unit = b.unit();
  std::uint32_t u8 = b.primitive(Primitive::U8);
  std::uint32_t u32 = b.primitive(Primitive::U32);
  std::uint32_t u64 = b.primitive(Primitive::U64);
  std::uint32_t u128 = b.primitive(Primitive::U128);
  std::uint32_t h256 = b.h256();
  std::uint32_t account = b.account_id32();
  std::uint32_t era = b.variant({"sp_runtime", "generic", "era", "Era"},
                                {{"Immortal", {}, 0}, {"Mortal1", {field(u8)}, 1}});
  std::uint32_t address = b.variant({"sp_runtime", "multiaddress", "MultiAddress"},
                                    {{"Id", {field(account)}, 0}, {"Raw", {field(b.bytes())}, 2}});
  std::uint8_t ecdsa_tag = 2;
  std::vector<SignedExtension> exts;
  std::vector<std::uint8_t> versions = {4};

  std::uint32_t ext_type(std::string name, std::vector<TypeField> fields) {
    return b.composite({"frame_system", "extensions", std::move(name)}, std::move(fields));
  }
  void add(const std::string& id, std::vector<TypeField> fields, std::uint32_t implicit) {
    exts.push_back({id, ext_type(id, std::move(fields)), implicit});
  }
  void add_standard(std::uint32_t nonce_type) {
    add("CheckNonZeroSender", {}, unit);
    add("CheckSpecVersion", {}, u32);
    add("CheckTxVersion", {}, u32);
    add("CheckGenesis", {}, h256);
    add("CheckMortality", {field(era)}, h256);
    add("CheckNonce", {field(b.compact(nonce_type))}, unit);
    add("CheckWeight", {}, unit);
    add("ChargeTransactionPayment", {field(b.compact(u128))}, unit);
    const auto mode = b.variant({"frame_metadata_hash_extension", "Mode"},
                                {{"Disabled", {}, 0}, {"Enabled", {}, 1}});
    add("CheckMetadataHash", {field(mode, "mode")}, b.option(b.byte_array32()));
  }
  Metadata finish() && {
    const auto sig64 = b.array(u8, 64);
    const auto signature = b.variant({"sp_runtime", "MultiSignature"},
                                     {{"Ed25519", {field(sig64)}, 0},
                                      {"Sr25519", {field(sig64)}, 1},
                                      {"Ecdsa", {field(b.array(u8, 65))}, ecdsa_tag}});
    Metadata md;
    md.version = 15;
    md.extrinsic.versions = versions;
    md.extrinsic.address_type = address;
    md.extrinsic.signature_type = signature;
    md.extrinsic.signed_extensions = exts;
    md.types = std::move(b).finish().value();
    return md;
  }
};

Metadata standard_metadata(bool u32_nonce = true) {
  TestRuntime rt;
  rt.add_standard(u32_nonce ? rt.u32 : rt.u64);
  return std::move(rt).finish();
}

ExtrinsicFormat standard_format() {
  return ExtrinsicFormat::from_metadata(standard_metadata()).value();
}

const KeyPair& alice(Scheme s) {
  static const KeyPair ed = from_suri(Scheme::Ed25519, "//Alice").value();
  static const KeyPair ec = from_suri(Scheme::Ecdsa, "//Alice").value();
  static const KeyPair sr = from_suri(Scheme::Sr25519, "//Alice").value();
  return s == Scheme::Ed25519 ? ed : s == Scheme::Ecdsa ? ec : sr;
}

ChainIdentity identity() {
  ChainIdentity id;
  id.spec_version = 100;
  id.transaction_version = 7;
  id.genesis_hash.fill(0x6e);
  return id;
}

TxOptions mortal_options() {
  TxOptions o;
  o.nonce = 300;
  o.tip = 1'000'000;
  o.period = 128;
  o.birth_number = 1000;
  o.birth_hash.fill(0xb1);
  return o;
}

const Bytes kCall = {0x00, 0x07, 0x10, 0xde, 0xad, 0xbe, 0xef};  // System.remark_with_event

Bytes with_prefix(ByteSpan body) {
  Bytes out;
  scale::append_compact(out, body.size());
  append(out, body);
  return out;
}

Bytes body_of(ByteSpan xt) {
  scale::Decoder d(xt);
  const auto n = d.compact().value();
  REQUIRE(n == d.remaining());
  return Bytes(xt.begin() + static_cast<std::ptrdiff_t>(xt.size() - d.remaining()), xt.end());
}

std::vector<std::string> identifiers(const ExtrinsicFormat& f) {
  std::vector<std::string> out;
  for (const auto& e : f.extensions()) out.push_back(e.identifier);
  return out;
}

// ---- plans from metadata ----------------------------------------------------------------

TEST_CASE("extrinsic format: reads the extension plan in metadata order", "[extrinsic]") {
  const auto f = standard_format();
  CHECK(identifiers(f) ==
        std::vector<std::string>{"CheckNonZeroSender", "CheckSpecVersion", "CheckTxVersion",
                                 "CheckGenesis", "CheckMortality", "CheckNonce", "CheckWeight",
                                 "ChargeTransactionPayment", "CheckMetadataHash"});
  CHECK(f.extensions()[4].kind == ExtensionKind::CheckMortality);
  CHECK(f.extensions()[6].kind == ExtensionKind::Empty);
}

TEST_CASE("extrinsic format: an unknown extension with data is an error naming it", "[extrinsic]") {
  TestRuntime rt;
  rt.add_standard(rt.u32);
  rt.add("CheckSomethingNew", {field(rt.u32)}, rt.unit);
  const auto f = ExtrinsicFormat::from_metadata(std::move(rt).finish());
  REQUIRE_FALSE(f.ok());
  CHECK(is(f.error(), ExtrinsicErrc::UnknownExtension));
  CHECK(f.error().message.find("CheckSomethingNew") != std::string::npos);
}

TEST_CASE("extrinsic format: an unknown extension with only implicit data is an error",
          "[extrinsic]") {
  TestRuntime rt;
  rt.add_standard(rt.u32);
  rt.add("SignsExtraHash", {}, rt.h256);
  const auto f = ExtrinsicFormat::from_metadata(std::move(rt).finish());
  REQUIRE_FALSE(f.ok());
  CHECK(f.error().message.find("SignsExtraHash") != std::string::npos);
}

TEST_CASE("extrinsic format: an unknown empty extension contributes nothing", "[extrinsic]") {
  TestRuntime rt;
  rt.add_standard(rt.u32);
  rt.add("EmptyMarker", {field(rt.unit), field(rt.b.array(rt.u8, 0))}, rt.b.tuple({rt.unit}));
  const auto f = ExtrinsicFormat::from_metadata(std::move(rt).finish());
  REQUIRE(f.ok());
  CHECK(f->extensions().back().identifier == "EmptyMarker");
  CHECK(f->extensions().back().kind == ExtensionKind::Empty);
  const auto opts = mortal_options();
  CHECK(f->encode_extra(opts).value() == standard_format().encode_extra(opts).value());
  CHECK(f->encode_implicit(identity(), opts).value() ==
        standard_format().encode_implicit(identity(), opts).value());
}

TEST_CASE("extrinsic format: a known empty extension that carries data is an error",
          "[extrinsic]") {
  TestRuntime rt;
  rt.add("CheckWeight", {field(rt.u64)}, rt.unit);
  const auto f = ExtrinsicFormat::from_metadata(std::move(rt).finish());
  REQUIRE_FALSE(f.ok());
  CHECK(is(f.error(), ExtrinsicErrc::UnknownExtension));
  CHECK(f.error().message.find("CheckWeight") != std::string::npos);
}

TEST_CASE("extrinsic format: a runtime without v4 extrinsics is unsupported", "[extrinsic]") {
  TestRuntime rt;
  rt.add_standard(rt.u32);
  rt.versions = {5};
  const auto f = ExtrinsicFormat::from_metadata(std::move(rt).finish());
  REQUIRE_FALSE(f.ok());
  CHECK(is(f.error(), ExtrinsicErrc::UnsupportedMetadata));
}

TEST_CASE("extrinsic format: an address type without Id(AccountId32) is unsupported",
          "[extrinsic]") {
  TestRuntime rt;
  rt.add_standard(rt.u32);
  SECTION("bare AccountId32") { rt.address = rt.account; }
  SECTION("variant without Id") {
    rt.address = rt.b.variant({"x", "Address"}, {{"Raw", {field(rt.b.bytes())}, 0}});
  }
  const auto f = ExtrinsicFormat::from_metadata(std::move(rt).finish());
  REQUIRE_FALSE(f.ok());
  CHECK(is(f.error(), ExtrinsicErrc::UnsupportedMetadata));
}

TEST_CASE("extrinsic format: V16 uses the extensions of version 0 only", "[extrinsic]") {
  Metadata md = standard_metadata();
  // Version 0: CheckSpecVersion, CheckNonce; version 1: everything.
  md.extrinsic.extensions_by_version = {{0, {1, 5}}, {1, {0, 1, 2, 3, 4, 5, 6, 7, 8}}};
  auto f = ExtrinsicFormat::from_metadata(md);
  REQUIRE(f.ok());
  CHECK(identifiers(*f) == std::vector<std::string>{"CheckSpecVersion", "CheckNonce"});
  md.extrinsic.extensions_by_version = {{0, {1, 99}}};
  f = ExtrinsicFormat::from_metadata(md);
  REQUIRE_FALSE(f.ok());
  CHECK(is(f.error(), ExtrinsicErrc::UnsupportedMetadata));
}

TEST_CASE("extrinsic format: signature tags come from the runtime's MultiSignature",
          "[extrinsic]") {
  TestRuntime rt;
  rt.add_standard(rt.u32);
  rt.ecdsa_tag = 9;
  const auto f = ExtrinsicFormat::from_metadata(std::move(rt).finish()).value();
  const Bytes xt =
      f.build_signed(alice(Scheme::Ecdsa), kCall, identity(), mortal_options()).value();
  const Bytes body = body_of(xt);
  CHECK(body[1 + 1 + 32] == 9);
  const auto back = f.decode(xt);
  REQUIRE(back.ok());
  CHECK(back->signer->scheme == Scheme::Ecdsa);
  // The standard tag 2 is not an ecdsa signature in this runtime.
  const Bytes standard =
      standard_format()
          .build_signed(alice(Scheme::Ecdsa), kCall, identity(), mortal_options())
          .value();
  require_error(f.decode(standard), ExtrinsicErrc::BadSignatureTag, "tag 2");
}

TEST_CASE("extrinsic format: u32 nonces are bounded on encode and decode", "[extrinsic]") {
  const auto f32 = standard_format();
  const auto f64 = ExtrinsicFormat::from_metadata(standard_metadata(false)).value();
  TxOptions opts = mortal_options();
  opts.nonce = std::uint64_t{1} << 32;
  const auto extra = f32.encode_extra(opts);
  REQUIRE_FALSE(extra.ok());
  CHECK(is(extra.error(), ExtrinsicErrc::InvalidOptions));
  const Bytes xt = f64.build_signed(alice(Scheme::Ed25519), kCall, identity(), opts).value();
  CHECK(f64.decode(xt).ok());
  require_error(f32.decode(xt), ExtrinsicErrc::BadExtra, "CheckNonce");
}

TEST_CASE("extrinsic format: identifiers must all be known without metadata", "[extrinsic]") {
  constexpr std::array<std::string_view, 2> ids = {"CheckNonce", "CheckFancyThing"};
  const auto f = ExtrinsicFormat::from_identifiers(ids);
  REQUIRE_FALSE(f.ok());
  CHECK(is(f.error(), ExtrinsicErrc::UnknownExtension));
  CHECK(f.error().message.find("CheckFancyThing") != std::string::npos);
}

// ---- payloads and options ------------------------------------------------------------------

TEST_CASE("extrinsic: signing payload is hashed only above 256 bytes", "[extrinsic]") {
  const Bytes call(200, 0x61);
  const Bytes extra(20, 0x01);
  const Bytes implicit36(36, 0x02);
  const Bytes implicit37(37, 0x02);
  const Bytes at_limit = ExtrinsicFormat::signing_payload(call, extra, implicit36);
  REQUIRE(at_limit.size() == 256);
  CHECK(Bytes(at_limit.begin(), at_limit.begin() + 200) == call);
  const Bytes over = ExtrinsicFormat::signing_payload(call, extra, implicit37);
  Bytes whole = call;
  append(whole, extra);
  append(whole, implicit37);
  const auto h = blake2_256(whole);
  CHECK(over == Bytes(h.begin(), h.end()));
}

TEST_CASE("extrinsic: immortal transactions sign the genesis hash as birth", "[extrinsic]") {
  const auto f = standard_format();
  TxOptions opts = mortal_options();
  opts.immortal = true;
  const Bytes implicit = f.encode_implicit(identity(), opts).value();
  // spec u32 ++ tx u32 ++ genesis ++ (era block) genesis ++ metadata hash None.
  REQUIRE(implicit.size() == 4 + 4 + 32 + 32 + 1);
  const auto g = identity().genesis_hash;
  CHECK(std::equal(g.begin(), g.end(), implicit.begin() + 40));
  CHECK(f.encode_extra(opts).value()[0] == 0x00);  // Era::Immortal
}

TEST_CASE("extrinsic: options with an inconsistent metadata hash mode are rejected",
          "[extrinsic]") {
  const auto f = standard_format();
  TxOptions opts = mortal_options();
  SECTION("mode 2") { opts.metadata_hash_mode = 2; }
  SECTION("mode 1 without a hash") { opts.metadata_hash_mode = 1; }
  SECTION("mode 0 with a hash") { opts.metadata_hash.emplace(); }
  const auto r = f.encode_implicit(identity(), opts);
  REQUIRE_FALSE(r.ok());
  CHECK(is(r.error(), ExtrinsicErrc::InvalidOptions));
  CHECK_FALSE(f.build_signed(alice(Scheme::Ed25519), kCall, identity(), opts).ok());
}

// ---- build / decode round trips ------------------------------------------------------------

TEST_CASE("extrinsic: signed extrinsics round trip and verify (ed25519, ecdsa, sr25519)",
          "[extrinsic]") {
  const auto f = standard_format();
  const Scheme scheme = GENERATE(Scheme::Ed25519, Scheme::Ecdsa, Scheme::Sr25519);
  const bool immortal = GENERATE(false, true);
  const std::size_t call_size = GENERATE(2, 60, 400);
  Bytes call(call_size, 0x33);
  TxOptions opts = mortal_options();
  opts.immortal = immortal;
  const KeyPair& key = alice(scheme);

  const Bytes xt = f.build_signed(key, call, identity(), opts).value();
  const auto d = f.decode(xt);
  REQUIRE(d.ok());
  REQUIRE(d->signer.has_value());
  CHECK(d->signer->account == key.account_id());
  CHECK(d->signer->scheme == scheme);
  CHECK(d->extra.era == opts.era());
  CHECK(d->extra.nonce == opts.nonce);
  CHECK(d->extra.tip == opts.tip);
  CHECK(d->extra.metadata_hash_mode == 0);
  CHECK(d->extra.raw == f.encode_extra(opts).value());
  CHECK(d->call == call);
  CHECK(d->encoded_size == xt.size());
  CHECK(f.verify(*d, identity(), opts.birth_hash).ok());

  const Bytes payload = f.signing_payload_of(*d, identity(), opts.birth_hash).value();
  CHECK(payload == ExtrinsicFormat::signing_payload(call, f.encode_extra(opts).value(),
                                                    f.encode_implicit(identity(), opts).value()));
}

TEST_CASE("extrinsic: verification fails for a flipped bit, wrong genesis or birth hash",
          "[extrinsic]") {
  const auto f = standard_format();
  const Scheme scheme = GENERATE(Scheme::Ed25519, Scheme::Ecdsa, Scheme::Sr25519);
  const TxOptions opts = mortal_options();
  const Bytes xt = f.build_signed(alice(scheme), kCall, identity(), opts).value();
  auto d = f.decode(xt).value();

  ChainIdentity other = identity();
  other.genesis_hash[0] ^= 1;
  CHECK_FALSE(f.verify(d, other, opts.birth_hash).ok());
  other = identity();
  other.transaction_version += 1;
  CHECK_FALSE(f.verify(d, other, opts.birth_hash).ok());
  ByteArray<32> wrong_birth = opts.birth_hash;
  wrong_birth[31] ^= 0x80;
  CHECK_FALSE(f.verify(d, identity(), wrong_birth).ok());

  d.signer->signature[5] ^= 0x01;
  CHECK_FALSE(f.verify(d, identity(), opts.birth_hash).ok());
}

TEST_CASE("extrinsic: immortal verification ignores the birth hash argument", "[extrinsic]") {
  const auto f = standard_format();
  TxOptions opts = mortal_options();
  opts.immortal = true;
  const auto d =
      f.decode(f.build_signed(alice(Scheme::Ed25519), kCall, identity(), opts).value()).value();
  ByteArray<32> anything;
  anything.fill(0x99);
  CHECK(f.verify(d, identity(), anything).ok());
}

TEST_CASE("extrinsic: metadata hash mode 1 needs the node's hash to verify", "[extrinsic]") {
  const auto f = standard_format();
  TxOptions opts = mortal_options();
  opts.metadata_hash_mode = 1;
  opts.metadata_hash.emplace();
  opts.metadata_hash->fill(0x11);
  const auto d =
      f.decode(f.build_signed(alice(Scheme::Ed25519), kCall, identity(), opts).value()).value();
  CHECK(d.extra.metadata_hash_mode == 1);
  CHECK(f.verify(d, identity(), opts.birth_hash, opts.metadata_hash).ok());
  const auto none = f.verify(d, identity(), opts.birth_hash);
  REQUIRE_FALSE(none.ok());
  CHECK(is(none.error(), ExtrinsicErrc::InvalidOptions));
  ByteArray<32> other;
  other.fill(0x12);
  CHECK_FALSE(f.verify(d, identity(), opts.birth_hash, other).ok());
}

TEST_CASE("extrinsic: unsigned extrinsics are compact(len) ++ 0x04 ++ call", "[extrinsic]") {
  const Bytes xt = ExtrinsicFormat::build_unsigned(kCall);
  CHECK(to_hex(xt) == "0x2004000710deadbeef");
  const auto d = standard_format().decode(xt);
  REQUIRE(d.ok());
  CHECK_FALSE(d->signer.has_value());
  CHECK(d->call == kCall);
  const auto payload = standard_format().signing_payload_of(*d, identity(), {});
  REQUIRE_FALSE(payload.ok());
  CHECK(is(payload.error(), ExtrinsicErrc::InvalidOptions));
}

TEST_CASE("extrinsic: the hash is blake2_256 of the prefixed encoding", "[extrinsic]") {
  const Bytes xt = ExtrinsicFormat::build_unsigned(kCall);
  CHECK(extrinsic_hash(xt) == blake2_256(xt));
}

// ---- decoder error paths ---------------------------------------------------------------

Bytes signed_xt(Scheme s = Scheme::Ed25519) {
  return standard_format().build_signed(alice(s), kCall, identity(), mortal_options()).value();
}

TEST_CASE("extrinsic decode: rejects a missing or non-canonical length prefix", "[extrinsic]") {
  const auto f = standard_format();
  require_error(f.decode(Bytes{}), ExtrinsicErrc::Truncated, "length");
  // 0x0100 is 0 in the two-byte form: not canonical.
  require_error(f.decode(Bytes{0x01, 0x00, 0x04}), ExtrinsicErrc::BadLength, "length");
}

TEST_CASE("extrinsic decode: rejects a length prefix longer than the input", "[extrinsic]") {
  Bytes xt = signed_xt();
  xt.pop_back();
  require_error(standard_format().decode(xt), ExtrinsicErrc::Truncated, "prefix says");
}

TEST_CASE("extrinsic decode: rejects trailing bytes", "[extrinsic]") {
  Bytes xt = signed_xt();
  xt.push_back(0x00);
  require_error(standard_format().decode(xt), ExtrinsicErrc::TrailingBytes, "1 bytes after");
}

TEST_CASE("extrinsic decode: rejects version bytes other than 0x04 and 0x84", "[extrinsic]") {
  const auto version = GENERATE(as<std::uint8_t>(), 0x00, 0x03, 0x05, 0x44, 0x45, 0x85, 0xc4, 0xff);
  Bytes body = body_of(signed_xt());
  body[0] = version;
  require_error(standard_format().decode(with_prefix(body)), ExtrinsicErrc::BadVersion,
                "at offset 2: version");
}

TEST_CASE("extrinsic decode: an unsigned body marked signed is rejected", "[extrinsic]") {
  // 0x84 followed by a call: the call's pallet index 0x05 is read as an address kind.
  const Bytes body = {0x84, 0x05, 0x03, 0x00, 0x11, 0x22};
  require_error(standard_format().decode(with_prefix(body)), ExtrinsicErrc::UnsupportedAddress,
                "tag 5");
  // A plausible Id address but nothing after it.
  Bytes short_body = {0x84, 0x00};
  short_body.resize(2 + 32, 0x01);
  require_error(standard_format().decode(with_prefix(short_body)), ExtrinsicErrc::Truncated,
                "signature kind");
}

TEST_CASE("extrinsic decode: a signed body marked unsigned does not verify", "[extrinsic]") {
  Bytes body = body_of(signed_xt());
  body[0] = 0x04;
  const auto f = standard_format();
  const auto d = f.decode(with_prefix(body));
  REQUIRE(d.ok());  // the call is opaque: the signer's bytes become the call
  CHECK_FALSE(d->signer.has_value());
  CHECK_FALSE(f.verify(*d, identity(), mortal_options().birth_hash).ok());
}

TEST_CASE("extrinsic decode: rejects address kinds other than Id", "[extrinsic]") {
  const auto kind = GENERATE(as<std::uint8_t>(), 1, 2, 3, 4, 9);
  Bytes body = body_of(signed_xt());
  body[1] = kind;
  require_error(standard_format().decode(with_prefix(body)), ExtrinsicErrc::UnsupportedAddress,
                "at offset 3: address kind");
}

TEST_CASE("extrinsic decode: rejects unknown signature tags", "[extrinsic]") {
  Bytes body = body_of(signed_xt());
  body[34] = 3;
  require_error(standard_format().decode(with_prefix(body)), ExtrinsicErrc::BadSignatureTag,
                "tag 3");
}

TEST_CASE("extrinsic decode: every cut before the call is truncated", "[extrinsic]") {
  const Scheme scheme = GENERATE(Scheme::Ed25519, Scheme::Ecdsa, Scheme::Sr25519);
  const auto f = standard_format();
  const Bytes body = body_of(signed_xt(scheme));
  const std::size_t extra_size = f.encode_extra(mortal_options()).value().size();
  const std::size_t call_start = body.size() - kCall.size();
  REQUIRE(call_start == 1 + 33 + 1 + (scheme == Scheme::Ecdsa ? 65 : 64) + extra_size);
  for (std::size_t cut = 0; cut < body.size(); ++cut) {
    INFO("body cut to " << cut << " bytes");
    const auto r = f.decode(with_prefix(ByteSpan(body).first(cut)));
    if (cut < call_start + 2) {
      REQUIRE_FALSE(r.ok());
      CHECK(is(r.error(), ExtrinsicErrc::Truncated));
    } else {
      REQUIRE(r.ok());  // the call is opaque to the decoder
      CHECK(r->call.size() == cut - call_start);
    }
  }
}

TEST_CASE("extrinsic decode: rejects malformed extension data", "[extrinsic]") {
  const auto f = standard_format();
  Bytes body = body_of(signed_xt());
  const std::size_t extra_at = 1 + 33 + 65;
  SECTION("era with phase >= period") {
    // period 4 (low nibble 1), phase 15 (high bits): invalid.
    body[extra_at] = 0xf1;
    body[extra_at + 1] = 0x00;
    require_error(f.decode(with_prefix(body)), ExtrinsicErrc::BadExtra, "CheckMortality");
  }
  SECTION("metadata hash mode 2") {
    const std::size_t extra_size = f.encode_extra(mortal_options()).value().size();
    body[extra_at + extra_size - 1] = 2;
    require_error(f.decode(with_prefix(body)), ExtrinsicErrc::BadExtra, "CheckMetadataHash");
  }
  SECTION("non-canonical nonce") {
    // Replace the nonce (compact 300, two bytes) with a non-canonical four-byte form.
    Bytes patched(body.begin(), body.begin() + static_cast<std::ptrdiff_t>(extra_at + 2));
    const Bytes nonce4 = {static_cast<std::uint8_t>((300 << 2) | 2), 0x04, 0x00, 0x00};
    append(patched, nonce4);
    patched.insert(patched.end(), body.begin() + static_cast<std::ptrdiff_t>(extra_at + 4),
                   body.end());
    require_error(f.decode(with_prefix(patched)), ExtrinsicErrc::BadExtra, "CheckNonce");
  }
}

TEST_CASE("extrinsic decode: rejects payment in a non-native asset", "[extrinsic]") {
  constexpr std::array<std::string_view, 2> ids = {"CheckNonce", "ChargeAssetTxPayment"};
  const auto f = ExtrinsicFormat::from_identifiers(ids).value();
  const Bytes xt = f.build_signed(alice(Scheme::Ed25519), kCall, identity(), {}).value();
  Bytes body = body_of(xt);
  const std::size_t asset_at = 1 + 33 + 65 + 1 + 1;  // nonce 0, tip 0
  REQUIRE(body[asset_at] == 0);
  body[asset_at] = 1;
  require_error(f.decode(with_prefix(body)), ExtrinsicErrc::BadExtra, "non-native asset");
  body[asset_at] = 2;
  require_error(f.decode(with_prefix(body)), ExtrinsicErrc::BadExtra, "Option tag 2");
}

TEST_CASE("extrinsic decode: an unsigned extrinsic needs a pallet and call index", "[extrinsic]") {
  const Bytes body = {0x04, 0x00};
  require_error(standard_format().decode(with_prefix(body)), ExtrinsicErrc::Truncated, "call");
}

}  // namespace
}  // namespace ev::chain
