// Transaction longevity: sp_runtime::generic::Era. Format: docs/formats/scale.md (section
// "Era").
//
// An era is immortal, or mortal with a period (a power of two in 4..65536) and a phase
// (< period, a multiple of max(period >> 12, 1)). A mortal transaction is valid from its
// birth block (the latest block <= current whose number is congruent to phase modulo period)
// until death = birth + period (exclusive); it signs the hash of the birth block.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ev/chain/scale.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

class Era {
 public:
  static constexpr std::size_t kScaleMinSize = 1;

  // Immortal.
  Era() = default;
  [[nodiscard]] static Era immortal() { return {}; }
  // Mortal era for a transaction built at `current_block`, valid for about `period` blocks:
  // period is rounded up to a power of two and clamped to 4..65536; phase = current % period,
  // rounded down to a multiple of max(period >> 12, 1).
  [[nodiscard]] static Era mortal(std::uint64_t period, std::uint64_t current_block);
  // A mortal era from its canonical parts; InvalidEra unless period is a power of two in
  // 4..65536 and phase < period is a multiple of max(period >> 12, 1).
  [[nodiscard]] static Result<Era> from_parts(std::uint64_t period, std::uint64_t phase);

  [[nodiscard]] bool is_immortal() const { return period_ == 0; }
  [[nodiscard]] std::uint64_t period() const { return period_; }  // 0 when immortal
  [[nodiscard]] std::uint64_t phase() const { return phase_; }    // 0 when immortal

  // First block of validity, given a block number at or after it: 0 when immortal, else
  // (max(current, phase) - phase) / period * period + phase.
  [[nodiscard]] std::uint64_t birth(std::uint64_t current) const;
  // First block past validity: birth(current) + period (saturating), or UINT64_MAX when
  // immortal.
  [[nodiscard]] std::uint64_t death(std::uint64_t current) const;

  // 0x00 when immortal; else u16 LE: (trailing_zeros(period) - 1) | (phase / q) << 4.
  void encode(scale::Encoder& e) const;
  // Rejects (InvalidEra) a mortal encoding with period < 4 or phase >= period.
  [[nodiscard]] static Result<Era> decode(scale::Decoder& d);

  friend bool operator==(const Era&, const Era&) = default;

 private:
  Era(std::uint64_t period, std::uint64_t phase) : period_(period), phase_(phase) {}

  std::uint64_t period_ = 0;  // 0: immortal
  std::uint64_t phase_ = 0;
};

}  // namespace ev::chain
