// epochvault's login challenge (docs/api.md): the text serve asks an agent to sign, and how it
// is signed. A signature over a challenge is made over "<Bytes>" ‖ message ‖ "</Bytes>", as
// polkadot-js signRaw does: that can never parse as an extrinsic's signing payload, so the login
// is not a signing oracle for chain transactions. Clients sign only a message that parses as an
// epochvault challenge for the worker, wallet and agent they expect and that has not expired.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ev/chain/keys.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class ChallengeErrc {
  Malformed = 1,  // not an epochvault-auth/v1 challenge, byte for byte
  Mismatch,       // well-formed, but for another worker, wallet or agent
  Expired,        // expiry passed (or implausibly far ahead)
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::ChallengeErrc> {
  static constexpr std::string_view domain = "challenge";
  static std::string_view message(chain::ChallengeErrc e);
};
}  // namespace ev

namespace ev::chain {

inline constexpr std::string_view kChallengePrefix = "epochvault-auth/v1\n";
inline constexpr std::string_view kBytesOpen = "<Bytes>";
inline constexpr std::string_view kBytesClose = "</Bytes>";
// A client refuses a challenge that claims to live longer than this.
inline constexpr std::int64_t kMaxChallengeLifetimeSecs = 3600;

struct LoginChallenge {
  AccountId32 worker{};
  AccountId32 wallet{};
  AccountId32 agent{};
  std::string nonce;         // 64 lowercase hex digits
  std::int64_t expires = 0;  // unix seconds
};

// The message text:
// "epochvault-auth/v1\nworker: 0x…\nwallet: 0x…\nagent: 0x…\nnonce: …\nexpires: N\n".
[[nodiscard]] std::string format_login_challenge(const LoginChallenge& c);
// The exact inverse of format_login_challenge; anything else is Malformed.
[[nodiscard]] Result<LoginChallenge> parse_login_challenge(std::string_view message);
// The bytes a signature over `message` covers: "<Bytes>" ‖ message ‖ "</Bytes>".
[[nodiscard]] Bytes wrapped_for_signing(std::string_view message);

struct ExpectedChallenge {
  AccountId32 worker{};
  AccountId32 wallet{};
  AccountId32 agent{};
};

// Parses and checks `message` (prefix, worker, wallet, agent = the key's account, expiry after
// `now` and at most kMaxChallengeLifetimeSecs ahead), then signs its wrapped form. Nothing else
// is ever signed.
[[nodiscard]] Result<Bytes> sign_login_challenge(const KeyPair& agent, std::string_view message,
                                                 const ExpectedChallenge& expect, std::int64_t now);
// As above at the current time.
[[nodiscard]] Result<Bytes> sign_login_challenge(const KeyPair& agent, std::string_view message,
                                                 const ExpectedChallenge& expect);

}  // namespace ev::chain
