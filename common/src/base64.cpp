#include "ev/common/base64.hpp"

#include <sodium.h>

#include "ev/common/errors.hpp"

namespace ev {

std::string base64(ByteSpan data) {
  std::string out(sodium_base64_encoded_len(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data.data(), data.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();  // the terminating NUL
  return out;
}

Result<std::size_t> unbase64_into(std::string_view text, std::span<std::uint8_t> out) {
  std::size_t n = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &n, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return make_error(CommonErrc::InvalidArgument, "not standard base64 with padding");
  }
  return n;
}

Result<Bytes> unbase64(std::string_view text) {
  Bytes out(text.size() / 4 * 3 + 3);  // decoded data is never longer than this
  out.resize(EV_TRY(unbase64_into(text, out)));
  return out;
}

}  // namespace ev
