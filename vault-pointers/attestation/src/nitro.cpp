// AWS Nitro Enclaves attestation documents: COSE_Sign1 (ES384) over a CBOR payload, the leaf
// certificate chained through the cabundle to the pinned AWS root at the document's timestamp.
#include <cbor.h>

#include <memory>
#include <set>

#include "crypto_internal.hpp"
#include "ev/attestation/roots.hpp"
#include "ev/attestation/verify.hpp"

namespace ev::attestation {
namespace {

using detail::fail;

struct CborFree {
  void operator()(cbor_item_t* p) const { cbor_decref(&p); }
};
using CborPtr = std::unique_ptr<cbor_item_t, CborFree>;

constexpr std::size_t kMaxDocument = std::size_t{64} * 1024;
constexpr std::size_t kMaxCert = 1024;
constexpr std::size_t kMaxOptional = 1024;
constexpr std::size_t kPcrSize = 48;  // SHA384

constexpr int kMaxDepth = 16;

// Walks one CBOR item's structure without building it, so that no declared length larger than
// the bytes that remain reaches the decoder (which would allocate for it up front). Returns the
// offset after the item.
Result<std::size_t> walk(ByteSpan in, std::size_t pos, int depth, std::string_view what) {
  auto truncated = [&](std::size_t at) {
    return fail(Errc::Truncated, what, "CBOR ends early at byte " + std::to_string(at));
  };
  if (depth > kMaxDepth) return fail(Errc::Malformed, what, "CBOR nested too deeply");
  if (pos >= in.size()) return truncated(pos);
  const std::uint8_t ib = in[pos];
  const int major = ib >> 5;
  const int ai = ib & 31;
  const std::size_t start = pos++;
  std::uint64_t value = 0;
  bool indefinite = false;
  if (ai < 24) {
    value = static_cast<std::uint64_t>(ai);
  } else if (ai <= 27) {
    const std::size_t n = std::size_t{1} << (ai - 24);
    if (in.size() - pos < n) return truncated(pos);
    for (std::size_t i = 0; i < n; ++i) value = (value << 8) | in[pos + i];
    pos += n;
  } else if (ai == 31 && major >= 2 && major <= 5) {
    indefinite = true;
  } else {
    return fail(Errc::Malformed, what, "invalid CBOR head at byte " + std::to_string(start));
  }
  const std::size_t left = in.size() - pos;
  switch (major) {
    case 0:
    case 1:
    case 7: return pos;
    case 2:
    case 3:
      if (indefinite) {
        for (;;) {
          if (pos >= in.size()) return truncated(pos);
          if (in[pos] == 0xff) return pos + 1;
          if ((in[pos] >> 5) != major || (in[pos] & 31) == 31) {
            return fail(Errc::Malformed, what, "bad string chunk at byte " + std::to_string(pos));
          }
          pos = EV_TRY(walk(in, pos, depth + 1, what));
        }
      }
      if (value > left) return truncated(in.size());
      return pos + static_cast<std::size_t>(value);
    case 4:
    case 5: {
      if (indefinite) {
        for (;;) {
          if (pos >= in.size()) return truncated(pos);
          if (in[pos] == 0xff) return pos + 1;
          pos = EV_TRY(walk(in, pos, depth + 1, what));
          if (major == 5) pos = EV_TRY(walk(in, pos, depth + 1, what));
        }
      }
      const std::uint64_t items = major == 5 ? value * 2 : value;
      if (value > left || items > left) return truncated(in.size());
      for (std::uint64_t i = 0; i < items; ++i) pos = EV_TRY(walk(in, pos, depth + 1, what));
      return pos;
    }
    default:  // 6: tag
      return walk(in, pos, depth + 1, what);
  }
}

// Decodes exactly one CBOR item from the whole of `in`.
Result<CborPtr> load_one(ByteSpan in, std::string_view what) {
  if (in.empty()) return fail(Errc::Truncated, what, "empty");
  const std::size_t end = EV_TRY(walk(in, 0, 0, what));
  if (end != in.size()) {
    return fail(Errc::TrailingData, what,
                std::to_string(in.size() - end) + " bytes after the CBOR item");
  }
  cbor_load_result res{};
  CborPtr item(cbor_load(in.data(), in.size(), &res));
  if (!item || res.error.code != CBOR_ERR_NONE) {
    const bool eof = res.error.code == CBOR_ERR_NOTENOUGHDATA;
    return fail(eof ? Errc::Truncated : Errc::Malformed, what,
                (eof ? "CBOR ends early at byte " : "invalid CBOR at byte ") +
                    std::to_string(res.error.position));
  }
  if (res.read != in.size()) {
    return fail(Errc::TrailingData, what,
                std::to_string(in.size() - res.read) + " bytes after the CBOR item");
  }
  return item;
}

Result<ByteSpan> bstr(cbor_item_t* it, std::string_view what, std::size_t min, std::size_t max) {
  if (!cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it)) {
    return fail(Errc::Malformed, what, "not a definite byte string");
  }
  const std::size_t n = cbor_bytestring_length(it);
  if (n < min || n > max) {
    return fail(
        Errc::Malformed, what,
        std::to_string(n) + " bytes, allowed " + std::to_string(min) + ".." + std::to_string(max));
  }
  return ByteSpan(cbor_bytestring_handle(it), n);
}

Result<std::string> tstr(cbor_item_t* it, std::string_view what) {
  if (!cbor_isa_string(it) || !cbor_string_is_definite(it)) {
    return fail(Errc::Malformed, what, "not a definite text string");
  }
  return std::string(reinterpret_cast<const char*>(cbor_string_handle(it)), cbor_string_length(it));
}

// null or a byte string of at most kMaxOptional bytes.
Result<Bytes> optional_bstr(cbor_item_t* it, std::string_view what) {
  if (cbor_is_null(it)) return Bytes{};
  ByteSpan b = EV_TRY(bstr(it, what, 0, kMaxOptional));
  return Bytes(b.begin(), b.end());
}

void put_head(Bytes& out, std::uint8_t major, std::uint64_t n) {
  const auto m = static_cast<std::uint8_t>(major << 5);
  if (n < 24) {
    out.push_back(static_cast<std::uint8_t>(m | n));
  } else if (n <= 0xff) {
    out.push_back(m | 24);
    out.push_back(static_cast<std::uint8_t>(n));
  } else if (n <= 0xffff) {
    out.push_back(m | 25);
    for (int s = 8; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(n >> s));
  } else {
    out.push_back(m | 26);
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<std::uint8_t>(n >> s));
  }
}

