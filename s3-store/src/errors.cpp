#include "ev/s3/errors.hpp"

#include <charconv>
#include <string>

namespace ev {

std::string_view ErrorTraits<s3::Errc>::message(s3::Errc e) {
  switch (e) {
    case s3::Errc::NotFound: return "object not found";
    case s3::Errc::PreconditionFailed: return "precondition failed";
    case s3::Errc::AccessDenied: return "access denied";
    case s3::Errc::Throttled: return "throttled";
    case s3::Errc::Transient: return "transient failure";
    case s3::Errc::Corrupt: return "content digest mismatch";
    case s3::Errc::InvalidKey: return "invalid object key";
    case s3::Errc::InvalidArgument: return "invalid argument";
    case s3::Errc::Io: return "I/O error";
    case s3::Errc::Protocol: return "protocol error";
    case s3::Errc::Unsupported: return "not supported by this store";
  }
  return "unknown store error";
}

}  // namespace ev

namespace ev::s3 {
namespace {

constexpr std::string_view kRetryOpen = "[retry after ";
constexpr std::string_view kRetryClose = " ms]";

}  // namespace

bool is_retryable(const Error& e) { return is(e, Errc::Throttled) || is(e, Errc::Transient); }

Error make_retry_error(Errc e, std::chrono::milliseconds delay, std::string_view detail) {
  EV_ASSERT(e == Errc::Throttled || e == Errc::Transient, "retry hint on a final error");
  EV_ASSERT(delay.count() >= 0, "negative retry delay");
  std::string text(detail);
  if (!text.empty()) text += ' ';
  text += kRetryOpen;
  text += std::to_string(delay.count());
  text += kRetryClose;
  return make_error(e, text);
}

std::optional<std::chrono::milliseconds> retry_after(const Error& e) {
  if (!is_retryable(e)) return std::nullopt;
  const std::string_view msg = e.message;
  if (msg.size() < kRetryClose.size() || !msg.ends_with(kRetryClose)) return std::nullopt;
  const auto open = msg.rfind(kRetryOpen);
  if (open == std::string_view::npos) return std::nullopt;
  const auto first = open + kRetryOpen.size();
  const auto last = msg.size() - kRetryClose.size();
  if (first >= last) return std::nullopt;
  std::chrono::milliseconds::rep ms = 0;
  const auto [ptr, ec] = std::from_chars(msg.data() + first, msg.data() + last, ms);
  if (ec != std::errc{} || ptr != msg.data() + last || ms < 0) return std::nullopt;
  return std::chrono::milliseconds(ms);
}

}  // namespace ev::s3
