#include "ev/common/digest.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

}  // namespace ev
