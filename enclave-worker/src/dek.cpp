// DEK generation and wrapping: docs/formats/envelope.md, "Wrapped DEK".
#include "ev/enclave/dek.hpp"

#include <algorithm>
#include <string>

#include "crypto_internal.hpp"
#include "ev/chain/scale.hpp"
#include "ev/common/digest.hpp"
#include "ev/enclave/errors.hpp"

namespace ev::enclave {
namespace {

constexpr std::string_view kWrapDomain = "epochvault/dek/v1";
constexpr std::size_t kOffNonce = 1;
constexpr std::size_t kOffCipher = kOffNonce + detail::kGcmNonceSize;  // 13
constexpr std::size_t kOffTag = kOffCipher + 32;                       // 45
static_assert(kOffTag + detail::kGcmTagSize == kWrappedDekSize);

Bytes wrap_aad(const Wallet& wallet, std::uint32_t epoch) {
  Bytes prefix(kWrapDomain.begin(), kWrapDomain.end());
  scale::Encoder e(std::move(prefix));
  e.u8(kWrappedDekVersion).raw(wallet).u32(epoch);
  return e.take();
}

}  // namespace

DekId dek_id_of(ByteSpan wrapped) {
  const ByteArray<32> h = sha256(wrapped);
  DekId id{};
  std::copy_n(h.begin(), kDekIdSize, id.begin());
  return id;
}

Result<Secret<32>> generate_dek(Rng& rng) {
  Secret<32> dek;
  EV_TRY(rng.random(dek.mut()));
  return dek;
}

Result<Bytes> wrap_dek(const Key256& shielding, const Secret<32>& dek, const Wallet& wallet,
                       std::uint32_t epoch, Rng& rng) {
  Bytes out(kWrappedDekSize);
  out[0] = kWrappedDekVersion;
  std::span<std::uint8_t> nonce(out.data() + kOffNonce, detail::kGcmNonceSize);
  EV_TRY(rng.random(nonce));
  const Bytes aad = wrap_aad(wallet, epoch);
  EV_TRY(detail::gcm_encrypt(shielding.view(), nonce, {aad}, dek.view(),
                             std::span<std::uint8_t>(out.data() + kOffCipher, 32),
                             std::span<std::uint8_t>(out.data() + kOffTag, detail::kGcmTagSize)));
  return out;
}

Result<Dek> unwrap_dek(const Key256& shielding, ByteSpan wrapped, const Wallet& wallet,
                       std::uint32_t epoch) {
  if (wrapped.empty()) return make_error(Errc::Malformed, "wrapped DEK: empty");
  if (wrapped[0] != kWrappedDekVersion) {
    return make_error(Errc::Unsupported,
                      "wrapped DEK: at offset 0: version " + std::to_string(wrapped[0]));
  }
  if (wrapped.size() != kWrappedDekSize) {
    return make_error(Errc::Malformed, "wrapped DEK: " + std::to_string(wrapped.size()) +
                                           " bytes, expected " + std::to_string(kWrappedDekSize));
  }
  Dek dek;
  const Bytes aad = wrap_aad(wallet, epoch);
  EV_TRY_CTX(
      "unwrapping DEK for epoch " + std::to_string(epoch),
      detail::gcm_decrypt(shielding.view(), wrapped.subspan(kOffNonce, detail::kGcmNonceSize),
                          {aad}, wrapped.subspan(kOffCipher, 32),
                          wrapped.subspan(kOffTag, detail::kGcmTagSize), dek.key.mut()));
  dek.id = dek_id_of(wrapped);
  return dek;
}

Result<NewDek> new_epoch_dek(const Key256& shielding, const Wallet& wallet, std::uint32_t epoch,
                             Rng& rng) {
  NewDek out;
  out.dek.key = EV_TRY(generate_dek(rng));
  out.wrapped = EV_TRY(wrap_dek(shielding, out.dek.key, wallet, epoch, rng));
  out.dek.id = dek_id_of(out.wrapped);
  return out;
}

}  // namespace ev::enclave
