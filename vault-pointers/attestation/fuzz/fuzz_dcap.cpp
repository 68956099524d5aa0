// Hostile bytes into the DCAP quote parser and verifier (no collateral: quote, QE report,
// binding and PCK chain). Property: no crash; an accepted quote names SGX or TDX.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/attestation/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ev::attestation::DcapEvidence ev{ev::Bytes(data, data + size), std::nullopt};
  ev::attestation::VerifyOptions opts;
  opts.at = 1750000000;
  opts.allow_no_collateral = true;
  auto r = ev::attestation::verify_dcap(ev, opts);
  if (r.ok() && r->platform != ev::attestation::Platform::Sgx &&
      r->platform != ev::attestation::Platform::Tdx) {
    std::abort();
  }
  return 0;
}
