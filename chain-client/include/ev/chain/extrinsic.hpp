// Signed and unsigned v4 extrinsics (sp_runtime UncheckedExtrinsic), with the signed-extension
// plan taken from a runtime's metadata. Format: docs/formats/extrinsic.md.
//
//   signed:   compact(len) ++ 0x84 ++ MultiAddress::Id(0x00 ++ AccountId32)
//                          ++ MultiSignature(tag ++ sig) ++ extra ++ call
//   unsigned: compact(len) ++ 0x04 ++ call
//
// The signature covers signing_payload(call, extra, implicit): call ++ extra ++ implicit,
// replaced by its blake2_256 when longer than 256 bytes. "extra" is the concatenation of every
// extension's explicit part, "implicit" of every extension's additional-signed part, both in
// metadata order.
//
// Contract: ExtrinsicFormat is an immutable value (copyable, no reference to the Metadata it
// came from); every const member may be called concurrently. decode() accepts untrusted bytes:
// it never reads past its input, allocates at most the input's size, and returns an Error
// (domain "extrinsic") naming the offset and field at fault.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ev/chain/era.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"

namespace ev::chain {

enum class ExtrinsicErrc {
  UnknownExtension = 1,  // a signed extension we do not know, with non-empty types
  UnsupportedMetadata,   // extrinsic version, address or signature type we cannot build
  InvalidOptions,        // TxOptions / ChainIdentity values the runtime cannot carry
  Truncated,             // input ends inside a field
  BadLength,             // length prefix missing, non-canonical or not equal to the body
  BadVersion,            // version byte other than 0x04 (unsigned) or 0x84 (signed)
  UnsupportedAddress,    // MultiAddress kind other than Id
  BadSignatureTag,       // MultiSignature tag unknown
  BadExtra,              // an explicit extension field is malformed (era, nonce, tip, mode)
  TrailingBytes,         // bytes after a complete extrinsic
  Signing,               // the key refused to sign (see the wrapped message)
};

}  // namespace ev::chain

namespace ev {
template <>
struct ErrorTraits<chain::ExtrinsicErrc> {
  static constexpr std::string_view domain = "extrinsic";
  static std::string_view message(chain::ExtrinsicErrc e);
};
}  // namespace ev

namespace ev::chain {

inline constexpr std::uint8_t kExtrinsicVersion = 4;
inline constexpr std::uint8_t kSignedBit = 0x80;
// Payloads longer than this are blake2_256-hashed before signing.
inline constexpr std::size_t kMaxUnhashedPayload = 256;

// What identifies the runtime a transaction is for (CheckSpecVersion, CheckTxVersion,
// CheckGenesis).
struct ChainIdentity {
  std::uint32_t spec_version = 0;
  std::uint32_t transaction_version = 0;
  ByteArray<32> genesis_hash{};
};

struct TxOptions {
  std::uint64_t nonce = 0;
  u128 tip = 0;
  // Mortal by default: era = Era::mortal(period, birth_number). birth_hash must be the hash of
  // block era().birth(birth_number) (equal to birth_number unless period > 4096 rounds the
  // phase down). An immortal transaction signs the genesis hash instead.
  bool immortal = false;
  std::uint64_t period = 64;
  std::uint64_t birth_number = 0;
  ByteArray<32> birth_hash{};
  // CheckMetadataHash: mode 0 (disabled) unless metadata_hash is set, which selects mode 1
  // and signs Some(metadata_hash). metadata_hash_mode must agree (0 without a hash, 1 with).
  std::uint8_t metadata_hash_mode = 0;
  std::optional<ByteArray<32>> metadata_hash;

  // The era these options describe.
  [[nodiscard]] Era era() const {
    return immortal ? Era::immortal() : Era::mortal(period, birth_number);
  }
};

// What one signed extension contributes. Kinds other than Empty are recognised by identifier.
enum class ExtensionKind : std::uint8_t {
  Empty,                     // no explicit or implicit data (CheckNonZeroSender, CheckWeight..)
  CheckSpecVersion,          // implicit u32
  CheckTxVersion,            // implicit u32
  CheckGenesis,              // implicit H256
  CheckMortality,            // explicit Era, implicit H256 (birth block or genesis)
  CheckNonce,                // explicit Compact<Nonce>
  ChargeTransactionPayment,  // explicit Compact<u128> tip
  ChargeAssetTxPayment,      // explicit Compact<u128> tip ++ Option<AssetId> (always None)
  CheckMetadataHash,         // explicit u8 mode, implicit Option<H256>
};

struct ExtensionSpec {
  std::string identifier;
  ExtensionKind kind = ExtensionKind::Empty;
};

// The signer of a signed extrinsic and its MultiSignature.
struct ExtrinsicSigner {
  AccountId32 account{};
  Scheme scheme = Scheme::Ed25519;
  Bytes signature;  // 64 (ed25519) or 65 (ecdsa) bytes, without the MultiSignature tag
};

// The explicit extension data of a signed extrinsic, decoded. Fields of extensions the runtime
// does not have keep their defaults (immortal era, nonce 0, tip 0, mode 0).
struct DecodedExtra {
  Era era;
  std::uint64_t nonce = 0;
  u128 tip = 0;
  std::uint8_t metadata_hash_mode = 0;
  Bytes raw;  // the extra bytes exactly as signed
};

struct DecodedExtrinsic {
  std::optional<ExtrinsicSigner> signer;  // nullopt: unsigned (0x04)
  DecodedExtra extra;                     // meaningful when signed
  Bytes call;                             // pallet index ++ call index ++ arguments
  std::size_t encoded_size = 0;           // the whole extrinsic, length prefix included
};

class ExtrinsicFormat {
 public:
  // The plan of a runtime, from its metadata (V14/V15: the signed extensions in order; V16: the
  // extensions of extension version 0). Errors: UnknownExtension naming the first unknown
  // extension whose explicit or implicit type is not empty (or a known empty one whose types
  // are not), UnsupportedMetadata when the runtime has no v4 extrinsics, or its address is not
  // a MultiAddress with an Id variant over AccountId32, or its signature type has neither an
  // Ed25519 nor an Ecdsa variant.
  [[nodiscard]] static Result<ExtrinsicFormat> from_metadata(const Metadata& md);
  // A plan from extension identifiers alone (for runtimes whose metadata is not at hand). Every
  // identifier must be a known one. MultiAddress tag Id = 0, MultiSignature tags
  // Ed25519 = 0, Sr25519 = 1, Ecdsa = 2, nonce up to u64.
  [[nodiscard]] static Result<ExtrinsicFormat> from_identifiers(
      std::span<const std::string_view> identifiers);

