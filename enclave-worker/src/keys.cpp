// Key derivation: docs/enclave.md, "Key derivation".
#include "ev/enclave/keys.hpp"

#include <string>

#include "crypto_internal.hpp"
#include "ev/enclave/errors.hpp"

namespace ev::enclave {
namespace {

constexpr std::string_view kKdfSalt = "epochvault/kdf/v1";
constexpr std::string_view kKdfInfoPrefix = "epochvault/key:";
constexpr std::size_t kMaxPathSize = 128;

bool segment_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

Error bad_path(std::string_view path, std::size_t at, std::string_view why) {
  return make_error(Errc::InvalidArgument, "key path \"" + std::string(path) + "\": at offset " +
                                               std::to_string(at) + ": " + std::string(why));
}

// The last segment: "v" followed by digits without a leading zero.
bool version_segment(std::string_view s) {
  if (s.size() < 2 || s[0] != 'v' || s[1] == '0') return false;
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace

Result<void> validate_key_path(std::string_view path) {
  if (path.empty()) return bad_path(path, 0, "empty path");
  if (path.size() > kMaxPathSize) return bad_path(path, kMaxPathSize, "longer than 128 bytes");
  std::size_t start = 0;
  std::size_t segments = 0;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i < path.size() && path[i] != '/') {
      if (!segment_char(path[i])) return bad_path(path, i, "character outside [a-z0-9_-]");
      continue;
    }
    if (i == start) return bad_path(path, i, "empty segment");
    ++segments;
    if (i == path.size() && !version_segment(path.substr(start))) {
      return bad_path(path, start, "last segment must be a version \"v<N>\" (N >= 1)");
    }
    start = i + 1;
  }
  if (segments < 2) return bad_path(path, 0, "needs a name and a version (\"name/v1\")");
  return ok();
}

Result<Key256> derive_key(const MasterSeed& seed, std::string_view path) {
  EV_TRY(validate_key_path(path));
  std::string info(kKdfInfoPrefix);
  info += path;
  Key256 key;
  EV_TRY(detail::hkdf_sha256(seed.view(), as_bytes(kKdfSalt), as_bytes(info), key.mut()));
  return key;
}

Result<Key256> shielding_key(const MasterSeed& seed) { return derive_key(seed, kShieldingPath); }

}  // namespace ev::enclave
