// Parser, error-format and classification tests of the RPC client (no network).
#include <catch2/catch.hpp>

#include <string>

#include "ev/chain/rpc.hpp"

using namespace ev::chain;

namespace {

RpcMessage parse_ok(std::string_view text) {
  auto r = parse_rpc_message(text, JsonLimits{});
  INFO(text);
  if (!r.ok()) FAIL(r.error().to_string());
  return std::move(r).value();
}

ev::Error parse_err(std::string_view text, const JsonLimits& limits = {}) {
  auto r = parse_rpc_message(text, limits);
  INFO(text);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

void expect_invalid(std::string_view text, std::string_view fragment) {
  const auto e = parse_err(text);
  INFO(e.to_string());
  CHECK(ev::is(e, RpcErrc::InvalidResponse));
  CHECK(e.message.find(fragment) != std::string::npos);
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

TEST_CASE("rpc message: a result response keeps id and result", "[rpc]") {
  auto m = parse_ok(R"({"jsonrpc":"2.0","id":7,"result":{"a":[1,"x",null]}})");
  auto* r = std::get_if<RpcResponse>(&m);
  REQUIRE(r != nullptr);
  CHECK(r->id == 7u);
  REQUIRE(std::holds_alternative<JsonValue>(r->outcome));
  CHECK(std::get<JsonValue>(r->outcome) == JsonValue::parse(R"({"a":[1,"x",null]})"));
}

TEST_CASE("rpc message: an error response keeps its code and message and data", "[rpc]") {
  auto m =
      parse_ok(R"({"jsonrpc":"2.0","id":3,"error":{"code":1010,"message":"Invalid Transaction",)"
               R"("data":{"invalid":{"badProof":null}}}})");
  auto& r = std::get<RpcResponse>(m);
  auto& info = std::get<RpcErrorInfo>(r.outcome);
  CHECK(info.code == 1010);
  CHECK(info.message == "Invalid Transaction");
  REQUIRE(info.data);
  CHECK(*info.data == JsonValue::parse(R"({"invalid":{"badProof":null}})"));
}

TEST_CASE("rpc message: an error without code (Chopsticks over HTTP) is accepted", "[rpc]") {
  auto m = parse_ok(R"({"jsonrpc":"2.0","id":null,"error":{"message":"Invalid request: x"}})");
  auto& r = std::get<RpcResponse>(m);
  CHECK_FALSE(r.id.has_value());
  auto& info = std::get<RpcErrorInfo>(r.outcome);
  CHECK_FALSE(info.code.has_value());
  CHECK_FALSE(info.data.has_value());
  CHECK(info.message == "Invalid request: x");
}

TEST_CASE("rpc message: a response without result or error reads as null", "[rpc]") {
  auto m = parse_ok(R"({"id":4,"jsonrpc":"2.0"})");
  CHECK(std::get<JsonValue>(std::get<RpcResponse>(m).outcome).is_null());
}

TEST_CASE("rpc message: notifications carry method and subscription and result", "[rpc]") {
  auto m = parse_ok(
      R"({"jsonrpc":"2.0","method":"author_extrinsicUpdate","params":{"subscription":"abc","result":"ready"}})");
  auto& n = std::get<RpcNotification>(m);
  CHECK(n.method == "author_extrinsicUpdate");
  CHECK(n.subscription == "abc");
  CHECK(n.result == "ready");
  auto m2 = parse_ok(
      R"({"jsonrpc":"2.0","method":"chain_finalizedHead","params":{"result":null,"subscription":42}})");
  CHECK(std::get<RpcNotification>(m2).subscription == "42");
}

TEST_CASE("rpc message: malformed JSON is rejected with the byte offset", "[rpc]") {
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":tru})", "invalid JSON at byte");
  expect_invalid("", "invalid JSON");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":1} x)", "invalid JSON");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":[1,]})", "invalid JSON");
  expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\xff\"}", "invalid JSON");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":"\ud800"})", "invalid JSON");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":1e999})", "invalid JSON");
  expect_invalid("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"a\nb\"}", "invalid JSON");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":1 /* c */})", "invalid JSON");
}

