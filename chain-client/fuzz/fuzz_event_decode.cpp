// Arbitrary bytes as System.Events, decoded through a FRAME-shaped registry that holds every
// type kind (integers of each width, compact, bytes, Option, str, char, bit sequences of two
// orders, tuples, arrays, nested vectors, a DispatchError).
//
// Input byte 0 chooses the mode:
//   even: the registry as built. decode_events and the generic decode_value_all must agree on
//         success, and a success must re-encode (encode_value) to exactly the input bytes.
//   odd:  a hostile registry: bytes 1..8 are four (type, target) patches that point the first
//         field / element of a type anywhere (cycles, ids outside the registry); byte 9 picks a
//         type for decode_value_all. Only "no crash, no hang, bounded memory" is checked.
// The rest of the input is the System.Events value.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/events.hpp"
#include "ev/chain/metadata.hpp"

namespace {

using ev::chain::Metadata;
using ev::chain::Primitive;
using ev::chain::TypeDef;
using ev::chain::TypeField;
using ev::chain::TypeKind;
using ev::chain::TypeVariant;

constexpr std::uint32_t kRecords = 33;

TypeDef prim(Primitive p) {
  TypeDef t;
  t.kind = TypeKind::Primitive;
  t.primitive = p;
  return t;
}
TypeDef with_element(TypeKind k, std::uint32_t e, std::uint32_t len = 0, std::uint32_t order = 0) {
  TypeDef t;
  t.kind = k;
  t.element = e;
  t.length = len;
  t.bit_order = order;
  return t;
}
TypeDef composite(std::vector<std::string> path, std::vector<TypeField> fields) {
  TypeDef t;
  t.kind = TypeKind::Composite;
  t.path = std::move(path);
  t.fields = std::move(fields);
  return t;
}
TypeDef variant(std::vector<std::string> path, std::vector<TypeVariant> vs) {
  TypeDef t;
  t.kind = TypeKind::Variant;
  t.path = std::move(path);
  t.variants = std::move(vs);
  return t;
}
TypeDef tuple(std::vector<std::uint32_t> ids) {
  TypeDef t;
  t.kind = TypeKind::Tuple;
  t.tuple = std::move(ids);
  return t;
}
TypeField f(const char* name, std::uint32_t type) { return {std::string(name), type, {}}; }
TypeField u(std::uint32_t type) { return {std::nullopt, type, {}}; }

Metadata registry() {
  Metadata md;
  md.version = 15;
  md.types = {
      prim(Primitive::U8),                                                // 0
      prim(Primitive::U16),                                               // 1
      prim(Primitive::U32),                                               // 2
      prim(Primitive::U64),                                               // 3
      prim(Primitive::U128),                                              // 4
      prim(Primitive::I64),                                               // 5
      prim(Primitive::I128),                                              // 6
      prim(Primitive::Bool),                                              // 7
      prim(Primitive::Str),                                               // 8
      prim(Primitive::Char),                                              // 9
      with_element(TypeKind::Array, 0, 32),                               // 10
      composite({"primitive_types", "H256"}, {u(10)}),                    // 11
      with_element(TypeKind::Sequence, 11),                               // 12
      composite({"sp_core", "crypto", "AccountId32"}, {u(10)}),           // 13
      with_element(TypeKind::Compact, 4),                                 // 14
      with_element(TypeKind::Sequence, 0),                                // 15
      variant({"Option"}, {{"None", {}, 0}, {"Some", {u(2)}, 1}}),        // 16
      with_element(TypeKind::BitSequence, 0, 0, 18),                      // 17
      composite({"bitvec", "order", "Lsb0"}, {}),                         // 18
      tuple({1, 5}),                                                      // 19
      with_element(TypeKind::Array, 2, 2),                                // 20
      with_element(TypeKind::Sequence, 1),                                // 21
      with_element(TypeKind::Sequence, 21),                               // 22
      with_element(TypeKind::BitSequence, 1, 0, 24),                      // 23
      composite({"bitvec", "order", "Msb0"}, {}),                         // 24
      variant({"frame_system", "Phase"}, {{"ApplyExtrinsic", {u(2)}, 0},  // 25
                                          {"Finalization", {}, 1},
                                          {"Initialization", {}, 2}}),
      variant({"frame_system", "Event"},  // 26
              {{"Remarked", {f("sender", 13), f("hash", 11)}, 5},
               {"Kitchen",
                {f("a", 14), f("b", 15), f("c", 16), f("d", 8), f("e", 9), f("f", 17), f("g", 19),
                 f("h", 20), f("i", 6), f("j", 27), f("k", 22), f("l", 7), f("m", 23)},
                1},
               {"Numbered", {u(2)}, 9},
               {"Unit", {}, 2}}),
      variant({"sp_runtime", "DispatchError"},  // 27
              {{"Other", {}, 0}, {"Module", {u(28)}, 3}, {"Token", {u(29)}, 7}}),
      composite({"sp_runtime", "ModuleError"}, {f("index", 0), f("error", 30)}),  // 28
      variant({"sp_runtime", "TokenError"}, {{"A", {}, 0}, {"B", {}, 1}}),        // 29
      with_element(TypeKind::Array, 0, 4),                                        // 30
      variant({"RuntimeEvent"}, {{"System", {u(26)}, 0}}),                        // 31
      composite({"frame_system", "EventRecord"},                                  // 32
                {f("phase", 25), f("event", 31), f("topics", 12)}),
      with_element(TypeKind::Sequence, 32),  // 33
  };
  ev::chain::Pallet system;
  system.name = "System";
  system.index = 0;
  system.events_type = 26;
  system.errors_type = 29;
  system.storage_prefix = "System";
  ev::chain::StorageEntry events;
  events.name = "Events";
  events.value_type = kRecords;
  system.storage.push_back(events);
  md.pallets = {system};
  return md;
}

// Points the first reference of `t` at `target`.
void patch(TypeDef& t, std::uint32_t target) {
  if (!t.fields.empty()) {
    t.fields[0].type = target;
  } else if (!t.variants.empty() && !t.variants.back().fields.empty()) {
    t.variants.back().fields[0].type = target;
  } else if (!t.tuple.empty()) {
    t.tuple[0] = target;
  } else {
    t.element = target;
  }
}

void fixed_mode(const Metadata& md, ev::ByteSpan in) {
  auto events = ev::chain::decode_events(md, in);
  auto whole = ev::chain::decode_value_all(md, kRecords, in);
  EV_ASSERT(events.ok() == whole.ok(), "decode_events and decode_value_all disagree");
  if (!events.ok()) {
    EV_ASSERT(!events.error().message.empty() && !whole.error().message.empty(),
              "an error must say why");
    return;
  }
  ev::Bytes again;
  auto enc = ev::chain::encode_value(md, kRecords, *whole, again);
  EV_ASSERT(enc.ok(), "a decoded value must encode");
  EV_ASSERT(again.size() == in.size() && std::equal(again.begin(), again.end(), in.begin()),
            "decode then encode must give the input back (canonical decoding)");
  for (const auto& r : *events) {
    EV_ASSERT(r.fields.size() <= in.size(), "field bytes larger than the input");
    if (r.name == "ExtrinsicFailed") (void)ev::chain::describe_dispatch_error(md, r.value);
  }
}

void hostile_mode(Metadata md, const std::uint8_t* data, std::size_t size) {
  if (size < 10) return;
  const auto n = static_cast<std::uint32_t>(md.types.size());
  for (std::size_t i = 0; i < 4; ++i) {
    const std::uint32_t type = data[1 + 2 * i] % n;
    const std::uint32_t target = data[2 + 2 * i] % (n + 2);  // may fall outside the registry
    patch(md.types[type], target);
  }
  const ev::ByteSpan in(data + 10, size - 10);
  (void)ev::chain::decode_events(md, in);
  (void)ev::chain::decode_value_all(md, data[9] % (n + 1), in);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Metadata md = registry();
  if (size == 0) return 0;
  if ((data[0] & 1) == 0) {
    fixed_mode(md, ev::ByteSpan(data + 1, size - 1));
  } else {
    hostile_mode(md, data, size);
  }
  return 0;
}
