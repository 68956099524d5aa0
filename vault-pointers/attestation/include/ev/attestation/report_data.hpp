// The report data a worker puts in its attestation: a commitment to who it is on which chain and
// why it attests (docs/formats/attestation.md). A verifier recomputes it and refuses a report
// made for another account, chain, purpose or nonce.
#pragma once

#include <cstdint>
#include <string_view>

#include "ev/attestation/errors.hpp"
#include "ev/common/bytes.hpp"

namespace ev::attestation {

enum class Purpose : std::uint8_t { Register = 1, Session = 2, SeedRelease = 3 };

inline constexpr std::string_view kReportDataDomain = "epochvault/report-data/v1";
inline constexpr std::size_t kMaxNonce = 64;

// "register", "session", "seed-release".
[[nodiscard]] std::string_view purpose_name(Purpose p);
[[nodiscard]] Result<Purpose> purpose_from_name(std::string_view name);

struct Commitment {
  ByteArray<32> account{};       // the worker's chain account (public key)
  ByteArray<32> genesis_hash{};  // the chain's genesis hash
  Purpose purpose = Purpose::Register;
  Bytes nonce;  // 0..64 bytes
};

// SHA-512(domain ‖ purpose ‖ account ‖ genesis_hash ‖ u8 nonce length ‖ nonce): 64 bytes.
[[nodiscard]] Result<ByteArray<64>> report_data_commitment(const Commitment& c);

// Ok when `report_data` is exactly the commitment to `expected`.
[[nodiscard]] Result<void> check_report_data(ByteSpan report_data, const Commitment& expected);

}  // namespace ev::attestation
