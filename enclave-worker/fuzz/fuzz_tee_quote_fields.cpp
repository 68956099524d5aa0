// Fuzzes the readers of configfs-tsm and Gramine output (hardware_platform.hpp): the fields of a
// DCAP quote (SGX and TDX) and the generation attribute. Decoded report data is 64 bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/enclave/hardware_platform.hpp"

using namespace ev;
using namespace ev::enclave;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan in(data, size);
  for (HardwareKind k : {HardwareKind::Sgx, HardwareKind::Tdx}) {
    if (auto f = dcap_quote_fields(in, k); f.ok() && f->report_data.size() != 64) std::abort();
  }
  (void)parse_tsm_generation(in);
  return 0;
}
