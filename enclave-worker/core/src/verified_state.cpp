#include "ev/worker/verified_state.hpp"

#include <algorithm>
#include <cstdio>

#include "ev/chain/rpc/api.hpp"
#include "ev/chain/scale.hpp"
#include "ev/chain/trie.hpp"
#include "ev/chain/trie_prefix.hpp"
#include "ev/common/parse.hpp"
#include "ev/worker/errors.hpp"

namespace ev::worker {

namespace grandpa = chain::grandpa;
using chain::H256;
using chain::JsonValue;

namespace {

// Most headers one sync fetches (a worker far behind its checkpoint catches up in several).
constexpr std::size_t kMaxCatchUp = 4096;
// Keys per state_getReadProof call (what Substrate nodes and the dev node accept).
constexpr std::size_t kProofKeys = 1000;

Error unverified(std::string_view what) {
  return make_error(WorkerErrc::Unavailable, "chain answer does not verify: " + std::string(what));
}

Error unavailable(const Error& e, std::string_view what) {
  return make_error(WorkerErrc::Unavailable, std::string(what) + ": " + e.to_string());
}

Result<H256> json_hash(const JsonValue& v, std::string_view what) {
  if (!v.is_string()) return unverified(std::string(what) + ": not a hash");
  auto h = from_hex_fixed<32>(v.get<std::string>());
  if (!h) return unverified(std::string(what) + ": " + h.error().message);
  return *h;
}

std::string hash_param(const H256& h) { return "\"" + to_hex(h) + "\""; }

}  // namespace

Result<ChainCheckpoint> parse_checkpoint(std::string_view checkpoint, std::string_view authorities,
                                         std::uint64_t set_id) {
  ChainCheckpoint cp;
  const auto colon = checkpoint.find(':');
  if (colon == std::string_view::npos) {
    return make_error(WorkerErrc::Config, "--chain-checkpoint: expected 0x<block hash>:<number>");
  }
  auto hash = from_hex_fixed<32>(checkpoint.substr(0, colon));
  if (!hash) {
    return make_error(WorkerErrc::Config, "--chain-checkpoint hash: " + hash.error().message);
  }
  const auto number = parse_decimal(checkpoint.substr(colon + 1), 0, 0xffffffffU);
  if (!number) {
    return make_error(WorkerErrc::Config, "--chain-checkpoint number: expected 0..4294967295");
  }
  cp.hash = *hash;
  cp.number = static_cast<std::uint32_t>(*number);
  cp.set.set_id = set_id;
  std::string_view rest = authorities;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    const auto c = item.find(':');
    auto id = from_hex_fixed<32>(item.substr(0, c));
    if (!id) {
      return make_error(WorkerErrc::Config,
                        "--grandpa-authorities '" + std::string(item) + "': " + id.error().message);
    }
    grandpa::Authority a{*id, 1};
    if (c != std::string_view::npos) {
      const auto w = parse_decimal(item.substr(c + 1), 1, 0xffffffffU);
      if (!w) {
        return make_error(WorkerErrc::Config,
                          "--grandpa-authorities '" + std::string(item) + "': weight 1..2^32-1");
      }
      a.weight = *w;
    }
    if (std::find_if(cp.set.authorities.begin(), cp.set.authorities.end(),
                     [&](const auto& x) { return x.id == a.id; }) != cp.set.authorities.end()) {
      return make_error(WorkerErrc::Config, "--grandpa-authorities: " + to_hex(a.id) + " twice");
    }
    cp.set.authorities.push_back(a);
  }
  if (cp.set.authorities.empty()) {
    return make_error(WorkerErrc::Config, "--grandpa-authorities: at least one authority");
  }
  return cp;
}

Result<FinalityProof> decode_finality_proof(ByteSpan bytes) {
  scale::Decoder d(bytes);
  FinalityProof p;
  auto block = d.raw(32);
  if (!block) return make_error(grandpa::Errc::Decode, "finality proof: block hash truncated");
  std::copy(block->begin(), block->end(), p.block.begin());
  auto j = d.bytes();
  if (!j) {
    return make_error(grandpa::Errc::Decode, "finality proof: justification: " + j.error().message);
  }
  p.justification = std::move(j).value();
  return p;
}