  [[nodiscard]] const std::vector<ExtensionSpec>& extensions() const { return extensions_; }

  // The explicit ("extra") bytes for these options. Errors: InvalidOptions (nonce above the
  // runtime's nonce type, metadata hash mode not 0/1 or not matching metadata_hash).
  [[nodiscard]] Result<Bytes> encode_extra(const TxOptions& opts) const;
  // The implicit ("additional signed") bytes. Same errors as encode_extra.
  [[nodiscard]] Result<Bytes> encode_implicit(const ChainIdentity& id, const TxOptions& opts) const;

  // call ++ extra ++ implicit, or blake2_256 of it when longer than kMaxUnhashedPayload bytes.
  [[nodiscard]] static Bytes signing_payload(ByteSpan call, ByteSpan extra, ByteSpan implicit);

  // The complete signed extrinsic, length prefix included.
  [[nodiscard]] Result<Bytes> build_signed(const KeyPair& key, ByteSpan call,
                                           const ChainIdentity& id, const TxOptions& opts) const;
  // compact(len) ++ 0x04 ++ call.
  [[nodiscard]] static Bytes build_unsigned(ByteSpan call);

  // Decodes one length-prefixed v4 extrinsic; every byte of `bytes` must belong to it.
  // Errors: BadLength, Truncated, BadVersion, UnsupportedAddress, BadSignatureTag, BadExtra,
  // TrailingBytes; each message names the offset and field.
  [[nodiscard]] Result<DecodedExtrinsic> decode(ByteSpan bytes) const;

  // The payload a decoded signed extrinsic must have been signed over, as a node checks it:
  // birth_hash is the hash of block extra.era.birth(current) (ignored when immortal), and
  // metadata_hash is the node's own (required when the extrinsic uses mode 1). Errors:
  // InvalidOptions (unsigned extrinsic, mode 1 without a metadata hash).
  [[nodiscard]] Result<Bytes> signing_payload_of(
      const DecodedExtrinsic& xt, const ChainIdentity& id, const ByteArray<32>& birth_hash,
      const std::optional<ByteArray<32>>& metadata_hash = std::nullopt) const;
  // signing_payload_of(), then verify_for_account(); keys' BadSignature / MalformedSignature
  // errors are returned as they are.
  [[nodiscard]] Result<void> verify(
      const DecodedExtrinsic& xt, const ChainIdentity& id, const ByteArray<32>& birth_hash,
      const std::optional<ByteArray<32>>& metadata_hash = std::nullopt) const;

 private:
  ExtrinsicFormat() = default;
  [[nodiscard]] Result<void> read_address(const Metadata& md);
  [[nodiscard]] Result<void> read_signature(const Metadata& md);
  [[nodiscard]] Result<void> check_options(const TxOptions& opts) const;
  [[nodiscard]] std::optional<std::uint8_t> signature_tag(Scheme scheme) const;
  void append_extra(Bytes& out, const TxOptions& opts) const;
  void append_implicit(Bytes& out, const ChainIdentity& id, const TxOptions& opts) const;
  [[nodiscard]] Result<DecodedExtra> decode_extra(scale::Decoder& d) const;
  [[nodiscard]] Result<ExtrinsicSigner> decode_signer(scale::Decoder& d) const;

  std::vector<ExtensionSpec> extensions_;
  std::uint8_t address_id_tag_ = 0;
  std::optional<std::uint8_t> ed25519_tag_ = 0;
  std::optional<std::uint8_t> sr25519_tag_ = 1;
  std::optional<std::uint8_t> ecdsa_tag_ = 2;
  std::uint64_t max_nonce_ = UINT64_MAX;
};

// blake2_256 of the complete encoded extrinsic (length prefix included): its hash as
// author_submitExtrinsic returns it.
[[nodiscard]] ByteArray<32> extrinsic_hash(ByteSpan encoded);

}  // namespace ev::chain
