// Encoding of a Metadata model as RuntimeMetadataPrefixed V14/V15 (docs/formats/metadata.md,
// "Encoding").
#include <string>
#include <utility>

#include "ev/chain/metadata_builder.hpp"
#include "ev/chain/scale.hpp"

namespace ev::chain {
namespace {

using scale::Encoder;

constexpr std::uint8_t kMagic[4] = {0x6d, 0x65, 0x74, 0x61};

void write_type_def(Encoder& e, const TypeDef& t);

void write_opt_string(Encoder& e, const std::optional<std::string>& s) {
  if (!s) {
    e.u8(0);
    return;
  }
  e.u8(1).string(*s);
}

void write_no_docs(Encoder& e) { e.compact(0); }

void write_fields(Encoder& e, const std::vector<TypeField>& fields) {
  e.compact(fields.size());
  for (const auto& f : fields) {
    write_opt_string(e, f.name);
    e.compact(f.type);
    write_opt_string(e, f.type_name);
    write_no_docs(e);
  }
}

void write_kind(Encoder& e, const TypeDef& t) {
  e.u8(static_cast<std::uint8_t>(t.kind));
  switch (t.kind) {
    case TypeKind::Composite: write_fields(e, t.fields); return;
    case TypeKind::Variant:
      e.compact(t.variants.size());
      for (const auto& v : t.variants) {
        e.string(v.name);
        write_fields(e, v.fields);
        e.u8(v.index);
        write_no_docs(e);
      }
      return;
    case TypeKind::Sequence:
    case TypeKind::Compact: e.compact(t.element); return;
    case TypeKind::Array: e.u32(t.length).compact(t.element); return;
    case TypeKind::Tuple:
      e.compact(t.tuple.size());
      for (auto id : t.tuple) e.compact(id);
      return;
    case TypeKind::Primitive: e.u8(static_cast<std::uint8_t>(t.primitive)); return;
    case TypeKind::BitSequence: e.compact(t.element).compact(t.bit_order); return;
  }
}

void write_type_def(Encoder& e, const TypeDef& t) {
  e.compact(t.path.size());
  for (const auto& s : t.path) e.string(s);
  e.compact(t.params.size());
  for (const auto& p : t.params) {
    e.string(p.name);
    if (p.type) {
      e.u8(1).compact(*p.type);
    } else {
      e.u8(0);
    }
  }
  write_kind(e, t);
  write_no_docs(e);
}

// Checks that a registry entry is something the format can carry and that every id it holds is
// inside the registry.
class RegistryCheck {
 public:
  explicit RegistryCheck(std::size_t count) : count_(count) {}

  Result<void> operator()(const TypeDef& t) const {
    if (t.kind > TypeKind::BitSequence) {
      return make_error(MetadataErrc::Malformed,
                        "kind " + std::to_string(static_cast<int>(t.kind)) + " is not a TypeDef");
    }
    if (t.kind == TypeKind::Primitive && t.primitive > Primitive::I256) {
      return make_error(MetadataErrc::Malformed,
                        "primitive " + std::to_string(static_cast<int>(t.primitive)));
    }
    for (const auto& p : t.params) {
      if (p.type) EV_TRY_CTX("param " + p.name, id(*p.type));
    }
    switch (t.kind) {
      case TypeKind::Composite: return fields(t.fields);
      case TypeKind::Variant:
        for (const auto& v : t.variants) EV_TRY_CTX("variant " + v.name, fields(v.fields));
        return ok();
      case TypeKind::Tuple:
        for (auto e : t.tuple) EV_TRY(id(e));
        return ok();
      case TypeKind::Sequence:
      case TypeKind::Array:
      case TypeKind::Compact: return id(t.element);
      case TypeKind::BitSequence: EV_TRY(id(t.element)); return id(t.bit_order);
      case TypeKind::Primitive: return ok();
    }
    return ok();
  }

