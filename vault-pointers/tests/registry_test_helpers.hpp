// Attestations for the worker registry's tests: simulated reports (docs/enclave.md, "Attestation
// report") with a chosen measurement and report data, signed by a fresh ed25519 key, wrapped in
// the platform-tagged evidence bundle register_worker takes.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "ev/attestation/evidence.hpp"
#include "ev/common/bytes.hpp"
#include "ev/vault/registry.hpp"
#include "ev/vault/types.hpp"

namespace ev::vault::test {

// A 48-byte measurement: `s` followed by zero bytes.
inline Measurement meas48(std::string_view s) {
  Bytes b(48, 0);
  std::copy_n(s.begin(), std::min<std::size_t>(s.size(), 48), b.begin());
  return Measurement::from(ByteSpan(b)).value();
}

inline Bytes simulated_report(ByteSpan measurement, ByteSpan report_data) {
  REQUIRE(measurement.size() == 48);
  REQUIRE(report_data.size() <= 64);
  Bytes r(283, 0);
  std::memcpy(r.data(), "EVSIMREP", 8);
  r[8] = 1;
  std::memcpy(r.data() + 9, "SIMULATED-NOT-HARDWARE-BACKED", 29);
  std::copy(measurement.begin(), measurement.end(), r.begin() + 38);
  std::fill(r.begin() + 86, r.begin() + 118, 0x22);
  r[118] = 7;
  r[122] = static_cast<std::uint8_t>(report_data.size());
  std::copy(report_data.begin(), report_data.end(), r.begin() + 123);
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  REQUIRE(key != nullptr);
  std::size_t publen = 32;
  REQUIRE(EVP_PKEY_get_raw_public_key(key, r.data() + 187, &publen) == 1);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t siglen = 64;
  REQUIRE(EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, key) == 1);
  REQUIRE(EVP_DigestSign(ctx, r.data() + 219, &siglen, r.data(), 219) == 1);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return r;
}

inline Bytes bundle(ev::attestation::Platform p, ByteSpan document) {
  const std::string b = ev::attestation::evidence_bundle(p, document);
  return Bytes(b.begin(), b.end());
}

// The evidence a simulated worker `who` submits to register on the chain `genesis`.
inline Bytes sim_evidence(const AccountId& who, const Hash256& genesis, const Measurement& m) {
  const Bytes rd = registration_report_data(who, genesis);
  return bundle(ev::attestation::Platform::Simulated, simulated_report(m.bytes(), rd));
}

}  // namespace ev::vault::test
