// OpenSSL helpers shared by the verifiers: certificates, chains at a given time, raw ECDSA.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ev/attestation/errors.hpp"
#include "ev/common/bytes.hpp"

namespace ev::attestation::detail {

struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct CrlFree {
  void operator()(X509_CRL* p) const { X509_CRL_free(p); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using CrlPtr = std::unique_ptr<X509_CRL, CrlFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// "<check>: <detail>" error of the given class.
[[nodiscard]] Error fail(Errc e, std::string_view check, std::string_view detail);

[[nodiscard]] Result<X509Ptr> parse_der_cert(ByteSpan der, std::string_view what);
[[nodiscard]] Result<std::vector<X509Ptr>> parse_pem_certs(std::string_view pem,
                                                           std::string_view what);
[[nodiscard]] Result<CrlPtr> parse_der_crl(ByteSpan der, std::string_view what);
[[nodiscard]] Bytes cert_der(X509* cert);
[[nodiscard]] std::string subject_cn(X509* cert);

// Checks that chain[0] (the leaf) is issued by chain[1], ..., the last by `root`, that `root`
// is the pinned certificate, and validates the path with OpenSSL at `at` (and the CRLs, when
// given: every certificate's issuer must then have one). `check` names the check in errors.
[[nodiscard]] Result<void> verify_chain(std::string_view check, std::span<X509* const> chain,
                                        X509* root, ByteSpan pinned_root_der, std::int64_t at,
                                        std::span<X509_CRL* const> crls = {});

// ECDSA over msg with the given digest, signature as big-endian r and s (each padded or not).
[[nodiscard]] bool ecdsa_verify(EVP_PKEY* key, const EVP_MD* md, ByteSpan msg, ByteSpan r_be,
                                ByteSpan s_be);
// A P-256 public key from its 64-byte raw x‖y point.
[[nodiscard]] Result<PkeyPtr> p256_from_raw(ByteSpan xy);
[[nodiscard]] bool ed25519_verify(ByteSpan key, ByteSpan msg, ByteSpan sig);

[[nodiscard]] std::int64_t asn1_time_unix(const ASN1_TIME* t);
// "2024-09-07T14:37:39Z"
[[nodiscard]] std::string rfc3339(std::int64_t unix_seconds);
// Parses "YYYY-MM-DDTHH:MM:SS[.fff]Z".
[[nodiscard]] Result<std::int64_t> parse_rfc3339(std::string_view s);

// Little-endian integers.
[[nodiscard]] inline std::uint16_t le16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}
[[nodiscard]] inline std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | (static_cast<std::uint32_t>(p[1]) << 8) |
         (static_cast<std::uint32_t>(p[2]) << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}
[[nodiscard]] inline std::uint64_t le64(const std::uint8_t* p) {
  return static_cast<std::uint64_t>(le32(p)) | (static_cast<std::uint64_t>(le32(p + 4)) << 32);
}

}  // namespace ev::attestation::detail