  Result<void> id(std::uint32_t v) const {
    if (v < count_) return ok();
    return make_error(MetadataErrc::BadTypeId, "type id " + std::to_string(v) + " (registry has " +
                                                   std::to_string(count_) + " types)");
  }

 private:
  Result<void> fields(const std::vector<TypeField>& fs) const {
    for (const auto& f : fs) EV_TRY_CTX("field " + f.name.value_or("(unnamed)"), id(f.type));
    return ok();
  }

  std::size_t count_;
};

class Writer {
 public:
  Writer(const Metadata& m, std::uint8_t version)
      : m_(m), version_(version), check_(m.types.size()) {}

  Result<Bytes> run() {
    EV_TRY(requirements());
    out_.raw(ByteSpan(kMagic, sizeof kMagic)).u8(version_);
    EV_TRY_CTX("types", registry());
    out_.compact(m_.pallets.size());
    for (const auto& p : m_.pallets) EV_TRY_CTX("pallet " + p.name, pallet(p));
    EV_TRY_CTX("extrinsic", extrinsic());
    EV_TRY_CTX("runtime type", id(*m_.runtime_type));
    if (version_ == 15) {
      EV_TRY_CTX("apis", apis());
      EV_TRY_CTX("outer enums", outer_enums());
      EV_TRY_CTX("custom", custom());
    }
    return out_.take();
  }

 private:
  Result<void> requirements() const {
    const auto& x = m_.extrinsic;
    auto missing = [&](std::string_view what) {
      return make_error(MetadataErrc::Incomplete,
                        "V" + std::to_string(version_) + " needs " + std::string(what));
    };
    if (!m_.runtime_type) return missing("the runtime type");
    if (x.versions.size() != 1) {
      return missing("exactly one extrinsic version (the model has " +
                     std::to_string(x.versions.size()) + ")");
    }
    if (!x.extensions_by_version.empty()) {
      return missing("one signed-extension list, not V16 extensions by version");
    }
    if (version_ == 14 && !x.extrinsic_type)
      return missing("the extrinsic (UncheckedExtrinsic) type");
    if (version_ == 15) {
      if (!x.address_type) return missing("the extrinsic address type");
      if (!x.call_type) return missing("the extrinsic call type");
      if (!x.signature_type) return missing("the extrinsic signature type");
      if (!x.extra_type) return missing("the extrinsic extra type");
      if (!m_.outer_enums) return missing("outer enums (call, event, error types)");
    }
    return ok();
  }

  Result<void> id(std::uint32_t v) {
    EV_TRY(check_.id(v));
    out_.compact(v);
    return ok();
  }

  Result<void> opt_id(const std::optional<std::uint32_t>& v) {
    if (!v) {
      out_.u8(0);
      return ok();
    }
    out_.u8(1);
    return id(*v);
  }

  Result<void> registry() {
    out_.compact(m_.types.size());
    for (std::size_t i = 0; i < m_.types.size(); ++i) {
      EV_TRY_CTX("type " + std::to_string(i), check_(m_.types[i]));
      out_.compact(i);
      write_type_def(out_, m_.types[i]);
    }
    return ok();
  }

  Result<void> storage_entry(const StorageEntry& s) {
    if (s.modifier > StorageModifier::Default) {
      return make_error(MetadataErrc::Malformed, "storage modifier out of range");
    }
    out_.string(s.name).u8(static_cast<std::uint8_t>(s.modifier));
    if (s.is_map) {
      if (s.hashers.empty()) return make_error(MetadataErrc::Malformed, "map without hashers");
      out_.u8(1).compact(s.hashers.size());
      for (auto h : s.hashers) {
        if (h > Hasher::Identity) return make_error(MetadataErrc::Malformed, "hasher out of range");
        out_.u8(static_cast<std::uint8_t>(h));
      }
      EV_TRY_CTX("key", id(s.key_type));
      EV_TRY_CTX("value", id(s.value_type));
    } else {
      if (!s.hashers.empty()) {
        return make_error(MetadataErrc::Malformed, "plain entry with hashers");
      }
      out_.u8(0);
      EV_TRY_CTX("value", id(s.value_type));
    }
    out_.bytes(s.default_value);
    write_no_docs(out_);
    return ok();
  }