VerifiedState::VerifiedState(RpcCall rpc, ChainCheckpoint checkpoint)
    : rpc_(std::move(rpc)),
      follower_(checkpoint.hash, checkpoint.number, std::move(checkpoint.set)) {
  status_.finalized = follower_.finalized_number();
  status_.set_id = follower_.authority_set().set_id;
}

Error VerifiedState::refuse(const Error& e) {
  // Called with mu_ held or not: status_ is only touched under the lock here.
  std::fprintf(stderr, "verified view: refused: %s\n", e.to_string().c_str());
  ++status_.refusals;
  status_.last_refusal = e.message;
  return e;
}

Result<grandpa::Header> VerifiedState::fetch_header(const H256& hash) {
  auto v = rpc_("chain_getHeader", "[" + hash_param(hash) + "]");
  if (!v) return unavailable(v.error(), "chain_getHeader");
  if (v->is_null()) return unverified("chain_getHeader: no header for " + to_hex(hash));
  auto h = chain::decode_header(*v);
  if (!h) return unverified("chain_getHeader: " + h.error().message);
  if (h->number > 0xffffffffU) return unverified("chain_getHeader: block number over u32");
  scale::Encoder e;
  e.raw(h->parent_hash).compact(h->number).raw(h->state_root).raw(h->extrinsics_root);
  e.compact(h->digest_logs.size());
  for (const Bytes& log : h->digest_logs) e.raw(log);
  auto decoded = grandpa::decode_header(e.take());
  if (!decoded) return unverified("chain_getHeader: " + decoded.error().message);
  if (decoded->hash != hash) {
    return unverified("header asked for " + to_hex(hash) + " hashes to " + to_hex(decoded->hash));
  }
  return std::move(decoded).value();
}

Result<VerifiedState::Head> VerifiedState::sync() {
  std::lock_guard lock(mu_);
  auto r = sync_locked();
  if (!r && r.error().message.find("does not verify") != std::string::npos) {
    return refuse(r.error());
  }
  return r;
}

