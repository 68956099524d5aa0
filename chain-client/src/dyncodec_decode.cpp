// SCALE bytes -> JSON against a runtime's type registry. Format: docs/formats/json-codec.md.
#include <algorithm>
#include <cstring>
#include <string>

#include "dyncodec_internal.hpp"
#include "ev/chain/ss58.hpp"

namespace ev::chain::dyn {

namespace {

// Appends the UTF-8 form of a Unicode scalar value; false for surrogates and values past
// U+10FFFF.
bool append_utf8(std::string& s, std::uint32_t c) {
  if (c >= 0xD800 && c <= 0xDFFF) return false;
  if (c < 0x80) {
    s.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (c >> 6)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (c >> 12)));
    s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c <= 0x10FFFF) {
    s.push_back(static_cast<char>(0xF0 | (c >> 18)));
    s.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    return false;
  }
  return true;
}

std::string type_label(const TypeDef& t, std::uint32_t id) {
  std::string s = "type " + std::to_string(id);
  if (!t.path.empty()) s += " (" + t.path.back() + ")";
  return s;
}

// True when the bits of the last store past `count` are zero (the canonical encoding).
bool padding_clear(ByteSpan raw, std::size_t count, BitLayout layout) {
  const std::size_t store_bits = layout.store_bytes * 8;
  const std::size_t used = count % store_bits;
  if (used == 0) return true;
  std::uint64_t word = 0;
  std::memcpy(&word, raw.data() + raw.size() - layout.store_bytes, layout.store_bytes);
  const std::uint64_t used_mask = (std::uint64_t{1} << used) - 1;
  const std::uint64_t mask = layout.msb0 ? used_mask << (store_bits - used) : used_mask;
  return (word & ~mask) == 0;
}

class Reader {
 public:
  Reader(const Metadata& md, scale::Decoder& in, const DecodeOptions& opts, Path& path,
         std::size_t& budget)
      : md_(md), in_(in), opts_(opts), path_(path), budget_(budget) {}

  Result<Json> value(std::uint32_t id) {
    const TypeDef* t = type_at(md_, id);
    if (t == nullptr) {
      return path_error(DynCodecErrc::BadType, path_,
                        "type id " + std::to_string(id) + " is not in the registry");
    }
    auto guard = in_.descend();
    if (!guard.ok()) {
      return path_error(DynCodecErrc::LimitExceeded, path_,
                        "nesting deeper than " + std::to_string(scale::kMaxDepth) + " levels");
    }
    EV_TRY(spend(1));
    switch (t->kind) {
      case TypeKind::Primitive: return primitive(*t);
      case TypeKind::Compact: return compact(*t);
      case TypeKind::Sequence: return sequence(*t);
      case TypeKind::Array: return array(*t);
      case TypeKind::Tuple: return tuple(*t);
      case TypeKind::Composite: return composite(id, *t);
      case TypeKind::Variant: return variant(id, *t);
      case TypeKind::BitSequence: return bits(id, *t);
    }
    return path_error(DynCodecErrc::BadType, path_, "unknown type kind");
  }

  Result<Json> fields(const std::vector<TypeField>& fs, FieldsStyle style) {
    const FieldsShape shape = fields_shape(fs);
    if (shape == FieldsShape::Empty) {
      return style == FieldsStyle::Record ? Json::object() : Json(nullptr);
    }
    if (shape == FieldsShape::Inner && style == FieldsStyle::Value) return value(fs[0].type);
    if (shape == FieldsShape::Object) {
      Json obj = Json::object();
      for (const auto& f : fs) {
        PathGuard g(path_, *f.name);
        obj[*f.name] = EV_TRY(value(f.type));
      }
      return obj;
    }
    Json arr = Json::array();
    for (std::size_t i = 0; i < fs.size(); ++i) {
      PathGuard g(path_, i);
      arr.push_back(EV_TRY(value(fs[i].type)));
    }
    return arr;
  }

 private:
  Error bad(const Error& e) const {
    return path_error(DynCodecErrc::BadBytes, path_, e.to_string());
  }

  Result<void> spend(std::size_t n) {
    if (budget_ >= n) {
      budget_ -= n;
      return ok();
    }
    return path_error(DynCodecErrc::LimitExceeded, path_, "decoded-value budget exhausted");
  }

  Result<Json> primitive(const TypeDef& t) {
    switch (t.primitive) {
      case Primitive::Bool: {
        auto b = in_.boolean();
        if (!b.ok()) return bad(b.error());
        return Json(*b);
      }
      case Primitive::Str: {
        auto s = in_.string();
        if (!s.ok()) return bad(s.error());
        return Json(std::move(*s));
      }
      case Primitive::Char: return character();
      default: return integer(*int_kind(t.primitive));
    }
  }

