// A chain for the pallet's unit tests: MemoryState, events and block number, dispatched with a
// chosen time and genesis; `expect_error` checks a refusal changed neither state nor events.
#pragma once

#include <catch2/catch.hpp>

#include <cstdint>
#include <optional>
#include <vector>

#include "ev/chain/scale.hpp"
#include "ev/vault/pallet.hpp"
#include "ev/vault/registry.hpp"
#include "ev/vault/storage.hpp"

namespace ev::vault::test {

inline const Hash256 kGenesis = [] {
  Hash256 g{};
  g.fill(0x6E);
  return g;
}();
inline constexpr std::int64_t kStart = 1'800'000'000;

struct PalletHarness {
  MemoryState state;
  std::vector<Event> events;
  BlockNumber block = 1;
  std::int64_t now = kStart;

  // Default: a dev-mode genesis (simulated attestations accepted), as `epochvault dev` writes it;
  // nullopt: no configuration stored (production defaults).
  explicit PalletHarness(std::optional<AttestationConfig> config = dev_attestation_config()) {
    if (config) state.put(attestation_config_key(), scale::encode(*config));
  }

  DispatchOutcome run(const Call& c, const Origin& o) {
    DispatchContext ctx{state, block, events, now, kGenesis};
    auto r = dispatch(c, o, ctx);
    REQUIRE(r.ok());
    ++block;
    return *r;
  }
  DispatchOutcome root(const Call& c) { return run(c, Origin::root()); }
  DispatchOutcome as(const AccountId& who, const Call& c) { return run(c, Origin::signed_by(who)); }

  // Runs a call that must fail with `e` and checks that the state and events are unchanged.
  void expect_error(const AccountId& who, const Call& c, PalletError e) {
    const auto before = state.entries();
    const std::size_t n_events = events.size();
    const DispatchOutcome o = as(who, c);
    INFO("want " << error_name(e) << ", got "
                 << (o.pallet_error() ? error_name(*o.pallet_error()) : "not a pallet error"));
    CHECK(o == DispatchOutcome::module(e));
    CHECK(state.entries() == before);
    CHECK(events.size() == n_events);
  }
};

}  // namespace ev::vault::test
