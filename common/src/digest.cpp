#include "ev/common/digest.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>

#include "ev/common/errors.hpp"

namespace ev {

ByteArray<32> sha256(ByteSpan data) {
  ByteArray<32> out{};
  unsigned int len = 0;
  int rc = EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  EV_ASSERT(rc == 1 && len == 32, "EVP_Digest(sha256) failed");
  return out;
}

ByteArray<32> hmac_sha256(ByteSpan key, ByteSpan data) {
  ByteArray<32> out{};
  unsigned int len = 0;
  const unsigned char* r = HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), data.data(),
                                data.size(), out.data(), &len);
  EV_ASSERT(r != nullptr && len == 32, "HMAC(sha256) failed");
  return out;
}

Result<ByteArray<48>> sha384_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return make_error(CommonErrc::Io, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  const std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  bool good = md != nullptr && EVP_DigestInit_ex(md.get(), EVP_sha384(), nullptr) == 1;
  std::array<std::uint8_t, 65536> buf{};
  while (good) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return make_error(CommonErrc::Io, "cannot read " + path.string() + ": " + std::strerror(err));
    }
    if (n == 0) break;
    good = EVP_DigestUpdate(md.get(), buf.data(), static_cast<std::size_t>(n)) == 1;
  }
  ::close(fd);
  ByteArray<48> out{};
  unsigned int len = 0;
  good = good && EVP_DigestFinal_ex(md.get(), out.data(), &len) == 1 && len == out.size();
  if (!good)
    return make_error(CommonErrc::InvalidArgument, "SHA-384 of " + path.string() + " failed");
  return out;
}

}  // namespace ev