  Result<void> pallet(const Pallet& p) {
    out_.string(p.name);
    if (p.storage_prefix) {
      out_.u8(1).string(*p.storage_prefix).compact(p.storage.size());
      for (const auto& s : p.storage) EV_TRY_CTX("storage " + s.name, storage_entry(s));
    } else if (!p.storage.empty()) {
      return make_error(MetadataErrc::Incomplete, "storage entries without a storage prefix");
    } else {
      out_.u8(0);
    }
    EV_TRY_CTX("calls", opt_id(p.calls_type));
    EV_TRY_CTX("events", opt_id(p.events_type));
    out_.compact(p.constants.size());
    for (const auto& c : p.constants) {
      out_.string(c.name);
      EV_TRY_CTX("constant " + c.name, id(c.type));
      out_.bytes(c.value);
      write_no_docs(out_);
    }
    EV_TRY_CTX("errors", opt_id(p.errors_type));
    out_.u8(p.index);
    if (version_ == 15) write_no_docs(out_);
    return ok();
  }

  Result<void> extrinsic() {
    const auto& x = m_.extrinsic;
    if (version_ == 14) {
      EV_TRY(id(*x.extrinsic_type));
      out_.u8(x.versions[0]);
    } else {
      out_.u8(x.versions[0]);
      EV_TRY_CTX("address", id(*x.address_type));
      EV_TRY_CTX("call", id(*x.call_type));
      EV_TRY_CTX("signature", id(*x.signature_type));
      EV_TRY_CTX("extra", id(*x.extra_type));
    }
    out_.compact(x.signed_extensions.size());
    for (const auto& s : x.signed_extensions) {
      out_.string(s.identifier);
      EV_TRY_CTX("signed extension " + s.identifier, id(s.type));
      EV_TRY_CTX("signed extension " + s.identifier, id(s.additional_signed));
    }
    return ok();
  }

  Result<void> apis() {
    out_.compact(m_.apis.size());
    for (const auto& a : m_.apis) {
      out_.string(a.name).compact(a.methods.size());
      for (const auto& meth : a.methods) {
        out_.string(meth.name).compact(meth.inputs.size());
        for (const auto& in : meth.inputs) {
          out_.string(in.name);
          EV_TRY_CTX(a.name + "." + meth.name + " input " + in.name, id(in.type));
        }
        EV_TRY_CTX(a.name + "." + meth.name + " output", id(meth.output));
        write_no_docs(out_);
      }
      write_no_docs(out_);
    }
    return ok();
  }

  Result<void> outer_enums() {
    EV_TRY_CTX("call", id(m_.outer_enums->call_type));
    EV_TRY_CTX("event", id(m_.outer_enums->event_type));
    EV_TRY_CTX("error", id(m_.outer_enums->error_type));
    return ok();
  }

  Result<void> custom() {
    out_.compact(m_.custom.size());
    for (const auto& c : m_.custom) {
      out_.string(c.name);
      EV_TRY_CTX(c.name, id(c.type));
      out_.bytes(c.value);
    }
    return ok();
  }

  const Metadata& m_;
  std::uint8_t version_;
  RegistryCheck check_;
  Encoder out_;
};

}  // namespace

namespace detail {
Bytes encode_type_def(const TypeDef& t) {
  Encoder e;
  write_type_def(e, t);
  return e.take();
}
}  // namespace detail

Result<Bytes> encode_metadata(const Metadata& m, std::uint8_t version) {
  if (version != 14 && version != 15) {
    return make_error(MetadataErrc::UnsupportedVersion,
                      "cannot encode version " + std::to_string(version) + " (encodable: 14, 15)");
  }
  return Writer(m, version).run();
}

Bytes opaque_metadata_some(ByteSpan prefixed) {
  Encoder e;
  e.u8(1).bytes(prefixed);
  return e.take();
}

}  // namespace ev::chain
