// Fuzzes the decoders of the Nitro Secure Module's answers (hardware_platform.hpp): the
// Attestation and DescribePCR responses read from /dev/nsm. A decoded document is never empty;
// a decoded PCR is always 48 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/enclave/hardware_platform.hpp"

using namespace ev;
using namespace ev::enclave;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan in(data, size);
  if (auto doc = parse_nsm_attestation_response(in); doc.ok() && doc->empty()) std::abort();
  if (auto pcr = parse_nsm_describe_pcr_response(in); pcr.ok() && pcr->size() != 48) std::abort();
  return 0;
}
