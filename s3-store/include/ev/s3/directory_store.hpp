// DirectoryStore: the ObjectStore of the embedded default, one local directory.
//
// On-disk layout (specified in docs/s3-store.md, "Directory store"):
//   <root>/FORMAT              "epochvault-directory-store 1\n"
//   <root>/objects/...         the objects and nothing else. A key's segments map to nested
//                              names: "a/b/c" is objects/a%2F/b%2F/c, where every name is the
//                              percent-encoded text it stands for ('%' → %25, '/' → %2F), so
//                              the key "a" (file objects/a) and the key "a/b" (directory
//                              objects/a%2F) never collide.
// Each object file holds a 32-byte header (magic, content length, MD5 of the content) then
// the content, so its etag is written atomically with it and a damaged file is detected
// (get() fails with Corrupt).
//
// Writes go to a temporary file in the target directory (a name that is never a valid
// encoded name, so list/get never see it), are fsync'ed, then renamed into place and the
// directory fsync'ed. create_only uses renameat2(RENAME_NOREPLACE) (link() where the file
// system lacks it), never check-then-rename. Removing an object also removes the directories
// it leaves empty (best effort).
//
// Limits beyond validate_key(): each encoded name is at most 255 bytes (the file-name limit
// of Linux file systems); longer segments fail with InvalidKey.
//
// Thread safety: safe for concurrent use by any number of threads and processes sharing
// the root. Temporary files left by a crash stay invisible; they are not collected.
#pragma once

#include <atomic>
#include <filesystem>
#include <memory>

#include "ev/s3/object_store.hpp"

namespace ev::s3 {

class DirectoryStore final : public ObjectStore {
 public:
  // Opens the store at root, creating root, FORMAT and objects/ when absent. Fails with Io
  // when they cannot be created, and Unsupported when FORMAT names another format.
  [[nodiscard]] static Result<std::unique_ptr<DirectoryStore>> open(
      const std::filesystem::path& root);

  [[nodiscard]] Result<PutResult> put(std::string_view key, ByteSpan data,
                                      const PutOptions& options = {}) override;
  [[nodiscard]] Result<Object> get(std::string_view key, const GetOptions& options = {}) override;
  [[nodiscard]] Result<ObjectInfo> head(std::string_view key) override;
  [[nodiscard]] Result<void> remove(std::string_view key) override;
  [[nodiscard]] Result<RemoveManyResult> remove_many(const std::vector<std::string>& keys) override;
  [[nodiscard]] Result<ListPage> list(const ListOptions& options) override;

  const std::filesystem::path& root() const { return root_; }

  // The file that holds key (whether or not it exists), or InvalidKey. For tests and tools.
  [[nodiscard]] Result<std::filesystem::path> object_path(std::string_view key) const;

 private:
  explicit DirectoryStore(std::filesystem::path root);
  std::string temp_name();

  std::filesystem::path root_;
  std::filesystem::path objects_;
  std::uint64_t temp_seed_;
  std::atomic<std::uint64_t> temp_counter_{0};
};

}  // namespace ev::s3
