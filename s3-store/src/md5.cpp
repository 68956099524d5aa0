#include "ev/s3/md5.hpp"

#include <openssl/evp.h>

namespace ev::s3 {

ByteArray<16> md5(ByteSpan data) {
  ByteArray<16> out{};
  unsigned int len = 0;
  const int rc = EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_md5(), nullptr);
  EV_ASSERT(rc == 1 && len == out.size(), "EVP_Digest(md5) failed");
  return out;
}

std::string etag_of(ByteSpan data) { return to_hex(md5(data), false); }

}  // namespace ev::s3
