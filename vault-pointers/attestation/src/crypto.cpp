// OpenSSL helpers for the verifiers (see crypto_internal.hpp).
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstring>
#include <ctime>

#include "crypto_internal.hpp"
#include "ev/attestation/roots.hpp"
#include "ev/common/digest.hpp"

namespace ev::attestation::detail {
namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
struct StoreFree {
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * p) const { sk_X509_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct SigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no detail";
  std::array<char, 256> buf{};
  ERR_error_string_n(e, buf.data(), buf.size());
  return buf.data();
}

Errc classify(int x509_err) {
  switch (x509_err) {
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED: return Errc::NotValidAtTime;
    case X509_V_ERR_CERT_REVOKED: return Errc::Revoked;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE: return Errc::BadSignature;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: return Errc::WrongRoot;
    default: return Errc::ChainInvalid;
  }
}

}  // namespace

Error fail(Errc e, std::string_view check, std::string_view detail) {
  std::string d(check);
  if (!detail.empty()) d.append(": ").append(detail);
  return make_error(e, d);
}

Result<X509Ptr> parse_der_cert(ByteSpan der, std::string_view what) {
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return fail(Errc::Malformed, what, "not a DER certificate: " + openssl_error());
  if (p != der.data() + der.size()) {
    return fail(Errc::TrailingData, what, "bytes after the DER certificate");
  }
  return cert;
}

Result<std::vector<X509Ptr>> parse_pem_certs(std::string_view pem, std::string_view what) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return fail(Errc::Malformed, what, "out of memory");
  for (;;) {
    X509Ptr c(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!c) break;
    out.push_back(std::move(c));
  }
  ERR_clear_error();
  if (out.empty()) return fail(Errc::Malformed, what, "no PEM certificate");
  return out;
}

Result<CrlPtr> parse_der_crl(ByteSpan der, std::string_view what) {
  const unsigned char* p = der.data();
  CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  if (!crl || p != der.data() + der.size()) {
    ERR_clear_error();
    return fail(Errc::Malformed, what, "not a DER CRL");
  }
  return crl;
}

Bytes cert_der(X509* cert) {
  unsigned char* buf = nullptr;
  const int n = i2d_X509(cert, &buf);
  if (n <= 0) return {};
  Bytes out(buf, buf + n);
  OPENSSL_free(buf);
  return out;
}

std::string subject_cn(X509* cert) {
  std::array<char, 256> buf{};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, buf.data(),
                            static_cast<int>(buf.size()));
  return buf.data();
}

Result<void> verify_chain(std::string_view check, std::span<X509* const> chain, X509* root,
                          ByteSpan pinned_root_der, std::int64_t at,
                          std::span<X509_CRL* const> crls) {
  if (chain.empty()) return fail(Errc::Malformed, check, "empty certificate chain");
  const Bytes root_der = cert_der(root);
  if (root_der.size() != pinned_root_der.size() ||
      !std::equal(root_der.begin(), root_der.end(), pinned_root_der.begin())) {
    return fail(Errc::WrongRoot, check,
                "root " + subject_cn(root) + " (sha256 " + cert_fingerprint(root_der) +
                    ") is not the pinned root (sha256 " + cert_fingerprint(pinned_root_der) + ")");
  }
  for (std::size_t i = 0; i < chain.size(); ++i) {
    X509* issuer = i + 1 < chain.size() ? chain[i + 1] : root;
    if (X509_check_issued(issuer, chain[i]) != X509_V_OK) {
      return fail(Errc::ChainOrder, check,
                  "certificate " + std::to_string(i) + " (" + subject_cn(chain[i]) +
                      ") is not issued by the next one (" + subject_cn(issuer) + ")");
    }
  }
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  std::unique_ptr<STACK_OF(X509), StackFree> untrusted(sk_X509_new_null());
  if (!store || !ctx || !untrusted || X509_STORE_add_cert(store.get(), root) != 1) {
    return fail(Errc::ChainInvalid, check, "store setup: " + openssl_error());
  }
  for (std::size_t i = 1; i < chain.size(); ++i) sk_X509_push(untrusted.get(), chain[i]);
  for (X509_CRL* crl : crls) X509_STORE_add_crl(store.get(), crl);
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain[0], untrusted.get()) != 1) {
    return fail(Errc::ChainInvalid, check, "context setup: " + openssl_error());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
  unsigned long flags = 0;
  if (!crls.empty()) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  X509_VERIFY_PARAM_set_flags(param, flags);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    const int depth = X509_STORE_CTX_get_error_depth(ctx.get());
    X509* bad = X509_STORE_CTX_get_current_cert(ctx.get());
    ERR_clear_error();
    return fail(classify(err), check,
                std::string(X509_verify_cert_error_string(err)) + " at depth " +
                    std::to_string(depth) + (bad ? " (" + subject_cn(bad) + ")" : "") +
                    ", verified at " + rfc3339(at));
  }
  return {};
}

