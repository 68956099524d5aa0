#include "ev/vault/types.hpp"

#include <algorithm>
#include <string>

namespace ev::vault {

namespace {

bool service_byte_ok(std::uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool name_byte_ok(std::uint8_t c) { return service_byte_ok(c) || c == '@'; }

}  // namespace

Result<void> CredentialNamePolicy::check(ByteSpan v) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!name_byte_ok(v[i])) {
      return make_error(VaultErrc::InvalidCredentialName, "byte " + std::to_string(i) + " (0x" +
                                                              to_hex(v.subspan(i, 1), false) +
                                                              ") is not in [a-z0-9._@-]");
    }
  }
  return ok();
}

Result<void> ServiceNamePolicy::check(ByteSpan v) {
  if (v.empty()) return make_error(VaultErrc::InvalidServiceName, "empty");
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!service_byte_ok(v[i])) {
      return make_error(VaultErrc::InvalidServiceName, "byte " + std::to_string(i) + " (0x" +
                                                           to_hex(v.subspan(i, 1), false) +
                                                           ") is not in [a-z0-9._-]");
    }
  }
  return ok();
}

Error too_long(std::string_view type, std::size_t n, std::size_t bound, std::size_t offset) {
  return make_error(VaultErrc::TooLong, std::string(type) + " has " + std::to_string(n) +
                                            " elements, at most " + std::to_string(bound) +
                                            " allowed: at offset " + std::to_string(offset));
}

bool AgentGrant::covers(const ServiceName& service) const {
  const auto& s = services.items();
  return s.empty() || std::find(s.begin(), s.end(), service) != s.end();
}

bool VaultPointer::readable_by(const AccountId& who) const {
  const auto& r = readers.items();
  return r.empty() || std::find(r.begin(), r.end(), who) != r.end();
}

std::string_view role_name(Role r) { return r == Role::Serve ? "Serve" : "Rotate"; }

std::string_view access_name(Access a) { return a == Access::ReadWrite ? "ReadWrite" : "Read"; }

std::string_view reason_name(const RotationReason& r) {
  switch (r.index()) {
    case 0: return "Scheduled";
    case 1: return "Revocation";
    default: return "Operator";
  }
}

}  // namespace ev::vault
