// S3Client: ObjectStore calls as signed S3 requests with retries (s3_client.hpp,
// docs/s3-store.md "S3 client").
#include "ev/s3/s3_client.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <set>
#include <utility>
#include <variant>

#include "ev/s3/md5.hpp"
#include "ev/s3/object_key.hpp"
#include "ev/s3/s3_xml.hpp"
#include "s3_client_http.hpp"

namespace ev::s3 {
namespace {

using detail::HttpResponse;

constexpr std::uint64_t kMaxControlResponse = xml::kMaxXmlBytes;  // any non-GET answer
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

Error invalid(std::string_view what) { return make_error(Errc::InvalidArgument, what); }

// A key or other untrusted text quoted for a message (controls replaced, at most 200 bytes).
std::string quoted(std::string_view s) {
  std::string out(s.substr(0, 200));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return "'" + out + (s.size() > 200 ? "...'" : "'");
}

bool is_md5_etag(std::string_view etag) {
  return etag.size() == 32 && std::all_of(etag.begin(), etag.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
         });
}

std::string lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Result<void> validate_bucket(std::string_view b) {
  const auto fail = [&](std::string_view why) {
    return invalid("bucket " + quoted(b) + ": " + std::string(why));
  };
  if (b.size() < 3 || b.size() > 63) return fail("must be 3..63 characters");
  for (std::size_t i = 0; i < b.size(); ++i) {
    const char c = b[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '-') return fail("only a-z, 0-9, '.' and '-' are allowed");
    if ((i == 0 || i + 1 == b.size()) && !alnum) return fail("must start and end with a-z or 0-9");
    if (c == '.' && b[i + 1] == '.') return fail("no two adjacent '.'");
  }
  in_addr a{};
  if (inet_pton(AF_INET, std::string(b).c_str(), &a) == 1) return fail("must not be an IP address");
  return ok();
}

Result<void> validate_key_prefix(std::string_view p) {
  if (p.empty()) return ok();
  if (!p.ends_with('/')) return invalid("key prefix " + quoted(p) + " must end with '/'");
  auto r = validate_key(p.substr(0, p.size() - 1));
  if (!r.ok()) return invalid("key prefix " + quoted(p) + ": " + r.error().message);
  if (p.size() >= kMaxKeyBytes) return invalid("key prefix " + quoted(p) + " is too long");
  return ok();
}

Result<void> validate_config(const S3Config& c) {
  EV_TRY(validate_bucket(c.bucket));
  EV_TRY(validate_key_prefix(c.key_prefix));
  const sigv4::Scope probe{"20000101T000000Z", c.region, "s3"};
  if (!sigv4::validate_scope(probe).ok()) return invalid("region " + quoted(c.region));
  if (c.credentials.access_key_id.empty() || c.credentials.secret_access_key.empty()) {
    return invalid("credentials need an access key id and a secret access key");
  }
  const RetryPolicy& r = c.retry;
  if (r.max_attempts < 1 || r.max_attempts > 20) return invalid("retry.max_attempts: 1..20");
  const auto ten_minutes = std::chrono::milliseconds(600000);
  if (r.base_delay.count() < 0 || r.max_delay < r.base_delay || r.max_delay > ten_minutes ||
      r.max_retry_after.count() < 0 || r.max_retry_after > ten_minutes) {
    return invalid(
        "retry delays: 0 <= base_delay <= max_delay <= 10 min, max_retry_after <= 10 min");
  }
  if (c.max_connections < 1 || c.max_connections > 256) return invalid("max_connections: 1..256");
  if (c.connect_timeout.count() <= 0 || c.io_timeout.count() <= 0) {
    return invalid("timeouts must be positive");
  }
  if (c.max_object_bytes == 0) return invalid("max_object_bytes must be positive");
  return ok();
}

// One logical S3 call, re-signed for every attempt.
struct Call {
  std::string method;
  std::string key;  // the full key ("" for a bucket-level call)
  std::vector<sigv4::QueryParam> query;
  std::vector<sigv4::Header> headers;  // lower-case names, all signed
  std::string body;                    // owned body (DeleteObjects), or
  ByteSpan body_view;                  // the caller's bytes (PUT), used when body is empty
  std::string payload_hash;
  std::uint64_t max_response_bytes = kMaxControlResponse;
  std::string what;  // "PUT 'key'", for messages
};

struct Outcome {
  HttpResponse response;
  bool ambiguous = false;  // an earlier attempt failed after the request may have arrived
};

bool success(const HttpResponse& r) { return r.status >= 200 && r.status < 300; }

}  // namespace

