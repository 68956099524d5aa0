// v4 extrinsics: extension data, signing payload, building and strict decoding
// (docs/formats/extrinsic.md).
#include <limits>
#include <string>
#include <utility>

#include "ev/chain/extrinsic.hpp"
#include "ev/chain/hash.hpp"
#include "ev/chain/scale.hpp"

namespace ev::chain {
namespace {

constexpr std::uint8_t kSignedVersion = kSignedBit | kExtrinsicVersion;
constexpr std::size_t kCallMinSize = 2;  // pallet index ++ call index

Error error_at(ExtrinsicErrc e, std::size_t offset, std::string_view field, std::string_view why) {
  std::string detail = "at offset " + std::to_string(offset) + ": " + std::string(field);
  if (!why.empty()) detail.append(": ").append(why);
  return make_error(e, detail);
}

// A scale::Decoder error re-issued in this module's domain: Truncated stays Truncated, anything
// else becomes `otherwise`; the scale message is kept as the reason.
Error from_scale(const Error& err, ExtrinsicErrc otherwise, std::size_t offset,
                 std::string_view field) {
  const bool truncated = is(err, scale::Errc::Truncated);
  return error_at(truncated ? ExtrinsicErrc::Truncated : otherwise, offset, field, err.message);
}

template <class T>
Result<T> read_compact(scale::Decoder& d, ExtrinsicErrc otherwise, std::string_view field) {
  const std::size_t at = d.pos();
  auto v = d.compact_as<T>();
  if (!v.ok()) return from_scale(v.error(), otherwise, at, field);
  return *v;
}

Result<std::uint8_t> read_u8(scale::Decoder& d, std::string_view field) {
  if (d.empty()) return error_at(ExtrinsicErrc::Truncated, d.pos(), field, "no byte left");
  return d.u8();
}

Result<ByteSpan> read_raw(scale::Decoder& d, std::size_t n, std::string_view field) {
  if (d.remaining() < n) {
    return error_at(
        ExtrinsicErrc::Truncated, d.pos(), field,
        "needs " + std::to_string(n) + " bytes, " + std::to_string(d.remaining()) + " left");
  }
  return d.raw(n);
}

std::string_view address_kind_name(std::uint8_t tag) {
  switch (tag) {
    case 1: return " (Index)";
    case 2: return " (Raw)";
    case 3: return " (Address32)";
    case 4: return " (Address20)";
    default: return "";
  }
}

void append_hash(Bytes& out, const ByteArray<32>& h) { out.insert(out.end(), h.begin(), h.end()); }

void append_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Size of the compact encoding of n.
std::size_t compact_size(std::size_t n) {
  if (n < (std::size_t{1} << 6)) return 1;
  if (n < (std::size_t{1} << 14)) return 2;
  if (n < (std::size_t{1} << 30)) return 4;
  std::size_t bytes = 0;
  for (std::size_t v = n; v != 0; v >>= 8) ++bytes;
  return 1 + bytes;
}

}  // namespace

Result<void> ExtrinsicFormat::check_options(const TxOptions& opts) const {
  if (opts.metadata_hash_mode > 1) {
    return make_error(ExtrinsicErrc::InvalidOptions,
                      "metadata hash mode " + std::to_string(opts.metadata_hash_mode) +
                          " (only 0 = disabled and 1 = enabled exist)");
  }
  if ((opts.metadata_hash_mode == 1) != opts.metadata_hash.has_value()) {
    return make_error(ExtrinsicErrc::InvalidOptions,
                      "metadata hash mode 1 requires a metadata hash, mode 0 forbids one");
  }
  if (opts.nonce > max_nonce_) {
    return make_error(ExtrinsicErrc::InvalidOptions, "nonce " + std::to_string(opts.nonce) +
                                                         " exceeds the runtime's maximum " +
                                                         std::to_string(max_nonce_));
  }
  return {};
}

void ExtrinsicFormat::append_extra(Bytes& out, const TxOptions& opts) const {
  for (const ExtensionSpec& ext : extensions_) {
    switch (ext.kind) {
      case ExtensionKind::CheckMortality: {
        scale::Encoder e(std::move(out));
        opts.era().encode(e);
        out = e.take();
        break;
      }
      case ExtensionKind::CheckNonce: scale::append_compact(out, opts.nonce); break;
      case ExtensionKind::ChargeTransactionPayment: scale::append_compact(out, opts.tip); break;
      case ExtensionKind::ChargeAssetTxPayment:
        scale::append_compact(out, opts.tip);
        out.push_back(0);  // asset id: None (pay in the native token)
        break;
      case ExtensionKind::CheckMetadataHash: out.push_back(opts.metadata_hash_mode); break;
      default: break;  // no explicit data
    }
  }
}

void ExtrinsicFormat::append_implicit(Bytes& out, const ChainIdentity& id,
                                      const TxOptions& opts) const {
  for (const ExtensionSpec& ext : extensions_) {
    switch (ext.kind) {
      case ExtensionKind::CheckSpecVersion: append_u32(out, id.spec_version); break;
      case ExtensionKind::CheckTxVersion: append_u32(out, id.transaction_version); break;
      case ExtensionKind::CheckGenesis: append_hash(out, id.genesis_hash); break;
      case ExtensionKind::CheckMortality:
        append_hash(out, opts.immortal ? id.genesis_hash : opts.birth_hash);
        break;
      case ExtensionKind::CheckMetadataHash:
        if (opts.metadata_hash) {
          out.push_back(1);
          append_hash(out, *opts.metadata_hash);
        } else {
          out.push_back(0);
        }
        break;
      default: break;  // no implicit data
    }
  }
}

Result<Bytes> ExtrinsicFormat::encode_extra(const TxOptions& opts) const {
  EV_TRY(check_options(opts));
  Bytes out;
  append_extra(out, opts);
  return out;
}

Result<Bytes> ExtrinsicFormat::encode_implicit(const ChainIdentity& id,
                                               const TxOptions& opts) const {
  EV_TRY(check_options(opts));
  Bytes out;
  append_implicit(out, id, opts);
  return out;
}

Bytes ExtrinsicFormat::signing_payload(ByteSpan call, ByteSpan extra, ByteSpan implicit) {
  Bytes payload;
  payload.reserve(call.size() + extra.size() + implicit.size());
  append(payload, call);
  append(payload, extra);
  append(payload, implicit);
  if (payload.size() > kMaxUnhashedPayload) {
    const auto h = blake2_256(payload);
    payload.assign(h.begin(), h.end());
  }
  return payload;
}

std::optional<std::uint8_t> ExtrinsicFormat::signature_tag(Scheme scheme) const {
  switch (scheme) {
    case Scheme::Ed25519: return ed25519_tag_;
    case Scheme::Ecdsa: return ecdsa_tag_;
    case Scheme::Sr25519: return sr25519_tag_;
  }
  return std::nullopt;
}

Result<Bytes> ExtrinsicFormat::build_signed(const KeyPair& key, ByteSpan call,
                                            const ChainIdentity& id, const TxOptions& opts) const {
  EV_TRY(check_options(opts));
  const auto tag = signature_tag(key.scheme());
  if (!tag) {
    return make_error(ExtrinsicErrc::UnsupportedMetadata,
                      "runtime has no " + std::string(scheme_name(key.scheme())) + " signatures");
  }
  // payload = call ++ extra ++ implicit, built in one buffer; extra is its middle part.
  Bytes payload(call.begin(), call.end());
  append_extra(payload, opts);
  const std::size_t extra_end = payload.size();
  append_implicit(payload, id, opts);
  ByteArray<32> digest{};
  ByteSpan signed_bytes = payload;
  if (payload.size() > kMaxUnhashedPayload) {
    digest = blake2_256(payload);
    signed_bytes = digest;
  }
  auto sig = key.sign(signed_bytes);
  if (!sig.ok()) return make_error(ExtrinsicErrc::Signing, sig.error().to_string());

  const ByteSpan extra = ByteSpan(payload).subspan(call.size(), extra_end - call.size());
  const AccountId32 who = key.account_id();
  const std::size_t body = 1 + 1 + who.size() + 1 + sig->size() + extra.size() + call.size();
  Bytes out;
  out.reserve(compact_size(body) + body);
  scale::append_compact(out, body);
  out.push_back(kSignedVersion);
  out.push_back(address_id_tag_);
  out.insert(out.end(), who.begin(), who.end());
  out.push_back(*tag);
  append(out, *sig);
  append(out, extra);
  append(out, call);
  return out;
}

Bytes ExtrinsicFormat::build_unsigned(ByteSpan call) {
  Bytes out;
  scale::append_compact(out, call.size() + 1);
  out.push_back(kExtrinsicVersion);
  append(out, call);
  return out;
}

Result<ExtrinsicSigner> ExtrinsicFormat::decode_signer(scale::Decoder& d) const {
  const std::size_t at_address = d.pos();
  const std::uint8_t address_tag = EV_TRY(read_u8(d, "address kind"));
  if (address_tag != address_id_tag_) {
    return error_at(ExtrinsicErrc::UnsupportedAddress, at_address, "address kind",
                    "tag " + std::to_string(address_tag) +
                        std::string(address_kind_name(address_tag)) + ", only Id (" +
                        std::to_string(address_id_tag_) + ") is accepted");
  }
  ExtrinsicSigner s;
  const ByteSpan account = EV_TRY(read_raw(d, s.account.size(), "signer account"));
  std::copy(account.begin(), account.end(), s.account.begin());

  const std::size_t at_sig = d.pos();
  const std::uint8_t sig_tag = EV_TRY(read_u8(d, "signature kind"));
  std::size_t sig_size = 0;
  if (ed25519_tag_ && sig_tag == *ed25519_tag_) {
    s.scheme = Scheme::Ed25519;
    sig_size = kEd25519SignatureSize;
  } else if (ecdsa_tag_ && sig_tag == *ecdsa_tag_) {
    s.scheme = Scheme::Ecdsa;
    sig_size = kEcdsaSignatureSize;
  } else if (sr25519_tag_ && sig_tag == *sr25519_tag_) {
    s.scheme = Scheme::Sr25519;
    sig_size = kSr25519SignatureSize;
  } else {
    return error_at(ExtrinsicErrc::BadSignatureTag, at_sig, "signature kind",
                    "tag " + std::to_string(sig_tag) + " is not a known MultiSignature");
  }
  const ByteSpan sig = EV_TRY(read_raw(d, sig_size, "signature"));
  s.signature.assign(sig.begin(), sig.end());
  return s;
}

Result<DecodedExtra> ExtrinsicFormat::decode_extra(scale::Decoder& d) const {
  DecodedExtra x;
  const std::size_t start = d.pos();
  for (const ExtensionSpec& ext : extensions_) {
    const std::size_t at = d.pos();
    switch (ext.kind) {
      case ExtensionKind::CheckMortality: {
        auto era = Era::decode(d);
        if (!era.ok()) return from_scale(era.error(), ExtrinsicErrc::BadExtra, at, ext.identifier);
        x.era = *era;
        break;
      }
      case ExtensionKind::CheckNonce:
        x.nonce = EV_TRY(read_compact<std::uint64_t>(d, ExtrinsicErrc::BadExtra, "CheckNonce"));
        if (x.nonce > max_nonce_) {
          return error_at(ExtrinsicErrc::BadExtra, at, "CheckNonce",
                          "nonce " + std::to_string(x.nonce) + " exceeds the runtime's maximum");
        }
        break;
      case ExtensionKind::ChargeTransactionPayment:
      case ExtensionKind::ChargeAssetTxPayment: {
        x.tip = EV_TRY(read_compact<u128>(d, ExtrinsicErrc::BadExtra, ext.identifier + ".tip"));
        if (ext.kind == ExtensionKind::ChargeTransactionPayment) break;
        const std::size_t at_asset = d.pos();
        const std::uint8_t asset = EV_TRY(read_u8(d, "ChargeAssetTxPayment.asset_id"));
        if (asset != 0) {
          return error_at(ExtrinsicErrc::BadExtra, at_asset, "ChargeAssetTxPayment.asset_id",
                          asset == 1 ? "payment in a non-native asset is not supported"
                                     : "Option tag " + std::to_string(asset));
        }
        break;
      }
      case ExtensionKind::CheckMetadataHash:
        x.metadata_hash_mode = EV_TRY(read_u8(d, "CheckMetadataHash.mode"));
        if (x.metadata_hash_mode > 1) {
          return error_at(ExtrinsicErrc::BadExtra, at, "CheckMetadataHash.mode",
                          "mode " + std::to_string(x.metadata_hash_mode) + " (expected 0 or 1)");
        }
        break;
      default: break;  // no explicit data
    }
  }
  const ByteSpan raw = d.input().subspan(start, d.pos() - start);
  x.raw.assign(raw.begin(), raw.end());
  return x;
}

Result<DecodedExtrinsic> ExtrinsicFormat::decode(ByteSpan bytes) const {
  scale::Decoder d(bytes);
  const auto len = EV_TRY(read_compact<std::uint64_t>(d, ExtrinsicErrc::BadLength, "length"));
  if (len > d.remaining()) {
    return error_at(ExtrinsicErrc::Truncated, 0, "length",
                    "prefix says " + std::to_string(len) + " bytes, " +
                        std::to_string(d.remaining()) + " follow");
  }
  if (len < d.remaining()) {
    return error_at(ExtrinsicErrc::TrailingBytes, d.pos() + len, "extrinsic",
                    std::to_string(d.remaining() - len) + " bytes after the " +
                        std::to_string(len) + " the length prefix announces");
  }
  DecodedExtrinsic xt;
  xt.encoded_size = bytes.size();
  const std::size_t at_version = d.pos();
  const std::uint8_t version = EV_TRY(read_u8(d, "version"));
  if (version == kSignedVersion) {
    xt.signer = EV_TRY(decode_signer(d));
    xt.extra = EV_TRY(decode_extra(d));
  } else if (version != kExtrinsicVersion) {
    const bool v4 = (version & 0x3f) == kExtrinsicVersion;
    return error_at(ExtrinsicErrc::BadVersion, at_version, "version",
                    "byte " + std::to_string(version) + " (version " +
                        std::to_string(version & 0x3f) + (v4 ? ", bad type bits" : "") +
                        "; expected 0x04 unsigned or 0x84 signed)");
  }
  if (d.remaining() < kCallMinSize) {
    return error_at(
        ExtrinsicErrc::Truncated, d.pos(), "call",
        "needs pallet and call index, " + std::to_string(d.remaining()) + " bytes left");
  }
  const ByteSpan call = EV_TRY(d.raw(d.remaining()));
  xt.call.assign(call.begin(), call.end());
  return xt;
}

Result<Bytes> ExtrinsicFormat::signing_payload_of(
    const DecodedExtrinsic& xt, const ChainIdentity& id, const ByteArray<32>& birth_hash,
    const std::optional<ByteArray<32>>& metadata_hash) const {
  if (!xt.signer) return make_error(ExtrinsicErrc::InvalidOptions, "extrinsic is unsigned");
  TxOptions opts;
  opts.nonce = xt.extra.nonce;
  opts.tip = xt.extra.tip;
  opts.immortal = xt.extra.era.is_immortal();
  opts.birth_hash = birth_hash;
  opts.metadata_hash_mode = xt.extra.metadata_hash_mode;
  if (xt.extra.metadata_hash_mode == 1) {
    if (!metadata_hash) {
      return make_error(ExtrinsicErrc::InvalidOptions,
                        "extrinsic signs a metadata hash (mode 1) and none was given");
    }
    opts.metadata_hash = metadata_hash;
  }
  Bytes implicit;
  append_implicit(implicit, id, opts);
  return signing_payload(xt.call, xt.extra.raw, implicit);
}

Result<void> ExtrinsicFormat::verify(const DecodedExtrinsic& xt, const ChainIdentity& id,
                                     const ByteArray<32>& birth_hash,
                                     const std::optional<ByteArray<32>>& metadata_hash) const {
  const Bytes payload = EV_TRY(signing_payload_of(xt, id, birth_hash, metadata_hash));
  return verify_for_account(xt.signer->scheme, xt.signer->account, payload, xt.signer->signature);
}

ByteArray<32> extrinsic_hash(ByteSpan encoded) { return blake2_256(encoded); }

}  // namespace ev::chain
