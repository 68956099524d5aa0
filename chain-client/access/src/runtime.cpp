// Runtime: the strict, minimal reading of RuntimeMetadataPrefixed V14/V15, and the event reader
// (docs/formats/chain-access.md).
#include <algorithm>
#include <utility>

#include "ev/chain/access.hpp"

namespace ev {
std::string_view ErrorTraits<chain::access::AccessErrc>::message(chain::access::AccessErrc e) {
  using chain::access::AccessErrc;
  switch (e) {
    case AccessErrc::Metadata: return "metadata";
    case AccessErrc::UnknownExtension: return "unknown signed extension";
    case AccessErrc::BadChainData: return "unexpected chain data";
    case AccessErrc::Rpc: return "rpc";
    case AccessErrc::Rejected: return "transaction rejected";
    case AccessErrc::Timeout: return "transaction not included in time";
  }
  return "chain access error";
}
}  // namespace ev

namespace ev::chain::access {

constexpr int kMaxDepth = 64;

const Variant* Type::variant(std::uint8_t index) const {
  for (const auto& v : variants) {
    if (v.index == index) return &v;
  }
  return nullptr;
}

const Variant* Type::variant(std::string_view name) const {
  for (const auto& v : variants) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

class MetadataReader {
 public:
  explicit MetadataReader(scale::Decoder& d) : d_(d) {}

  Result<Runtime> read() {
    static constexpr std::uint8_t kMagic[4] = {0x6d, 0x65, 0x74, 0x61};
    ByteSpan magic = EV_TRY_CTX("metadata magic", d_.raw(4));
    if (!std::equal(magic.begin(), magic.end(), kMagic)) return bad("missing \"meta\" magic");
    rt_.version_ = EV_TRY(d_.u8());
    if (rt_.version_ != 14 && rt_.version_ != 15) {
      return bad("version " + std::to_string(rt_.version_) + " (this path reads V14 and V15)");
    }
    const std::size_t n = EV_TRY(d_.length(5));
    rt_.types_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (EV_TRY(d_.compact()) != i) return bad("registry entry " + std::to_string(i) + " id");
      rt_.types_.push_back(EV_TRY_CTX("type " + std::to_string(i), type()));
    }
    EV_TRY(check_registry());
    const std::size_t np = EV_TRY(d_.length(5));
    for (std::size_t i = 0; i < np; ++i) {
      rt_.pallets_.push_back(EV_TRY_CTX("pallet " + std::to_string(i), pallet()));
    }
    if (rt_.version_ == 14) {
      EV_TRY(id());  // UncheckedExtrinsic type
      if (EV_TRY(d_.u8()) != 4) return bad("extrinsic version is not 4");
    } else {
      if (EV_TRY(d_.u8()) != 4) return bad("extrinsic version is not 4");
      for (int i = 0; i < 4; ++i) EV_TRY(id());  // address, call, signature, extra types
    }
    const std::size_t ne = EV_TRY(d_.length(3));
    for (std::size_t i = 0; i < ne; ++i) {
      Extension x;
      x.identifier = EV_TRY(d_.string());
      x.type = EV_TRY(id());
      x.additional = EV_TRY(id());
      rt_.extensions_.push_back(std::move(x));
    }
    EV_TRY(id());  // the runtime type
    if (rt_.version_ == 15) EV_TRY_CTX("apis and custom values", v15_tail());
    EV_TRY_CTX("metadata", d_.finish());
    return std::move(rt_);
  }

 private:
  Error bad(const std::string& what) const {
    return make_error(AccessErrc::Metadata,
                      what + " (before offset " + std::to_string(d_.pos()) + ")");
  }

  Result<std::uint32_t> id() {
    const u128 v = EV_TRY(d_.compact());
    if (v >= rt_.types_.size()) {
      return bad("type id " + u128_to_string(v) + " outside the registry");
    }
    if (v > 0xFFFFFFFFu) return bad("type id above u32");
    return static_cast<std::uint32_t>(v);
  }

  Result<std::uint32_t> raw_id() {  // inside the registry, checked once it is complete
    const u128 v = EV_TRY(d_.compact());
    if (v > 0xFFFFFFFFu) return bad("type id above u32");
    return static_cast<std::uint32_t>(v);
  }

  Result<void> strings() {
    const std::size_t n = EV_TRY(d_.length(1));
    for (std::size_t i = 0; i < n; ++i) EV_TRY(d_.string());
    return ok();
  }

  Result<void> option_string() {
    const std::uint8_t tag = EV_TRY(d_.u8());
    if (tag == 1) EV_TRY(d_.string());
    if (tag > 1) return bad("Option tag " + std::to_string(tag));
    return ok();
  }

  Result<std::vector<std::uint32_t>> fields() {
    const std::size_t n = EV_TRY(d_.length(3));
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < n; ++i) {
      EV_TRY(option_string());  // name
      out.push_back(EV_TRY(raw_id()));
      EV_TRY(option_string());  // type name
      EV_TRY(strings());        // docs
    }
    return out;
  }

