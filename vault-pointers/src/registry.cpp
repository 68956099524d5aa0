// The worker registry's attestation rule (see registry.hpp; docs/pallet.md, "Worker registry").
#include "ev/vault/registry.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "ev/attestation/evidence.hpp"
#include "ev/attestation/registration.hpp"
#include "ev/attestation/roots.hpp"
#include "ev/chain/storage_key.hpp"
#include "ev/vault/calls.hpp"

namespace ev::vault {

namespace {

namespace att = ev::attestation;

Hash256 fingerprint(std::string_view pem) {
  auto der = att::pem_to_der(pem);
  EV_ASSERT(der.ok(), "a pinned root is one PEM certificate");
  auto fp = from_hex_fixed<32>(att::cert_fingerprint(*der));
  EV_ASSERT(fp.ok(), "a certificate fingerprint is 32 bytes of hex");
  return *fp;
}

// The pinned roots, in a fixed order.
const std::array<std::pair<std::string_view, std::string_view>, 5>& pinned_roots() {
  static const std::array<std::pair<std::string_view, std::string_view>, 5> kRoots = {{
      {"nitro", att::kAwsNitroRootPem},
      {"intel", att::kIntelSgxRootPem},
      {"Milan", att::kAmdArkMilanPem},
      {"Genoa", att::kAmdArkGenoaPem},
      {"Turin", att::kAmdArkTurinPem},
  }};
  return kRoots;
}

std::optional<std::string_view> root_pem(std::string_view name) {
  for (const auto& [n, pem] : pinned_roots()) {
    if (n == name) return pem;
  }
  return std::nullopt;
}

AttestationPlatform to_platform(att::Platform p) {
  switch (p) {
    case att::Platform::Simulated: return AttestationPlatform::Simulated;
    case att::Platform::Nitro: return AttestationPlatform::Nitro;
    case att::Platform::SevSnp: return AttestationPlatform::SevSnp;
    case att::Platform::Sgx: return AttestationPlatform::Sgx;
    case att::Platform::Tdx: return AttestationPlatform::Tdx;
  }
  return AttestationPlatform::Simulated;
}

Error refuse(PalletError e, std::string_view detail) { return make_error(e, detail); }

// The name of the pinned root a verified document chains to (nullopt for simulated).
std::optional<std::string> root_of(const att::Verified& v) {
  switch (v.platform) {
    case att::Platform::Simulated: return std::nullopt;
    case att::Platform::Nitro: return std::string("nitro");
    case att::Platform::Sgx:
    case att::Platform::Tdx: return std::string("intel");
    case att::Platform::SevSnp:
      for (const auto& n : v.notes) {
        if (n.starts_with("product ")) return n.substr(8);
      }
      return std::string("unknown AMD product");
  }
  return std::nullopt;
}

Result<void> check_root(const att::Verified& v, const AttestationConfig& config) {
  const auto name = root_of(v);
  if (!name) return ok();
  const auto pem = root_pem(*name);
  const auto& trusted = config.trusted_roots.items();
  if (pem && std::find(trusted.begin(), trusted.end(), fingerprint(*pem)) != trusted.end()) {
    return ok();
  }
  return refuse(PalletError::UntrustedRoot,
                "the " + *name + " root is not among this chain's trusted roots");
}

PalletError from_attestation_error(const Error& e) {
  if (ev::is(e, att::Errc::NotHardware)) return PalletError::SimulatedNotAllowed;
  if (ev::is(e, att::Errc::DebugMode)) return PalletError::DebugEnclave;
  if (ev::is(e, att::Errc::ReportData)) return PalletError::AttestationNotBound;
  if (ev::is(e, att::Errc::NotValidAtTime) &&
      e.message.find("attestation age") != std::string::npos) {
    return PalletError::AttestationStale;
  }
  return PalletError::AttestationInvalid;
}

// Platform-tagged: a JSON evidence bundle naming its platform.
bool is_bundle(ByteSpan a) {
  const auto it = std::find_if(a.begin(), a.end(), [](std::uint8_t c) {
    return c != ' ' && c != '\n' && c != '\r' && c != '\t';
  });
  return it != a.end() && *it == '{';
}

}  // namespace

Bytes attestation_config_key() {
  return chain::storage_prefix(kPalletName, kAttestationConfigItem);
}

AttestationConfig production_attestation_config() {
  AttestationConfig c;
  std::vector<Hash256> roots;
  for (const auto& entry : pinned_roots()) roots.push_back(fingerprint(entry.second));
  auto bounded = BoundedVec<Hash256, 8>::from(std::move(roots));
  EV_ASSERT(bounded.ok(), "five pinned roots fit the bound");
  c.trusted_roots = std::move(bounded).value();
  return c;
}

AttestationConfig dev_attestation_config() {
  AttestationConfig c = production_attestation_config();
  c.dev_mode = true;
  return c;
}

Bytes registration_report_data(const AccountId& account, const Hash256& genesis) {
  att::Commitment c;
  c.account = account;
  c.genesis_hash = genesis;
  c.purpose = att::Purpose::Register;
  auto rd = att::report_data_commitment(c);
  EV_ASSERT(rd.ok(), "an empty nonce is within the bound");
  return Bytes(rd->begin(), rd->end());
}

PalletError registry_error(const Error& e) {
  if (e.domain == ErrorTraits<PalletError>::domain) return static_cast<PalletError>(e.code);
  return PalletError::AttestationInvalid;
}

Result<Attested> verify_worker_attestation(ByteSpan attestation, const Measurement& measurement,
                                           const AccountId& signer, const AttestationConfig& config,
                                           const Hash256& genesis, std::int64_t now) {
  if (!is_bundle(attestation)) {
    return refuse(PalletError::AttestationInvalid,
                  "not a platform-tagged evidence bundle (a JSON object naming its platform)");
  }
  // First the root the evidence chains to (platform and product), then the registry's rule.
  att::VerifyOptions opts;
  opts.at = now;
  opts.prefer_document_time = true;
  auto v = att::verify_evidence(attestation, opts);
  if (!v) return refuse(from_attestation_error(v.error()), v.error().to_string());
  EV_TRY(check_root(*v, config));
  att::RegistrationPolicy policy;
  policy.dev_mode = config.dev_mode;
  policy.max_age_seconds = static_cast<std::int64_t>(
      std::min<std::uint64_t>(config.max_age_secs, std::uint64_t{1} << 40));
  auto reg = att::verify_registration(attestation, signer, genesis, {}, now, policy);
  if (!reg) return refuse(from_attestation_error(reg.error()), reg.error().to_string());
  if (reg->measurement != measurement.bytes()) {
    return refuse(PalletError::MeasurementMismatch,
                  "the attestation's measurement is " + to_hex(reg->measurement) +
                      ", the call names " + to_hex(measurement.bytes()));
  }
  Attested out;
  out.platform = to_platform(reg->platform);
  out.measurement = measurement;
  auto tcb = TcbStatus::from(std::string_view(reg->tcb_status).substr(0, TcbStatus::kBound));
  out.tcb_status = tcb ? std::move(tcb).value() : TcbStatus{};
  out.attested_at = static_cast<std::uint64_t>(std::max<std::int64_t>(reg->attested_at, 0));
  out.expires_at = static_cast<std::uint64_t>(std::max<std::int64_t>(reg->expires_at, 0));
  return out;
}

std::string_view attestation_platform_name(AttestationPlatform p) {
  switch (p) {
    case AttestationPlatform::Simulated: return "Simulated";
    case AttestationPlatform::Nitro: return "Nitro";
    case AttestationPlatform::SevSnp: return "SevSnp";
    case AttestationPlatform::Sgx: return "Sgx";
    case AttestationPlatform::Tdx: return "Tdx";
  }
  return "Simulated";
}

}  // namespace ev::vault
