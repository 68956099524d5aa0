// Runtime metadata (RuntimeMetadataPrefixed, versions 14, 15 and 16) decoded into one
// normalised model: the portable type registry, pallets, extrinsic info, outer enums and
// runtime APIs. Format notes: docs/formats/metadata.md.
//
// Contract: decode_metadata() accepts untrusted bytes. Every length prefix is bounded by the
// remaining input, every type id is checked against the registry (an id outside it is an
// error at decode time), and unknown versions (< 14 or > 16) are rejected. Documentation
// strings and the V16-only items (deprecation info, associated types, view functions, runtime
// API versions) are skipped, not stored; the V15/V16 custom map is kept.
//
// encode_metadata() (metadata_builder.hpp) writes a model back as V14 or V15. The model types
// compare with == (member-wise), so decode -> encode -> decode round trips can be checked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ev/chain/storage_key.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class MetadataErrc {
  BadMagic = 1,        // input does not start with "meta"
  UnsupportedVersion,  // version byte other than 14, 15, 16
  Malformed,           // SCALE structure broken (truncated, bad tag, trailing bytes)
  BadTypeId,           // a type id outside the registry
  NotFound,            // look-up of an unknown pallet / item
  Incomplete,          // encode / build: the model lacks what the version needs, or a
                       // reserved type id was never defined
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::MetadataErrc> {
  static constexpr std::string_view domain = "metadata";
  static std::string_view message(chain::MetadataErrc e);
};
}  // namespace ev

namespace ev::chain {

enum class TypeKind : std::uint8_t {
  Composite,
  Variant,
  Sequence,
  Array,
  Tuple,
  Primitive,
  Compact,
  BitSequence
};
enum class Primitive : std::uint8_t {
  Bool,
  Char,
  Str,
  U8,
  U16,
  U32,
  U64,
  U128,
  U256,
  I8,
  I16,
  I32,
  I64,
  I128,
  I256
};

struct TypeField {
  std::optional<std::string> name;
  std::uint32_t type = 0;
  std::optional<std::string> type_name;

  bool operator==(const TypeField&) const = default;
};

struct TypeVariant {
  std::string name;
  std::vector<TypeField> fields;
  std::uint8_t index = 0;

  bool operator==(const TypeVariant&) const = default;
};

struct TypeParam {
  std::string name;
  std::optional<std::uint32_t> type;

  bool operator==(const TypeParam&) const = default;
};

// One registry entry. Which members are meaningful depends on kind:
// Composite: fields; Variant: variants; Sequence/Compact: element; Array: element + length;
// Tuple: tuple; Primitive: primitive; BitSequence: element (store) + bit_order.
struct TypeDef {
  std::vector<std::string> path;
  std::vector<TypeParam> params;
  TypeKind kind = TypeKind::Tuple;
  std::vector<TypeField> fields;
  std::vector<TypeVariant> variants;
  std::uint32_t element = 0;
  std::uint32_t length = 0;
  std::uint32_t bit_order = 0;
  std::vector<std::uint32_t> tuple;
  Primitive primitive = Primitive::Bool;

  // The variant with this index, or nullptr.
  [[nodiscard]] const TypeVariant* variant_by_index(std::uint8_t index) const;
  // The variant with this name, or nullptr.
  [[nodiscard]] const TypeVariant* variant_by_name(std::string_view name) const;

  bool operator==(const TypeDef&) const = default;
};

enum class StorageModifier : std::uint8_t { Optional, Default };

struct StorageEntry {
  std::string name;
  StorageModifier modifier = StorageModifier::Optional;
  bool is_map = false;
  std::vector<Hasher> hashers;  // empty for plain entries (Hasher: storage_key.hpp)
  std::uint32_t key_type = 0;   // maps only
  std::uint32_t value_type = 0;
  Bytes default_value;

  bool operator==(const StorageEntry&) const = default;
};

struct Constant {
  std::string name;
  std::uint32_t type = 0;
  Bytes value;

  bool operator==(const Constant&) const = default;
};

struct Pallet {
  std::string name;
  std::uint8_t index = 0;
  std::optional<std::uint32_t> calls_type;
  std::optional<std::uint32_t> events_type;
  std::optional<std::uint32_t> errors_type;
  std::vector<Constant> constants;
  std::optional<std::string> storage_prefix;  // set when the pallet has storage
  std::vector<StorageEntry> storage;

