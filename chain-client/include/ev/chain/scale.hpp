// SCALE codec (parity-scale-codec wire format), strict and canonical.
// Format notes, strict rules and limits: docs/formats/scale.md.
//
// Two layers:
//   * Encoder / Decoder: primitives (fixed-width little-endian integers, bool, compact
//     integers, length-prefixed bytes and strings) over a byte buffer.
//   * The typed codec: encode(Encoder&, const T&) / decode<T>(Decoder&) for every type that
//     has a Codec<T>: integers, bool, u128/i128, Compact<T>, std::optional, std::vector,
//     std::string, std::array, std::tuple, std::pair, ScaleResult, std::map (BTreeMap),
//     std::variant (enums), C-like enums with EnumTraits, structs declaring EV_SCALE_FIELDS,
//     classes with member encode/decode, and any explicit Codec<T> specialisation.
//
// Decoding is strict: a value is accepted only in its canonical encoding, so for every input
// that decodes, re-encoding the value yields exactly the bytes consumed. Errors name the byte
// offset ("at offset N") and, for struct fields, the field ("Foo.num: ...").
// Thread safety: Encoder and Decoder are plain values; use one per thread.
//
// This header includes the whole codec; it is split into ev/chain/scale/errors.hpp (error kinds,
// limits), encoder.hpp (Encoder), decoder.hpp (Decoder) and codec.hpp (the typed codec), which
// may be included on their own.
#pragma once

#include "ev/chain/scale/codec.hpp"
#include "ev/chain/scale/decoder.hpp"
#include "ev/chain/scale/encoder.hpp"
#include "ev/chain/scale/errors.hpp"
