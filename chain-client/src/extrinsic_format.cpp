// ExtrinsicFormat construction: the signed-extension plan, address and signature tags of a
// runtime, read from its metadata (docs/formats/extrinsic.md#extensions).
#include <algorithm>
#include <array>
#include <limits>
#include <string>
#include <utility>

#include "ev/chain/extrinsic.hpp"

namespace ev {

std::string_view ErrorTraits<chain::ExtrinsicErrc>::message(chain::ExtrinsicErrc e) {
  using chain::ExtrinsicErrc;
  switch (e) {
    case ExtrinsicErrc::UnknownExtension: return "unknown signed extension";
    case ExtrinsicErrc::UnsupportedMetadata: return "unsupported extrinsic format";
    case ExtrinsicErrc::InvalidOptions: return "invalid transaction options";
    case ExtrinsicErrc::Truncated: return "truncated extrinsic";
    case ExtrinsicErrc::BadLength: return "bad extrinsic length prefix";
    case ExtrinsicErrc::BadVersion: return "unsupported extrinsic version";
    case ExtrinsicErrc::UnsupportedAddress: return "unsupported address kind";
    case ExtrinsicErrc::BadSignatureTag: return "unsupported signature kind";
    case ExtrinsicErrc::BadExtra: return "malformed signed extension data";
    case ExtrinsicErrc::TrailingBytes: return "trailing bytes after extrinsic";
    case ExtrinsicErrc::Signing: return "signing failed";
  }
  return "unknown extrinsic error";
}

}  // namespace ev

