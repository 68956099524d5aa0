// Decoding of RuntimeMetadataPrefixed V14/V15/V16 (docs/formats/metadata.md).
#include "ev/chain/metadata.hpp"

#include <utility>

#include "ev/chain/scale.hpp"

namespace ev {
std::string_view ErrorTraits<chain::MetadataErrc>::message(chain::MetadataErrc e) {
  switch (e) {
    case chain::MetadataErrc::BadMagic: return "not runtime metadata (missing \"meta\" magic)";
    case chain::MetadataErrc::UnsupportedVersion: return "unsupported metadata version";
    case chain::MetadataErrc::Malformed: return "malformed metadata";
    case chain::MetadataErrc::BadTypeId: return "type id outside the registry";
    case chain::MetadataErrc::NotFound: return "not found in metadata";
    case chain::MetadataErrc::Incomplete: return "metadata model incomplete";
  }
  return "metadata error";
}
}  // namespace ev

namespace ev::chain {
namespace {

using scale::Decoder;

class Reader {
 public:
  Reader(Decoder& d, std::uint8_t version) : d_(d), version_(version) {}

  Result<std::uint32_t> type_id() {
    auto at = d_.pos();
    auto v = EV_TRY(d_.compact());
    if (v > 0xFFFFFFFFu) {
      return make_error(MetadataErrc::Malformed,
                        "type id above u32 at offset " + std::to_string(at));
    }
    auto id = static_cast<std::uint32_t>(v);
    if (type_count_ && id >= *type_count_) {
      return make_error(MetadataErrc::BadTypeId, "type id " + std::to_string(id) + " at offset " +
                                                     std::to_string(at) + " (registry has " +
                                                     std::to_string(*type_count_) + " types)");
    }
    return id;
  }

  Result<std::optional<std::string>> opt_string() {
    auto tag = EV_TRY(d_.u8());
    if (tag == 0) return std::optional<std::string>{};
    if (tag != 1) return bad_tag("Option", tag);
    return std::optional<std::string>(EV_TRY(d_.string()));
  }

  Result<void> skip_strings() {
    auto n = EV_TRY(d_.length(1));
    for (std::size_t i = 0; i < n; ++i) EV_TRY(d_.string());
    return ok();
  }

  Result<std::vector<std::string>> strings() {
    auto n = EV_TRY(d_.length(1));
    std::vector<std::string> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) out.push_back(EV_TRY(d_.string()));
    return out;
  }

  Result<std::vector<TypeField>> fields() {
    auto n = EV_TRY(d_.length(3));
    std::vector<TypeField> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      TypeField f;
      f.name = EV_TRY(opt_string());
      f.type = EV_TRY(type_id());
      f.type_name = EV_TRY(opt_string());
      EV_TRY(skip_strings());
      out.push_back(std::move(f));
    }
    return out;
  }

  Result<TypeDef> type_def() {
    TypeDef t;
    t.path = EV_TRY(strings());
    auto np = EV_TRY(d_.length(2));
    t.params.reserve(np);
    for (std::size_t i = 0; i < np; ++i) {
      TypeParam p;
      p.name = EV_TRY(d_.string());
      auto tag = EV_TRY(d_.u8());
      if (tag == 1) {
        p.type = EV_TRY(type_id());
      } else if (tag != 0) {
        return bad_tag("Option", tag);
      }
      t.params.push_back(std::move(p));
    }
    auto at = d_.pos();
    auto kind = EV_TRY(d_.u8());
    switch (kind) {
      case 0:
        t.kind = TypeKind::Composite;
        t.fields = EV_TRY(fields());
        break;
      case 1: {
        t.kind = TypeKind::Variant;
        auto nv = EV_TRY(d_.length(4));
        t.variants.reserve(nv);
        for (std::size_t i = 0; i < nv; ++i) {
          TypeVariant v;
          v.name = EV_TRY(d_.string());
          v.fields = EV_TRY(fields());
          v.index = EV_TRY(d_.u8());
          EV_TRY(skip_strings());
          t.variants.push_back(std::move(v));
        }
        break;
      }
      case 2:
        t.kind = TypeKind::Sequence;
        t.element = EV_TRY(type_id());
        break;
      case 3:
        t.kind = TypeKind::Array;
        t.length = EV_TRY(d_.u32());
        t.element = EV_TRY(type_id());
        break;
      case 4: {
        t.kind = TypeKind::Tuple;
        auto nt = EV_TRY(d_.length(1));
        t.tuple.reserve(nt);
        for (std::size_t i = 0; i < nt; ++i) t.tuple.push_back(EV_TRY(type_id()));
        break;
      }
      case 5: {
        t.kind = TypeKind::Primitive;
        auto p = EV_TRY(d_.u8());
        if (p > static_cast<std::uint8_t>(Primitive::I256)) return bad_tag("TypeDefPrimitive", p);
        t.primitive = static_cast<Primitive>(p);
        break;
      }
      case 6:
        t.kind = TypeKind::Compact;
        t.element = EV_TRY(type_id());
        break;
      case 7:
        t.kind = TypeKind::BitSequence;
        t.element = EV_TRY(type_id());
        t.bit_order = EV_TRY(type_id());
        break;
      default:
        return make_error(MetadataErrc::Malformed, "TypeDef tag " + std::to_string(kind) +
                                                       " at offset " + std::to_string(at));
    }
    EV_TRY(skip_strings());
    return t;
  }

