// Small constructors shared by the pallet's tests: filled ids and validated bounded values.
#pragma once

#include <cstdint>
#include <string_view>

#include "ev/vault/types.hpp"

namespace ev::vault::test {

inline AccountId acct(std::uint8_t b) {
  AccountId a{};
  a.fill(b);
  return a;
}
inline BlobId blob(std::uint8_t b) {
  BlobId x{};
  x.fill(b);
  return x;
}
inline ServiceName svc(std::string_view s) { return ServiceName::from(s).value(); }
inline Measurement meas(std::string_view s) { return Measurement::from(s).value(); }

}  // namespace ev::vault::test
