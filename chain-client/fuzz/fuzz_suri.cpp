// Arbitrary bytes as a secret URI, for every scheme. Never crashes; a success yields a key that
// signs and verifies (ed25519, ecdsa and sr25519). The first input byte picks a password override.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ev/chain/keys.hpp"

namespace {

void check(ev::chain::Scheme scheme, std::string_view suri,
           std::optional<std::string_view> password) {
  auto pair = ev::chain::from_suri(scheme, suri, password);
  if (!pair.ok()) {
    EV_ASSERT(!pair.error().message.empty(), "an error must say why");
    return;
  }
  auto msg = ev::as_bytes(suri);
  auto sig = pair->sign(msg);
  EV_ASSERT(sig.ok(), "a derived key must sign");
  EV_ASSERT(ev::chain::verify(scheme, pair->public_key(), msg, *sig).ok(),
            "a derived key's signature must verify");
  EV_ASSERT(ev::chain::verify_for_account(scheme, pair->account_id(), msg, *sig).ok(),
            "a derived key's signature must verify for its account");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::optional<std::string_view> password;
  if (data[0] & 1) password = std::string_view("fuzz");
  std::string_view suri(reinterpret_cast<const char*>(data + 1), size - 1);
  for (auto scheme :
       {ev::chain::Scheme::Ed25519, ev::chain::Scheme::Ecdsa, ev::chain::Scheme::Sr25519}) {
    check(scheme, suri, password);
  }
  return 0;
}
