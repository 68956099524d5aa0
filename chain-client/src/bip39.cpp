// BIP39 English mnemonics and Substrate's mini secret (entropy-keyed PBKDF2).
// Format notes: docs/formats/keys.md#bip39.
#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <climits>
#include <string>

#include "bip39_wordlist.hpp"
#include "ev/chain/keys.hpp"
#include "ev/common/digest.hpp"
#include "keys_internal.hpp"

namespace ev::chain {
namespace {

constexpr std::size_t kMaxWords = 24;
constexpr int kPbkdf2Iterations = 2048;
constexpr std::size_t kBitsPerWord = 11;

bool valid_word_count(std::size_t n) { return n >= 12 && n <= kMaxWords && n % 3 == 0; }
bool valid_entropy_size(std::size_t n) { return n >= 16 && n <= 32 && n % 4 == 0; }

// Index of word in the sorted list, or -1.
int word_index(std::string_view word) {
  const auto& list = detail::kBip39English;
  auto it = std::lower_bound(list.begin(), list.end(), word);
  if (it == list.end() || *it != word) return -1;
  return static_cast<int>(it - list.begin());
}

// A word as it may appear in a message: at most 24 characters, non-printable bytes as '?'.
std::string printable(std::string_view word) {
  std::string out;
  for (char c : word.substr(0, 24)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (word.size() > 24) out += "...";
  return out;
}

// Bit `pos` (0 = most significant bit of byte 0).
int get_bit(const Secret<33>& buf, std::size_t pos) {
  return (buf.data()[pos / 8] >> (7 - pos % 8)) & 1;
}
void set_bit(Secret<33>& buf, std::size_t pos) {
  buf.data()[pos / 8] = static_cast<std::uint8_t>(buf.data()[pos / 8] | (0x80u >> (pos % 8)));
}

// The checksum byte: the first entropy_size/4 bits of sha256(entropy), high bits first.
std::uint8_t checksum_byte(ByteSpan entropy) {
  ByteArray<32> digest = sha256(entropy);
  std::uint8_t first = digest[0];
  sodium_memzero(digest.data(), digest.size());
  std::size_t cs_bits = entropy.size() / 4;
  return static_cast<std::uint8_t>(first & (0xff00u >> cs_bits));
}

// Word indices of a phrase (they are the secret), wiped on destruction.
struct WordIndices {
  std::array<int, kMaxWords> value{};
  WordIndices() = default;
  WordIndices(const WordIndices&) = delete;
  WordIndices& operator=(const WordIndices&) = delete;
  ~WordIndices() { sodium_memzero(value.data(), sizeof(value)); }
};

// Splits on runs of spaces; records up to kMaxWords word indices; fails on an unknown word.
Result<std::size_t> lookup_words(std::string_view phrase, WordIndices& indices) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < phrase.size()) {
    if (phrase[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = std::min(phrase.find(' ', i), phrase.size());
    std::string_view word = phrase.substr(i, end - i);
    int index = word_index(word);
    if (index < 0) {
      return make_error(KeyErrc::InvalidMnemonic, "unknown word '" + printable(word) +
                                                      "' at position " + std::to_string(count + 1) +
                                                      " (not in the BIP39 English list)");
    }
    if (count < kMaxWords) indices.value[count] = index;
    ++count;
    i = end;
  }
  return count;
}

}  // namespace

Result<MnemonicEntropy> mnemonic_to_entropy(std::string_view phrase) {
  WordIndices indices;
  std::size_t words = EV_TRY(lookup_words(phrase, indices));
  if (!valid_word_count(words)) {
    return make_error(KeyErrc::InvalidMnemonic,
                      std::to_string(words) + " words; expected 12, 15, 18, 21 or 24");
  }
  Secret<33> bits;
  for (std::size_t w = 0; w < words; ++w) {
    for (std::size_t b = 0; b < kBitsPerWord; ++b) {
      if ((indices.value[w] >> (kBitsPerWord - 1 - b)) & 1) set_bit(bits, w * kBitsPerWord + b);
    }
  }
  MnemonicEntropy out;
  out.size = words * 4 / 3;
  std::copy_n(bits.data(), out.size, out.bytes.data());
  if (checksum_byte(out.view()) != bits.data()[out.size]) {
    return make_error(KeyErrc::InvalidMnemonic,
                      "checksum mismatch (a word is wrong or the words are out of order)");
  }
  return out;
}

Result<std::string> mnemonic_from_entropy(ByteSpan entropy) {
  if (!valid_entropy_size(entropy.size())) {
    return make_error(KeyErrc::InvalidMnemonic, "entropy must be 16, 20, 24, 28 or 32 bytes, got " +
                                                    std::to_string(entropy.size()));
  }
  Secret<33> bits;
  std::copy(entropy.begin(), entropy.end(), bits.data());
  bits.data()[entropy.size()] = checksum_byte(entropy);
  std::size_t words = entropy.size() * 3 / 4;
  std::string phrase;
  phrase.reserve(words * 9);  // longest word is 8 letters: no reallocation leaves copies behind
  for (std::size_t w = 0; w < words; ++w) {
    std::size_t index = 0;
    for (std::size_t b = 0; b < kBitsPerWord; ++b) {
      index = (index << 1) | static_cast<std::size_t>(get_bit(bits, w * kBitsPerWord + b));
    }
    if (w != 0) phrase += ' ';
    phrase += detail::kBip39English[index];
  }
  return phrase;
}

Result<Seed> mini_secret_from_entropy(ByteSpan entropy, std::string_view password) {
  if (!valid_entropy_size(entropy.size())) {
    return make_error(KeyErrc::InvalidMnemonic, "entropy must be 16, 20, 24, 28 or 32 bytes, got " +
                                                    std::to_string(entropy.size()));
  }
  for (std::size_t i = 0; i < password.size(); ++i) {
    if (static_cast<unsigned char>(password[i]) >= 0x80) {
      return make_error(KeyErrc::InvalidSecretUri,
                        "password byte " + std::to_string(i) +
                            " is not ASCII (Unicode passwords are not supported)");
    }
  }
  if (password.size() > INT_MAX - 8) {
    return make_error(KeyErrc::InvalidSecretUri, "password too long");
  }
  std::string salt;
  salt.reserve(8 + password.size());
  salt += "mnemonic";
  salt += password;
  Secret<64> seed;
  int rc = PKCS5_PBKDF2_HMAC(
      reinterpret_cast<const char*>(entropy.data()), static_cast<int>(entropy.size()),
      reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
      kPbkdf2Iterations, EVP_sha512(), static_cast<int>(seed.size()), seed.data());
  sodium_memzero(salt.data(), salt.size());
  if (rc != 1) return make_error(KeyErrc::CryptoFailure, "PBKDF2-HMAC-SHA512 (OpenSSL) failed");
  return Seed(seed.view().first<kSeedSize>());
}

Result<Seed> mini_secret_from_phrase(std::string_view phrase, std::string_view password) {
  MnemonicEntropy entropy = EV_TRY(mnemonic_to_entropy(phrase));
  return mini_secret_from_entropy(entropy.view(), password);
}

Result<std::string> generate_mnemonic(std::size_t words) {
  if (!valid_word_count(words)) {
    return make_error(KeyErrc::InvalidMnemonic, "cannot generate " + std::to_string(words) +
                                                    " words; expected 12, 15, 18, 21 or 24");
  }
  detail::ensure_sodium();
  Secret<32> entropy;
  std::size_t size = words * 4 / 3;
  randombytes_buf(entropy.data(), size);
  return mnemonic_from_entropy(entropy.view().first(size));
}

}  // namespace ev::chain
