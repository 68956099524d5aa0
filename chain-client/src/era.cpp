// sp_runtime::generic::Era. Format: docs/formats/scale.md (section "Era").
#include "ev/chain/era.hpp"

#include <algorithm>
#include <bit>
#include <limits>
#include <string>

namespace ev::chain {
namespace {

constexpr std::uint64_t kMinPeriod = 4;
constexpr std::uint64_t kMaxPeriod = std::uint64_t{1} << 16;

std::uint64_t quantize_factor(std::uint64_t period) {
  return std::max<std::uint64_t>(period >> 12, 1);
}

}  // namespace

Era Era::mortal(std::uint64_t period, std::uint64_t current_block) {
  const std::uint64_t p =
      std::clamp(std::bit_ceil(std::min(period, kMaxPeriod)), kMinPeriod, kMaxPeriod);
  const std::uint64_t q = quantize_factor(p);
  return Era(p, current_block % p / q * q);
}

Result<Era> Era::from_parts(std::uint64_t period, std::uint64_t phase) {
  const bool ok = std::has_single_bit(period) && period >= kMinPeriod && period <= kMaxPeriod &&
                  phase < period && phase % quantize_factor(period) == 0;
  if (!ok) {
    return make_error(scale::Errc::InvalidEra,
                      "period " + std::to_string(period) + ", phase " + std::to_string(phase));
  }
  return Era(period, phase);
}

std::uint64_t Era::birth(std::uint64_t current) const {
  if (is_immortal()) return 0;
  return (std::max(current, phase_) - phase_) / period_ * period_ + phase_;
}

std::uint64_t Era::death(std::uint64_t current) const {
  if (is_immortal()) return std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t b = birth(current);
  const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  return b > max - period_ ? max : b + period_;
}

void Era::encode(scale::Encoder& e) const {
  if (is_immortal()) {
    e.u8(0);
    return;
  }
  const auto low =
      std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::countr_zero(period_)) - 1, 1, 15);
  e.u16(static_cast<std::uint16_t>(low | (phase_ / quantize_factor(period_)) << 4));
}

Result<Era> Era::decode(scale::Decoder& d) {
  const std::size_t at = d.pos();
  const std::uint8_t first = EV_TRY(d.u8());
  if (first == 0) return Era::immortal();
  const std::uint8_t second = EV_TRY(d.u8());
  const std::uint64_t encoded = first | std::uint64_t{second} << 8;
  const std::uint64_t period = std::uint64_t{2} << (encoded % 16);
  const std::uint64_t phase = (encoded >> 4) * quantize_factor(period);
  if (period < kMinPeriod || phase >= period) {
    return d.error_at(
        scale::Errc::InvalidEra, at,
        "mortal period " + std::to_string(period) + ", phase " + std::to_string(phase));
  }
  return Era(period, phase);
}

}  // namespace ev::chain