TEST_CASE("rpc message: duplicate keys are rejected", "[rpc]") {
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"id":2,"result":1})", "duplicate object key \"id\"");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":{"a":1,"a":2}})", "duplicate object key");
}

TEST_CASE("rpc message: limits on size and depth and value count are enforced", "[rpc]") {
  const std::string text = R"({"jsonrpc":"2.0","id":1,"result":"0x0011"})";
  auto too_big = parse_err(text, JsonLimits{text.size() - 1, 64, 1000});
  CHECK(ev::is(too_big, RpcErrc::ResponseTooLarge));
  CHECK(parse_rpc_message(text, JsonLimits{text.size(), 64, 1000}).ok());

  const std::string deep = R"({"jsonrpc":"2.0","id":1,"result":)" + nested(9) + "}";
  CHECK(parse_rpc_message(deep, JsonLimits{1000, 10, 1000}).ok());
  auto too_deep = parse_err(deep, JsonLimits{1000, 9, 1000});
  CHECK(ev::is(too_deep, RpcErrc::InvalidResponse));
  CHECK(too_deep.message.find("nesting deeper than 9") != std::string::npos);
  // A million brackets stay bounded (no recursion, no large allocation).
  CHECK(ev::is(parse_err(nested(1'000'000), JsonLimits{}), RpcErrc::InvalidResponse));

  const std::string many = R"({"jsonrpc":"2.0","id":1,"result":[1,2,3,4,5]})";
  // object + 3 keys + 3 values (one an array) + 5 elements = 12 values
  CHECK(parse_rpc_message(many, JsonLimits{1000, 8, 12}).ok());
  auto too_many = parse_err(many, JsonLimits{1000, 8, 11});
  CHECK(too_many.message.find("more than 11 JSON values") != std::string::npos);
}

TEST_CASE("rpc message: every structural error names its field", "[rpc]") {
  expect_invalid(R"([{"jsonrpc":"2.0","id":1,"result":1}])", "batch replies are not supported");
  expect_invalid(R"("hello")", "expected a JSON object");
  expect_invalid(R"({"id":1,"result":1})", "reply.jsonrpc");
  expect_invalid(R"({"jsonrpc":"1.0","id":1,"result":1})", "reply.jsonrpc");
  expect_invalid(R"({"jsonrpc":2.0,"id":1,"result":1})", "reply.jsonrpc");
  expect_invalid(R"({"jsonrpc":"2.0","result":1})", "reply.id: missing");
  expect_invalid(R"({"jsonrpc":"2.0","id":"1","result":1})", "reply.id");
  expect_invalid(R"({"jsonrpc":"2.0","id":-1,"result":1})", "reply.id");
  expect_invalid(R"({"jsonrpc":"2.0","id":1.5,"result":1})", "reply.id");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":1,"error":{"message":"x"}})",
                 "both result and error");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"result":1,"extra":true})",
                 "unexpected member \"extra\"");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"error":"bad"})", "reply.error: expected an object");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"error":{"code":1}})", "reply.error.message");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":5}})",
                 "reply.error.message");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"error":{"code":"1","message":"m"}})",
                 "reply.error.code");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"error":{"code":1.5,"message":"m"}})",
                 "reply.error.code");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"error":{"code":18446744073709551615,"message":"m"}})",
                 "reply.error.code: out of range");
  expect_invalid(R"({"jsonrpc":"2.0","id":1,"error":{"message":"m","stack":"x"}})",
                 "unexpected member \"stack\"");
  expect_invalid(R"({"jsonrpc":"2.0","method":"m","id":1,"params":{}})", "requests from the node");
  expect_invalid(R"({"jsonrpc":"2.0","method":5,"params":{"subscription":"a","result":1}})",
                 "notification.method");
  expect_invalid(R"({"jsonrpc":"2.0","method":"m","params":[1]})", "notification.params");
  expect_invalid(R"({"jsonrpc":"2.0","method":"m","params":{"result":1}})",
                 "notification.params.subscription: missing");
  expect_invalid(R"({"jsonrpc":"2.0","method":"m","params":{"subscription":true,"result":1}})",
                 "notification.params.subscription");
  expect_invalid(R"({"jsonrpc":"2.0","method":"m","params":{"subscription":"a"}})",
                 "notification.params.result: missing");
  expect_invalid(R"({"jsonrpc":"2.0","method":"m","params":{"subscription":"a","result":1,"x":2}})",
                 "unexpected member \"x\"");
  expect_invalid(R"({"jsonrpc":"2.0","method":"m","params":{"subscription":"a","result":1},"y":1})",
                 "unexpected member \"y\"");
}

