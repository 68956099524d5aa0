// encode_runtime_call over the full metadata model (kept apart from calls.cpp so that programs
// encoding calls through the fixed-layout chain access do not link the metadata model).
#include <string>

#include "ev/chain/metadata.hpp"
#include "ev/chain/scale.hpp"
#include "ev/vault/calls.hpp"

namespace ev::vault {

Result<Bytes> encode_runtime_call(const chain::Metadata& md, const Call& c) {
  const std::string_view name = call_name(c);
  auto info = md.call(kPalletName, name);
  if (!info) {
    return make_error(VaultErrc::Metadata, info.error().message);
  }
  const std::size_t expected = call_arg_count(c);
  if (info->variant == nullptr || info->variant->fields.size() != expected) {
    return make_error(VaultErrc::Metadata, std::string(kPalletName) + "." + std::string(name) +
                                               ": metadata lists a different argument count");
  }
  scale::Encoder e;
  e.u8(info->pallet_index).u8(info->call_index);
  std::visit([&e](const auto& x) { scale::encode(e, x); }, c);
  return e.take();
}

}  // namespace ev::vault
