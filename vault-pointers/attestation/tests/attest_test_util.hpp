// Helpers for the attestation tests: reading vectors and decoding them.
#pragma once

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

}  // namespace ev::attestation::test