bool ecdsa_verify(EVP_PKEY* key, const EVP_MD* md, ByteSpan msg, ByteSpan r_be, ByteSpan s_be) {
  std::unique_ptr<ECDSA_SIG, SigFree> sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(r_be.data(), static_cast<int>(r_be.size()), nullptr);
  BIGNUM* s = BN_bin2bn(s_be.data(), static_cast<int>(s_be.size()), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return false;
  }
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig.get(), &der);
  if (der_len <= 0) return false;
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), der, static_cast<std::size_t>(der_len), msg.data(),
                             msg.size()) == 1;
  OPENSSL_free(der);
  ERR_clear_error();
  return ok;
}

Result<PkeyPtr> p256_from_raw(ByteSpan xy) {
  if (xy.size() != 64) return fail(Errc::Malformed, "attestation key", "not 64 bytes");
  std::array<std::uint8_t, 65> point{};
  point[0] = 0x04;
  std::memcpy(point.data() + 1, xy.data(), 64);
  std::array<char, 16> group{"prime256v1"};
  std::array<OSSL_PARAM, 3> params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = pctx && EVP_PKEY_fromdata_init(pctx) == 1 &&
                  EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params.data()) == 1;
  EVP_PKEY_CTX_free(pctx);
  if (!ok) {
    EVP_PKEY_free(key);
    return fail(Errc::Malformed, "attestation key", "not a P-256 point: " + openssl_error());
  }
  return PkeyPtr(key);
}

bool ed25519_verify(ByteSpan key, ByteSpan msg, ByteSpan sig) {
  PkeyPtr k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.data(), key.size()));
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  const bool ok = k && ctx &&
                  EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, k.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::int64_t asn1_time_unix(const ASN1_TIME* t) {
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::string rfc3339(std::int64_t unix_seconds) {
  const auto t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  std::array<char, 32> buf{};
  std::strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf.data();
}

Result<std::int64_t> parse_rfc3339(std::string_view s) {
  auto bad = [&] { return fail(Errc::Malformed, "time", "not RFC 3339: " + std::string(s)); };
  if (s.size() < 20) return bad();
  auto num = [&](std::size_t pos, std::size_t len, int& out) {
    out = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  struct tm tm {};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0;
  if (!num(0, 4, y) || s[4] != '-' || !num(5, 2, mo) || s[7] != '-' || !num(8, 2, d) ||
      (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !num(11, 2, h) || s[13] != ':' ||
      !num(14, 2, mi) || s[16] != ':' || !num(17, 2, se)) {
    return bad();
  }
  std::size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  }
  std::int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z') && i + 1 == s.size()) {
    offset = 0;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = 0, om = 0;
    if (!num(i + 1, 2, oh) || !num(i + 4, 2, om)) return bad();
    offset = (std::int64_t{oh} * 3600 + std::int64_t{om} * 60) * (s[i] == '+' ? 1 : -1);
  } else {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return bad();
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = se;
  return static_cast<std::int64_t>(timegm(&tm)) - offset;
}

}  // namespace ev::attestation::detail
