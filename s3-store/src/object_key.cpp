// Object-key validation and epochvault's key layout (docs/formats/object-keys.md).
#include "ev/s3/object_key.hpp"

#include <cstdio>
#include <limits>
#include <optional>

namespace ev::s3 {
namespace {

struct Problem {
  std::size_t offset;
  std::string reason;
};

std::string where(const Problem& p) {
  return "at byte " + std::to_string(p.offset) + ": " + p.reason;
}

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", static_cast<unsigned>(b));
  return buf;
}

std::string code_point(std::uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(cp));
  return buf;
}

// Length of the UTF-8 sequence led by b (0: not a valid lead byte) and the range its second
// byte must fall in (which excludes overlong forms, surrogates and code points > U+10FFFF).
struct Lead {
  int length;
  unsigned char lo;
  unsigned char hi;
};

Lead lead_of(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xC2 && b <= 0xDF) return {2, 0x80, 0xBF};
  if (b == 0xE0) return {3, 0xA0, 0xBF};
  if (b == 0xED) return {3, 0x80, 0x9F};
  if (b >= 0xE1 && b <= 0xEF) return {3, 0x80, 0xBF};
  if (b == 0xF0) return {4, 0x90, 0xBF};
  if (b >= 0xF1 && b <= 0xF3) return {4, 0x80, 0xBF};
  if (b == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Decodes the sequence at s[i]; sets cp and returns its length, or a problem.
std::optional<Problem> decode_at(std::string_view s, std::size_t i, std::uint32_t& cp,
                                 std::size_t& len) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const Lead lead = lead_of(b0);
  if (lead.length == 0) return Problem{i, "invalid UTF-8 lead byte " + hex_byte(b0)};
  len = static_cast<std::size_t>(lead.length);
  if (s.size() - i < len) return Problem{i, "truncated UTF-8 sequence"};
  if (len == 1) {
    cp = b0;
    return std::nullopt;
  }
  cp = b0 & (0xFFu >> (len + 1));
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    const unsigned char lo = k == 1 ? lead.lo : 0x80;
    const unsigned char hi = k == 1 ? lead.hi : 0xBF;
    if (b < lo || b > hi) {
      return Problem{i + k, "invalid UTF-8 continuation byte " + hex_byte(b)};
    }
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return std::nullopt;
}

bool is_control(std::uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

// UTF-8, control characters and backslashes.
std::optional<Problem> check_characters(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (auto p = decode_at(s, i, cp, len)) return p;
    if (is_control(cp)) return Problem{i, "control character " + code_point(cp)};
    if (cp == '\\') return Problem{i, "backslash"};
    i += len;
  }
  return std::nullopt;
}

// Segment rules. A prefix may end with an empty segment (a trailing '/') or with "."/"..".
std::optional<Problem> check_segments(std::string_view s, bool is_prefix) {
  if (!s.empty() && s.front() == '/') return Problem{0, "leading '/'"};
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = s.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view seg = s.substr(start, last ? std::string_view::npos : slash - start);
    if (seg.empty() && !(last && is_prefix)) {
      return Problem{start, last ? "trailing '/' (empty last segment)" : "empty segment (\"//\")"};
    }
    if ((seg == "." || seg == "..") && !(last && is_prefix)) {
      return Problem{start, "segment \"" + std::string(seg) + "\""};
    }
    if (last) return std::nullopt;
    start = slash + 1;
  }
}

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

Error key_error(std::string_view part, std::string_view why) {
  return make_error(Errc::InvalidKey, std::string(part) + ": " + std::string(why));
}

Result<void> check_layout_prefix(std::string_view prefix) {
  if (prefix.empty()) return ok();
  if (prefix.back() != '/') return key_error("prefix", "must be empty or end with '/'");
  auto r = validate_prefix(prefix);
  if (!r) return key_error("prefix", r.error().message);
  return ok();
}

Result<void> check_wallet(std::string_view w) {
  if (w.size() != 66 || w.substr(0, 2) != "0x") {
    return key_error("wallet", "expected \"0x\" and 64 lowercase hex digits");
  }
  for (std::size_t i = 2; i < w.size(); ++i) {
    if (!is_lower_hex(w[i])) {
      return key_error("wallet", "not a lowercase hex digit at offset " + std::to_string(i));
    }
  }
  return ok();
}

Result<void> check_service(std::string_view s) {
  if (s.empty() || s.size() > 64) return key_error("service", "length must be 1..64");
  if (s == "." || s == "..") return key_error("service", "\".\" and \"..\" are not names");
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    const bool ok_char =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok_char) {
      return key_error("service", "character outside [a-z0-9._-] at offset " + std::to_string(i));
    }
  }
  return ok();
}

