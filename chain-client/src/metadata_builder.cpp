// Portable type registry builder (docs/formats/metadata.md, "Encoding").
#include <set>
#include <string>
#include <utility>

#include "ev/chain/metadata_builder.hpp"

namespace ev::chain {
namespace {

TypeDef of_kind(TypeKind kind) {
  TypeDef t;
  t.kind = kind;
  return t;
}

// Every type id a definition refers to (params, fields, elements).
std::vector<std::uint32_t> referenced_ids(const TypeDef& t) {
  std::vector<std::uint32_t> ids;
  for (const auto& p : t.params) {
    if (p.type) ids.push_back(*p.type);
  }
  auto add_fields = [&](const std::vector<TypeField>& fs) {
    for (const auto& f : fs) ids.push_back(f.type);
  };
  switch (t.kind) {
    case TypeKind::Composite: add_fields(t.fields); break;
    case TypeKind::Variant:
      for (const auto& v : t.variants) add_fields(v.fields);
      break;
    case TypeKind::Tuple: ids.insert(ids.end(), t.tuple.begin(), t.tuple.end()); break;
    case TypeKind::Sequence:
    case TypeKind::Array:
    case TypeKind::Compact: ids.push_back(t.element); break;
    case TypeKind::BitSequence:
      ids.push_back(t.element);
      ids.push_back(t.bit_order);
      break;
    case TypeKind::Primitive: break;
  }
  return ids;
}

Result<void> check_fields(const std::vector<TypeField>& fs, const std::string& where) {
  std::size_t named = 0;
  for (const auto& f : fs) named += f.name.has_value() ? 1 : 0;
  if (named != 0 && named != fs.size()) {
    return make_error(MetadataErrc::Malformed, where + " mixes named and unnamed fields");
  }
  return ok();
}

Result<void> check_variants(const std::vector<TypeVariant>& vs) {
  std::set<std::string> names;
  std::set<std::uint8_t> indices;
  for (const auto& v : vs) {
    if (!names.insert(v.name).second) {
      return make_error(MetadataErrc::Malformed, "duplicate variant name " + v.name);
    }
    if (!indices.insert(v.index).second) {
      return make_error(MetadataErrc::Malformed,
                        "variant " + v.name + " reuses index " + std::to_string(v.index));
    }
    EV_TRY(check_fields(v.fields, "variant " + v.name));
  }
  return ok();
}

Result<void> check_def(const TypeDef& t, std::size_t count) {
  for (auto id : referenced_ids(t)) {
    if (id >= count) {
      return make_error(MetadataErrc::BadTypeId, "refers to type " + std::to_string(id) +
                                                     " (registry has " + std::to_string(count) +
                                                     " types)");
    }
  }
  if (t.kind == TypeKind::Composite) EV_TRY(check_fields(t.fields, "composite"));
  if (t.kind == TypeKind::Variant) EV_TRY(check_variants(t.variants));
  return ok();
}

}  // namespace

std::uint32_t TypeRegistryBuilder::append(std::optional<TypeDef> def) {
  EV_ASSERT(types_.size() < 0xFFFFFFFFu, "type registry full");
  types_.push_back(std::move(def));
  return static_cast<std::uint32_t>(types_.size() - 1);
}

std::uint32_t TypeRegistryBuilder::intern(TypeDef def) {
  auto key = detail::encode_type_def(def);
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second;
  auto id = append(std::move(def));
  interned_.emplace(std::move(key), id);
  return id;
}

std::uint32_t TypeRegistryBuilder::primitive(Primitive p) {
  auto t = of_kind(TypeKind::Primitive);
  t.primitive = p;
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::compact(std::uint32_t inner) {
  auto t = of_kind(TypeKind::Compact);
  t.element = inner;
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::sequence(std::uint32_t element) {
  auto t = of_kind(TypeKind::Sequence);
  t.element = element;
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::array(std::uint32_t element, std::uint32_t length) {
  auto t = of_kind(TypeKind::Array);
  t.element = element;
  t.length = length;
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::tuple(std::vector<std::uint32_t> elements) {
  auto t = of_kind(TypeKind::Tuple);
  t.tuple = std::move(elements);
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::composite(std::vector<std::string> path,
                                             std::vector<TypeField> fields,
                                             std::vector<TypeParam> params) {
  auto t = of_kind(TypeKind::Composite);
  t.path = std::move(path);
  t.fields = std::move(fields);
  t.params = std::move(params);
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::variant(std::vector<std::string> path,
                                           std::vector<TypeVariant> variants,
                                           std::vector<TypeParam> params) {
  auto t = of_kind(TypeKind::Variant);
  t.path = std::move(path);
  t.variants = std::move(variants);
  t.params = std::move(params);
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::bit_sequence(std::uint32_t store, std::uint32_t order) {
  auto t = of_kind(TypeKind::BitSequence);
  t.element = store;
  t.bit_order = order;
  return intern(std::move(t));
}

std::uint32_t TypeRegistryBuilder::reserve() { return append(std::nullopt); }

void TypeRegistryBuilder::define(std::uint32_t id, TypeDef def) {
  if (id >= types_.size() || types_[id].has_value()) {
    if (!misuse_) {
      misuse_ = make_error(MetadataErrc::Incomplete,
                           "define(" + std::to_string(id) + "): " +
                               (id >= types_.size() ? "id was never handed out" : "defined twice"));
    }
    return;
  }
  interned_.emplace(detail::encode_type_def(def), id);  // keeps an earlier identical id
  types_[id] = std::move(def);
}

std::uint32_t TypeRegistryBuilder::unit() { return tuple({}); }

std::uint32_t TypeRegistryBuilder::bytes() { return sequence(primitive(Primitive::U8)); }

std::uint32_t TypeRegistryBuilder::byte_array32() { return array(primitive(Primitive::U8), 32); }

std::uint32_t TypeRegistryBuilder::account_id32() {
  return composite({"sp_core", "crypto", "AccountId32"},
                   {{std::nullopt, byte_array32(), "[u8; 32]"}});
}

std::uint32_t TypeRegistryBuilder::h256() {
  return composite({"primitive_types", "H256"}, {{std::nullopt, byte_array32(), "[u8; 32]"}});
}

std::uint32_t TypeRegistryBuilder::option(std::uint32_t inner) {
  return variant({"Option"}, {{"None", {}, 0}, {"Some", {{std::nullopt, inner, std::nullopt}}, 1}},
                 {{"T", inner}});
}

std::uint32_t TypeRegistryBuilder::result(std::uint32_t ok_type, std::uint32_t err_type) {
  return variant({"Result"},
                 {{"Ok", {{std::nullopt, ok_type, std::nullopt}}, 0},
                  {"Err", {{std::nullopt, err_type, std::nullopt}}, 1}},
                 {{"T", ok_type}, {"E", err_type}});
}

std::uint32_t TypeRegistryBuilder::bounded_vec(std::uint32_t element) {
  return composite({"bounded_collections", "bounded_vec", "BoundedVec"},
                   {{std::nullopt, sequence(element), "Vec<T>"}},
                   {{"T", element}, {"S", std::nullopt}});
}

std::uint32_t TypeRegistryBuilder::multi_address(std::uint32_t account_id,
                                                 std::uint32_t account_index) {
  auto u8 = primitive(Primitive::U8);
  return variant({"sp_runtime", "multiaddress", "MultiAddress"},
                 {{"Id", {{std::nullopt, account_id, "AccountId"}}, 0},
                  {"Index", {{std::nullopt, compact(account_index), "AccountIndex"}}, 1},
                  {"Raw", {{std::nullopt, bytes(), "Vec<u8>"}}, 2},
                  {"Address32", {{std::nullopt, array(u8, 32), "[u8; 32]"}}, 3},
                  {"Address20", {{std::nullopt, array(u8, 20), "[u8; 20]"}}, 4}},
                 {{"AccountId", account_id}, {"AccountIndex", account_index}});
}

std::uint32_t TypeRegistryBuilder::multi_signature() {
  auto u8 = primitive(Primitive::U8);
  auto sig64 = array(u8, 64);
  return variant({"sp_runtime", "MultiSignature"},
                 {{"Ed25519", {{std::nullopt, sig64, "ed25519::Signature"}}, 0},
                  {"Sr25519", {{std::nullopt, sig64, "sr25519::Signature"}}, 1},
                  {"Ecdsa", {{std::nullopt, array(u8, 65), "ecdsa::Signature"}}, 2}});
}

std::uint32_t TypeRegistryBuilder::unchecked_extrinsic(std::uint32_t address, std::uint32_t call,
                                                       std::uint32_t signature,
                                                       std::uint32_t extra) {
  return composite(
      {"sp_runtime", "generic", "unchecked_extrinsic", "UncheckedExtrinsic"},
      {{std::nullopt, bytes(), std::nullopt}},
      {{"Address", address}, {"Call", call}, {"Signature", signature}, {"Extra", extra}});
}

Result<std::vector<TypeDef>> TypeRegistryBuilder::finish() && {
  if (misuse_) return std::move(*misuse_);
  std::vector<TypeDef> out;
  out.reserve(types_.size());
  for (std::size_t i = 0; i < types_.size(); ++i) {
    if (!types_[i]) {
      return make_error(MetadataErrc::Incomplete,
                        "type id " + std::to_string(i) + " was reserved and never defined");
    }
    EV_TRY_CTX("type " + std::to_string(i), check_def(*types_[i], types_.size()));
    out.push_back(std::move(*types_[i]));
  }
  types_.clear();
  interned_.clear();
  return out;
}

}  // namespace ev::chain
