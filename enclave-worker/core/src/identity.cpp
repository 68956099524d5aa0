#include "ev/worker/identity.hpp"

#include <cstdio>

#include "ev/worker/errors.hpp"

namespace ev::worker {

std::string_view signing_key_path(vault::Role role) {
  return role == vault::Role::Serve ? "worker/serve/v1" : "worker/rotate/v1";
}

Result<Enclave> open_enclave(const EnclaveOptions& options) {
  enclave::SimulatedPlatformOptions po;
  po.secret_path = options.platform_secret;
  po.measured_file = options.measured_file;
  auto platform = EV_TRY_CTX("platform", enclave::SimulatedPlatform::create(po));
  const enclave::MasterSeed seed =
      EV_TRY(enclave::load_or_create_master_seed(*platform, options.seed_dir, options.policy));
  const enclave::Key256 signing = EV_TRY(enclave::derive_key(seed, signing_key_path(options.role)));
  auto signer = EV_TRY(chain::KeyPair::from_seed(chain::Scheme::Ed25519, signing.view()));
  const auto m = platform->measurement();
  auto measurement = EV_TRY(vault::Measurement::from(ByteSpan(m.data(), m.size())));
  const auto account = signer.account_id();
  Bytes attestation = EV_TRY_CTX("attestation", platform->attest(account));
  return Enclave{std::move(platform), options.role,           EV_TRY(enclave::shielding_key(seed)),
                 std::move(signer),   std::move(measurement), std::move(attestation)};
}

Result<void> register_worker(Enclave& enclave, VaultChain& chain) {
  const auto me = enclave.signer.account_id();
  auto known = EV_TRY(chain.worker(me));
  if (known && known->role == enclave.role && known->measurement == enclave.measurement) {
    return ok();
  }
  const auto out =
      EV_TRY(chain.submit(enclave.signer, vault::RegisterWorker{enclave.role, enclave.measurement,
                                                                enclave.attestation}));
  if (!out.success) {
    return make_error(WorkerErrc::Rejected, "register_worker: " + out.error.value_or("failed") +
                                                " (measurement " +
                                                to_hex(enclave.measurement.bytes()) + ")");
  }
  return ok();
}

}  // namespace ev::worker
