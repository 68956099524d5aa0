// The login challenge a client parses and signs: only epochvault's exact text is signed, in its
// <Bytes> form, and only for the worker, wallet and agent the client expects before expiry.
#include <catch2/catch.hpp>

#include "ev/chain/challenge.hpp"
#include "ev/chain/keys.hpp"

using namespace ev;
using namespace ev::chain;

namespace {

AccountId32 filled(std::uint8_t b) {
  AccountId32 a{};
  a.fill(b);
  return a;
}

}  // namespace

TEST_CASE("challenge: format and parse are inverses; nothing else parses", "[challenge]") {
  const LoginChallenge c{filled(0xab), filled(1), filled(2), std::string(64, 'c'), 1795305600};
  const std::string m = format_login_challenge(c);
  CHECK(m.rfind("epochvault-auth/v1\nworker: 0xabab", 0) == 0);
  const auto back = parse_login_challenge(m).value();
  CHECK(back.worker == c.worker);
  CHECK(back.wallet == c.wallet);
  CHECK(back.agent == c.agent);
  CHECK(back.nonce == c.nonce);
  CHECK(back.expires == c.expires);
  for (const std::string& bad : {
           m + "x",                    // trailing text
           m.substr(0, m.size() - 1),  // unterminated
           "x" + m,                    // prefix
           std::string("epochvault-auth/v2") + m.substr(18),
           [&] {
             auto s = m;
             s[30] = 'A';
             return s;
           }(),  // uppercase hex
           [&] {
             auto s = m;
             s.replace(s.find("expires: ") + 9, 1, "0");
             return s;
           }(),
           std::string(),
       }) {
    INFO(bad);
    auto r = parse_login_challenge(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(is(r.error(), ChallengeErrc::Malformed));
  }
}

TEST_CASE("challenge: a client signs only a well-formed, current challenge meant for it",
          "[challenge]") {
  for (const Scheme scheme : {Scheme::Ed25519, Scheme::Ecdsa}) {
    const KeyPair agent = from_suri(scheme, "//Dave").value();
    const AccountId32 me = agent.account_id();
    const AccountId32 worker = filled(9);
    const std::int64_t now = 1795305000;
    const std::string m = format_login_challenge({worker, me, me, std::string(64, '0'), now + 60});
    const ExpectedChallenge expect{worker, me, me};
    const Bytes sig = sign_login_challenge(agent, m, expect, now).value();
    // The signature covers "<Bytes>" ‖ message ‖ "</Bytes>", not the message alone.
    const std::string wrapped = "<Bytes>" + m + "</Bytes>";
    CHECK(verify_for_account(scheme, me, as_bytes(wrapped), sig).ok());
    CHECK_FALSE(verify_for_account(scheme, me, as_bytes(m), sig).ok());
    const Bytes w = wrapped_for_signing(m);
    CHECK(std::string(w.begin(), w.end()) == wrapped);

    auto refused = [&](std::string_view msg, const ExpectedChallenge& e, std::int64_t at,
                       ChallengeErrc why) {
      auto r = sign_login_challenge(agent, msg, e, at);
      REQUIRE_FALSE(r.ok());
      CHECK(is(r.error(), why));
    };
    // Something that is not a challenge: e.g. an extrinsic's signing payload.
    refused("\x06\x02\x00\x11\x22", expect, now, ChallengeErrc::Malformed);
    refused({}, expect, now, ChallengeErrc::Malformed);
    refused(m, {filled(8), me, me}, now, ChallengeErrc::Mismatch);      // another worker
    refused(m, {worker, filled(3), me}, now, ChallengeErrc::Mismatch);  // another wallet
    const std::string other =
        format_login_challenge({worker, me, filled(4), std::string(64, '0'), now + 60});
    refused(other, {worker, me, filled(4)}, now, ChallengeErrc::Mismatch);  // not this key
    refused(m, expect, now + 60, ChallengeErrc::Expired);                   // expired
    const std::string far =
        format_login_challenge({worker, me, me, std::string(64, '0'), now + 7200});
    refused(far, expect, now, ChallengeErrc::Expired);  // implausibly long-lived
  }
}