// Sig_structure = ["Signature1", protected, h'', payload] (RFC 9052 section 4.4).
Bytes sig_structure(ByteSpan prot, ByteSpan payload) {
  Bytes out;
  out.reserve(prot.size() + payload.size() + 32);
  put_head(out, 4, 4);
  constexpr std::string_view kCtx = "Signature1";
  put_head(out, 3, kCtx.size());
  append(out, as_bytes(kCtx));
  put_head(out, 2, prot.size());
  append(out, prot);
  put_head(out, 2, 0);
  put_head(out, 2, payload.size());
  append(out, payload);
  return out;
}

struct Payload {
  std::string module_id;
  std::uint64_t timestamp_ms = 0;
  std::vector<std::pair<std::uint64_t, Bytes>> pcrs;
  ByteSpan certificate;
  std::vector<ByteSpan> cabundle;
  Bytes public_key, user_data, nonce;
};

Result<Payload> parse_payload(cbor_item_t* map) {
  if (!cbor_isa_map(map)) return fail(Errc::Malformed, "payload", "not a map");
  Payload p;
  std::set<std::string> seen;
  const std::size_t n = cbor_map_size(map);
  cbor_pair* pairs = cbor_map_handle(map);
  for (std::size_t i = 0; i < n; ++i) {
    const std::string key = EV_TRY(tstr(pairs[i].key, "payload key"));
    if (!seen.insert(key).second) return fail(Errc::Malformed, "payload", "duplicate key " + key);
    cbor_item_t* v = pairs[i].value;
    if (key == "module_id") {
      p.module_id = EV_TRY(tstr(v, "module_id"));
      if (p.module_id.empty()) return fail(Errc::Malformed, "module_id", "empty");
    } else if (key == "digest") {
      const std::string d = EV_TRY(tstr(v, "digest"));
      if (d != "SHA384") return fail(Errc::Unsupported, "digest", "\"" + d + "\", not SHA384");
    } else if (key == "timestamp") {
      if (!cbor_isa_uint(v)) return fail(Errc::Malformed, "timestamp", "not an unsigned integer");
      p.timestamp_ms = cbor_get_int(v);
      if (p.timestamp_ms == 0) return fail(Errc::Malformed, "timestamp", "zero");
    } else if (key == "pcrs") {
      if (!cbor_isa_map(v)) return fail(Errc::Malformed, "pcrs", "not a map");
      const std::size_t np = cbor_map_size(v);
      if (np < 1 || np > 32) {
        return fail(Errc::Malformed, "pcrs", std::to_string(np) + " entries, allowed 1..32");
      }
      cbor_pair* pp = cbor_map_handle(v);
      std::set<std::uint64_t> idx;
      for (std::size_t j = 0; j < np; ++j) {
        if (!cbor_isa_uint(pp[j].key) || cbor_get_int(pp[j].key) > 31) {
          return fail(Errc::Malformed, "pcrs", "index not an integer 0..31");
        }
        const std::uint64_t k = cbor_get_int(pp[j].key);
        if (!idx.insert(k).second) return fail(Errc::Malformed, "pcrs", "duplicate index");
        const std::string what = "PCR" + std::to_string(k);
        ByteSpan val = EV_TRY(bstr(pp[j].value, what, kPcrSize, kPcrSize));
        p.pcrs.emplace_back(k, Bytes(val.begin(), val.end()));
      }
    } else if (key == "certificate") {
      p.certificate = EV_TRY(bstr(v, "certificate", 1, kMaxCert));
    } else if (key == "cabundle") {
      if (!cbor_isa_array(v) || !cbor_array_is_definite(v)) {
        return fail(Errc::Malformed, "cabundle", "not a definite array");
      }
      const std::size_t nc = cbor_array_size(v);
      if (nc < 1 || nc > 8) return fail(Errc::Malformed, "cabundle", "1..8 certificates needed");
      p.cabundle.reserve(nc);
      for (std::size_t j = 0; j < nc; ++j) {
        p.cabundle.push_back(EV_TRY(bstr(cbor_array_handle(v)[j], "cabundle entry", 1, kMaxCert)));
      }
    } else if (key == "public_key") {
      p.public_key = EV_TRY(optional_bstr(v, "public_key"));
    } else if (key == "user_data") {
      p.user_data = EV_TRY(optional_bstr(v, "user_data"));
    } else if (key == "nonce") {
      p.nonce = EV_TRY(optional_bstr(v, "nonce"));
    } else {
      return fail(Errc::Malformed, "payload", "unknown key " + key);
    }
  }
  for (const char* k : {"module_id", "digest", "timestamp", "pcrs", "certificate", "cabundle"}) {
    if (seen.count(k) == 0) return fail(Errc::Malformed, "payload", std::string("no ") + k);
  }
  return p;
}

}  // namespace

