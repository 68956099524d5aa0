// JSON -> SCALE bytes against a runtime's type registry, and calls by pallet and name.
// Format: docs/formats/json-codec.md.
#include <algorithm>
#include <string>

#include "dyncodec_internal.hpp"
#include "ev/chain/ss58.hpp"

namespace ev::chain::dyn {

namespace {

// Decodes one UTF-8 code point filling all of `s`; nullopt otherwise.
std::optional<std::uint32_t> single_code_point(std::string_view s) {
  if (s.empty()) return std::nullopt;
  const auto b0 = static_cast<std::uint8_t>(s[0]);
  std::size_t n = 0;
  std::uint32_t c = 0;
  if (b0 < 0x80) {
    n = 1;
    c = b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    n = 2;
    c = b0 & 0x1Fu;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3;
    c = b0 & 0x0Fu;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4;
    c = b0 & 0x07u;
  } else {
    return std::nullopt;
  }
  if (s.size() != n) return std::nullopt;
  for (std::size_t i = 1; i < n; ++i) {
    const auto b = static_cast<std::uint8_t>(s[i]);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    c = (c << 6) | (b & 0x3Fu);
  }
  return c;
}

std::string variant_names(const TypeDef& t) {
  std::string s;
  for (const auto& v : t.variants) {
    if (s.size() > 200) return s + ", ...";
    if (!s.empty()) s += ", ";
    s += v.name;
  }
  return s;
}

std::string arg_name(const TypeField& f, std::size_t i) {
  return f.name ? *f.name : "#" + std::to_string(i);
}

class Writer {
 public:
  Writer(const Metadata& md, Bytes& out, Path& path, std::size_t depth)
      : md_(md), out_(out), path_(path), depth_(depth) {}

  Result<void> value(std::uint32_t id, const Json& v) {
    const TypeDef* t = type_at(md_, id);
    if (t == nullptr) {
      return path_error(DynCodecErrc::BadType, path_,
                        "type id " + std::to_string(id) + " is not in the registry");
    }
    if (depth_ >= kMaxEncodeDepth) {
      return path_error(DynCodecErrc::LimitExceeded, path_,
                        "nesting deeper than " + std::to_string(kMaxEncodeDepth) + " levels");
    }
    ++depth_;
    auto r = dispatch(id, *t, v);
    --depth_;
    return r;
  }

  Result<void> fields(const std::vector<TypeField>& fs, const Json& v) {
    switch (fields_shape(fs)) {
      case FieldsShape::Empty:
        if (v.is_null() || (v.is_array() && v.empty()) || (v.is_object() && v.empty())) {
          return ok();
        }
        return wrong(v, "null (no fields)");
      case FieldsShape::Inner: return value(fs[0].type, v);
      case FieldsShape::Object:
        if (v.is_object()) return named(fs, v);
        return positional(fs, v, "an object by field name or a positional array");
      case FieldsShape::Array: return positional(fs, v, "an array");
    }
    return ok();
  }

 private:
  Error wrong(const Json& v, std::string_view expected) const {
    return path_error(DynCodecErrc::WrongJsonType, path_,
                      "expected " + std::string(expected) + ", got " + v.type_name());
  }

  Result<void> dispatch(std::uint32_t id, const TypeDef& t, const Json& v) {
    switch (t.kind) {
      case TypeKind::Primitive: return primitive(t, v);
      case TypeKind::Compact: return compact(t, v);
      case TypeKind::Sequence: return sequence(t, v);
      case TypeKind::Array: return array(t, v);
      case TypeKind::Tuple: return tuple(t, v);
      case TypeKind::Composite: return composite(id, t, v);
      case TypeKind::Variant: return variant(id, t, v);
      case TypeKind::BitSequence: return bits(t, v);
    }
    return path_error(DynCodecErrc::BadType, path_, "unknown type kind");
  }

  Result<void> primitive(const TypeDef& t, const Json& v) {
    switch (t.primitive) {
      case Primitive::Bool:
        if (!v.is_boolean()) return wrong(v, "a boolean");
        out_.push_back(v.get<bool>() ? 1 : 0);
        return ok();
      case Primitive::Str:
        if (!v.is_string()) return wrong(v, "a string");
        scale::append_compact(out_, v.get_ref<const std::string&>().size());
        append(out_, as_bytes(v.get_ref<const std::string&>()));
        return ok();
      case Primitive::Char: return character(v);
      default: return integer(*int_kind(t.primitive), v);
    }
  }

