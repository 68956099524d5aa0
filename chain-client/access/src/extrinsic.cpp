// The fixed-layout signed extrinsic (v4) for the signed extensions this path knows
// (docs/formats/chain-access.md; the same bytes as the full client's ExtrinsicFormat).
#include <algorithm>
#include <array>

#include "ev/chain/access.hpp"
#include "ev/chain/era.hpp"
#include "ev/chain/hash.hpp"

namespace ev::chain::access {

Result<Extensions> Extensions::of(const Runtime& rt) {
  static constexpr std::array<std::pair<std::string_view, Kind>, 11> kKnown = {{
      {"CheckSpecVersion", Kind::Spec},
      {"CheckTxVersion", Kind::Tx},
      {"CheckGenesis", Kind::Genesis},
      {"CheckMortality", Kind::Mortality},
      {"CheckEra", Kind::Mortality},
      {"CheckNonce", Kind::Nonce},
      {"ChargeTransactionPayment", Kind::Tip},
      {"ChargeAssetTxPayment", Kind::AssetTip},
      {"CheckMetadataHash", Kind::Hash},
      {"CheckNonZeroSender", Kind::Empty},
      {"CheckWeight", Kind::Empty},
  }};
  Extensions out;
  for (const Extension& x : rt.extensions()) {
    const auto* it = std::find_if(kKnown.begin(), kKnown.end(),
                                  [&](const auto& k) { return k.first == x.identifier; });
    const bool empty = rt.empty_type(x.type) && rt.empty_type(x.additional);
    if (it == kKnown.end() ? !empty : (it->second == Kind::Empty && !empty)) {
      return make_error(AccessErrc::UnknownExtension,
                        "the runtime's signed extension \"" + x.identifier +
                            "\" carries data this client cannot fill in");
    }
    out.kinds_.push_back(it == kKnown.end() ? Kind::Empty : it->second);
  }
  return out;
}

Bytes Extensions::extra(const TxParams& p) const {
  scale::Encoder e;
  for (Kind k : kinds_) {
    switch (k) {
      case Kind::Mortality:
        (p.immortal ? Era::immortal() : Era::mortal(p.period, p.birth_number)).encode(e);
        break;
      case Kind::Nonce: e.compact(p.nonce); break;
      case Kind::Tip: e.compact(0); break;
      case Kind::AssetTip: e.compact(0).u8(0); break;  // tip 0, asset None
      case Kind::Hash: e.u8(0); break;                 // mode: disabled
      default: break;
    }
  }
  return e.take();
}

Bytes Extensions::implicit(const ChainIdentity& id, const TxParams& p) const {
  scale::Encoder e;
  for (Kind k : kinds_) {
    switch (k) {
      case Kind::Spec: e.u32(id.spec_version); break;
      case Kind::Tx: e.u32(id.transaction_version); break;
      case Kind::Genesis: e.raw(id.genesis_hash); break;
      case Kind::Mortality: e.raw(p.immortal ? id.genesis_hash : p.birth_hash); break;
      case Kind::Hash: e.u8(0); break;  // no metadata hash signed
      default: break;
    }
  }
  return e.take();
}

Result<Bytes> Extensions::sign(const KeyPair& key, ByteSpan call, const ChainIdentity& id,
                               const TxParams& p) const {
  const Bytes extra_bytes = extra(p);
  Bytes payload(call.begin(), call.end());
  payload.insert(payload.end(), extra_bytes.begin(), extra_bytes.end());
  const Bytes imp = implicit(id, p);
  payload.insert(payload.end(), imp.begin(), imp.end());
  if (payload.size() > 256) {
    const H256 h = blake2_256(payload);
    payload.assign(h.begin(), h.end());
  }
  const Bytes signature = EV_TRY(key.multisignature(payload));
  scale::Encoder body;
  body.u8(0x84).u8(0).raw(key.account_id()).raw(signature).raw(extra_bytes).raw(call);
  const Bytes b = body.take();
  scale::Encoder out;
  out.bytes(b);
  return out.take();
}

}  // namespace ev::chain::access