struct S3Client::Impl {
  S3Config cfg;
  detail::Endpoint endpoint;
  std::string host_header;
  Clock& clock;
  Sleeper& sleeper;
  Random& random;
  detail::ConnectionPool pool;
  std::atomic<std::uint64_t> attempts{0};
  std::atomic<std::uint64_t> retries{0};

  Impl(S3Config c, detail::Endpoint e, std::string host, detail::PoolSettings ps)
      : cfg(std::move(c)),
        endpoint(e),
        host_header(std::move(host)),
        clock(cfg.clock ? *cfg.clock : system_clock()),
        sleeper(cfg.sleeper ? *cfg.sleeper : thread_sleeper()),
        random(cfg.random ? *cfg.random : system_random()),
        pool(std::move(e), std::move(ps)) {}

  Result<std::string> full_key(std::string_view key) const {
    EV_TRY(validate_key(key));
    if (cfg.key_prefix.size() + key.size() > kMaxKeyBytes) {
      return make_error(Errc::InvalidKey,
                        "with the store's prefix " + quoted(cfg.key_prefix) + " the key is " +
                            std::to_string(cfg.key_prefix.size() + key.size()) + " bytes (limit " +
                            std::to_string(kMaxKeyBytes) + ")");
    }
    return cfg.key_prefix + std::string(key);
  }

  Result<detail::HttpRequest> build(const Call& c) const {
    std::string path = cfg.style == AddressingStyle::Path ? "/" + cfg.bucket : std::string();
    if (!c.key.empty()) path += "/" + c.key;
    if (path.empty()) path = "/";
    sigv4::Request sr;
    sr.method = c.method;
    sr.path = path;
    sr.query = c.query;
    sr.headers = c.headers;
    sr.headers.push_back({"host", host_header});
    const sigv4::Scope scope{sigv4::amz_date(clock.now()), cfg.region, "s3"};
    sigv4::HeaderSigningOptions so;
    so.payload_hash = c.payload_hash;
    auto signature = sigv4::sign_headers(sr, cfg.credentials, scope, so);
    if (!signature.ok()) return std::move(signature).error().context("signing " + c.what);
    detail::HttpRequest h;
    h.method = c.method;
    h.target = sigv4::canonical_uri(path);
    if (!c.query.empty()) h.target += "?" + sigv4::canonical_query_string(c.query);
    h.headers.reserve(sr.headers.size() + signature->headers.size());
    for (const auto& hd : sr.headers) h.headers.emplace_back(hd.name, hd.value);
    for (const auto& hd : signature->headers) h.headers.emplace_back(hd.name, hd.value);
    h.body = c.body.empty() ? std::string_view(reinterpret_cast<const char*>(c.body_view.data()),
                                               c.body_view.size())
                            : std::string_view(c.body);
    h.max_response_bytes = c.max_response_bytes;
    return h;
  }

  S3ErrorResponse describe(const HttpResponse& r, const std::string& what) const {
    S3ErrorResponse e;
    e.status = r.status;
    e.request = what;
    if (const auto* id = r.header("x-amz-request-id")) e.request_id = *id;
    if (const auto* ra = r.header("Retry-After")) {
      e.retry_after = parse_retry_after(*ra, clock.now());
      if (e.retry_after) e.retry_after = std::min(*e.retry_after, cfg.retry.max_retry_after);
    }
    if (!r.body.empty()) {
      auto parsed = xml::parse_error(r.text());
      if (parsed.ok()) {
        e.code = std::move(parsed->code);
        e.message = std::move(parsed->message);
        if (!parsed->request_id.empty()) e.request_id = std::move(parsed->request_id);
      } else {
        e.message = "unreadable error body (" + parsed.error().message + ")";
      }
    }
    return e;
  }

  Error error_of(const HttpResponse& r, const std::string& what) const {
    return map_s3_error(describe(r, what));
  }

