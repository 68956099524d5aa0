// An in-process S3 server for unit tests (cpp-httplib, 127.0.0.1, port 0): objects in memory,
// SigV4 verified from the bytes on the wire (canonical request rebuilt from the raw target
// and headers), x-amz-content-sha256 and Content-MD5 checked, If-None-Match / If-Match,
// HEAD, DELETE, DeleteObjects and ListObjectsV2 (prefix, start-after, continuation-token,
// max-keys, encoding-type=url), path-style and virtual-hosted-style. A test can answer any
// request itself first (intercept) to inject errors; every request is logged.
#pragma once

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <pugixml.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ev/common/bytes.hpp"
#include "ev/common/digest.hpp"
#include "ev/s3/md5.hpp"
#include "ev/s3/s3_client.hpp"
#include "ev/s3/sigv4.hpp"

namespace ev::s3::test {

// A self-signed certificate for "localhost" / 127.0.0.1 and its key, written as PEM files.
struct TlsIdentity {
  std::filesystem::path cert;
  std::filesystem::path key;

  static TlsIdentity create(const std::filesystem::path& dir) {
    TlsIdentity id{dir / "cert.pem", dir / "key.pem"};
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    REQUIRE(pkey != nullptr);
    X509* x = X509_new();
    REQUIRE(x != nullptr);
    REQUIRE(X509_set_version(x, 2) == 1);
    REQUIRE(ASN1_INTEGER_set(X509_get_serialNumber(x), 1) == 1);
    REQUIRE(X509_gmtime_adj(X509_getm_notBefore(x), -3600) != nullptr);
    REQUIRE(X509_gmtime_adj(X509_getm_notAfter(x), 86400) != nullptr);
    REQUIRE(X509_set_pubkey(x, pkey) == 1);
    X509_NAME* name = X509_get_subject_name(x);
    const auto* cn = reinterpret_cast<const unsigned char*>("localhost");
    REQUIRE(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, cn, -1, -1, 0) == 1);
    REQUIRE(X509_set_issuer_name(x, name) == 1);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name,
                                              "DNS:localhost,DNS:*.localhost,IP:127.0.0.1");
    REQUIRE(san != nullptr);
    REQUIRE(X509_add_ext(x, san, -1) == 1);
    X509_EXTENSION_free(san);
    REQUIRE(X509_sign(x, pkey, EVP_sha256()) > 0);
    FILE* f = std::fopen(id.cert.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(PEM_write_X509(f, x) == 1);
    std::fclose(f);
    f = std::fopen(id.key.c_str(), "wb");
    REQUIRE(f != nullptr);
    REQUIRE(PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr) == 1);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
    return id;
  }
};

class FakeS3 {
 public:
  struct Logged {
    std::string method;
    std::string target;  // raw, as sent
    std::string host;
    int remote_port = 0;
    httplib::Headers headers;
  };
  struct StoredObject {
    Bytes data;
    std::string etag;
    std::chrono::system_clock::time_point modified;
  };
  // Return true when the request was answered (the store is then left alone).
  using Intercept = std::function<bool(const httplib::Request&, httplib::Response&)>;

  inline static const std::string kAccessKey = "AKIDFAKE0000000000001";
  inline static const std::string kSecretKey = "fake/secret/key/0000000000000000000000001";
  inline static const std::string kBucket = "fake-bucket";
  inline static const std::string kRegion = "us-east-1";

