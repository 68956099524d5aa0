// Object keys from arbitrary bytes: the validator never crashes, its verdicts agree with each
// other, parse_object_key() and object_key() round-trip, and a valid key never maps outside
// the directory store's objects/ tree.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "ev/s3/directory_store.hpp"
#include "ev/s3/object_key.hpp"

namespace {

// A store in a fresh temporary directory, removed at exit; object_path() does no I/O.
struct FuzzStore {
  std::filesystem::path dir;
  std::unique_ptr<ev::s3::DirectoryStore> store;
  FuzzStore() {
    char tmpl[] = "/tmp/ev-fuzz-object-key-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) std::abort();
    dir = tmpl;
    auto r = ev::s3::DirectoryStore::open(dir);
    if (!r.ok()) std::abort();
    store = std::move(r).value();
  }
  ~FuzzStore() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

ev::s3::DirectoryStore& store() {
  static FuzzStore s;
  return *s.store;
}

void check_round_trip(std::string_view key, std::string_view prefix) {
  auto parsed = ev::s3::parse_object_key(key, prefix);
  if (!parsed.ok()) return;
  auto rebuilt = ev::s3::object_key(parsed->prefix, parsed->wallet_hex, parsed->service,
                                    parsed->epoch, parsed->blob_uuid);
  if (!rebuilt.ok() || *rebuilt != key) std::abort();
}

void check_path(std::string_view key) {
  auto path = store().object_path(key);
  if (!path.ok()) return;
  const std::filesystem::path objects = store().root() / "objects";
  const auto rel = path->lexically_relative(objects);
  if (rel.empty() || rel.begin()->string() == "..") std::abort();
  for (const auto& part : rel) {
    if (part == "." || part == "..") std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const bool key_ok = ev::s3::validate_key(input).ok();
  const bool prefix_ok = ev::s3::validate_prefix(input).ok();
  if (key_ok && !prefix_ok) std::abort();  // every key is a valid prefix of itself
  if (key_ok) check_path(input);
  if (!key_ok && store().object_path(input).ok()) std::abort();

  check_round_trip(input, "");
  // The first line, if any, is a layout prefix for the rest.
  const auto nl = input.find('\n');
  if (nl != std::string_view::npos) check_round_trip(input.substr(nl + 1), input.substr(0, nl));
  return 0;
}
