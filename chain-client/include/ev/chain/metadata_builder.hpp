// Building runtime metadata: a portable type registry builder and the encoder that writes a
// Metadata model as RuntimeMetadataPrefixed V14 or V15. Format: docs/formats/metadata.md
// ("Encoding").
//
// Typical use (a runtime with one pallet):
//
//   TypeRegistryBuilder b;
//   auto account = b.account_id32();
//   auto balance = b.primitive(Primitive::U128);
//   auto calls = b.variant({"pallet_balances", "pallet", "Call"},
//                          {{"transfer", {{"dest", account, "AccountId"},
//                                         {"value", b.compact(balance), "Balance"}}, 0}});
//   Metadata m;
//   m.types = EV_TRY(std::move(b).finish());
//   ... pallets, extrinsic, runtime_type, outer_enums, apis ...
//   Bytes v14 = EV_TRY(encode_metadata(m, 14));
//
// polkadot-js derives the runtime's AccountId, Address, Call and signature types from the params
// of the UncheckedExtrinsic type (unchecked_extrinsic() below), and the event record layout from
// a composite with path frame_system::EventRecord (params E = RuntimeEvent, T = H256); a runtime
// meant for polkadot-js registers both.
//
// Thread safety: a TypeRegistryBuilder is a plain value (no internal locking); encode_metadata
// is a pure function.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ev/chain/metadata.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

// Builds a portable type registry (ids are positions, starting at 0).
//
// Interning: every call that describes a type returns the id of a structurally identical
// definition made earlier (same path, params and shape: kind, field names / types / type
// names, variant names / indices, element, length ...), or appends a new one. So
// `primitive(Primitive::U8)` called twice gives one id.
//
// Recursion: a type that contains itself (RuntimeCall holding Vec<RuntimeCall> for
// Utility.batch_all) is made by reserve()-ing its id, building the types that use the id, and
// define()-ing it last. A defined type joins the interning table unless an identical
// definition already has an id (then both ids stay valid and equal in shape).
//
// Ids passed in are not checked when passed; finish() checks all of them. Misuse of define()
// (an id that was not reserved, or defined twice) is recorded and reported by finish().
class TypeRegistryBuilder {
 public:
  TypeRegistryBuilder() = default;

  // One of the scale-info primitives (TypeDefPrimitive).
  [[nodiscard]] std::uint32_t primitive(Primitive p);
  // Compact<inner>.
  [[nodiscard]] std::uint32_t compact(std::uint32_t inner);
  // Vec<element>.
  [[nodiscard]] std::uint32_t sequence(std::uint32_t element);
  // [element; length].
  [[nodiscard]] std::uint32_t array(std::uint32_t element, std::uint32_t length);
  // (e0, e1, ...); tuple({}) is the unit type ().
  [[nodiscard]] std::uint32_t tuple(std::vector<std::uint32_t> elements);
  // A struct: path such as {"sp_core", "crypto", "AccountId32"}, fields in wire order (all
  // named or all unnamed), generic params (a param's type may be nullopt when skipped).
  [[nodiscard]] std::uint32_t composite(std::vector<std::string> path,
                                        std::vector<TypeField> fields,
                                        std::vector<TypeParam> params = {});
  // An enum: variants with their u8 indices (unique names and indices, checked by finish()).
  [[nodiscard]] std::uint32_t variant(std::vector<std::string> path,
                                      std::vector<TypeVariant> variants,
                                      std::vector<TypeParam> params = {});
  // BitVec<store, order>: store is a primitive id, order a composite such as bitvec::order::Lsb0.
  [[nodiscard]] std::uint32_t bit_sequence(std::uint32_t store, std::uint32_t order);

  // A fresh id with no definition yet; define() must be called for it before finish().
  [[nodiscard]] std::uint32_t reserve();
  // Gives a reserved id its definition. REQUIRES: id came from reserve() and is not defined yet
  // (otherwise finish() fails with MetadataErrc::Incomplete naming the id).
  void define(std::uint32_t id, TypeDef def);

