// Integer text, JSON paths and registry-shape helpers of the metadata-driven codec.
// Format: docs/formats/json-codec.md.
#include <algorithm>
#include <string>

#include "dyncodec_internal.hpp"

namespace ev {

std::string_view ErrorTraits<chain::DynCodecErrc>::message(chain::DynCodecErrc e) {
  using E = chain::DynCodecErrc;
  switch (e) {
    case E::WrongJsonType: return "JSON value of the wrong kind";
    case E::OutOfRange: return "integer out of range";
    case E::BadText: return "text does not parse";
    case E::UnknownVariant: return "unknown enum variant";
    case E::MissingField: return "missing field";
    case E::UnknownField: return "unknown field";
    case E::LengthMismatch: return "wrong number of elements";
    case E::BadBytes: return "bytes do not decode";
    case E::TrailingBytes: return "trailing bytes";
    case E::LimitExceeded: return "limit exceeded";
    case E::BadType: return "unusable type in the registry";
  }
  return "unknown dyncodec error";
}

}  // namespace ev

namespace ev::chain::dyn {

namespace {

// Two's complement negation of n little-endian bytes.
void negate(std::uint8_t* p, std::size_t n) {
  unsigned carry = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned v = static_cast<std::uint8_t>(~p[i]) + carry;
    p[i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
}

// mag = mag * 10 + digit over n bytes; false on overflow of n bytes.
bool mul10_add(std::uint8_t* mag, std::size_t n, unsigned digit) {
  unsigned carry = digit;
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned v = mag[i] * 10u + carry;
    mag[i] = static_cast<std::uint8_t>(v);
    carry = v >> 8;
  }
  return carry == 0;
}

// Range check of a magnitude held in kind.bytes bytes for a signed kind: at most 2^(8n-1)
// when negative, below it otherwise.
bool signed_fits(const Wide& mag, std::size_t n, bool negative) {
  const std::uint8_t top = mag[n - 1];
  if (top < 0x80) return true;
  if (!negative || top != 0x80) return false;
  return std::all_of(mag.begin(), mag.begin() + static_cast<std::ptrdiff_t>(n - 1),
                     [](std::uint8_t b) { return b == 0; });
}

std::optional<DynCodecErrc> parse_decimal(std::string_view s, IntKind kind, Wide& out,
                                          std::string& why) {
  const bool negative = !s.empty() && s.front() == '-';
  if (negative) s.remove_prefix(1);
  if (s.empty() || s.size() > 80) {
    why = "expected a decimal integer";
    return DynCodecErrc::BadText;
  }
  if (negative && !kind.is_signed) {
    why = "negative value for an unsigned integer";
    return DynCodecErrc::OutOfRange;
  }
  out.fill(0);
  for (char c : s) {
    if (c < '0' || c > '9') {
      why = "expected a decimal integer, found '" + std::string(1, c) + "'";
      return DynCodecErrc::BadText;
    }
    if (!mul10_add(out.data(), kind.bytes, static_cast<unsigned>(c - '0'))) {
      why = std::string(s) + " does not fit " + std::to_string(kind.bytes * 8) + " bits";
      return DynCodecErrc::OutOfRange;
    }
  }
  if (kind.is_signed && !signed_fits(out, kind.bytes, negative)) {
    why = (negative ? "-" : "") + std::string(s) + " does not fit a signed " +
          std::to_string(kind.bytes * 8) + "-bit integer";
    return DynCodecErrc::OutOfRange;
  }
  if (negative) negate(out.data(), kind.bytes);
  return std::nullopt;
}

}  // namespace

std::optional<IntKind> int_kind(Primitive p) {
  switch (p) {
    case Primitive::U8: return IntKind{1, false};
    case Primitive::U16: return IntKind{2, false};
    case Primitive::U32: return IntKind{4, false};
    case Primitive::U64: return IntKind{8, false};
    case Primitive::U128: return IntKind{16, false};
    case Primitive::U256: return IntKind{32, false};
    case Primitive::I8: return IntKind{1, true};
    case Primitive::I16: return IntKind{2, true};
    case Primitive::I32: return IntKind{4, true};
    case Primitive::I64: return IntKind{8, true};
    case Primitive::I128: return IntKind{16, true};
    case Primitive::I256: return IntKind{32, true};
    case Primitive::Bool:
    case Primitive::Char:
    case Primitive::Str: return std::nullopt;
  }
  return std::nullopt;
}

std::string int_to_decimal(ByteSpan le, IntKind kind) {
  Wide mag{};
  std::copy(le.begin(), le.begin() + static_cast<std::ptrdiff_t>(kind.bytes), mag.begin());
  const bool negative = kind.is_signed && (mag[kind.bytes - 1] & 0x80) != 0;
  if (negative) negate(mag.data(), kind.bytes);
  std::string digits;
  std::size_t top = kind.bytes;  // bytes above `top` are zero
  while (top > 0 && mag[top - 1] == 0) --top;
  while (top > 0) {
    unsigned rem = 0;
    for (std::size_t i = top; i-- > 0;) {
      const unsigned cur = (rem << 8) | mag[i];
      mag[i] = static_cast<std::uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
    while (top > 0 && mag[top - 1] == 0) --top;
  }
  if (digits.empty()) digits = "0";
  if (negative) digits.push_back('-');
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::optional<DynCodecErrc> int_from_json(const Json& v, IntKind kind, Wide& out,
                                          std::string& why) {
  if (v.is_string()) return parse_decimal(v.get_ref<const std::string&>(), kind, out, why);
  if (v.is_number_unsigned()) {
    return parse_decimal(std::to_string(v.get<std::uint64_t>()), kind, out, why);
  }
  if (v.is_number_integer()) {
    return parse_decimal(std::to_string(v.get<std::int64_t>()), kind, out, why);
  }
  why = std::string("expected an integer (number or decimal string), got ") + v.type_name();
  return DynCodecErrc::WrongJsonType;
}

std::string Path::str() const {
  std::string s = "$";
  for (const auto& seg : segs_) {
    if (seg.is_index) {
      s += "[" + std::to_string(seg.index) + "]";
    } else {
      s += ".";
      s += seg.name;
    }
  }
  return s;
}

Error path_error(DynCodecErrc e, const Path& path, std::string_view detail) {
  std::string d = path.str();
  if (!detail.empty()) {
    d += ": ";
    d += detail;
  }
  return make_error(e, d);
}

bool is_u8(const Metadata& md, std::uint32_t id) {
  const TypeDef* t = type_at(md, id);
  return t != nullptr && t->kind == TypeKind::Primitive && t->primitive == Primitive::U8;
}

bool is_option(const TypeDef& t) {
  return t.kind == TypeKind::Variant && t.path.size() == 1 && t.path[0] == "Option" &&
         t.variants.size() == 2 && t.variants[0].name == "None" && t.variants[0].index == 0 &&
         t.variants[0].fields.empty() && t.variants[1].name == "Some" && t.variants[1].index == 1 &&
         t.variants[1].fields.size() == 1;
}

std::optional<IntKind> compact_int(const Metadata& md, std::uint32_t element) {
  std::uint32_t id = element;
  for (int hops = 0; hops < 8; ++hops) {
    const TypeDef* t = type_at(md, id);
    if (t == nullptr) return std::nullopt;
    if (t->kind == TypeKind::Primitive) {
      auto k = int_kind(t->primitive);
      if (!k || k->is_signed || k->bytes > 16) return std::nullopt;
      return k;
    }
    if (t->kind != TypeKind::Composite || t->fields.size() != 1) return std::nullopt;
    id = t->fields[0].type;
  }
  return std::nullopt;
}

std::optional<BitLayout> bit_layout(const Metadata& md, const TypeDef& t) {
  const TypeDef* store = type_at(md, t.element);
  const TypeDef* order = type_at(md, t.bit_order);
  if (store == nullptr || order == nullptr || store->kind != TypeKind::Primitive) {
    return std::nullopt;
  }
  auto k = int_kind(store->primitive);
  if (!k || k->is_signed || k->bytes > 8 || order->path.empty()) return std::nullopt;
  const std::string& name = order->path.back();
  if (name != "Lsb0" && name != "Msb0") return std::nullopt;
  return BitLayout{k->bytes, name == "Msb0"};
}

namespace {

std::size_t min_size_rec(const Metadata& md, std::uint32_t id, int depth, int& work) {
  const TypeDef* t = type_at(md, id);
  if (t == nullptr || depth > 16 || --work < 0) return 0;
  switch (t->kind) {
    case TypeKind::Primitive: {
      if (t->primitive == Primitive::Char) return 4;
      auto k = int_kind(t->primitive);
      return k ? k->bytes : 1;  // bool and str (its length prefix) take at least one byte
    }
    case TypeKind::Compact:
    case TypeKind::Sequence:
    case TypeKind::BitSequence:
    case TypeKind::Variant: return 1;
    case TypeKind::Array: {
      const std::size_t e = min_size_rec(md, t->element, depth + 1, work);
      return std::min<std::size_t>(e * t->length, std::size_t{1} << 32);
    }
    case TypeKind::Tuple: {
      std::size_t sum = 0;
      for (auto f : t->tuple) sum += min_size_rec(md, f, depth + 1, work);
      return std::min<std::size_t>(sum, std::size_t{1} << 32);
    }
    case TypeKind::Composite: {
      std::size_t sum = 0;
      for (const auto& f : t->fields) sum += min_size_rec(md, f.type, depth + 1, work);
      return std::min<std::size_t>(sum, std::size_t{1} << 32);
    }
  }
  return 0;
}

}  // namespace

std::size_t min_encoded_size(const Metadata& md, std::uint32_t id) {
  int work = 64;
  return min_size_rec(md, id, 0, work);
}

bool is_runtime_call(const Metadata& md, std::uint32_t id) {
  if (md.outer_enums && md.outer_enums->call_type == id) return true;
  if (md.extrinsic.call_type) return *md.extrinsic.call_type == id;
  // V14 names no call type: it is the `Call` parameter of the UncheckedExtrinsic type.
  if (md.extrinsic.extrinsic_type && *md.extrinsic.extrinsic_type < md.types.size()) {
    for (const auto& p : md.types[*md.extrinsic.extrinsic_type].params) {
      if (p.name == "Call" && p.type && *p.type == id) return true;
    }
  }
  return false;
}

FieldsShape fields_shape(const std::vector<TypeField>& fields) {
  if (fields.empty()) return FieldsShape::Empty;
  const bool named = std::all_of(fields.begin(), fields.end(),
                                 [](const TypeField& f) { return f.name.has_value(); });
  if (named) return FieldsShape::Object;
  return fields.size() == 1 ? FieldsShape::Inner : FieldsShape::Array;
}

}  // namespace ev::chain::dyn
