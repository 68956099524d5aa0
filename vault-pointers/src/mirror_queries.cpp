// Reads of the mirror: pointers, epochs, grants, DEK epochs, events, and the state dump.
#include "ev/vault/mirror.hpp"

#include <algorithm>

#include "mirror_internal.hpp"

namespace ev::vault {

using namespace detail;

Result<std::optional<VaultPointer>> Mirror::pointer(const AccountId& wallet, const BlobId& blob) {
  Stmt s(db_->db, "SELECT raw FROM pointers WHERE key = ?");
  s.bind_blob(1, pointers_key(wallet, blob));
  if (!EV_TRY(s.step())) return std::optional<VaultPointer>{};
  return std::optional<VaultPointer>(EV_TRY(decode_vault_pointer(s.blob(0))));
}

Result<std::vector<std::pair<BlobId, VaultPointer>>> Mirror::pointers(const AccountId& wallet) {
  Stmt s(db_->db, "SELECT key, raw FROM pointers WHERE wallet = ? ORDER BY blob_id");
  s.bind(1, to_hex(wallet));
  std::vector<std::pair<BlobId, VaultPointer>> out;
  while (EV_TRY(s.step())) {
    auto [w, blob] = EV_TRY(parse_pointers_key(s.blob(0)));
    out.emplace_back(blob, EV_TRY(decode_vault_pointer(s.blob(1))));
  }
  return out;
}

Result<std::optional<EpochInfo>> Mirror::epoch(const AccountId& wallet) {
  Stmt s(db_->db, "SELECT raw FROM epochs WHERE key = ?");
  s.bind_blob(1, epochs_key(wallet));
  if (!EV_TRY(s.step())) return std::optional<EpochInfo>{};
  return std::optional<EpochInfo>(EV_TRY(decode_epoch_info(s.blob(0))));
}

Result<std::optional<AgentGrant>> Mirror::grant(const AccountId& wallet, const AccountId& agent) {
  Stmt s(db_->db, "SELECT raw FROM agents WHERE key = ?");
  s.bind_blob(1, agents_key(wallet, agent));
  if (!EV_TRY(s.step())) return std::optional<AgentGrant>{};
  return std::optional<AgentGrant>(EV_TRY(decode_agent_grant(s.blob(0))));
}

Result<bool> Mirror::dek_present(const AccountId& wallet, Epoch epoch) {
  Stmt s(db_->db, "SELECT 1 FROM epoch_deks WHERE key = ?");
  s.bind_blob(1, epoch_deks_key(wallet, epoch));
  return s.step();
}

Result<std::vector<std::pair<AccountId, EpochInfo>>> Mirror::wallets() {
  std::vector<std::pair<AccountId, EpochInfo>> out;
  Stmt s(db_->db, "SELECT key, raw FROM epochs ORDER BY key");
  while (EV_TRY(s.step())) {
    out.emplace_back(EV_TRY(parse_epochs_key(s.blob(0))), EV_TRY(decode_epoch_info(s.blob(1))));
  }
  return out;
}

Result<std::vector<std::pair<AccountId, AgentGrant>>> Mirror::grants(const AccountId& wallet) {
  std::vector<std::pair<AccountId, AgentGrant>> out;
  Stmt s(db_->db, "SELECT key, raw FROM agents WHERE wallet = ? ORDER BY key");
  s.bind(1, to_hex(wallet));
  while (EV_TRY(s.step())) {
    out.emplace_back(EV_TRY(parse_agents_key(s.blob(0))).second,
                     EV_TRY(decode_agent_grant(s.blob(1))));
  }
  return out;
}

Result<std::vector<Epoch>> Mirror::dek_epochs(const AccountId& wallet) {
  std::vector<Epoch> out;
  Stmt s(db_->db, "SELECT epoch FROM epoch_deks WHERE wallet = ? ORDER BY epoch");
  s.bind(1, to_hex(wallet));
  while (EV_TRY(s.step())) out.push_back(static_cast<Epoch>(s.i64(0)));
  return out;
}

Result<std::uint64_t> Mirror::event_count() {
  Stmt s(db_->db, "SELECT COUNT(*) FROM events");
  EV_TRY(s.step());
  return static_cast<std::uint64_t>(s.i64(0));
}

Result<std::string> Mirror::dump_state() {
  std::string out;
  for (const auto& it : kItems) {
    const std::string sql = std::string("SELECT key, raw FROM ") + it.table + " ORDER BY key";
    Stmt s(db_->db, sql.c_str());
    while (EV_TRY(s.step())) {
      out += std::string(it.item) + " " + to_hex(s.blob(0)) + " " + to_hex(s.blob(1)) + "\n";
    }
  }
  Stmt e(db_->db,
         "SELECT block, block_hash, event_index, extrinsic_index, name, fields FROM events "
         "ORDER BY block, event_index");
  while (EV_TRY(e.step())) {
    out += "event " + std::to_string(e.i64(0)) + " " + e.text(1) + " " + std::to_string(e.i64(2)) +
           " " + (e.is_null(3) ? std::string("-") : std::to_string(e.i64(3))) + " " + e.text(4) +
           " " + e.text(5) + "\n";
  }
  auto last = EV_TRY(last_block());
  if (last) out += "last " + std::to_string(last->number) + " " + to_hex(last->hash) + "\n";
  return out;
}

}  // namespace ev::vault