  Result<Type> type() {
    Type t;
    EV_TRY(strings());  // path
    const std::size_t np = EV_TRY(d_.length(2));
    for (std::size_t i = 0; i < np; ++i) {
      EV_TRY(d_.string());
      const std::uint8_t tag = EV_TRY(d_.u8());
      if (tag == 1) EV_TRY(raw_id());
      if (tag > 1) return bad("Option tag " + std::to_string(tag));
    }
    const std::uint8_t kind = EV_TRY(d_.u8());
    switch (kind) {
      case Type::Composite: t.fields = EV_TRY(fields()); break;
      case Type::Enum: {
        const std::size_t nv = EV_TRY(d_.length(4));
        for (std::size_t i = 0; i < nv; ++i) {
          Variant v;
          v.name = EV_TRY(d_.string());
          v.fields = EV_TRY(fields());
          v.index = EV_TRY(d_.u8());
          EV_TRY(strings());
          t.variants.push_back(std::move(v));
        }
        break;
      }
      case Type::Sequence:
      case Type::Compact: t.element = EV_TRY(raw_id()); break;
      case Type::Array:
        t.length = EV_TRY(d_.u32());
        t.element = EV_TRY(raw_id());
        break;
      case Type::Tuple: {
        const std::size_t n = EV_TRY(d_.length(1));
        for (std::size_t i = 0; i < n; ++i) t.fields.push_back(EV_TRY(raw_id()));
        break;
      }
      case Type::Primitive:
        t.primitive = EV_TRY(d_.u8());
        if (t.primitive > 14) return bad("primitive tag " + std::to_string(t.primitive));
        break;
      case Type::Bits:
        t.element = EV_TRY(raw_id());  // bit store
        EV_TRY(raw_id());              // bit order
        break;
      default: return bad("TypeDef tag " + std::to_string(kind));
    }
    t.kind = static_cast<Type::Kind>(kind);
    EV_TRY(strings());  // docs
    return t;
  }

  Result<void> check_registry() {
    const std::size_t n = rt_.types_.size();
    auto check = [&](std::uint32_t x, std::size_t owner) -> Result<void> {
      if (x >= n) {
        return bad("type " + std::to_string(owner) + " refers to type " + std::to_string(x));
      }
      return ok();
    };
    for (std::size_t i = 0; i < n; ++i) {
      const Type& t = rt_.types_[i];
      for (auto f : t.fields) EV_TRY(check(f, i));
      for (const auto& v : t.variants) {
        for (auto f : v.fields) EV_TRY(check(f, i));
      }
      EV_TRY(check(t.element, i));
    }
    return ok();
  }

  Result<std::optional<std::uint32_t>> option_id() {
    const std::uint8_t tag = EV_TRY(d_.u8());
    if (tag == 0) return std::optional<std::uint32_t>{};
    if (tag != 1) return bad("Option tag " + std::to_string(tag));
    return std::optional<std::uint32_t>(EV_TRY(id()));
  }

  Result<Pallet> pallet() {
    Pallet p;
    p.name = EV_TRY(d_.string());
    const std::uint8_t has_storage = EV_TRY(d_.u8());
    if (has_storage > 1) return bad("Option tag " + std::to_string(has_storage));
    if (has_storage == 1) {
      EV_TRY(d_.string());  // prefix
      const std::size_t n = EV_TRY(d_.length(5));
      for (std::size_t i = 0; i < n; ++i) {
        const std::string name = EV_TRY(d_.string());
        if (EV_TRY(d_.u8()) > 1) return bad("storage modifier");
        const std::uint8_t kind = EV_TRY(d_.u8());
        std::uint32_t value = 0;
        if (kind == 0) {
          value = EV_TRY(id());
        } else if (kind == 1) {
          const std::size_t nh = EV_TRY(d_.length(1));
          for (std::size_t k = 0; k < nh; ++k) {
            if (EV_TRY(d_.u8()) > 6) return bad("storage hasher");
          }
          EV_TRY(id());
          value = EV_TRY(id());
        } else {
          return bad("storage entry kind " + std::to_string(kind));
        }
        EV_TRY(d_.bytes());  // default
        EV_TRY(strings());
        if (p.name == "System" && name == "Events") rt_.events_type_ = value;
      }
    }
    p.calls = EV_TRY(option_id());
    p.events = EV_TRY(option_id());
    const std::size_t nc = EV_TRY(d_.length(4));
    for (std::size_t i = 0; i < nc; ++i) {
      EV_TRY(d_.string());
      EV_TRY(id());
      EV_TRY(d_.bytes());
      EV_TRY(strings());
    }
    p.errors = EV_TRY(option_id());
    p.index = EV_TRY(d_.u8());
    if (rt_.version_ == 15) EV_TRY(strings());
    return p;
  }

