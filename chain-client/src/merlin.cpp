// STROBE-128 and merlin transcripts. Format notes: docs/formats/keys.md#merlin-transcripts.
#include "ev/chain/merlin.hpp"

#include <nettle/sha3.h>
#include <sodium.h>

#include <string>

#include "ev/common/result.hpp"

namespace ev::chain {
namespace {

constexpr std::uint8_t kStrobeR = 166;  // rate in bytes for 128-bit security, minus 2
constexpr std::uint8_t kFlagI = 1;
constexpr std::uint8_t kFlagA = 1 << 1;
constexpr std::uint8_t kFlagC = 1 << 2;
constexpr std::uint8_t kFlagT = 1 << 3;
constexpr std::uint8_t kFlagM = 1 << 4;
constexpr std::uint8_t kFlagK = 1 << 5;

ByteSpan text(std::string_view s) { return as_bytes(s); }

std::array<std::uint8_t, 4> le32(std::size_t n) {
  EV_ASSERT(n <= UINT32_MAX, "merlin message longer than 4 GiB");
  auto v = static_cast<std::uint32_t>(n);
  return {static_cast<std::uint8_t>(v), static_cast<std::uint8_t>(v >> 8),
          static_cast<std::uint8_t>(v >> 16), static_cast<std::uint8_t>(v >> 24)};
}

}  // namespace

void keccak_f1600(std::span<std::uint8_t, 200> state) {
  sha3_state lanes{};
  for (std::size_t i = 0; i < 25; ++i) {
    std::uint64_t v = 0;
    for (std::size_t b = 0; b < 8; ++b) v |= std::uint64_t{state[8 * i + b]} << (8 * b);
    lanes.a[i] = v;
  }
  sha3_permute(&lanes);
  for (std::size_t i = 0; i < 25; ++i) {
    for (std::size_t b = 0; b < 8; ++b) {
      state[8 * i + b] = static_cast<std::uint8_t>(lanes.a[i] >> (8 * b));
    }
  }
  sodium_memzero(&lanes, sizeof lanes);
}

Strobe128::Strobe128(ByteSpan protocol_label) {
  std::uint8_t* st = state_.data();
  const std::array<std::uint8_t, 6> head = {1, kStrobeR + 2, 1, 0, 1, 96};
  std::copy(head.begin(), head.end(), st);
  const std::string_view version = "STROBEv1.0.2";
  std::copy(version.begin(), version.end(), st + head.size());
  keccak_f1600(state_.mut());
  meta_ad(protocol_label, false);
}

void Strobe128::meta_ad(ByteSpan data, bool more) {
  begin_op(kFlagM | kFlagA, more);
  absorb(data);
}

void Strobe128::ad(ByteSpan data, bool more) {
  begin_op(kFlagA, more);
  absorb(data);
}

void Strobe128::prf(std::span<std::uint8_t> out, bool more) {
  begin_op(kFlagI | kFlagA | kFlagC, more);
  squeeze(out);
}

void Strobe128::key(ByteSpan data, bool more) {
  begin_op(kFlagA | kFlagC, more);
  overwrite(data);
}

void Strobe128::run_f() {
  std::uint8_t* st = state_.data();
  st[pos_] ^= pos_begin_;
  st[pos_ + 1] ^= 0x04;
  st[kStrobeR + 1] ^= 0x80;
  keccak_f1600(state_.mut());
  pos_ = 0;
  pos_begin_ = 0;
}

void Strobe128::absorb(ByteSpan data) {
  for (std::uint8_t b : data) {
    state_.data()[pos_] ^= b;
    if (++pos_ == kStrobeR) run_f();
  }
}

void Strobe128::overwrite(ByteSpan data) {
  for (std::uint8_t b : data) {
    state_.data()[pos_] = b;
    if (++pos_ == kStrobeR) run_f();
  }
}

void Strobe128::squeeze(std::span<std::uint8_t> out) {
  for (std::uint8_t& b : out) {
    b = state_.data()[pos_];
    state_.data()[pos_] = 0;
    if (++pos_ == kStrobeR) run_f();
  }
}

void Strobe128::begin_op(std::uint8_t flags, bool more) {
  if (more) {
    EV_ASSERT(cur_flags_ == flags, "STROBE: an operation continued with other flags");
    return;
  }
  EV_ASSERT((flags & kFlagT) == 0, "STROBE: transport operations are not supported");
  const std::uint8_t old_begin = pos_begin_;
  pos_begin_ = static_cast<std::uint8_t>(pos_ + 1);
  cur_flags_ = flags;
  const std::array<std::uint8_t, 2> op = {old_begin, flags};
  absorb(op);
  const bool force_f = (flags & (kFlagC | kFlagK)) != 0;
  if (force_f && pos_ != 0) run_f();
}

MerlinTranscript::MerlinTranscript(std::string_view label) : strobe_(text("Merlin v1.0")) {
  append_message("dom-sep", text(label));
}

void MerlinTranscript::append_message(std::string_view label, ByteSpan message) {
  strobe_.meta_ad(text(label), false);
  strobe_.meta_ad(le32(message.size()), true);
  strobe_.ad(message, false);
}

void MerlinTranscript::challenge_bytes(std::string_view label, std::span<std::uint8_t> out) {
  strobe_.meta_ad(text(label), false);
  strobe_.meta_ad(le32(out.size()), true);
  strobe_.prf(out, false);
}

MerlinRng MerlinTranscript::build_rng() const { return MerlinRng(strobe_); }

void MerlinRng::rekey_with_witness(std::string_view label, ByteSpan witness) {
  strobe_.meta_ad(text(label), false);
  strobe_.meta_ad(le32(witness.size()), true);
  strobe_.key(witness, false);
}

void MerlinRng::finalize(std::span<const std::uint8_t, 32> randomness) {
  strobe_.meta_ad(text("rng"), false);
  strobe_.key(randomness, false);
}

void MerlinRng::fill(std::span<std::uint8_t> out) {
  strobe_.meta_ad(le32(out.size()), false);
  strobe_.prf(out, false);
}

}  // namespace ev::chain
