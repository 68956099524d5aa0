#include "ev/vault/errors.hpp"

#include <array>

namespace ev::vault {

std::string_view error_name(PalletError e) {
  static constexpr std::array<std::string_view, kPalletErrorCount> kNames = {
      "NotWorker",
      "WrongRole",
      "MeasurementNotApproved",
      "EpochMismatch",
      "EpochStillLive",
      "NoSuchBlob",
      "BlobExists",
      "AgentNotAuthorized",
      "AgentRevoked",
      "NoEpoch",
      "EpochExists",
      "TooLong",
      "NoSuchGrant",
      "InvalidServiceName",
      "NoSuchDek",
      "LiveBlobsRemain",
      "Overflow",
      "AgentReadOnly",
      "AttestationInvalid",
      "AttestationStale",
      "AttestationNotBound",
      "DebugEnclave",
      "SimulatedNotAllowed",
      "MeasurementMismatch",
      "UntrustedRoot",
      "AttestationExpired"};
  const auto i = static_cast<std::size_t>(e);
  return i < kNames.size() ? kNames[i] : std::string_view("UnknownPalletError");
}

}  // namespace ev::vault

namespace ev {

std::string_view ErrorTraits<vault::VaultErrc>::message(vault::VaultErrc e) {
  using vault::VaultErrc;
  switch (e) {
    case VaultErrc::TooLong: return "bounded vector too long";
    case VaultErrc::InvalidServiceName: return "invalid service name";
    case VaultErrc::UnknownCall: return "unknown VaultPointers call";
    case VaultErrc::UnknownEvent: return "unknown VaultPointers event";
    case VaultErrc::Metadata: return "metadata does not match the VaultPointers pallet";
    case VaultErrc::CorruptState: return "corrupt VaultPointers state";
    case VaultErrc::InvalidCredentialName: return "invalid credential name";
  }
  return "unknown vault error";
}

}  // namespace ev