Result<Verified> verify_nitro(ByteSpan document, const VerifyOptions& opts) {
  if (document.size() > kMaxDocument) {
    return fail(Errc::Malformed, "nitro document", "larger than 64 KiB");
  }
  CborPtr root = EV_TRY(load_one(document, "nitro COSE_Sign1"));
  cbor_item_t* cose = root.get();
  CborPtr tagged_item;
  if (cbor_isa_tag(cose)) {
    if (cbor_tag_value(cose) != 18) return fail(Errc::Malformed, "nitro COSE_Sign1", "tag not 18");
    tagged_item.reset(cbor_tag_item(cose));
    cose = tagged_item.get();
  }
  if (!cbor_isa_array(cose) || !cbor_array_is_definite(cose) || cbor_array_size(cose) != 4) {
    return fail(Errc::Malformed, "nitro COSE_Sign1", "not an array of 4");
  }
  cbor_item_t** parts = cbor_array_handle(cose);
  const ByteSpan prot = EV_TRY(bstr(parts[0], "COSE protected header", 1, 64));
  {
    CborPtr ph = EV_TRY(load_one(prot, "COSE protected header"));
    if (!cbor_isa_map(ph.get()) || cbor_map_size(ph.get()) != 1 ||
        !cbor_isa_uint(cbor_map_handle(ph.get())[0].key) ||
        cbor_get_int(cbor_map_handle(ph.get())[0].key) != 1 ||
        !cbor_isa_negint(cbor_map_handle(ph.get())[0].value) ||
        cbor_get_int(cbor_map_handle(ph.get())[0].value) != 34) {
      return fail(Errc::Unsupported, "COSE protected header", "not {1: -35} (ES384)");
    }
  }
  if (!cbor_isa_map(parts[1])) return fail(Errc::Malformed, "COSE unprotected header", "not a map");
  const ByteSpan payload_bytes = EV_TRY(bstr(parts[2], "COSE payload", 1, kMaxDocument));
  const ByteSpan sig = EV_TRY(bstr(parts[3], "COSE signature", 96, 96));

  CborPtr payload_item = EV_TRY(load_one(payload_bytes, "nitro payload"));
  Payload p = EV_TRY(parse_payload(payload_item.get()));

  // Certificates: leaf, then the cabundle from the root down.
  detail::X509Ptr leaf = EV_TRY(detail::parse_der_cert(p.certificate, "nitro certificate"));
  std::vector<detail::X509Ptr> bundle;
  bundle.reserve(p.cabundle.size());
  for (std::size_t i = 0; i < p.cabundle.size(); ++i) {
    bundle.push_back(
        EV_TRY(detail::parse_der_cert(p.cabundle[i], "cabundle[" + std::to_string(i) + "]")));
  }
  const Bytes pinned = EV_TRY(pem_to_der(kAwsNitroRootPem));
  const auto doc_time = static_cast<std::int64_t>(p.timestamp_ms / 1000);
  const std::int64_t at = opts.prefer_document_time ? doc_time : opts.at.value_or(doc_time);
  std::vector<X509*> chain{leaf.get()};
  chain.reserve(bundle.size());
  for (std::size_t i = bundle.size(); i-- > 1;) chain.push_back(bundle[i].get());
  EV_TRY(detail::verify_chain("nitro certificate chain", chain, bundle[0].get(), pinned, at));

  EVP_PKEY* key = X509_get0_pubkey(leaf.get());
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 384) {
    return fail(Errc::Unsupported, "nitro certificate", "key is not P-384");
  }
  const Bytes tbs = sig_structure(prot, payload_bytes);
  if (!detail::ecdsa_verify(key, EVP_sha384(), tbs, sig.subspan(0, 48), sig.subspan(48, 48))) {
    return fail(Errc::BadSignature, "nitro COSE signature",
                "ES384 over the Sig_structure does not verify with the leaf key");
  }

  Verified out;
  out.platform = Platform::Nitro;
  const Bytes zero(kPcrSize, 0);
  bool all_zero = true;
  for (std::uint64_t want : {0U, 1U, 2U}) {
    const Bytes* v = nullptr;
    for (const auto& [k, val] : p.pcrs) {
      if (k == want) v = &val;
    }
    if (v == nullptr) {
      return fail(Errc::Malformed, "pcrs", "no PCR" + std::to_string(want));
    }
    if (*v != zero) all_zero = false;
    out.measurements.push_back({"PCR" + std::to_string(want), *v});
  }
  for (const auto& [k, val] : p.pcrs) {
    if (k > 2) out.measurements.push_back({"PCR" + std::to_string(k), val});
  }
  out.debug = all_zero;
  if (out.debug && !opts.allow_debug) {
    return fail(Errc::DebugMode, "nitro debug mode", "PCR0, PCR1 and PCR2 are all zero");
  }
  out.report_data = p.user_data;
  out.tcb_status = "NotApplicable";
  out.verified_at = at;
  out.issued_at = doc_time;
  out.tee_verified = true;
  out.checks = {"cose structure", "payload fields", "certificate chain to pinned AWS root",
                "ES384 signature", out.debug ? "debug mode (allowed)" : "not debug mode"};
  out.notes.push_back("module_id " + p.module_id);
  out.nonce = p.nonce;
  if (!p.public_key.empty()) out.notes.push_back("public_key " + to_hex(p.public_key, false));
  return out;
}

}  // namespace ev::attestation
