// Bounded, strict JSON parsing: nlohmann's SAX parser driving a DOM builder that enforces the
// depth, value-count and duplicate-key rules of JsonLimits while it reads.
#include <string>
#include <utility>
#include <vector>

#include "ev/chain/rpc/errors.hpp"
#include "ev/chain/rpc/json.hpp"

namespace ev::chain {
namespace {

using Sax = nlohmann::json_sax<JsonValue>;

class BoundedBuilder final : public Sax {
 public:
  explicit BoundedBuilder(const JsonLimits& limits) : limits_(limits) {}

  bool null() override { return add(JsonValue(nullptr)) != nullptr; }
  bool boolean(bool v) override { return add(JsonValue(v)) != nullptr; }
  bool number_integer(number_integer_t v) override { return add(JsonValue(v)) != nullptr; }
  bool number_unsigned(number_unsigned_t v) override { return add(JsonValue(v)) != nullptr; }
  bool number_float(number_float_t v, const string_t& /*text*/) override {
    return add(JsonValue(v)) != nullptr;
  }
  bool string(string_t& v) override { return add(JsonValue(std::move(v))) != nullptr; }
  bool binary(binary_t& /*v*/) override { return fail("binary values are not JSON"); }

  bool start_object(std::size_t /*elements*/) override { return open(JsonValue::object()); }
  bool start_array(std::size_t /*elements*/) override { return open(JsonValue::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    if (!count()) return false;
    JsonValue& obj = *stack_.back();
    if (obj.contains(k)) return fail("duplicate object key \"" + k + "\"");
    slot_ = &obj[k];
    return true;
  }

  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    std::string what = ex.what();
    if (auto p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);
    error_ = "invalid JSON at byte " + std::to_string(position) + ": " + what;
    return false;
  }

  [[nodiscard]] const std::string& error() const { return error_; }
  JsonValue take() { return std::move(root_); }

 private:
  bool fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    return false;
  }
  bool count() {
    if (++values_ > limits_.max_values) {
      return fail("more than " + std::to_string(limits_.max_values) + " JSON values");
    }
    return true;
  }
  // Places v in the open container (or as the root); returns where it lives.
  JsonValue* add(JsonValue&& v) {
    if (!count()) return nullptr;
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    JsonValue& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }
  bool open(JsonValue&& container) {
    if (stack_.size() >= limits_.max_depth) {
      return fail("nesting deeper than " + std::to_string(limits_.max_depth));
    }
    JsonValue* p = add(std::move(container));
    if (p == nullptr) return false;
    stack_.push_back(p);
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }

  const JsonLimits& limits_;
  JsonValue root_;
  std::vector<JsonValue*> stack_;  // open containers; pointers stay valid while they are open
  JsonValue* slot_ = nullptr;      // the member named by the last key
  std::size_t values_ = 0;
  std::string error_;
};

}  // namespace

Result<JsonValue> parse_json(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return make_error(RpcErrc::ResponseTooLarge, std::to_string(text.size()) + " bytes, limit " +
                                                     std::to_string(limits.max_bytes));
  }
  BoundedBuilder builder(limits);
  bool ok = false;
  try {
    ok = JsonValue::sax_parse(text, &builder, JsonValue::input_format_t::json, /*strict=*/true,
                              /*ignore_comments=*/false);
  } catch (const std::exception& e) {
    return make_error(RpcErrc::InvalidResponse, std::string("invalid JSON: ") + e.what());
  }
  if (!ok) {
    return make_error(RpcErrc::InvalidResponse,
                      builder.error().empty() ? "invalid JSON" : builder.error());
  }
  return builder.take();
}

std::string dump_json(const JsonValue& v) {
  return v.dump(-1, ' ', false, JsonValue::error_handler_t::replace);
}

}  // namespace ev::chain
