// System implementations of the TEE device seams (tee_io.hpp).
#include "ev/enclave/tee_io.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "ev/enclave/errors.hpp"

namespace ev::enclave {
namespace {

Error io_error(const std::filesystem::path& p, std::string_view what, int err) {
  return make_error(Errc::Io, std::string(what) + " " + p.string() + ": " + std::strerror(err));
}

class SystemIoctlDevice final : public IoctlDevice {
 public:
  explicit SystemIoctlDevice(int fd) : fd_(fd) {}
  ~SystemIoctlDevice() override { ::close(fd_); }
  SystemIoctlDevice(const SystemIoctlDevice&) = delete;
  SystemIoctlDevice& operator=(const SystemIoctlDevice&) = delete;

  int call(unsigned long request, void* arg) override {
    for (;;) {
      if (::ioctl(fd_, request, arg) == 0) return 0;
      if (errno != EINTR) return errno;
    }
  }

 private:
  int fd_;
};

// Closes a descriptor when it goes out of scope.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::unique_ptr<IoctlDevice>> open_ioctl_device(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return io_error(path, "cannot open", errno);
  return std::unique_ptr<IoctlDevice>(new SystemIoctlDevice(fd));
}

bool SystemFiles::is_directory(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<void> SystemFiles::make_dir(const std::filesystem::path& p) {
  if (::mkdir(p.c_str(), 0700) != 0) return io_error(p, "cannot create", errno);
  return ok();
}

Result<void> SystemFiles::remove_dir(const std::filesystem::path& p) {
  if (::rmdir(p.c_str()) != 0) return io_error(p, "cannot remove", errno);
  return ok();
}

Result<Bytes> SystemFiles::read(const std::filesystem::path& p, std::size_t max) {
  const Fd f{::open(p.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0) return io_error(p, "cannot open", errno);
  Bytes out;
  std::uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error(p, "cannot read", errno);
    if (n == 0) break;
    if (out.size() + static_cast<std::size_t>(n) > max) {
      return make_error(Errc::Io, p.string() + " is longer than " + std::to_string(max) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

Result<void> SystemFiles::write(const std::filesystem::path& p, ByteSpan data) {
  Fd f{::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600)};
  if (f.fd < 0) return io_error(p, "cannot open", errno);
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(f.fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error(p, "cannot write", n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
  const int fd = f.fd;
  f.fd = -1;
  if (::close(fd) != 0) return io_error(p, "cannot write (on close)", errno);
  return ok();
}

}  // namespace ev::enclave