  // The registry, then every id inside it checked against its size.
  Result<std::vector<TypeDef>> registry() {
    auto n = EV_TRY(d_.length(5));
    std::vector<TypeDef> types;
    types.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto at = d_.pos();
      auto id = EV_TRY(type_id());
      if (id != i) {
        return make_error(MetadataErrc::BadTypeId, "registry entry " + std::to_string(i) +
                                                       " has id " + std::to_string(id) +
                                                       " at offset " + std::to_string(at));
      }
      types.push_back(EV_TRY_CTX("type " + std::to_string(i), type_def()));
    }
    auto count = static_cast<std::uint32_t>(types.size());
    auto check = [&](std::uint32_t id, std::size_t owner) -> Result<void> {
      if (id >= count) {
        return make_error(MetadataErrc::BadTypeId, "type " + std::to_string(owner) +
                                                       " refers to type " + std::to_string(id) +
                                                       " (registry has " + std::to_string(count) +
                                                       " types)");
      }
      return ok();
    };
    for (std::size_t i = 0; i < types.size(); ++i) {
      const auto& t = types[i];
      for (const auto& p : t.params) {
        if (p.type) EV_TRY(check(*p.type, i));
      }
      for (const auto& f : t.fields) EV_TRY(check(f.type, i));
      for (const auto& v : t.variants) {
        for (const auto& f : v.fields) EV_TRY(check(f.type, i));
      }
      for (auto e : t.tuple) EV_TRY(check(e, i));
      if (t.kind == TypeKind::Sequence || t.kind == TypeKind::Array ||
          t.kind == TypeKind::Compact || t.kind == TypeKind::BitSequence) {
        EV_TRY(check(t.element, i));
      }
      if (t.kind == TypeKind::BitSequence) EV_TRY(check(t.bit_order, i));
    }
    type_count_ = count;
    return types;
  }

  // V16 ItemDeprecationInfo.
  Result<void> item_deprecation() {
    auto tag = EV_TRY(d_.u8());
    if (tag == 0 || tag == 1) return ok();
    if (tag != 2) return bad_tag("ItemDeprecationInfo", tag);
    EV_TRY(d_.string());
    EV_TRY(opt_string());
    return ok();
  }

  // V16 EnumDeprecationInfo = BTreeMap<u8, VariantDeprecationInfo>.
  Result<void> enum_deprecation() {
    auto n = EV_TRY(d_.length(2));
    for (std::size_t i = 0; i < n; ++i) {
      EV_TRY(d_.u8());
      auto tag = EV_TRY(d_.u8());
      if (tag == 1) continue;
      if (tag != 2) return bad_tag("VariantDeprecationInfo", tag);
      EV_TRY(d_.string());
      EV_TRY(opt_string());
    }
    return ok();
  }

  Result<std::optional<std::uint32_t>> opt_pallet_type() {
    auto tag = EV_TRY(d_.u8());
    if (tag == 0) return std::optional<std::uint32_t>{};
    if (tag != 1) return bad_tag("Option", tag);
    auto id = EV_TRY(type_id());
    if (version_ >= 16) EV_TRY(enum_deprecation());
    return std::optional<std::uint32_t>(id);
  }

  Result<StorageEntry> storage_entry() {
    StorageEntry e;
    e.name = EV_TRY(d_.string());
    auto m = EV_TRY(d_.u8());
    if (m > 1) return bad_tag("StorageEntryModifier", m);
    e.modifier = static_cast<StorageModifier>(m);
    auto kind = EV_TRY(d_.u8());
    if (kind == 0) {
      e.value_type = EV_TRY(type_id());
    } else if (kind == 1) {
      e.is_map = true;
      auto nh = EV_TRY(d_.length(1));
      e.hashers.reserve(nh);
      for (std::size_t i = 0; i < nh; ++i) {
        auto h = EV_TRY(d_.u8());
        if (h > static_cast<std::uint8_t>(Hasher::Identity)) return bad_tag("StorageHasher", h);
        e.hashers.push_back(static_cast<Hasher>(h));
      }
      e.key_type = EV_TRY(type_id());
      e.value_type = EV_TRY(type_id());
    } else {
      return bad_tag("StorageEntryType", kind);
    }
    e.default_value = EV_TRY(d_.bytes());
    EV_TRY(skip_strings());
    if (version_ >= 16) EV_TRY(item_deprecation());
    return e;
  }

  Result<Pallet> pallet() {
    Pallet p;
    p.name = EV_TRY(d_.string());
    auto has_storage = EV_TRY(d_.u8());
    if (has_storage == 1) {
      p.storage_prefix = EV_TRY(d_.string());
      auto n = EV_TRY(d_.length(5));
      p.storage.reserve(n);
      for (std::size_t i = 0; i < n; ++i) p.storage.push_back(EV_TRY(storage_entry()));
    } else if (has_storage != 0) {
      return bad_tag("Option", has_storage);
    }
    p.calls_type = EV_TRY(opt_pallet_type());
    p.events_type = EV_TRY(opt_pallet_type());
    auto nc = EV_TRY(d_.length(4));
    p.constants.reserve(nc);
    for (std::size_t i = 0; i < nc; ++i) {
      Constant c;
      c.name = EV_TRY(d_.string());
      c.type = EV_TRY(type_id());
      c.value = EV_TRY(d_.bytes());
      EV_TRY(skip_strings());
      if (version_ >= 16) EV_TRY(item_deprecation());
      p.constants.push_back(std::move(c));
    }
    p.errors_type = EV_TRY(opt_pallet_type());
    if (version_ >= 16) {
      auto na = EV_TRY(d_.length(3));  // associated types: name, type, docs
      for (std::size_t i = 0; i < na; ++i) {
        EV_TRY(d_.string());
        EV_TRY(type_id());
        EV_TRY(skip_strings());
      }
      auto nv = EV_TRY(d_.length(36));  // view functions
      for (std::size_t i = 0; i < nv; ++i) {
        EV_TRY(d_.raw(32));
        EV_TRY(d_.string());
        auto ni = EV_TRY(d_.length(2));
        for (std::size_t k = 0; k < ni; ++k) {
          EV_TRY(d_.string());
          EV_TRY(type_id());
        }
        EV_TRY(type_id());
        EV_TRY(skip_strings());
        EV_TRY(item_deprecation());
      }
    }
    p.index = EV_TRY(d_.u8());
    if (version_ >= 15) EV_TRY(skip_strings());
    if (version_ >= 16) EV_TRY(item_deprecation());
    return p;
  }

  Result<std::vector<SignedExtension>> extensions() {
    auto n = EV_TRY(d_.length(3));
    std::vector<SignedExtension> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      SignedExtension s;
      s.identifier = EV_TRY(d_.string());
      s.type = EV_TRY(type_id());
      s.additional_signed = EV_TRY(type_id());
      out.push_back(std::move(s));
    }
    return out;
  }

  Result<ExtrinsicInfo> extrinsic() {
    ExtrinsicInfo x;
    if (version_ == 14) {
      x.extrinsic_type = EV_TRY(type_id());
      x.versions.push_back(EV_TRY(d_.u8()));
      x.signed_extensions = EV_TRY(extensions());
    } else if (version_ == 15) {
      x.versions.push_back(EV_TRY(d_.u8()));
      x.address_type = EV_TRY(type_id());
      x.call_type = EV_TRY(type_id());
      x.signature_type = EV_TRY(type_id());
      x.extra_type = EV_TRY(type_id());
      x.signed_extensions = EV_TRY(extensions());
    } else {
      auto nv = EV_TRY(d_.length(1));
      for (std::size_t i = 0; i < nv; ++i) x.versions.push_back(EV_TRY(d_.u8()));
      x.address_type = EV_TRY(type_id());
      x.call_type = EV_TRY(type_id());
      x.signature_type = EV_TRY(type_id());
      auto nb = EV_TRY(d_.length(2));
      for (std::size_t i = 0; i < nb; ++i) {
        auto ver = EV_TRY(d_.u8());
        auto ni = EV_TRY(d_.length(1));
        std::vector<std::uint32_t> idx;
        idx.reserve(ni);
        for (std::size_t k = 0; k < ni; ++k) {
          auto at = d_.pos();
          auto v = EV_TRY(d_.compact());
          if (v > 0xFFFFFFFFu) {
            return make_error(MetadataErrc::Malformed,
                              "extension index above u32 at offset " + std::to_string(at));
          }
          idx.push_back(static_cast<std::uint32_t>(v));
        }
        x.extensions_by_version.emplace_back(ver, std::move(idx));
      }
      x.signed_extensions = EV_TRY(extensions());
      for (const auto& [ver, idx] : x.extensions_by_version) {
        for (auto i : idx) {
          if (i >= x.signed_extensions.size()) {
            return make_error(MetadataErrc::Malformed, "transaction extension index " +
                                                           std::to_string(i) + " for version " +
                                                           std::to_string(ver) + " out of range");
          }
        }
      }
    }
    return x;
  }

  Result<std::vector<RuntimeApi>> apis() {
    auto n = EV_TRY(d_.length(3));
    std::vector<RuntimeApi> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      RuntimeApi a;
      a.name = EV_TRY(d_.string());
      auto nm = EV_TRY(d_.length(4));
      a.methods.reserve(nm);
      for (std::size_t k = 0; k < nm; ++k) {
        RuntimeApiMethod m;
        m.name = EV_TRY(d_.string());
        auto ni = EV_TRY(d_.length(2));
        m.inputs.reserve(ni);
        for (std::size_t j = 0; j < ni; ++j) {
          RuntimeApiParam prm;
          prm.name = EV_TRY(d_.string());
          prm.type = EV_TRY(type_id());
          m.inputs.push_back(std::move(prm));
        }
        m.output = EV_TRY(type_id());
        EV_TRY(skip_strings());
        if (version_ >= 16) EV_TRY(item_deprecation());
        a.methods.push_back(std::move(m));
      }
      EV_TRY(skip_strings());
      if (version_ >= 16) {
        EV_TRY(d_.compact());  // API version
        EV_TRY(item_deprecation());
      }
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<std::vector<CustomValue>> custom() {
    auto n = EV_TRY(d_.length(3));
    std::vector<CustomValue> out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      CustomValue c;
      c.name = EV_TRY(d_.string());
      c.type = EV_TRY(type_id());
      c.value = EV_TRY(d_.bytes());
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<Metadata> body() {
    Metadata m;
    m.version = version_;
    m.types = EV_TRY_CTX("types", registry());
    auto np = EV_TRY(d_.length(5));
    m.pallets.reserve(np);
    for (std::size_t i = 0; i < np; ++i) {
      m.pallets.push_back(EV_TRY_CTX("pallet " + std::to_string(i), pallet()));
    }
    m.extrinsic = EV_TRY_CTX("extrinsic", extrinsic());
    if (version_ <= 15) m.runtime_type = EV_TRY_CTX("runtime type", type_id());
    if (version_ >= 15) {
      m.apis = EV_TRY_CTX("apis", apis());
      OuterEnums o;
      o.call_type = EV_TRY_CTX("outer enums", type_id());
      o.event_type = EV_TRY_CTX("outer enums", type_id());
      o.error_type = EV_TRY_CTX("outer enums", type_id());
      m.outer_enums = o;
      m.custom = EV_TRY_CTX("custom", custom());
    }
    EV_TRY(d_.finish());
    return m;
  }

 private:
  Error bad_tag(std::string_view what, std::uint8_t tag) const {
    return make_error(MetadataErrc::Malformed, std::string(what) + " tag " + std::to_string(tag) +
                                                   " before offset " + std::to_string(d_.pos()));
  }

  Decoder& d_;
  std::uint8_t version_;
  std::optional<std::uint32_t> type_count_;
};

std::string not_found(std::string_view what, std::string_view pallet, std::string_view item) {
  std::string s(what);
  s += " ";
  s += pallet;
  if (!item.empty()) {
    s += ".";
    s += item;
  }
  return s;
}

}  // namespace

