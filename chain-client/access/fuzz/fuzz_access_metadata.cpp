// Runtime::decode (the minimal metadata reading of the fixed-layout chain access) on untrusted
// bytes, then every look-up the rotation worker makes on what it accepted.
#include <cstddef>
#include <cstdint>

#include "ev/chain/access.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto rt = ev::chain::access::Runtime::decode(ev::ByteSpan(data, size));
  if (!rt) return 0;
  (void)ev::chain::access::Extensions::of(*rt);
  (void)rt->call("VaultPointers", "rotate_epoch");
  (void)rt->call("Utility", "batch_all");
  (void)rt->error_name(0, 0);
  // The accepted metadata's own events reader on a few fixed inputs.
  const std::uint8_t events[] = {0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
  (void)rt->extrinsic_events(ev::ByteSpan(events, sizeof events), 0);
  return 0;
}
