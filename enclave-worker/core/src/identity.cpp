#include "ev/worker/identity.hpp"

#include <cstdio>

#include "ev/enclave/errors.hpp"
#include "ev/enclave/hardware_platform.hpp"
#include "ev/enclave/simulated_platform.hpp"
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
