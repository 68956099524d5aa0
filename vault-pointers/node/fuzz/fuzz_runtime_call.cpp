// Hostile bytes into the dev runtime's call decoder and transaction validation. No input may
// crash, hang or allocate beyond its size; byte 0 selects the mode, the rest is the input.
//   0: decode_runtime_call; whatever decodes re-encodes to exactly the input (canonical).
//   1: Runtime::validate of the input as an extrinsic against the genesis state.
//   2: the input as a call, signed (ed25519, immortal, nonce 0) by an endowed account, validated
//      against the genesis state: valid exactly when the call decodes (and then re-encodes to the
//      input); a valid one is applied to block 1 and must not report corrupt state.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <vector>

#include "ev/chain/keys.hpp"
#include "ev/chain/scale.hpp"
#include "ev/devnode/node.hpp"
#include "ev/devnode/runtime.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/state.hpp"

namespace {

using namespace ev;           // NOLINT(google-build-using-namespace)
using namespace ev::devnode;  // NOLINT(google-build-using-namespace)

void require(bool cond) {
  if (!cond) std::abort();
}

// The wire form of a RuntimeCall, written from the decoded value.
void encode_call(const RuntimeCall& c, scale::Encoder& e) {
  switch (c.kind) {
    case RuntimeCall::Kind::Remark: e.u8(kSystemIndex).u8(0).bytes(c.remark); return;
    case RuntimeCall::Kind::RemarkWithEvent: e.u8(kSystemIndex).u8(7).bytes(c.remark); return;
    case RuntimeCall::Kind::BatchAll:
      e.u8(kUtilityIndex).u8(2).compact(c.calls.size());
      for (const auto& inner : c.calls) encode_call(inner, e);
      return;
    case RuntimeCall::Kind::Sudo:
      require(c.calls.size() == 1);
      e.u8(kSudoIndex).u8(0);
      encode_call(c.calls[0], e);
      return;
    case RuntimeCall::Kind::SetKey: e.u8(kSudoIndex).u8(2).u8(0).raw(c.new_key); return;
    case RuntimeCall::Kind::Vault:
      e.u8(kVaultIndex).u8(vault::call_index(c.vault)).raw(vault::encode_args(c.vault));
      return;
  }
  std::abort();
}

struct World {
  std::shared_ptr<const Runtime> runtime;
  vault::MemoryState genesis_state;
  ByteArray<32> genesis{};
  std::optional<chain::KeyPair> key;
};

const World& world() {
  static const World* w = [] {
    auto* out = new World;
    auto rt = Runtime::create();
    EV_ASSERT(rt.ok(), "Runtime::create");
    out->runtime = *rt;
    ByteArray<32> seed{};
    seed.fill(0x42);
    auto key = chain::KeyPair::from_seed(chain::Scheme::Ed25519, seed);
    EV_ASSERT(key.ok(), "KeyPair::from_seed");
    out->key.emplace(std::move(key).value());
    const auto who = out->key->account_id();
    for (const auto& [k, v] : out->runtime->genesis_storage({who}, who, kDevBalance)) {
      if (v) out->genesis_state.put(k, *v);
    }
    out->genesis.fill(0x11);
    return out;
  }();
  return *w;
}

std::optional<ByteArray<32>> block_hash(std::uint32_t n) {
  if (n == 0) return world().genesis;
  return std::nullopt;
}

Runtime::Validity validate(ByteSpan encoded) {
  const World& w = world();
  return w.runtime->validate(encoded, w.genesis_state, 0, &block_hash, w.genesis);
}

void fuzz_decode(ByteSpan in) {
  auto c = decode_runtime_call(in);
  if (!c) {
    require(!c.error().message.empty());
    return;
  }
  scale::Encoder e;
  encode_call(*c, e);
  require(e.data() == Bytes(in.begin(), in.end()));
}

void fuzz_validate(ByteSpan in) {
  const auto v = validate(in);
  // Exactly one outcome: valid, invalid, or not an extrinsic at all.
  const int outcomes = (v.ok ? 1 : 0) + (v.invalid ? 1 : 0) + (v.format_error.empty() ? 0 : 1);
  require(outcomes == 1);
}

void fuzz_signed(ByteSpan in) {
  const World& w = world();
  const auto& rt = *w.runtime;
  chain::TxOptions opts;
  opts.immortal = true;
  opts.nonce = 0;
  const chain::ChainIdentity id{rt.version().spec_version, rt.version().transaction_version,
                                w.genesis};
  auto xt = rt.format().build_signed(*w.key, in, id, opts);
  require(xt.ok());
  const auto v = validate(*xt);
  const auto call = decode_runtime_call(in);
  if (!call) {
    require(!v.ok && !v.format_error.empty());
    return;
  }
  fuzz_decode(in);
  require(v.ok.has_value() && !v.invalid && !v.future && v.ok->nonce == 0);
  require(v.ok->signer == w.key->account_id());

  Overlay state(StateReader{
      [&w](ByteSpan k) -> Result<std::optional<Bytes>> { return w.genesis_state.get(k); },
      [&w](ByteSpan p) -> Result<std::vector<Bytes>> {
        return w.genesis_state.keys_with_prefix(p);
      }});
  rt.initialize_block(state, 1, w.genesis);
  const auto applied = rt.apply(state, *v.ok, 0, 1);
  require(applied.ok());
  rt.finalize_block(state, 1);
  require(!state.failed().has_value());
  require(Runtime::account_nonce(state, w.key->account_id()) == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const ByteSpan in(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: fuzz_decode(in); break;
    case 1: fuzz_validate(in); break;
    default: fuzz_signed(in); break;
  }
  return 0;
}
