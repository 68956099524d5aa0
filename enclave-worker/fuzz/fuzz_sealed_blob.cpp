// Fuzzes the sealed-blob parser and SimulatedPlatform::unseal (docs/formats/sealed-seed.md), and
// checks that every input of at most 64 KiB seals and unseals back to itself.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "ev/enclave/sealed_blob.hpp"
#include "ev/enclave/simulated_platform.hpp"

using namespace ev;
using namespace ev::enclave;

namespace {

SimulatedPlatform& platform() {
  static SimulatedPlatform* const p = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "ev-fuzz-seal-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) std::abort();
    SimulatedPlatformOptions o;
    o.secret_path = std::filesystem::path(dir) / "platform.secret";
    o.measurement = Measurement{};
    o.measurement->fill(0x42);
    auto r = SimulatedPlatform::create(o);
    if (!r.ok()) std::abort();
    return std::move(r).value().release();
  }();
  return *p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SimulatedPlatform& p = platform();
  const ByteSpan in(data, size);
  const Bytes aad = {'f', 'u', 'z', 'z'};
  auto view = parse_sealed_blob(in);
  if (view.ok() && view->ciphertext.size() + kSealHeaderSize + kSealTagSize != size) std::abort();
  auto opened = p.unseal(SealPolicy::same_signer(0), in, aad);
  if (opened.ok() && !view.ok()) std::abort();
  if (size <= kMaxSealedPlaintext) {
    const SealPolicy policy =
        size % 2 == 0 ? SealPolicy::this_measurement() : SealPolicy::same_signer(1);
    auto sealed = p.seal(policy, in, aad);
    if (!sealed.ok()) std::abort();
    auto back = p.unseal(policy, *sealed, aad);
    if (!back.ok() || !back->equals(in)) std::abort();
  }
  return 0;
}