  Result<void> v15_tail() {
    const std::size_t na = EV_TRY(d_.length(3));
    for (std::size_t i = 0; i < na; ++i) {
      EV_TRY(d_.string());
      const std::size_t nm = EV_TRY(d_.length(4));
      for (std::size_t k = 0; k < nm; ++k) {
        EV_TRY(d_.string());
        const std::size_t ni = EV_TRY(d_.length(2));
        for (std::size_t j = 0; j < ni; ++j) {
          EV_TRY(d_.string());
          EV_TRY(id());
        }
        EV_TRY(id());
        EV_TRY(strings());
      }
      EV_TRY(strings());
    }
    for (int i = 0; i < 3; ++i) EV_TRY(id());  // outer call, event, error enums
    const std::size_t nc = EV_TRY(d_.length(3));
    for (std::size_t i = 0; i < nc; ++i) {
      EV_TRY(d_.string());
      EV_TRY(id());
      EV_TRY(d_.bytes());
    }
    return ok();
  }

  scale::Decoder& d_;
  Runtime rt_;
};

Result<Runtime> Runtime::decode(ByteSpan metadata) {
  scale::Decoder d(metadata);
  MetadataReader r(d);
  return r.read();
}

Result<CallIndex> Runtime::call(std::string_view pallet, std::string_view call) const {
  for (const auto& p : pallets_) {
    if (p.name != pallet) continue;
    const Variant* v = p.calls ? types_[*p.calls].variant(call) : nullptr;
    if (v == nullptr || types_[*p.calls].kind != Type::Enum) break;
    return CallIndex{p.index, v->index, v->fields.size()};
  }
  return make_error(AccessErrc::Metadata,
                    "no call " + std::string(pallet) + "." + std::string(call) + " in metadata");
}

Result<std::string> Runtime::error_name(std::uint8_t pallet, std::uint8_t error) const {
  for (const auto& p : pallets_) {
    if (p.index != pallet) continue;
    const Variant* v = p.errors ? types_[*p.errors].variant(error) : nullptr;
    if (v == nullptr) {
      return make_error(AccessErrc::Metadata,
                        "pallet " + p.name + " has no error index " + std::to_string(error));
    }
    return p.name + "." + v->name;
  }
  return make_error(AccessErrc::Metadata, "no pallet with index " + std::to_string(pallet));
}

bool Runtime::empty_type(std::uint32_t type, int depth) const {
  if (depth > 16) return false;
  const Type& t = types_[type];
  switch (t.kind) {
    case Type::Composite:
    case Type::Tuple:
      return std::all_of(t.fields.begin(), t.fields.end(),
                         [&](std::uint32_t f) { return empty_type(f, depth + 1); });
    case Type::Array: return t.length == 0 || empty_type(t.element, depth + 1);
    default: return false;
  }
}

namespace {

std::size_t primitive_size(std::uint8_t p) {
  // bool char str u8 u16 u32 u64 u128 u256 i8 i16 i32 i64 i128 i256 (str: 0, length-prefixed)
  static constexpr std::uint8_t kSize[15] = {1, 4, 0, 1, 2, 4, 8, 16, 32, 1, 2, 4, 8, 16, 32};
  return kSize[p];
}

}  // namespace

Result<const Variant*> Runtime::read_variant(std::uint32_t type, scale::Decoder& d) const {
  const Type& t = types_[type];
  if (t.kind != Type::Enum) {
    return make_error(AccessErrc::BadChainData, "type " + std::to_string(type) + " is not an enum");
  }
  const std::uint8_t index = EV_TRY(d.u8());
  const Variant* v = t.variant(index);
  if (v == nullptr) {
    return make_error(AccessErrc::BadChainData, "variant index " + std::to_string(index) +
                                                    " of type " + std::to_string(type) +
                                                    " at offset " + std::to_string(d.pos() - 1));
  }
  return v;
}

