// Reading every entry under a key prefix from a read proof, with proof of completeness.
//
// A read proof of all the keys under a prefix holds every node of the sub-trie below that
// prefix (each node lies on the path to some key). Walking that sub-trie from the root
// therefore enumerates the entries, and since each node commits to its children by hash, an
// entry the prover left out leaves a child whose node the proof lacks: IncompleteProof, never
// a shorter list. Format: docs/formats/trie.md ("Prefix proofs").
#pragma once

#include <utility>
#include <vector>

#include "ev/chain/trie.hpp"

namespace ev::chain::trie {

// Every (key, value) whose key starts with `prefix`, in key order, read from `proof` (entries
// may repeat; unused entries are ignored) against `root`. Errors: IncompleteProof when a node
// (or V1 value node) of the sub-trie, or of the path to it, is not in the proof; InvalidNode
// when a reached entry is not a canonical node or the sub-trie is malformed.
[[nodiscard]] Result<std::vector<std::pair<Bytes, Bytes>>> read_prefix(
    const H256& root, const std::vector<Bytes>& proof, ByteSpan prefix);

}  // namespace ev::chain::trie
