// Arbitrary bytes as a length-prefixed v4 extrinsic, decoded with two extension plans (the
// FRAME default and one with ChargeAssetTxPayment). Never crashes or reads past the input;
// every failure names its domain and says why; every success re-encodes to exactly the input
// (the decoder is canonical), and its extra re-encodes from the decoded fields.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ev/chain/extrinsic.hpp"
#include "ev/chain/scale.hpp"

namespace {

using ev::chain::ExtrinsicFormat;

const ExtrinsicFormat& frame_format() {
  static constexpr std::array<std::string_view, 11> kIds = {
      "AuthorizeCall",     "CheckNonZeroSender", "CheckSpecVersion",
      "CheckTxVersion",    "CheckGenesis",       "CheckMortality",
      "CheckNonce",        "CheckWeight",        "ChargeTransactionPayment",
      "CheckMetadataHash", "WeightReclaim"};
  static const ExtrinsicFormat f = ExtrinsicFormat::from_identifiers(kIds).value();
  return f;
}

const ExtrinsicFormat& asset_format() {
  static constexpr std::array<std::string_view, 4> kIds = {"CheckEra", "CheckNonce",
                                                           "ChargeAssetTxPayment", "CheckGenesis"};
  static const ExtrinsicFormat f = ExtrinsicFormat::from_identifiers(kIds).value();
  return f;
}

ev::Bytes reencode(const ev::chain::DecodedExtrinsic& xt) {
  if (!xt.signer) return ExtrinsicFormat::build_unsigned(xt.call);
  ev::Bytes body = {0x84, 0x00};
  body.insert(body.end(), xt.signer->account.begin(), xt.signer->account.end());
  // MultiSignature's variant: Ed25519 0, Sr25519 1, Ecdsa 2.
  switch (xt.signer->scheme) {
    case ev::chain::Scheme::Ed25519: body.push_back(0); break;
    case ev::chain::Scheme::Sr25519: body.push_back(1); break;
    case ev::chain::Scheme::Ecdsa: body.push_back(2); break;
  }
  ev::append(body, xt.signer->signature);
  ev::append(body, xt.extra.raw);
  ev::append(body, xt.call);
  ev::Bytes out;
  ev::scale::append_compact(out, body.size());
  ev::append(out, body);
  return out;
}

void check(const ExtrinsicFormat& f, ev::ByteSpan in) {
  auto xt = f.decode(in);
  if (!xt.ok()) {
    EV_ASSERT(xt.error().domain == "extrinsic" && !xt.error().message.empty(),
              "a decode error must name its domain and say why");
    return;
  }
  EV_ASSERT(xt->encoded_size == in.size(), "encoded_size must be the input size");
  EV_ASSERT(xt->call.size() >= 2, "a call has a pallet and a call index");
  const ev::Bytes again = reencode(*xt);
  EV_ASSERT(
      ev::ByteSpan(again).size() == in.size() && std::equal(again.begin(), again.end(), in.begin()),
      "a decoded extrinsic must re-encode to its input");
  if (!xt->signer) return;
  ev::chain::TxOptions opts;
  opts.immortal = xt->extra.era.is_immortal();
  if (!opts.immortal) {
    opts.period = xt->extra.era.period();
    opts.birth_number = xt->extra.era.phase();
  }
  opts.nonce = xt->extra.nonce;
  opts.tip = xt->extra.tip;
  opts.metadata_hash_mode = xt->extra.metadata_hash_mode;
  if (opts.metadata_hash_mode == 1) opts.metadata_hash.emplace();
  auto extra = f.encode_extra(opts);
  EV_ASSERT(extra.ok() && *extra == xt->extra.raw,
            "decoded extension fields must re-encode to the raw extra");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ev::ByteSpan in(data, size);
  check(frame_format(), in);
  check(asset_format(), in);
  return 0;
}
