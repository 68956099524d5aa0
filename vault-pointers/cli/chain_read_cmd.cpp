// `epochvault chain storage` (one value, or every entry under a partial key, as polkadot-js
// entries() does) and `epochvault chain metadata` (a pallet's calls with their arguments, its
// storage items and its events), both from the runtime's metadata alone.
#include <cstdio>
#include <string>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/chain/dyncodec.hpp"
#include "ev/chain/storage_key.hpp"
#include "input.hpp"

namespace ev::cli {
namespace {

using nlohmann::json;

constexpr std::uint32_t kPage = 512;

// A short human name of a registry type: its path's last segment with parameters, else its
// shape ("Vec<u8>", "[u8; 32]", "(u32, u64)").
std::string type_label(const chain::Metadata& md, std::uint32_t id, int depth = 0) {
  auto tr = md.type(id);
  if (!tr || depth > 8) return "?";
  const chain::TypeDef& t = **tr;
  static constexpr const char* kPrims[] = {"bool", "char", "str",  "u8",   "u16",
                                           "u32",  "u64",  "u128", "u256", "i8",
                                           "i16",  "i32",  "i64",  "i128", "i256"};
  switch (t.kind) {
    case chain::TypeKind::Primitive: return kPrims[static_cast<int>(t.primitive)];
    case chain::TypeKind::Sequence: return "Vec<" + type_label(md, t.element, depth + 1) + ">";
    case chain::TypeKind::Compact: return "Compact<" + type_label(md, t.element, depth + 1) + ">";
    case chain::TypeKind::Array:
      return "[" + type_label(md, t.element, depth + 1) + "; " + std::to_string(t.length) + "]";
    case chain::TypeKind::Tuple: {
      std::string s = "(";
      for (std::size_t i = 0; i < t.tuple.size(); ++i) {
        s += (i != 0 ? ", " : "") + type_label(md, t.tuple[i], depth + 1);
      }
      return s + ")";
    }
    case chain::TypeKind::BitSequence: return "BitVec";
    default: break;
  }
  if (t.path.empty()) return "?";
  std::string s = t.path.back();
  std::string params;
  for (const auto& p : t.params) {
    if (!p.type) continue;
    params += (params.empty() ? "" : ", ") + type_label(md, *p.type, depth + 1);
  }
  return params.empty() ? s : s + "<" + params + ">";
}

std::string field_label(const chain::Metadata& md, const chain::TypeField& f) {
  return f.type_name ? *f.type_name : type_label(md, f.type);
}

json fields_json(const chain::Metadata& md, const std::vector<chain::TypeField>& fields) {
  json out = json::array();
  for (const auto& f : fields) {
    out.push_back({{"name", f.name ? *f.name : ""}, {"type", field_label(md, f)}});
  }
  return out;
}

Result<std::vector<std::uint32_t>> key_types(const chain::Metadata& md,
                                             const chain::StorageEntry& e) {
  std::vector<std::uint32_t> out;
  if (e.hashers.size() == 1) {
    out.push_back(e.key_type);
  } else if (!e.hashers.empty()) {
    const chain::TypeDef* t = EV_TRY(md.type(e.key_type));
    if (t->kind != chain::TypeKind::Tuple || t->tuple.size() != e.hashers.size()) {
      return make_error(Errc::Failed, e.name + ": key type is not a tuple of " +
                                          std::to_string(e.hashers.size()));
    }
    out = t->tuple;
  }
  return out;
}

Result<void> storage_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "at", "output", "limit"}, {}));
  if (args.positional.size() < 2) {
    return make_error(Errc::Usage, "expected <Pallet> <Item> [keys...] (see --help)");
  }
  const bool raw = EV_TRY(json_output_of(args));
  std::uint64_t limit = 0;
  if (auto l = args.get("limit")) {
    auto v = u128_from_string(*l);
    if (!v.ok() || *v == 0 || *v > 1000000) {
      return make_error(Errc::Usage, "--limit '" + *l + "': expected 1..1000000");
    }
    limit = static_cast<std::uint64_t>(*v);
  }
  std::optional<chain::H256> at;
  if (auto a = args.get("at")) at = EV_TRY_CTX("--at", from_hex_fixed<32>(*a));
  auto client = EV_TRY(connect_node(args));
  auto md = client->metadata();
  const std::string& pallet_name = args.positional[0];
  const std::string& item = args.positional[1];
  const chain::Pallet* pallet = EV_TRY(md->pallet(pallet_name));
  const chain::StorageEntry* entry = EV_TRY(md->storage(pallet_name, item));
  const auto types = EV_TRY(key_types(*md, *entry));
  const std::size_t given = args.positional.size() - 2;
  if (given > types.size()) {
    return make_error(Errc::Usage, pallet_name + "." + item + " takes " +
                                       std::to_string(types.size()) + " key(s), got " +
                                       std::to_string(given));
  }
  // Keys as a person writes them: SS58 or hex accounts, UUIDs, text service names, JSON.
  json keys = json::array();
  std::vector<std::pair<chain::Hasher, Bytes>> hashed;
  for (std::size_t i = 0; i < given; ++i) {
    const std::string& text = args.positional[2 + i];
    auto parsed = json::parse(text, nullptr, false);
    json v = parsed.is_discarded() ? json(text) : parsed;
    v = prepare_input(*md, types[i], v);
    Bytes encoded;
    EV_TRY_CTX(pallet_name + "." + item + " key " + std::to_string(i),
               chain::encode_value(*md, types[i], v, encoded));
    hashed.emplace_back(entry->hashers[i], std::move(encoded));
    keys.push_back(v);
  }
  chain::DecodeOptions opts;
  opts.ss58_prefix = client->info().ss58_prefix;
  auto show = [&](std::uint32_t type, const json& v) { return raw ? v : humanize(*md, type, v); };

  if (given == types.size()) {
    auto value = EV_TRY(client->storage(pallet_name, item, keys, at));
    std::printf("%s\n", value ? show(entry->value_type, *value).dump().c_str() : "null");
    return ok();
  }
  // Fewer keys than the map has: every entry under that prefix, one JSON line each.
  const Bytes prefix =
      chain::storage_key(pallet->storage_prefix.value_or(pallet->name), entry->name, hashed);
  std::optional<Bytes> start;
  std::uint64_t shown = 0;
  for (;;) {
    auto page = EV_TRY(chain::rpc::state_get_keys_paged(client->rpc(), prefix, kPage, start, at));
    for (const Bytes& key : page) {
      if (key.size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), key.begin())) {
        return make_error(Errc::Failed,
                          "the node returned a key outside the prefix: " + to_hex(key));
      }
      scale::Decoder d(ByteSpan(key).subspan(prefix.size()));
      json entry_keys = keys;
      for (std::size_t j = given; j < types.size(); ++j) {
        const chain::Hasher h = entry->hashers[j];
        auto hash = EV_TRY_CTX("key " + to_hex(key), d.raw(chain::hash_length(h)));
        if (!chain::is_reversible(h)) {
          entry_keys.push_back({{"hash", to_hex(hash)}});
          continue;
        }
        json k = EV_TRY_CTX("key " + to_hex(key), chain::decode_value(*md, types[j], d, opts));
        entry_keys.push_back(raw ? k : humanize(*md, types[j], k));
      }
      auto value = EV_TRY(chain::rpc::state_get_storage(client->rpc(), key, at));
      json v = nullptr;
      if (value) {
        v = EV_TRY_CTX("value at " + to_hex(key),
                       chain::decode_value_all(*md, entry->value_type, *value, opts));
        v = show(entry->value_type, v);
      }
      json line = {{"keys", entry_keys}, {"value", v}};
      if (raw) line["key"] = to_hex(key);
      std::printf("%s\n", line.dump().c_str());
      if (limit != 0 && ++shown >= limit) return ok();
    }
    if (page.size() < kPage) break;
    start = page.back();
  }
  return ok();
}

