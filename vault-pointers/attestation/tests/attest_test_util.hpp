// Helpers for the attestation tests: reading vectors and decoding them.
#pragma once

#include <openssl/evp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <string>

#include "ev/attestation/verify.hpp"
#include "simulated_report.hpp"
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

// The same with a measurement of 48 `fill` bytes.
inline Bytes simulated_report(ByteSpan report_data, std::uint8_t fill = 0x11) {
  return simulated_report_for(Bytes(48, fill), report_data);
}

}  // namespace ev::attestation::test