  Result<void> character(const Json& v) {
    if (!v.is_string()) return wrong(v, "a one-character string");
    auto c = single_code_point(v.get_ref<const std::string&>());
    if (!c || *c > 0x10FFFF || (*c >= 0xD800 && *c <= 0xDFFF)) {
      return path_error(DynCodecErrc::BadText, path_, "expected exactly one Unicode character");
    }
    scale::detail::append_le(out_, *c);
    return ok();
  }

  Result<void> integer(IntKind k, const Json& v) {
    Wide w{};
    std::string why;
    if (auto e = int_from_json(v, k, w, why)) return path_error(*e, path_, why);
    out_.insert(out_.end(), w.begin(), w.begin() + static_cast<std::ptrdiff_t>(k.bytes));
    return ok();
  }

  Result<void> compact(const TypeDef& t, const Json& v) {
    auto k = compact_int(md_, t.element);
    if (!k) return path_error(DynCodecErrc::BadType, path_, "Compact of a non-integer type");
    Wide w{};
    std::string why;
    if (auto e = int_from_json(v, *k, w, why)) return path_error(*e, path_, why);
    u128 x = 0;
    for (std::size_t i = k->bytes; i-- > 0;) x = (x << 8) | w[i];
    scale::append_compact(out_, x);
    return ok();
  }

  // A 0x-hex string or an array of bytes; exactly `want` bytes unless nullopt.
  Result<Bytes> byte_string(const Json& v, std::optional<std::size_t> want) {
    Bytes b;
    if (v.is_string()) {
      auto h = from_hex(v.get_ref<const std::string&>());
      if (!h.ok()) return path_error(DynCodecErrc::BadText, path_, h.error().to_string());
      b = std::move(*h);
    } else if (v.is_array()) {
      b.reserve(v.size());
      for (std::size_t i = 0; i < v.size(); ++i) {
        PathGuard g(path_, i);
        Wide w{};
        std::string why;
        if (auto e = int_from_json(v[i], IntKind{1, false}, w, why)) {
          return path_error(*e, path_, why);
        }
        b.push_back(w[0]);
      }
    } else {
      return wrong(v, "a 0x-hex string or an array of bytes");
    }
    if (want && b.size() != *want) {
      return path_error(
          DynCodecErrc::LengthMismatch, path_,
          "expected " + std::to_string(*want) + " bytes, got " + std::to_string(b.size()));
    }
    return b;
  }

  Result<void> sequence(const TypeDef& t, const Json& v) {
    if (is_u8(md_, t.element)) {
      Bytes b = EV_TRY(byte_string(v, std::nullopt));
      scale::append_compact(out_, b.size());
      append(out_, b);
      return ok();
    }
    if (!v.is_array()) return wrong(v, "an array");
    scale::append_compact(out_, v.size());
    return elements(t.element, v);
  }

  Result<void> array(const TypeDef& t, const Json& v) {
    if (is_u8(md_, t.element)) {
      append(out_, EV_TRY(byte_string(v, t.length)));
      return ok();
    }
    if (!v.is_array()) return wrong(v, "an array");
    if (v.size() != t.length) {
      return path_error(
          DynCodecErrc::LengthMismatch, path_,
          "expected " + std::to_string(t.length) + " elements, got " + std::to_string(v.size()));
    }
    return elements(t.element, v);
  }

  Result<void> elements(std::uint32_t element, const Json& v) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      PathGuard g(path_, i);
      EV_TRY(value(element, v[i]));
    }
    return ok();
  }

  Result<void> tuple(const TypeDef& t, const Json& v) {
    if (t.tuple.empty()) {
      if (v.is_null() || (v.is_array() && v.empty())) return ok();
      return wrong(v, "null (the empty tuple)");
    }
    if (!v.is_array()) return wrong(v, "an array");
    if (v.size() != t.tuple.size()) {
      return path_error(DynCodecErrc::LengthMismatch, path_,
                        "expected a tuple of " + std::to_string(t.tuple.size()) +
                            " elements, got " + std::to_string(v.size()));
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      PathGuard g(path_, i);
      EV_TRY(value(t.tuple[i], v[i]));
    }
    return ok();
  }

