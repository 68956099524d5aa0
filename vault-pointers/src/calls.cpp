#include "ev/vault/calls.hpp"

#include <array>
#include <string>
#include <tuple>
#include <utility>

namespace ev::vault {

namespace {

constexpr std::array<std::string_view, kCallCount> kCallNames = {
    "approve_measurement", "revoke_measurement", "register_worker", "authorize_agent",
    "revoke_agent",        "open_epoch",         "register_blob",   "reencrypt_blob",
    "remove_blob",         "rotate_epoch",       "destroy_epoch"};

template <std::size_t I>
Result<Call> decode_one(scale::Decoder& d) {
  using T = std::variant_alternative_t<I, Call>;
  auto v = scale::decode<T>(d);
  if (!v) return std::move(v).error().context(kCallNames[I]);
  return Call(std::in_place_index<I>, std::move(v).value());
}

template <std::size_t... I>
Result<Call> decode_indexed(std::uint8_t index, scale::Decoder& d, std::index_sequence<I...>) {
  using Fn = Result<Call> (*)(scale::Decoder&);
  static constexpr Fn kTable[] = {&decode_one<I>...};
  return kTable[index](d);
}

// Number of arguments of each call (fields of its struct), for the metadata shape check.
template <std::size_t... I>
constexpr std::array<std::size_t, kCallCount> arg_counts(std::index_sequence<I...>) {
  return {std::tuple_size_v<
      decltype(std::declval<const std::variant_alternative_t<I, Call>&>().scale_fields())>...};
}
constexpr auto kArgCounts = arg_counts(std::make_index_sequence<kCallCount>{});

}  // namespace

std::uint8_t call_index(const Call& c) { return static_cast<std::uint8_t>(c.index()); }

std::string_view call_name(const Call& c) { return kCallNames[c.index()]; }

std::string_view call_name_at(std::uint8_t index) {
  return index < kCallCount ? kCallNames[index] : std::string_view();
}

Result<std::uint8_t> call_index_of(std::string_view name) {
  for (std::size_t i = 0; i < kCallNames.size(); ++i) {
    if (kCallNames[i] == name) return static_cast<std::uint8_t>(i);
  }
  return make_error(VaultErrc::UnknownCall, "no call named '" + std::string(name) + "'");
}

Bytes encode_args(const Call& c) {
  scale::Encoder e;
  std::visit([&e](const auto& x) { scale::encode(e, x); }, c);
  return e.take();
}

Result<Call> decode_call(std::uint8_t index, scale::Decoder& d) {
  if (index >= kCallCount) {
    return make_error(VaultErrc::UnknownCall,
                      "call index " + std::to_string(index) + " of " + std::to_string(kCallCount));
  }
  return decode_indexed(index, d, std::make_index_sequence<kCallCount>{});
}

Result<Call> decode_pallet_call(ByteSpan bytes) {
  scale::Decoder d(bytes);
  const std::uint8_t index = EV_TRY_CTX("call index", d.u8());
  Call c = EV_TRY(decode_call(index, d));
  EV_TRY_CTX(kCallNames[index], d.finish());
  return c;
}

std::size_t call_arg_count(const Call& c) { return kArgCounts[c.index()]; }

}  // namespace ev::vault
