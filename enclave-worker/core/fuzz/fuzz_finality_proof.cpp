// Arbitrary bytes as grandpa_proveFinality's FinalityProof, then its justification. Never
// crashes; a failure names the grandpa domain and says why; a decoded proof keeps the block hash
// and the justification bytes it was given.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "ev/chain/grandpa.hpp"
#include "ev/worker/verified_state.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ev::ByteSpan in(data, size);
  auto p = ev::worker::decode_finality_proof(in);
  if (!p.ok()) {
    EV_ASSERT(p.error().domain == "grandpa" && !p.error().message.empty(),
              "a grandpa error must say why");
    return 0;
  }
  EV_ASSERT(size >= 32 && std::equal(p->block.begin(), p->block.end(), data),
            "the block hash is the first 32 bytes");
  EV_ASSERT(p->justification.size() <= size - 32, "justification longer than the input");
  auto j = ev::chain::grandpa::decode_justification(p->justification);
  if (!j.ok()) EV_ASSERT(j.error().domain == "grandpa", "a grandpa error must say why");
  return 0;
}
