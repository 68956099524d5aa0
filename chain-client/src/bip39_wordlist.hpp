// The BIP39 English wordlist, sorted, 2048 words. Its definition is generated at configure time
// by chain-client/CMakeLists.txt from the system's copy (python3-mnemonic), checked for word
// count and SHA-256.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace ev::chain::detail {

inline constexpr std::size_t kBip39WordCount = 2048;
extern const std::array<std::string_view, kBip39WordCount> kBip39English;

}  // namespace ev::chain::detail
