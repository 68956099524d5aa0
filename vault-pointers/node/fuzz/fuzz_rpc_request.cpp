// Fuzzes the JSON-RPC request parser and the server's dispatch of whatever it accepts: no input
// may crash, hang or allocate beyond the limits, and every answer must be valid JSON-RPC.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "ev/devnode/rpc_server.hpp"

namespace {

using ev::devnode::RpcResult;
using nlohmann::json;

ev::devnode::RpcServer& server() {
  static ev::devnode::RpcServer* s = [] {
    ev::devnode::RpcServerConfig cfg;
    cfg.port = 0;
    cfg.request.max_bytes = 64 * 1024;
    cfg.request.max_depth = 32;
    cfg.request.max_values = 4096;
    cfg.request.max_batch_len = 64;
    cfg.max_response_bytes = 16 * 1024;
    auto* srv = new ev::devnode::RpcServer(cfg);
    EV_ASSERT(srv->register_method("echo", [](const json& p) -> RpcResult { return p; }).ok(),
              "register echo");
    EV_ASSERT(srv->register_method("fail",
                                   [](const json& p) -> RpcResult {
                                     return ev::devnode::RpcError{1010, "Invalid Transaction", p};
                                   })
                  .ok(),
              "register fail");
    EV_ASSERT(srv->register_subscription(
                     "sub", "unsub", "note",
                     [](const json&, ev::devnode::SubscriptionSink) -> RpcResult { return true; })
                  .ok(),
              "register sub");
    return srv;
  }();
  return *s;
}

void check_response(const json& r) {
  EV_ASSERT(r.is_object(), "response is an object");
  EV_ASSERT(r.value("jsonrpc", "") == "2.0", "response has jsonrpc 2.0");
  EV_ASSERT(r.contains("id"), "response has an id");
  EV_ASSERT(r.contains("result") != r.contains("error"), "result xor error");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ev::devnode::RpcRequestLimits limits;
  limits.max_bytes = 64 * 1024;
  limits.max_depth = 32;
  limits.max_values = 4096;
  limits.max_batch_len = 64;
  auto parsed = ev::devnode::parse_rpc_request(text, limits);
  if (auto* req = std::get_if<ev::devnode::RpcRequest>(&parsed)) {
    EV_ASSERT(!req->entries.empty(), "a parsed request has entries");
    EV_ASSERT(req->batch || req->entries.size() == 1, "a single request has one entry");
  }
  const std::optional<std::string> reply = server().handle_text(text);
  if (!reply) return 0;
  const json r = json::parse(*reply, nullptr, false);
  EV_ASSERT(!r.is_discarded(), "the reply is JSON");
  if (r.is_array()) {
    EV_ASSERT(!r.empty(), "a batch reply is not empty");
    for (const json& e : r) check_response(e);
  } else {
    check_response(r);
  }
  return 0;
}