  // Sends c, retrying Throttled and Transient failures (s3_client.hpp). Returns the final HTTP
  // answer, whatever its status, unless it is retryable and the attempts are used up.
  Result<Outcome> run(const Call& c) {
    const int max = cfg.retry.max_attempts;
    bool ambiguous = false;
    for (int attempt = 1;; ++attempt) {
      attempts.fetch_add(1, std::memory_order_relaxed);
      if (attempt > 1) retries.fetch_add(1, std::memory_order_relaxed);
      const detail::HttpRequest request = EV_TRY(build(c));
      detail::SendResult sent = pool.send(request);
      const std::string tries = "after " + std::to_string(attempt) + " attempts";
      std::chrono::milliseconds delay{0};
      if (auto* response = std::get_if<HttpResponse>(&sent)) {
        if (success(*response)) return Outcome{std::move(*response), ambiguous};
        S3ErrorResponse described = describe(*response, c.what);
        if (!is_retryable(map_s3_error(described))) return Outcome{std::move(*response), ambiguous};
        ambiguous = true;  // a server error may come after the server acted
        if (attempt == max) {
          described.request += ", " + tries;
          return map_s3_error(described);
        }
        delay = described.retry_after ? *described.retry_after
                                      : backoff_delay(cfg.retry, attempt, random);
      } else {
        auto& failure = std::get<detail::SendFailure>(sent);
        Error e = std::move(failure.error);
        if (!is_retryable(e)) return std::move(e).context(c.what);
        ambiguous = ambiguous || failure.may_have_arrived;
        if (attempt == max) {
          e.message += " (" + c.what + ", " + tries + ")";
          return e;
        }
        delay = backoff_delay(cfg.retry, attempt, random);
      }
      sleeper.sleep_for(delay);
    }
  }

  Result<ObjectInfo> head_full(const std::string& full, const std::string& what) {
    Call c;
    c.method = "HEAD";
    c.key = full;
    c.payload_hash = std::string(kEmptySha256);
    c.what = what;
    const Outcome out = EV_TRY(run(c));
    if (!success(out.response)) return error_of(out.response, what);
    const HttpResponse& r = out.response;
    const auto* length = r.header("Content-Length");
    const auto* etag = r.header("ETag");
    const auto* modified = r.header("Last-Modified");
    if (!length || !etag || !modified) {
      return make_error(Errc::Protocol,
                        what + ": the answer lacks Content-Length, ETag or Last-Modified");
    }
    ObjectInfo info;
    const char* end = length->data() + length->size();
    const auto [ptr, ec] = std::from_chars(length->data(), end, info.size);
    if (length->empty() || ec != std::errc{} || ptr != end) {
      return make_error(Errc::Protocol, what + ": Content-Length " + quoted(*length));
    }
    info.etag = xml::unquote_etag(*etag);
    info.last_modified = EV_TRY_CTX(what + ": Last-Modified", xml::parse_http_date(*modified));
    return info;
  }

  // A create_only PUT met 412 after an earlier attempt may have stored the object: it is ours
  // when the stored ETag is the MD5 of our data (s3_client.hpp).
  Result<PutResult> resolve_create(const std::string& full, const std::string& what,
                                   const std::string& our_etag) {
    auto info = head_full(full, "HEAD " + quoted(full) + " to settle " + what);
    if (!info.ok()) {
      if (is(info.error(), Errc::NotFound)) {
        return make_error(Errc::PreconditionFailed,
                          what + ": HTTP 412 after a failed attempt, and the key is now empty");
      }
      return std::move(info).error().context(what + ": outcome unknown after a failed attempt");
    }
    if (lower(info->etag) == our_etag) return PutResult{our_etag};
    return make_error(Errc::PreconditionFailed,
                      what + ": another object exists under the key (HTTP 412)");
  }

  // Strips the store's prefix from a listed or reported key.
  Result<std::string> visible_key(const std::string& full, const std::string& what) const {
    if (!full.starts_with(cfg.key_prefix) || full.size() == cfg.key_prefix.size()) {
      return make_error(Errc::Protocol, what + ": the server returned the key " + quoted(full) +
                                            " outside the prefix " + quoted(cfg.key_prefix));
    }
    return full.substr(cfg.key_prefix.size());
  }
};

Result<std::unique_ptr<S3Client>> S3Client::create(S3Config config) {
  EV_TRY(validate_config(config));
  const detail::Endpoint endpoint = EV_TRY(detail::parse_endpoint(config.endpoint));
  std::string connect_host = endpoint.host;
  std::string host_header = endpoint.authority();
  if (config.style == AddressingStyle::VirtualHosted) {
    if (endpoint.ip_literal) {
      return invalid("virtual-hosted style needs a host name, not the address " + endpoint.host);
    }
    connect_host = config.bucket + "." + endpoint.host;
    host_header = endpoint.authority(connect_host);
  }
  detail::PoolSettings ps;
  ps.connect_host = connect_host;
  ps.max_connections = config.max_connections;
  ps.connect_timeout = config.connect_timeout;
  ps.io_timeout = config.io_timeout;
  ps.verify_tls = config.verify_tls;
  ps.ca_file = config.ca_file;
  auto impl =
      std::make_unique<Impl>(std::move(config), endpoint, std::move(host_header), std::move(ps));
  return std::unique_ptr<S3Client>(new S3Client(std::move(impl)));
}

