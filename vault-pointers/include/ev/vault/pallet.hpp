// The node-side state transition of the VaultPointers pallet: dispatch(call, origin, ctx).
//
// Transactional by construction: a call first reads and checks everything, collecting its
// writes and its event; only when every check passed are the writes applied to ctx.state and
// the event appended to ctx.events. On BadOrigin or a pallet error nothing was written.
// Which error each failed check yields, and the order of the checks: docs/pallet.md.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ev/common/result.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/errors.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/state.hpp"
#include "ev/vault/types.hpp"

namespace ev::vault {

struct Origin {
  enum class Kind { Root, Signed } kind = Kind::Signed;
  AccountId who{};  // meaningful for Signed only

  static Origin root() { return {Kind::Root, {}}; }
  static Origin signed_by(const AccountId& a) { return {Kind::Signed, a}; }
};

struct DispatchContext {
  StateAccess& state;
  BlockNumber block;
  std::vector<Event>& events;
  // The block's time (Unix seconds) and the chain's genesis hash: register_worker verifies the
  // attestation at this time and for this chain; a worker whose attestation expired before
  // `now` has no rights (docs/pallet.md, "Worker registry").
  std::int64_t now = 0;
  ByteArray<32> genesis_hash{};
};

// How a dispatch ended, as FRAME reports it: Ok, DispatchError::BadOrigin (a Root-only call
// with a signed origin, or a signed call with Root), or DispatchError::Module with `error`.
struct DispatchOutcome {
  enum class Kind { Ok, BadOrigin, Module } kind = Kind::Ok;
  PalletError error = PalletError::NotWorker;  // meaningful for Module only

  static DispatchOutcome success() { return {}; }
  static DispatchOutcome bad_origin() { return {Kind::BadOrigin, PalletError::NotWorker}; }
  static DispatchOutcome module(PalletError e) { return {Kind::Module, e}; }
  [[nodiscard]] bool ok() const { return kind == Kind::Ok; }
  [[nodiscard]] std::optional<PalletError> pallet_error() const {
    return kind == Kind::Module ? std::optional<PalletError>(error) : std::nullopt;
  }
  friend bool operator==(const DispatchOutcome&, const DispatchOutcome&) = default;
};

// Runs one call. The Result's error (VaultErrc::CorruptState) means the stored state itself is
// broken (a value that does not decode, a live count below zero); nothing was written then
// either, and the node should refuse the block. Otherwise the outcome says Ok / BadOrigin /
// Module(error).
[[nodiscard]] Result<DispatchOutcome> dispatch(const Call& call, const Origin& origin,
                                               DispatchContext& ctx);

}  // namespace ev::vault
