#include "ev/worker/identity.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include "ev/attestation/evidence.hpp"
#include "ev/enclave/errors.hpp"
#include "ev/enclave/hardware_platform.hpp"
#include "ev/enclave/simulated_platform.hpp"
#include "ev/vault/registry.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

std::string_view signing_key_path(vault::Role role) {
  return role == vault::Role::Serve ? "worker/serve/v1" : "worker/rotate/v1";
}

Result<std::unique_ptr<enclave::Platform>> make_platform(const EnclaveOptions& options) {
  if (options.platform == "simulated") {
    enclave::SimulatedPlatformOptions po;
    po.secret_path = options.platform_secret;
    po.measured_file = options.measured_file;
    auto p = EV_TRY_CTX("platform", enclave::SimulatedPlatform::create(po));
    return std::unique_ptr<enclave::Platform>(std::move(p));
  }
  auto hw = enclave::open_hardware_platform(options.platform, options.platform_device);
  if (!hw && is(hw.error(), enclave::Errc::InvalidArgument)) {
    return make_error(WorkerErrc::Config,
                      "--platform '" + options.platform +
                          "': unknown platform (known: simulated, nitro, sev-snp, tdx, sgx)");
  }
  if (!hw) return std::move(hw).error().context("platform " + options.platform);
  return std::unique_ptr<enclave::Platform>(std::move(hw).value());
}

Result<Enclave> open_enclave(const EnclaveOptions& options) {
  auto platform = EV_TRY(make_platform(options));
  const enclave::MasterSeed seed =
      EV_TRY(enclave::load_or_create_master_seed(*platform, options.seed_dir, options.policy));
  const enclave::Key256 signing = EV_TRY(enclave::derive_key(seed, signing_key_path(options.role)));
  auto signer = EV_TRY(chain::KeyPair::from_seed(chain::Scheme::Ed25519, signing.view()));
  const auto m = platform->measurement();
  auto measurement = EV_TRY(vault::Measurement::from(ByteSpan(m.data(), m.size())));
  const auto account = signer.account_id();
  Bytes attestation = EV_TRY_CTX("attestation", platform->attest(account));
  Enclave out{std::move(platform), options.role,           EV_TRY(enclave::shielding_key(seed)),
              std::move(signer),   std::move(measurement), std::move(attestation)};
  out.platform_name = options.platform;
  return out;
}

Result<Bytes> registration_evidence(Enclave& enclave, const ByteArray<32>& genesis) {
  const Bytes report_data = vault::registration_report_data(enclave.signer.account_id(), genesis);
  return attestation_evidence(enclave, report_data);
}

Result<Bytes> attestation_evidence(Enclave& enclave, ByteSpan report_data) {
  Bytes document = EV_TRY_CTX("attestation", enclave.platform->attest(report_data));
  // A platform that already answers with a tagged bundle (certificates, collateral) keeps it.
  if (!document.empty() && document.front() == '{') return document;
  const auto platform =
      EV_TRY_CTX("attestation", attestation::platform_from_name(enclave.platform_name));
  const std::string bundle = attestation::evidence_bundle(platform, document);
  return Bytes(bundle.begin(), bundle.end());
}

bool attestation_due(const vault::WorkerInfo& w, std::int64_t now) {
  const std::uint64_t lifetime = w.expires_at > w.attested_at ? w.expires_at - w.attested_at : 0;
  return now < 0 || static_cast<std::uint64_t>(now) >= w.attested_at + lifetime / 2;
}

Result<void> register_worker(Enclave& enclave, VaultChain& chain) {
  const auto me = enclave.signer.account_id();
  auto known = EV_TRY(chain.worker(me));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  if (known && known->role == enclave.role && known->measurement == enclave.measurement &&
      !attestation_due(*known, now)) {
    return ok();
  }
  const Bytes evidence = EV_TRY(registration_evidence(enclave, chain.genesis_hash()));
  const auto out = EV_TRY(chain.submit(
      enclave.signer, vault::RegisterWorker{enclave.role, enclave.measurement, evidence}));
  if (!out.success) {
    return make_error(WorkerErrc::Rejected, "register_worker: " + out.error.value_or("failed") +
                                                " (measurement " +
                                                to_hex(enclave.measurement.bytes()) + ")");
  }
  return ok();
}

}  // namespace ev::worker
