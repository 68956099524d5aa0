// Attestations for the worker registry's tests: simulated reports (docs/enclave.md, "Attestation
// report") with a chosen measurement and report data, signed by a fresh ed25519 key, wrapped in
// the platform-tagged evidence bundle register_worker takes.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "../attestation/tests/simulated_report.hpp"
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

using ev::attestation::test::simulated_report_for;

inline Bytes bundle(ev::attestation::Platform p, ByteSpan document) {
  const std::string b = ev::attestation::evidence_bundle(p, document);
  return Bytes(b.begin(), b.end());
}

// The evidence a simulated worker `who` submits to register on the chain `genesis`.
inline Bytes sim_evidence(const AccountId& who, const Hash256& genesis, const Measurement& m) {
  const Bytes rd = registration_report_data(who, genesis);
  return bundle(ev::attestation::Platform::Simulated, simulated_report_for(m.bytes(), rd));
}

}  // namespace ev::vault::test