const TypeVariant* TypeDef::variant_by_index(std::uint8_t index) const {
  for (const auto& v : variants) {
    if (v.index == index) return &v;
  }
  return nullptr;
}

const TypeVariant* TypeDef::variant_by_name(std::string_view name) const {
  for (const auto& v : variants) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

Result<Metadata> decode_metadata(ByteSpan bytes) {
  static constexpr std::uint8_t kMagic[4] = {0x6d, 0x65, 0x74, 0x61};
  if (bytes.size() < 5) {
    return make_error(MetadataErrc::BadMagic,
                      "input is " + std::to_string(bytes.size()) + " bytes, need at least 5");
  }
  for (std::size_t i = 0; i < 4; ++i) {
    if (bytes[i] != kMagic[i]) return make_error(MetadataErrc::BadMagic, "at offset 0");
  }
  auto version = bytes[4];
  if (version < 14 || version > 16) {
    return make_error(MetadataErrc::UnsupportedVersion,
                      "version " + std::to_string(version) + " (supported: 14, 15, 16)");
  }
  Decoder d(bytes.subspan(5));
  Reader r(d, version);
  auto m = r.body();
  if (!m.ok()) {
    const auto& e = m.error();
    if (e.domain == "metadata") return std::move(m).error();
    return make_error(MetadataErrc::Malformed, "V" + std::to_string(version) + " body (offsets " +
                                                   "after the 5-byte prefix): " + e.message);
  }
  return m;
}

Result<const Pallet*> Metadata::pallet(std::string_view name) const {
  for (const auto& p : pallets) {
    if (p.name == name) return &p;
  }
  return make_error(MetadataErrc::NotFound, not_found("pallet", name, {}));
}

const Pallet* Metadata::pallet_by_index(std::uint8_t index) const {
  for (const auto& p : pallets) {
    if (p.index == index) return &p;
  }
  return nullptr;
}

Result<const TypeDef*> Metadata::type(std::uint32_t id) const {
  if (id >= types.size()) {
    return make_error(MetadataErrc::BadTypeId, "type id " + std::to_string(id));
  }
  return &types[id];
}

Result<CallInfo> Metadata::call(std::string_view pallet_name, std::string_view name) const {
  const auto* p = EV_TRY(pallet(pallet_name));
  if (!p->calls_type) {
    return make_error(MetadataErrc::NotFound,
                      not_found("call", pallet_name, name) + " (pallet has no calls)");
  }
  const auto* v = types[*p->calls_type].variant_by_name(name);
  if (v == nullptr) return make_error(MetadataErrc::NotFound, not_found("call", pallet_name, name));
  return CallInfo{p->index, v->index, v};
}

Result<const TypeVariant*> Metadata::event(std::string_view pallet_name,
                                           std::string_view name) const {
  const auto* p = EV_TRY(pallet(pallet_name));
  const TypeVariant* v = p->events_type ? types[*p->events_type].variant_by_name(name) : nullptr;
  if (v == nullptr) {
    return make_error(MetadataErrc::NotFound, not_found("event", pallet_name, name));
  }
  return v;
}

Result<const TypeVariant*> Metadata::error(std::string_view pallet_name,
                                           std::string_view name) const {
  const auto* p = EV_TRY(pallet(pallet_name));
  const TypeVariant* v = p->errors_type ? types[*p->errors_type].variant_by_name(name) : nullptr;
  if (v == nullptr) {
    return make_error(MetadataErrc::NotFound, not_found("error", pallet_name, name));
  }
  return v;
}

Result<std::string> Metadata::error_name(std::uint8_t pallet_index, ByteSpan error_bytes) const {
  const auto* p = pallet_by_index(pallet_index);
  if (p == nullptr) {
    return make_error(MetadataErrc::NotFound,
                      "no pallet with index " + std::to_string(pallet_index));
  }
  if (error_bytes.empty() || !p->errors_type) {
    return make_error(MetadataErrc::NotFound,
                      "pallet " + p->name + " has no error for these bytes");
  }
  const auto* v = types[*p->errors_type].variant_by_index(error_bytes[0]);
  if (v == nullptr) {
    return make_error(MetadataErrc::NotFound, "pallet " + p->name + " has no error index " +
                                                  std::to_string(error_bytes[0]));
  }
  return p->name + "." + v->name;
}

Result<const Constant*> Metadata::constant(std::string_view pallet_name,
                                           std::string_view name) const {
  const auto* p = EV_TRY(pallet(pallet_name));
  for (const auto& c : p->constants) {
    if (c.name == name) return &c;
  }
  return make_error(MetadataErrc::NotFound, not_found("constant", pallet_name, name));
}

Result<const StorageEntry*> Metadata::storage(std::string_view pallet_name,
                                              std::string_view name) const {
  const auto* p = EV_TRY(pallet(pallet_name));
  for (const auto& s : p->storage) {
    if (s.name == name) return &s;
  }
  return make_error(MetadataErrc::NotFound, not_found("storage entry", pallet_name, name));
}

Result<std::uint32_t> Metadata::resolve_compact(std::uint32_t id) const {
  const auto* t = EV_TRY(type(id));
  return t->kind == TypeKind::Compact ? t->element : id;
}

bool Metadata::is_account_id32(std::uint32_t id) const {
  if (id >= types.size()) return false;
  const auto& t = types[id];
  return t.kind == TypeKind::Composite && t.path.size() == 3 && t.path[0] == "sp_core" &&
         t.path[1] == "crypto" && t.path[2] == "AccountId32";
}

}  // namespace ev::chain
