// The SQLite mirror following a real epochvault-devnode through ChainClient: every VaultPointers
// call is signed and submitted over WebSocket, the mirror syncs, verifies against chain storage,
// resumes after a reopen and equals a mirror rebuilt from genesis.
// Run under tests/interop/with-devnode.sh, which exports EV_DEVNODE_URL; without it the test is
// skipped (exit 77).
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ev/chain/client.hpp"
#include "ev/chain/keys.hpp"
#include "ev/common/bytes.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/mirror.hpp"
#include "ev/vault/types.hpp"
#include "registry_test_helpers.hpp"
#include "test_support.hpp"

namespace {

using namespace ev;

std::string devnode_url() {
  const char* url = std::getenv("EV_DEVNODE_URL");
  if (url == nullptr || *url == '\0') {
    std::printf("SKIPPED: EV_DEVNODE_URL is not set (run under tests/interop/with-devnode.sh)\n");
    std::exit(77);
  }
  return url;
}

chain::KeyPair key(chain::Scheme s, const char* suri) {
  auto k = chain::from_suri(s, suri);
  REQUIRE(k.ok());
  return std::move(k).value();
}

vault::AccountId account(const chain::KeyPair& k) { return k.account_id(); }

template <class T>
T must(Result<T> r) {
  INFO((r.ok() ? std::string() : r.error().to_string()));
  REQUIRE(r.ok());
  return std::move(r).value();
}

bool has_event(const chain::SubmitOutcome& o, std::string_view pallet, std::string_view name) {
  for (const auto& e : o.events) {
    if (e.pallet == pallet && e.name == name) return true;
  }
  return false;
}

struct Chain {
  std::unique_ptr<chain::ChainClient> client;

  Bytes call(const vault::Call& c) {
    return must(vault::encode_runtime_call(*client->metadata(), c));
  }
  // Sudo.sudo(inner), both indices looked up by name.
  Bytes sudo(ByteSpan inner) {
    const auto info = must(client->metadata()->call("Sudo", "sudo"));
    Bytes b(2 + inner.size());
    b[0] = info.pallet_index;
    b[1] = info.call_index;
    std::copy(inner.begin(), inner.end(), b.begin() + 2);
    return b;
  }
  // Submits, waits for finality and requires success and `pallet.event` among the events.
  chain::SubmitOutcome submit(const chain::KeyPair& signer, ByteSpan call, std::string_view pallet,
                              std::string_view event) {
    chain::SubmitOptions opts;
    opts.wait = chain::rpc::TxWait::Finalized;
    opts.timeout = std::chrono::milliseconds(30000);
    auto out = must(client->submit(signer, call, opts));
    INFO("expected " << pallet << "." << event << " in block #" << out.block_number
                     << (out.dispatch_error ? ", dispatch error " + *out.dispatch_error : ""));
    CHECK(out.success);
    CHECK_FALSE(out.dispatch_error.has_value());
    CHECK(has_event(out, pallet, event));
    return out;
  }
};

}  // namespace

