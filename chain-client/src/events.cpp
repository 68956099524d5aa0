// System.Events decoding and DispatchError names. Format: docs/formats/json-codec.md.
#include "ev/chain/events.hpp"

#include <optional>
#include <string>

#include "dyncodec_internal.hpp"

namespace ev::chain {

namespace {

using dyn::Json;

// Type ids of the EventRecord parts, resolved once per call from the registry.
struct RecordLayout {
  const TypeDef* record = nullptr;  // the EventRecord composite
  const TypeDef* phase = nullptr;   // Phase enum
  const TypeDef* event = nullptr;   // RuntimeEvent enum
  std::uint32_t topics = 0;         // Vec<Hash>
};

Error bad_type(std::string_view detail) {
  return make_error(DynCodecErrc::BadType, "System.Events: " + std::string(detail));
}

bool is_hash32(const Metadata& md, std::uint32_t id) {
  for (int hops = 0; hops < 4; ++hops) {
    const TypeDef* t = dyn::type_at(md, id);
    if (t == nullptr) return false;
    if (t->kind == TypeKind::Array) return t->length == 32 && dyn::is_u8(md, t->element);
    if (t->kind != TypeKind::Composite || t->fields.size() != 1) return false;
    id = t->fields[0].type;
  }
  return false;
}

Result<RecordLayout> record_layout(const Metadata& md) {
  const StorageEntry* entry = EV_TRY(md.storage("System", "Events"));
  const TypeDef* vec = dyn::type_at(md, entry->value_type);
  if (vec == nullptr || vec->kind != TypeKind::Sequence) {
    return bad_type("the storage value is not a sequence");
  }
  RecordLayout l;
  l.record = dyn::type_at(md, vec->element);
  if (l.record == nullptr || l.record->kind != TypeKind::Composite) {
    return bad_type("EventRecord is not a composite");
  }
  bool has_topics = false;
  for (const auto& f : l.record->fields) {
    const TypeDef* t = dyn::type_at(md, f.type);
    if (!f.name || t == nullptr) return bad_type("EventRecord has an unnamed or unknown field");
    if (*f.name == "phase") l.phase = t;
    if (*f.name == "event") l.event = t;
    if (*f.name == "topics") {
      l.topics = f.type;
      has_topics = t->kind == TypeKind::Sequence && is_hash32(md, t->element);
    }
  }
  if (l.phase == nullptr || l.phase->kind != TypeKind::Variant) {
    return bad_type("EventRecord.phase is missing or not an enum");
  }
  if (l.event == nullptr || l.event->kind != TypeKind::Variant) {
    return bad_type("EventRecord.event is missing or not an enum");
  }
  if (!has_topics) return bad_type("EventRecord.topics is missing or not a Vec of 32-byte hashes");
  return l;
}

Error bad_bytes(std::size_t record, const Error& e) {
  return make_error(DynCodecErrc::BadBytes,
                    "record " + std::to_string(record) + ": " + e.to_string());
}

Error bad_record(std::size_t record, std::string_view detail) {
  return make_error(DynCodecErrc::BadBytes,
                    "record " + std::to_string(record) + ": " + std::string(detail));
}

class EventsReader {
 public:
  EventsReader(const Metadata& md, const RecordLayout& l, scale::Decoder& in,
               const DecodeOptions& opts, std::size_t& budget)
      : md_(md), l_(l), in_(in), opts_(opts), budget_(budget) {}

  Result<EventRecord> record(std::size_t i) {
    EventRecord r;
    for (const auto& f : l_.record->fields) {
      if (*f.name == "phase") {
        EV_TRY(phase(i, r));
      } else if (*f.name == "event") {
        EV_TRY(event(i, r));
      } else if (*f.name == "topics") {
        EV_TRY(topics(i, r));
      } else {
        // A field FRAME does not define: decoded to keep the position right, then dropped.
        dyn::Path path;
        path.push_field(*f.name);
        EV_TRY_CTX(
            "record " + std::to_string(i),
            dyn::decode_fields(md_, {f}, in_, opts_, dyn::FieldsStyle::Value, path, budget_));
      }
    }
    return r;
  }

 private:
  Result<void> phase(std::size_t i, EventRecord& r) {
    const std::size_t at = in_.pos();
    auto index = in_.u8();
    if (!index.ok()) return bad_bytes(i, index.error());
    const TypeVariant* v = l_.phase->variant_by_index(*index);
    if (v == nullptr) {
      return bad_record(i, "no Phase variant with index " + std::to_string(*index) + " at offset " +
                               std::to_string(at));
    }
    if (v->name == "ApplyExtrinsic" && v->fields.size() == 1) {
      r.phase = EventRecord::Phase::ApplyExtrinsic;
      auto n = in_.u32();
      if (!n.ok()) return bad_bytes(i, n.error());
      r.extrinsic_index = *n;
      return ok();
    }
    if (v->fields.empty() && (v->name == "Finalization" || v->name == "Initialization")) {
      r.phase = v->name == "Finalization" ? EventRecord::Phase::Finalization
                                          : EventRecord::Phase::Initialization;
      return ok();
    }
    return make_error(DynCodecErrc::BadType, "Phase variant " + v->name + " is not FRAME's");
  }

