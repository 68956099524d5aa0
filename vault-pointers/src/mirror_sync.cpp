// The mirror follows the chain: block by block from its last block to the finalized head, or
// rebuilt from genesis (docs/mirror.md).
#include "ev/vault/mirror.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "ev/chain/client.hpp"
#include "mirror_internal.hpp"

namespace ev::vault {

using namespace detail;

namespace {

class ClientSource final : public ChainSource {
 public:
  explicit ClientSource(chain::ChainClient& c) : c_(c) {}
  Result<chain::H256> genesis_hash() override { return c_.info().genesis_hash; }
  Result<std::uint64_t> finalized_number() override {
    chain::H256 head = EV_TRY(chain::rpc::chain_get_finalized_head(c_.rpc()));
    auto header = EV_TRY(chain::rpc::chain_get_header(c_.rpc(), head));
    if (!header) return make_error(MirrorErrc::ChainData, "no header for the finalized head");
    return header->number;
  }
  Result<chain::H256> block_hash(std::uint64_t number) override {
    auto h = EV_TRY(chain::rpc::chain_get_block_hash(c_.rpc(), number));
    if (!h) return make_error(MirrorErrc::ChainData, "no block #" + std::to_string(number));
    return *h;
  }
  Result<std::vector<chain::EventRecord>> events(const chain::H256& block) override {
    return c_.events_at(block);
  }
  Result<std::optional<Bytes>> storage(ByteSpan key, const chain::H256& block) override {
    return chain::rpc::state_get_storage(c_.rpc(), key, block);
  }
  // state_queryStorageAt in chunks of kKeysPage keys. Every asked key must be answered (with a
  // value or null) in a change set of the asked block, else ChainData; keys not asked for are
  // ignored, and of a key answered twice the last answer counts.
  Result<std::vector<std::optional<Bytes>>> storage_many(const std::vector<Bytes>& keys,
                                                         const chain::H256& block) override {
    std::vector<std::optional<Bytes>> out;
    out.reserve(keys.size());
    for (std::size_t first = 0; first < keys.size(); first += kKeysPage) {
      const std::size_t end = std::min(keys.size(), first + kKeysPage);
      const std::vector<Bytes> chunk(keys.begin() + static_cast<std::ptrdiff_t>(first),
                                     keys.begin() + static_cast<std::ptrdiff_t>(end));
      auto sets = EV_TRY(chain::rpc::state_query_storage_at(c_.rpc(), chunk, block));
      std::map<Bytes, std::optional<Bytes>> answered;
      for (auto& set : sets) {
        if (set.block != block) {
          return make_error(MirrorErrc::ChainData, "state_queryStorageAt answered for block " +
                                                       to_hex(set.block) + ", asked " +
                                                       to_hex(block));
        }
        for (auto& change : set.changes) {
          answered.insert_or_assign(std::move(change.key), std::move(change.value));
        }
      }
      for (const auto& key : chunk) {
        auto it = answered.find(key);
        if (it == answered.end()) {
          return make_error(MirrorErrc::ChainData,
                            "state_queryStorageAt gave no answer for key " + to_hex(key));
        }
        out.push_back(it->second);  // copied: a key may be asked twice
      }
    }
    return out;
  }
  Result<std::vector<Bytes>> keys(ByteSpan prefix, const chain::H256& block) override {
    std::vector<Bytes> out;
    std::optional<Bytes> start;
    for (;;) {
      auto page =
          EV_TRY(chain::rpc::state_get_keys_paged(c_.rpc(), prefix, kKeysPage, start, block));
      out.insert(out.end(), page.begin(), page.end());
      if (page.size() < kKeysPage) break;
      start = page.back();
    }
    return out;
  }

