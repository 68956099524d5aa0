#include "ev/s3/sigv4.hpp"

#include <catch2/catch.hpp>

namespace sig = ev::s3::sigv4;
using ev::s3::Errc;
using namespace std::string_literals;

namespace {

sig::Scope scope_2015() { return {"20150830T123600Z", "us-east-1", "service"}; }

sig::Credentials creds() {
  sig::Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return c;
}

sig::Request get_root() {
  sig::Request r;
  r.method = "GET";
  r.path = "/";
  r.headers = {{"Host", "example.amazonaws.com"}};
  return r;
}

std::string empty_hash() { return sig::hex_sha256({}); }

template <class T>
bool invalid_argument(const ev::Result<T>& r) {
  return !r.ok() && is(r.error(), Errc::InvalidArgument);
}

}  // namespace

// --- steps ----------------------------------------------------------------------------------

TEST_CASE("sigv4 uri_encode: keeps unreserved, encodes the rest as upper-case %XX", "[sigv4]") {
  const std::string unreserved =
      "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  CHECK(sig::uri_encode(unreserved, false) == unreserved);
  CHECK(sig::uri_encode("a b", false) == "a%20b");
  CHECK(sig::uri_encode("a/b", false) == "a%2Fb");
  CHECK(sig::uri_encode("a/b", true) == "a/b");
  CHECK(sig::uri_encode("+*=&?#$%", true) == "%2B%2A%3D%26%3F%23%24%25");
  CHECK(sig::uri_encode("\xe1\x88\xb4", false) == "%E1%88%B4");
  CHECK(sig::uri_encode("\x00\xff"s, false) == "%00%FF");
}

TEST_CASE("sigv4 uri_encode: never decodes, so nothing is double-decoded", "[sigv4]") {
  CHECK(sig::uri_encode("%41", false) == "%2541");
  CHECK(sig::uri_encode("%2F", true) == "%252F");
}

TEST_CASE("sigv4 canonical_uri: S3 paths are encoded once and never normalised", "[sigv4]") {
  CHECK(sig::canonical_uri("") == "/");
  CHECK(sig::canonical_uri("/") == "/");
  CHECK(sig::canonical_uri("/bucket/a//b/./c/../d") == "/bucket/a//b/./c/../d");
  CHECK(sig::canonical_uri("/test$file.text") == "/test%24file.text");
  CHECK(sig::canonical_uri("/my-object//example//photo.user") == "/my-object//example//photo.user");
  CHECK(sig::canonical_uri("/example space/") == "/example%20space/");
}

TEST_CASE("sigv4 canonical_query_string: encodes, then sorts by name and value", "[sigv4]") {
  using Q = sig::QueryParam;
  CHECK(sig::canonical_query_string(std::vector<Q>{}).empty());
  const std::vector<Q> q = {{"prefix", "J"}, {"max-keys", "2"}};
  CHECK(sig::canonical_query_string(q) == "max-keys=2&prefix=J");
  CHECK(sig::canonical_query_string(std::vector<Q>{{"lifecycle", ""}}) == "lifecycle=");
  const std::vector<Q> dup = {{"P", "b"}, {"P", "B"}, {"P", "a"}};
  CHECK(sig::canonical_query_string(dup) == "P=B&P=a&P=b");
  // Sorted after encoding: "a%20b" ('%' 0x25) comes before "a-b" ('-' 0x2D).
  const std::vector<Q> enc = {{"a-b", "1"}, {"a b", "2/3"}};
  CHECK(sig::canonical_query_string(enc) == "a%20b=2%2F3&a-b=1");
  const std::vector<Q> upper = {{"b", "1"}, {"B", "2"}, {"a", "3"}};
  CHECK(sig::canonical_query_string(upper) == "B=2&a=3&b=1");
}

