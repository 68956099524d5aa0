// The dev runtime: call decoding, validation, dispatch and events.
#include "ev/devnode/runtime.hpp"

#include <algorithm>
#include <string>
#include <utility>

#include "ev/chain/hash.hpp"
#include "ev/chain/metadata_builder.hpp"
#include "ev/common/errors.hpp"
#include "ev/vault/errors.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/pallet.hpp"

namespace ev::devnode {

namespace {

Error call_error(std::string msg) {
  return make_error(CommonErrc::InvalidArgument, "RuntimeCall: " + std::move(msg));
}

}  // namespace

// ---- RuntimeCall -------------------------------------------------------------------------

Result<RuntimeCall> decode_runtime_call(scale::Decoder& d, std::size_t depth) {
  if (depth > kMaxCallDepth) {
    return call_error("nesting deeper than " + std::to_string(kMaxCallDepth) + " at offset " +
                      std::to_string(d.pos()));
  }
  const std::size_t at = d.pos();
  const std::uint8_t pallet = EV_TRY_CTX("RuntimeCall pallet index", d.u8());
  const std::uint8_t index = EV_TRY_CTX("RuntimeCall call index", d.u8());
  RuntimeCall c;
  const auto where = [&](std::string_view what) {
    return std::string(what) + " (call at offset " + std::to_string(at) + ")";
  };
  switch (pallet) {
    case kSystemIndex:
      if (index != 0 && index != 7) break;
      c.kind = index == 0 ? RuntimeCall::Kind::Remark : RuntimeCall::Kind::RemarkWithEvent;
      c.remark = EV_TRY_CTX(where("System.remark"), scale::decode<Bytes>(d));
      return c;
    case kUtilityIndex: {
      if (index != 2) break;
      c.kind = RuntimeCall::Kind::BatchAll;
      const std::size_t n = EV_TRY_CTX(where("Utility.batch_all calls"), d.length(2));
      for (std::size_t i = 0; i < n; ++i) {
        auto inner = decode_runtime_call(d, depth + 1);
        if (!inner) {
          return std::move(inner).error().context(
              where("Utility.batch_all calls[" + std::to_string(i) + "]"));
        }
        c.calls.push_back(std::move(inner).value());
      }
      return c;
    }
    case kSudoIndex:
      if (index == 0) {
        c.kind = RuntimeCall::Kind::Sudo;
        auto inner = decode_runtime_call(d, depth + 1);
        if (!inner) return std::move(inner).error().context(where("Sudo.sudo call"));
        c.calls.push_back(std::move(inner).value());
        return c;
      }
      if (index == 2) {
        c.kind = RuntimeCall::Kind::SetKey;
        const std::uint8_t tag = EV_TRY_CTX(where("Sudo.set_key new"), d.u8());
        if (tag != 0) {
          return call_error("Sudo.set_key: MultiAddress variant " + std::to_string(tag) +
                            " is not Id at offset " + std::to_string(d.pos() - 1));
        }
        c.new_key = EV_TRY_CTX(where("Sudo.set_key new"), scale::decode<ByteArray<32>>(d));
        return c;
      }
      break;
    case kVaultIndex:
      c.kind = RuntimeCall::Kind::Vault;
      c.vault = EV_TRY_CTX(where("VaultPointers"), vault::decode_call(index, d));
      return c;
    default:
      return call_error("unknown pallet index " + std::to_string(pallet) + " at offset " +
                        std::to_string(at));
  }
  return call_error("unknown call " + std::to_string(pallet) + "." + std::to_string(index) +
                    " at offset " + std::to_string(at));
}

Result<RuntimeCall> decode_runtime_call(ByteSpan bytes) {
  scale::Decoder d(bytes);
  RuntimeCall c = EV_TRY(decode_runtime_call(d, 0));
  if (!d.empty()) {
    return call_error(std::to_string(bytes.size() - d.pos()) + " trailing bytes at offset " +
                      std::to_string(d.pos()));
  }
  return c;
}

// ---- Overlay -----------------------------------------------------------------------------

std::optional<Bytes> Overlay::get(ByteSpan key) const {
  const Bytes k(key.begin(), key.end());
  if (auto it = changes_.find(k); it != changes_.end()) return it->second;
  auto v = base_.get(key);
  if (!v) {
    if (!failed_) failed_ = v.error();
    return std::nullopt;
  }
  return std::move(v).value();
}

void Overlay::put(ByteSpan key, ByteSpan value) {
  changes_[Bytes(key.begin(), key.end())] = Bytes(value.begin(), value.end());
}

void Overlay::erase(ByteSpan key) { changes_[Bytes(key.begin(), key.end())] = std::nullopt; }

std::vector<Bytes> Overlay::keys_with_prefix(ByteSpan prefix) const {
  std::vector<Bytes> base;
  if (auto r = base_.keys(prefix)) {
    base = std::move(r).value();
  } else if (!failed_) {
    failed_ = r.error();
  }
  std::map<Bytes, bool> all;
  for (auto& k : base) all[std::move(k)] = true;
  const Bytes p(prefix.begin(), prefix.end());
  for (auto it = changes_.lower_bound(p); it != changes_.end(); ++it) {
    if (it->first.size() < p.size() || !std::equal(p.begin(), p.end(), it->first.begin())) break;
    all[it->first] = it->second.has_value();
  }
  std::vector<Bytes> out;
  for (auto& [k, present] : all) {
    if (present) out.push_back(k);
  }
  return out;
}

// ---- Transaction validity ----------------------------------------------------------------

std::string_view tx_invalid_text(TxInvalid k) {
  switch (k) {
    case TxInvalid::Call: return "Transaction call is not expected";
    case TxInvalid::Payment: return "Inability to pay some fees (e.g. account balance too low)";
    case TxInvalid::Future: return "Transaction will be valid in the future";
    case TxInvalid::Stale: return "Transaction is outdated";
    case TxInvalid::BadProof: return "Transaction has a bad signature";
    case TxInvalid::AncientBirthBlock: return "Transaction has an ancient birth block";
    case TxInvalid::ExhaustsResources: return "Transaction would exhaust the block limits";
    case TxInvalid::BadSigner: return "Invalid signing address";
  }
  return "Invalid transaction";
}

nlohmann::json tx_invalid_json(TxInvalid k) {
  const char* name = "call";
  switch (k) {
    case TxInvalid::Call: name = "call"; break;
    case TxInvalid::Payment: name = "payment"; break;
    case TxInvalid::Future: name = "future"; break;
    case TxInvalid::Stale: name = "stale"; break;
    case TxInvalid::BadProof: name = "badProof"; break;
    case TxInvalid::AncientBirthBlock: name = "ancientBirthBlock"; break;
    case TxInvalid::ExhaustsResources: name = "exhaustsResources"; break;
    case TxInvalid::BadSigner: name = "badSigner"; break;
  }
  return {{"invalid", {{name, nullptr}}}};
}

// ---- Runtime -----------------------------------------------------------------------------

Result<std::shared_ptr<const Runtime>> Runtime::create() {
  std::shared_ptr<Runtime> rt(new Runtime());
  for (const char* api :
       {"Core", "Metadata", "BlockBuilder", "TaggedTransactionQueue", "AccountNonceApi"}) {
    std::uint32_t ver = 1;
    if (std::string_view(api) == "Core") ver = 5;
    if (std::string_view(api) == "Metadata") ver = 2;
    if (std::string_view(api) == "BlockBuilder") ver = 6;
    if (std::string_view(api) == "TaggedTransactionQueue") ver = 3;
    rt->version_.apis.emplace_back(blake2_64(as_bytes(std::string_view(api))), ver);
  }
  rt->md_ = EV_TRY(build_runtime_metadata(rt->version_));
  rt->v14_ = EV_TRY_CTX("metadata V14", chain::encode_metadata(rt->md_, 14));
  rt->v15_ = EV_TRY_CTX("metadata V15", chain::encode_metadata(rt->md_, 15));
  rt->format_ = EV_TRY_CTX("extrinsic format", chain::ExtrinsicFormat::from_metadata(rt->md_));
  return std::shared_ptr<const Runtime>(std::move(rt));
}

Overlay::Changes Runtime::genesis_storage(const std::vector<ByteArray<32>>& endowed,
                                          std::optional<ByteArray<32>> sudo, u128 free) const {
  Overlay::Changes c;
  for (const auto& who : endowed) {
    AccountInfo info;
    info.providers = 1;
    info.free = free;
    c[keys::system_account(who)] = scale::encode(info);
  }
  if (sudo) c[keys::sudo_key()] = Bytes(sudo->begin(), sudo->end());
  c[keys::system_number()] = scale::encode(std::uint32_t{0});
  c[keys::system_parent_hash()] = Bytes(32, 0);
  return c;
}

std::uint32_t Runtime::account_nonce(const vault::StateAccess& state, const ByteArray<32>& who) {
  auto raw = state.get(keys::system_account(who));
  if (!raw) return 0;
  auto info = scale::decode_all<AccountInfo>(*raw);
  return info ? info->nonce : 0;
}

Runtime::Validity Runtime::validate(
    ByteSpan encoded, const vault::StateAccess& state, std::uint32_t best,
    const std::function<std::optional<ByteArray<32>>(std::uint32_t)>& block_hash,
    const ByteArray<32>& genesis) const {
  Validity v;
  auto xt = format_->decode(encoded);
  if (!xt) {
    v.format_error = xt.error().to_string();
    return v;
  }
  auto call = decode_runtime_call(xt->call);
  if (!call) {
    v.format_error = call.error().to_string();
    return v;
  }
  if (!xt->signer) {
    v.invalid = TxInvalid::BadSigner;
    return v;
  }
  // Checks in the signed extensions' order.
  if (xt->signer->account == ByteArray<32>{}) {
    v.invalid = TxInvalid::BadSigner;
    return v;
  }
  if (xt->extra.metadata_hash_mode != 0) {  // no metadata hash is configured: cannot verify
    v.invalid = TxInvalid::BadProof;
    return v;
  }
  const std::uint64_t current = std::uint64_t{best} + 1;
  ByteArray<32> birth_hash = genesis;
  if (!xt->extra.era.is_immortal()) {
    const std::uint64_t birth = xt->extra.era.birth(current);
    if (birth > current) {
      v.invalid = TxInvalid::AncientBirthBlock;
      return v;
    }
    // frame_system::BlockHash has no entry for the block being built: the zero hash.
    birth_hash = ByteArray<32>{};
    if (birth <= best) {
      auto h = block_hash(static_cast<std::uint32_t>(birth));
      if (h) birth_hash = *h;
    }
  }
  const chain::ChainIdentity id{version_.spec_version, version_.transaction_version, genesis};
  if (!format_->verify(*xt, id, birth_hash)) {
    v.invalid = TxInvalid::BadProof;
    return v;
  }
  const std::uint32_t nonce = account_nonce(state, xt->signer->account);
  v.account_nonce = nonce;
  if (xt->extra.nonce < nonce) {
    v.invalid = TxInvalid::Stale;
    return v;
  }
  v.future = xt->extra.nonce > nonce;
  CheckedExtrinsic c;
  c.encoded.assign(encoded.begin(), encoded.end());
  c.hash = chain::extrinsic_hash(encoded);
  c.signer = xt->signer->account;
  c.nonce = xt->extra.nonce;
  c.death = xt->extra.era.death(current);
  c.call = std::move(call).value();
  v.ok = std::move(c);
  return v;
}

// ---- Dispatch ----------------------------------------------------------------------------

namespace {

struct DispatchOrigin {
  bool root = false;
  ByteArray<32> who{};
};

Bytes error_bad_origin() { return Bytes{2}; }
Bytes error_module(std::uint8_t pallet, std::uint8_t e) { return Bytes{3, pallet, e, 0, 0, 0}; }
constexpr std::uint8_t kRequireSudo = 0;

// Dispatches calls, collecting events as pallet_index ++ event_index ++ fields.
class Dispatcher {
 public:
  Dispatcher(Overlay& st, std::uint32_t number, std::vector<Bytes>& events)
      : st_(st), number_(number), events_(events) {}

