// Arbitrary bytes as sr25519 verification inputs: public key (32) || signature (64) || message,
// and the same public key through a public soft derivation. Never crashes; every failure names
// its domain and says why; an accepted signature has the marker bit and stops verifying once
// it is cleared or the message changes.
#include <cstddef>
#include <cstdint>

#include "ev/chain/sr25519.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace sr = ev::chain::sr25519;
  const ev::ByteSpan in(data, size);
  const ev::ByteSpan pub = in.first(size < 32 ? size : 32);
  const ev::ByteSpan rest = in.subspan(pub.size());
  const ev::ByteSpan sig = rest.first(rest.size() < 64 ? rest.size() : 64);
  const ev::ByteSpan msg = rest.subspan(sig.size());

  auto r = sr::verify(pub, msg, sig);
  if (!r.ok()) {
    EV_ASSERT(r.error().domain == "keys" && !r.error().message.empty(),
              "an sr25519 error must name its domain and say why");
  } else {
    EV_ASSERT((sig[63] & 0x80) != 0, "an accepted signature carries the marker bit");
    ev::Bytes unmarked(sig.begin(), sig.end());
    unmarked[63] &= 0x7f;
    EV_ASSERT(!sr::verify(pub, msg, unmarked).ok(), "an unmarked signature must not verify");
    ev::Bytes other(msg.begin(), msg.end());
    other.push_back(0);
    EV_ASSERT(!sr::verify(pub, other, sig).ok(), "a signature verifies one message only");
  }
  // Signatures over arbitrary contexts and a derived public key: no crash, errors say why.
  (void)sr::verify(pub, msg, sig, "");
  sr::ChainCode code{};
  for (std::size_t i = 0; i < code.size() && i < msg.size(); ++i) code[i] = msg[i];
  auto derived = sr::derive_soft_public(pub, code);
  if (derived.ok()) {
    EV_ASSERT(sr::derive_soft_public(*derived, code).ok(), "a derived key is a valid key");
  }
  return 0;
}
