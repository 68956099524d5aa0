// Hostile bytes into evidence recognition: JSON bundles, hex/base64 text, simulated reports,
// DCAP collateral JSON and PCS response bodies. Property: no crash; a verified simulated report
// is never tee_verified.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "ev/attestation/evidence.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ev::ByteSpan in(data, size);
  ev::attestation::VerifyOptions opts;
  opts.at = 1750000000;
  auto r = ev::attestation::verify_evidence(in, opts);
  if (r.ok() && r->platform == ev::attestation::Platform::Simulated && r->tee_verified) {
    std::abort();
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ev::attestation::dcap_collateral_from_json(text);
  (void)ev::attestation::pcs_signed_body(text, "tcbInfo");
  return 0;
}
