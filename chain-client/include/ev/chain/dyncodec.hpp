// Metadata-driven codec: JSON values <-> SCALE bytes for any type of a runtime's portable
// type registry, and calls by pallet and name. The JSON shapes are specified in
// docs/formats/json-codec.md; in short:
//
//   bool                      true / false
//   u8 .. u64, i8 .. i64      JSON integer; a decimal string is accepted on encode
//   u128, i128, u256, i256    decimal string ("-" for negatives); a JSON integer on encode
//   char                      one-character string;  str: string
//   [u8; N], Vec<u8>          "0x" hex string (a JSON array of bytes is accepted on encode)
//   AccountId32               SS58 on decode (DecodeOptions::ss58_prefix, default 42);
//                             SS58 under any prefix or 0x + 64 hex digits on encode
//   Compact<T>                as T (the compact form is chosen by the type, never the JSON)
//   composite                 object by field name; one unnamed field -> the inner value;
//                             several unnamed -> array; no fields -> null
//                             (encode also accepts a positional array for named fields)
//   tuple                     array; () -> null
//   sequence, array           JSON array
//   Option<T>                 null / the value
//   other enums               "Variant" for a variant without fields; {"Variant": value}
//                             otherwise, value shaped like a composite's fields
//   bit sequence              array of booleans (bit order and store type from the registry)
//   the runtime call enum     also accepted on encode as {"pallet", "call", "args"}
//
// Contract: decoding reads untrusted bytes and untrusted metadata. It never reads past the
// input, nests at most scale::kMaxDepth levels (the Decoder's depth counter), bounds every
// length prefix by the remaining input, and produces at most max_decode_nodes(input size) JSON
// values (zero-sized types could otherwise turn a few bytes into millions of nodes). Errors
// carry the JSON path of the value at fault ("$.dest.Id: ...") and, for bytes, the offset.
// Encoding never throws; every mismatch between the JSON and the type is an error naming the
// JSON path. Thread safety: all functions are pure; a Metadata may be shared between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ev/chain/metadata.hpp"
#include "ev/chain/scale.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class DynCodecErrc {
  WrongJsonType = 1,  // JSON kind does not fit the type (e.g. string where an array is due)
  OutOfRange,         // an integer outside the type's range
  BadText,            // a string that does not parse: hex, decimal, SS58, char
  UnknownVariant,     // enum variant name or index not in the registry
  MissingField,       // a struct field / call argument absent from the JSON object
  UnknownField,       // a JSON object key that is not a field of the type
  LengthMismatch,     // fixed-size array or positional list with the wrong element count
  BadBytes,           // SCALE bytes that do not decode against the type
  TrailingBytes,      // bytes left over after a complete value
  LimitExceeded,      // nesting depth or decoded-value budget exhausted
  BadType,            // the registry itself is unusable here (bad id, unsupported shape)
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::DynCodecErrc> {
  static constexpr std::string_view domain = "dyncodec";
  static std::string_view message(chain::DynCodecErrc e);
};
}  // namespace ev

namespace ev::chain {

// Nesting limit for encode (mirrors scale::kMaxDepth, which bounds decode).
inline constexpr std::size_t kMaxEncodeDepth = scale::kMaxDepth;

// The decoded-value budget for an input of n bytes: 64 JSON values per byte plus 65,536.
[[nodiscard]] constexpr std::size_t max_decode_nodes(std::size_t n) { return 64 * n + 65536; }

struct DecodeOptions {
  std::uint16_t ss58_prefix = 42;  // network ident used to print AccountId32 values
};

// Appends the SCALE encoding of `value`, read as registry type `type`, to `out`.
// On error, `out` may hold a partial encoding (callers discard it).
// Errors: any DynCodecErrc, with the JSON path ("$" is the value itself).
[[nodiscard]] Result<void> encode_value(const Metadata& md, std::uint32_t type,
                                        const nlohmann::json& value, Bytes& out);

// Decodes one value of registry type `type` from `in` (which advances past it; trailing
// input is left for the caller). Errors: BadBytes (with the offset and JSON path),
// LimitExceeded, BadType.
[[nodiscard]] Result<nlohmann::json> decode_value(const Metadata& md, std::uint32_t type,
                                                  scale::Decoder& in,
                                                  const DecodeOptions& opts = {});

// Decodes exactly one value from `bytes`; TrailingBytes if input is left over.
[[nodiscard]] Result<nlohmann::json> decode_value_all(const Metadata& md, std::uint32_t type,
                                                      ByteSpan bytes,
                                                      const DecodeOptions& opts = {});

// pallet index ++ call index ++ arguments. `args` is a JSON array (positional, one entry per
// argument) or an object (by argument name; every argument required, no extra keys); null
// stands for "no arguments". Errors name pallet, call and argument:
// "System.remark_with_event: argument remark: ..."; an unknown pallet or call is
// MetadataErrc::NotFound.
[[nodiscard]] Result<Bytes> encode_call(const Metadata& md, std::string_view pallet,
                                        std::string_view call, const nlohmann::json& args);

// Reads one call (pallet index ++ call index ++ arguments) and returns
// {"pallet": "System", "call": "remark", "args": {...}}; args is an object by name, or an
// array when the call's fields are unnamed.
[[nodiscard]] Result<nlohmann::json> decode_call(const Metadata& md, scale::Decoder& in,
                                                 const DecodeOptions& opts = {});

}  // namespace ev::chain