  Result<Json> character() {
    const std::size_t at = in_.pos();
    auto c = in_.u32();
    if (!c.ok()) return bad(c.error());
    std::string s;
    if (!append_utf8(s, *c)) {
      return path_error(DynCodecErrc::BadBytes, path_,
                        "char " + std::to_string(*c) + " at offset " + std::to_string(at) +
                            " is not a Unicode scalar value");
    }
    return Json(std::move(s));
  }

  Result<Json> integer(IntKind k) {
    auto raw = in_.raw(k.bytes);
    if (!raw.ok()) return bad(raw.error());
    if (k.bytes > 8) return Json(int_to_decimal(*raw, k));
    std::uint64_t u = 0;
    std::memcpy(&u, raw->data(), k.bytes);
    if (!k.is_signed) return Json(u);
    const unsigned shift = static_cast<unsigned>(64 - 8 * k.bytes);
    // Sign-extends through the arithmetic right shift of the signed value.
    const auto s = static_cast<std::int64_t>(u << shift) >> shift;
    return Json(s);
  }

  Result<Json> compact(const TypeDef& t) {
    auto k = compact_int(md_, t.element);
    if (!k) return path_error(DynCodecErrc::BadType, path_, "Compact of a non-integer type");
    switch (k->bytes) {
      case 1: return compact_as<std::uint8_t>();
      case 2: return compact_as<std::uint16_t>();
      case 4: return compact_as<std::uint32_t>();
      case 8: return compact_as<std::uint64_t>();
      default: {
        auto v = in_.compact_as<u128>();
        if (!v.ok()) return bad(v.error());
        return Json(u128_to_string(*v));
      }
    }
  }

  template <class T>
  Result<Json> compact_as() {
    auto v = in_.compact_as<T>();
    if (!v.ok()) return bad(v.error());
    return Json(static_cast<std::uint64_t>(*v));
  }

  Result<Json> byte_string(std::size_t n) {
    auto raw = in_.raw(n);
    if (!raw.ok()) return bad(raw.error());
    return Json(to_hex(*raw));
  }

  Result<Json> sequence(const TypeDef& t) {
    if (is_u8(md_, t.element)) {
      auto n = in_.length(1);
      if (!n.ok()) return bad(n.error());
      return byte_string(*n);
    }
    auto n = in_.length(min_encoded_size(md_, t.element));
    if (!n.ok()) return bad(n.error());
    return elements(t.element, *n);
  }

  Result<Json> array(const TypeDef& t) {
    if (is_u8(md_, t.element)) return byte_string(t.length);
    return elements(t.element, t.length);
  }

  Result<Json> elements(std::uint32_t element, std::size_t n) {
    Json arr = Json::array();
    arr.get_ref<Json::array_t&>().reserve(std::min<std::size_t>(n, 1024));
    for (std::size_t i = 0; i < n; ++i) {
      PathGuard g(path_, i);
      arr.push_back(EV_TRY(value(element)));
    }
    return arr;
  }

  Result<Json> tuple(const TypeDef& t) {
    if (t.tuple.empty()) return Json(nullptr);
    Json arr = Json::array();
    for (std::size_t i = 0; i < t.tuple.size(); ++i) {
      PathGuard g(path_, i);
      arr.push_back(EV_TRY(value(t.tuple[i])));
    }
    return arr;
  }

  Result<Json> composite(std::uint32_t id, const TypeDef& t) {
    if (!md_.is_account_id32(id)) return fields(t.fields, FieldsStyle::Value);
    auto raw = in_.raw(32);
    if (!raw.ok()) return bad(raw.error());
    auto addr = ss58_encode(*raw, opts_.ss58_prefix);
    if (!addr.ok()) return path_error(DynCodecErrc::BadType, path_, addr.error().to_string());
    return Json(std::move(*addr));
  }

  Result<Json> variant(std::uint32_t id, const TypeDef& t) {
    const std::size_t at = in_.pos();
    auto index = in_.u8();
    if (!index.ok()) return bad(index.error());
    const TypeVariant* v = t.variant_by_index(*index);
    if (v == nullptr) {
      return path_error(DynCodecErrc::BadBytes, path_,
                        "no variant with index " + std::to_string(*index) + " in " +
                            type_label(t, id) + " at offset " + std::to_string(at));
    }
    if (is_option(t)) return *index == 0 ? Json(nullptr) : value(v->fields[0].type);
    if (v->fields.empty()) return Json(v->name);
    PathGuard g(path_, v->name);
    Json obj = Json::object();
    obj[v->name] = EV_TRY(fields(v->fields, FieldsStyle::Value));
    return obj;
  }