  // nullopt: Ok; otherwise the SCALE DispatchError. Storage and events written by a failed call
  // are discarded. Errors: corrupt state.
  Result<std::optional<Bytes>> run(const RuntimeCall& c, const DispatchOrigin& o) {
    auto snap = st_.snapshot();
    const std::size_t ev = events_.size();
    auto r = run_inner(c, o);
    if (!r || r->has_value()) {
      st_.restore(std::move(snap));
      events_.resize(ev);
    }
    return r;
  }

 private:
  void event(std::uint8_t pallet, std::uint8_t index, ByteSpan fields) {
    Bytes e{pallet, index};
    append(e, fields);
    events_.push_back(std::move(e));
  }

  Result<std::optional<Bytes>> ensure_sudo(const DispatchOrigin& o) {
    if (o.root) return std::optional<Bytes>(error_bad_origin());
    auto key = st_.get(keys::sudo_key());
    if (!key || key->size() != 32 || !std::equal(key->begin(), key->end(), o.who.begin())) {
      return std::optional<Bytes>(error_module(kSudoIndex, kRequireSudo));
    }
    return std::optional<Bytes>();
  }

  Result<std::optional<Bytes>> run_inner(const RuntimeCall& c, const DispatchOrigin& o) {
    switch (c.kind) {
      case RuntimeCall::Kind::Remark: return std::optional<Bytes>();
      case RuntimeCall::Kind::RemarkWithEvent: {
        if (o.root) return std::optional<Bytes>(error_bad_origin());
        Bytes f(o.who.begin(), o.who.end());
        const auto h = chain::blake2_256(c.remark);
        append(f, h);
        event(kSystemIndex, 5, f);  // Remarked
        return std::optional<Bytes>();
      }
      case RuntimeCall::Kind::BatchAll: {
        for (const auto& inner : c.calls) {
          auto r = EV_TRY(run(inner, o));
          if (r) return r;
          event(kUtilityIndex, 3, {});  // ItemCompleted
        }
        event(kUtilityIndex, 1, {});  // BatchCompleted
        return std::optional<Bytes>();
      }
      case RuntimeCall::Kind::Sudo: {
        auto denied = EV_TRY(ensure_sudo(o));
        if (denied) return denied;
        auto r = EV_TRY(run(c.calls.front(), DispatchOrigin{true, {}}));
        Bytes f;
        if (r) {
          f.push_back(1);
          append(f, *r);
        } else {
          f.push_back(0);
        }
        event(kSudoIndex, 0, f);  // Sudid
        return std::optional<Bytes>();
      }
      case RuntimeCall::Kind::SetKey: {
        auto denied = EV_TRY(ensure_sudo(o));
        if (denied) return denied;
        auto old = st_.get(keys::sudo_key());
        Bytes f;
        if (old && old->size() == 32) {
          f.push_back(1);
          append(f, *old);
        } else {
          f.push_back(0);
        }
        append(f, c.new_key);
        st_.put(keys::sudo_key(), c.new_key);
        event(kSudoIndex, 1, f);  // KeyChanged
        return std::optional<Bytes>();
      }
      case RuntimeCall::Kind::Vault: {
        std::vector<vault::Event> evs;
        vault::DispatchContext ctx{st_, number_, evs};
        set_chain_context(ctx);
        const auto origin = o.root ? vault::Origin::root() : vault::Origin::signed_by(o.who);
        const auto out = EV_TRY(vault::dispatch(c.vault, origin, ctx));
        if (out.kind == vault::DispatchOutcome::Kind::BadOrigin) {
          return std::optional<Bytes>(error_bad_origin());
        }
        if (out.kind == vault::DispatchOutcome::Kind::Module) {
          return std::optional<Bytes>(
              error_module(kVaultIndex, static_cast<std::uint8_t>(out.error)));
        }
        for (const auto& e : evs) {
          Bytes b{kVaultIndex};
          append(b, vault::encode_event(e));
          events_.push_back(std::move(b));
        }
        return std::optional<Bytes>();
      }
    }
    return std::optional<Bytes>(Bytes{0});  // DispatchError::Other
  }

