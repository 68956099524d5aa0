// Arbitrary bytes as a GRANDPA justification, a header and an FRNK consensus log. Never crashes; a
// decoded value re-encodes to exactly its input; verification of a decoded justification against a
// small set fails cleanly (the fuzzer cannot forge ed25519 signatures).
#include <cstddef>
#include <cstdint>

#include "ev/chain/grandpa.hpp"

namespace {

namespace grandpa = ev::chain::grandpa;

void check_error(const ev::Error& e) {
  EV_ASSERT(e.domain == "grandpa" && !e.message.empty(), "a grandpa error must say why");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ev::ByteSpan in(data, size);
  auto j = grandpa::decode_justification(in);
  if (j.ok()) {
    EV_ASSERT(grandpa::encode_justification(*j) == ev::Bytes(in.begin(), in.end()),
              "justification decoding must be canonical");
    grandpa::AuthoritySet set;
    set.set_id = 1;
    set.authorities.push_back({ev::chain::H256{}, 1});
    auto r = grandpa::verify_justification(*j, set, j->commit.target_hash, j->commit.target_number);
    if (!r.ok()) check_error(r.error());
  } else {
    check_error(j.error());
  }
  auto log = grandpa::decode_consensus_log(in);
  if (log.ok()) {
    EV_ASSERT(grandpa::encode_consensus_log(*log) == ev::Bytes(in.begin(), in.end()),
              "consensus log decoding must be canonical");
  } else {
    check_error(log.error());
  }
  auto h = grandpa::decode_header(in);
  if (h.ok()) {
    EV_ASSERT(grandpa::encode_header(*h) == ev::Bytes(in.begin(), in.end()),
              "header decoding must be canonical");
  } else {
    check_error(h.error());
  }
  return 0;
}