S3Client::S3Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
S3Client::~S3Client() = default;

S3ClientStats S3Client::stats() const {
  return S3ClientStats{impl_->attempts.load(), impl_->retries.load()};
}

Result<PutResult> S3Client::put(std::string_view key, ByteSpan data, const PutOptions& options) {
  const std::string full = EV_TRY(impl_->full_key(key));
  // Digests the caller supplies are trusted here and checked by the server (a wrong one fails
  // with Corrupt and stores nothing); only missing ones are computed.
  const ByteArray<16> digest = options.content_md5 ? *options.content_md5 : md5(data);
  const std::string our_etag = to_hex(digest, false);
  Call c;
  c.method = "PUT";
  c.key = full;
  c.what = "PUT " + quoted(key);
  c.headers.push_back({"content-type", "application/octet-stream"});
  c.headers.push_back({"content-md5", base64(digest)});
  if (options.create_only) c.headers.push_back({"if-none-match", "*"});
  c.payload_hash = options.sha256 ? to_hex(*options.sha256, false) : sigv4::hex_sha256(data);
  c.body_view = data;
  const Outcome out = EV_TRY(impl_->run(c));
  if (success(out.response)) {
    const auto* etag = out.response.header("ETag");
    if (!etag) return make_error(Errc::Protocol, c.what + ": the answer has no ETag");
    return PutResult{xml::unquote_etag(*etag)};
  }
  if (out.response.status == 412 && options.create_only && out.ambiguous) {
    return impl_->resolve_create(full, c.what, our_etag);
  }
  return impl_->error_of(out.response, c.what);
}

Result<Object> S3Client::get(std::string_view key, const GetOptions& options) {
  const std::string full = EV_TRY(impl_->full_key(key));
  Call c;
  c.method = "GET";
  c.key = full;
  c.what = "GET " + quoted(key);
  if (options.if_match) {
    c.headers.push_back({"if-match", "\"" + xml::unquote_etag(*options.if_match) + "\""});
  }
  c.payload_hash = std::string(kEmptySha256);
  c.max_response_bytes = std::max<std::uint64_t>(impl_->cfg.max_object_bytes, 1u << 16);
  Outcome out = EV_TRY(impl_->run(c));
  if (!success(out.response)) return impl_->error_of(out.response, c.what);
  Bytes& body = out.response.body;
  if (body.size() > impl_->cfg.max_object_bytes) {
    return make_error(Errc::Protocol, c.what + ": object of " + std::to_string(body.size()) +
                                          " bytes exceeds max_object_bytes");
  }
  const auto* etag = out.response.header("ETag");
  if (!etag) return make_error(Errc::Protocol, c.what + ": the answer has no ETag");
  Object o;
  o.etag = xml::unquote_etag(*etag);
  o.data = std::move(body);
  o.size = o.data.size();
  if (is_md5_etag(o.etag)) {
    const std::string actual = to_hex(md5(o.data), false);
    if (actual != lower(o.etag)) {
      return make_error(Errc::Corrupt,
                        c.what + ": content MD5 " + actual + " does not match its ETag " + o.etag);
    }
  }
  return o;
}

Result<ObjectInfo> S3Client::head(std::string_view key) {
  const std::string full = EV_TRY(impl_->full_key(key));
  return impl_->head_full(full, "HEAD " + quoted(key));
}

Result<void> S3Client::remove(std::string_view key) {
  const std::string full = EV_TRY(impl_->full_key(key));
  Call c;
  c.method = "DELETE";
  c.key = full;
  c.what = "DELETE " + quoted(key);
  c.payload_hash = std::string(kEmptySha256);
  const Outcome out = EV_TRY(impl_->run(c));
  if (success(out.response)) return ok();
  Error e = impl_->error_of(out.response, c.what);
  if (is(e, Errc::NotFound)) return ok();  // already gone: removal is idempotent
  return e;
}