Result<void> Runtime::skip(std::uint32_t type, scale::Decoder& d, int depth) const {
  if (depth > kMaxDepth) return make_error(AccessErrc::BadChainData, "value nested too deeply");
  const Type& t = types_[type];
  switch (t.kind) {
    case Type::Composite:
    case Type::Tuple:
      for (auto f : t.fields) EV_TRY(skip(f, d, depth + 1));
      return ok();
    case Type::Enum: {
      const Variant* v = EV_TRY(read_variant(type, d));
      for (auto f : v->fields) EV_TRY(skip(f, d, depth + 1));
      return ok();
    }
    case Type::Sequence:
    case Type::Array: {
      const u128 n = t.kind == Type::Array ? u128{t.length} : EV_TRY(d.compact());
      if (empty_type(t.element)) return ok();
      if (n > d.remaining()) return make_error(AccessErrc::BadChainData, "sequence too long");
      for (u128 i = 0; i < n; ++i) EV_TRY(skip(t.element, d, depth + 1));
      return ok();
    }
    case Type::Primitive: {
      const std::size_t n = t.primitive == 2 ? EV_TRY(d.length(1)) : primitive_size(t.primitive);
      EV_TRY(d.raw(n));
      return ok();
    }
    case Type::Compact: EV_TRY(d.compact()); return ok();
    case Type::Bits: {
      const Type& store = types_[t.element];
      const std::size_t unit = store.kind == Type::Primitive ? primitive_size(store.primitive) : 0;
      if (unit == 0 || unit > 8) return make_error(AccessErrc::BadChainData, "bit store type");
      const u128 bits = EV_TRY(d.compact());
      const u128 word_bits = u128{unit} * 8;
      const u128 words = (bits + word_bits - 1) / word_bits;
      if (words > d.remaining() / unit) return make_error(AccessErrc::BadChainData, "bits");
      EV_TRY(d.raw(static_cast<std::size_t>(words) * unit));
      return ok();
    }
  }
  return make_error(AccessErrc::BadChainData, "type kind");
}

Result<std::string> Runtime::dispatch_error(std::uint32_t type, scale::Decoder& d) const {
  const Variant* v = EV_TRY(read_variant(type, d));
  if (v->name == "Module" && v->fields.size() == 1) {
    // ModuleError { index: u8, error: [u8; 4] } (or the older error: u8)
    const std::uint8_t pallet = EV_TRY(d.u8());
    const std::uint8_t error = EV_TRY(d.u8());
    const Type& m = types_[v->fields[0]];
    if (m.kind == Type::Composite && m.fields.size() == 2) {
      const Type& e = types_[m.fields[1]];
      if (e.kind == Type::Array && e.length > 0) EV_TRY(d.raw(e.length - 1));
    }
    return error_name(pallet, error);
  }
  std::string name = v->name;
  if (v->fields.size() == 1 && types_[v->fields[0]].kind == Type::Enum) {
    const Variant* inner = EV_TRY(read_variant(v->fields[0], d));
    name += "." + inner->name;
    for (auto f : inner->fields) EV_TRY(skip(f, d));
    return name;
  }
  for (auto f : v->fields) EV_TRY(skip(f, d));
  return name;
}

Result<std::vector<Event>> Runtime::extrinsic_events(ByteSpan events, std::uint32_t index) const {
  if (!events_type_) return make_error(AccessErrc::Metadata, "no System.Events in metadata");
  // Vec<EventRecord { phase: Phase, event: RuntimeEvent, topics: Vec<H256> }>
  const Type& seq = types_[*events_type_];
  const Type& rec = types_[seq.element];
  if (seq.kind != Type::Sequence || rec.kind != Type::Composite || rec.fields.size() != 3 ||
      types_[rec.fields[0]].kind != Type::Enum || types_[rec.fields[1]].kind != Type::Enum) {
    return make_error(AccessErrc::Metadata, "System.Events is not a Vec<EventRecord>");
  }
  scale::Decoder d(events);
  const std::size_t n = EV_TRY_CTX("System.Events", d.length(2));
  std::vector<Event> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string at = "event record " + std::to_string(i);
    const Variant* phase = EV_TRY_CTX(at, read_variant(rec.fields[0], d));
    std::optional<std::uint32_t> xt;
    if (phase->name == "ApplyExtrinsic") {
      xt = EV_TRY_CTX(at, d.u32());
    } else {
      for (auto f : phase->fields) EV_TRY_CTX(at, skip(f, d));
    }
    const Variant* pallet = EV_TRY_CTX(at, read_variant(rec.fields[1], d));
    if (pallet->fields.size() != 1 || types_[pallet->fields[0]].kind != Type::Enum) {
      return make_error(AccessErrc::BadChainData,
                        at + ": event of " + pallet->name + " is not a pallet event enum");
    }
    const Variant* ev = EV_TRY_CTX(at, read_variant(pallet->fields[0], d));
    const std::size_t start = d.pos();
    for (auto f : ev->fields)
      EV_TRY_CTX(at + " (" + pallet->name + "." + ev->name + ")", skip(f, d));
    if (xt && *xt == index) {
      ByteSpan body = events.subspan(start, d.pos() - start);
      out.push_back(Event{pallet->name, ev, Bytes(body.begin(), body.end())});
    }
    EV_TRY_CTX(at, skip(rec.fields[2], d));
  }
  EV_TRY_CTX("System.Events", d.finish());
  return out;
}

}  // namespace ev::chain::access
