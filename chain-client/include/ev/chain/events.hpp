// System.Events: the per-block list of event records, decoded through the runtime's metadata,
// and the reading of a DispatchError into a name. Format: docs/formats/json-codec.md
// ("Events").
//
// Nothing about the runtime is assumed beyond the shape FRAME gives every runtime:
//   System.Events value = Vec<EventRecord>
//   EventRecord         = { phase: Phase, event: RuntimeEvent, topics: Vec<Hash> }
//   Phase               = enum { ApplyExtrinsic(u32), Finalization, Initialization }
//   RuntimeEvent        = enum, one variant per pallet (named after it), whose single field
//                         is the pallet's own Event enum
// All type ids and variant indices come from the registry (V14 has no outer enums), looked up
// by field and variant name.
//
// Contract: decode_events() reads untrusted bytes with the limits of dyncodec.hpp; every
// error says which record and where. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ev/chain/dyncodec.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

// nlohmann::json members make the implicit special members potentially throwing (only on
// allocation failure), which bugprone-exception-escape reports.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct EventRecord {
  enum class Phase : std::uint8_t { ApplyExtrinsic, Finalization, Initialization };
  Phase phase = Phase::Initialization;
  std::uint32_t extrinsic_index = 0;  // ApplyExtrinsic only
  std::uint8_t pallet_index = 0;      // RuntimeEvent variant index (= the pallet's index)
  std::uint8_t event_index = 0;       // the pallet Event variant index
  std::string pallet;                 // "System"
  std::string name;                   // "ExtrinsicSuccess"
  Bytes fields;                       // the event's field bytes, exactly as on chain
  nlohmann::json value;               // fields decoded: object by name, array if unnamed
                                      // ({} when the event has no fields)
  std::vector<ByteArray<32>> topics;
};

// Decodes the SCALE value of storage System.Events (Vec<EventRecord>) using the metadata's
// System.Events storage value type. All input must be used (TrailingBytes otherwise).
// Errors: DynCodecErrc (BadBytes with "record i: ..." and the offset; BadType when the
// registry's EventRecord does not have the FRAME shape above); MetadataErrc::NotFound when the
// runtime has no System.Events.
[[nodiscard]] Result<std::vector<EventRecord>> decode_events(const Metadata& md,
                                                             ByteSpan system_events_value,
                                                             const DecodeOptions& opts = {});

// A name for a DispatchError as decode_value() renders it (e.g. the "dispatch_error" field of
// System.ExtrinsicFailed): "Pallet.ErrorName" for Module errors (looked up in the metadata),
// "Outer.Inner" for an error wrapping an enum ("Token.FundsUnavailable",
// "Arithmetic.Overflow"), else the variant name ("BadOrigin", "Other").
// Errors: WrongJsonType when the JSON is not an enum value; MetadataErrc::NotFound for a
// Module error whose pallet or error index the metadata does not know.
[[nodiscard]] Result<std::string> describe_dispatch_error(const Metadata& md,
                                                          const nlohmann::json& dispatch_error);

}  // namespace ev::chain
