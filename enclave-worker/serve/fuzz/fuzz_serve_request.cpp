// The serve API's request parsers over arbitrary bytes: bodies of the three JSON requests and
// the path segments (service, credential name), the PUT body's optional readers, and the login
// challenge text a client parses before signing (only the exact text serve formats parses). None
// may crash, hang or accept what it must refuse; an accepted credential is never over the limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ev/chain/challenge.hpp"
#include "ev/enclave/envelope.hpp"
#include "ev/worker/requests.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)ev::worker::parse_challenge_request(in);
  if (auto t = ev::worker::parse_token_request(in)) {
    if (t->signature.size() > 100) __builtin_trap();
  }
  if (auto p = ev::worker::parse_put_request(in)) {
    if (p->size() > ev::enclave::kMaxCredentialSize) __builtin_trap();
  }
  if (auto c = ev::chain::parse_login_challenge(in)) {
    if (ev::chain::format_login_challenge(*c) != in) __builtin_trap();
  }
  (void)ev::worker::parse_wallet(in);
  if (auto s = ev::worker::parse_service(in)) {
    if (s->empty() || s->size() > 64) __builtin_trap();
  }
  if (auto e = ev::worker::parse_put_extras(in)) {
    if (e->readers.size() > ev::vault::ReaderList::kBound) __builtin_trap();
  }
  if (auto n = ev::worker::parse_credential_name(in)) {
    if (n->empty() || n->size() > 64) __builtin_trap();
  }
  return 0;
}
