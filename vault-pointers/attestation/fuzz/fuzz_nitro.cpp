// Hostile bytes into the Nitro verifier (CBOR, COSE_Sign1, payload fields, certificates).
// Property: no crash; an accepted document has PCR0-2 and a verification time.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/attestation/verify.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ev::attestation::VerifyOptions opts;
  opts.allow_debug = true;
  auto r = ev::attestation::verify_nitro(ev::ByteSpan(data, size), opts);
  if (r.ok() && (r->measurements.size() < 3 || r->verified_at == 0)) std::abort();
  return 0;
}
