// Shared test helpers.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace ev::test {

// Exit code that ctest reports as "skipped" (SKIP_RETURN_CODE 77).
inline constexpr int kSkipExitCode = 77;

// The shared vectors folder: $EV_VECTORS_DIR if set, else the path configured at build time
// (../shared/vectors beside the source tree). nullopt when it does not exist.
std::optional<std::filesystem::path> vectors_dir();

// Path of a file or folder under the vectors folder. When it is absent, prints
// "SKIPPED: <reason>" and exits with kSkipExitCode, so the test counts as skipped, never
// as passed.
std::filesystem::path require_vectors(const std::string& relative);

std::string read_file(const std::filesystem::path& p);

// A fresh, empty temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back).
int free_loopback_port();

}  // namespace ev::test
