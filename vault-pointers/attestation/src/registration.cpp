// The registry's acceptance rule for a worker's attestation (see registration.hpp).
#include "ev/attestation/registration.hpp"

#include "crypto_internal.hpp"
#include "ev/attestation/evidence.hpp"

namespace ev::attestation {

Result<Registration> verify_registration(ByteSpan evidence, const ByteArray<32>& account,
                                         const ByteArray<32>& genesis_hash, ByteSpan nonce,
                                         std::int64_t now, const RegistrationPolicy& policy) {
  // Documents with their own time (Nitro) are checked at that time, then for their age; the
  // others at `now`.
  VerifyOptions opts;
  opts.at = now;
  opts.prefer_document_time = true;
  opts.allow_debug = false;
  const Verified v = EV_TRY(verify_evidence(evidence, opts));
  if (!v.tee_verified && !policy.dev_mode) {
    return detail::fail(Errc::NotHardware, "registration",
                        "simulated attestations are accepted only on a dev-mode chain");
  }
  const std::int64_t attested_at = v.issued_at.value_or(now);
  if (attested_at > now + policy.max_clock_skew_seconds) {
    return detail::fail(
        Errc::NotValidAtTime, "attestation age",
        "dated " + detail::rfc3339(attested_at) + ", after " + detail::rfc3339(now));
  }
  if (now - attested_at > policy.max_age_seconds) {
    return detail::fail(Errc::NotValidAtTime, "attestation age",
                        "made " + detail::rfc3339(attested_at) + ", older than " +
                            std::to_string(policy.max_age_seconds) + " s at " +
                            detail::rfc3339(now));
  }
  Commitment c;
  c.account = account;
  c.genesis_hash = genesis_hash;
  c.purpose = Purpose::Register;
  c.nonce.assign(nonce.begin(), nonce.end());
  EV_TRY(check_report_data(v.report_data, c));
  Registration out;
  out.platform = v.platform;
  out.measurement = v.primary_measurement();
  out.tcb_status = v.tcb_status;
  out.attested_at = attested_at;
  out.expires_at = attested_at + policy.max_age_seconds;
  out.tee_verified = v.tee_verified;
  return out;
}

}  // namespace ev::attestation