  Result<void> composite(std::uint32_t id, const TypeDef& t, const Json& v) {
    if (!md_.is_account_id32(id)) return fields(t.fields, v);
    if (!v.is_string()) return wrong(v, "an SS58 address or 0x + 64 hex digits");
    auto acc = parse_account_id(v.get_ref<const std::string&>());
    if (!acc.ok()) return path_error(DynCodecErrc::BadText, path_, acc.error().to_string());
    append(out_, *acc);
    return ok();
  }

  Result<void> named(const std::vector<TypeField>& fs, const Json& v) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const bool known = std::any_of(fs.begin(), fs.end(),
                                     [&](const TypeField& f) { return *f.name == it.key(); });
      if (!known) {
        return path_error(DynCodecErrc::UnknownField, path_, "no field '" + it.key() + "'");
      }
    }
    for (const auto& f : fs) {
      PathGuard g(path_, *f.name);
      auto it = v.find(*f.name);
      if (it == v.end()) return path_error(DynCodecErrc::MissingField, path_, "not given");
      EV_TRY(value(f.type, *it));
    }
    return ok();
  }

  Result<void> positional(const std::vector<TypeField>& fs, const Json& v,
                          std::string_view expected) {
    if (!v.is_array()) return wrong(v, expected);
    if (v.size() != fs.size()) {
      return path_error(
          DynCodecErrc::LengthMismatch, path_,
          "expected " + std::to_string(fs.size()) + " fields, got " + std::to_string(v.size()));
    }
    for (std::size_t i = 0; i < fs.size(); ++i) {
      PathGuard g(path_, i);
      EV_TRY(value(fs[i].type, v[i]));
    }
    return ok();
  }

  Result<void> variant(std::uint32_t id, const TypeDef& t, const Json& v) {
    if (is_option(t)) {
      if (v.is_null()) {
        out_.push_back(0);
        return ok();
      }
      out_.push_back(1);
      return value(t.variants[1].fields[0].type, v);
    }
    if (is_runtime_call(md_, id) && v.is_object() && v.contains("pallet") && v.contains("call")) {
      return call(v);
    }
    if (v.is_string()) {
      const TypeVariant* tv = find_variant(t, v.get_ref<const std::string&>());
      if (tv == nullptr) return unknown_variant(t, v.get_ref<const std::string&>());
      if (!tv->fields.empty()) {
        return path_error(
            DynCodecErrc::WrongJsonType, path_,
            "variant " + tv->name + " has fields: write {\"" + tv->name + "\": value}");
      }
      out_.push_back(tv->index);
      return ok();
    }
    if (!v.is_object() || v.size() != 1) {
      return wrong(v, "\"Variant\" or an object with one key {\"Variant\": value}");
    }
    const TypeVariant* tv = find_variant(t, v.begin().key());
    if (tv == nullptr) return unknown_variant(t, v.begin().key());
    out_.push_back(tv->index);
    PathGuard g(path_, tv->name);
    return fields(tv->fields, v.begin().value());
  }

  static const TypeVariant* find_variant(const TypeDef& t, std::string_view name) {
    return t.variant_by_name(name);
  }

  Error unknown_variant(const TypeDef& t, std::string_view name) const {
    return path_error(
        DynCodecErrc::UnknownVariant, path_,
        "no variant '" + std::string(name) + "' (variants: " + variant_names(t) + ")");
  }

  Result<void> call(const Json& v) {
    const Json& p = v["pallet"];
    const Json& c = v["call"];
    if (!p.is_string() || !c.is_string()) return wrong(v, "{\"pallet\": string, \"call\": string}");
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (it.key() != "pallet" && it.key() != "call" && it.key() != "args") {
        return path_error(DynCodecErrc::UnknownField, path_, "no field '" + it.key() + "'");
      }
    }
    static const Json kNoArgs;
    auto it = v.find("args");
    auto r = encode_call_into(md_, p.get_ref<const std::string&>(), c.get_ref<const std::string&>(),
                              it == v.end() ? kNoArgs : *it, out_, depth_);
    if (!r.ok()) return std::move(r).error().context(path_.str());
    return ok();
  }

  Result<void> bits(const TypeDef& t, const Json& v) {
    auto layout = bit_layout(md_, t);
    if (!layout) return path_error(DynCodecErrc::BadType, path_, "unsupported bit store or order");
    if (!v.is_array()) return wrong(v, "an array of booleans");
    if (v.size() > 0xFFFFFFFFu) {
      return path_error(DynCodecErrc::OutOfRange, path_, "more than 2^32 - 1 bits");
    }
    const std::size_t store_bits = layout->store_bytes * 8;
    scale::append_compact(out_, v.size());
    const std::size_t stores = (v.size() + store_bits - 1) / store_bits;
    for (std::size_t s = 0; s < stores; ++s) {
      std::uint64_t word = 0;
      for (std::size_t b = 0; b < store_bits && s * store_bits + b < v.size(); ++b) {
        const std::size_t i = s * store_bits + b;
        PathGuard g(path_, i);
        if (!v[i].is_boolean()) return wrong(v[i], "a boolean");
        if (!v[i].get<bool>()) continue;
        word |= std::uint64_t{1} << (layout->msb0 ? store_bits - 1 - b : b);
      }
      scale::detail::append_le(out_, word, layout->store_bytes);
    }
    return ok();
  }

 public:
  static Result<void> encode_call_into(const Metadata& md, std::string_view pallet,
                                       std::string_view call, const Json& args, Bytes& out,
                                       std::size_t depth);

 private:
  const Metadata& md_;
  Bytes& out_;
  Path& path_;
  std::size_t depth_;
};

