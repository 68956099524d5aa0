// Fuzzes the SCALE decoder: the input is decoded as several representative types, and every
// successful decode must re-encode to exactly the bytes it consumed (strict canonical decoding
// makes encode(decode(x)) == x). Format: docs/formats/scale.md.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "ev/chain/era.hpp"
#include "ev/chain/scale.hpp"

namespace {

using ev::u128;
using ev::scale::Compact;

struct Empty {};

struct Amount {
  std::uint32_t value = 0;
  EV_SCALE_FIELDS(value)
};

struct Transfer {
  std::uint8_t to = 0;
  Compact<std::uint64_t> amount;
  EV_SCALE_FIELDS(to, amount)
};

using Kind = std::variant<Empty, Amount, Transfer>;

struct Entry {
  bool enabled = false;
  std::optional<Compact<std::uint32_t>> weight;
  EV_SCALE_FIELDS(enabled, weight)
};

struct Record {
  std::vector<std::uint16_t> values;
  std::optional<std::uint32_t> limit;
  std::string name;
  Compact<u128> amount;
  Kind kind;
  std::map<std::uint32_t, bool> flags;
  std::vector<Entry> entries;
  EV_SCALE_FIELDS(values, limit, name, amount, kind, flags, entries)
};

// Decodes a T from the front of `in`; on success its encoding must equal the bytes consumed,
// and decode_all must agree on whether the whole input is exactly one T.
template <class T>
void check(ev::ByteSpan in) {
  ev::scale::Decoder d(in);
  auto r = ev::scale::decode<T>(d);
  const auto all = ev::scale::decode_all<T>(in);
  if (all.ok() != (r.ok() && d.pos() == in.size())) std::abort();
  // The fast path (decode<T>) and the error-reporting path (Codec<T>::decode) must accept
  // exactly the same inputs, consuming the same bytes.
  ev::scale::Decoder slow_d(in);
  auto slow = ev::scale::Codec<T>::decode(slow_d);
  if (slow.ok() != r.ok()) std::abort();
  if (slow.ok() && (slow_d.pos() != d.pos() || ev::scale::encode(*slow) != ev::scale::encode(*r))) {
    std::abort();
  }
  if (!r.ok() && slow.error().message != r.error().message) std::abort();
  if (!r.ok()) return;
  const ev::Bytes again = ev::scale::encode(*r);
  if (again.size() != d.pos()) std::abort();
  for (std::size_t i = 0; i < again.size(); ++i) {
    if (again[i] != in[i]) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ev::ByteSpan in(data, size);
  check<Record>(in);
  check<std::vector<Record>>(in);
  check<ev::chain::Era>(in);
  check<Kind>(in);
  check<ev::scale::ScaleResult<ev::Bytes, std::string>>(in);
  check<std::tuple<Compact<std::uint8_t>, Compact<std::uint16_t>, Compact<std::uint32_t>,
                   std::int64_t, std::array<std::uint8_t, 4>>>(in);
  check<std::map<std::string, std::vector<std::optional<bool>>>>(in);
  return 0;
}
