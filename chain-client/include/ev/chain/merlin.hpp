// Merlin transcripts (merlin 3.x, "Merlin v1.0") over STROBE-128 with the Keccak-f[1600]
// permutation, as schnorrkel (sr25519) uses them. Only the operations merlin needs are
// provided: meta-AD, AD, PRF and KEY. Format notes: docs/formats/keys.md#merlin-transcripts.
//
// Thread safety: values; no shared state. Every state buffer is wiped on destruction.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "ev/common/bytes.hpp"
#include "ev/common/secret.hpp"

namespace ev::chain {

// The Keccak-f[1600] permutation on a 200-byte state (lanes little-endian, as in FIPS 202).
void keccak_f1600(std::span<std::uint8_t, 200> state);

// A buffer wiped on destruction but not locked in memory: transcripts and nonces live for one
// signature, and locking them would cost two system calls each time (as ed25519 signing in
// keys_ed25519.cpp avoids too). Long-lived secrets stay in Secret<N>.
template <std::size_t N>
class Wiped {
 public:
  Wiped() = default;
  Wiped(const Wiped&) = default;
  Wiped(Wiped&&) noexcept = default;
  Wiped& operator=(const Wiped&) = default;
  Wiped& operator=(Wiped&&) noexcept = default;
  ~Wiped() { ev::detail::secure_wipe(bytes_.data(), N); }

  std::uint8_t* data() { return bytes_.data(); }
  [[nodiscard]] const std::uint8_t* data() const { return bytes_.data(); }
  std::span<std::uint8_t, N> mut() { return bytes_; }
  [[nodiscard]] std::span<const std::uint8_t, N> view() const { return bytes_; }

 private:
  std::array<std::uint8_t, N> bytes_{};
};

// STROBE-128 (version 1.0.2), the subset merlin uses; `more` continues the previous operation.
class Strobe128 {
 public:
  explicit Strobe128(ByteSpan protocol_label);

  void meta_ad(ByteSpan data, bool more);
  void ad(ByteSpan data, bool more);
  void prf(std::span<std::uint8_t> out, bool more);
  void key(ByteSpan data, bool more);

 private:
  void run_f();
  void absorb(ByteSpan data);
  void overwrite(ByteSpan data);
  void squeeze(std::span<std::uint8_t> out);
  void begin_op(std::uint8_t flags, bool more);

  Wiped<200> state_;
  std::uint8_t pos_ = 0;
  std::uint8_t pos_begin_ = 0;
  std::uint8_t cur_flags_ = 0;
};

class MerlinRng;

// A merlin transcript: Transcript::new / append_message / challenge_bytes / build_rng.
class MerlinTranscript {
 public:
  explicit MerlinTranscript(std::string_view label);

  void append_message(std::string_view label, ByteSpan message);
  void challenge_bytes(std::string_view label, std::span<std::uint8_t> out);

  // TranscriptRngBuilder: a copy of the transcript state, rekeyed with witness bytes (secret
  // inputs) and finally with 32 bytes of external randomness.
  [[nodiscard]] MerlinRng build_rng() const;

 private:
  friend class MerlinRng;
  Strobe128 strobe_;
};

class MerlinRng {
 public:
  // rekey_with_witness_bytes(label, witness).
  void rekey_with_witness(std::string_view label, ByteSpan witness);
  // finalize(rng): mixes in 32 bytes of randomness (normally from the OS).
  void finalize(std::span<const std::uint8_t, 32> randomness);
  // fill_bytes.
  void fill(std::span<std::uint8_t> out);

 private:
  friend class MerlinTranscript;
  explicit MerlinRng(const Strobe128& strobe) : strobe_(strobe) {}
  Strobe128 strobe_;
};

}  // namespace ev::chain
