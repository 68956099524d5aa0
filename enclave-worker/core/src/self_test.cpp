// The platform self-test (self_test.hpp).
#include "ev/worker/self_test.hpp"

#include <algorithm>

#include "ev/attestation/evidence.hpp"
#include "ev/attestation/report_data.hpp"
#include "ev/enclave/simulated_platform.hpp"

namespace ev::worker {
namespace {

constexpr std::int64_t kMaxSkew = std::int64_t{5} * 60;
constexpr std::size_t kNonceSize = 32;

// The checks after verification; an error names the first that fails.
Result<void> check(enclave::Platform& platform, std::string_view name,
                   const attestation::Verified& v, const attestation::Commitment& c,
                   std::int64_t now) {
  using attestation::Errc;
  auto fail = [](Errc e, const std::string& why) { return make_error(e, "self-test: " + why); };
  if (attestation::platform_name(v.platform) != name) {
    return fail(Errc::Malformed, "the evidence is from platform " +
                                     std::string(attestation::platform_name(v.platform)));
  }
  EV_TRY(attestation::check_report_data(v.report_data, c));
  const enclave::Measurement m = platform.measurement();
  const Bytes& got = v.primary_measurement();
  const std::size_t n = std::min(got.size(), m.size());  // SGX: MRENCLAVE is 32 bytes
  if (got.empty() ||
      !std::equal(got.begin(), got.begin() + static_cast<std::ptrdiff_t>(n), m.begin())) {
    return fail(Errc::Measurement, "the evidence names measurement " + to_hex(got, false) +
                                       ", the platform " +
                                       to_hex(ByteSpan(m.data(), m.size()), false));
  }
  if (v.issued_at && (*v.issued_at > now + kMaxSkew || *v.issued_at < now - kMaxSkew)) {
    return fail(Errc::NotValidAtTime, "the document is dated " + std::to_string(*v.issued_at) +
                                          ", now is " + std::to_string(now));
  }
  if (auto* sim = dynamic_cast<enclave::SimulatedPlatform*>(&platform)) {
    const auto& key = sim->platform_key();
    const Bytes* embedded = v.measurement("PLATFORM_KEY");
    if (embedded == nullptr || !std::equal(key.begin(), key.end(), embedded->begin())) {
      return fail(Errc::BadSignature, "the simulated report is signed by another platform key");
    }
  }
  return ok();
}

}  // namespace

SelfTestResult self_test_platform(enclave::Platform& platform, std::string_view platform_name,
                                  std::int64_t now) {
  SelfTestResult out;
  auto line = [&](std::string_view k, const std::string& v) {
    out.text += std::string(k) + ": " + v + "\n";
  };
  auto failed = [&](const Error& e) {
    line("self-test", "FAILED: " + e.to_string());
    return out;
  };
  line("platform", std::string(platform_name));
  attestation::Commitment c;
  c.purpose = attestation::Purpose::Session;
  c.nonce.resize(kNonceSize);
  if (auto r = platform.random(c.nonce); !r) return failed(r.error());
  line("nonce", to_hex(c.nonce, false));
  const auto rd = attestation::report_data_commitment(c);
  if (!rd) return failed(rd.error());
  const auto evidence = platform.attest(*rd);
  if (!evidence) return failed(evidence.error());
  line("evidence bytes", std::to_string(evidence->size()));
  attestation::VerifyOptions opts;
  opts.at = now;
  opts.prefer_document_time = true;
  opts.allow_no_collateral = true;
  const auto v = attestation::verify_evidence(*evidence, opts);
  if (!v) return failed(v.error());
  line("tee_verified", v->tee_verified ? "true" : "false (simulated: not hardware-backed)");
  for (const auto& m : v->measurements) line("measurement " + m.name, to_hex(m.value, false));
  line("report_data", to_hex(v->report_data, false));
  line("tcb_status", v->tcb_status);
  line("debug", v->debug ? "true" : "false");
  line("verified_at", std::to_string(v->verified_at));
  std::string checks;
  for (const auto& s : v->checks) checks += (checks.empty() ? "" : "; ") + s;
  line("checks", checks);
  for (const auto& n : v->notes) line("note", n);
  if (auto r = check(platform, platform_name, *v, c, now); !r) return failed(r.error());
  line("self-test", "verified (report data commits to the fresh nonce; measurement matches)");
  out.verified = true;
  return out;
}

}  // namespace ev::worker
