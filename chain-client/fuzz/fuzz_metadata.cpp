// Arbitrary bytes as RuntimeMetadataPrefixed. Never crashes, never allocates by a length
// prefix beyond the input; a success has every type id inside the registry; a failure
// names the metadata domain and says why.
#include <cstddef>
#include <cstdint>

#include "ev/chain/metadata.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto m = ev::chain::decode_metadata(ev::ByteSpan(data, size));
  if (!m.ok()) {
    EV_ASSERT(m.error().domain == "metadata" && !m.error().message.empty(),
              "a metadata error must name its domain and say why");
    return 0;
  }
  EV_ASSERT(m->version >= 14 && m->version <= 16, "decoded version out of range");
  const auto n = m->types.size();
  for (const auto& p : m->pallets) {
    EV_ASSERT(!p.calls_type || *p.calls_type < n, "pallet calls type outside registry");
    EV_ASSERT(!p.events_type || *p.events_type < n, "pallet events type outside registry");
    EV_ASSERT(!p.errors_type || *p.errors_type < n, "pallet errors type outside registry");
    for (const auto& s : p.storage) EV_ASSERT(s.value_type < n, "storage type outside registry");
    (void)m->pallet(p.name);
  }
  for (const auto& t : m->types) {
    for (const auto& f : t.fields) EV_ASSERT(f.type < n, "field type outside registry");
  }
  return 0;
}
