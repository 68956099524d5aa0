#include "ev/vault/events.hpp"

#include <array>
#include <string>
#include <utility>

namespace ev::vault {

namespace {

constexpr std::array<std::string_view, kEventCount> kEventNames = {
    "MeasurementApproved", "MeasurementRevoked", "WorkerRegistered", "AgentAuthorized",
    "AgentRevoked",        "BlobWritten",        "BlobReencrypted",  "BlobRemoved",
    "EpochRotated",        "EpochDestroyed"};

template <std::size_t I>
Result<Event> decode_one(scale::Decoder& d) {
  using T = std::variant_alternative_t<I, Event>;
  auto v = scale::decode<T>(d);
  if (!v) return std::move(v).error().context(kEventNames[I]);
  return Event(std::in_place_index<I>, std::move(v).value());
}

template <std::size_t... I>
Result<Event> decode_indexed(std::uint8_t index, scale::Decoder& d, std::index_sequence<I...>) {
  using Fn = Result<Event> (*)(scale::Decoder&);
  static constexpr Fn kTable[] = {&decode_one<I>...};
  return kTable[index](d);
}

}  // namespace

std::uint8_t event_index(const Event& e) { return static_cast<std::uint8_t>(e.index()); }

std::string_view event_name(const Event& e) { return kEventNames[e.index()]; }

std::string_view event_name_at(std::uint8_t index) {
  return index < kEventCount ? kEventNames[index] : std::string_view();
}

Bytes encode_event_fields(const Event& e) {
  scale::Encoder enc;
  std::visit([&enc](const auto& x) { scale::encode(enc, x); }, e);
  return enc.take();
}

Bytes encode_event(const Event& e) {
  scale::Encoder enc;
  enc.u8(event_index(e));
  std::visit([&enc](const auto& x) { scale::encode(enc, x); }, e);
  return enc.take();
}

Result<Event> decode_event_at(std::uint8_t index, scale::Decoder& d) {
  if (index >= kEventCount) {
    return make_error(VaultErrc::UnknownEvent, "event index " + std::to_string(index) + " of " +
                                                   std::to_string(kEventCount));
  }
  return decode_indexed(index, d, std::make_index_sequence<kEventCount>{});
}

Result<Event> decode_event(std::string_view name, ByteSpan fields) {
  for (std::size_t i = 0; i < kEventNames.size(); ++i) {
    if (kEventNames[i] != name) continue;
    scale::Decoder d(fields);
    Event e = EV_TRY(decode_event_at(static_cast<std::uint8_t>(i), d));
    EV_TRY_CTX(kEventNames[i], d.finish());
    return e;
  }
  return make_error(VaultErrc::UnknownEvent, "no event named '" + std::string(name) + "'");
}

}  // namespace ev::vault
