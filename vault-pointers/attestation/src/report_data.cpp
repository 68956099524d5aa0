// Report data commitment (docs/formats/attestation.md).
#include "ev/attestation/report_data.hpp"

#include <openssl/evp.h>

#include <algorithm>

namespace ev::attestation {

std::string_view purpose_name(Purpose p) {
  switch (p) {
    case Purpose::Register: return "register";
    case Purpose::Session: return "session";
    case Purpose::SeedRelease: return "seed-release";
  }
  return "unknown";
}

Result<Purpose> purpose_from_name(std::string_view name) {
  for (Purpose p : {Purpose::Register, Purpose::Session, Purpose::SeedRelease}) {
    if (purpose_name(p) == name) return p;
  }
  return make_error(Errc::ReportData, "purpose \"" + std::string(name) +
                                          "\" (expected register, session or seed-release)");
}

Result<ByteArray<64>> report_data_commitment(const Commitment& c) {
  if (c.nonce.size() > kMaxNonce) {
    return make_error(Errc::ReportData,
                      "nonce of " + std::to_string(c.nonce.size()) + " bytes, at most 64 allowed");
  }
  Bytes msg;
  append(msg, as_bytes(kReportDataDomain));
  msg.push_back(static_cast<std::uint8_t>(c.purpose));
  append(msg, c.account);
  append(msg, c.genesis_hash);
  msg.push_back(static_cast<std::uint8_t>(c.nonce.size()));
  append(msg, c.nonce);
  ByteArray<64> out{};
  unsigned int n = 0;
  if (EVP_Digest(msg.data(), msg.size(), out.data(), &n, EVP_sha512(), nullptr) != 1 || n != 64) {
    return make_error(Errc::ReportData, "SHA-512 failed");
  }
  return out;
}

Result<void> check_report_data(ByteSpan report_data, const Commitment& expected) {
  const ByteArray<64> want = EV_TRY(report_data_commitment(expected));
  if (report_data.size() != want.size() ||
      !std::equal(want.begin(), want.end(), report_data.begin())) {
    return make_error(Errc::ReportData,
                      "report data does not commit to this account, chain, purpose (" +
                          std::string(purpose_name(expected.purpose)) + ") and nonce");
  }
  return {};
}

}  // namespace ev::attestation