Result<void> check_uuid_v7(std::string_view u) {
  if (u.size() != 36) return key_error("blob id", "expected 36 characters (8-4-4-4-12)");
  for (std::size_t i = 0; i < u.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? u[i] != '-' : !is_lower_hex(u[i])) {
      return key_error("blob id",
                       "not canonical lowercase UUID text at offset " + std::to_string(i));
    }
  }
  if (u[14] != '7') return key_error("blob id", "not a version-7 UUID");
  if (u[19] != '8' && u[19] != '9' && u[19] != 'a' && u[19] != 'b') {
    return key_error("blob id", "not an RFC 9562 variant UUID");
  }
  return ok();
}

std::string epoch_text(std::uint32_t epoch) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%010u", static_cast<unsigned>(epoch));
  return buf;
}

Result<std::uint32_t> parse_epoch(std::string_view t) {
  if (t.size() != 10) return key_error("epoch", "expected 10 digits");
  std::uint64_t v = 0;
  for (char c : t) {
    if (c < '0' || c > '9') return key_error("epoch", "expected 10 digits");
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > std::numeric_limits<std::uint32_t>::max()) {
    return key_error("epoch", "larger than a u32");
  }
  return static_cast<std::uint32_t>(v);
}

constexpr std::string_view kSuffix = ".enc";

}  // namespace

Result<void> validate_key(std::string_view key) {
  if (key.empty()) return make_error(Errc::InvalidKey, "empty key");
  if (key.size() > kMaxKeyBytes) {
    return make_error(Errc::InvalidKey, std::to_string(key.size()) + " bytes (limit " +
                                            std::to_string(kMaxKeyBytes) + ")");
  }
  if (auto p = check_characters(key)) return make_error(Errc::InvalidKey, where(*p));
  if (auto p = check_segments(key, false)) return make_error(Errc::InvalidKey, where(*p));
  return ok();
}

Result<void> validate_prefix(std::string_view prefix) {
  if (prefix.size() > kMaxKeyBytes) {
    return make_error(Errc::InvalidArgument, "prefix of " + std::to_string(prefix.size()) +
                                                 " bytes (limit " + std::to_string(kMaxKeyBytes) +
                                                 ")");
  }
  if (prefix.empty()) return ok();
  if (auto p = check_characters(prefix)) {
    return make_error(Errc::InvalidArgument, "prefix " + where(*p));
  }
  if (auto p = check_segments(prefix, true)) {
    return make_error(Errc::InvalidArgument, "prefix " + where(*p));
  }
  return ok();
}

Result<std::string> epoch_prefix(std::string_view prefix, std::string_view wallet_hex,
                                 std::string_view service, std::uint32_t epoch) {
  EV_TRY(check_layout_prefix(prefix));
  EV_TRY(check_wallet(wallet_hex));
  EV_TRY(check_service(service));
  std::string out(prefix);
  out += wallet_hex;
  out += '/';
  out += service;
  out += '/';
  out += epoch_text(epoch);
  out += '/';
  if (out.size() > kMaxKeyBytes) return key_error("prefix", "makes the key too long");
  return out;
}

Result<std::string> object_key(std::string_view prefix, std::string_view wallet_hex,
                               std::string_view service, std::uint32_t epoch,
                               std::string_view blob_uuid_text) {
  std::string out = EV_TRY(epoch_prefix(prefix, wallet_hex, service, epoch));
  EV_TRY(check_uuid_v7(blob_uuid_text));
  out += blob_uuid_text;
  out += kSuffix;
  EV_TRY(validate_key(out));
  return out;
}

Result<BlobKey> parse_object_key(std::string_view key, std::string_view prefix) {
  EV_TRY(validate_key(key));
  EV_TRY(check_layout_prefix(prefix));
  if (!key.starts_with(prefix)) return key_error("prefix", "key does not start with it");
  std::string_view rest = key.substr(prefix.size());
  std::string_view parts[4];
  for (int i = 0; i < 3; ++i) {
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
      return key_error("layout", "expected <wallet>/<service>/<epoch>/<blob id>.enc");
    }
    parts[i] = rest.substr(0, slash);
    rest.remove_prefix(slash + 1);
  }
  parts[3] = rest;
  BlobKey out;
  out.prefix = std::string(prefix);
  EV_TRY(check_wallet(parts[0]));
  out.wallet_hex = std::string(parts[0]);
  EV_TRY(check_service(parts[1]));
  out.service = std::string(parts[1]);
  out.epoch = EV_TRY(parse_epoch(parts[2]));
  if (!parts[3].ends_with(kSuffix)) return key_error("blob id", "missing \".enc\" suffix");
  const std::string_view uuid = parts[3].substr(0, parts[3].size() - kSuffix.size());
  EV_TRY(check_uuid_v7(uuid));
  out.blob_uuid = std::string(uuid);
  return out;
}

}  // namespace ev::s3