 private:
  chain::ChainClient& c_;
};

}  // namespace

Result<std::vector<std::optional<Bytes>>> ChainSource::storage_many(const std::vector<Bytes>& keys,
                                                                    const chain::H256& block) {
  std::vector<std::optional<Bytes>> out;
  out.reserve(keys.size());
  for (const auto& key : keys) out.push_back(EV_TRY(storage(key, block)));
  return out;
}

std::unique_ptr<ChainSource> chain_source(chain::ChainClient& client) {
  return std::make_unique<ClientSource>(client);
}

Result<void> Mirror::apply_block(ChainSource& chain, std::uint64_t number,
                                 const chain::H256& hash) {
  // Read everything first, then write it in one transaction.
  std::vector<chain::EventRecord> records =
      EV_TRY_CTX("events of block #" + std::to_string(number), chain.events(hash));
  struct Row {
    std::uint32_t index;
    const chain::EventRecord* rec;
    Event event;
  };
  std::vector<Row> rows;
  // Touched entries, each read once: key -> (item, the parts of a Pointers key).
  using KeyInfo = std::pair<std::string_view, std::optional<std::pair<AccountId, BlobId>>>;
  std::map<Bytes, KeyInfo> keys;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    if (r.pallet != "VaultPointers") continue;
    auto ev = decode_event(r.name, r.fields);
    if (!ev) {
      return chain_data(
          "block #" + std::to_string(number) + " event " + std::to_string(i) + " " + r.name,
          ev.error());
    }
    for (auto& t : touched(*ev)) {
      keys.emplace(std::move(t.key), KeyInfo(t.item, t.pointer_key));
    }
    rows.push_back({static_cast<std::uint32_t>(i), &r, std::move(*ev)});
  }
  std::vector<Bytes> key_list;
  key_list.reserve(keys.size());
  for (const auto& [key, info] : keys) key_list.push_back(key);
  std::vector<std::optional<Bytes>> read = EV_TRY_CTX(
      "storage entries at block #" + std::to_string(number), chain.storage_many(key_list, hash));
  if (read.size() != key_list.size()) {
    return make_error(MirrorErrc::ChainData, "storage entries at block #" + std::to_string(number) +
                                                 ": " + std::to_string(read.size()) +
                                                 " values for " + std::to_string(key_list.size()) +
                                                 " keys");
  }
  std::vector<std::pair<std::map<Bytes, KeyInfo>::const_iterator, std::optional<Bytes>>> values;
  values.reserve(keys.size());
  std::size_t at = 0;
  for (auto it = keys.begin(); it != keys.end(); ++it, ++at) {
    values.emplace_back(it, std::move(read[at]));
  }

  // Inside sync's batch transaction the block is a savepoint (undone alone on failure) unless
  // it is the batch's first block (then the transaction holds nothing else); called on its own
  // it is a transaction. A savepoint is not free: every page the block changes is first copied
  // to the statement journal.
  const bool own_transaction = sqlite3_get_autocommit(db_->db) != 0;
  const bool savepoint = !own_transaction && !db_->batch_empty;
  if (own_transaction) EV_TRY(exec(db_->db, "BEGIN IMMEDIATE"));
  if (savepoint) EV_TRY(exec(db_->db, "SAVEPOINT mirror_block"));
  auto body = [&]() -> Result<void> {
    const std::string hash_hex = to_hex(hash);
    for (const auto& row : rows) {
      Stmt s = db_->stmts.get(
          "INSERT OR REPLACE INTO events (block, block_hash, event_index, extrinsic_index, "
          "name, wallet, fields) VALUES (?,?,?,?,?,?,?)");
      s.bind(1, static_cast<std::int64_t>(number)).bind(2, hash_hex).bind(3, row.index);
      if (row.rec->phase == chain::EventRecord::Phase::ApplyExtrinsic) {
        s.bind(4, row.rec->extrinsic_index);
      } else {
        s.bind_null(4);
      }
      s.bind(5, row.rec->name);
      if (auto w = wallet_of(row.event)) {
        s.bind(6, to_hex(*w));
      } else {
        s.bind_null(6);
      }
      s.bind(7, row.rec->value.dump());
      EV_TRY(s.run());
    }
    for (const auto& [it, value] : values) {
      const auto& [item_name, pointer_key] = it->second;
      if (value) {
        auto r = upsert(db_->stmts, item_name, it->first, *value, pointer_key);
        if (!r) {
          if (r.error().domain == ErrorTraits<MirrorErrc>::domain) return std::move(r).error();
          return chain_data(std::string(item_name) + " " + describe_key(item_name, it->first),
                            r.error());
        }
      } else {
        EV_TRY(erase(db_->stmts, item_name, it->first));
      }
    }
    Stmt b = db_->stmts.get("INSERT OR REPLACE INTO blocks (number, hash) VALUES (?, ?)");
    b.bind(1, static_cast<std::int64_t>(number)).bind(2, hash_hex);
    EV_TRY(b.run());
    EV_TRY(set_meta(db_->stmts, "last_number", std::to_string(number)));
    EV_TRY(set_meta(db_->stmts, "last_hash", hash_hex));
    return ok();
  };
  auto r = body();
  if (!r) {
    (void)exec(db_->db, savepoint ? "ROLLBACK TO mirror_block; RELEASE mirror_block" : "ROLLBACK");
    return r;
  }
  if (own_transaction) return exec(db_->db, "COMMIT");
  db_->batch_empty = false;
  return savepoint ? exec(db_->db, "RELEASE mirror_block") : ok();
}