TEST_CASE("rpc message: peek_response_id finds the id of a rejected reply", "[rpc]") {
  auto v = parse_json(R"({"jsonrpc":"1.0","id":9})", JsonLimits{});
  REQUIRE(v.ok());
  CHECK(peek_response_id(*v) == 9u);
  CHECK_FALSE(peek_response_id(JsonValue::parse(R"({"id":"9"})")).has_value());
  CHECK_FALSE(peek_response_id(JsonValue::parse("[1]")).has_value());
}

TEST_CASE("rpc message: requests are framed as JSON-RPC 2.0", "[rpc]") {
  const std::string r = build_request(12, "state_getStorage", R"(["0x00"])");
  CHECK(JsonValue::parse(r) ==
        JsonValue::parse(
            R"({"jsonrpc":"2.0","id":12,"method":"state_getStorage","params":["0x00"]})"));
  CHECK(JsonValue::parse(build_request(1, "a\"b", "[]"))["method"] == "a\"b");
  CHECK(validate_params("[1,2]", JsonLimits{}).ok());
  CHECK(validate_params(R"({"a":1})", JsonLimits{}).ok());
  CHECK(ev::is(validate_params("1", JsonLimits{}).error(), RpcErrc::InvalidArgument));
  CHECK(ev::is(validate_params("[1", JsonLimits{}).error(), RpcErrc::InvalidArgument));
  CHECK(ev::is(validate_params("[1], [2]", JsonLimits{}).error(), RpcErrc::InvalidArgument));
}

TEST_CASE("rpc errors: server errors round-trip through the message", "[rpc]") {
  RpcErrorInfo info{1010, "Invalid Transaction", JsonValue::parse(R"({"invalid":{"stale":null}})")};
  ev::Error e = make_server_error("author_submitExtrinsic", info);
  CHECK(e.domain == "rpc");
  CHECK(ev::is(e, RpcErrc::ServerError));
  CHECK(e.message.find("author_submitExtrinsic") != std::string::npos);
  CHECK(e.message.find("1010") != std::string::npos);
  CHECK(e.message.find("stale") != std::string::npos);
  CHECK(rpc_error_info(e) == info);
  // Context prefixes (even ones that look like the marker) do not confuse it.
  ev::Error wrapped = ev::Error(e).context("submitting JSON-RPC error {\"x\":1} again");
  CHECK(rpc_error_info(wrapped) == info);
  // A data string containing the marker text survives.
  RpcErrorInfo tricky{std::nullopt, "m", JsonValue("JSON-RPC error {\"message\":\"fake\"}")};
  CHECK(rpc_error_info(make_server_error("x", tricky)) == tricky);
  CHECK_FALSE(rpc_error_info(ev::make_error(RpcErrc::Timeout, "JSON-RPC error {}")).has_value());
}

TEST_CASE("rpc errors: transient transport failures are marked", "[rpc]") {
  CHECK(is_transient(ev::make_error(RpcErrc::ConnectionLost)));
  CHECK(is_transient(ev::make_error(RpcErrc::Timeout)));
  CHECK(is_transient(ev::make_error(RpcErrc::ConnectFailed)));
  CHECK_FALSE(is_transient(make_server_error("m", RpcErrorInfo{1, "x", {}})));
  CHECK_FALSE(is_transient(ev::make_error(RpcErrc::InvalidResponse)));
}

