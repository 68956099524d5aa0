// The event reader of the fixed-layout chain access on untrusted System.Events values, against
// the dev node's metadata: the first byte picks the extrinsic index, the rest is the value; every
// event found has its DispatchError / Result read as the rotation worker reads them.
#include <cstddef>
#include <cstdint>

#include "ev/chain/access.hpp"
#include "ev/chain/metadata_builder.hpp"
#include "ev/devnode/runtime.hpp"

namespace {

const ev::chain::access::Runtime& runtime() {
  static const auto rt = [] {
    const auto md = ev::devnode::build_runtime_metadata(ev::devnode::RuntimeVersion{}).value();
    return ev::chain::access::Runtime::decode(ev::chain::encode_metadata(md, 14).value()).value();
  }();
  return rt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto& rt = runtime();
  auto events = rt.extrinsic_events(ev::ByteSpan(data + 1, size - 1), data[0]);
  if (!events) return 0;
  for (const auto& e : *events) {
    if (e.variant->fields.empty()) continue;
    ev::scale::Decoder d(e.fields);
    (void)rt.dispatch_error(e.variant->fields[0], d);
    ev::scale::Decoder d2(e.fields);
    (void)rt.read_variant(e.variant->fields[0], d2);
  }
  return 0;
}
