// JSON values of the RPC client and their bounded, strict parser.
//
// Results and notification payloads are owned nlohmann::json values (JsonValue). nlohmann's
// accessors throw on a type mismatch: check the type first (is_string(), contains(), ...) or use
// the typed wrappers in ev/chain/rpc/api.hpp, which never throw.
#pragma once

#include <cstddef>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ev/common/result.hpp"

namespace ev::chain {

using JsonValue = nlohmann::json;

// Bounds applied to every JSON text read from the network (and to caller-supplied params).
struct JsonLimits {
  std::size_t max_bytes = std::size_t{64} << 20;  // whole text, in bytes
  std::size_t max_depth = 64;                     // nesting of arrays/objects; 1 = "[]"
  std::size_t max_values = std::size_t{1} << 20;  // scalars + containers + object keys
};

// Parses one JSON text (RFC 8259): UTF-8 validated, no comments, no trailing data, duplicate
// object keys rejected, every limit enforced while parsing (memory stays proportional to the
// accepted input). Errors: RpcErrc::ResponseTooLarge when text exceeds max_bytes, otherwise
// RpcErrc::InvalidResponse with the byte offset and reason. Never throws.
[[nodiscard]] Result<JsonValue> parse_json(std::string_view text, const JsonLimits& limits);

// Compact text of a JSON value (invalid UTF-8 in strings is replaced, never thrown on).
[[nodiscard]] std::string dump_json(const JsonValue& v);

}  // namespace ev::chain
