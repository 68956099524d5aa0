// `verify`: every mirrored entry compared with chain state at the mirror's block.
#include "ev/vault/mirror.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "mirror_internal.hpp"

namespace ev::vault {

using namespace detail;

Result<std::vector<Divergence>> Mirror::verify(ChainSource& chain) {
  auto last = EV_TRY(last_block());
  if (!last) return make_error(MirrorErrc::WrongChain, "the mirror has not read any block yet");
  std::vector<Divergence> out;
  for (const auto& it : kItems) {
    std::map<Bytes, Bytes> on_chain;
    for (Bytes& key : EV_TRY(chain.keys(item_prefix(it.item), last->hash))) {
      auto v = EV_TRY(chain.storage(key, last->hash));
      if (v) on_chain.emplace(std::move(key), std::move(*v));
    }
    std::map<Bytes, Bytes> mirrored;
    const std::string sql = std::string("SELECT key, raw FROM ") + it.table + " ORDER BY key";
    Stmt s(db_->db, sql.c_str());
    while (EV_TRY(s.step())) mirrored.emplace(s.blob(0), s.blob(1));
    std::set<Bytes> all;
    for (const auto& [k, v] : on_chain) all.insert(k);
    for (const auto& [k, v] : mirrored) all.insert(k);
    for (const Bytes& k : all) {
      auto c = on_chain.find(k);
      auto m = mirrored.find(k);
      const std::string cv = c == on_chain.end() ? "absent" : to_hex(c->second);
      const std::string mv = m == mirrored.end() ? "absent" : to_hex(m->second);
      if (cv != mv) out.push_back({std::string(it.item), describe_key(it.item, k), mv, cv});
    }
  }
  return out;
}

}  // namespace ev::vault
