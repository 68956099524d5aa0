// Helpers for the attestation tests: reading vectors and decoding them.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>

#include "ev/attestation/verify.hpp"
#include "test_support.hpp"

namespace ev::attestation::test {

inline Bytes vector_bytes(const std::string& rel) {
  const auto path = ev::test::require_vectors("attestation/" + rel);
  const std::string raw = ev::test::read_file(path);
  return Bytes(raw.begin(), raw.end());
}

inline Bytes vector_document(const std::string& rel) {
  return decode_document_text(vector_bytes(rel));
}

inline std::string vector_text(const std::string& rel) {
  return ev::test::read_file(ev::test::require_vectors("attestation/" + rel));
}

// A simulated report per docs/enclave.md, signed with a fresh ed25519 key.
inline Bytes simulated_report(ByteSpan report_data, std::uint8_t fill = 0x11) {
  Bytes r(283, 0);
  std::memcpy(r.data(), "EVSIMREP", 8);
  r[8] = 1;
  std::memcpy(r.data() + 9, "SIMULATED-NOT-HARDWARE-BACKED", 29);
  std::fill(r.begin() + 38, r.begin() + 86, fill);
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
