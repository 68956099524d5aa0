// VaultPointers calls encoded through the fixed-layout chain access (ev/chain/access.hpp): the
// same bytes as encode_runtime_call(const chain::Metadata&, ...), with the indices read from the
// minimal runtime reading instead of the full metadata model.
#pragma once

#include "ev/chain/access.hpp"
#include "ev/vault/calls.hpp"

namespace ev::vault {

// RuntimeCall bytes for `c`: pallet and call index looked up BY NAME in `rt`, then the
// arguments. Errors: VaultErrc::Metadata when the pallet or call is absent or the call's
// argument count differs from this module's.
[[nodiscard]] Result<Bytes> encode_runtime_call(const chain::access::Runtime& rt, const Call& c);

}  // namespace ev::vault