  // The block's time (Timestamp.Now) and the genesis hash (System.BlockHash[0]) for the
  // pallet's attestation checks; absent values stay 0 (every attestation is then refused).
  void set_chain_context(vault::DispatchContext& ctx) const {
    if (auto raw = st_.get(keys::timestamp_now())) {
      if (auto ms = scale::decode_all<std::uint64_t>(*raw)) {
        ctx.now = static_cast<std::int64_t>(*ms / 1000);
      }
    }
    if (auto raw = st_.get(keys::system_block_hash(0)); raw && raw->size() == 32) {
      std::copy(raw->begin(), raw->end(), ctx.genesis_hash.begin());
    }
  }

  Overlay& st_;
  std::uint32_t number_;
  std::vector<Bytes>& events_;
};

// DispatchInfo { weight: { ref_time, proof_size }, class: Normal, pays_fee: Yes }.
Bytes dispatch_info(std::size_t len) {
  scale::Encoder e;
  e.compact(u128{125'000'000} + u128{len} * 1000).compact(u128{len}).u8(0).u8(0);
  return e.take();
}

void deposit_events(Overlay& st, std::uint32_t index, const std::vector<Bytes>& events) {
  if (events.empty()) return;
  auto raw = st.get(keys::system_events());
  std::uint64_t count = 0;
  Bytes body;
  if (raw && !raw->empty()) {
    scale::Decoder d(*raw);
    if (auto n = d.compact_as<std::uint64_t>()) {
      count = *n;
      body.assign(raw->begin() + static_cast<std::ptrdiff_t>(d.pos()), raw->end());
    }
  }
  for (const auto& ev : events) {
    scale::Encoder rec;
    rec.u8(0).u32(index).raw(ev).compact(0);  // Phase::ApplyExtrinsic(index), no topics
    append(body, rec.data());
    ++count;
  }
  scale::Encoder out;
  out.compact(count).raw(body);
  st.put(keys::system_events(), out.data());
  st.put(keys::system_event_count(), scale::encode(static_cast<std::uint32_t>(count)));
}

}  // namespace

void Runtime::initialize_block(Overlay& state, std::uint32_t number,
                               const ByteArray<32>& parent) const {
  state.erase(keys::system_events());
  state.erase(keys::system_event_count());
  state.erase(keys::system_extrinsic_count());
  state.put(keys::system_number(), scale::encode(number));
  state.put(keys::system_parent_hash(), parent);
  if (number > 0) state.put(keys::system_block_hash(number - 1), parent);
}

Result<ApplyOutcome> Runtime::apply(Overlay& state, const CheckedExtrinsic& xt, std::uint32_t index,
                                    std::uint32_t number) const {
  std::vector<Bytes> events;
  // CheckNonce: bump the nonce (the account is created with one provider when new).
  const Bytes akey = keys::system_account(xt.signer);
  AccountInfo info;
  if (auto raw = state.get(akey)) {
    info = EV_TRY_CTX("System.Account value", scale::decode_all<AccountInfo>(*raw));
  } else {
    info.providers = 1;
    events.push_back(Bytes{kSystemIndex, 3});  // NewAccount { account }
    append(events.back(), xt.signer);
  }
  if (info.nonce != xt.nonce) {
    return make_error(CommonErrc::InvalidArgument, "extrinsic nonce " + std::to_string(xt.nonce) +
                                                       " is not the account's " +
                                                       std::to_string(info.nonce));
  }
  ++info.nonce;
  state.put(akey, scale::encode(info));

  Dispatcher d(state, number, events);
  const auto r = EV_TRY(d.run(xt.call, DispatchOrigin{false, xt.signer}));
  ApplyOutcome out;
  Bytes sys{kSystemIndex};
  if (r) {
    out.success = false;
    out.dispatch_error = *r;
    sys.push_back(1);  // ExtrinsicFailed
    append(sys, *r);
  } else {
    sys.push_back(0);  // ExtrinsicSuccess
  }
  append(sys, dispatch_info(xt.encoded.size()));
  events.push_back(std::move(sys));
  deposit_events(state, index, events);
  if (state.failed()) return *state.failed();
  return out;
}

void Runtime::set_block_time(Overlay& state, std::uint64_t now_ms) const {
  state.put(keys::timestamp_now(), scale::encode(now_ms));
}

void Runtime::finalize_block(Overlay& state, std::uint32_t count) const {
  if (count > 0) state.put(keys::system_extrinsic_count(), scale::encode(count));
}

Result<Bytes> Runtime::call_api(std::string_view method, ByteSpan args,
                                const vault::StateAccess& state) const {
  if (method == "Core_version") return version_.encode();
  if (method == "Metadata_metadata") {
    scale::Encoder e;
    e.bytes(v14_);
    return e.take();
  }
  if (method == "Metadata_metadata_versions")
    return scale::encode(std::vector<std::uint32_t>{14, 15});
  if (method == "Metadata_metadata_at_version") {
    const auto v =
        EV_TRY_CTX("Metadata_metadata_at_version version", scale::decode_all<std::uint32_t>(args));
    if (v == 14) return chain::opaque_metadata_some(v14_);
    if (v == 15) return chain::opaque_metadata_some(v15_);
    return Bytes{0};
  }
  if (method == "AccountNonceApi_account_nonce") {
    const auto who =
        EV_TRY_CTX("AccountNonceApi_account_nonce account", scale::decode_all<ByteArray<32>>(args));
    return scale::encode(account_nonce(state, who));
  }
  return make_error(CommonErrc::NotFound,
                    "runtime API method " + std::string(method) + " is not provided");
}

}  // namespace ev::devnode