TEST_CASE("sigv4 canonical_header_value: trims and collapses spaces and tabs", "[sigv4]") {
  CHECK(sig::canonical_header_value("  value1 ") == "value1");
  CHECK(sig::canonical_header_value("\"a   b   c\"") == "\"a b c\"");
  CHECK(sig::canonical_header_value("a\t \tb") == "a b");
  CHECK(sig::canonical_header_value(" \t ").empty());
  CHECK(sig::canonical_header_value("").empty());
}

TEST_CASE("sigv4 canonical_headers: lowercases, sorts, joins repeated names in order", "[sigv4]") {
  const std::vector<sig::Header> h = {{"X-Amz-Date", "20150830T123600Z"},
                                      {"My-Header1", "value4"},
                                      {"Host", "example.amazonaws.com"},
                                      {"my-header1", " value1  x "},
                                      {"My-HEADER1", "value3"}};
  auto c = sig::canonical_headers(h);
  REQUIRE(c.ok());
  CHECK(c->block ==
        "host:example.amazonaws.com\nmy-header1:value4,value1 x,value3\n"
        "x-amz-date:20150830T123600Z\n");
  CHECK(c->signed_headers == "host;my-header1;x-amz-date");
}

TEST_CASE("sigv4 canonical_headers: rejects bad names and injected line breaks", "[sigv4]") {
  using H = std::vector<sig::Header>;
  CHECK(invalid_argument(sig::canonical_headers(H{{"", "v"}})));
  CHECK(invalid_argument(sig::canonical_headers(H{{"Bad Name", "v"}})));
  CHECK(invalid_argument(sig::canonical_headers(H{{"Bad:Name", "v"}})));
  CHECK(invalid_argument(sig::canonical_headers(H{{"X", "a\r\nInjected: 1"}})));
  CHECK(invalid_argument(sig::canonical_headers(H{{"X", "a\nb"}})));
  CHECK(invalid_argument(sig::canonical_headers(H{{"X", "a\0b"s}})));
}

TEST_CASE("sigv4 canonical_request: six lines, no trailing newline", "[sigv4]") {
  sig::CanonicalHeaders h{"host:h\n", "host"};
  CHECK(sig::canonical_request("GET", "/k", "a=1", h, "UNSIGNED-PAYLOAD") ==
        "GET\n/k\na=1\nhost:h\n\nhost\nUNSIGNED-PAYLOAD");
}

TEST_CASE("sigv4 validate_scope: checks the date, region and service", "[sigv4]") {
  CHECK(sig::validate_scope(scope_2015()).ok());
  CHECK(sig::validate_scope({"20240229T235959Z", "r", "s"}).ok());  // leap day
  for (const char* d : {"20230229T000000Z", "20150830T240000Z", "20150830T126000Z",
                        "20150830T123660Z", "20151330T000000Z", "20150800T000000Z",
                        "20150830T123600z", "20150830 123600Z", "2015083T123600Z", ""}) {
    INFO(d);
    CHECK(invalid_argument(sig::validate_scope({d, "us-east-1", "s3"})));
  }
  CHECK(invalid_argument(sig::validate_scope({"20150830T123600Z", "", "s3"})));
  CHECK(invalid_argument(sig::validate_scope({"20150830T123600Z", "us/east", "s3"})));
  CHECK(invalid_argument(sig::validate_scope({"20150830T123600Z", "us-east-1", "s 3"})));
}

TEST_CASE("sigv4 credential_scope and string_to_sign: the documented layout", "[sigv4]") {
  CHECK(sig::credential_scope(scope_2015()) == "20150830/us-east-1/service/aws4_request");
  CHECK(sig::string_to_sign(scope_2015(), "") ==
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n" +
            empty_hash());
}