  Result<void> event(std::size_t i, EventRecord& r) {
    const std::size_t at = in_.pos();
    auto pallet_index = in_.u8();
    auto event_index = in_.u8();
    if (!pallet_index.ok() || !event_index.ok()) {
      return bad_record(i, "event header truncated at offset " + std::to_string(at));
    }
    const TypeVariant* pv = l_.event->variant_by_index(*pallet_index);
    if (pv == nullptr) {
      return bad_record(i, "no pallet with events at index " + std::to_string(*pallet_index) +
                               " (offset " + std::to_string(at) + ")");
    }
    const TypeDef* pe = pv->fields.size() == 1 ? dyn::type_at(md_, pv->fields[0].type) : nullptr;
    if (pe == nullptr || pe->kind != TypeKind::Variant) {
      return make_error(DynCodecErrc::BadType,
                        "RuntimeEvent variant " + pv->name + " does not wrap an event enum");
    }
    const TypeVariant* ev = pe->variant_by_index(*event_index);
    if (ev == nullptr) {
      return bad_record(i, pv->name + " has no event with index " + std::to_string(*event_index) +
                               " (offset " + std::to_string(at + 1) + ")");
    }
    r.pallet_index = *pallet_index;
    r.event_index = *event_index;
    r.pallet = pv->name;
    r.name = ev->name;
    const std::size_t start = in_.pos();
    dyn::Path path;
    r.value = EV_TRY_CTX(
        "record " + std::to_string(i) + " (" + r.pallet + "." + r.name + ")",
        dyn::decode_fields(md_, ev->fields, in_, opts_, dyn::FieldsStyle::Record, path, budget_));
    const ByteSpan all = in_.input();
    r.fields.assign(all.begin() + static_cast<std::ptrdiff_t>(start),
                    all.begin() + static_cast<std::ptrdiff_t>(in_.pos()));
    return ok();
  }

  Result<void> topics(std::size_t i, EventRecord& r) {
    auto n = in_.length(32);
    if (!n.ok()) return bad_bytes(i, n.error());
    r.topics.resize(*n);
    for (auto& t : r.topics) {
      auto raw = in_.raw(32);
      if (!raw.ok()) return bad_bytes(i, raw.error());
      std::copy(raw->begin(), raw->end(), t.begin());
    }
    return ok();
  }

  const Metadata& md_;
  const RecordLayout& l_;
  scale::Decoder& in_;
  const DecodeOptions& opts_;
  std::size_t& budget_;
};

}  // namespace

Result<std::vector<EventRecord>> decode_events(const Metadata& md, ByteSpan system_events_value,
                                               const DecodeOptions& opts) {
  const RecordLayout layout = EV_TRY(record_layout(md));
  scale::Decoder in(system_events_value);
  std::size_t budget = max_decode_nodes(system_events_value.size());
  auto n = in.length(3);  // phase, pallet and event index at least
  if (!n.ok()) return make_error(DynCodecErrc::BadBytes, "record count: " + n.error().to_string());
  std::vector<EventRecord> out;
  out.reserve(*n);
  EventsReader reader(md, layout, in, opts, budget);
  for (std::size_t i = 0; i < *n; ++i) out.push_back(EV_TRY(reader.record(i)));
  if (!in.empty()) {
    return make_error(DynCodecErrc::TrailingBytes,
                      std::to_string(in.remaining()) + " bytes left after " + std::to_string(*n) +
                          " records, at offset " + std::to_string(in.pos()));
  }
  return out;
}

namespace {

// A JSON integer in 0..255 (decoded values are unsigned, hand-written ones may be signed).
std::optional<std::uint8_t> as_u8(const Json& v) {
  if (!v.is_number_integer()) return std::nullopt;
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    return u <= 255 ? std::optional<std::uint8_t>(static_cast<std::uint8_t>(u)) : std::nullopt;
  }
  const auto i = v.get<std::int64_t>();
  return i >= 0 && i <= 255 ? std::optional<std::uint8_t>(static_cast<std::uint8_t>(i))
                            : std::nullopt;
}

Result<std::string> module_error_name(const Metadata& md, const Json& m) {
  if (!m.is_object() || !m.contains("index") || !m.contains("error")) {
    return make_error(DynCodecErrc::WrongJsonType,
                      "Module error: expected {\"index\": n, \"error\": bytes}");
  }
  const Json& index = m["index"];
  const Json& error = m["error"];
  const auto pallet_index = as_u8(index);
  if (!pallet_index)
    return make_error(DynCodecErrc::WrongJsonType, "Module error: index is not a u8");
  Bytes err;
  if (error.is_string()) {
    auto b = from_hex(error.get_ref<const std::string&>());
    if (!b.ok()) return make_error(DynCodecErrc::BadText, "Module error: " + b.error().to_string());
    err = std::move(*b);
  } else if (auto e = as_u8(error)) {
    err.push_back(*e);  // the older `error: u8` form
  } else {
    return make_error(DynCodecErrc::WrongJsonType, "Module error: error is not bytes or a u8");
  }
  return md.error_name(*pallet_index, err);
}

}  // namespace

Result<std::string> describe_dispatch_error(const Metadata& md,
                                            const nlohmann::json& dispatch_error) {
  if (dispatch_error.is_string()) return dispatch_error.get<std::string>();
  if (!dispatch_error.is_object() || dispatch_error.size() != 1) {
    return make_error(DynCodecErrc::WrongJsonType,
                      std::string("DispatchError: expected \"Variant\" or {\"Variant\": value}, "
                                  "got ") +
                          dispatch_error.type_name());
  }
  const std::string& name = dispatch_error.begin().key();
  const Json& inner = dispatch_error.begin().value();
  if (name == "Module") return module_error_name(md, inner);
  if (inner.is_string()) return name + "." + inner.get<std::string>();
  if (inner.is_object() && inner.size() == 1) return name + "." + inner.begin().key();
  return name;
}

}  // namespace ev::chain