namespace ev::chain {
namespace {

struct KnownExtension {
  std::string_view identifier;
  ExtensionKind kind;
};

// Identifiers as the runtimes name them; "CheckEra" is the older name of CheckMortality.
constexpr std::array<KnownExtension, 15> kKnown = {{
    {"CheckNonZeroSender", ExtensionKind::Empty},
    {"CheckSpecVersion", ExtensionKind::CheckSpecVersion},
    {"CheckTxVersion", ExtensionKind::CheckTxVersion},
    {"CheckGenesis", ExtensionKind::CheckGenesis},
    {"CheckMortality", ExtensionKind::CheckMortality},
    {"CheckEra", ExtensionKind::CheckMortality},
    {"CheckNonce", ExtensionKind::CheckNonce},
    {"CheckWeight", ExtensionKind::Empty},
    {"ChargeTransactionPayment", ExtensionKind::ChargeTransactionPayment},
    {"ChargeAssetTxPayment", ExtensionKind::ChargeAssetTxPayment},
    {"CheckMetadataHash", ExtensionKind::CheckMetadataHash},
    {"AuthorizeCall", ExtensionKind::Empty},
    {"WeightReclaim", ExtensionKind::Empty},
    {"StorageWeightReclaim", ExtensionKind::Empty},
    {"PrevalidateAttests", ExtensionKind::Empty},
}};

const KnownExtension* find_known(std::string_view identifier) {
  const auto* it = std::find_if(kKnown.begin(), kKnown.end(), [&](const KnownExtension& k) {
    return k.identifier == identifier;
  });
  return it == kKnown.end() ? nullptr : it;
}

// True when values of the type encode to zero bytes: (), empty composites, [T; 0], and
// compositions of those. Bounded depth: a deeper (or cyclic) type counts as not empty.
bool is_empty_type(const Metadata& md, std::uint32_t id, int depth = 0) {
  if (depth > 16 || id >= md.types.size()) return false;
  const TypeDef& t = md.types[id];
  switch (t.kind) {
    case TypeKind::Tuple:
      return std::all_of(t.tuple.begin(), t.tuple.end(),
                         [&](std::uint32_t e) { return is_empty_type(md, e, depth + 1); });
    case TypeKind::Composite:
      return std::all_of(t.fields.begin(), t.fields.end(),
                         [&](const TypeField& f) { return is_empty_type(md, f.type, depth + 1); });
    case TypeKind::Array: return t.length == 0 || is_empty_type(md, t.element, depth + 1);
    default: return false;
  }
}

bool is_empty_extension(const Metadata& md, const SignedExtension& ext) {
  return is_empty_type(md, ext.type) && is_empty_type(md, ext.additional_signed);
}

// The UncheckedExtrinsic type parameter `name` (V14 metadata), if present.
std::optional<std::uint32_t> extrinsic_param(const Metadata& md, std::string_view name) {
  if (!md.extrinsic.extrinsic_type || *md.extrinsic.extrinsic_type >= md.types.size()) {
    return std::nullopt;
  }
  for (const TypeParam& p : md.types[*md.extrinsic.extrinsic_type].params) {
    if (p.name == name) return p.type;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> address_type(const Metadata& md) {
  return md.extrinsic.address_type ? md.extrinsic.address_type : extrinsic_param(md, "Address");
}

std::optional<std::uint32_t> signature_type(const Metadata& md) {
  return md.extrinsic.signature_type ? md.extrinsic.signature_type
                                     : extrinsic_param(md, "Signature");
}

// Largest nonce the runtime's CheckNonce(Compact<Nonce>) carries: u32 or u64 runtimes.
std::uint64_t max_nonce(const Metadata& md, std::uint32_t check_nonce_type) {
  if (check_nonce_type >= md.types.size()) return std::numeric_limits<std::uint64_t>::max();
  const TypeDef& t = md.types[check_nonce_type];
  if (t.kind != TypeKind::Composite || t.fields.size() != 1) {
    return std::numeric_limits<std::uint64_t>::max();
  }
  auto inner = md.resolve_compact(t.fields[0].type);
  if (!inner.ok() || *inner >= md.types.size()) return std::numeric_limits<std::uint64_t>::max();
  const TypeDef& p = md.types[*inner];
  if (p.kind == TypeKind::Primitive && p.primitive == Primitive::U32) {
    return std::numeric_limits<std::uint32_t>::max();
  }
  if (p.kind == TypeKind::Primitive && p.primitive == Primitive::U16) {
    return std::numeric_limits<std::uint16_t>::max();
  }
  return std::numeric_limits<std::uint64_t>::max();
}

// The signed extensions a v4 extrinsic carries: all of them (V14/V15), or those of extension
// version 0 (V16).
Result<std::vector<const SignedExtension*>> v4_extensions(const Metadata& md) {
  std::vector<const SignedExtension*> out;
  const ExtrinsicInfo& x = md.extrinsic;
  if (x.extensions_by_version.empty()) {
    for (const auto& e : x.signed_extensions) out.push_back(&e);
    return out;
  }
  for (const auto& [version, indices] : x.extensions_by_version) {
    if (version != 0) continue;
    for (std::uint32_t i : indices) {
      if (i >= x.signed_extensions.size()) {
        return make_error(ExtrinsicErrc::UnsupportedMetadata,
                          "extension index " + std::to_string(i) + " out of range");
      }
      out.push_back(&x.signed_extensions[i]);
    }
    return out;
  }
  return make_error(ExtrinsicErrc::UnsupportedMetadata, "no transaction extensions of version 0");
}

}  // namespace

Result<ExtrinsicFormat> ExtrinsicFormat::from_identifiers(
    std::span<const std::string_view> identifiers) {
  ExtrinsicFormat f;
  for (std::string_view id : identifiers) {
    const KnownExtension* k = find_known(id);
    if (k == nullptr) {
      return make_error(ExtrinsicErrc::UnknownExtension,
                        std::string(id) + " (types unknown without metadata)");
    }
    f.extensions_.push_back({std::string(id), k->kind});
  }
  return f;
}

Result<ExtrinsicFormat> ExtrinsicFormat::from_metadata(const Metadata& md) {
  const auto& versions = md.extrinsic.versions;
  if (std::find(versions.begin(), versions.end(), kExtrinsicVersion) == versions.end()) {
    return make_error(ExtrinsicErrc::UnsupportedMetadata, "runtime has no v4 extrinsics");
  }
  ExtrinsicFormat f;
  EV_TRY(f.read_address(md));
  EV_TRY(f.read_signature(md));
  for (const SignedExtension* ext : EV_TRY(v4_extensions(md))) {
    const KnownExtension* k = find_known(ext->identifier);
    const bool empty = is_empty_extension(md, *ext);
    if (k == nullptr && !empty) {
      return make_error(ExtrinsicErrc::UnknownExtension,
                        ext->identifier + " has non-empty explicit or implicit data");
    }
    const ExtensionKind kind = k == nullptr ? ExtensionKind::Empty : k->kind;
    if ((kind == ExtensionKind::Empty) != empty) {
      return make_error(ExtrinsicErrc::UnknownExtension,
                        ext->identifier + (empty ? " is empty in this runtime, expected data"
                                                 : " carries data in this runtime, expected none"));
    }
    if (kind == ExtensionKind::CheckNonce) f.max_nonce_ = max_nonce(md, ext->type);
    f.extensions_.push_back({ext->identifier, kind});
  }
  return f;
}

Result<void> ExtrinsicFormat::read_address(const Metadata& md) {
  const auto id = address_type(md);
  if (!id) return {};  // not described: MultiAddress with Id = 0
  const TypeDef* t = EV_TRY(md.type(*id));
  if (md.is_account_id32(*id)) {
    return make_error(ExtrinsicErrc::UnsupportedMetadata, "address is a bare AccountId32");
  }
  const TypeVariant* v = t->kind == TypeKind::Variant ? t->variant_by_name("Id") : nullptr;
  if (v == nullptr || v->fields.size() != 1 || !md.is_account_id32(v->fields[0].type)) {
    return make_error(ExtrinsicErrc::UnsupportedMetadata,
                      "address type " + std::to_string(*id) +
                          " is not a MultiAddress with an Id(AccountId32) variant");
  }
  address_id_tag_ = v->index;
  return {};
}

Result<void> ExtrinsicFormat::read_signature(const Metadata& md) {
  const auto id = signature_type(md);
  if (!id) return {};  // not described: MultiSignature tags 0 / 1 / 2
  const TypeDef* t = EV_TRY(md.type(*id));
  auto tag = [&](std::string_view name) -> std::optional<std::uint8_t> {
    const TypeVariant* v = t->kind == TypeKind::Variant ? t->variant_by_name(name) : nullptr;
    return v == nullptr ? std::nullopt : std::optional<std::uint8_t>(v->index);
  };
  ed25519_tag_ = tag("Ed25519");
  sr25519_tag_ = tag("Sr25519");
  ecdsa_tag_ = tag("Ecdsa");
  if (!ed25519_tag_ && !ecdsa_tag_) {
    return make_error(ExtrinsicErrc::UnsupportedMetadata,
                      "signature type " + std::to_string(*id) + " has no Ed25519 or Ecdsa variant");
  }
  return {};
}

}  // namespace ev::chain