  Result<Json> bits(std::uint32_t id, const TypeDef& t) {
    auto layout = bit_layout(md_, t);
    if (!layout) {
      return path_error(DynCodecErrc::BadType, path_,
                        type_label(t, id) + ": unsupported bit store or order");
    }
    auto count = in_.compact_as<std::uint32_t>();
    if (!count.ok()) return bad(count.error());
    const std::size_t store_bits = layout->store_bytes * 8;
    const std::size_t stores = (std::size_t{*count} + store_bits - 1) / store_bits;
    auto raw = in_.raw(stores * layout->store_bytes);
    if (!raw.ok()) return bad(raw.error());
    EV_TRY(spend(*count));
    Json arr = Json::array();
    arr.get_ref<Json::array_t&>().reserve(*count);
    for (std::size_t i = 0; i < *count; ++i) {
      std::uint64_t word = 0;
      std::memcpy(&word, raw->data() + (i / store_bits) * layout->store_bytes, layout->store_bytes);
      const std::size_t b = i % store_bits;
      const std::size_t shift = layout->msb0 ? store_bits - 1 - b : b;
      arr.push_back(((word >> shift) & 1U) != 0);
    }
    if (!padding_clear(*raw, *count, *layout)) {
      return path_error(DynCodecErrc::BadBytes, path_,
                        "bit sequence of " + std::to_string(*count) +
                            " bits has non-zero padding bits in its last store");
    }
    return arr;
  }

  const Metadata& md_;
  scale::Decoder& in_;
  const DecodeOptions& opts_;
  Path& path_;
  std::size_t& budget_;
};

}  // namespace

Result<Json> decode_fields(const Metadata& md, const std::vector<TypeField>& fields,
                           scale::Decoder& in, const DecodeOptions& opts, FieldsStyle style,
                           Path& path, std::size_t& budget) {
  Reader r(md, in, opts, path, budget);
  return r.fields(fields, style);
}

}  // namespace ev::chain::dyn

namespace ev::chain {

Result<nlohmann::json> decode_value(const Metadata& md, std::uint32_t type, scale::Decoder& in,
                                    const DecodeOptions& opts) {
  dyn::Path path;
  std::size_t budget = max_decode_nodes(in.remaining());
  dyn::Reader r(md, in, opts, path, budget);
  return r.value(type);
}

Result<nlohmann::json> decode_value_all(const Metadata& md, std::uint32_t type, ByteSpan bytes,
                                        const DecodeOptions& opts) {
  scale::Decoder in(bytes);
  auto v = EV_TRY(decode_value(md, type, in, opts));
  if (!in.empty()) {
    return make_error(DynCodecErrc::TrailingBytes, std::to_string(in.remaining()) +
                                                       " bytes left after the value, at offset " +
                                                       std::to_string(in.pos()));
  }
  return v;
}

Result<nlohmann::json> decode_call(const Metadata& md, scale::Decoder& in,
                                   const DecodeOptions& opts) {
  const std::size_t at = in.pos();
  auto pallet_index = in.u8();
  auto call_index = in.u8();
  if (!pallet_index.ok() || !call_index.ok()) {
    return make_error(DynCodecErrc::BadBytes,
                      "call header truncated at offset " + std::to_string(at));
  }
  const Pallet* p = md.pallet_by_index(*pallet_index);
  if (p == nullptr || !p->calls_type) {
    return make_error(DynCodecErrc::UnknownVariant, "no pallet with calls at index " +
                                                        std::to_string(*pallet_index) +
                                                        " (offset " + std::to_string(at) + ")");
  }
  const TypeDef* calls = dyn::type_at(md, *p->calls_type);
  const TypeVariant* v = calls == nullptr ? nullptr : calls->variant_by_index(*call_index);
  if (v == nullptr) {
    return make_error(DynCodecErrc::UnknownVariant,
                      p->name + " has no call with index " + std::to_string(*call_index));
  }
  dyn::Path path;
  std::size_t budget = max_decode_nodes(in.remaining());
  auto args = EV_TRY_CTX(
      p->name + "." + v->name,
      dyn::decode_fields(md, v->fields, in, opts, dyn::FieldsStyle::Record, path, budget));
  return nlohmann::json{{"pallet", p->name}, {"call", v->name}, {"args", std::move(args)}};
}

}  // namespace ev::chain
