// Evidence files: recognition and the JSON bundle (see evidence.hpp).
#include "ev/attestation/evidence.hpp"

#include <nlohmann/json.hpp>

#include "crypto_internal.hpp"

namespace ev::attestation {
namespace {

using detail::fail;
using Json = nlohmann::json;

Result<Bytes> binary_field(const Json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) {
    return fail(Errc::Malformed, "evidence bundle", std::string("no text field \"") + key + "\"");
  }
  const std::string s = j[key].get<std::string>();
  return decode_document_text(as_bytes(s));
}

Result<Verified> verify_bundle(const Json& j, const VerifyOptions& opts) {
  if (!j.is_object() || !j.contains("platform") || !j["platform"].is_string()) {
    return fail(Errc::Malformed, "evidence bundle", "no \"platform\"");
  }
  const std::string name = j["platform"].get<std::string>();
  const Platform p = name == "dcap" ? Platform::Sgx : EV_TRY(platform_from_name(name));
  switch (p) {
    case Platform::Nitro: {
      const Bytes doc = EV_TRY(binary_field(j, "document"));
      return verify_nitro(doc, opts);
    }
    case Platform::SevSnp: {
      SnpEvidence ev;
      ev.report = EV_TRY(binary_field(j, "report"));
      ev.vcek_der = EV_TRY(binary_field(j, "vcek"));
      if (!j.contains("ask_ark") || !j["ask_ark"].is_string()) {
        return fail(Errc::Malformed, "evidence bundle", "no PEM \"ask_ark\"");
      }
      ev.ask_ark_pem = j["ask_ark"].get<std::string>();
      return verify_sev_snp(ev, opts);
    }
    case Platform::Sgx:
    case Platform::Tdx: {
      DcapEvidence ev;
      ev.quote = EV_TRY(binary_field(j, "quote"));
      if (j.contains("collateral") && !j["collateral"].is_null()) {
        const std::string c = j["collateral"].is_string() ? j["collateral"].get<std::string>()
                                                          : j["collateral"].dump();
        ev.collateral = EV_TRY(dcap_collateral_from_json(c));
      }
      Verified v = EV_TRY(verify_dcap(ev, opts));
      if (name != "dcap" && v.platform != p) {
        return fail(
            Errc::Malformed, "evidence bundle",
            "platform \"" + name + "\" but the quote is " + std::string(platform_name(v.platform)));
      }
      return v;
    }
    case Platform::Simulated: {
      const Bytes r = EV_TRY(binary_field(j, "report"));
      return verify_simulated(r, opts);
    }
  }
  return fail(Errc::Unsupported, "evidence bundle", name);
}

}  // namespace

Result<Verified> verify_evidence(ByteSpan file, const VerifyOptions& opts) {
  if (file.size() > kMaxEvidence) return fail(Errc::Malformed, "evidence", "larger than 1 MiB");
  std::size_t i = 0;
  while (i < file.size() &&
         (file[i] == ' ' || file[i] == '\n' || file[i] == '\r' || file[i] == '\t')) {
    ++i;
  }
  if (i < file.size() && file[i] == '{') {
    Json j = Json::parse(file.begin(), file.end(), nullptr, false);
    if (j.is_discarded()) return fail(Errc::Malformed, "evidence bundle", "not valid JSON");
    return verify_bundle(j, opts);
  }
  const Bytes b = decode_document_text(file);
  if (b.size() >= 8 && std::string_view(reinterpret_cast<const char*>(b.data()), 8) == "EVSIMREP") {
    return verify_simulated(b, opts);
  }
  if (!b.empty() && (b[0] == 0x84 || b[0] == 0xd2)) return verify_nitro(b, opts);
  if (b.size() >= 48 && detail::le16(b.data()) >= 3 && detail::le16(b.data()) <= 5 &&
      detail::le16(b.data() + 2) == 2) {
    return verify_dcap(DcapEvidence{b, std::nullopt}, opts);
  }
  if (b.size() == 1184) {
    return fail(Errc::Malformed, "evidence",
                "an SEV-SNP report needs a JSON bundle with its VCEK and ASK/ARK");
  }
  return fail(Errc::Malformed, "evidence", "not a recognised attestation format");
}

std::string evidence_bundle(Platform platform, ByteSpan document) {
  Json j;
  j["platform"] = std::string(platform_name(platform));
  j[platform == Platform::Nitro ? "document" : "report"] = to_hex(document, false);
  return j.dump();
}

}  // namespace ev::attestation