TEST_CASE("rpc errors: 1010 rejections are classified in every known form", "[rpc]") {
  auto classify = [](std::optional<std::int64_t> code, const std::string& message,
                     std::optional<JsonValue> data) {
    return classify_tx_rejection(RpcErrorInfo{code, message, std::move(data)});
  };
  // Substrate: human text in data.
  auto r = classify(1010, "Invalid Transaction", JsonValue("Transaction has a bad signature"));
  REQUIRE(r);
  CHECK(r->kind == TxPoolErrc::Invalid);
  CHECK(r->invalid == InvalidTx::BadProof);
  CHECK(classify(1010, "Invalid Transaction", JsonValue("Transaction is outdated"))->invalid ==
        InvalidTx::Stale);
  CHECK(classify(1010, "", JsonValue("Transaction will be valid in the future"))->invalid ==
        InvalidTx::Future);
  CHECK(classify(1010, "", JsonValue("Inability to pay some fees (e.g. account balance too low)"))
            ->invalid == InvalidTx::Payment);
  CHECK(classify(1010, "", JsonValue("Transaction has an ancient birth block"))->invalid ==
        InvalidTx::AncientBirthBlock);
  CHECK(classify(1010, "", JsonValue("Transaction would exhaust the block limits"))->invalid ==
        InvalidTx::ExhaustsResources);
  CHECK(classify(1010, "", JsonValue("Transaction would exhausts the block limits"))->invalid ==
        InvalidTx::ExhaustsResources);
  CHECK(classify(1010, "", JsonValue("Transaction call is not expected"))->invalid ==
        InvalidTx::Call);
  CHECK(classify(1010, "", JsonValue("Invalid signing address"))->invalid == InvalidTx::BadSigner);
  auto custom = classify(1010, "Invalid Transaction", JsonValue("Custom error: 7"));
  CHECK(custom->invalid == InvalidTx::Custom);
  CHECK(custom->custom == 7);
  // Substrate (newer): serde names.
  CHECK(classify(1010, "", JsonValue("AncientBirthBlock"))->invalid ==
        InvalidTx::AncientBirthBlock);
  auto serde_custom = classify(1010, "", JsonValue::parse(R"({"Custom":3})"));
  CHECK(serde_custom->invalid == InvalidTx::Custom);
  CHECK(serde_custom->custom == 3);
  // Chopsticks: the validity error in data, or as the message, with or without a code.
  CHECK(classify(1010, "", JsonValue::parse(R"({"invalid":{"badProof":null}})"))->invalid ==
        InvalidTx::BadProof);
  CHECK(classify(1010, R"({"invalid":{"stale":null}})", std::nullopt)->invalid == InvalidTx::Stale);
  auto no_code = classify(std::nullopt, R"({"invalid":{"payment":null}})", std::nullopt);
  REQUIRE(no_code);
  CHECK(no_code->kind == TxPoolErrc::Invalid);
  CHECK(no_code->invalid == InvalidTx::Payment);
  CHECK(classify(1010, "", JsonValue::parse(R"({"invalid":{"custom":9}})"))->custom == 9);
  // Unknown reasons stay classified as invalid.
  CHECK(classify(1010, "Invalid Transaction", JsonValue("Something new"))->invalid ==
        InvalidTx::Unrecognised);
}

TEST_CASE("rpc errors: 1011 to 1017 and non-pool errors", "[rpc]") {
  auto classify = [](std::optional<std::int64_t> code, const std::string& message,
                     std::optional<JsonValue> data) {
    return classify_tx_rejection(RpcErrorInfo{code, message, std::move(data)});
  };
  auto u = classify(1011, "Unknown Transaction Validity", JsonValue("CannotLookup"));
  CHECK(u->kind == TxPoolErrc::UnknownValidity);
  CHECK(u->unknown == UnknownTx::CannotLookup);
  CHECK(classify(1011, "",
                 JsonValue("Could not find an unsigned validator for the unsigned "
                           "transaction"))
            ->unknown == UnknownTx::NoUnsignedValidator);
  auto chop = classify(1011, R"({"unknown":{"cannotLookup":null}})", std::nullopt);
  CHECK(chop->unknown == UnknownTx::CannotLookup);
  CHECK(classify(1012, "Transaction is temporarily banned", std::nullopt)->kind ==
        TxPoolErrc::TemporarilyBanned);
  CHECK(classify(1013, "Transaction Already Imported", JsonValue("0x00"))->kind ==
        TxPoolErrc::AlreadyImported);
  CHECK(classify(1014, "Priority is too low: (1 vs 1)", JsonValue("x"))->kind ==
        TxPoolErrc::TooLowPriority);
  CHECK(classify(1016, "", std::nullopt)->kind == TxPoolErrc::ImmediatelyDropped);
  CHECK_FALSE(classify(-32601, "Method not found", std::nullopt).has_value());
  CHECK_FALSE(classify(std::nullopt, "Method not found", std::nullopt).has_value());
  CHECK_FALSE(classify(1009, "", JsonValue("Transaction is outdated")).has_value());
  // Through an Error.
  auto e = make_server_error(
      "author_submitExtrinsic",
      RpcErrorInfo{1010, "Invalid Transaction", JsonValue("Transaction is outdated")});
  CHECK(classify_tx_rejection(e)->invalid == InvalidTx::Stale);
  CHECK_FALSE(classify_tx_rejection(ev::make_error(RpcErrc::Timeout)).has_value());
}