Result<VerifiedState::Head> VerifiedState::sync_locked() {
  if (!root_known_) {
    // The checkpoint's own state root: its header must hash to the trusted hash.
    const auto h = EV_TRY(fetch_header(follower_.finalized_hash()));
    if (h.number != follower_.finalized_number()) {
      return unverified("checkpoint header has number " + std::to_string(h.number));
    }
    state_root_ = h.state_root;
    root_known_ = true;
  }
  auto fin = rpc_("chain_getFinalizedHead", "[]");
  if (!fin) return unavailable(fin.error(), "chain_getFinalizedHead");
  const H256 top = EV_TRY(json_hash(*fin, "chain_getFinalizedHead"));
  const auto head = [this] {
    return Head{follower_.finalized_hash(), follower_.finalized_number(), state_root_};
  };
  if (top == follower_.finalized_hash()) return head();

  // Headers from the node's finalised head back to ours, linked by parent hash.
  std::vector<grandpa::Header> headers;
  H256 cur = top;
  for (;;) {
    grandpa::Header h = EV_TRY(fetch_header(cur));
    if (h.number <= follower_.finalized_number()) {
      return unverified("the node's finalized chain (block " + to_hex(top) +
                        ") does not extend "
                        "the verified block #" +
                        std::to_string(follower_.finalized_number()));
    }
    if (!headers.empty() && h.number + 1 != headers.back().number) {
      return unverified("header " + to_hex(h.hash) + " has number " + std::to_string(h.number) +
                        ", its child " + std::to_string(headers.back().number));
    }
    cur = h.parent_hash;
    headers.push_back(std::move(h));
    if (headers.back().number == follower_.finalized_number() + 1) break;
    if (headers.size() >= kMaxCatchUp) {
      return make_error(WorkerErrc::Unavailable,
                        "the node's finalized head is more than " + std::to_string(kMaxCatchUp) +
                            " blocks past the verified one; configure a later checkpoint");
    }
  }
  std::reverse(headers.begin(), headers.end());

  // Import and finalise on copies: a failure leaves the view as it was.
  grandpa::Follower f = follower_;
  std::vector<std::uint32_t> change_at = change_at_;
  for (const auto& h : headers) {
    if (auto r = f.import_header(h); !r) return unverified(r.error().to_string());
    for (const auto& item : h.digest) {
      if (item.kind != 4 || item.engine != grandpa::kEngineId) continue;
      auto log = grandpa::decode_consensus_log(item.data);  // import_header checked it decodes
      if (log && log->kind == grandpa::ConsensusLog::Kind::ScheduledChange) {
        change_at.push_back(h.number + log->delay);
      }
    }
  }
  std::sort(change_at.begin(), change_at.end());
  std::vector<std::uint32_t> targets;
  for (const auto n : change_at) {
    if (n > f.finalized_number() && n < headers.back().number) targets.push_back(n);
  }
  targets.push_back(headers.back().number);
  targets.erase(std::unique(targets.begin(), targets.end()), targets.end());
  const std::uint32_t first = headers.front().number;
  for (const auto n : targets) {
    const grandpa::Header& target = headers[n - first];
    auto raw = rpc_("grandpa_proveFinality", "[" + std::to_string(n) + "]");
    if (!raw) return unavailable(raw.error(), "grandpa_proveFinality");
    if (!raw->is_string())
      return unverified("grandpa_proveFinality #" + std::to_string(n) + ": no proof");
    auto bytes = from_hex(raw->get<std::string>());
    if (!bytes) return unverified("grandpa_proveFinality: " + bytes.error().message);
    auto proof = decode_finality_proof(*bytes);
    if (!proof) return unverified("grandpa_proveFinality: " + proof.error().message);
    if (proof->block != target.hash) {
      return unverified("finality proof for #" + std::to_string(n) + " names block " +
                        to_hex(proof->block) + ", not " + to_hex(target.hash));
    }
    auto j = grandpa::decode_justification(proof->justification);
    if (!j) return unverified("justification of #" + std::to_string(n) + ": " + j.error().message);
    if (auto r = f.finalize(target.hash, *j); !r) {
      return unverified("justification of #" + std::to_string(n) + ": " + r.error().to_string());
    }
  }
  std::erase_if(change_at, [&](std::uint32_t n) { return n <= f.finalized_number(); });
  follower_ = std::move(f);
  change_at_ = std::move(change_at);
  state_root_ = headers.back().state_root;
  status_.finalized = follower_.finalized_number();
  status_.set_id = follower_.authority_set().set_id;
  return head();
}

Result<std::vector<Bytes>> VerifiedState::fetch_proof(const std::vector<Bytes>& keys,
                                                      const H256& at) {
  std::string params = "[[";
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) params += ',';
    params += "\"" + to_hex(keys[i]) + "\"";
  }
  params += "]," + hash_param(at) + "]";
  auto v = rpc_("state_getReadProof", params);
  if (!v) return unavailable(v.error(), "state_getReadProof");
  if (!v->is_object() || !v->contains("proof") || !(*v)["proof"].is_array()) {
    return unverified("state_getReadProof: no proof");
  }
  std::vector<Bytes> out;
  for (const auto& n : (*v)["proof"]) {
    if (!n.is_string()) return unverified("state_getReadProof: a proof node is not hex");
    auto b = from_hex(n.get<std::string>());
    if (!b) return unverified("state_getReadProof: " + b.error().message);
    out.push_back(std::move(b).value());
  }
  return out;
}

