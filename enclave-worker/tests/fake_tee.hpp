// Fake TEE devices for the hardware platform tests: each answers the backend's real requests
// with recorded documents, the way the device would, and keeps what it was asked.
#pragma once

#include <cbor.h>
#include <sys/ioctl.h>
// sys/ioctl.h first: the uapi header uses its _IOWR.
#include <linux/sev-guest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>

#include "ev/enclave/hardware_platform.hpp"

namespace ev::enclave::test {

inline void put_u32(Bytes& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// CBOR encoding helpers (an independent encoder: the device side of the NSM protocol).
inline void cbor_head(Bytes& out, std::uint8_t major, std::size_t n) {
  const auto m = static_cast<std::uint8_t>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<std::uint8_t>(m | n));
  } else if (n < 256) {
    out.insert(out.end(), {static_cast<std::uint8_t>(m | 24), static_cast<std::uint8_t>(n)});
  } else {
    out.insert(out.end(), {static_cast<std::uint8_t>(m | 25), static_cast<std::uint8_t>(n >> 8),
                           static_cast<std::uint8_t>(n)});
  }
}
inline void cbor_text(Bytes& out, std::string_view s) {
  cbor_head(out, 3, s.size());
  out.insert(out.end(), s.begin(), s.end());
}
inline void cbor_bytes(Bytes& out, ByteSpan b) {
  cbor_head(out, 2, b.size());
  out.insert(out.end(), b.begin(), b.end());
}

// /dev/nsm: decodes each NSM_IOCTL_RAW request with libcbor and answers Attestation with
// `document`, DescribePCR 0 with `pcr0`.
class FakeNsm final : public IoctlDevice {
 public:
  Bytes document;
  Bytes pcr0;
  std::optional<Bytes> forced_response;  // answered to every request instead
  int fail_errno = 0;
  bool overstate_length = false;
  std::vector<Bytes> requests;
  std::optional<Bytes> last_user_data;  // of the last Attestation request (empty when null)

  int call(unsigned long request, void* arg) override {
    struct Iov {
      std::uint64_t addr, len;
    };
    struct Raw {
      Iov req, resp;
    };
    if (request != _IOWR(0x0A, 0, Raw)) return ENOTTY;
    auto* raw = static_cast<Raw*>(arg);
    const auto* q = reinterpret_cast<const std::uint8_t*>(raw->req.addr);  // NOLINT
    requests.emplace_back(q, q + raw->req.len);
    if (fail_errno != 0) return fail_errno;
    const Bytes answer = forced_response ? *forced_response : respond(requests.back());
    if (answer.size() > raw->resp.len) return EMSGSIZE;
    std::memcpy(reinterpret_cast<void*>(raw->resp.addr), answer.data(), answer.size());  // NOLINT
    raw->resp.len = overstate_length ? raw->resp.len + 1 : answer.size();
    return 0;
  }

 private:
  Bytes respond(const Bytes& req) {
    cbor_load_result r{};
    cbor_item_t* root = cbor_load(req.data(), req.size(), &r);
    Bytes out;
    cbor_head(out, 5, 1);
    if (root == nullptr || !cbor_isa_map(root) || cbor_map_size(root) != 1) {
      cbor_text(out, "Error");
      cbor_text(out, "InvalidArgument");
      if (root != nullptr) cbor_decref(&root);
      return out;
    }
    cbor_pair& p = cbor_map_handle(root)[0];
    const std::string name(reinterpret_cast<const char*>(cbor_string_handle(p.key)),
                           cbor_string_length(p.key));
    if (name == "Attestation") {
      for (std::size_t i = 0; i < cbor_map_size(p.value); ++i) {
        cbor_pair& f = cbor_map_handle(p.value)[i];
        if (std::string_view(reinterpret_cast<const char*>(cbor_string_handle(f.key)),
                             cbor_string_length(f.key)) != "user_data") {
          continue;
        }
        last_user_data =
            cbor_is_null(f.value)
                ? Bytes{}
                : Bytes(cbor_bytestring_handle(f.value),
                        cbor_bytestring_handle(f.value) + cbor_bytestring_length(f.value));
      }
      cbor_text(out, "Attestation");
      cbor_head(out, 5, 1);
      cbor_text(out, "document");
      cbor_bytes(out, document);
    } else if (name == "DescribePCR") {
      cbor_text(out, "DescribePCR");
      cbor_head(out, 5, 2);
      cbor_text(out, "lock");
      out.push_back(0xf5);  // true
      cbor_text(out, "data");
      cbor_bytes(out, pcr0);
    } else {
      cbor_text(out, "Error");
      cbor_text(out, "InvalidOperation");
    }
    cbor_decref(&root);
    return out;
  }
};