Result<std::uint64_t> Mirror::sync(ChainSource& chain, std::optional<std::uint64_t> until) {
  const chain::H256 genesis = EV_TRY(chain.genesis_hash());
  auto known = EV_TRY(get_meta(db_->stmts, "genesis_hash"));
  if (!known) {
    EV_TRY(set_meta(db_->stmts, "genesis_hash", to_hex(genesis)));
  } else if (*known != to_hex(genesis)) {
    return make_error(MirrorErrc::WrongChain,
                      "mirror of chain " + *known + ", node has genesis " + to_hex(genesis));
  }
  auto last = EV_TRY(last_block());
  if (last) {
    const chain::H256 now = EV_TRY(chain.block_hash(last->number));
    if (now != last->hash) {
      return make_error(MirrorErrc::WrongChain, "block #" + std::to_string(last->number) + " is " +
                                                    to_hex(now) + " on chain, " +
                                                    to_hex(last->hash) + " in the mirror");
    }
  }
  std::uint64_t head = EV_TRY(chain.finalized_number());
  if (until) head = std::min(head, *until);
  // Blocks are written in batches of up to kBlocksPerTransaction, one SQLite transaction each
  // (one commit instead of one per block while catching up). A failing block is undone alone:
  // the whole blocks before it are committed, then the error is returned.
  std::uint64_t applied = 0;
  std::uint64_t n = last ? last->number + 1 : 0;
  while (n <= head) {
    const std::uint64_t end = std::min(head, n + (kBlocksPerTransaction - 1));
    EV_TRY(exec(db_->db, "BEGIN IMMEDIATE"));
    db_->batch_empty = true;
    Result<void> r = ok();
    for (; n <= end; ++n) {
      auto hash = chain.block_hash(n);
      if (!hash) {
        r = std::move(hash).error();
        break;
      }
      r = apply_block(chain, n, *hash);
      if (!r) break;
      ++applied;
    }
    db_->batch_empty = false;
    // (A failure of the batch's first block has already rolled the transaction back.)
    Result<void> c = ok();
    if (sqlite3_get_autocommit(db_->db) == 0) {
      c = exec(db_->db, "COMMIT");
      if (!c) (void)exec(db_->db, "ROLLBACK");
    }
    if (!r) return std::move(r).error();
    if (!c) return std::move(c).error();
  }
  return applied;
}

Result<std::uint64_t> Mirror::rebuild(ChainSource& chain) {
  EV_TRY(exec(db_->db,
              "BEGIN IMMEDIATE; DELETE FROM events; DELETE FROM blocks; DELETE FROM pointers; "
              "DELETE FROM epochs; DELETE FROM epoch_deks; DELETE FROM live_blobs; "
              "DELETE FROM agents; DELETE FROM workers; DELETE FROM approved_measurements; "
              "DELETE FROM meta WHERE k IN ('last_number', 'last_hash', 'genesis_hash'); COMMIT"));
  return sync(chain);
}

}  // namespace ev::vault
