// Intel DCAP ECDSA quotes v3/v4/v5 (SGX enclave reports, TD reports 1.0 and 1.5): the quote
// signature by the attestation key, the QE report signed by the PCK certificate and binding the
// attestation key, the PCK chain to the pinned Intel SGX Root CA with CRLs, and the TCB info and
// QE identity collateral (signatures, validity, status) at a given time.
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <nlohmann/json.hpp>

#include "crypto_internal.hpp"
#include "ev/attestation/roots.hpp"
#include "ev/attestation/verify.hpp"
#include "ev/common/digest.hpp"

namespace ev::attestation {
namespace {

using detail::fail;
using Json = nlohmann::json;

constexpr std::size_t kHeaderSize = 48;
constexpr std::size_t kSgxBodySize = 384;
constexpr std::size_t kTd10BodySize = 584;
constexpr std::size_t kTd15BodySize = 648;
constexpr std::uint32_t kTeeSgx = 0x00;
constexpr std::uint32_t kTeeTdx = 0x81;
constexpr std::array<std::uint8_t, 16> kIntelQeVendor{
    0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

// SGX report body offsets.
constexpr std::size_t kSgxMiscSelect = 16;
constexpr std::size_t kSgxAttributes = 48;
constexpr std::size_t kSgxMrEnclave = 64;
constexpr std::size_t kSgxMrSigner = 128;
constexpr std::size_t kSgxIsvProdId = 256;
constexpr std::size_t kSgxIsvSvn = 258;
constexpr std::size_t kSgxReportData = 320;
// TD report offsets.
constexpr std::size_t kTdTeeTcbSvn = 0;
constexpr std::size_t kTdMrSignerSeam = 64;
constexpr std::size_t kTdSeamAttributes = 112;
constexpr std::size_t kTdAttributes = 120;
constexpr std::size_t kTdMrTd = 136;
constexpr std::size_t kTdRtmr0 = 328;
constexpr std::size_t kTdReportData = 520;

// A bounds-checked reader over the quote.
class Reader {
 public:
  Reader(ByteSpan in, std::size_t pos, std::size_t end) : in_(in), pos_(pos), end_(end) {}
  Result<ByteSpan> take(std::size_t n, std::string_view what) {
    if (n > end_ - pos_) {
      return fail(Errc::Truncated, "dcap quote",
                  std::string(what) + " needs " + std::to_string(n) + " bytes at offset " +
                      std::to_string(pos_) + ", " + std::to_string(end_ - pos_) + " left");
    }
    ByteSpan out = in_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  Result<std::uint16_t> u16(std::string_view what) {
    ByteSpan b = EV_TRY(take(2, what));
    return detail::le16(b.data());
  }
  Result<std::uint32_t> u32(std::string_view what) {
    ByteSpan b = EV_TRY(take(4, what));
    return detail::le32(b.data());
  }
  [[nodiscard]] std::size_t pos() const { return pos_; }

 private:
  ByteSpan in_;
  std::size_t pos_;
  std::size_t end_;
};

struct Quote {
  std::uint16_t version = 0;
  bool tdx = false;
  ByteSpan signed_part;  // header and body
  ByteSpan body;
  ByteSpan signature, attest_key, qe_report, qe_report_sig, qe_auth;
  std::string pck_pem;
  std::size_t trailing_zeros = 0;
};

Result<Quote> parse_quote(ByteSpan q) {
  Quote out;
  Reader rd(q, 0, q.size());
  ByteSpan header = EV_TRY(rd.take(kHeaderSize, "header"));
  out.version = detail::le16(header.data());
  const std::uint16_t key_type = detail::le16(header.data() + 2);
  const std::uint32_t tee = detail::le32(header.data() + 4);
  if (out.version < 3 || out.version > 5) {
    return fail(Errc::Unsupported, "dcap quote", "version " + std::to_string(out.version));
  }
  if (key_type != 2) {
    return fail(Errc::Unsupported, "dcap quote",
                "attestation key type " + std::to_string(key_type) + ", not ECDSA P-256");
  }
  if (out.version == 3 && tee != 0) return fail(Errc::Malformed, "dcap quote", "v3 reserved bytes");
  if (tee != kTeeSgx && tee != kTeeTdx) {
    return fail(Errc::Unsupported, "dcap quote", "TEE type " + std::to_string(tee));
  }
  out.tdx = tee == kTeeTdx;
  if (!std::equal(kIntelQeVendor.begin(), kIntelQeVendor.end(), header.begin() + 12)) {
    return fail(Errc::Unsupported, "dcap quote", "QE vendor is not Intel");
  }
  std::size_t body_size = out.tdx ? kTd10BodySize : kSgxBodySize;
  if (out.version == 5) {
    const std::uint16_t type = EV_TRY(rd.u16("body type"));
    const std::uint32_t size = EV_TRY(rd.u32("body size"));
    const std::size_t want = type == 1   ? kSgxBodySize
                             : type == 2 ? kTd10BodySize
                             : type == 3 ? kTd15BodySize
                                         : 0;
    if (want == 0 || size != want || (type == 1) == out.tdx) {
      return fail(Errc::Malformed, "dcap quote",
                  "v5 body type " + std::to_string(type) + " size " + std::to_string(size));
    }
    body_size = want;
  }
  out.body = EV_TRY(rd.take(body_size, "report body"));
  out.signed_part = q.first(rd.pos());
  const std::uint32_t sig_len = EV_TRY(rd.u32("signature data length"));
  ByteSpan sig_data = EV_TRY(rd.take(sig_len, "signature data"));
  const std::size_t end = rd.pos();
  for (std::size_t i = end; i < q.size(); ++i) {
    if (q[i] != 0) {
      return fail(Errc::TrailingData, "dcap quote",
                  std::to_string(q.size() - end) + " bytes after the signature data, not all zero");
    }
  }
  out.trailing_zeros = q.size() - end;

  Reader sd(sig_data, 0, sig_data.size());
  out.signature = EV_TRY(sd.take(64, "quote signature"));
  out.attest_key = EV_TRY(sd.take(64, "attestation key"));
  Reader inner = sd;
  std::size_t inner_end = sig_data.size();
  if (out.version >= 4) {
    const std::uint16_t type = EV_TRY(sd.u16("certification data type"));
    const std::uint32_t size = EV_TRY(sd.u32("certification data size"));
    if (type != 6) {
      return fail(Errc::Unsupported, "dcap quote",
                  "certification data type " + std::to_string(type) + ", not QE report (6)");
    }
    EV_TRY(sd.take(size, "QE report certification data"));
    if (sd.pos() != sig_data.size()) {
      return fail(Errc::Malformed, "dcap quote", "bytes after the certification data");
    }
    inner_end = sig_data.size();
    inner = Reader(sig_data, sd.pos() - size, inner_end);
  }
  out.qe_report = EV_TRY(inner.take(kSgxBodySize, "QE report"));
  out.qe_report_sig = EV_TRY(inner.take(64, "QE report signature"));
  const std::uint16_t auth_len = EV_TRY(inner.u16("QE authentication data size"));
  out.qe_auth = EV_TRY(inner.take(auth_len, "QE authentication data"));
  const std::uint16_t cert_type = EV_TRY(inner.u16("PCK certification data type"));
  const std::uint32_t cert_size = EV_TRY(inner.u32("PCK certification data size"));
  if (cert_type != 5) {
    return fail(
        Errc::Unsupported, "dcap quote",
        "PCK certification data type " + std::to_string(cert_type) + ", not a PEM chain (5)");
  }
  ByteSpan pem = EV_TRY(inner.take(cert_size, "PCK certificate chain"));
  if (inner.pos() != inner_end) {
    return fail(Errc::Malformed, "dcap quote", "bytes after the PCK certificate chain");
  }
  out.pck_pem.assign(pem.begin(), pem.end());
  while (!out.pck_pem.empty() && out.pck_pem.back() == '\0') out.pck_pem.pop_back();
  return out;
}

// Drops a trailing self-signed root from a chain after checking it is the pinned one.
Result<void> drop_root(std::vector<detail::X509Ptr>& certs, ByteSpan pinned,
                       std::string_view what) {
  if (certs.size() > 1 && X509_check_issued(certs.back().get(), certs.back().get()) == X509_V_OK) {
    if (detail::cert_der(certs.back().get()) != Bytes(pinned.begin(), pinned.end())) {
      return fail(Errc::WrongRoot, what,
                  detail::subject_cn(certs.back().get()) + " is not the pinned Intel SGX Root CA");
    }
    certs.pop_back();
  }
  return {};
}

using AsnSeq = STACK_OF(ASN1_TYPE);
struct SeqFree {
  void operator()(AsnSeq* s) const { sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free); }
};
using SeqPtr = std::unique_ptr<AsnSeq, SeqFree>;

SeqPtr parse_seq(const unsigned char* p, long len) {
  return SeqPtr(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, len));
}

std::string oid_text(const ASN1_TYPE* t) {
  if (t == nullptr || t->type != V_ASN1_OBJECT) return {};
  std::array<char, 64> buf{};
  OBJ_obj2txt(buf.data(), static_cast<int>(buf.size()), t->value.object, 1);
  return buf.data();
}

struct PckInfo {
  std::array<std::uint8_t, 16> cpu_svn{};
  std::uint16_t pce_svn = 0;
  Bytes fmspc;
  Bytes pce_id;
};

// The SGX extension (1.2.840.113741.1.13.1) of a PCK certificate.
Result<PckInfo> pck_info(X509* pck) {
  auto bad = [](std::string_view why) { return fail(Errc::Malformed, "pck sgx extension", why); };
  ASN1_OBJECT* obj = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
  const int idx = X509_get_ext_by_OBJ(pck, obj, -1);
  ASN1_OBJECT_free(obj);
  if (idx < 0) return bad("absent");
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(pck, idx));
  SeqPtr top = parse_seq(ASN1_STRING_get0_data(data), ASN1_STRING_length(data));
  if (!top) return bad("not a SEQUENCE");
  PckInfo out;
  bool have_tcb = false;
  for (int i = 0; i < sk_ASN1_TYPE_num(top.get()); ++i) {
    ASN1_TYPE* entry = sk_ASN1_TYPE_value(top.get(), i);
    if (entry->type != V_ASN1_SEQUENCE) return bad("entry not a SEQUENCE");
    SeqPtr kv = parse_seq(entry->value.sequence->data, entry->value.sequence->length);
    if (!kv || sk_ASN1_TYPE_num(kv.get()) != 2) return bad("entry not {oid, value}");
    const std::string oid = oid_text(sk_ASN1_TYPE_value(kv.get(), 0));
    ASN1_TYPE* v = sk_ASN1_TYPE_value(kv.get(), 1);
    if (oid == "1.2.840.113741.1.13.1.4" || oid == "1.2.840.113741.1.13.1.3") {
      if (v->type != V_ASN1_OCTET_STRING) return bad("FMSPC / PCE-ID not an OCTET STRING");
      Bytes b(
          ASN1_STRING_get0_data(v->value.octet_string),
          ASN1_STRING_get0_data(v->value.octet_string) + ASN1_STRING_length(v->value.octet_string));
      (oid.back() == '4' ? out.fmspc : out.pce_id) = std::move(b);
    } else if (oid == "1.2.840.113741.1.13.1.2") {
      if (v->type != V_ASN1_SEQUENCE) return bad("TCB not a SEQUENCE");
      SeqPtr comps = parse_seq(v->value.sequence->data, v->value.sequence->length);
      if (!comps) return bad("TCB not a SEQUENCE");
      for (int j = 0; j < sk_ASN1_TYPE_num(comps.get()); ++j) {
        ASN1_TYPE* c = sk_ASN1_TYPE_value(comps.get(), j);
        if (c->type != V_ASN1_SEQUENCE) return bad("TCB component");
        SeqPtr ckv = parse_seq(c->value.sequence->data, c->value.sequence->length);
        if (!ckv || sk_ASN1_TYPE_num(ckv.get()) != 2) return bad("TCB component");
        const std::string coid = oid_text(sk_ASN1_TYPE_value(ckv.get(), 0));
        ASN1_TYPE* cv = sk_ASN1_TYPE_value(ckv.get(), 1);
        const std::string prefix = "1.2.840.113741.1.13.1.2.";
        if (coid.rfind(prefix, 0) != 0) return bad("TCB component OID");
        const int n = std::atoi(coid.c_str() + prefix.size());
        if (n >= 1 && n <= 17) {
          if (cv->type != V_ASN1_INTEGER) return bad("TCB component not an INTEGER");
          const long val = ASN1_INTEGER_get(cv->value.integer);
          if (val < 0 || val > (n == 17 ? 0xffff : 0xff)) return bad("TCB component range");
          if (n == 17) {
            out.pce_svn = static_cast<std::uint16_t>(val);
          } else {
            out.cpu_svn[static_cast<std::size_t>(n - 1)] = static_cast<std::uint8_t>(val);
          }
          have_tcb = true;
        }
      }
    }
  }
  if (!have_tcb || out.fmspc.size() != 6) return bad("no TCB or FMSPC");
  return out;
}

Result<Bytes> hex_field(const Json& j, const char* key, std::string_view what) {
  if (!j.contains(key) || !j[key].is_string()) {
    return fail(Errc::Collateral, what, std::string("no \"") + key + "\"");
  }
  auto b = from_hex(j[key].get<std::string>());
  if (!b.ok()) return fail(Errc::Collateral, what, std::string("\"") + key + "\" not hex");
  return std::move(b).value();
}

Result<std::uint64_t> uint_field(const Json& j, const char* key, std::string_view what) {
  if (!j.contains(key) || !j[key].is_number_unsigned()) {
    return fail(Errc::Collateral, what, std::string("no unsigned \"") + key + "\"");
  }
  return j[key].get<std::uint64_t>();
}

// Verifies a signed collateral body: issuer chain to the pinned root (with the root CRL), the
// ECDSA P-256 signature, and the issueDate..nextUpdate window at `at`. Returns the parsed body.
Result<Json> signed_collateral(std::string_view what, const std::string& body, ByteSpan sig,
                               const std::string& chain_pem, ByteSpan pinned, X509* root,
                               X509_CRL* root_crl, std::int64_t at) {
  auto chain = EV_TRY(detail::parse_pem_certs(chain_pem, std::string(what) + " issuer chain"));
  EV_TRY(drop_root(chain, pinned, std::string(what) + " issuer chain"));
  std::vector<X509*> raw;
  raw.reserve(chain.size());
  for (auto& c : chain) raw.push_back(c.get());
  std::vector<X509_CRL*> crls;
  if (root_crl != nullptr) crls.push_back(root_crl);
  EV_TRY(detail::verify_chain(std::string(what) + " issuer chain", raw, root, pinned, at, crls));
  if (sig.size() != 64)
    return fail(Errc::Malformed, std::string(what) + " signature", "not 64 bytes");
  EVP_PKEY* key = X509_get0_pubkey(raw.front());
  if (key == nullptr ||
      !detail::ecdsa_verify(key, EVP_sha256(), as_bytes(body), sig.first(32), sig.subspan(32))) {
    return fail(Errc::BadSignature, std::string(what) + " signature",
                "does not verify with " + detail::subject_cn(raw.front()));
  }
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::Collateral, what, "not a JSON object");
  for (const char* k : {"issueDate", "nextUpdate"}) {
    if (!j.contains(k) || !j[k].is_string()) {
      return fail(Errc::Collateral, what, std::string("no ") + k);
    }
  }
  const std::int64_t issued = EV_TRY(detail::parse_rfc3339(j["issueDate"].get<std::string>()));
  const std::int64_t next = EV_TRY(detail::parse_rfc3339(j["nextUpdate"].get<std::string>()));
  if (at < issued || at > next) {
    return fail(Errc::NotValidAtTime, what,
                "valid " + detail::rfc3339(issued) + " .. " + detail::rfc3339(next) +
                    ", verified at " + detail::rfc3339(at));
  }
  return j;
}

