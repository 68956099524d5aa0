#include "ev/vault/calls_access.hpp"

#include <string>

namespace ev::vault {

Result<Bytes> encode_runtime_call(const chain::access::Runtime& rt, const Call& c) {
  const std::string_view name = call_name(c);
  auto info = rt.call(kPalletName, name);
  if (!info) return make_error(VaultErrc::Metadata, info.error().message);
  if (info->args != call_arg_count(c)) {
    return make_error(VaultErrc::Metadata, std::string(kPalletName) + "." + std::string(name) +
                                               ": metadata lists a different argument count");
  }
  scale::Encoder e;
  e.u8(info->pallet).u8(info->call);
  std::visit([&e](const auto& x) { scale::encode(e, x); }, c);
  return e.take();
}

}  // namespace ev::vault
