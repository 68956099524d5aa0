#include "ev/common/errors.hpp"

namespace ev {

std::string_view ErrorTraits<CommonErrc>::message(CommonErrc e) {
  switch (e) {
    case CommonErrc::InvalidHex: return "invalid hex";
    case CommonErrc::InvalidLength: return "invalid length";
    case CommonErrc::InvalidArgument: return "invalid argument";
    case CommonErrc::Io: return "I/O error";
    case CommonErrc::NotFound: return "not found";
  }
  return "unknown error";
}

}  // namespace ev
