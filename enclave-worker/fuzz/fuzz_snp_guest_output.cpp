// Fuzzes the decoders of what an SEV-SNP guest reads from its hardware (hardware_platform.hpp):
// the certificate table (/dev/sev-guest's certificate buffer, configfs-tsm's auxblob), the
// MSG_REPORT_RSP response and the report fields. Decoded certificates lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/enclave/hardware_platform.hpp"

using namespace ev;
using namespace ev::enclave;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteSpan in(data, size);
  if (auto t = parse_snp_cert_table(in); t.ok()) {
    if (t->vcek.size() > size || t->ask.size() > size || t->ark.size() > size) std::abort();
  }
  if (auto r = parse_snp_report_response(in); r.ok()) {
    if (r->size() != 1184) std::abort();
    if (auto f = snp_report_fields(*r); !f.ok() || f->report_data.size() != 64) std::abort();
  }
  return 0;
}
