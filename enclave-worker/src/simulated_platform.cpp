// Simulated TEE platform: docs/enclave.md ("Simulated platform") and docs/formats/sealed-seed.md.
#include "ev/enclave/simulated_platform.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "crypto_internal.hpp"
#include "ev/common/digest.hpp"
#include "ev/common/errors.hpp"
#include "ev/enclave/errors.hpp"
#include "ev/enclave/sealed_blob.hpp"

namespace ev::enclave {
namespace {

constexpr std::string_view kSealInfo = "epochvault/sim-seal/v1";
constexpr std::string_view kAttestInfo = "epochvault/sim-attest/v1";
constexpr std::string_view kDefaultSigner = "epochvault simulated signer";

// Attestation report layout (docs/enclave.md, "Attestation report").
constexpr std::uint8_t kReportMagic[8] = {'E', 'V', 'S', 'I', 'M', 'R', 'E', 'P'};
constexpr std::uint8_t kReportVersion = 1;
constexpr std::size_t kRepOffVersion = 8;
constexpr std::size_t kRepOffMarker = 9;
constexpr std::size_t kRepOffMeasurement = kRepOffMarker + kSimulatedMarker.size();  // 38
constexpr std::size_t kRepOffSigner = kRepOffMeasurement + kMeasurementSize;         // 86
constexpr std::size_t kRepOffVersionNo = kRepOffSigner + kSignerSize;                // 118
constexpr std::size_t kRepOffDataLen = kRepOffVersionNo + 4;                         // 122
constexpr std::size_t kRepOffData = kRepOffDataLen + 1;                              // 123
constexpr std::size_t kRepOffKey = kRepOffData + kMaxReportData;                     // 187
constexpr std::size_t kRepOffSig = kRepOffKey + kPlatformPublicKeySize;              // 219
constexpr std::size_t kReportSize = kRepOffSig + crypto_sign_BYTES;                  // 283

std::string errno_text() { return std::strerror(errno); }

Error io_error(const std::filesystem::path& p, std::string_view what) {
  return make_error(Errc::Io, std::string(what) + " " + p.string() + ": " + errno_text());
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// Reads exactly out.size() bytes from fd.
bool read_exact(int fd, std::span<std::uint8_t> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(fd, out.data() + got, out.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

Result<void> read_secret(const std::filesystem::path& p, Secret<kPlatformSecretSize>& out) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return io_error(p, "cannot open platform secret");
  struct stat st {};
  Result<void> r = ok();
  if (::fstat(fd, &st) != 0) {
    r = io_error(p, "cannot stat platform secret");
  } else if (!S_ISREG(st.st_mode)) {
    r = make_error(Errc::InsecureFile, "platform secret " + p.string() + " is not a regular file");
  } else if ((st.st_mode & 077) != 0) {
    r = make_error(Errc::InsecureFile, "platform secret " + p.string() + " has mode " +
                                           mode_text(st.st_mode) +
                                           "; it must be accessible by its owner only (0600)");
  } else if (st.st_size != static_cast<off_t>(kPlatformSecretSize)) {
    r = make_error(Errc::InsecureFile, "platform secret " + p.string() + " is " +
                                           std::to_string(st.st_size) + " bytes, expected " +
                                           std::to_string(kPlatformSecretSize));
  } else if (!read_exact(fd, out.mut())) {
    r = io_error(p, "cannot read platform secret");
  }
  ::close(fd);
  return r;
}

// Creates the secret file (mode 0600, O_EXCL). Returns false in `created` when it already exists.
Result<bool> create_secret(const std::filesystem::path& p, Rng& rng,
                           Secret<kPlatformSecretSize>& out) {
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    return io_error(p, "cannot create platform secret");
  }
  Result<void> r = rng.random(out.mut());
  if (r.ok() && (::fchmod(fd, 0600) != 0 ||
                 ::write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size()) ||
                 ::fsync(fd) != 0)) {
    r = io_error(p, "cannot write platform secret");
  }
  ::close(fd);
  if (!r.ok()) {
    ::unlink(p.c_str());
    return std::move(r).error();
  }
  return true;
}

Result<void> load_or_create_secret(const std::filesystem::path& p,
                                   Secret<kPlatformSecretSize>& out) {
  if (p.empty()) return make_error(Errc::InvalidArgument, "platform secret path is empty");
  SystemRng rng;
  const bool created = EV_TRY(create_secret(p, rng, out));
  if (created) return ok();
  return read_secret(p, out);
}

Measurement default_signer() {
  Measurement m{};
  const auto h = sha256(as_bytes(kDefaultSigner));
  std::copy(h.begin(), h.end(), m.begin());
  return m;
}

std::string hex_of(ByteSpan b) { return to_hex(b, false); }

}  // namespace

Result<Measurement> measure_file(const std::filesystem::path& path) {
  auto h = sha384_file(path);
  if (!h) {
    return make_error(is(h.error(), CommonErrc::Io) ? Errc::Io : Errc::Crypto,
                      "measuring " + h.error().message);
  }
  return *h;
}

Result<std::unique_ptr<SimulatedPlatform>> SimulatedPlatform::create(
    const SimulatedPlatformOptions& options) {
  Identity id;
  if (options.measurement) {
    id.measurement = *options.measurement;
  } else {
    id.measurement = EV_TRY(measure_file(options.measured_file.value_or("/proc/self/exe")));
  }
  if (options.signer) {
    id.signer = *options.signer;
  } else {
    const Measurement s = default_signer();
    std::copy_n(s.begin(), kSignerSize, id.signer.begin());
  }
  id.version = options.version;
  Secret<kPlatformSecretSize> secret;
  EV_TRY(load_or_create_secret(options.secret_path, secret));
  std::unique_ptr<SimulatedPlatform> p(new SimulatedPlatform(id, secret));
  Secret<32> seed;
  EV_TRY(detail::hkdf_sha256(secret.view(), {}, as_bytes(kAttestInfo), seed.mut()));
  if (crypto_sign_seed_keypair(p->public_key_.data(), p->signing_key_.data(), seed.data()) != 0) {
    return make_error(Errc::Crypto, "ed25519 key pair from the platform secret");
  }
  return p;
}

SimulatedPlatform::SimulatedPlatform(Identity identity, const Secret<kPlatformSecretSize>& secret)
    : identity_(identity), secret_(secret) {}

Measurement SimulatedPlatform::measurement() const { return identity_.measurement; }
Identity SimulatedPlatform::identity() const { return identity_; }

Result<void> SimulatedPlatform::random(std::span<std::uint8_t> out) {
  SystemRng rng;
  return rng.random(out);
}

namespace {

// The sealing key for one blob: HKDF(platform secret, salt, info ‖ header fields).
Result<Secret<32>> seal_key(const Secret<kPlatformSecretSize>& secret, const SealedBlobView& v) {
  Bytes info(kSealInfo.begin(), kSealInfo.end());
  info.push_back(static_cast<std::uint8_t>(v.kind));
  append(info, v.binding);
  std::uint8_t floor[4];
  detail::put_u32le(floor, v.version_floor);
  append(info, floor);
  Secret<32> key;
  EV_TRY(detail::hkdf_sha256(secret.view(), v.salt, info, key.mut()));
  return key;
}

}  // namespace

Result<Bytes> SimulatedPlatform::seal(const SealPolicy& policy, ByteSpan plaintext, ByteSpan aad) {
  if (plaintext.size() > kMaxSealedPlaintext) {
    return make_error(Errc::InvalidArgument, "sealed payload larger than 64 KiB");
  }
  SealedBlobView v;
  v.kind = policy.kind;
  if (policy.kind == SealKind::kMeasurement) {
    v.binding = identity_.measurement;
  } else if (policy.kind == SealKind::kSigner) {
    if (policy.version_floor > identity_.version) {
      return make_error(Errc::InvalidArgument, "version floor " +
                                                   std::to_string(policy.version_floor) +
                                                   " is above this enclave's version " +
                                                   std::to_string(identity_.version));
    }
    std::copy(identity_.signer.begin(), identity_.signer.end(), v.binding.begin());
    v.version_floor = policy.version_floor;
  } else {
    return make_error(Errc::InvalidArgument, "unknown sealing policy");
  }
  EV_TRY(random(v.salt));
  EV_TRY(random(v.nonce));
  Bytes out(kSealHeaderSize + plaintext.size() + kSealTagSize);
  const std::uint8_t magic[4] = {'E', 'V', 'S', 'B'};
  std::copy_n(magic, 4, out.begin());
  out[4] = 1;
  out[5] = static_cast<std::uint8_t>(v.kind);
  std::copy(v.binding.begin(), v.binding.end(), out.begin() + 6);
  detail::put_u32le(out.data() + 54, v.version_floor);
  std::copy(v.salt.begin(), v.salt.end(), out.begin() + 58);
  std::copy(v.nonce.begin(), v.nonce.end(), out.begin() + 74);
  const Secret<32> key = EV_TRY(seal_key(secret_, v));
  const ByteSpan header(out.data(), kSealHeaderSize);
  std::span<std::uint8_t> body(out.data() + kSealHeaderSize, plaintext.size());
  std::span<std::uint8_t> tag(out.data() + kSealHeaderSize + plaintext.size(), kSealTagSize);
  EV_TRY(detail::gcm_encrypt(key.view(), v.nonce, {header, aad}, plaintext, body, tag));
  return out;
}

namespace {

Result<void> check_policy(const Identity& me, const SealPolicy& accept, const SealedBlobView& v) {
  if (v.kind == SealKind::kMeasurement) {
    if (v.binding == me.measurement) return ok();
    return make_error(Errc::PolicyRefused, "sealed to measurement " + hex_of(v.binding) +
                                               ", this enclave's measurement is " +
                                               hex_of(me.measurement));
  }
  if (accept.kind != SealKind::kSigner) {
    return make_error(Errc::PolicyRefused,
                      "sealed under the same-signer policy, but the this-measurement-only "
                      "policy is required");
  }
  if (v.signer() != me.signer) {
    return make_error(Errc::PolicyRefused, "sealed by signer " + hex_of(v.signer()) +
                                               ", this enclave's signer is " + hex_of(me.signer));
  }
  if (v.version_floor > me.version) {
    return make_error(Errc::PolicyRefused,
                      "sealed for security version >= " + std::to_string(v.version_floor) +
                          ", this enclave is version " + std::to_string(me.version));
  }
  if (v.version_floor < accept.version_floor) {
    return make_error(Errc::PolicyRefused,
                      "sealed with version floor " + std::to_string(v.version_floor) +
                          ", below the required floor " + std::to_string(accept.version_floor));
  }
  return ok();
}

}  // namespace

Result<SecretBytes> SimulatedPlatform::unseal(const SealPolicy& accept, ByteSpan blob,
                                              ByteSpan aad) {
  const SealedBlobView v = EV_TRY(parse_sealed_blob(blob));
  EV_TRY(check_policy(identity_, accept, v));
  const Secret<32> key = EV_TRY(seal_key(secret_, v));
  SecretBytes out(v.ciphertext.size());
  EV_TRY_CTX("unsealing", detail::gcm_decrypt(key.view(), v.nonce, {v.header, aad}, v.ciphertext,
                                              v.tag, out.mut()));
  return out;
}

Result<Bytes> SimulatedPlatform::attest(ByteSpan report_data) {
  if (report_data.size() > kMaxReportData) {
    return make_error(
        Errc::InvalidArgument,
        "report data is " + std::to_string(report_data.size()) + " bytes, at most 64 allowed");
  }
  Bytes r(kReportSize, 0);
  std::copy_n(kReportMagic, sizeof kReportMagic, r.begin());
  r[kRepOffVersion] = kReportVersion;
  std::copy(kSimulatedMarker.begin(), kSimulatedMarker.end(), r.begin() + kRepOffMarker);
  std::copy(identity_.measurement.begin(), identity_.measurement.end(),
            r.begin() + kRepOffMeasurement);
  std::copy(identity_.signer.begin(), identity_.signer.end(), r.begin() + kRepOffSigner);
  detail::put_u32le(r.data() + kRepOffVersionNo, identity_.version);
  r[kRepOffDataLen] = static_cast<std::uint8_t>(report_data.size());
  std::copy(report_data.begin(), report_data.end(), r.begin() + kRepOffData);
  std::copy(public_key_.begin(), public_key_.end(), r.begin() + kRepOffKey);
  if (crypto_sign_detached(r.data() + kRepOffSig, nullptr, r.data(), kRepOffSig,
                           signing_key_.data()) != 0) {
    return make_error(Errc::Crypto, "ed25519 signature of the attestation report");
  }
  return r;
}

Result<SimulatedReport> verify_simulated_report(ByteSpan report,
                                                const PlatformPublicKey& trusted_key) {
  auto bad = [](std::size_t off, std::string_view why) {
    return make_error(Errc::Malformed, "attestation report: at offset " + std::to_string(off) +
                                           ": " + std::string(why));
  };
  if (report.size() != kReportSize) {
    return bad(
        std::min(report.size(), kReportSize),
        "size " + std::to_string(report.size()) + ", expected " + std::to_string(kReportSize));
  }
  if (std::memcmp(report.data(), kReportMagic, sizeof kReportMagic) != 0) return bad(0, "magic");
  if (report[kRepOffVersion] != kReportVersion) {
    return make_error(Errc::Unsupported,
                      "attestation report version " + std::to_string(report[kRepOffVersion]));
  }
  if (std::memcmp(report.data() + kRepOffMarker, kSimulatedMarker.data(),
                  kSimulatedMarker.size()) != 0) {
    return bad(kRepOffMarker, "missing the simulated marker");
  }
  const std::size_t len = report[kRepOffDataLen];
  if (len > kMaxReportData) return bad(kRepOffDataLen, "report data length above 64");
  for (std::size_t i = kRepOffData + len; i < kRepOffKey; ++i) {
    if (report[i] != 0) return bad(i, "non-zero report data padding");
  }
  if (!std::equal(trusted_key.begin(), trusted_key.end(), report.begin() + kRepOffKey)) {
    return make_error(Errc::AuthFailed, "attestation report is signed by platform key " +
                                            hex_of(report.subspan(kRepOffKey, 32)) +
                                            ", not the trusted " + hex_of(trusted_key));
  }
  if (crypto_sign_verify_detached(report.data() + kRepOffSig, report.data(), kRepOffSig,
                                  trusted_key.data()) != 0) {
    return make_error(Errc::AuthFailed, "attestation report signature does not verify");
  }
  SimulatedReport out;
  std::copy_n(report.begin() + kRepOffMeasurement, kMeasurementSize,
              out.identity.measurement.begin());
  std::copy_n(report.begin() + kRepOffSigner, kSignerSize, out.identity.signer.begin());
  out.identity.version = detail::get_u32le(report.data() + kRepOffVersionNo);
  out.report_data.assign(report.begin() + kRepOffData,
                         report.begin() + static_cast<std::ptrdiff_t>(kRepOffData + len));
  out.platform_key = trusted_key;
  return out;
}

}  // namespace ev::enclave