TEST_CASE("sigv4 signing_key: matches the AWS key-derivation example", "[sigv4]") {
  // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
  const auto key = sig::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                    {"20120215T000000Z", "us-east-1", "iam"});
  CHECK(ev::to_hex(key.view(), false) ==
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST_CASE("sigv4 signature: depends on every part of the scope and the secret", "[sigv4]") {
  const std::string sts = "string to sign";
  const auto base = sig::signature(sig::signing_key("secret", scope_2015()), sts);
  CHECK(base.size() == 64);
  CHECK(sig::signature(sig::signing_key("secreT", scope_2015()), sts) != base);
  CHECK(sig::signature(sig::signing_key("secret", {"20150831T123600Z", "us-east-1", "service"}),
                       sts) != base);
  CHECK(sig::signature(sig::signing_key("secret", {"20150830T000000Z", "us-east-1", "service"}),
                       sts) == base);  // the key covers the day, not the time
  CHECK(sig::signature(sig::signing_key("secret", {"20150830T123600Z", "us-west-2", "service"}),
                       sts) != base);
  CHECK(sig::signature(sig::signing_key("secret", {"20150830T123600Z", "us-east-1", "s3"}), sts) !=
        base);
}

TEST_CASE("sigv4 amz_date: formats a UTC time point, truncating to seconds", "[sigv4]") {
  using namespace std::chrono;
  const auto t = sys_days{year{2015} / 8 / 30} + hours{12} + minutes{36} + milliseconds{999};
  CHECK(sig::amz_date(t) == "20150830T123600Z");
  CHECK(sig::amz_date(sys_days{year{1999} / 12 / 31} + seconds{86399}) == "19991231T235959Z");
}

// --- the S3 examples of the AWS S3 API Reference ---------------------------------------------
// "Examples: Signature Calculations in AWS Signature Version 4" (Authorization header, single
// chunk): key pair AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY,
// examplebucket, 20130524T000000Z, us-east-1, service s3.

namespace {

struct S3Example {
  sig::Request request;
  std::string payload_hash;
  std::string canonical_request;
  std::string string_to_sign_hash;
  std::string signature;
};

void check_s3_example(const S3Example& ex) {
  sig::Credentials c;
  c.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  const sig::Scope scope{"20130524T000000Z", "us-east-1", "s3"};
  sig::HeaderSigningOptions opt;
  opt.payload_hash = ex.payload_hash;
  auto s = sig::sign_headers(ex.request, c, scope, opt);
  REQUIRE(s.ok());
  CHECK(s->canonical_request == ex.canonical_request);
  CHECK(s->string_to_sign ==
        "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
            ex.string_to_sign_hash);
  CHECK(s->signature == ex.signature);
  CHECK(s->authorization.ends_with("Signature=" + ex.signature));
}

const std::string kEmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

}  // namespace

TEST_CASE("sigv4 S3 example: GET object with a Range header", "[sigv4][s3-examples]") {
  S3Example ex;
  ex.request = {
      "GET", "/test.txt", {}, {{"Host", "examplebucket.s3.amazonaws.com"}, {"Range", "bytes=0-9"}}};
  ex.payload_hash = kEmptySha;
  ex.canonical_request =
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:" +
      kEmptySha +
      "\nx-amz-date:20130524T000000Z\n\n"
      "host;range;x-amz-content-sha256;x-amz-date\n" +
      kEmptySha;
  ex.string_to_sign_hash = "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972";
  ex.signature = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41";
  check_s3_example(ex);
}

TEST_CASE("sigv4 S3 example: PUT object whose key needs encoding", "[sigv4][s3-examples]") {
  const std::string body = "Welcome to Amazon S3.";
  const std::string body_sha = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
  CHECK(sig::hex_sha256(ev::as_bytes(body)) == body_sha);
  S3Example ex;
  ex.request = {"PUT",
                "/test$file.text",
                {},
                {{"Host", "examplebucket.s3.amazonaws.com"},
                 {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                 {"x-amz-storage-class", "REDUCED_REDUNDANCY"}}};
  ex.payload_hash = body_sha;
  ex.canonical_request =
      "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
      "host:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" +
      body_sha +
      "\nx-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n" +
      body_sha;
  ex.string_to_sign_hash = "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d";
  ex.signature = "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd";
  check_s3_example(ex);
}

TEST_CASE("sigv4 S3 example: GET bucket lifecycle (value-less query parameter)",
          "[sigv4][s3-examples]") {
  S3Example ex;
  ex.request = {"GET", "/", {{"lifecycle", ""}}, {{"Host", "examplebucket.s3.amazonaws.com"}}};
  ex.payload_hash = kEmptySha;
  ex.canonical_request =
      "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" + kEmptySha +
      "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" + kEmptySha;
  ex.string_to_sign_hash = "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca";
  ex.signature = "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543";
  check_s3_example(ex);
}

TEST_CASE("sigv4 S3 example: list objects with max-keys and prefix", "[sigv4][s3-examples]") {
  S3Example ex;
  ex.request = {"GET",
                "/",
                {{"prefix", "J"}, {"max-keys", "2"}},
                {{"Host", "examplebucket.s3.amazonaws.com"}}};
  ex.payload_hash = kEmptySha;
  ex.canonical_request =
      "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\nx-amz-content-sha256:" +
      kEmptySha + "\nx-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n" +
      kEmptySha;
  ex.string_to_sign_hash = "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7";
  ex.signature = "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7";
  check_s3_example(ex);
}

// --- whole-request behaviour ----------------------------------------------------------------

TEST_CASE("sigv4 sign_headers: adds date, payload hash and Authorization in order", "[sigv4]") {
  sig::HeaderSigningOptions opt;
  opt.payload_hash = std::string(sig::kUnsignedPayload);
  auto s = sig::sign_headers(get_root(), creds(), scope_2015(), opt);
  REQUIRE(s.ok());
  REQUIRE(s->headers.size() == 3);
  CHECK(s->headers[0].name == "X-Amz-Date");
  CHECK(s->headers[0].value == "20150830T123600Z");
  CHECK(s->headers[1].name == "x-amz-content-sha256");
  CHECK(s->headers[1].value == "UNSIGNED-PAYLOAD");
  CHECK(s->headers[2].name == "Authorization");
  CHECK(s->headers[2].value == s->authorization);
  CHECK(s->canonical_request.ends_with("\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD"));
  CHECK(s->authorization ==
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
            s->signature);
}

TEST_CASE("sigv4 sign_headers: a session token is signed unless asked otherwise", "[sigv4]") {
  sig::Credentials c = creds();
  c.session_token = "token/with+chars==";
  sig::HeaderSigningOptions opt;
  opt.payload_hash = empty_hash();
  auto s = sig::sign_headers(get_root(), c, scope_2015(), opt);
  REQUIRE(s.ok());
  CHECK_THAT(s->canonical_request, Catch::Contains("\nx-amz-security-token:token/with+chars==\n"));
  CHECK_THAT(s->authorization, Catch::Contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                                               "x-amz-security-token,"));

  opt.sign_session_token = false;
  auto after = sig::sign_headers(get_root(), c, scope_2015(), opt);
  REQUIRE(after.ok());
  CHECK_THAT(after->canonical_request, !Catch::Contains("security-token"));
  REQUIRE(after->headers.size() == 4);
  CHECK(after->headers[2].name == "X-Amz-Security-Token");
  CHECK(after->headers[3].name == "Authorization");
}

TEST_CASE("sigv4 sign_headers: headers the request already carries must agree", "[sigv4]") {
  sig::HeaderSigningOptions opt;
  opt.payload_hash = empty_hash();
  sig::Request r = get_root();
  r.headers.push_back({"x-amz-date", "20150830T123600Z"});
  auto s = sig::sign_headers(r, creds(), scope_2015(), opt);
  REQUIRE(s.ok());
  CHECK(s->headers.size() == 2);  // content hash and Authorization only

  r.headers.back().value = "20150830T123601Z";
  CHECK(invalid_argument(sig::sign_headers(r, creds(), scope_2015(), opt)));
  r = get_root();
  r.headers.push_back({"X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"});
  CHECK(invalid_argument(sig::sign_headers(r, creds(), scope_2015(), opt)));
}

TEST_CASE("sigv4 sign_headers: rejects unusable requests", "[sigv4]") {
  sig::HeaderSigningOptions opt;
  opt.payload_hash = empty_hash();
  const auto fails = [&](const sig::Request& r, const sig::Credentials& c, const sig::Scope& s) {
    return invalid_argument(sig::sign_headers(r, c, s, opt));
  };
  sig::Request r = get_root();
  r.headers.clear();
  CHECK(fails(r, creds(), scope_2015()));  // no host
  r = get_root();
  r.headers.push_back({"authorization", "x"});
  CHECK(fails(r, creds(), scope_2015()));
  r = get_root();
  r.path = "relative";
  CHECK(fails(r, creds(), scope_2015()));
  r = get_root();
  r.method = "GE T";
  CHECK(fails(r, creds(), scope_2015()));
  sig::Credentials c = creds();
  c.secret_access_key.clear();
  CHECK(fails(get_root(), c, scope_2015()));
  c = creds();
  c.access_key_id = "AKID/EXAMPLE";
  CHECK(fails(get_root(), c, scope_2015()));
  CHECK(fails(get_root(), creds(), {"2015-08-30T12:36:00Z", "us-east-1", "s3"}));
  opt.payload_hash = "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855";
  CHECK(fails(get_root(), creds(), scope_2015()));
  opt.payload_hash = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
  CHECK(fails(get_root(), creds(), scope_2015()));
}

TEST_CASE("sigv4 presign: query parameters, signed headers and expiry bounds", "[sigv4]") {
  sig::PresignOptions opt;
  opt.expires_seconds = 86400;
  sig::Request r = get_root();
  r.path = "/test.txt";
  auto p = sig::presign(r, creds(), scope_2015(), opt);
  REQUIRE(p.ok());
  std::vector<std::string> names;
  for (const auto& q : p->query) names.push_back(q.name);
  CHECK(names == std::vector<std::string>{"X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date",
                                          "X-Amz-Expires", "X-Amz-SignedHeaders",
                                          "X-Amz-Signature"});
  CHECK(p->query[3].value == "86400");
  CHECK(p->query[5].value == p->signature);
  CHECK(p->canonical_request ==
        "GET\n/test.txt\nX-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20150830%"
        "2Fus-east-1%2Fservice%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=86400&"
        "X-Amz-SignedHeaders=host\nhost:example.amazonaws.com\n\nhost\nUNSIGNED-PAYLOAD");

  for (std::int64_t bad : {std::int64_t{0}, std::int64_t{-1}, sig::kMaxPresignSeconds + 1}) {
    opt.expires_seconds = bad;
    CHECK(invalid_argument(sig::presign(r, creds(), scope_2015(), opt)));
  }
  opt.expires_seconds = sig::kMaxPresignSeconds;
  CHECK(sig::presign(r, creds(), scope_2015(), opt).ok());
  r.query.push_back({"x-amz-signature", "forged"});
  CHECK(invalid_argument(sig::presign(r, creds(), scope_2015(), opt)));
}

TEST_CASE("sigv4 presign: session token signed in the query, or appended after", "[sigv4]") {
  sig::Credentials c = creds();
  c.session_token = "tok/en";
  sig::PresignOptions opt;
  auto p = sig::presign(get_root(), c, scope_2015(), opt);
  REQUIRE(p.ok());
  CHECK_THAT(p->canonical_request, Catch::Contains("&X-Amz-Security-Token=tok%2Fen&"));
  opt.sign_session_token = false;
  auto after = sig::presign(get_root(), c, scope_2015(), opt);
  REQUIRE(after.ok());
  CHECK_THAT(after->canonical_request, !Catch::Contains("Security-Token"));
  CHECK(after->query[after->query.size() - 2].name == "X-Amz-Security-Token");
  CHECK(after->query.back().name == "X-Amz-Signature");
}