Result<std::string> level_status(const Json& level, std::string_view what) {
  if (!level.contains("tcbStatus") || !level["tcbStatus"].is_string()) {
    return fail(Errc::Collateral, what, "TCB level without tcbStatus");
  }
  return level["tcbStatus"].get<std::string>();
}

// The platform's TCB status from TCB info: the first level the PCK (and TD report) reach.
Result<std::string> platform_status(const Json& tcb_info, const PckInfo& pck, ByteSpan tee_tcb_svn,
                                    bool tdx) {
  constexpr std::string_view kWhat = "dcap tcb info";
  if (!tcb_info.contains("tcbLevels") || !tcb_info["tcbLevels"].is_array()) {
    return fail(Errc::Collateral, kWhat, "no tcbLevels");
  }
  for (const Json& level : tcb_info["tcbLevels"]) {
    if (!level.is_object() || !level.contains("tcb") || !level["tcb"].is_object()) {
      return fail(Errc::Collateral, kWhat, "TCB level without tcb");
    }
    const Json& tcb = level["tcb"];
    auto comps_ok = [&](const char* key, ByteSpan have) -> Result<bool> {
      if (!tcb.contains(key) || !tcb[key].is_array() || tcb[key].size() != 16) {
        return fail(Errc::Collateral, kWhat, std::string("no 16 ") + key);
      }
      for (std::size_t i = 0; i < 16; ++i) {
        const std::uint64_t svn = EV_TRY(uint_field(tcb[key][i], "svn", kWhat));
        if (have[i] < svn) return false;
      }
      return true;
    };
    const bool sgx_ok = EV_TRY(comps_ok("sgxtcbcomponents", pck.cpu_svn));
    const std::uint64_t pcesvn = EV_TRY(uint_field(tcb, "pcesvn", kWhat));
    bool ok = sgx_ok && pck.pce_svn >= pcesvn;
    if (ok && tdx) ok = EV_TRY(comps_ok("tdxtcbcomponents", tee_tcb_svn));
    if (ok) return level_status(level, kWhat);
  }
  return fail(Errc::TcbStatus, kWhat, "the platform's TCB is below every listed level");
}

