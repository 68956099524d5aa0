// The VaultPointers pallet's types (spec: /shared/spec/vault-pointers.md, "Types"), each
// SCALE-codable with ev::scale and declared in wire order. Format choices: docs/pallet.md.
//
// Bounded vectors (BoundedVec<u8, N> on the Rust side) encode as Vec<u8>; decoding rejects a
// length prefix above the bound (VaultErrc::TooLong) before reading the elements, so hostile
// input never causes an allocation larger than the bound. ServiceName also rejects bytes
// outside [a-z0-9._-] and the empty name (VaultErrc::InvalidServiceName).
//
// Thread safety: plain values.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "ev/chain/scale.hpp"
#include "ev/common/bytes.hpp"
#include "ev/common/result.hpp"
#include "ev/vault/errors.hpp"

namespace ev::vault {

using AccountId = ByteArray<32>;
using BlobId = ByteArray<16>;  // UUIDv7 bytes
using Epoch = std::uint32_t;   // 0 = the wallet has no epoch yet; the first epoch is 1
using Hash256 = ByteArray<32>;
using BlockNumber = std::uint32_t;

// Validation policies of the bounded byte vectors.
struct ServiceNamePolicy {
  static constexpr std::size_t kBound = 64;
  static constexpr std::string_view kName = "ServiceName";
  // Non-empty, every byte in [a-z0-9._-].
  [[nodiscard]] static Result<void> check(ByteSpan v);
};
struct MeasurementPolicy {
  static constexpr std::size_t kBound = 64;
  static constexpr std::string_view kName = "Measurement";
  [[nodiscard]] static Result<void> check(ByteSpan) { return ok(); }
};
// A credential's name within its service: empty = the service's default credential; else
// [a-z0-9._@-], e.g. "work" or "me@example.com".
struct CredentialNamePolicy {
  static constexpr std::size_t kBound = 64;
  static constexpr std::string_view kName = "CredentialName";
  [[nodiscard]] static Result<void> check(ByteSpan v);
};

struct TcbStatusPolicy {
  static constexpr std::size_t kBound = 64;
  static constexpr std::string_view kName = "TcbStatus";
  [[nodiscard]] static Result<void> check(ByteSpan) { return ok(); }
};
struct WrappedDekPolicy {
  static constexpr std::size_t kBound = 128;
  static constexpr std::string_view kName = "WrappedDek";
  [[nodiscard]] static Result<void> check(ByteSpan) { return ok(); }
};

// Error for a sequence of n elements where at most `bound` are allowed ("at offset N").
[[nodiscard]] Error too_long(std::string_view type, std::size_t n, std::size_t bound,
                             std::size_t offset);

// BoundedVec<u8, Policy::kBound> with Policy::check applied on every construction and decode.
// A default-constructed value is empty (a placeholder; for ServiceName it is not a valid name
// and only from()/decode() produce valid ones).
template <class Policy>
class BoundedBytes {
 public:
  static constexpr std::size_t kBound = Policy::kBound;
  static constexpr std::size_t kScaleMinSize = 1;

  BoundedBytes() = default;

  // Errors: VaultErrc::TooLong (more than kBound bytes), and those of Policy::check.
  [[nodiscard]] static Result<BoundedBytes> from(ByteSpan v) {
    if (v.size() > kBound) return too_long(Policy::kName, v.size(), kBound, 0);
    EV_TRY(Policy::check(v));
    BoundedBytes out;
    out.v_.assign(v.begin(), v.end());
    return out;
  }
  [[nodiscard]] static Result<BoundedBytes> from(std::string_view s) { return from(as_bytes(s)); }

  [[nodiscard]] const Bytes& bytes() const { return v_; }
  [[nodiscard]] std::string_view view() const {
    return {reinterpret_cast<const char*>(v_.data()), v_.size()};
  }
  [[nodiscard]] std::size_t size() const { return v_.size(); }
  [[nodiscard]] bool empty() const { return v_.empty(); }

