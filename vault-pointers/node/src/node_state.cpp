// The dev node's state trie: the header's state root, and read proofs (state_getReadProof).
#include <string>
#include <utility>

#include "ev/chain/hash.hpp"
#include "ev/common/errors.hpp"
#include "node_internal.hpp"

namespace ev::devnode {

StorageChanges apply_to_trie(chain::trie::Trie& trie, const StorageChanges& changes) {
  StorageChanges undo;
  for (const auto& [k, v] : changes) {
    undo.emplace(k, trie.get(k));
    if (v) {
      trie.set(k, *v);
    } else {
      trie.remove(k);
    }
  }
  return undo;
}

namespace {

Result<chain::trie::Trie> trie_at(const ChainStore& store, std::uint32_t at) {
  chain::trie::Trie trie(chain::trie::Layout::V1);
  for (const auto& [k, v] : EV_TRY(store.pairs({}, at))) trie.set(k, v);
  return trie;
}

}  // namespace

Result<void> load_state_trie(const ChainStore& store, const BlockRef& best,
                             chain::trie::Trie& trie) {
  trie = EV_TRY_CTX("loading the state", trie_at(store, best.number));
  const Bytes raw = EV_TRY(store.header(best.hash)).value_or(Bytes{});
  const Header h = EV_TRY_CTX("best header", Header::decode(raw));
  const auto root = trie.root();
  if (root != h.state_root) {
    return make_error(CommonErrc::InvalidArgument,
                      "the stored state of block " + std::to_string(best.number) +
                          " has trie root " + to_hex(root) + " but its header says " +
                          to_hex(h.state_root) +
                          " (a chain written before state roots were trie roots, or a damaged "
                          "store): start from a fresh base path");
  }
  return ok();
}

Result<std::vector<Bytes>> Node::read_proof(const std::vector<Bytes>& keys,
                                            std::uint32_t at) const {
  {
    std::lock_guard lock(impl_->mu);
    if (at >= impl_->best.number) return impl_->state_trie.prove(keys);
  }
  chain::trie::Trie trie = EV_TRY(trie_at(*impl_->store, at));
  return trie.prove(keys);
}

}  // namespace ev::devnode