TEST_CASE("rpc url: schemes and hosts and ports and paths parse", "[rpc]") {
  auto u = parse_rpc_url("ws://127.0.0.1:9944");
  REQUIRE(u.ok());
  CHECK(u->scheme == "ws");
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 9944);
  CHECK(u->target == "/");
  CHECK(u->websocket());
  CHECK_FALSE(u->tls());
  auto s = parse_rpc_url("HTTPS://rpc.example.org/path?x=1");
  REQUIRE(s.ok());
  CHECK(s->scheme == "https");
  CHECK(s->port == 443);
  CHECK(s->target == "/path?x=1");
  auto v6 = parse_rpc_url("wss://[::1]:443");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(parse_rpc_url("http://h")->port == 80);
  for (const char* bad :
       {"127.0.0.1:9944", "ftp://h", "ws://", "ws://h:", "ws://h:0", "ws://h:65536", "ws://h:12a",
        "ws://user:pw@h", "ws://[::1", "ws://h#f", "ws://h h", "ws://[::1]x"}) {
    INFO(bad);
    auto r = parse_rpc_url(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), RpcErrc::InvalidUrl));
  }
}

TEST_CASE("rpc reconnect: backoff doubles up to the cap", "[rpc]") {
  using std::chrono::milliseconds;
  ReconnectPolicy p{10, milliseconds(100), milliseconds(1000)};
  CHECK(backoff_delay(p, 0) == milliseconds(100));
  CHECK(backoff_delay(p, 1) == milliseconds(200));
  CHECK(backoff_delay(p, 3) == milliseconds(800));
  CHECK(backoff_delay(p, 4) == milliseconds(1000));
  CHECK(backoff_delay(p, 4000000000u) == milliseconds(1000));
  ReconnectPolicy huge{10, milliseconds(1), milliseconds::max()};
  CHECK(backoff_delay(huge, 200) == milliseconds::max());
}

TEST_CASE("rpc status: every extrinsic status decodes", "[rpc]") {
  const std::string h = "0x" + std::string(64, 'a');
  auto dec = [](const std::string& text) {
    auto r = decode_tx_status(JsonValue::parse(text));
    INFO(text);
    if (!r.ok()) FAIL(r.error().to_string());
    return std::move(r).value();
  };
  CHECK(std::holds_alternative<TxFuture>(dec(R"("future")")));
  CHECK(std::holds_alternative<TxReady>(dec(R"("ready")")));
  CHECK(std::holds_alternative<TxReady>(dec(R"({"ready":null})")));
  CHECK(std::get<TxBroadcast>(dec(R"({"broadcast":["peer1","peer2"]})")).peers.size() == 2);
  CHECK(std::get<TxInBlock>(dec(R"({"inBlock":")" + h + "\"}")).block[0] == 0xaa);
  CHECK(std::holds_alternative<TxRetracted>(dec(R"({"retracted":")" + h + "\"}")));
  CHECK(std::holds_alternative<TxFinalityTimeout>(dec(R"({"finalityTimeout":")" + h + "\"}")));
  CHECK(std::holds_alternative<TxFinalized>(dec(R"({"finalized":")" + h + "\"}")));
  CHECK(std::holds_alternative<TxUsurped>(dec(R"({"usurped":")" + h + "\"}")));
  CHECK(std::holds_alternative<TxDropped>(dec(R"("dropped")")));
  CHECK_FALSE(std::get<TxInvalid>(dec(R"("invalid")")).reason.has_value());
  auto chop = std::get<TxInvalid>(dec(R"({"invalid":{"badProof":null}})"));
  REQUIRE(chop.reason);
  CHECK(chop.reason->invalid == InvalidTx::BadProof);
  CHECK(tx_status_name(dec(R"({"finalityTimeout":")" + h + "\"}")) == "finalityTimeout");
  CHECK(is_terminal(dec(R"("dropped")")));
  CHECK_FALSE(is_terminal(dec(R"({"inBlock":")" + h + "\"}")));
  for (const char* bad :
       {R"("broadcast")", R"("retracting")", R"({"inBlock":"0x12"})", R"({"inBlock":null})",
        R"({"broadcast":"p"})", R"({"ready":1})", R"({"a":1,"b":2})", "17", "[]"}) {
    INFO(bad);
    auto r = decode_tx_status(JsonValue::parse(bad));
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), RpcErrc::BadResult));
  }
}

