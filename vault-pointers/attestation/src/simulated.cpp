// The simulated platform's attestation report (layout in docs/enclave.md, "Attestation
// report"): checked for structure and for its ed25519 signature by the key it embeds. It proves
// nothing about hardware, so the result is never tee_verified.
#include <algorithm>
#include <cstring>
#include <ctime>

#include "crypto_internal.hpp"
#include "ev/attestation/verify.hpp"

namespace ev::attestation {
namespace {

using detail::fail;

constexpr std::string_view kMagic = "EVSIMREP";
constexpr std::string_view kMarker = "SIMULATED-NOT-HARDWARE-BACKED";
constexpr std::size_t kOffVersion = 8;
constexpr std::size_t kOffMarker = 9;
constexpr std::size_t kOffMeasurement = 38;
constexpr std::size_t kOffSigner = 86;
constexpr std::size_t kOffSecurityVersion = 118;
constexpr std::size_t kOffDataLen = 122;
constexpr std::size_t kOffData = 123;
constexpr std::size_t kOffKey = 187;
constexpr std::size_t kOffSig = 219;
constexpr std::size_t kSize = 283;

}  // namespace

Result<Verified> verify_simulated(ByteSpan r, const VerifyOptions& opts) {
  if (r.size() < kSize) {
    return fail(Errc::Truncated, "simulated report",
                std::to_string(r.size()) + " bytes, expected 283");
  }
  if (r.size() > kSize) {
    return fail(Errc::TrailingData, "simulated report",
                std::to_string(r.size() - kSize) + " bytes after the report");
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), r.begin())) {
    return fail(Errc::Malformed, "simulated report", "magic is not EVSIMREP");
  }
  if (r[kOffVersion] != 1) {
    return fail(Errc::Unsupported, "simulated report", "version " + std::to_string(r[kOffVersion]));
  }
  if (!std::equal(kMarker.begin(), kMarker.end(), r.begin() + kOffMarker)) {
    return fail(Errc::Malformed, "simulated report", "no simulated marker");
  }
  const std::size_t len = r[kOffDataLen];
  if (len > 64) return fail(Errc::Malformed, "simulated report", "report data length above 64");
  if (std::any_of(r.begin() + static_cast<std::ptrdiff_t>(kOffData + len), r.begin() + kOffKey,
                  [](std::uint8_t b) { return b != 0; })) {
    return fail(Errc::Malformed, "simulated report", "non-zero report data padding");
  }
  if (!detail::ed25519_verify(r.subspan(kOffKey, 32), r.first(kOffSig), r.subspan(kOffSig, 64))) {
    return fail(Errc::BadSignature, "simulated report signature",
                "ed25519 by the embedded platform key does not verify");
  }
  Verified out;
  out.platform = Platform::Simulated;
  out.measurements.push_back(
      {"MEASUREMENT", Bytes(r.begin() + kOffMeasurement, r.begin() + kOffSigner)});
  out.measurements.push_back(
      {"SIGNER", Bytes(r.begin() + kOffSigner, r.begin() + kOffSecurityVersion)});
  out.measurements.push_back({"PLATFORM_KEY", Bytes(r.begin() + kOffKey, r.begin() + kOffSig)});
  out.report_data.assign(r.begin() + kOffData,
                         r.begin() + static_cast<std::ptrdiff_t>(kOffData + len));
  out.tcb_status = "Simulated";
  out.verified_at = opts.at.value_or(static_cast<std::int64_t>(std::time(nullptr)));
  out.tee_verified = false;
  out.checks = {"report structure", "ed25519 signature by the embedded platform key"};
  out.notes.push_back("security version " +
                      std::to_string(detail::le32(r.data() + kOffSecurityVersion)));
  out.notes.push_back("simulated platform: not backed by hardware");
  return out;
}

}  // namespace ev::attestation