Result<void> Writer::encode_call_into(const Metadata& md, std::string_view pallet,
                                      std::string_view call, const Json& args, Bytes& out,
                                      std::size_t depth) {
  const std::string where = std::string(pallet) + "." + std::string(call);
  const CallInfo ci = EV_TRY(md.call(pallet, call));
  const auto& fs = ci.variant->fields;
  out.push_back(ci.pallet_index);
  out.push_back(ci.call_index);
  if (args.is_null() && fs.empty()) return ok();
  if (args.is_array()) {
    if (args.size() != fs.size()) {
      return make_error(DynCodecErrc::LengthMismatch,
                        where + ": expected " + std::to_string(fs.size()) + " arguments, got " +
                            std::to_string(args.size()));
    }
  } else if (args.is_object()) {
    for (auto it = args.begin(); it != args.end(); ++it) {
      const bool known =
          std::any_of(fs.begin(), fs.end(), [&](const TypeField& f) { return f.name == it.key(); });
      if (!known) {
        return make_error(DynCodecErrc::UnknownField, where + ": no argument '" + it.key() + "'");
      }
    }
  } else {
    return make_error(DynCodecErrc::WrongJsonType,
                      where +
                          ": arguments must be an array (positional) or an object (by "
                          "name), got " +
                          args.type_name());
  }
  for (std::size_t i = 0; i < fs.size(); ++i) {
    const std::string name = arg_name(fs[i], i);
    std::string context = where;
    context.append(": argument ").append(name);
    const Json* a = nullptr;
    if (args.is_array()) {
      a = &args[i];
    } else if (auto it = args.find(name); it != args.end()) {
      a = &*it;
    }
    if (a == nullptr) {
      return make_error(DynCodecErrc::MissingField, context + ": not given");
    }
    Path path;
    Writer w(md, out, path, depth);
    EV_TRY_CTX(context, w.value(fs[i].type, *a));
  }
  return ok();
}

}  // namespace

Result<void> encode_fields(const Metadata& md, const std::vector<TypeField>& fields, const Json& v,
                           Bytes& out, Path& path, std::size_t depth) {
  Writer w(md, out, path, depth);
  return w.fields(fields, v);
}

}  // namespace ev::chain::dyn

namespace ev::chain {

Result<void> encode_value(const Metadata& md, std::uint32_t type, const nlohmann::json& value,
                          Bytes& out) {
  dyn::Path path;
  dyn::Writer w(md, out, path, 0);
  return w.value(type, value);
}

Result<Bytes> encode_call(const Metadata& md, std::string_view pallet, std::string_view call,
                          const nlohmann::json& args) {
  Bytes out;
  EV_TRY(dyn::Writer::encode_call_into(md, pallet, call, args, out, 0));
  return out;
}

}  // namespace ev::chain
