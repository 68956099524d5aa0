// The pure pieces of the S3 client: error mapping, Retry-After, back-off, and the
// real clock, sleeper and random source.
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <random>
#include <thread>

#include "ev/s3/s3_client.hpp"
#include "ev/s3/s3_xml.hpp"

namespace ev::s3 {
namespace {

class ThreadSleeper final : public Sleeper {
 public:
  void sleep_for(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

class LockedRandom final : public Random {
 public:
  LockedRandom() : engine_(std::random_device{}()) {}
  std::uint64_t uniform(std::uint64_t bound) override {
    std::lock_guard lock(mu_);
    return std::uniform_int_distribution<std::uint64_t>(0, bound)(engine_);
  }

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

bool one_of(std::string_view code, std::initializer_list<std::string_view> codes) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

Errc classify(int status, std::string_view code) {
  if (code == "SlowDown" || status == 429) return Errc::Throttled;
  if (status == 403 ||
      one_of(code, {"AccessDenied", "SignatureDoesNotMatch", "InvalidAccessKeyId",
                    "AllAccessDisabled", "RequestTimeTooSkewed", "InvalidToken", "ExpiredToken"})) {
    return Errc::AccessDenied;
  }
  if (code == "NoSuchKey" || (status == 404 && code.empty())) return Errc::NotFound;
  if (status == 412 || code == "PreconditionFailed") return Errc::PreconditionFailed;
  if (one_of(code, {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"})) {
    return Errc::Corrupt;
  }
  if (status == 501 || code == "NotImplemented") return Errc::Unsupported;
  if (status >= 500 || one_of(code, {"RequestTimeout", "ConditionalRequestConflict",
                                     "InternalError", "ServiceUnavailable"})) {
    return Errc::Transient;
  }
  if (code == "InvalidArgument") return Errc::InvalidArgument;
  return Errc::Protocol;
}

// An untrusted text for a message: at most 200 bytes, controls replaced.
std::string printable(std::string_view v) {
  constexpr std::size_t kMax = 200;
  std::string s(v.substr(0, kMax));
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (v.size() > kMax) s += "...";
  return s;
}

}  // namespace

Clock& system_clock() { return ev::system_clock(); }

Sleeper& thread_sleeper() {
  static ThreadSleeper s;
  return s;
}

Random& system_random() {
  static LockedRandom r;
  return r;
}

Error map_s3_error(const S3ErrorResponse& r) {
  const Errc errc = classify(r.status, r.code);
  std::string text = r.code.empty() ? "HTTP " + std::to_string(r.status) : printable(r.code);
  if (!r.message.empty()) text += ": " + printable(r.message);
  std::string where;
  if (r.status != 0 && !r.code.empty()) where = "HTTP " + std::to_string(r.status);
  if (!r.request.empty()) where += (where.empty() ? "" : " on ") + r.request;
  if (!r.request_id.empty()) {
    where += (where.empty() ? "" : ", ") + std::string("request id ") + printable(r.request_id);
  }
  if (!where.empty()) text += " (" + where + ")";
  if ((errc == Errc::Throttled || errc == Errc::Transient) && r.retry_after) {
    return make_retry_error(errc, *r.retry_after, text);
  }
  return make_error(errc, text);
}

std::optional<std::chrono::milliseconds> parse_retry_after(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (value.front() >= '0' && value.front() <= '9') {
    std::uint32_t seconds = 0;
    const char* end = value.data() + value.size();
    const auto [ptr, ec] = std::from_chars(value.data(), end, seconds);
    if (ec != std::errc{} || ptr != end) return std::nullopt;
    return std::chrono::milliseconds(std::int64_t{seconds} * 1000);
  }
  auto when = xml::parse_http_date(value);
  if (!when.ok()) return std::nullopt;
  const auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(*when - now);
  return std::max(delta, std::chrono::milliseconds(0));
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, int retry, Random& random) {
  EV_ASSERT(retry >= 1, "backoff_delay: retry counts from 1");
  const auto cap = static_cast<std::uint64_t>(std::max<std::int64_t>(0, policy.max_delay.count()));
  std::uint64_t ceiling =
      static_cast<std::uint64_t>(std::max<std::int64_t>(0, policy.base_delay.count()));
  for (int i = 1; i < retry && ceiling < cap; ++i) ceiling *= 2;
  ceiling = std::min(ceiling, cap);
  return std::chrono::milliseconds(static_cast<std::int64_t>(random.uniform(ceiling)));
}

}  // namespace ev::s3