Result<std::string> qe_status(const Json& identity, std::uint16_t isv_svn) {
  constexpr std::string_view kWhat = "dcap qe identity";
  if (!identity.contains("tcbLevels") || !identity["tcbLevels"].is_array()) {
    return fail(Errc::Collateral, kWhat, "no tcbLevels");
  }
  for (const Json& level : identity["tcbLevels"]) {
    if (!level.is_object() || !level.contains("tcb") || !level["tcb"].is_object()) {
      return fail(Errc::Collateral, kWhat, "TCB level without tcb");
    }
    const std::uint64_t svn = EV_TRY(uint_field(level["tcb"], "isvsvn", kWhat));
    if (isv_svn >= svn) return level_status(level, kWhat);
  }
  return fail(Errc::TcbStatus, kWhat, "the QE's ISV SVN is below every listed level");
}

bool masked_equal(ByteSpan value, ByteSpan expected, ByteSpan mask) {
  if (value.size() < mask.size() || expected.size() != mask.size()) return false;
  for (std::size_t i = 0; i < mask.size(); ++i) {
    if ((value[i] & mask[i]) != (expected[i] & mask[i])) return false;
  }
  return true;
}

}  // namespace

Result<Verified> verify_dcap(const DcapEvidence& ev, const VerifyOptions& opts) {
  const Quote q = EV_TRY(parse_quote(ev.quote));
  const std::int64_t at = opts.at.value_or(static_cast<std::int64_t>(std::time(nullptr)));
  if (!ev.collateral && !opts.allow_no_collateral) {
    return fail(Errc::Collateral, "dcap collateral", "none given (TCB info, QE identity, CRLs)");
  }
  // Debug enclaves and TDs are refused before any signature is checked.
  const bool debug =
      q.tdx ? (q.body[kTdAttributes] & 0x01) != 0 : (q.body[kSgxAttributes] & 0x02) != 0;
  if (debug && !opts.allow_debug) {
    return fail(Errc::DebugMode, "dcap debug mode",
                q.tdx ? "TD attributes have DEBUG set" : "enclave attributes have DEBUG set");
  }
  const Bytes pinned = EV_TRY(pem_to_der(kIntelSgxRootPem));
  auto root_certs = EV_TRY(detail::parse_pem_certs(kIntelSgxRootPem, "pinned root"));
  X509* root = root_certs[0].get();

  // CRLs.
  detail::CrlPtr pck_crl;
  detail::CrlPtr root_crl;
  if (ev.collateral) {
    pck_crl = EV_TRY(detail::parse_der_crl(ev.collateral->pck_crl_der, "dcap pck crl"));
    root_crl = EV_TRY(detail::parse_der_crl(ev.collateral->root_ca_crl_der, "dcap root ca crl"));
  }

  // PCK chain.
  auto pck_chain = EV_TRY(detail::parse_pem_certs(q.pck_pem, "dcap pck chain"));
  EV_TRY(drop_root(pck_chain, pinned, "dcap pck chain"));
  std::vector<X509*> chain;
  chain.reserve(pck_chain.size());
  for (auto& c : pck_chain) chain.push_back(c.get());
  std::vector<X509_CRL*> crls;
  if (pck_crl) crls = {pck_crl.get(), root_crl.get()};
  EV_TRY(detail::verify_chain("dcap pck chain", chain, root, pinned, at, crls));
  X509* pck = chain.front();

  // QE report signed by the PCK key; its report data binds the attestation key.
  EVP_PKEY* pck_key = X509_get0_pubkey(pck);
  if (pck_key == nullptr ||
      !detail::ecdsa_verify(pck_key, EVP_sha256(), q.qe_report, q.qe_report_sig.first(32),
                            q.qe_report_sig.subspan(32))) {
    return fail(Errc::BadSignature, "dcap qe report signature",
                "does not verify with the PCK certificate");
  }
  Bytes bound(q.attest_key.begin(), q.attest_key.end());
  append(bound, q.qe_auth);
  const auto digest = sha256(bound);
  const ByteSpan qe_rd = q.qe_report.subspan(kSgxReportData, 64);
  if (!std::equal(digest.begin(), digest.end(), qe_rd.begin()) ||
      std::any_of(qe_rd.begin() + 32, qe_rd.end(), [](std::uint8_t b) { return b != 0; })) {
    return fail(Errc::Binding, "dcap qe report data",
                "is not SHA-256(attestation key || QE authentication data) padded with zeros");
  }

  // Quote signature by the attestation key.
  detail::PkeyPtr att = EV_TRY(detail::p256_from_raw(q.attest_key));
  if (!detail::ecdsa_verify(att.get(), EVP_sha256(), q.signed_part, q.signature.first(32),
                            q.signature.subspan(32))) {
    return fail(Errc::BadSignature, "dcap quote signature",
                "header and body do not verify with the attestation key");
  }

  Verified out;
  out.platform = q.tdx ? Platform::Tdx : Platform::Sgx;
  if (q.tdx) {
    out.measurements.push_back(
        {"MRTD", Bytes(q.body.begin() + kTdMrTd, q.body.begin() + kTdMrTd + 48)});
    for (std::size_t i = 0; i < 4; ++i) {
      const auto off = static_cast<std::ptrdiff_t>(kTdRtmr0 + 48 * i);
      out.measurements.push_back(
          {"RTMR" + std::to_string(i), Bytes(q.body.begin() + off, q.body.begin() + off + 48)});
    }
    out.report_data.assign(q.body.begin() + kTdReportData, q.body.begin() + kTdReportData + 64);
  } else {
    out.measurements.push_back(
        {"MRENCLAVE", Bytes(q.body.begin() + kSgxMrEnclave, q.body.begin() + kSgxMrEnclave + 32)});
    out.measurements.push_back(
        {"MRSIGNER", Bytes(q.body.begin() + kSgxMrSigner, q.body.begin() + kSgxMrSigner + 32)});
    out.report_data.assign(q.body.begin() + kSgxReportData, q.body.begin() + kSgxReportData + 64);
  }
  out.debug = debug;
  out.checks = {"quote structure",     "pck chain to pinned Intel SGX Root CA",
                "qe report signature", "qe report binds the attestation key",
                "quote signature",     out.debug ? "debug mode (allowed)" : "not debug mode"};
  if (q.trailing_zeros > 0) {
    out.notes.push_back(std::to_string(q.trailing_zeros) +
                        " zero bytes of padding after the quote");
  }

  const PckInfo pck_tcb = EV_TRY(pck_info(pck));
  if (!ev.collateral) {
    out.tcb_status = "NoCollateral";
    out.notes.push_back("no collateral: TCB status, QE identity and CRLs not checked");
  } else {
    const DcapCollateral& c = *ev.collateral;
    Json tcb_info =
        EV_TRY(signed_collateral("dcap tcb info", c.tcb_info, c.tcb_info_signature,
                                 c.tcb_info_issuer_chain, pinned, root, root_crl.get(), at));
    const std::string want_id = q.tdx ? "TDX" : "SGX";
    if (!tcb_info.contains("id") || tcb_info["id"] != want_id) {
      return fail(Errc::Collateral, "dcap tcb info", "id is not " + want_id);
    }
    const Bytes fmspc = EV_TRY(hex_field(tcb_info, "fmspc", "dcap tcb info"));
    if (fmspc != pck_tcb.fmspc) {
      return fail(
          Errc::Collateral, "dcap tcb info",
          "FMSPC " + to_hex(fmspc, false) + " is not the PCK's " + to_hex(pck_tcb.fmspc, false));
    }
    if (q.tdx && tcb_info.contains("tdxModule")) {
      const Bytes signer = EV_TRY(hex_field(tcb_info["tdxModule"], "mrsigner", "dcap tcb info"));
      const Bytes attrs = EV_TRY(hex_field(tcb_info["tdxModule"], "attributes", "dcap tcb info"));
      const Bytes mask =
          EV_TRY(hex_field(tcb_info["tdxModule"], "attributesMask", "dcap tcb info"));
      if (signer !=
              Bytes(q.body.begin() + kTdMrSignerSeam, q.body.begin() + kTdMrSignerSeam + 48) ||
          !masked_equal(q.body.subspan(kTdSeamAttributes, 8), attrs, mask)) {
        return fail(Errc::Collateral, "dcap tdx module",
                    "MRSIGNERSEAM or SEAM attributes differ from TCB info");
      }
    }
    std::string status = EV_TRY(platform_status(
        tcb_info, pck_tcb, q.tdx ? q.body.subspan(kTdTeeTcbSvn, 16) : ByteSpan{}, q.tdx));

    Json qe =
        EV_TRY(signed_collateral("dcap qe identity", c.qe_identity, c.qe_identity_signature,
                                 c.qe_identity_issuer_chain, pinned, root, root_crl.get(), at));
    const std::string want_qe = q.tdx ? "TD_QE" : "QE";
    if (!qe.contains("id") || qe["id"] != want_qe) {
      return fail(Errc::Collateral, "dcap qe identity", "id is not " + want_qe);
    }
    const Bytes qe_signer = EV_TRY(hex_field(qe, "mrsigner", "dcap qe identity"));
    const Bytes misc = EV_TRY(hex_field(qe, "miscselect", "dcap qe identity"));
    const Bytes misc_mask = EV_TRY(hex_field(qe, "miscselectMask", "dcap qe identity"));
    const Bytes attrs = EV_TRY(hex_field(qe, "attributes", "dcap qe identity"));
    const Bytes attrs_mask = EV_TRY(hex_field(qe, "attributesMask", "dcap qe identity"));
    const std::uint64_t prod = EV_TRY(uint_field(qe, "isvprodid", "dcap qe identity"));
    // miscselect is written big-endian in the JSON, little-endian in the report.
    Bytes misc_le(q.qe_report.begin() + kSgxMiscSelect, q.qe_report.begin() + kSgxMiscSelect + 4);
    std::reverse(misc_le.begin(), misc_le.end());
    if (qe_signer !=
            Bytes(q.qe_report.begin() + kSgxMrSigner, q.qe_report.begin() + kSgxMrSigner + 32) ||
        detail::le16(q.qe_report.data() + kSgxIsvProdId) != prod ||
        !masked_equal(misc_le, misc, misc_mask) ||
        !masked_equal(q.qe_report.subspan(kSgxAttributes, 16), attrs, attrs_mask)) {
      return fail(Errc::Collateral, "dcap qe identity",
                  "the QE report's MRSIGNER, ISV product id, MISCSELECT or attributes differ");
    }
    const std::string qstatus =
        EV_TRY(qe_status(qe, detail::le16(q.qe_report.data() + kSgxIsvSvn)));
    if (status == "Revoked" || qstatus == "Revoked") {
      return fail(Errc::TcbStatus, "dcap tcb status",
                  "platform " + status + ", quoting enclave " + qstatus);
    }
    if (qstatus != "UpToDate" && status == "UpToDate") status = qstatus;
    out.tcb_status = status;
    out.notes.push_back("quoting enclave TCB " + qstatus);
    out.checks.insert(out.checks.end(), {"pck and root CRLs", "tcb info signature and validity",
                                         "qe identity signature and validity", "tcb status"});
  }
  out.notes.push_back("fmspc " + to_hex(pck_tcb.fmspc, false));
  out.notes.push_back("quote version " + std::to_string(q.version));
  out.verified_at = at;
  out.tee_verified = true;
  return out;
}

