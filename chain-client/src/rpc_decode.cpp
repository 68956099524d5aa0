// The decoders of Substrate RPC results that read no connection (headers, runtime versions,
// numbers, hex): kept apart from the RPC wrappers so that a reader of JSON results (the
// workers' verified view) links no transport.
#include <string>
#include <utility>

#include "ev/chain/rpc/api.hpp"
#include "rpc_decode_internal.hpp"

namespace ev::chain {
namespace detail {

Error bad(std::string_view field, std::string_view why) {
  return make_error(RpcErrc::BadResult, std::string(field) + ": " + std::string(why));
}

Result<Bytes> decode_bytes(const JsonValue& v, std::string_view field) {
  if (!v.is_string()) return bad(field, "expected a 0x-hex string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return bad(field, "expected a 0x-hex string");
  }
  auto b = from_hex(s);
  if (!b.ok()) return bad(field, b.error().message);
  return std::move(b).value();
}

Result<H256> decode_hash(const JsonValue& v, std::string_view field) {
  Bytes b = EV_TRY(decode_bytes(v, field));
  if (b.size() != 32) return bad(field, "expected 32 bytes, got " + std::to_string(b.size()));
  H256 h{};
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

Result<std::uint32_t> decode_u32(const JsonValue& v, std::string_view field) {
  std::uint64_t x = EV_TRY(decode_u64(v, field));
  if (x > UINT32_MAX) return bad(field, "does not fit in 32 bits");
  return static_cast<std::uint32_t>(x);
}

Result<std::string> decode_string(const JsonValue& v, std::string_view field) {
  if (!v.is_string()) return bad(field, "expected a string");
  return v.get<std::string>();
}

const JsonValue& member(const JsonValue& obj, const char* name) {
  static const JsonValue kNull;
  auto it = obj.find(name);
  return it == obj.end() ? kNull : *it;
}

Result<std::vector<Bytes>> decode_bytes_array(const JsonValue& v, const std::string& field) {
  if (!v.is_array()) return bad(field, "expected an array");
  std::vector<Bytes> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    out.push_back(EV_TRY(decode_bytes(v[i], field + "[" + std::to_string(i) + "]")));
  }
  return out;
}

}  // namespace detail

using detail::bad;
using detail::decode_bytes;
using detail::decode_bytes_array;
using detail::decode_hash;
using detail::decode_string;
using detail::decode_u32;
using detail::member;

Result<std::uint64_t> decode_u64(const JsonValue& v, std::string_view field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  if (v.is_number_integer()) {  // a signed value built in code rather than parsed
    if (v.get<std::int64_t>() < 0) return bad(field, "negative");
    return static_cast<std::uint64_t>(v.get<std::int64_t>());
  }
  if (!v.is_string()) return bad(field, "expected an unsigned integer or a 0x-hex string");
  std::string_view s = v.get_ref<const std::string&>();
  if (s.size() < 3 || s.size() > 66 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) {
    return bad(field, "expected 0x followed by 1 to 64 hex digits");
  }
  s.remove_prefix(2);
  std::uint64_t x = 0;
  std::size_t significant = 0;
  for (char ch : s) {
    int d = -1;
    if (ch >= '0' && ch <= '9') d = ch - '0';
    if (ch >= 'a' && ch <= 'f') d = ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') d = ch - 'A' + 10;
    if (d < 0) return bad(field, "invalid hex digit");
    if (x != 0 || d != 0) ++significant;
    if (significant > 16) return bad(field, "does not fit in 64 bits");
    x = (x << 4) | static_cast<std::uint64_t>(d);
  }
  return x;
}

Result<Header> decode_header(const JsonValue& v) {
  if (!v.is_object()) return bad("header", "expected an object");
  Header h;
  h.parent_hash = EV_TRY(decode_hash(member(v, "parentHash"), "header.parentHash"));
  h.number = EV_TRY(decode_u64(member(v, "number"), "header.number"));
  h.state_root = EV_TRY(decode_hash(member(v, "stateRoot"), "header.stateRoot"));
  h.extrinsics_root = EV_TRY(decode_hash(member(v, "extrinsicsRoot"), "header.extrinsicsRoot"));
  const JsonValue& digest = member(v, "digest");
  if (!digest.is_object()) return bad("header.digest", "expected an object");
  h.digest_logs = EV_TRY(decode_bytes_array(member(digest, "logs"), "header.digest.logs"));
  return h;
}

Result<RuntimeVersion> decode_runtime_version(const JsonValue& v) {
  if (!v.is_object()) return bad("runtimeVersion", "expected an object");
  RuntimeVersion rv;
  rv.spec_name = EV_TRY(decode_string(member(v, "specName"), "specName"));
  rv.impl_name = EV_TRY(decode_string(member(v, "implName"), "implName"));
  if (v.contains("authoringVersion")) {
    rv.authoring_version = EV_TRY(decode_u32(v["authoringVersion"], "authoringVersion"));
  }
  rv.spec_version = EV_TRY(decode_u32(member(v, "specVersion"), "specVersion"));
  if (v.contains("implVersion")) {
    rv.impl_version = EV_TRY(decode_u32(v["implVersion"], "implVersion"));
  }
  rv.transaction_version =
      EV_TRY(decode_u32(member(v, "transactionVersion"), "transactionVersion"));
  if (v.contains("stateVersion")) {
    const std::uint32_t sv = EV_TRY(decode_u32(v["stateVersion"], "stateVersion"));
    if (sv > 255) return bad("stateVersion", "does not fit in 8 bits");
    rv.state_version = static_cast<std::uint8_t>(sv);
  }
  const JsonValue& apis = member(v, "apis");
  if (!apis.is_array()) return bad("apis", "expected an array");
  for (std::size_t i = 0; i < apis.size(); ++i) {
    const std::string field = "apis[" + std::to_string(i) + "]";
    const JsonValue& pair = apis[i];
    if (!pair.is_array() || pair.size() != 2) return bad(field, "expected [id, version]");
    Bytes id = EV_TRY(decode_bytes(pair[0], field + ".id"));
    if (id.size() != 8) return bad(field + ".id", "expected 8 bytes");
    RuntimeApiVersion api;
    std::copy(id.begin(), id.end(), api.id.begin());
    api.version = EV_TRY(decode_u32(pair[1], field + ".version"));
    rv.apis.push_back(api);
  }
  return rv;
}

}  // namespace ev::chain