Result<std::optional<Bytes>> VerifiedState::read(ByteSpan key) {
  const Head at = EV_TRY(sync());
  const Bytes k(key.begin(), key.end());
  auto proof = fetch_proof({k}, at.hash);
  std::lock_guard lock(mu_);
  if (!proof) {
    if (proof.error().message.find("does not verify") != std::string::npos) {
      return refuse(proof.error());
    }
    return std::move(proof).error();
  }
  auto values = chain::trie::verify_read_proof(at.state_root, std::move(proof).value(), {k},
                                               /*strict=*/false);
  if (!values) {
    return refuse(unverified("read proof of " + to_hex(k) + " at #" + std::to_string(at.number) +
                             ": " + values.error().to_string()));
  }
  ++status_.verified_reads;
  return std::move((*values)[k]);
}

Result<std::vector<std::pair<Bytes, Bytes>>> VerifiedState::read_prefix(ByteSpan prefix) {
  const Head at = EV_TRY(sync());
  const Bytes p(prefix.begin(), prefix.end());
  // The node names the keys (state_getKeysPaged); the proof of all of them (and of the prefix
  // itself, for an empty listing) must hold the whole sub-trie, so a key left out of the
  // listing makes the proof incomplete rather than the answer shorter.
  std::vector<Bytes> keys{p};
  std::optional<Bytes> start;
  for (;;) {
    std::string params = "[\"" + to_hex(p) + "\"," + std::to_string(kProofKeys) + "," +
                         (start ? "\"" + to_hex(*start) + "\"" : std::string("null")) + "," +
                         hash_param(at.hash) + "]";
    auto page = rpc_("state_getKeysPaged", params);
    if (!page) return unavailable(page.error(), "state_getKeysPaged");
    if (!page->is_array()) {
      std::lock_guard lock(mu_);
      return refuse(unverified("state_getKeysPaged: not a list"));
    }
    std::size_t n = 0;
    for (const auto& k : *page) {
      auto b = k.is_string() ? from_hex(k.get<std::string>()) : Result<Bytes>(Bytes{});
      if (!b || b->empty() || (start && !(*start < *b))) {
        std::lock_guard lock(mu_);
        return refuse(unverified("state_getKeysPaged: a key out of order or not hex"));
      }
      start = *b;
      keys.push_back(std::move(b).value());
      ++n;
    }
    if (n < kProofKeys) break;
  }
  std::vector<Bytes> proof;
  for (std::size_t i = 0; i < keys.size(); i += kProofKeys) {
    const std::vector<Bytes> chunk(
        keys.begin() + static_cast<std::ptrdiff_t>(i),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), i + kProofKeys)));
    auto part = fetch_proof(chunk, at.hash);
    if (!part) {
      if (part.error().message.find("does not verify") != std::string::npos) {
        std::lock_guard lock(mu_);
        return refuse(part.error());
      }
      return std::move(part).error();
    }
    for (auto& e : *part) proof.push_back(std::move(e));
  }
  auto entries = chain::trie::read_prefix(at.state_root, proof, p);
  std::lock_guard lock(mu_);
  if (!entries) {
    return refuse(unverified("prefix proof of " + to_hex(p) + " at #" + std::to_string(at.number) +
                             ": " + entries.error().to_string()));
  }
  ++status_.verified_reads;
  return std::move(entries).value();
}

VerifiedState::Status VerifiedState::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

std::string verified_view_metrics(std::string_view prefix, const VerifiedState* v) {
  if (v == nullptr) return "";
  const auto st = v->status();
  std::string out;
  auto metric = [&out, &prefix](const char* type, const char* name, const char* help,
                                std::uint64_t value) {
    const std::string full = std::string(prefix) + name;
    out += "# HELP " + full + " " + help + "\n# TYPE " + full + " " + type + "\n" + full + " " +
           std::to_string(value) + "\n";
  };
  metric("gauge", "_chain_verified_block",
         "Block number the verified view last finalised through a GRANDPA justification.",
         st.finalized);
  metric("counter", "_chain_verified_reads_total",
         "Storage reads checked against a verified state root.", st.verified_reads);
  metric("counter", "_chain_refusals_total", "Node answers refused because they did not verify.",
         st.refusals);
  return out;
}

}  // namespace ev::worker