TEST_CASE("rpc decode: headers with zero-padded hex or plain numbers", "[rpc]") {
  const std::string z = "0x" + std::string(64, '0');
  const std::string text = R"({"parentHash":")" + z + R"(","number":"0x0000002a","stateRoot":")" +
                           z + R"(","extrinsicsRoot":")" + z +
                           R"(","digest":{"logs":["0x0642414245", "0x"]}})";
  auto h = decode_header(JsonValue::parse(text));
  REQUIRE(h.ok());
  CHECK(h->number == 42);
  REQUIRE(h->digest_logs.size() == 2);
  CHECK(h->digest_logs[0] == ev::Bytes{0x06, 0x42, 0x41, 0x42, 0x45});
  CHECK(h->digest_logs[1].empty());
  auto plain = JsonValue::parse(text);
  plain["number"] = 7;
  CHECK(decode_header(plain)->number == 7);
  for (auto [field, value] : {std::pair{"number", JsonValue(-1)},
                              {"number", JsonValue("42")},
                              {"number", JsonValue("0x10000000000000000")},
                              {"parentHash", JsonValue("0x00")},
                              {"stateRoot", JsonValue(nullptr)},
                              {"digest", JsonValue::parse(R"({"logs":[1]})")}}) {
    auto bad = JsonValue::parse(text);
    bad[field] = value;
    INFO(bad.dump());
    auto r = decode_header(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(ev::is(r.error(), RpcErrc::BadResult));
    CHECK(r.error().message.find(field) != std::string::npos);
  }
  CHECK(decode_u64(JsonValue("0x" + std::string(48, '0') + "ffffffffffffffff"), "n").value() ==
        UINT64_MAX);
  CHECK_FALSE(decode_u64(JsonValue("0x"), "n").ok());
  CHECK_FALSE(decode_u64(JsonValue("0xg1"), "n").ok());
  CHECK_FALSE(decode_u64(JsonValue(1.5), "n").ok());
}

TEST_CASE("rpc decode: runtime version", "[rpc]") {
  auto v = JsonValue::parse(
      R"({"specName":"statemine","implName":"statemine","authoringVersion":1,"specVersion":900,
          "implVersion":0,"apis":[["0xdf6acb689907609b",4],["0x37e397fc7c91f5e4",1]],
          "transactionVersion":6,"stateVersion":0})");
  auto rv = decode_runtime_version(v);
  REQUIRE(rv.ok());
  CHECK(rv->spec_name == "statemine");
  CHECK(rv->spec_version == 900);
  CHECK(rv->transaction_version == 6);
  CHECK(rv->state_version == 0);
  REQUIRE(rv->apis.size() == 2);
  CHECK(rv->apis[0].id == ev::ByteArray<8>{0xdf, 0x6a, 0xcb, 0x68, 0x99, 0x07, 0x60, 0x9b});
  CHECK(rv->apis[0].version == 4);
  auto bad = v;
  bad["apis"][0] = JsonValue::parse(R"(["0xdf6acb68",4])");
  CHECK(decode_runtime_version(bad).error().message.find("apis[0].id") != std::string::npos);
  bad = v;
  bad["specVersion"] = 4294967296ull;
  CHECK_FALSE(decode_runtime_version(bad).ok());
  bad = v;
  bad.erase("transactionVersion");
  CHECK_FALSE(decode_runtime_version(bad).ok());
}