TEST_CASE("mirror on the dev node: follows every call, verifies, resumes after reopen, rebuilds",
          "[mirror][interop]") {
  Chain c{must(chain::ChainClient::connect(devnode_url()))};
  REQUIRE(c.client->info().version.spec_name == "epochvault-dev");

  const auto sudo_key = key(chain::Scheme::Ecdsa, "//Alice");
  const auto wallet_key = key(chain::Scheme::Ed25519, "//Bob");
  const auto serve_key = key(chain::Scheme::Ed25519, "//Charlie");
  const auto rotate_key = key(chain::Scheme::Ecdsa, "//Dave");
  const auto agent_key = key(chain::Scheme::Ed25519, "//Eve");
  const auto wallet = account(wallet_key);
  const auto agent = account(agent_key);

  const auto serve_m = vault::test::meas48("interop-serve-measurement");
  const auto rotate_m = vault::test::meas48("interop-rotate-measurement");
  const auto genesis = c.client->info().genesis_hash;
  const auto mail = must(vault::ServiceName::from(std::string_view("mail")));
  const auto dek1 = must(vault::WrappedDek::from(std::string_view("wrapped-dek-epoch-1")));
  const auto dek2 = must(vault::WrappedDek::from(std::string_view("wrapped-dek-epoch-2")));
  vault::BlobId blob{};
  for (std::size_t i = 0; i < blob.size(); ++i) blob[i] = static_cast<std::uint8_t>(0xa0 + i);
  vault::Hash256 ct1{};
  ct1.fill(0x11);
  vault::Hash256 ct2{};
  ct2.fill(0x22);
  vault::Hash256 digest{};
  digest.fill(0x33);

  // Part 1: measurements, workers, a grant, the first epoch and a blob.
  c.submit(sudo_key, c.sudo(c.call(vault::ApproveMeasurement{serve_m, vault::Role::Serve})),
           "VaultPointers", "MeasurementApproved");
  c.submit(sudo_key, c.sudo(c.call(vault::ApproveMeasurement{rotate_m, vault::Role::Rotate})),
           "VaultPointers", "MeasurementApproved");
  c.submit(serve_key,
           c.call(vault::RegisterWorker{
               vault::Role::Serve, serve_m,
               vault::test::sim_evidence(account(serve_key), genesis, serve_m)}),
           "VaultPointers", "WorkerRegistered");
  c.submit(rotate_key,
           c.call(vault::RegisterWorker{
               vault::Role::Rotate, rotate_m,
               vault::test::sim_evidence(account(rotate_key), genesis, rotate_m)}),
           "VaultPointers", "WorkerRegistered");
  c.submit(wallet_key,
           c.call(vault::AuthorizeAgent{agent, must(vault::ServiceList::from({mail})),
                                        vault::Access::ReadWrite}),
           "VaultPointers", "AgentAuthorized");
  c.submit(serve_key, c.call(vault::OpenEpoch{wallet, dek1}), "VaultPointers", "EpochRotated");
  const auto written = c.submit(
      serve_key, c.call(vault::RegisterBlob{wallet, blob, mail, agent, 1, ct1, 4096, {}, {}}),
      "VaultPointers", "BlobWritten");

  ev::test::TempDir tmp;
  const std::string db = (tmp.path() / "mirror.sqlite").string();
  auto source = vault::chain_source(*c.client);

  // The mirror follows the chain up to the finalized head and matches its storage.
  std::optional<vault::MirroredBlock> first_stop;
  {
    auto m = must(vault::Mirror::open(db));
    const auto applied = must(m->sync(*source));
    CHECK(applied >= written.block_number + 1);  // blocks 0..head
    first_stop = must(m->last_block());
    REQUIRE(first_stop.has_value());
    CHECK(first_stop->number >= written.block_number);
    const auto diffs = must(m->verify(*source));
    for (const auto& d : diffs) {
      UNSCOPED_INFO(d.item << " " << d.entry << ": mirror " << d.mirror << ", chain " << d.chain);
    }
    CHECK(diffs.empty());
    const auto p = must(m->pointer(wallet, blob));
    REQUIRE(p.has_value());
    CHECK(p->epoch == 1);
    CHECK(p->ciphertext_hash == ct1);
    CHECK(p->created_at == written.block_number);
    CHECK(must(m->dek_present(wallet, 1)));
    // Nothing new: a second sync applies nothing.
    CHECK(must(m->sync(*source)) == 0);
  }

  // Part 2, while the mirror is closed: rotate, re-encrypt the blob, destroy the old epoch.
  c.submit(rotate_key,
           c.call(vault::RotateEpoch{wallet, 1, dek2, vault::RotationReason{vault::Operator{}}}),
           "VaultPointers", "EpochRotated");
  const auto reenc =
      c.submit(rotate_key, c.call(vault::ReencryptBlob{wallet, blob, 1, 2, ct2, 5000}),
               "VaultPointers", "BlobReencrypted");
  const auto destroyed = c.submit(rotate_key, c.call(vault::DestroyEpoch{wallet, 1, 0, digest}),
                                  "VaultPointers", "EpochDestroyed");

  // Reopened, the mirror resumes after the block it had reached.
  std::string incremental;
  {
    auto m = must(vault::Mirror::open(db));
    const auto resumed_from = must(m->last_block());
    REQUIRE(resumed_from.has_value());
    CHECK(resumed_from->number == first_stop->number);
    CHECK(resumed_from->hash == first_stop->hash);
    const auto events_before = must(m->event_count());
    const auto applied = must(m->sync(*source));
    const auto now = must(m->last_block());
    REQUIRE(now.has_value());
    CHECK(now->number >= destroyed.block_number);
    CHECK(applied == now->number - first_stop->number);
    CHECK(must(m->event_count()) >= events_before + 3);
    const auto diffs = must(m->verify(*source));
    for (const auto& d : diffs) {
      UNSCOPED_INFO(d.item << " " << d.entry << ": mirror " << d.mirror << ", chain " << d.chain);
    }
    CHECK(diffs.empty());

    const auto p = must(m->pointer(wallet, blob));
    REQUIRE(p.has_value());
    CHECK(p->epoch == 2);
    CHECK(p->ciphertext_hash == ct2);
    CHECK(p->size == 5000);
    CHECK(p->created_at == written.block_number);
    CHECK(p->updated_at == reenc.block_number);
    const auto e = must(m->epoch(wallet));
    REQUIRE(e.has_value());
    CHECK(e->current == 2);
    CHECK_FALSE(must(m->dek_present(wallet, 1)));
    CHECK(must(m->dek_present(wallet, 2)));
    const auto g = must(m->grant(wallet, agent));
    REQUIRE(g.has_value());
    REQUIRE(g->services.size() == 1);
    CHECK(g->services.items()[0] == mail);
    CHECK_FALSE(g->revoked_at.has_value());
    incremental = must(m->dump_state());
    CHECK_FALSE(incremental.empty());
  }

  // A mirror rebuilt from genesis (a fresh file, and the same file rebuilt in place) equals the
  // incrementally built one as of the same block.
  {
    auto fresh = must(vault::Mirror::open((tmp.path() / "rebuilt.sqlite").string()));
    auto m = must(vault::Mirror::open(db));
    const auto at = must(m->last_block());
    REQUIRE(at.has_value());
    CHECK(must(fresh->sync(*source, at->number)) == at->number + 1);
    CHECK(must(fresh->dump_state()) == incremental);
    CHECK(must(fresh->event_count()) == must(m->event_count()));
    const auto n = must(m->rebuild(*source));
    CHECK(n >= at->number + 1);
    CHECK(must(m->verify(*source)).empty());
    if (n == at->number + 1) CHECK(must(m->dump_state()) == incremental);
  }
}