  void encode(scale::Encoder& e) const { e.bytes(v_); }
  // Errors: scale errors (truncated, non-canonical length), VaultErrc::TooLong with the offset
  // of the length prefix, and those of Policy::check.
  [[nodiscard]] static Result<BoundedBytes> decode(scale::Decoder& d) {
    const std::size_t at = d.pos();
    const std::size_t n = EV_TRY(d.length(1));
    if (n > kBound) return too_long(Policy::kName, n, kBound, at);
    ByteSpan raw = EV_TRY(d.raw(n));
    auto checked = Policy::check(raw);
    if (!checked) return std::move(checked).error().context("at offset " + std::to_string(at));
    BoundedBytes out;
    out.v_.assign(raw.begin(), raw.end());
    return out;
  }

  friend bool operator==(const BoundedBytes&, const BoundedBytes&) = default;
  friend auto operator<=>(const BoundedBytes&, const BoundedBytes&) = default;

 private:
  Bytes v_;
};

using ServiceName = BoundedBytes<ServiceNamePolicy>;        // BoundedVec<u8, 64>, lowercase charset
using Measurement = BoundedBytes<MeasurementPolicy>;        // BoundedVec<u8, 64>
using WrappedDek = BoundedBytes<WrappedDekPolicy>;          // BoundedVec<u8, 128>
using CredentialName = BoundedBytes<CredentialNamePolicy>;  // BoundedVec<u8, 64>, may be empty
using TcbStatus = BoundedBytes<TcbStatusPolicy>;            // BoundedVec<u8, 64>: "UpToDate", ...

// BoundedVec<T, N>: Vec<T> with at most N elements (checked before decoding the elements).
template <class T, std::size_t N>
class BoundedVec {
 public:
  static constexpr std::size_t kBound = N;
  static constexpr std::size_t kScaleMinSize = 1;

  BoundedVec() = default;
  // Errors: VaultErrc::TooLong.
  [[nodiscard]] static Result<BoundedVec> from(std::vector<T> v) {
    if (v.size() > N) return too_long("BoundedVec", v.size(), N, 0);
    BoundedVec out;
    out.v_ = std::move(v);
    return out;
  }
  [[nodiscard]] const std::vector<T>& items() const { return v_; }
  [[nodiscard]] std::size_t size() const { return v_.size(); }
  [[nodiscard]] bool empty() const { return v_.empty(); }

  void encode(scale::Encoder& e) const { scale::encode(e, v_); }
  [[nodiscard]] static Result<BoundedVec> decode(scale::Decoder& d) {
    auto guard = EV_TRY(d.descend());
    const std::size_t at = d.pos();
    const std::size_t n = EV_TRY(d.length(scale::Codec<T>::min_size));
    if (n > N) return too_long("BoundedVec", n, N, at);
    BoundedVec out;
    out.v_.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      auto x = scale::Codec<T>::decode(d);
      if (!x) return std::move(x).error().context("[" + std::to_string(i) + "]");
      out.v_.push_back(std::move(x).value());
    }
    return out;
  }

  friend bool operator==(const BoundedVec&, const BoundedVec&) = default;

 private:
  std::vector<T> v_;
};

// The services of a grant: empty = every service.
using ServiceList = BoundedVec<ServiceName, 32>;

// The agents a credential is restricted to: empty = every agent whose grant covers the service.
using ReaderList = BoundedVec<AccountId, 16>;

enum class Role : std::uint8_t { Serve = 0, Rotate = 1 };

// What a grant allows on its services: read them, or also write (add or replace) credentials.
enum class Access : std::uint8_t { Read = 0, ReadWrite = 1 };

// RotationReason = enum { Scheduled = 0, Revocation(AccountId) = 1, Operator = 2 }.
struct Scheduled {
  friend bool operator==(const Scheduled&, const Scheduled&) = default;
};
struct Revocation {
  AccountId agent{};
  EV_SCALE_FIELDS(agent)
  friend bool operator==(const Revocation&, const Revocation&) = default;
};
struct Operator {
  friend bool operator==(const Operator&, const Operator&) = default;
};
using RotationReason = std::variant<Scheduled, Revocation, Operator>;

