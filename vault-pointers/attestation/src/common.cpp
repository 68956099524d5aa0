// Error messages, platform names, the result type and the pinned roots' helpers.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>

#include "crypto_internal.hpp"
#include "ev/attestation/roots.hpp"
#include "ev/attestation/verify.hpp"
#include "ev/common/digest.hpp"

namespace ev {

std::string_view ErrorTraits<attestation::Errc>::message(attestation::Errc e) {
  using E = attestation::Errc;
  switch (e) {
    case E::Malformed: return "malformed attestation";
    case E::Truncated: return "truncated attestation";
    case E::TrailingData: return "trailing data after the attestation";
    case E::Unsupported: return "unsupported attestation";
    case E::BadSignature: return "signature check failed";
    case E::ChainOrder: return "certificate chain order check failed";
    case E::WrongRoot: return "root check failed (not the pinned vendor root)";
    case E::ChainInvalid: return "certificate chain check failed";
    case E::NotValidAtTime: return "validity check failed at the verification time";
    case E::Revoked: return "revocation check failed";
    case E::DebugMode: return "debug mode check failed";
    case E::TcbMismatch: return "TCB / chip id check failed";
    case E::Binding: return "attestation key binding check failed";
    case E::Collateral: return "collateral check failed";
    case E::TcbStatus: return "TCB status check failed";
    case E::ReportData: return "report data check failed";
    case E::Measurement: return "measurement check failed";
    case E::NotHardware: return "hardware check failed (simulated attestation)";
  }
  return "attestation error";
}

}  // namespace ev

namespace ev::attestation {

std::string_view platform_name(Platform p) {
  switch (p) {
    case Platform::Simulated: return "simulated";
    case Platform::Nitro: return "nitro";
    case Platform::SevSnp: return "sev-snp";
    case Platform::Sgx: return "sgx";
    case Platform::Tdx: return "tdx";
  }
  return "unknown";
}

Result<Platform> platform_from_name(std::string_view name) {
  for (Platform p :
       {Platform::Simulated, Platform::Nitro, Platform::SevSnp, Platform::Sgx, Platform::Tdx}) {
    if (platform_name(p) == name) return p;
  }
  return make_error(Errc::Unsupported, "platform \"" + std::string(name) + "\"");
}

const Bytes& Verified::primary_measurement() const {
  static const Bytes kEmpty;
  return measurements.empty() ? kEmpty : measurements.front().value;
}

const Bytes* Verified::measurement(std::string_view name) const {
  for (const auto& m : measurements) {
    if (m.name == name) return &m.value;
  }
  return nullptr;
}

Result<Bytes> pem_to_der(std::string_view pem) {
  auto certs = EV_TRY(detail::parse_pem_certs(pem, "pinned root"));
  if (certs.size() != 1) return detail::fail(Errc::Malformed, "pinned root", "not one certificate");
  return detail::cert_der(certs.front().get());
}

Result<std::string> der_to_pem(ByteSpan der) {
  detail::X509Ptr cert = EV_TRY(detail::parse_der_cert(der, "certificate"));
  BIO* bio = BIO_new(BIO_s_mem());
  if (bio == nullptr || PEM_write_bio_X509(bio, cert.get()) != 1) {
    BIO_free(bio);
    return detail::fail(Errc::Malformed, "certificate", "PEM encoding failed");
  }
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

std::string cert_fingerprint(ByteSpan der) { return to_hex(sha256(der), false); }

Result<std::int64_t> parse_time(std::string_view text) {
  if (!text.empty() && text.size() <= 12 &&
      std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    std::int64_t v = 0;
    for (char c : text) v = v * 10 + (c - '0');
    return v;
  }
  return detail::parse_rfc3339(text);
}

Bytes decode_document_text(ByteSpan file) {
  std::string text;
  for (std::uint8_t c : file) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c < 0x21 || c > 0x7e) return Bytes(file.begin(), file.end());
    text.push_back(static_cast<char>(c));
  }
  if (text.empty()) return Bytes(file.begin(), file.end());
  if (auto hex = from_hex(text); hex.ok()) return std::move(hex).value();
  if (text.size() % 4 != 0) return Bytes(file.begin(), file.end());
  Bytes out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return Bytes(file.begin(), file.end());
  std::size_t pad = 0;
  if (text.back() == '=') ++pad;
  if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

}  // namespace ev::attestation