// An SNP certificate table holding the given DER certificates (VCEK, ASK, ARK when non-empty).
inline Bytes snp_cert_table(const Bytes& vcek, const Bytes& ask, const Bytes& ark) {
  static constexpr std::uint8_t kGuids[3][16] = {{0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
                                                  0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd},
                                                 {0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
                                                  0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82},
                                                 {0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
                                                  0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae}};
  const Bytes* certs[3] = {&vcek, &ask, &ark};
  std::size_t n = 0;
  for (const Bytes* c : certs) n += c->empty() ? 0 : 1;
  Bytes t((n + 1) * 24, 0);
  std::size_t entry = 0;
  for (int i = 0; i < 3; ++i) {
    if (certs[i]->empty()) continue;
    std::copy_n(kGuids[i], 16, t.begin() + static_cast<std::ptrdiff_t>(entry * 24));
    put_u32(t, entry * 24 + 16, static_cast<std::uint32_t>(t.size()));
    put_u32(t, entry * 24 + 20, static_cast<std::uint32_t>(certs[i]->size()));
    t.insert(t.end(), certs[i]->begin(), certs[i]->end());
    ++entry;
  }
  return t;
}

// /dev/sev-guest: SNP_GET_REPORT and SNP_GET_EXT_REPORT answered with `report` and `certs`.
class FakeSevGuest final : public IoctlDevice {
 public:
  Bytes report;
  Bytes certs;  // the certificate table
  std::uint32_t min_certs_len =
      0;  // ask for a larger buffer below this (SNP_GUEST_VMM_ERR_INVALID_LEN)
  bool ext_unsupported = false;
  std::uint32_t status = 0;
  std::vector<Bytes> user_data;  // of each request
  int ext_calls = 0;

  int call(unsigned long request, void* arg) override {
    auto* io = static_cast<snp_guest_request_ioctl*>(arg);
    if (io->msg_version != 1) return EINVAL;
    if (request == SNP_GET_EXT_REPORT) {
      ++ext_calls;
      if (ext_unsupported) {
        io->exitinfo2 = 0;
        return EIO;
      }
      auto* ext = reinterpret_cast<snp_ext_report_req*>(io->req_data);  // NOLINT
      const std::uint32_t need = std::max<std::uint32_t>(
          min_certs_len, static_cast<std::uint32_t>((certs.size() + 4095) / 4096 * 4096));
      if (ext->certs_len < need) {
        ext->certs_len = need;
        io->exitinfo2 = std::uint64_t{SNP_GUEST_VMM_ERR_INVALID_LEN} << 32;
        return EINVAL;
      }
      std::memcpy(reinterpret_cast<void*>(ext->certs_address), certs.data(),
                  certs.size());  // NOLINT
      return answer(ext->data, io);
    }
    if (request == SNP_GET_REPORT) {
      return answer(*reinterpret_cast<snp_report_req*>(io->req_data), io);  // NOLINT
    }
    return ENOTTY;
  }

 private:
  int answer(const snp_report_req& req, snp_guest_request_ioctl* io) {
    user_data.emplace_back(std::begin(req.user_data), std::end(req.user_data));
    auto* resp = reinterpret_cast<snp_report_resp*>(io->resp_data);  // NOLINT
    Bytes r(sizeof resp->data, 0);
    put_u32(r, 0, status);
    put_u32(r, 4, static_cast<std::uint32_t>(report.size()));
    std::copy(report.begin(), report.end(), r.begin() + 32);
    std::memcpy(resp->data, r.data(), r.size());
    io->exitinfo2 = 0;
    return 0;
  }
};

// A configfs-tsm report directory on a real temporary directory, with the kernel's part played
// here: a new entry gets generation 0 and its provider; writing inblob bumps the generation and
// makes outblob (and auxblob) the recorded blobs. `disturb` readings of outblob first see
// another writer's inblob (the generation moves on).
class FakeTsm final : public SystemFiles {
 public:
  std::string provider = "sev_guest";
  Bytes outblob;
  Bytes auxblob;
  int disturb = 0;
  std::vector<Bytes> inblobs;
  int entries_made = 0;
  int entries_removed = 0;

  Result<void> make_dir(const std::filesystem::path& p) override {
    EV_TRY(SystemFiles::make_dir(p));
    ++entries_made;
    EV_TRY(SystemFiles::write(p / "generation", as_bytes("0\n")));
    return SystemFiles::write(p / "provider", as_bytes(provider + "\n"));
  }
  Result<void> remove_dir(const std::filesystem::path& p) override {
    std::filesystem::remove_all(p);
    ++entries_removed;
    return ok();
  }
  Result<Bytes> read(const std::filesystem::path& p, std::size_t max) override {
    if (p.filename() == "outblob" && disturb > 0) {
      --disturb;
      EV_TRY(bump(p.parent_path()));
    }
    return SystemFiles::read(p, max);
  }
  Result<void> write(const std::filesystem::path& p, ByteSpan data) override {
    EV_TRY(SystemFiles::write(p, data));
    if (p.filename() != "inblob") return ok();
    inblobs.emplace_back(data.begin(), data.end());
    EV_TRY(bump(p.parent_path()));
    EV_TRY(replace(p.parent_path() / "outblob", outblob));
    return replace(p.parent_path() / "auxblob", auxblob);
  }

 private:
  Result<void> replace(const std::filesystem::path& p, ByteSpan data) {
    std::filesystem::remove(p);
    return SystemFiles::write(p, data);
  }
  Result<void> bump(const std::filesystem::path& entry) {
    const Bytes g = EV_TRY(SystemFiles::read(entry / "generation", 64));
    const std::uint64_t v = EV_TRY(parse_tsm_generation(g));
    return replace(entry / "generation", as_bytes(std::to_string(v + 1) + "\n"));
  }
};

}  // namespace ev::enclave::test
