// AMD SEV-SNP through /dev/sev-guest (Linux uapi linux/sev-guest.h): SNP_GET_EXT_REPORT with a
// certificate buffer, SNP_GET_REPORT when the host offers no certificates; and the certificate
// table format shared with configfs-tsm's auxblob. docs/attestation.md, "Platform backends".
#include <sys/ioctl.h>
// sys/ioctl.h first: the uapi header uses its _IOWR.
#include <linux/sev-guest.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "crypto_internal.hpp"
#include "ev/enclave/errors.hpp"
#include "ev/enclave/hardware_platform.hpp"

namespace ev::enclave {
namespace {

constexpr std::size_t kReportSize = 1184;
constexpr std::size_t kRespHeader = 32;
constexpr std::size_t kEntrySize = 24;
constexpr std::size_t kMaxEntries = 64;
constexpr std::size_t kPage = 4096;
constexpr std::size_t kCertsStart = 4 * kPage;
constexpr std::size_t kCertsMax = 64 * kPage;
constexpr std::uint8_t kMsgVersion = 1;

using Guid = std::array<std::uint8_t, 16>;
// GHCB specification, "SNP Extended Guest Request": the certificate GUIDs, in the byte order
// of their string form.
constexpr Guid kVcekGuid = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                            0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
constexpr Guid kAskGuid = {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                           0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82};
constexpr Guid kArkGuid = {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                           0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae};

Error malformed(std::string_view what, std::string_view why) {
  return make_error(Errc::Malformed, std::string(what) + ": " + std::string(why));
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

Error ioctl_error(const char* name, int err, std::uint64_t exitinfo2) {
  return make_error(Errc::Device,
                    std::string(name) + ": " + std::strerror(err) + " (firmware error " +
                        hex32(static_cast<std::uint32_t>(exitinfo2)) + ", VMM error " +
                        hex32(static_cast<std::uint32_t>(exitinfo2 >> 32)) + ")");
}

class SevGuestSource final : public ReportSource {
 public:
  explicit SevGuestSource(std::unique_ptr<IoctlDevice> dev) : dev_(std::move(dev)) {}

  Result<Identity> identity() override {
    const Bytes zero(64, 0);
    const Bytes report = EV_TRY(plain_report(zero));
    return EV_TRY(snp_report_fields(report)).identity;
  }

  Result<Bytes> evidence(ByteSpan report_data) override {
    Bytes want(64, 0);
    std::copy(report_data.begin(), report_data.end(), want.begin());
    SnpCertificates certs;
    auto ext = extended_report(want, certs);
    const Bytes report = ext ? std::move(ext).value() : EV_TRY(plain_report(want));
    const ReportFields f = EV_TRY(snp_report_fields(report));
    if (f.report_data != want) {
      return make_error(Errc::Device, "the report carries other report data than requested");
    }
    return as_bytes_of(snp_evidence_bundle(report, certs));
  }

 private:
  static Bytes as_bytes_of(const std::string& s) { return Bytes(s.begin(), s.end()); }

  static snp_report_req request_for(ByteSpan want) {
    snp_report_req req{};
    std::copy(want.begin(), want.end(), std::begin(req.user_data));
    req.vmpl = 0;
    return req;
  }

  Result<Bytes> plain_report(ByteSpan want) {
    snp_report_req req = request_for(want);
    snp_report_resp resp{};
    snp_guest_request_ioctl io{};
    io.msg_version = kMsgVersion;
    io.req_data = reinterpret_cast<std::uintptr_t>(&req);
    io.resp_data = reinterpret_cast<std::uintptr_t>(&resp);
    const int err = dev_->call(SNP_GET_REPORT, &io);
    if (err != 0) return ioctl_error("SNP_GET_REPORT", err, io.exitinfo2);
    return parse_snp_report_response(ByteSpan(resp.data, sizeof resp.data));
  }

  // The report and the host's certificates; an error when the host offers none this way.
  Result<Bytes> extended_report(ByteSpan want, SnpCertificates& certs) {
    Bytes buf(kCertsStart, 0);
    for (int attempt = 0; attempt < 2; ++attempt) {
      snp_ext_report_req ext{};
      ext.data = request_for(want);
      ext.certs_address = reinterpret_cast<std::uintptr_t>(buf.data());
      ext.certs_len = static_cast<std::uint32_t>(buf.size());
      snp_report_resp resp{};
      snp_guest_request_ioctl io{};
      io.msg_version = kMsgVersion;
      io.req_data = reinterpret_cast<std::uintptr_t>(&ext);
      io.resp_data = reinterpret_cast<std::uintptr_t>(&resp);
      const int err = dev_->call(SNP_GET_EXT_REPORT, &io);
      if (err == 0) {
        certs = EV_TRY_CTX("certificate table", parse_snp_cert_table(buf));
        return parse_snp_report_response(ByteSpan(resp.data, sizeof resp.data));
      }
      const auto vmm = static_cast<std::uint32_t>(io.exitinfo2 >> 32);
      if (err != EINVAL || vmm != SNP_GUEST_VMM_ERR_INVALID_LEN || ext.certs_len <= buf.size() ||
          ext.certs_len > kCertsMax) {
        return ioctl_error("SNP_GET_EXT_REPORT", err, io.exitinfo2);
      }
      buf.assign((ext.certs_len + kPage - 1) / kPage * kPage, 0);  // the size the host asks for
    }
    return make_error(Errc::Device, "SNP_GET_EXT_REPORT: the certificate size keeps changing");
  }

  std::unique_ptr<IoctlDevice> dev_;
};

}  // namespace

Result<SnpCertificates> parse_snp_cert_table(ByteSpan table) {
  SnpCertificates out;
  for (std::size_t i = 0;; ++i) {
    const std::size_t off = i * kEntrySize;
    if (i >= kMaxEntries || table.size() - std::min(off, table.size()) < kEntrySize) {
      return malformed("snp certificate table", "no terminating entry");
    }
    Guid guid{};
    std::copy_n(table.begin() + static_cast<std::ptrdiff_t>(off), 16, guid.begin());
    const std::uint32_t at = detail::get_u32le(table.data() + off + 16);
    const std::uint32_t len = detail::get_u32le(table.data() + off + 20);
    if (guid == Guid{} && at == 0 && len == 0) break;
    if (at > table.size() || len > table.size() - at || len == 0) {
      return malformed("snp certificate table",
                       "entry " + std::to_string(i) + " points outside the table");
    }
    Bytes* slot = guid == kVcekGuid  ? &out.vcek
                  : guid == kAskGuid ? &out.ask
                  : guid == kArkGuid ? &out.ark
                                     : nullptr;
    if (slot == nullptr) continue;  // VLEK, platform information: not used by the verifier
    if (!slot->empty()) {
      return malformed("snp certificate table", "entry " + std::to_string(i) + " repeats a GUID");
    }
    slot->assign(table.begin() + at, table.begin() + at + len);
  }
  return out;
}

Result<Bytes> parse_snp_report_response(ByteSpan response) {
  if (response.size() < kRespHeader) return malformed("MSG_REPORT_RSP", "shorter than its header");
  const std::uint32_t status = detail::get_u32le(response.data());
  if (status != 0) {
    return make_error(Errc::Device, "MSG_REPORT_RSP status " + hex32(status) +
                                        (status == 0x16 ? " (invalid parameters)" : ""));
  }
  const std::uint32_t size = detail::get_u32le(response.data() + 4);
  if (size != kReportSize || response.size() - kRespHeader < size) {
    return malformed("MSG_REPORT_RSP", "report size " + std::to_string(size) + ", expected 1184");
  }
  return Bytes(response.begin() + kRespHeader, response.begin() + kRespHeader + kReportSize);
}

std::unique_ptr<ReportSource> sev_guest_source(std::unique_ptr<IoctlDevice> dev) {
  return std::make_unique<SevGuestSource>(std::move(dev));
}

}  // namespace ev::enclave
