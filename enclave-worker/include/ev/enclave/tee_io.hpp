// The two ways a TEE guest talks to its attestation hardware, as seams the hardware platforms
// (hardware_platform.hpp) use and tests replace:
//   * an ioctl on a character device (/dev/nsm, /dev/sev-guest);
//   * reads and writes of attribute files in a directory (Linux configfs-tsm under
//     /sys/kernel/config/tsm/report, Gramine's /dev/attestation).
// The system implementations make the real system calls; a test implementation answers with
// recorded documents. Formats: docs/attestation.md, "Platform backends".
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>

#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::enclave {

// One ioctl on an open device. Returns 0 on success, otherwise the errno of the failure.
// Implementations may be called from several threads (the platform serialises its calls).
class IoctlDevice {
 public:
  virtual ~IoctlDevice() = default;
  [[nodiscard]] virtual int call(unsigned long request, void* arg) = 0;
};

// Opens `path` read-write (close-on-exec). Errors: Io (with the path and errno text).
[[nodiscard]] Result<std::unique_ptr<IoctlDevice>> open_ioctl_device(
    const std::filesystem::path& path);

// Attribute files of a pseudo file system. Every method names the path in its errors.
class AttributeFiles {
 public:
  virtual ~AttributeFiles() = default;
  [[nodiscard]] virtual bool is_directory(const std::filesystem::path& p) = 0;
  // mkdir with mode 0700 (configfs creates the entry's attributes itself). Errors: Io.
  [[nodiscard]] virtual Result<void> make_dir(const std::filesystem::path& p) = 0;
  // rmdir. Errors: Io.
  [[nodiscard]] virtual Result<void> remove_dir(const std::filesystem::path& p) = 0;
  // The whole content, read until end of file. Errors: Io (also when longer than `max`).
  [[nodiscard]] virtual Result<Bytes> read(const std::filesystem::path& p, std::size_t max) = 0;
  // Opens (creating it with mode 0600 when absent, never truncating), writes all of `data` and
  // closes: configfs commits a binary attribute on close. Errors: Io.
  [[nodiscard]] virtual Result<void> write(const std::filesystem::path& p, ByteSpan data) = 0;
};

// AttributeFiles through open/read/write/close, mkdir and rmdir.
class SystemFiles : public AttributeFiles {
 public:
  [[nodiscard]] bool is_directory(const std::filesystem::path& p) override;
  [[nodiscard]] Result<void> make_dir(const std::filesystem::path& p) override;
  [[nodiscard]] Result<void> remove_dir(const std::filesystem::path& p) override;
  [[nodiscard]] Result<Bytes> read(const std::filesystem::path& p, std::size_t max) override;
  [[nodiscard]] Result<void> write(const std::filesystem::path& p, ByteSpan data) override;
};

}  // namespace ev::enclave
