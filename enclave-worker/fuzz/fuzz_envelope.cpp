// Fuzzes the strict envelope parser and open_blob (docs/formats/envelope.md), and checks that
// every input sealed as a credential opens back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "ev/enclave/envelope.hpp"

using namespace ev;
using namespace ev::enclave;

namespace {

Dek fixed_dek() {
  Dek d;
  for (auto& b : d.key.mut()) b = 0x11;
  d.id = {1, 2, 3, 4, 5, 6, 7, 8};
  return d;
}

BlobContext fixed_ctx() {
  BlobContext c;
  c.wallet.fill(0x22);
  c.service = "github";
  c.epoch = 7;
  c.blob_id.fill(0x33);
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Dek dek = fixed_dek();
  static const BlobContext ctx = fixed_ctx();
  const ByteSpan in(data, size);
  auto view = parse_envelope(in);
  if (view.ok()) {
    if (view->ciphertext.size() + kEnvelopeOverhead != size) std::abort();
    if (view->header.size() != kEnvelopeHeaderSize) std::abort();
  }
  auto opened = open_blob(dek, ctx, in);
  if (opened.ok() && !view.ok()) std::abort();
  if (size <= kMaxCredentialSize) {
    SystemRng rng;
    auto sealed = seal_blob(dek, ctx, in, rng);
    if (!sealed.ok()) std::abort();
    auto back = open_blob(dek, ctx, *sealed);
    if (!back.ok() || !back->equals(in)) std::abort();
  }
  return 0;
}
