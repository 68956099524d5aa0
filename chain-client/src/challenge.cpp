#include "ev/chain/challenge.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace ev {

std::string_view ErrorTraits<chain::ChallengeErrc>::message(chain::ChallengeErrc e) {
  using chain::ChallengeErrc;
  switch (e) {
    case ChallengeErrc::Malformed: return "not an epochvault login challenge";
    case ChallengeErrc::Mismatch: return "login challenge for another worker, wallet or agent";
    case ChallengeErrc::Expired: return "login challenge expired";
  }
  return "unknown error";
}

}  // namespace ev

namespace ev::chain {

namespace {

Error malformed(const std::string& why) { return make_error(ChallengeErrc::Malformed, why); }

// Consumes "<name>: <value>\n" from `rest`; returns the value.
Result<std::string_view> field(std::string_view& rest, std::string_view name) {
  if (rest.size() < name.size() + 2 || rest.substr(0, name.size()) != name ||
      rest.substr(name.size(), 2) != ": ") {
    return malformed("expected the '" + std::string(name) + "' line");
  }
  rest.remove_prefix(name.size() + 2);
  const auto nl = rest.find('\n');
  if (nl == std::string_view::npos) {
    return malformed("the '" + std::string(name) + "' line is not terminated");
  }
  const std::string_view v = rest.substr(0, nl);
  rest.remove_prefix(nl + 1);
  return v;
}

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Result<AccountId32> account(std::string_view v, std::string_view name) {
  // Exactly as format_login_challenge writes it: "0x" and 64 lowercase hex digits.
  if (v.size() != 66 || v.substr(0, 2) != "0x" || !lower_hex(v.substr(2))) {
    return malformed("'" + std::string(name) + "' is not 0x and 64 lowercase hex digits");
  }
  return from_hex_fixed<32>(v);
}

}  // namespace

std::string format_login_challenge(const LoginChallenge& c) {
  return std::string(kChallengePrefix) + "worker: " + to_hex(c.worker) +
         "\nwallet: " + to_hex(c.wallet) + "\nagent: " + to_hex(c.agent) + "\nnonce: " + c.nonce +
         "\nexpires: " + std::to_string(c.expires) + "\n";
}

Result<LoginChallenge> parse_login_challenge(std::string_view message) {
  if (message.substr(0, kChallengePrefix.size()) != kChallengePrefix) {
    return malformed("does not start with 'epochvault-auth/v1'");
  }
  std::string_view rest = message.substr(kChallengePrefix.size());
  LoginChallenge c;
  const std::string_view worker = EV_TRY(field(rest, "worker"));
  c.worker = EV_TRY(account(worker, "worker"));
  const std::string_view wallet = EV_TRY(field(rest, "wallet"));
  c.wallet = EV_TRY(account(wallet, "wallet"));
  const std::string_view agent = EV_TRY(field(rest, "agent"));
  c.agent = EV_TRY(account(agent, "agent"));
  const std::string_view nonce = EV_TRY(field(rest, "nonce"));
  if (nonce.size() != 64 || !lower_hex(nonce)) {
    return malformed("'nonce' is not 64 lowercase hex digits");
  }
  c.nonce = std::string(nonce);
  const std::string_view exp = EV_TRY(field(rest, "expires"));
  const auto* end = exp.data() + exp.size();
  const auto [p, ec] = std::from_chars(exp.data(), end, c.expires);
  if (exp.empty() || exp.size() > 12 || exp.front() == '0' || ec != std::errc{} || p != end ||
      c.expires <= 0) {
    return malformed("'expires' is not a positive decimal number");
  }
  if (!rest.empty()) return malformed("text after the 'expires' line");
  return c;
}

Bytes wrapped_for_signing(std::string_view message) {
  Bytes out;
  out.reserve(kBytesOpen.size() + message.size() + kBytesClose.size());
  for (const std::string_view part : {kBytesOpen, message, kBytesClose}) {
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

Result<Bytes> sign_login_challenge(const KeyPair& agent, std::string_view message,
                                   const ExpectedChallenge& expect, std::int64_t now) {
  const LoginChallenge c = EV_TRY(parse_login_challenge(message));
  if (c.worker != expect.worker) {
    return make_error(ChallengeErrc::Mismatch, "challenge names worker " + to_hex(c.worker) +
                                                   ", expected " + to_hex(expect.worker));
  }
  if (c.wallet != expect.wallet) {
    return make_error(ChallengeErrc::Mismatch, "challenge names wallet " + to_hex(c.wallet) +
                                                   ", expected " + to_hex(expect.wallet));
  }
  if (c.agent != expect.agent || c.agent != agent.account_id()) {
    return make_error(ChallengeErrc::Mismatch,
                      "challenge names agent " + to_hex(c.agent) + ", not the signing key");
  }
  if (c.expires <= now) return make_error(ChallengeErrc::Expired, "challenge already expired");
  if (c.expires > now + kMaxChallengeLifetimeSecs) {
    return make_error(ChallengeErrc::Expired, "challenge claims to live over an hour");
  }
  return agent.sign(wrapped_for_signing(message));
}

Result<Bytes> sign_login_challenge(const KeyPair& agent, std::string_view message,
                                   const ExpectedChallenge& expect) {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  return sign_login_challenge(agent, message, expect, now);
}

}  // namespace ev::chain
