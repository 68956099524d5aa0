// JSON-RPC 2.0 request parsing and response texts of the dev node's server.
#include <string>
#include <utility>

#include "ev/chain/rpc/errors.hpp"
#include "ev/chain/rpc/json.hpp"
#include "ev/devnode/rpc_server.hpp"

namespace ev::devnode {
namespace {

using nlohmann::json;

RpcError make(int code, std::string message, std::string detail) {
  RpcError e{code, std::move(message), std::nullopt};
  if (!detail.empty()) e.data = json(std::move(detail));
  return e;
}

// A usable id: one that may be echoed back (JSON-RPC allows string, number and null).
bool is_id(const json& v) { return v.is_string() || v.is_number() || v.is_null(); }

RpcInvalidCall invalid(json id, std::string detail) {
  return RpcInvalidCall{std::move(id), RpcError::invalid_request(std::move(detail))};
}

RpcEntry parse_entry(json&& v) {
  if (!v.is_object()) return invalid(nullptr, "a request must be a JSON object");
  const auto id_it = v.find("id");
  const bool has_id = id_it != v.end();
  if (has_id && !is_id(*id_it)) return invalid(nullptr, "\"id\" must be a string, number or null");
  json id = has_id ? std::move(*id_it) : json(nullptr);
  for (const auto& [key, unused] : v.items()) {
    if (key != "jsonrpc" && key != "id" && key != "method" && key != "params") {
      return invalid(std::move(id), "unknown member \"" + key + "\"");
    }
  }
  const auto ver = v.find("jsonrpc");
  if (ver == v.end() || !ver->is_string() || ver->get_ref<const std::string&>() != "2.0") {
    return invalid(std::move(id), "\"jsonrpc\" must be \"2.0\"");
  }
  const auto method = v.find("method");
  if (method == v.end() || !method->is_string()) {
    return invalid(std::move(id), "\"method\" must be a string");
  }
  RpcCall call;
  call.notification = !has_id;
  call.method = std::move(method->get_ref<std::string&>());
  const auto params = v.find("params");
  if (params == v.end() || params->is_null()) {
    call.params = json::array();
  } else if (params->is_array() || params->is_object()) {
    call.params = std::move(*params);
  } else {
    return RpcInvalidCall{std::move(id),
                          RpcError::invalid_params("\"params\" must be an array or an object")};
  }
  call.id = std::move(id);
  return call;
}

std::string exceeded(std::size_t limit) { return "Exceeded max limit of " + std::to_string(limit); }

// The detail of a parse_json error without the client-side "invalid response" wording.
std::string parse_detail(const Error& e) {
  const std::string prefix =
      std::string(ErrorTraits<chain::RpcErrc>::message(chain::RpcErrc::InvalidResponse)) + ": ";
  if (e.message.rfind(prefix, 0) == 0) return e.message.substr(prefix.size());
  return e.message;
}

}  // namespace

RpcError RpcError::parse_error(std::string detail) {
  return make(rpc_code::kParseError, "Parse error", std::move(detail));
}
RpcError RpcError::invalid_request(std::string detail) {
  return make(rpc_code::kInvalidRequest, "Invalid request", std::move(detail));
}
RpcError RpcError::method_not_found(std::string detail) {
  return make(rpc_code::kMethodNotFound, "Method not found", std::move(detail));
}
RpcError RpcError::invalid_params(std::string detail) {
  return make(rpc_code::kInvalidParams, "Invalid params", std::move(detail));
}
RpcError RpcError::internal(std::string detail) {
  return make(rpc_code::kInternalError, "Internal error", std::move(detail));
}
RpcError RpcError::from(const Error& e) { return internal(e.to_string()); }

json RpcError::to_json() const {
  json j = {{"code", code}, {"message", message}};
  if (data) j["data"] = *data;
  return j;
}

const json& RpcResult::value() const {
  EV_ASSERT(ok(), "RpcResult::value() on an error");
  return *std::get_if<0>(&v_);
}

const RpcError& RpcResult::error() const {
  EV_ASSERT(!ok(), "RpcResult::error() on a value");
  return *std::get_if<1>(&v_);
}

std::variant<RpcRequest, RpcError> parse_rpc_request(std::string_view text,
                                                     const RpcRequestLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return RpcError{rpc_code::kOversizedRequest, "Request is too big",
                    json(exceeded(limits.max_bytes))};
  }
  const chain::JsonLimits jl{limits.max_bytes, limits.max_depth, limits.max_values};
  Result<json> parsed = chain::parse_json(text, jl);
  if (!parsed.ok()) return RpcError::parse_error(parse_detail(parsed.error()));
  json v = std::move(parsed).value();
  RpcRequest req;
  if (v.is_object()) {
    req.entries.push_back(parse_entry(std::move(v)));
    return req;
  }
  if (!v.is_array()) return RpcError::invalid_request("a request must be an object or an array");
  if (v.empty()) return RpcError::invalid_request("empty batch");
  if (v.size() > limits.max_batch_len) {
    return RpcError{rpc_code::kTooBigBatch, "The batch request was too large",
                    json(exceeded(limits.max_batch_len))};
  }
  req.batch = true;
  req.entries.reserve(v.size());
  for (json& e : v) req.entries.push_back(parse_entry(std::move(e)));
  return req;
}

std::string rpc_result_text(const json& id, const json& result) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += chain::dump_json(id);
  out += R"(,"result":)";
  out += chain::dump_json(result);
  out += '}';
  return out;
}

std::string rpc_error_text(const json& id, const RpcError& error) {
  std::string out = R"({"jsonrpc":"2.0","id":)";
  out += chain::dump_json(id);
  out += R"(,"error":)";
  out += chain::dump_json(error.to_json());
  out += '}';
  return out;
}

}  // namespace ev::devnode
