// A signed simulated attestation report for tests (docs/enclave.md, "Attestation report"):
// shared by the attestation library's tests and the worker registry's.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>

#include "ev/common/bytes.hpp"

namespace ev::attestation::test {

// A simulated report per docs/enclave.md with the given 48-byte measurement and report data (at
// most 64 bytes), signed with a fresh ed25519 key.
inline Bytes simulated_report_for(ByteSpan measurement, ByteSpan report_data) {
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

}  // namespace ev::attestation::test