Result<RemoveManyResult> S3Client::remove_many(const std::vector<std::string>& keys) {
  if (keys.size() > kMaxKeysPerCall) {
    return invalid("remove_many: " + std::to_string(keys.size()) + " keys (at most " +
                   std::to_string(kMaxKeysPerCall) + ")");
  }
  RemoveManyResult result;
  std::vector<std::string> batch;  // full keys, each once
  std::set<std::string> seen;
  for (const std::string& key : keys) {
    auto full = impl_->full_key(key);
    if (!full.ok()) {
      result.errors.push_back(KeyError{key, std::move(full).error()});
    } else if (!xml::xml_representable(*full)) {
      // XML 1.0 cannot carry the key: remove it with its own request.
      if (auto r = remove(key); !r.ok()) result.errors.push_back(KeyError{key, r.error()});
    } else if (seen.insert(*full).second) {
      batch.push_back(std::move(full).value());
    }
  }
  if (batch.empty()) return result;
  Call c;
  c.method = "POST";
  c.query.push_back({"delete", ""});
  c.what = "DeleteObjects of " + std::to_string(batch.size()) + " keys";
  c.body = xml::delete_request(batch, /*quiet=*/true);
  c.headers.push_back({"content-type", "application/xml"});
  c.headers.push_back({"content-md5", base64(md5(as_bytes(c.body)))});
  c.payload_hash = sigv4::hex_sha256(as_bytes(c.body));
  const Outcome out = EV_TRY(impl_->run(c));
  if (!success(out.response)) return impl_->error_of(out.response, c.what);
  const xml::DeleteResult parsed =
      EV_TRY_CTX(c.what, xml::parse_delete_result(out.response.text()));
  for (const xml::DeleteError& e : parsed.errors) {
    if (!seen.contains(e.key)) {
      return make_error(Errc::Protocol, c.what + ": the answer reports the key " + quoted(e.key) +
                                            " not asked for");
    }
    if (e.code == "NoSuchKey") continue;  // missing keys count as removed
    S3ErrorResponse d;
    d.code = e.code;
    d.message = e.message;
    d.request = c.what;
    std::string key = EV_TRY(impl_->visible_key(e.key, c.what));
    result.errors.push_back(KeyError{std::move(key), map_s3_error(d)});
  }
  return result;
}

Result<ListPage> S3Client::list(const ListOptions& options) {
  if (options.max_keys == 0) return invalid("list: max_keys must be at least 1");
  EV_TRY(validate_prefix(options.prefix));
  const std::string& kp = impl_->cfg.key_prefix;
  const std::string prefix = kp + options.prefix;
  if (prefix.size() > kMaxKeyBytes) return invalid("list: the prefix is too long with the store's");
  const std::uint32_t max_keys =
      std::min<std::uint32_t>(options.max_keys, static_cast<std::uint32_t>(kMaxKeysPerCall));
  Call c;
  c.method = "GET";
  c.what = "ListObjectsV2 of " + quoted(options.prefix);
  c.query.push_back({"list-type", "2"});
  c.query.push_back({"encoding-type", "url"});
  c.query.push_back({"max-keys", std::to_string(max_keys)});
  if (!prefix.empty()) c.query.push_back({"prefix", prefix});
  if (!options.continuation_token.empty()) {
    c.query.push_back({"continuation-token", options.continuation_token});
  } else if (!options.start_after.empty()) {
    c.query.push_back({"start-after", kp + options.start_after});
  }
  c.payload_hash = std::string(kEmptySha256);
  const Outcome out = EV_TRY(impl_->run(c));
  if (!success(out.response)) return impl_->error_of(out.response, c.what);
  xml::ListBucketResult parsed =
      EV_TRY_CTX(c.what, xml::parse_list_objects_v2(out.response.text()));
  if (parsed.contents.size() > max_keys) {
    return make_error(Errc::Protocol, c.what + ": " + std::to_string(parsed.contents.size()) +
                                          " keys on a page of at most " + std::to_string(max_keys));
  }
  ListPage page;
  page.truncated = parsed.truncated;
  page.next_continuation_token = std::move(parsed.next_continuation_token);
  page.objects.reserve(parsed.contents.size());
  for (xml::ListedObject& o : parsed.contents) {
    if (!o.key.starts_with(prefix)) {
      return make_error(Errc::Protocol, c.what + ": the key " + quoted(o.key) +
                                            " does not start with the prefix asked for");
    }
    if (!page.objects.empty() && !(kp + page.objects.back().key < o.key)) {
      return make_error(Errc::Protocol, c.what + ": keys out of order at " + quoted(o.key));
    }
    ListEntry e;
    e.key = EV_TRY(impl_->visible_key(o.key, c.what));
    e.info.size = o.size;
    e.info.etag = std::move(o.etag);
    e.info.last_modified = o.last_modified;
    page.objects.push_back(std::move(e));
  }
  if (page.truncated && page.objects.empty()) {
    return make_error(Errc::Protocol, c.what + ": an empty page claims more keys follow");
  }
  return page;
}

}  // namespace ev::s3
