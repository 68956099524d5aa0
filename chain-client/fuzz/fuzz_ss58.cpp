// Arbitrary bytes as an SS58 address, a base58 string, an account id and a hasher name.
// Never crashes; every success re-encodes to exactly the input; every failure says why.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ev/chain/ss58.hpp"
#include "ev/chain/storage_key.hpp"

namespace {

void check_address(std::string_view text) {
  auto decoded = ev::chain::ss58_decode(text);
  if (!decoded.ok()) {
    EV_ASSERT(decoded.error().domain == "ss58" && !decoded.error().message.empty(),
              "an ss58 error must name its domain and say why");
    return;
  }
  EV_ASSERT(decoded->prefix <= ev::chain::kSs58MaxPrefix, "decoded prefix out of range");
  auto again = ev::chain::ss58_encode(decoded->payload, decoded->prefix);
  EV_ASSERT(again.ok(), "a decoded address must re-encode");
  EV_ASSERT(*again == text, "re-encoding a decoded address must give the same text");

  auto id = ev::chain::parse_account_id(text, decoded->prefix);
  EV_ASSERT(id.ok() == (decoded->payload.size() == 32),
            "parse_account_id must accept exactly the 32-byte payloads");
}

void check_base58(std::string_view text) {
  if (text.size() > 256) return;  // decoding is quadratic; long inputs add nothing
  auto bytes = ev::chain::base58_decode(text);
  if (bytes.ok()) {
    EV_ASSERT(ev::chain::base58_encode(*bytes) == text, "base58 decoding must be canonical");
  }
}

void check_hasher(std::string_view text) {
  auto h = ev::chain::parse_hasher(text);
  if (!h.ok()) return;
  std::string_view name = ev::chain::name(*h);
  EV_ASSERT(name.size() == text.size(), "a parsed hasher name has the length of its spelling");
  EV_ASSERT(ev::chain::parse_hasher(name).ok(), "a hasher's own name must parse");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  check_address(text);
  check_base58(text);
  check_hasher(text);
  if (size > 2 && text.substr(0, 2) == "0x") (void)ev::chain::parse_account_id(text);
  return 0;
}
