// Shared pieces of the metadata-driven codec (dyncodec*.cpp, events.cpp): integer text,
// JSON paths, and the registry shapes the codec treats specially.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain::dyn {

using Json = nlohmann::json;

// Width and signedness of an integer primitive.
struct IntKind {
  std::size_t bytes = 0;  // 1, 2, 4, 8, 16 or 32
  bool is_signed = false;
};
// nullopt for bool, char and str.
[[nodiscard]] std::optional<IntKind> int_kind(Primitive p);

// Up to 256 bits, little-endian two's complement.
using Wide = ByteArray<32>;

// Decimal text of the `kind.bytes` little-endian bytes in `le` ("-" prefix when negative).
[[nodiscard]] std::string int_to_decimal(ByteSpan le, IntKind kind);

// Reads a JSON integer (number or decimal string, "-" allowed for signed kinds) into `out`
// (kind.bytes little-endian bytes, two's complement). On failure returns the error code and
// sets `why`.
[[nodiscard]] std::optional<DynCodecErrc> int_from_json(const Json& v, IntKind kind, Wide& out,
                                                        std::string& why);

// A JSON path under construction: "$", "$.dest", "$.calls[2].System".
class Path {
 public:
  void push_field(std::string_view name) { segs_.push_back({name, 0, false}); }
  void push_index(std::size_t i) { segs_.push_back({{}, i, true}); }
  void pop() { segs_.pop_back(); }
  [[nodiscard]] std::string str() const;

 private:
  struct Seg {
    std::string_view name;
    std::size_t index;
    bool is_index;
  };
  std::vector<Seg> segs_;
};

// Pushes a segment for the guard's lifetime.
class PathGuard {
 public:
  PathGuard(Path& p, std::string_view field) : p_(p) { p_.push_field(field); }
  PathGuard(Path& p, std::size_t index) : p_(p) { p_.push_index(index); }
  ~PathGuard() { p_.pop(); }
  PathGuard(const PathGuard&) = delete;
  PathGuard& operator=(const PathGuard&) = delete;

 private:
  Path& p_;
};

// The type with this id, or nullptr when the id is outside the registry.
[[nodiscard]] inline const TypeDef* type_at(const Metadata& md, std::uint32_t id) {
  return id < md.types.size() ? &md.types[id] : nullptr;
}
[[nodiscard]] bool is_u8(const Metadata& md, std::uint32_t id);
// Option<T>: path ["Option"], variants None (0, no fields) and Some (1, one field).
[[nodiscard]] bool is_option(const TypeDef& t);
// The integer primitive behind Compact<T>: T itself or a composite wrapping one (PerU16,
// Perbill, ...), followed through at most a few single-field composites; nullopt otherwise.
[[nodiscard]] std::optional<IntKind> compact_int(const Metadata& md, std::uint32_t element);
// The bit-store width (bytes) and true for Msb0 ordering of a bit sequence type; nullopt when
// the registry gives an unsupported store or order.
struct BitLayout {
  std::size_t store_bytes = 1;
  bool msb0 = false;
};
[[nodiscard]] std::optional<BitLayout> bit_layout(const Metadata& md, const TypeDef& t);
// A lower bound of the encoded size of a value of type `id` (0 when unknown), with bounded
// work on hostile registries.
[[nodiscard]] std::size_t min_encoded_size(const Metadata& md, std::uint32_t id);
// True when `id` is the runtime's outer call enum (V15+ outer enums or the extrinsic call type).
[[nodiscard]] bool is_runtime_call(const Metadata& md, std::uint32_t id);

// The fields' JSON shape rule shared by composites, variants, calls and events:
// none -> null, one unnamed -> the inner value, all named -> object, else array.
enum class FieldsShape : std::uint8_t { Empty, Inner, Object, Array };
[[nodiscard]] FieldsShape fields_shape(const std::vector<TypeField>& fields);

// Builds an error "<errc message>: <path>: <detail>".
[[nodiscard]] Error path_error(DynCodecErrc e, const Path& path, std::string_view detail);

// How a list of fields renders: as a value (the fields_shape rule) or as a record (calls and
// events: {} when empty, an object by name, else an array even for one unnamed field).
enum class FieldsStyle : std::uint8_t { Value, Record };

// Decodes the fields of a composite, variant, call or event into JSON. `budget` counts the
// JSON values still allowed (LimitExceeded at zero).
[[nodiscard]] Result<Json> decode_fields(const Metadata& md, const std::vector<TypeField>& fields,
                                         scale::Decoder& in, const DecodeOptions& opts,
                                         FieldsStyle style, Path& path, std::size_t& budget);

// Encodes the fields of a composite, variant or call from JSON shaped by fields_shape (objects
// also accepted positionally as arrays; "no fields" accepts null, [] and {}).
[[nodiscard]] Result<void> encode_fields(const Metadata& md, const std::vector<TypeField>& fields,
                                         const Json& v, Bytes& out, Path& path, std::size_t depth);

}  // namespace ev::chain::dyn
