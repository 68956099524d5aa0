// JSON-RPC 2.0 reply interpretation and request framing (format: ev/chain/rpc/message.hpp).
#include <string>
#include <utility>

#include "ev/chain/rpc/message.hpp"

namespace ev::chain {
namespace {

Error invalid(const std::string& detail) { return make_error(RpcErrc::InvalidResponse, detail); }

Result<void> check_members(const JsonValue& obj, std::initializer_list<std::string_view> allowed,
                           std::string_view where) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool known = false;
    for (auto a : allowed) known = known || it.key() == a;
    if (!known) return invalid(std::string(where) + ": unexpected member \"" + it.key() + "\"");
  }
  return ok();
}

Result<RpcErrorInfo> error_object(JsonValue&& e) {
  if (!e.is_object()) return invalid("reply.error: expected an object");
  EV_TRY(check_members(e, {"code", "message", "data"}, "reply.error"));
  RpcErrorInfo info;
  if (e.contains("code")) {
    const JsonValue& c = e["code"];
    if (!c.is_number_integer()) return invalid("reply.error.code: expected an integer");
    if (c.is_number_unsigned() && c.get<std::uint64_t>() > std::uint64_t{INT64_MAX}) {
      return invalid("reply.error.code: out of range");
    }
    info.code = c.get<std::int64_t>();
  }
  if (!e.contains("message") || !e["message"].is_string()) {
    return invalid("reply.error.message: expected a string");
  }
  info.message = e["message"].get<std::string>();
  if (e.contains("data")) info.data = std::move(e["data"]);
  return info;
}

Result<RpcMessage> notification(JsonValue&& v) {
  EV_TRY(check_members(v, {"jsonrpc", "method", "params"}, "notification"));
  if (!v["method"].is_string()) return invalid("notification.method: expected a string");
  if (!v.contains("params") || !v["params"].is_object()) {
    return invalid("notification.params: expected an object");
  }
  JsonValue& params = v["params"];
  EV_TRY(check_members(params, {"subscription", "result"}, "notification.params"));
  if (!params.contains("subscription")) {
    return invalid("notification.params.subscription: missing");
  }
  auto sub = subscription_id_text(params["subscription"]);
  if (!sub) {
    return invalid("notification.params.subscription: expected a string or unsigned integer");
  }
  if (!params.contains("result")) return invalid("notification.params.result: missing");
  return RpcMessage(RpcNotification{v["method"].get<std::string>(), std::move(*sub),
                                    std::move(params["result"])});
}

Result<RpcMessage> response(JsonValue&& v) {
  EV_TRY(check_members(v, {"jsonrpc", "id", "result", "error"}, "reply"));
  if (!v.contains("id")) return invalid("reply.id: missing");
  RpcResponse r;
  const JsonValue& id = v["id"];
  if (id.is_number_unsigned()) {
    r.id = id.get<std::uint64_t>();
  } else if (!id.is_null()) {
    return invalid("reply.id: expected an unsigned integer or null");
  }
  const bool has_result = v.contains("result");
  const bool has_error = v.contains("error");
  if (has_result && has_error) return invalid("reply: has both result and error");
  if (has_error) {
    r.outcome = EV_TRY(error_object(std::move(v["error"])));
  } else if (has_result) {
    r.outcome = std::move(v["result"]);
  } else {
    r.outcome = JsonValue(nullptr);
  }
  return RpcMessage(std::move(r));
}

}  // namespace

Result<RpcMessage> interpret_rpc_message(JsonValue&& v) {
  if (v.is_array()) return invalid("reply: batch replies are not supported");
  if (!v.is_object()) return invalid("reply: expected a JSON object");
  if (!v.contains("jsonrpc") || v["jsonrpc"] != "2.0") {
    return invalid("reply.jsonrpc: expected \"2.0\"");
  }
  if (v.contains("method")) {
    if (v.contains("id")) return invalid("reply: requests from the node are not supported");
    return notification(std::move(v));
  }
  return response(std::move(v));
}

Result<RpcMessage> parse_rpc_message(std::string_view text, const JsonLimits& limits) {
  JsonValue v = EV_TRY(parse_json(text, limits));
  return interpret_rpc_message(std::move(v));
}

std::optional<std::uint64_t> peek_response_id(const JsonValue& v) {
  if (!v.is_object()) return std::nullopt;
  auto it = v.find("id");
  if (it == v.end() || !it->is_number_unsigned()) return std::nullopt;
  return it->get<std::uint64_t>();
}

std::optional<std::string> subscription_id_text(const JsonValue& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_unsigned()) return std::to_string(v.get<std::uint64_t>());
  return std::nullopt;
}

std::string build_request(std::uint64_t id, std::string_view method, std::string_view params_json) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += std::to_string(id);
  out += R"(,"method":)";
  out += dump_json(JsonValue(std::string(method)));
  out += R"(,"params":)";
  out += params_json;
  out += '}';
  return out;
}

Result<void> validate_params(std::string_view params_json, const JsonLimits& limits) {
  auto v = parse_json(params_json, limits);
  if (!v.ok()) return make_error(RpcErrc::InvalidArgument, "params: " + v.error().message);
  if (!v->is_array() && !v->is_object()) {
    return make_error(RpcErrc::InvalidArgument, "params: expected a JSON array or object");
  }
  return ok();
}

}  // namespace ev::chain
