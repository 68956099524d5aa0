// Hostile bytes into the pallet's decoders: calls, events, storage values and storage keys.
// Property: whatever decodes re-encodes to exactly the bytes consumed (canonical decoding).
// Byte 0 selects the decoder; the rest is the input.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/chain/scale.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/storage.hpp"

namespace {

using namespace ev;
using namespace ev::vault;

void require(bool cond) {
  if (!cond) std::abort();
}

void fuzz_call(ByteSpan in) {
  auto c = decode_pallet_call(in);
  if (!c) return;
  Bytes again{call_index(*c)};
  append(again, encode_args(*c));
  require(again == Bytes(in.begin(), in.end()));
}

void fuzz_event(ByteSpan in) {
  if (in.empty()) return;
  scale::Decoder d(in.subspan(1));
  auto e = decode_event_at(in[0], d);
  if (!e) return;
  const Bytes enc = encode_event(*e);
  require(enc.size() == 1 + d.pos());
  require(std::equal(enc.begin(), enc.end(), in.begin()));
  auto by_name = decode_event(event_name(*e), ByteSpan(enc).subspan(1));
  require(by_name.ok() && *by_name == *e);
}

template <class T>
void value_round_trip(Result<T> (*decode)(ByteSpan), ByteSpan in) {
  auto v = decode(in);
  if (!v) return;
  require(scale::encode(*v) == Bytes(in.begin(), in.end()));
}

void fuzz_value(std::uint8_t which, ByteSpan in) {
  switch (which % 7) {
    case 0: value_round_trip(&decode_vault_pointer, in); break;
    case 1: value_round_trip(&decode_epoch_info, in); break;
    case 2: value_round_trip(&decode_epoch_dek, in); break;
    case 3: value_round_trip(&decode_live_blobs, in); break;
    case 4: value_round_trip(&decode_agent_grant, in); break;
    case 5: value_round_trip(&decode_worker_info, in); break;
    default: value_round_trip(&decode_role, in); break;
  }
}

void fuzz_key(std::uint8_t which, ByteSpan in) {
  switch (which % 4) {
    case 0: {
      auto k = parse_pointers_key(in);
      if (k) require(pointers_key(k->first, k->second) == Bytes(in.begin(), in.end()));
      break;
    }
    case 1: {
      auto k = parse_epoch_deks_key(in);
      if (k) require(epoch_deks_key(k->first, k->second) == Bytes(in.begin(), in.end()));
      break;
    }
    case 2: {
      auto k = parse_agents_key(in);
      if (k) require(agents_key(k->first, k->second) == Bytes(in.begin(), in.end()));
      break;
    }
    default: {
      auto k = parse_approved_measurements_key(in);
      if (k) require(approved_measurements_key(*k) == Bytes(in.begin(), in.end()));
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::uint8_t mode = data[0];
  const ByteSpan in(data + 1, size - 1);
  switch (mode % 4) {
    case 0: fuzz_call(in); break;
    case 1: fuzz_event(in); break;
    case 2:
      if (!in.empty()) fuzz_value(in[0], in.subspan(1));
      break;
    default:
      if (!in.empty()) fuzz_key(in[0], in.subspan(1));
      break;
  }
  return 0;
}