  explicit FakeS3(const TlsIdentity* tls = nullptr) {
    if (tls) {
      server_ = std::make_unique<httplib::SSLServer>(tls->cert.c_str(), tls->key.c_str());
    } else {
      server_ = std::make_unique<httplib::Server>();
    }
    auto handler = [this](const httplib::Request& req, httplib::Response& res) {
      handle(req, res);
    };
    server_->set_tcp_nodelay(true);
    server_->Get(".*", handler);
    server_->Put(".*", handler);
    server_->Post(".*", handler);
    server_->Delete(".*", handler);
    port_ = server_->bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    // The socket already listens (bind_to_any_port); this only waits for the accept loop.
    for (int i = 0; i < 1000 && !server_->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~FakeS3() {
    server_->stop();
    thread_.join();
  }
  FakeS3(const FakeS3&) = delete;
  FakeS3& operator=(const FakeS3&) = delete;

  int port() const { return port_; }
  std::string endpoint(std::string_view scheme = "http",
                       std::string_view host = "127.0.0.1") const {
    return std::string(scheme) + "://" + std::string(host) + ":" + std::to_string(port_);
  }

  // A client configuration for this server (path style, no real sleeping unless given).
  S3Config config() const {
    S3Config c;
    c.endpoint = endpoint();
    c.bucket = kBucket;
    c.region = kRegion;
    c.credentials.access_key_id = kAccessKey;
    c.credentials.secret_access_key = kSecretKey;
    c.connect_timeout = std::chrono::milliseconds(2000);
    c.io_timeout = std::chrono::milliseconds(5000);
    return c;
  }

  void set_intercept(Intercept f) {
    std::lock_guard lock(mu_);
    intercept_ = std::move(f);
  }
  std::vector<Logged> log() const {
    std::lock_guard lock(mu_);
    return log_;
  }
  void clear_log() {
    std::lock_guard lock(mu_);
    log_.clear();
  }
  std::map<std::string, StoredObject> objects() const {
    std::lock_guard lock(mu_);
    return objects_;
  }
  void put_raw(const std::string& key, Bytes data, std::string etag) {
    std::lock_guard lock(mu_);
    objects_[key] =
        StoredObject{std::move(data), std::move(etag), std::chrono::system_clock::now()};
  }
  // Verifies signatures with this secret from now on (clients with another one then get
  // SignatureDoesNotMatch).
  void set_expected_secret(std::string secret) {
    std::lock_guard lock(mu_);
    secret_ = std::move(secret);
  }

  static void error(httplib::Response& res, int status, const std::string& code,
                    const std::string& message = "") {
    res.status = status;
    res.set_content("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code +
                        "</Code><Message>" + message + "</Message><RequestId>fake-req</RequestId>" +
                        "</Error>",
                    "application/xml");
  }

 private:
  struct Target {
    std::string key;  // decoded, "" for the bucket
    std::vector<sigv4::QueryParam> query;
    std::string raw_path;
  };

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static std::string decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
        out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
      } else {
        out += s[i];
      }
    }
    return out;
  }
  // encoding-type=url as AWS does it: '+' for a space, %XX for the rest.
  static std::string encode_url(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c == ' ') {
        out += '+';
      } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
                 c == '~' || c == '/') {
        out += c;
      } else {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%%%02X", static_cast<unsigned char>(c));
        out += buf;
      }
    }
    return out;
  }
  static std::string escape(std::string_view s) {
    std::string out;
    for (char c : s) {
      if (c == '&')
        out += "&amp;";
      else if (c == '<')
        out += "&lt;";
      else if (c == '>')
        out += "&gt;";
      else
        out += c;
    }
    return out;
  }
  static std::string http_date(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
  }
  static std::string iso_date(std::chrono::system_clock::time_point t) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
    return buf;
  }

  // Splits the raw target into key and query; handles both addressing styles.
  bool parse_target(const httplib::Request& req, Target& t, httplib::Response& res) {
    const std::string& target = req.target;
    const auto q = target.find('?');
    t.raw_path = target.substr(0, q);
    if (q != std::string::npos) {
      std::string_view query(target);
      query.remove_prefix(q + 1);
      while (!query.empty()) {
        const auto amp = query.find('&');
        const std::string_view item = query.substr(0, amp);
        const auto eq = item.find('=');
        t.query.push_back({decode(item.substr(0, eq)),
                           eq == std::string_view::npos ? "" : decode(item.substr(eq + 1))});
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
      }
    }
    const std::string host = req.get_header_value("Host");
    const std::string path = decode(t.raw_path);
    const std::string vhost = kBucket + ".localhost";
    if (host.rfind(vhost, 0) == 0) {
      t.key = path.size() > 1 ? path.substr(1) : "";
      return true;
    }
    const std::string bucket_path = "/" + kBucket;
    if (path == bucket_path || path == bucket_path + "/") return true;
    if (path.rfind(bucket_path + "/", 0) != 0) {
      error(res, 404, "NoSuchBucket");
      return false;
    }
    t.key = path.substr(bucket_path.size() + 1);
    return true;
  }

  bool verify_signature(const httplib::Request& req, const Target& t, httplib::Response& res) {
    const std::string auth = req.get_header_value("Authorization");
    const std::string prefix = "AWS4-HMAC-SHA256 Credential=";
    if (auth.rfind(prefix, 0) != 0) {
      error(res, 403, "AccessDenied", "no SigV4 authorization");
      return false;
    }
    const auto sh = auth.find(", SignedHeaders=");
    const auto sg = auth.find(", Signature=");
    if (sh == std::string::npos || sg == std::string::npos) {
      error(res, 403, "AccessDenied", "malformed authorization");
      return false;
    }
    const std::string credential = auth.substr(prefix.size(), sh - prefix.size());
    const std::string signed_names = auth.substr(sh + 16, sg - sh - 16);
    const std::string signature = auth.substr(sg + 12);
    if (credential.rfind(kAccessKey + "/", 0) != 0) {
      error(res, 403, "InvalidAccessKeyId");
      return false;
    }
    std::vector<sigv4::Header> headers;
    std::size_t pos = 0;
    while (pos <= signed_names.size()) {
      auto semi = signed_names.find(';', pos);
      if (semi == std::string::npos) semi = signed_names.size();
      const std::string name = signed_names.substr(pos, semi - pos);
      headers.push_back({name, req.get_header_value(name.c_str())});
      pos = semi + 1;
    }
    auto canonical = sigv4::canonical_headers(headers);
    REQUIRE(canonical.ok());
    const std::string payload = req.get_header_value("x-amz-content-sha256");
    const std::string creq = sigv4::canonical_request(
        req.method, t.raw_path, sigv4::canonical_query_string(t.query), *canonical, payload);
    const sigv4::Scope scope{req.get_header_value("x-amz-date"), kRegion, "s3"};
    if (!sigv4::validate_scope(scope).ok()) {
      error(res, 403, "AccessDenied", "bad x-amz-date");
      return false;
    }
    std::string secret;
    {
      std::lock_guard lock(mu_);
      secret = secret_;
    }
    const auto key = sigv4::signing_key(secret, scope);
    if (sigv4::signature(key, sigv4::string_to_sign(scope, creq)) != signature) {
      error(res, 403, "SignatureDoesNotMatch",
            "The request signature we calculated does not match");
      return false;
    }
    if (sigv4::hex_sha256(as_bytes(req.body)) != payload) {
      error(res, 400, "XAmzContentSHA256Mismatch");
      return false;
    }
    return true;
  }

  bool check_md5(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Content-MD5")) return true;
    const std::string expected = ev::s3::base64(md5(as_bytes(req.body)));
    const std::string given = req.get_header_value("Content-MD5");
    if (given.size() != 24) {
      error(res, 400, "InvalidDigest");
      return false;
    }
    if (given != expected) {
      error(res, 400, "BadDigest");
      return false;
    }
    return true;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    {
      std::lock_guard lock(mu_);
      log_.push_back(Logged{req.method, req.target, req.get_header_value("Host"), req.remote_port,
                            req.headers});
    }
    Intercept intercept;
    {
      std::lock_guard lock(mu_);
      intercept = intercept_;
    }
    if (intercept && intercept(req, res)) return;
    Target t;
    if (!parse_target(req, t, res) || !verify_signature(req, t, res)) return;
    std::lock_guard lock(mu_);
    if (t.key.empty()) {
      bucket_call(req, t, res);
    } else {
      object_call(req, t, res);
    }
  }

  void object_call(const httplib::Request& req, const Target& t, httplib::Response& res) {
    auto it = objects_.find(t.key);
    if (req.method == "PUT") {
      if (!check_md5(req, res)) return;
      if (req.get_header_value("If-None-Match") == "*" && it != objects_.end()) {
        error(res, 412, "PreconditionFailed");
        return;
      }
      StoredObject o{Bytes(req.body.begin(), req.body.end()), etag_of(as_bytes(req.body)),
                     std::chrono::system_clock::now()};
      res.set_header("ETag", "\"" + o.etag + "\"");
      objects_[t.key] = std::move(o);
      res.status = 200;
      return;
    }
    if (req.method == "DELETE") {
      if (it != objects_.end()) objects_.erase(it);
      res.status = 204;
      return;
    }
    if (it == objects_.end()) {
      if (req.method == "HEAD") {
        res.status = 404;
      } else {
        error(res, 404, "NoSuchKey");
      }
      return;
    }
    const std::string if_match = req.get_header_value("If-Match");
    if (!if_match.empty() && if_match != "\"" + it->second.etag + "\"") {
      error(res, 412, "PreconditionFailed");
      return;
    }
    res.status = 200;
    res.set_header("ETag", "\"" + it->second.etag + "\"");
    res.set_header("Last-Modified", http_date(it->second.modified));
    res.set_content(std::string(it->second.data.begin(), it->second.data.end()),
                    "application/octet-stream");
  }

  static std::optional<std::string> param(const Target& t, const std::string& name) {
    for (const auto& p : t.query) {
      if (p.name == name) return p.value;
    }
    return std::nullopt;
  }

  void bucket_call(const httplib::Request& req, const Target& t, httplib::Response& res) {
    if (req.method == "POST" && param(t, "delete")) {
      delete_objects(req, res);
    } else if (req.method == "GET" && param(t, "list-type")) {
      list_objects(t, res);
    } else {
      error(res, 501, "NotImplemented");
    }
  }

  void delete_objects(const httplib::Request& req, httplib::Response& res) {
    if (!req.has_header("Content-MD5")) {
      error(res, 400, "InvalidRequest", "Content-MD5 required");
      return;
    }
    if (!check_md5(req, res)) return;
    pugi::xml_document doc;
    if (!doc.load_buffer(req.body.data(), req.body.size())) {
      error(res, 400, "MalformedXML");
      return;
    }
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteResult>";
    const bool quiet = std::string(doc.child("Delete").child_value("Quiet")) == "true";
    for (pugi::xml_node o : doc.child("Delete").children("Object")) {
      const std::string key = o.child_value("Key");
      if (key.rfind("denied/", 0) == 0 || key.find("/denied/") != std::string::npos) {
        out += "<Error><Key>" + escape(key) +
               "</Key><Code>AccessDenied</Code><Message>no"
               "</Message></Error>";
        continue;
      }
      objects_.erase(key);
      if (!quiet) out += "<Deleted><Key>" + escape(key) + "</Key></Deleted>";
    }
    out += "</DeleteResult>";
    res.status = 200;
    res.set_content(out, "application/xml");
  }

  void list_objects(const Target& t, httplib::Response& res) {
    const std::string prefix = param(t, "prefix").value_or("");
    std::size_t max_keys = 1000;
    if (const auto m = param(t, "max-keys")) max_keys = std::min<std::size_t>(std::stoul(*m), 1000);
    std::string after;
    if (const auto tok = param(t, "continuation-token")) {
      after = *tok;
    } else if (const auto sa = param(t, "start-after")) {
      after = *sa;
    }
    const bool url = param(t, "encoding-type") == std::optional<std::string>("url");
    const auto enc = [&](const std::string& s) { return escape(url ? encode_url(s) : s); };
    std::string body = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>" +
                       kBucket + "</Name><Prefix>" + enc(prefix) + "</Prefix>";
    std::size_t n = 0;
    std::string last;
    bool truncated = false;
    for (auto it = after.empty() ? objects_.begin() : objects_.upper_bound(after);
         it != objects_.end(); ++it) {
      if (it->first.rfind(prefix, 0) != 0) continue;
      if (n == max_keys) {
        truncated = true;
        break;
      }
      body += "<Contents><Key>" + enc(it->first) + "</Key><LastModified>" +
              iso_date(it->second.modified) + "</LastModified><ETag>&quot;" + it->second.etag +
              "&quot;</ETag><Size>" + std::to_string(it->second.data.size()) +
              "</Size><StorageClass>STANDARD</StorageClass></Contents>";
      last = it->first;
      ++n;
    }
    body += "<MaxKeys>" + std::to_string(max_keys) + "</MaxKeys><KeyCount>" + std::to_string(n) +
            "</KeyCount><IsTruncated>" + (truncated ? "true" : "false") + "</IsTruncated>";
    if (truncated) body += "<NextContinuationToken>" + escape(last) + "</NextContinuationToken>";
    if (url) body += "<EncodingType>url</EncodingType>";
    body += "</ListBucketResult>";
    res.status = 200;
    res.set_content(body, "application/xml");
  }

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  Intercept intercept_;
  std::vector<Logged> log_;
  std::map<std::string, StoredObject> objects_;
  std::string secret_ = kSecretKey;
};

// Sleeps nothing, records what it was asked to sleep.
class RecordingSleeper final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds d) override {
    std::lock_guard lock(mu_);
    slept_.push_back(d);
  }
  std::vector<std::chrono::milliseconds> slept() const {
    std::lock_guard lock(mu_);
    return slept_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::chrono::milliseconds> slept_;
};

// Always the upper bound (so back-off ceilings are visible), or always 0.
class FixedRandom final : public Random {
 public:
  explicit FixedRandom(bool max) : max_(max) {}
  std::uint64_t uniform(std::uint64_t bound) override { return max_ ? bound : 0; }

 private:
  bool max_;
};

class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point t) : t_(t) {}
  std::chrono::system_clock::time_point now() override { return t_; }

 private:
  std::chrono::system_clock::time_point t_;
};

}  // namespace ev::s3::test