  bool operator==(const Pallet&) const = default;
};

struct SignedExtension {
  std::string identifier;
  std::uint32_t type = 0;
  std::uint32_t additional_signed = 0;  // V16: the "implicit" type

  bool operator==(const SignedExtension&) const = default;
};

struct ExtrinsicInfo {
  std::vector<std::uint8_t> versions;  // V14/V15: one entry
  std::optional<std::uint32_t> address_type;
  std::optional<std::uint32_t> call_type;
  std::optional<std::uint32_t> signature_type;
  std::optional<std::uint32_t> extra_type;
  std::optional<std::uint32_t> extrinsic_type;  // V14 only: the UncheckedExtrinsic type
  std::vector<SignedExtension> signed_extensions;
  // V16: extension version -> indices into signed_extensions (sorted by version).
  std::vector<std::pair<std::uint8_t, std::vector<std::uint32_t>>> extensions_by_version;

  bool operator==(const ExtrinsicInfo&) const = default;
};

struct OuterEnums {
  std::uint32_t call_type = 0;
  std::uint32_t event_type = 0;
  std::uint32_t error_type = 0;

  bool operator==(const OuterEnums&) const = default;
};

struct RuntimeApiParam {
  std::string name;
  std::uint32_t type = 0;

  bool operator==(const RuntimeApiParam&) const = default;
};
struct RuntimeApiMethod {
  std::string name;
  std::vector<RuntimeApiParam> inputs;
  std::uint32_t output = 0;

  bool operator==(const RuntimeApiMethod&) const = default;
};
struct RuntimeApi {
  std::string name;
  std::vector<RuntimeApiMethod> methods;

  bool operator==(const RuntimeApi&) const = default;
};

// One entry of the V15+ custom map (BTreeMap<String, {type, value}>), kept in input order.
struct CustomValue {
  std::string name;
  std::uint32_t type = 0;
  Bytes value;

  bool operator==(const CustomValue&) const = default;
};

struct CallInfo {
  std::uint8_t pallet_index = 0;
  std::uint8_t call_index = 0;
  const TypeVariant* variant = nullptr;  // points into the Metadata it came from
};

class Metadata {
 public:
  std::uint8_t version = 0;
  std::vector<TypeDef> types;  // indexed by type id
  std::vector<Pallet> pallets;
  ExtrinsicInfo extrinsic;
  std::optional<std::uint32_t> runtime_type;  // V14/V15
  std::optional<OuterEnums> outer_enums;      // V15+
  std::vector<RuntimeApi> apis;               // V15+
  std::vector<CustomValue> custom;            // V15+

  // Look-ups; errors (NotFound) name the pallet and item.
  [[nodiscard]] Result<const Pallet*> pallet(std::string_view name) const;
  [[nodiscard]] const Pallet* pallet_by_index(std::uint8_t index) const;
  [[nodiscard]] Result<const TypeDef*> type(std::uint32_t id) const;
  [[nodiscard]] Result<CallInfo> call(std::string_view pallet, std::string_view name) const;
  [[nodiscard]] Result<const TypeVariant*> event(std::string_view pallet,
                                                 std::string_view name) const;
  [[nodiscard]] Result<const TypeVariant*> error(std::string_view pallet,
                                                 std::string_view name) const;
  // "Pallet.ErrorName" for DispatchError::Module { index, error: [u8; 4] } (first byte).
  [[nodiscard]] Result<std::string> error_name(std::uint8_t pallet_index,
                                               ByteSpan error_bytes) const;
  [[nodiscard]] Result<const Constant*> constant(std::string_view pallet,
                                                 std::string_view name) const;
  [[nodiscard]] Result<const StorageEntry*> storage(std::string_view pallet,
                                                    std::string_view name) const;
  // The type inside Compact<X> (X itself if id is not a compact).
  [[nodiscard]] Result<std::uint32_t> resolve_compact(std::uint32_t id) const;
  // True for the composite with path sp_core::crypto::AccountId32.
  [[nodiscard]] bool is_account_id32(std::uint32_t id) const;

  bool operator==(const Metadata&) const = default;
};

// Decodes RuntimeMetadataPrefixed bytes ("meta" ++ version ++ body); all input must be used.
[[nodiscard]] Result<Metadata> decode_metadata(ByteSpan bytes);

}  // namespace ev::chain