struct VaultPointer {
  ServiceName service;
  AccountId agent{};  // who wrote this credential (the wallet or an agent): its provenance
  Epoch epoch = 0;
  Hash256 ciphertext_hash{};
  std::uint32_t size = 0;
  BlockNumber created_at = 0;
  BlockNumber updated_at = 0;
  CredentialName name;  // empty = the service's default credential
  ReaderList readers;   // empty = every agent whose active grant covers the service
  EV_SCALE_FIELDS(service, agent, epoch, ciphertext_hash, size, created_at, updated_at, name,
                  readers)
  friend bool operator==(const VaultPointer&, const VaultPointer&) = default;

  // True when `agent` is not excluded by the reader restriction (the grant is checked apart).
  [[nodiscard]] bool readable_by(const AccountId& agent) const;
};

struct EpochInfo {
  Epoch current = 0;
  BlockNumber rotated_at = 0;
  RotationReason reason;
  EV_SCALE_FIELDS(current, rotated_at, reason)
  friend bool operator==(const EpochInfo&, const EpochInfo&) = default;
};

struct EpochDek {
  WrappedDek wrapped_dek;
  BlockNumber created_at = 0;
  EV_SCALE_FIELDS(wrapped_dek, created_at)
  friend bool operator==(const EpochDek&, const EpochDek&) = default;
};

struct AgentGrant {
  ServiceList services;  // empty = every service
  BlockNumber granted_at = 0;
  std::optional<BlockNumber> revoked_at;
  Access access = Access::Read;
  EV_SCALE_FIELDS(services, granted_at, revoked_at, access)
  friend bool operator==(const AgentGrant&, const AgentGrant&) = default;

  [[nodiscard]] bool active() const { return !revoked_at.has_value(); }
  [[nodiscard]] bool can_write() const { return access == Access::ReadWrite; }
  // True when services is empty or lists `service`.
  [[nodiscard]] bool covers(const ServiceName& service) const;
};

// The TEE platform an attestation came from (docs/pallet.md, "Worker registry").
enum class AttestationPlatform : std::uint8_t { Simulated = 0, Nitro, SevSnp, Sgx, Tdx };

struct WorkerInfo {
  Role role = Role::Serve;
  Measurement measurement;
  Hash256 attestation_hash{};
  BlockNumber registered_at = 0;
  // What the verified attestation proved (appended fields, docs/pallet.md).
  AttestationPlatform platform = AttestationPlatform::Simulated;
  TcbStatus tcb_status;
  std::uint64_t attested_at = 0;  // Unix seconds: the document's time, or the block's
  std::uint64_t expires_at = 0;   // attested_at + the chain's attestation lifetime
  EV_SCALE_FIELDS(role, measurement, attestation_hash, registered_at, platform, tcb_status,
                  attested_at, expires_at)
  friend bool operator==(const WorkerInfo&, const WorkerInfo&) = default;
};

// The worker registry's configuration, set in the chain's genesis (storage value
// VaultPointers.AttestationConfig; absent = production defaults: dev_mode false, 24 h, every
// pinned vendor root trusted).
struct AttestationConfig {
  bool dev_mode = false;  // accept simulated attestations
  std::uint64_t max_age_secs = std::uint64_t{24} * 60 * 60;
  // SHA-256 fingerprints of the pinned vendor roots this chain trusts.
  BoundedVec<Hash256, 8> trusted_roots;
  EV_SCALE_FIELDS(dev_mode, max_age_secs, trusted_roots)
  friend bool operator==(const AttestationConfig&, const AttestationConfig&) = default;
};

[[nodiscard]] std::string_view role_name(Role r);      // "Serve", "Rotate"
[[nodiscard]] std::string_view access_name(Access a);  // "Read", "ReadWrite"
// "Simulated", "Nitro", "SevSnp", "Sgx", "Tdx"
[[nodiscard]] std::string_view attestation_platform_name(AttestationPlatform p);
// "Scheduled", "Revocation", "Operator"
[[nodiscard]] std::string_view reason_name(const RotationReason& r);

}  // namespace ev::vault

namespace ev::scale {
template <>
struct EnumTraits<vault::Role> {
  static constexpr vault::Role max = vault::Role::Rotate;
};
template <>
struct EnumTraits<vault::Access> {
  static constexpr vault::Access max = vault::Access::ReadWrite;
};
template <>
struct EnumTraits<vault::AttestationPlatform> {
  static constexpr vault::AttestationPlatform max = vault::AttestationPlatform::Tdx;
};
}  // namespace ev::scale
