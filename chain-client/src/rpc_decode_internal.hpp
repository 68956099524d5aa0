// Shared JSON decoding helpers of the RPC wrappers (rpc_api.cpp) and the result decoders
// (rpc_decode.cpp). Errors are RpcErrc::BadResult naming the field.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ev/chain/hash.hpp"
#include "ev/chain/rpc/errors.hpp"
#include "ev/chain/rpc/json.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain::detail {

[[nodiscard]] Error bad(std::string_view field, std::string_view why);
[[nodiscard]] Result<Bytes> decode_bytes(const JsonValue& v, std::string_view field);
[[nodiscard]] Result<H256> decode_hash(const JsonValue& v, std::string_view field);
[[nodiscard]] Result<std::uint32_t> decode_u32(const JsonValue& v, std::string_view field);
[[nodiscard]] Result<std::string> decode_string(const JsonValue& v, std::string_view field);
// The member `name` of an object, or null.
[[nodiscard]] const JsonValue& member(const JsonValue& obj, const char* name);
[[nodiscard]] Result<std::vector<Bytes>> decode_bytes_array(const JsonValue& v,
                                                            const std::string& field);

}  // namespace ev::chain::detail
