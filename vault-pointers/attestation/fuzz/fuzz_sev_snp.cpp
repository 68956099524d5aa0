// Hostile bytes into the SEV-SNP verifier. Bytes 0-1 (LE) give the VCEK length; then the VCEK,
// then the report; the ASK/ARK bundle is the pinned Milan ARK's PEM (so chain code runs).
// Property: no crash; nothing forged is accepted.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/attestation/roots.hpp"
#include "ev/attestation/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t vlen = data[0] | (static_cast<std::size_t>(data[1]) << 8);
  if (vlen > size - 2) return 0;
  ev::attestation::SnpEvidence ev;
  ev.vcek_der.assign(data + 2, data + 2 + vlen);
  ev.report.assign(data + 2 + vlen, data + size);
  ev.ask_ark_pem = std::string(ev::attestation::kAmdArkMilanPem);
  ev::attestation::VerifyOptions opts;
  opts.at = 1700000000;
  if (ev::attestation::verify_sev_snp(ev, opts).ok()) std::abort();
  return 0;
}
