// Fuzzes the JSON-RPC reply parser and the decoders that run on what it returns: arbitrary bytes
// must yield a value or an error, never a crash, with memory bounded by JsonLimits.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ev/chain/rpc.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ev::chain;
  const JsonLimits limits{std::size_t{1} << 20, 64, 100000};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto msg = parse_rpc_message(text, limits);
  if (!msg.ok()) return 0;
  if (auto* r = std::get_if<RpcResponse>(&*msg)) {
    if (auto* info = std::get_if<RpcErrorInfo>(&r->outcome)) {
      // The error's parts survive the trip through an ev::Error message.
      const auto back = rpc_error_info(make_server_error("fuzz_method", *info));
      EV_ASSERT(back.has_value() && *back == *info, "server error does not round-trip");
      (void)classify_tx_rejection(*info);
      return 0;
    }
    const JsonValue& v = std::get<JsonValue>(r->outcome);
    (void)decode_header(v);
    (void)decode_runtime_version(v);
    (void)decode_u64(v, "result");
    (void)classify_validity_json(v);
    if (auto s = decode_tx_status(v); s.ok()) (void)tx_status_name(*s);
    return 0;
  }
  const auto& n = std::get<RpcNotification>(*msg);
  if (auto s = decode_tx_status(n.result); s.ok()) (void)is_terminal(*s);
  (void)decode_header(n.result);
  return 0;
}
