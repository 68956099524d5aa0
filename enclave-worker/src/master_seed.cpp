// Master seed sealing: docs/formats/sealed-seed.md.
#include "ev/enclave/master_seed.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "ev/enclave/errors.hpp"

namespace ev::enclave {
namespace {

constexpr std::string_view kSeedAad = "epochvault/master-seed/v1";

Error io_error(const std::filesystem::path& p, std::string_view what) {
  return make_error(Errc::Io, std::string(what) + " " + p.string() + ": " + std::strerror(errno));
}

Result<Bytes> read_all(const std::filesystem::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(p, "cannot open");
  Bytes out;
  std::uint8_t buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = io_error(p, "cannot read");
      ::close(fd);
      return e;
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
    if (out.size() > std::size_t{1024} * 1024) {
      ::close(fd);
      return make_error(Errc::Malformed, p.string() + " is larger than 1 MiB");
    }
  }
  ::close(fd);
  return out;
}

Result<void> write_all(int fd, ByteSpan data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return make_error(Errc::Io, std::string("write: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  return ok();
}

Result<MasterSeed> seed_from(SecretBytes plain) {
  if (plain.size() != MasterSeed::size()) {
    return make_error(
        Errc::InvalidArgument,
        "sealed master seed holds " + std::to_string(plain.size()) + " bytes, expected 32");
  }
  MasterSeed seed;
  std::copy(plain.view().begin(), plain.view().end(), seed.mut().begin());
  return seed;
}

}  // namespace

namespace {

// How write_file_atomic puts the finished temporary file in place.
enum class Placement { Replace, CreateOnly };

Result<bool> write_file_impl(const std::filesystem::path& path, ByteSpan data, Placement how) {
  std::uint8_t rnd[8];
  SystemRng rng;
  EV_TRY(rng.random(rnd));
  const std::filesystem::path tmp = path.string() + ".tmp-" + to_hex(rnd, false);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(tmp, "cannot create");
  Result<void> r = write_all(fd, data);
  if (r.ok() && ::fsync(fd) != 0) r = io_error(tmp, "cannot fsync");
  if (::close(fd) != 0 && r.ok()) r = io_error(tmp, "cannot close");
  bool placed = true;
  if (r.ok() && how == Placement::Replace && ::rename(tmp.c_str(), path.c_str()) != 0) {
    r = io_error(path, "cannot rename onto");
  }
  if (r.ok() && how == Placement::CreateOnly && ::link(tmp.c_str(), path.c_str()) != 0) {
    // link() never replaces: another process created the file first.
    if (errno == EEXIST) {
      placed = false;
    } else {
      r = io_error(path, "cannot link");
    }
  }
  if (!r.ok() || how == Placement::CreateOnly) ::unlink(tmp.c_str());
  if (!r.ok()) return std::move(r).error();
  if (!placed) return false;
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return io_error(dir, "cannot open directory");
  const int rc = ::fsync(dfd);
  ::close(dfd);
  if (rc != 0) return io_error(dir, "cannot fsync directory");
  return true;
}

}  // namespace

Result<void> write_file_atomic(const std::filesystem::path& path, ByteSpan data) {
  EV_TRY(write_file_impl(path, data, Placement::Replace));
  return ok();
}

Result<MasterSeed> load_or_create_master_seed(Platform& platform,
                                              const std::filesystem::path& data_dir,
                                              const SealPolicy& policy) {
  const std::filesystem::path file = data_dir / kMasterSeedFile;
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  if (ec) return make_error(Errc::Io, "cannot stat " + file.string() + ": " + ec.message());
  if (exists) {
    const Bytes blob = EV_TRY(read_all(file));
    SecretBytes plain = EV_TRY_CTX("master seed " + file.string(),
                                   platform.unseal(policy, blob, as_bytes(kSeedAad)));
    return seed_from(std::move(plain));
  }
  MasterSeed seed;
  EV_TRY(platform.random(seed.mut()));
  const Bytes blob = EV_TRY(platform.seal(policy, seed.view(), as_bytes(kSeedAad)));
  // Two workers sharing the seed may start together: the first file wins, and the loser
  // loads it instead of replacing it (a replaced seed would orphan every DEK wrapped under it).
  if (!EV_TRY(write_file_impl(file, blob, Placement::CreateOnly))) {
    const Bytes existing = EV_TRY(read_all(file));
    SecretBytes plain = EV_TRY_CTX("master seed " + file.string(),
                                   platform.unseal(policy, existing, as_bytes(kSeedAad)));
    return seed_from(std::move(plain));
  }
  return seed;
}

}  // namespace ev::enclave