  // Convenience types with the paths and shapes FRAME runtimes publish:
  // (); Vec<u8>; [u8; 32];
  [[nodiscard]] std::uint32_t unit();
  [[nodiscard]] std::uint32_t bytes();
  [[nodiscard]] std::uint32_t byte_array32();
  // sp_core::crypto::AccountId32 = composite { [u8; 32] } (type name "[u8; 32]").
  [[nodiscard]] std::uint32_t account_id32();
  // primitive_types::H256 = composite { [u8; 32] }.
  [[nodiscard]] std::uint32_t h256();
  // Option<T>: path ["Option"], param T, variants None = 0, Some(T) = 1.
  [[nodiscard]] std::uint32_t option(std::uint32_t inner);
  // Result<T, E>: path ["Result"], params T and E, variants Ok(T) = 0, Err(E) = 1.
  [[nodiscard]] std::uint32_t result(std::uint32_t ok, std::uint32_t err);
  // bounded_collections::bounded_vec::BoundedVec<T, S> = composite { Vec<T> } (S skipped).
  [[nodiscard]] std::uint32_t bounded_vec(std::uint32_t element);
  // sp_runtime::multiaddress::MultiAddress<AccountId, AccountIndex>: Id(AccountId) = 0,
  // Index(Compact<AccountIndex>) = 1, Raw(Vec<u8>) = 2, Address32([u8; 32]) = 3,
  // Address20([u8; 20]) = 4. Polkadot uses account_id32() and unit() as the params.
  [[nodiscard]] std::uint32_t multi_address(std::uint32_t account_id, std::uint32_t account_index);
  // sp_runtime::MultiSignature: Ed25519([u8; 64]) = 0, Sr25519([u8; 64]) = 1, Ecdsa([u8; 65]) = 2.
  [[nodiscard]] std::uint32_t multi_signature();
  // sp_runtime::generic::unchecked_extrinsic::UncheckedExtrinsic<Address, Call, Signature,
  // Extra> = composite { Vec<u8> }. polkadot-js reads these four params to find the runtime's
  // AccountId, Address, Call and signature types, so a runtime should register this type.
  [[nodiscard]] std::uint32_t unchecked_extrinsic(std::uint32_t address, std::uint32_t call,
                                                  std::uint32_t signature, std::uint32_t extra);

  // Number of ids handed out so far (defined or reserved).
  [[nodiscard]] std::size_t size() const { return types_.size(); }

  // The registry, indexed by id. Errors: Incomplete (a reserved id never defined, or define()
  // misuse), BadTypeId (an id referenced by some type is outside the registry), Malformed
  // (duplicate variant name or index in one enum; composite mixing named and unnamed fields).
  [[nodiscard]] Result<std::vector<TypeDef>> finish() &&;

 private:
  std::uint32_t intern(TypeDef def);
  std::uint32_t append(std::optional<TypeDef> def);

  std::vector<std::optional<TypeDef>> types_;
  std::map<Bytes, std::uint32_t> interned_;  // shape encoding -> id
  std::optional<Error> misuse_;              // first define() misuse
};

// Encodes m as RuntimeMetadataPrefixed ("meta" ++ version ++ body) for version 14 or 15.
// m.version is ignored (the argument decides). Documentation is written empty everywhere (the
// model keeps no docs). V15 pallet docs are empty, the custom map is written from m.custom in
// its order. decode_metadata(encode_metadata(m, v)) equals m restricted to what version v
// carries (see docs/formats/metadata.md, "Encoding").
//
// Errors:
//   UnsupportedVersion  version other than 14 or 15;
//   Incomplete          the model lacks what the version needs: V14 needs
//                       extrinsic.extrinsic_type, V14/V15 need runtime_type and exactly one
//                       extrinsic version, V15 needs the address / call / signature / extra
//                       types and outer_enums; V16-only data (extensions_by_version) cannot be
//                       written as V14/V15;
//   BadTypeId           a type id anywhere in the model is outside m.types;
//   Malformed           a registry entry inconsistent with its kind (e.g. a Primitive out of
//                       range) or a count that does not fit the format.
// Messages name the item (pallet, entry, type id).
[[nodiscard]] Result<Bytes> encode_metadata(const Metadata& m, std::uint8_t version);

// The SCALE Option<OpaqueMetadata> returned by the runtime API Metadata_metadata_at_version for
// a supported version: 0x01 ++ compact(len) ++ prefixed. (None is the single byte 0x00.)
[[nodiscard]] Bytes opaque_metadata_some(ByteSpan prefixed);

namespace detail {
// The registry-entry encoding of t without its id (path, params, def, empty docs), ids written
// unchecked; members the kind does not use are not written. Equal encodings mean the same type
// (the builder's interning key).
[[nodiscard]] Bytes encode_type_def(const TypeDef& t);
}  // namespace detail

}  // namespace ev::chain