Result<void> metadata_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(argv, {"url", "output"}, {}));
  if (args.positional.size() != 1) return make_error(Errc::Usage, "expected <Pallet>");
  const bool json_out = EV_TRY(json_output_of(args));
  auto client = EV_TRY(connect_node(args));
  auto md = client->metadata();
  const chain::Pallet* p = EV_TRY(md->pallet(args.positional[0]));
  json j = {{"pallet", p->name}, {"index", p->index}};
  j["calls"] = json::array();
  j["events"] = json::array();
  j["errors"] = json::array();
  j["storage"] = json::array();
  auto variants = [&](const std::optional<std::uint32_t>& type, const char* what) -> Result<void> {
    if (!type) return ok();
    const chain::TypeDef* t = EV_TRY(md->type(*type));
    for (const auto& v : t->variants) {
      j[what].push_back(
          {{"name", v.name}, {"index", v.index}, {"fields", fields_json(*md, v.fields)}});
    }
    return ok();
  };
  EV_TRY(variants(p->calls_type, "calls"));
  EV_TRY(variants(p->events_type, "events"));
  EV_TRY(variants(p->errors_type, "errors"));
  for (const auto& s : p->storage) {
    json keys = json::array();
    const auto types = EV_TRY(key_types(*md, s));
    for (std::size_t i = 0; i < types.size(); ++i) {
      keys.push_back({{"type", type_label(*md, types[i])},
                      {"hasher", std::string(chain::name(s.hashers[i]))}});
    }
    j["storage"].push_back({{"name", s.name},
                            {"keys", keys},
                            {"value", type_label(*md, s.value_type)},
                            {"default", s.modifier == chain::StorageModifier::Default}});
  }
  if (json_out) {
    std::printf("%s\n", j.dump(2).c_str());
    return ok();
  }
  auto fields_text = [](const json& fields) {
    std::string s;
    for (const auto& f : fields) {
      if (!s.empty()) s += ", ";
      const std::string name = f["name"].get<std::string>();
      s += name.empty() ? f["type"].get<std::string>() : name + ": " + f["type"].get<std::string>();
    }
    return s;
  };
  std::printf("%s (pallet index %u)\n", p->name.c_str(), static_cast<unsigned>(p->index));
  std::printf("calls:\n");
  for (const auto& c : j["calls"]) {
    std::printf("  %2u %s(%s)\n", c["index"].get<unsigned>(), c["name"].get<std::string>().c_str(),
                fields_text(c["fields"]).c_str());
  }
  std::printf("storage:\n");
  for (const auto& s : j["storage"]) {
    std::string keys;
    for (const auto& k : s["keys"]) {
      keys += (keys.empty() ? "" : ", ") + k["type"].get<std::string>() + " (" +
              k["hasher"].get<std::string>() + ")";
    }
    std::printf("  %s%s -> %s%s\n", s["name"].get<std::string>().c_str(),
                keys.empty() ? "" : ("[" + keys + "]").c_str(),
                s["value"].get<std::string>().c_str(),
                s["default"].get<bool>() ? " (default)" : "");
  }
  std::printf("events:\n");
  for (const auto& e : j["events"]) {
    std::printf("  %2u %s(%s)\n", e["index"].get<unsigned>(), e["name"].get<std::string>().c_str(),
                fields_text(e["fields"]).c_str());
  }
  std::printf("errors:\n");
  for (const auto& e : j["errors"]) {
    std::printf("  %2u %s\n", e["index"].get<unsigned>(), e["name"].get<std::string>().c_str());
  }
  return ok();
}

}  // namespace

void register_chain_read_commands(std::vector<Command>& out) {
  out.push_back(
      {"chain", "storage", "read a storage value, or every entry under a partial key (JSON)",
       "epochvault chain storage <Pallet> <Item> [key...] [--url URL] [--at 0xHASH]\n"
       "    [--output json] [--limit N]\n"
       "  each key is JSON (42, \"0x..\", [1,2]) or a bare word: an SS58 or hex account, a UUID,\n"
       "  a service name as text. All keys: the value; fewer: one line per entry under them\n"
       "  ({\"keys\": [...], \"value\": ...}). Default output shows service names as text and "
       "blob\n"
       "  ids as UUIDs; --output json prints the codec's form (hex) and each entry's raw key",
       storage_cmd});
  out.push_back({"chain", "metadata", "a pallet's calls with arguments, storage items, events",
                 "epochvault chain metadata <Pallet> [--url URL] [--output json]", metadata_cmd});
}

}  // namespace ev::cli
