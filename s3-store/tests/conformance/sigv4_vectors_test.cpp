// SigV4 known answers: the botocore suite (aws-sig-v4-test-suite, 2015) and the aws-c-auth v4
// suite, from ../shared/vectors/sigv4 (see its README). Each case is signed from its raw
// request and compared step by step: canonical request, string to sign, signature, and the
// Authorization header (botocore .authz; aws-c-auth header-signed-request.txt), plus, for
// aws-c-auth, query signing (presigned URL) and every header or parameter the signer adds.
//
// Skipped, counted and printed: cases that expect the path to be normalised ("//", "." or
// ".." segments removed) while S3 signs the path as written. For those the check is
// inverted: our canonical URI must be the path encoded as is, and differ from the suite's.
#include <simdjson.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>

#include "ev/s3/sigv4.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace sig = ev::s3::sigv4;

namespace {

// --- raw HTTP requests as the suites write them ---------------------------------------------

struct RawRequest {
  std::string method;
  std::string target;  // path and query, as on the request line
  std::vector<sig::Header> headers;
  std::string body;
};

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto nl = text.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// "METHOD target HTTP/1.1" (the target may hold spaces), "Name:value" headers (lines that
// start with a space or tab continue the previous value), a blank line, the body.
RawRequest parse_request(std::string_view text) {
  RawRequest r;
  const auto blank = text.find("\n\n");
  const std::string_view head = blank == std::string_view::npos ? text : text.substr(0, blank);
  if (blank != std::string_view::npos) r.body = std::string(text.substr(blank + 2));
  const auto lines = split_lines(head);
  const std::string_view first = lines.at(0);
  const auto sp1 = first.find(' ');
  const auto sp2 = first.rfind(' ');
  REQUIRE(sp1 != std::string_view::npos);
  REQUIRE(sp2 > sp1);
  r.method = std::string(first.substr(0, sp1));
  r.target = std::string(first.substr(sp1 + 1, sp2 - sp1 - 1));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string_view line = lines[i];
    if (line.empty()) {
      REQUIRE(i + 1 == lines.size());  // a final newline without a body
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      REQUIRE(!r.headers.empty());
      r.headers.back().value += " ";
      r.headers.back().value += line;
      continue;
    }
    const auto colon = line.find(':');
    REQUIRE(colon != std::string_view::npos);
    r.headers.push_back({std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  return r;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<sig::QueryParam> parse_query(std::string_view q) {
  std::vector<sig::QueryParam> out;
  std::size_t start = 0;
  while (start < q.size()) {
    auto amp = q.find('&', start);
    if (amp == std::string_view::npos) amp = q.size();
    const std::string_view piece = q.substr(start, amp - start);
    if (!piece.empty()) {
      const auto eq = piece.find('=');
      if (eq == std::string_view::npos) {
        out.push_back({percent_decode(piece), ""});
      } else {
        out.push_back({percent_decode(piece.substr(0, eq)), percent_decode(piece.substr(eq + 1))});
      }
    }
    start = amp + 1;
  }
  return out;
}

// The signer's input: decoded path and query, headers as given.
sig::Request signing_request(const RawRequest& raw) {
  sig::Request r;
  r.method = raw.method;
  const auto q = raw.target.find('?');
  r.path = percent_decode(std::string_view(raw.target).substr(0, q));
  if (q != std::string::npos) r.query = parse_query(std::string_view(raw.target).substr(q + 1));
  r.headers = raw.headers;
  return r;
}

const sig::Header* find_header(const std::vector<sig::Header>& hs, std::string_view lower) {
  for (const auto& h : hs) {
    std::string n = h.name;
    std::transform(n.begin(), n.end(), n.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    if (n == lower) return &h;
  }
  return nullptr;
}

// Generic SigV4 removes "." and ".." segments and empty segments; S3 does not.
bool normalisation_changes(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  const auto segments = [&] {
    std::vector<std::string_view> s;
    std::size_t start = 1;
    while (true) {
      const auto slash = path.find('/', start);
      s.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
      if (slash == std::string_view::npos) return s;
      start = slash + 1;
    }
  }();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const bool last = i + 1 == segments.size();
    if (segments[i] == "." || segments[i] == "..") return true;
    if (segments[i].empty() && !last) return true;
  }
  return false;
}

std::string line_at(std::string_view text, std::size_t n) {
  return std::string(split_lines(text).at(n));
}

std::string signature_of(std::string_view authorization) {
  const auto at = authorization.rfind("Signature=");
  REQUIRE(at != std::string_view::npos);
  return std::string(authorization.substr(at + 10));
}

std::multiset<std::pair<std::string, std::string>> header_set(const std::vector<sig::Header>& hs) {
  std::multiset<std::pair<std::string, std::string>> out;
  for (const auto& h : hs) {
    std::string n = h.name;
    std::transform(n.begin(), n.end(), n.begin(), [](char c) {
      return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    out.insert({n, sig::canonical_header_value(h.value)});
  }
  return out;
}

struct Tally {
  int found = 0;
  int checked = 0;
  int skipped = 0;
};

// The inverted check of a skipped normalisation case.
void check_not_normalised(const sig::Request& req, std::string_view expected_creq) {
  const std::string ours = sig::canonical_uri(req.path);
  CHECK(ours == sig::uri_encode(req.path, true));
  CHECK(ours != line_at(expected_creq, 1));
}

void report(const char* suite, const Tally& t) {
  std::printf("sigv4 %s: %d cases found, %d checked, %d skipped\n", suite, t.found, t.checked,
              t.skipped);
  std::fflush(stdout);
}

}  // namespace

TEST_CASE("sigv4 vectors: botocore aws-sig-v4-test-suite, every step", "[sigv4][conformance]") {
  const fs::path dir = ev::test::require_vectors("sigv4/botocore");
  std::vector<fs::path> cases;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() == ".req") cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  Tally t;
  t.found = static_cast<int>(cases.size());
  for (const fs::path& req_file : cases) {
    const std::string name = fs::relative(req_file.parent_path(), dir).string();
    INFO("case " << name);
    const auto read = [&](const char* ext) {
      fs::path p = req_file;
      return ev::test::read_file(p.replace_extension(ext));
    };
    const RawRequest raw = parse_request(read(".req"));
    const std::string creq = read(".creq");
    const std::string sts = read(".sts");
    const std::string authz = read(".authz");
    const RawRequest signed_raw = parse_request(read(".sreq"));
    const sig::Request req = signing_request(raw);

    if (normalisation_changes(req.path)) {
      std::printf(
          "SKIP botocore/%s: expects path normalisation of \"%s\"; S3 signs paths as "
          "written\n",
          name.c_str(), req.path.c_str());
      check_not_normalised(req, creq);
      ++t.skipped;
      continue;
    }

    // A session token that the .sreq carries and the .req lacks was given to the signer;
    // whether it was signed shows in the Authorization's SignedHeaders.
    sig::Credentials creds;
    creds.access_key_id = "AKIDEXAMPLE";
    creds.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    sig::HeaderSigningOptions opt;
    opt.payload_hash = sig::hex_sha256(ev::as_bytes(raw.body));
    opt.add_content_sha256 = false;
    const sig::Header* token = find_header(signed_raw.headers, "x-amz-security-token");
    if (token != nullptr && find_header(raw.headers, "x-amz-security-token") == nullptr) {
      creds.session_token = token->value;
      opt.sign_session_token = authz.find("x-amz-security-token") != std::string::npos;
    }
    const sig::Header* date = find_header(raw.headers, "x-amz-date");
    REQUIRE(date != nullptr);
    const sig::Scope scope{date->value, "us-east-1", "service"};

    auto s = sig::sign_headers(req, creds, scope, opt);
    REQUIRE(s.ok());
    CHECK(s->canonical_request == creq);
    CHECK(s->string_to_sign == sts);
    CHECK(s->signature == signature_of(authz));
    CHECK(s->authorization == authz);
    ++t.checked;
  }
  report("botocore", t);
  CHECK(t.found == 34);  // the README's count: a walker that misses a folder fails here
  REQUIRE(t.checked + t.skipped == t.found);
}

TEST_CASE("sigv4 vectors: aws-c-auth v4 suite, header and query signing", "[sigv4][conformance]") {
  const fs::path dir = ev::test::require_vectors("sigv4/aws-c-auth/v4");
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_directory()) cases.push_back(e.path());
  }
  std::sort(cases.begin(), cases.end());
  Tally t;
  t.found = static_cast<int>(cases.size());
  simdjson::dom::parser parser;
  for (const fs::path& c : cases) {
    const std::string name = c.filename().string();
    INFO("case " << name);
    const auto read = [&](const char* file) { return ev::test::read_file(c / file); };
    const std::string context_text = read("context.json");
    simdjson::dom::element ctx;
    REQUIRE(parser.parse(context_text).get(ctx) == simdjson::SUCCESS);

    const RawRequest raw = parse_request(read("request.txt"));
    const sig::Request req = signing_request(raw);
    bool normalize = false;
    REQUIRE(ctx["normalize"].get(normalize) == simdjson::SUCCESS);
    if (normalize && normalisation_changes(req.path)) {
      std::printf(
          "SKIP aws-c-auth/%s: normalize=true changes the path \"%s\"; S3 signs paths "
          "as written (its *-unnormalized twin is checked)\n",
          name.c_str(), req.path.c_str());
      check_not_normalised(req, read("header-canonical-request.txt"));
      check_not_normalised(req, read("query-canonical-request.txt"));
      ++t.skipped;
      continue;
    }

    sig::Credentials creds;
    std::string_view text;
    REQUIRE(ctx["credentials"]["access_key_id"].get(text) == simdjson::SUCCESS);
    creds.access_key_id = std::string(text);
    REQUIRE(ctx["credentials"]["secret_access_key"].get(text) == simdjson::SUCCESS);
    creds.secret_access_key = std::string(text);
    if (ctx["credentials"]["token"].get(text) == simdjson::SUCCESS) {
      creds.session_token = std::string(text);
    }
    bool omit_token = false;
    if (ctx["omit_session_token"].error() == simdjson::SUCCESS) {
      REQUIRE(ctx["omit_session_token"].get(omit_token) == simdjson::SUCCESS);
    }
    bool sign_body = false;
    REQUIRE(ctx["sign_body"].get(sign_body) == simdjson::SUCCESS);
    std::int64_t expires = 0;
    REQUIRE(ctx["expiration_in_seconds"].get(expires) == simdjson::SUCCESS);
    sig::Scope scope;
    REQUIRE(ctx["region"].get(text) == simdjson::SUCCESS);
    scope.region = std::string(text);
    REQUIRE(ctx["service"].get(text) == simdjson::SUCCESS);
    scope.service = std::string(text);
    REQUIRE(ctx["timestamp"].get(text) == simdjson::SUCCESS);
    for (char ch : text) {  // "2015-08-30T12:36:00Z" -> "20150830T123600Z"
      if (ch != '-' && ch != ':') scope.amz_date += ch;
    }
    const std::string payload_hash = sig::hex_sha256(ev::as_bytes(raw.body));

    sig::HeaderSigningOptions hopt;
    hopt.payload_hash = payload_hash;
    hopt.add_content_sha256 = sign_body;
    hopt.sign_session_token = !omit_token;
    auto h = sig::sign_headers(req, creds, scope, hopt);
    REQUIRE(h.ok());
    CHECK(h->canonical_request == read("header-canonical-request.txt"));
    CHECK(h->string_to_sign == read("header-string-to-sign.txt"));
    CHECK(h->signature == read("header-signature.txt"));
    const RawRequest signed_req = parse_request(read("header-signed-request.txt"));
    const sig::Header* auth = find_header(signed_req.headers, "authorization");
    REQUIRE(auth != nullptr);
    CHECK(h->authorization == auth->value);
    std::vector<sig::Header> ours = raw.headers;
    ours.insert(ours.end(), h->headers.begin(), h->headers.end());
    CHECK(header_set(ours) == header_set(signed_req.headers));

    sig::PresignOptions qopt;
    qopt.expires_seconds = expires;
    qopt.payload_hash = payload_hash;
    qopt.sign_session_token = !omit_token;
    auto q = sig::presign(req, creds, scope, qopt);
    REQUIRE(q.ok());
    CHECK(q->canonical_request == read("query-canonical-request.txt"));
    CHECK(q->string_to_sign == read("query-string-to-sign.txt"));
    CHECK(q->signature == read("query-signature.txt"));
    const RawRequest presigned = parse_request(read("query-signed-request.txt"));
    const auto qmark = presigned.target.find('?');
    REQUIRE(qmark != std::string::npos);
    std::multiset<std::pair<std::string, std::string>> expected_params;
    for (const auto& p : parse_query(std::string_view(presigned.target).substr(qmark + 1))) {
      if (p.name.starts_with("X-Amz-")) expected_params.insert({p.name, p.value});
    }
    std::multiset<std::pair<std::string, std::string>> our_params;
    for (const auto& p : q->query) our_params.insert({p.name, p.value});
    CHECK(our_params == expected_params);
    ++t.checked;
  }
  report("aws-c-auth v4", t);
  CHECK(t.found == 38);  // the README's count
  REQUIRE(t.checked + t.skipped == t.found);
}