Result<DcapCollateral> dcap_collateral_from_json(std::string_view json) {
  constexpr std::string_view kWhat = "dcap collateral";
  Json j = Json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::Collateral, kWhat, "not a JSON object");
  auto str = [&](const char* k) -> Result<std::string> {
    if (!j.contains(k) || !j[k].is_string()) {
      return fail(Errc::Collateral, kWhat, std::string("no \"") + k + "\"");
    }
    return j[k].get<std::string>();
  };
  DcapCollateral c;
  c.pck_crl_der = EV_TRY(hex_field(j, "pck_crl", kWhat));
  c.root_ca_crl_der = EV_TRY(hex_field(j, "root_ca_crl", kWhat));
  c.tcb_info_issuer_chain = EV_TRY(str("tcb_info_issuer_chain"));
  c.tcb_info = EV_TRY(str("tcb_info"));
  c.tcb_info_signature = EV_TRY(hex_field(j, "tcb_info_signature", kWhat));
  c.qe_identity_issuer_chain = EV_TRY(str("qe_identity_issuer_chain"));
  c.qe_identity = EV_TRY(str("qe_identity"));
  c.qe_identity_signature = EV_TRY(hex_field(j, "qe_identity_signature", kWhat));
  return c;
}

Result<SignedBody> pcs_signed_body(std::string_view response, std::string_view key) {
  constexpr std::string_view kWhat = "pcs response";
  const std::string needle = "\"" + std::string(key) + "\"";
  const std::size_t k = response.find(needle);
  if (k == std::string_view::npos) return fail(Errc::Collateral, kWhat, "no " + needle);
  std::size_t i = response.find_first_not_of(" \t\r\n", k + needle.size());
  if (i == std::string_view::npos || response[i] != ':')
    return fail(Errc::Collateral, kWhat, "no ':'");
  i = response.find_first_not_of(" \t\r\n", i + 1);
  if (i == std::string_view::npos || response[i] != '{')
    return fail(Errc::Collateral, kWhat, "not an object");
  const std::size_t start = i;
  int depth = 0;
  bool in_str = false;
  for (; i < response.size(); ++i) {
    const char c = response[i];
    if (in_str) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_str = false;
      }
    } else if (c == '"') {
      in_str = true;
    } else if (c == '{') {
      ++depth;
    } else if (c == '}' && --depth == 0) {
      break;
    }
  }
  if (i >= response.size()) return fail(Errc::Collateral, kWhat, "unterminated object");
  SignedBody out;
  out.body = std::string(response.substr(start, i - start + 1));
  Json j = Json::parse(response, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(Errc::Collateral, kWhat, "not a JSON object");
  out.signature = EV_TRY(hex_field(j, "signature", kWhat));
  return out;
}

}  // namespace ev::attestation
