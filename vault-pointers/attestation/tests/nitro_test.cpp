// AWS Nitro verifier: every recorded genuine document verifies at its own time; each corruption
// made from a genuine one is refused with the error of the check it breaks.
#include <cbor.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <functional>

#include "attest_test_util.hpp"
#include "ev/attestation/roots.hpp"

using namespace ev;
using namespace ev::attestation;
using ev::attestation::test::vector_document;

namespace {

struct Doc {
  const char* path;
  bool debug;
};

const Doc kGenuine[] = {
    {"nitro/base-nitro-validator-2026-01-03-indefinite/real_attestation.repaired.bin", false},
    {"nitro/blocky-nitrite-2023-07-10/nitro-stag-attestation.txt", false},
    {"nitro/blocky-nitrite-2024-05-07/nitro_attestation.txt", false},
    {"nitro/blocky-nitrite-2024-09-07/nitro_attestation.b64", false},
    {"nitro/blocky-nitrite-2024-09-07-debug/nitro_attestation_debug.b64", true},
    {"nitro/evervault-2022-10-12-debug/debug-mode-attestation-doc-bytes", true},
    {"nitro/evervault-2022-10-13/valid-attestation-doc-bytes", false},
    {"nitro/evervault-2023-09-06/valid-attestation-doc-v2-bytes", true},
    {"nitro/evervault-2023-09-07/valid-attestation-doc-base64", true},
    {"nitro/evervault-2023-09-18/valid-attestation-doc-base64", true},
    {"nitro/hf-nitrite-2021-10-28/attestation.hex", true},
    {"nitro/marlin-oyster-2024-12-13/aws.bin", false},
    {"nitro/marlin-oyster-2025-04-29-pcr16/aws_pcr16.bin", false},
};

constexpr const char* kPlain = "nitro/marlin-oyster-2024-12-13/aws.bin";

// Re-encodes a document after `edit` changed its payload map (the signature is kept as it is).
Bytes edit_payload(const Bytes& doc, const std::function<void(cbor_item_t*)>& edit) {
  cbor_load_result r{};
  cbor_item_t* cose = cbor_load(doc.data(), doc.size(), &r);
  REQUIRE(cose != nullptr);
  cbor_item_t** parts = cbor_array_handle(cose);
  cbor_item_t* map =
      cbor_load(cbor_bytestring_handle(parts[2]), cbor_bytestring_length(parts[2]), &r);
  REQUIRE(map != nullptr);
  edit(map);
  unsigned char* buf = nullptr;
  std::size_t cap = 0;
  const std::size_t n = cbor_serialize_alloc(map, &buf, &cap);
  REQUIRE(n > 0);
  cbor_item_t* payload = cbor_build_bytestring(buf, n);
  free(buf);  // NOLINT(cppcoreguidelines-no-malloc)
  cbor_decref(&parts[2]);
  parts[2] = payload;
  const std::size_t m = cbor_serialize_alloc(cose, &buf, &cap);
  REQUIRE(m > 0);
  Bytes out(buf, buf + m);
  free(buf);  // NOLINT(cppcoreguidelines-no-malloc)
  cbor_decref(&map);
  cbor_decref(&cose);
  return out;
}

cbor_item_t* value_of(cbor_item_t* map, std::string_view key) {
  for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
    cbor_pair& p = cbor_map_handle(map)[i];
    if (std::string_view(reinterpret_cast<const char*>(cbor_string_handle(p.key)),
                         cbor_string_length(p.key)) == key) {
      return p.value;
    }
  }
  FAIL("no key " << key);
  return nullptr;
}

void require_error(const Result<Verified>& r, Errc e, std::string_view check) {
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK(ev::is(r.error(), e));
  CHECK(r.error().message.find(check) != std::string::npos);
}

}  // namespace

TEST_CASE("nitro: every genuine document verifies at its own timestamp", "[nitro]") {
  for (const auto& d : kGenuine) {
    INFO(d.path);
    const Bytes doc = vector_document(d.path);
    VerifyOptions opts;
    opts.allow_debug = true;
    auto r = verify_nitro(doc, opts);
    if (!r.ok()) FAIL(r.error().to_string());
    CHECK(r->platform == Platform::Nitro);
    CHECK(r->tee_verified);
    CHECK(r->debug == d.debug);
    REQUIRE(r->measurements.size() >= 3);
    CHECK(r->measurements[0].name == "PCR0");
    CHECK(r->measurements[0].value.size() == 48);
    REQUIRE(r->issued_at.has_value());
    CHECK(r->verified_at == *r->issued_at);
    if (d.debug) {
      auto strict = verify_nitro(doc);
      require_error(strict, Errc::DebugMode, "nitro debug mode");
    }
  }
}

TEST_CASE("nitro: recorded fields come out as the upstream checks saw them", "[nitro]") {
  auto r = verify_nitro(vector_document("nitro/marlin-oyster-2025-04-29-pcr16/aws_pcr16.bin"));
  REQUIRE(r.ok());
  CHECK(*r->issued_at == 1745922759);
  CHECK(to_hex(r->primary_measurement(), false) ==
        "2984ab215649c40ffe8f8b80cfadee47f1b06760f7d9257981f64b2758c347fafa6c733591b25e75ae7e9d1cb8"
        "6ad5df");
  REQUIRE(r->measurement("PCR16") != nullptr);
  CHECK(to_hex(*r->measurement("PCR16"), false).substr(0, 16) == "30e84b2d7eeffe6d");
  CHECK(r->report_data.empty());

  auto indef = verify_nitro(vector_document(
      "nitro/base-nitro-validator-2026-01-03-indefinite/real_attestation.repaired.bin"));
  REQUIRE(indef.ok());
  CHECK(*indef->issued_at == 1767472867);
  CHECK(indef->report_data.size() == 20);
  CHECK(indef->nonce.empty());
}

TEST_CASE("nitro: the document committed corrupt upstream is refused", "[nitro]") {
  auto r = verify_nitro(vector_document(
      "nitro/base-nitro-validator-2026-01-03-indefinite/real_attestation.as-committed.b64"));
  REQUIRE_FALSE(r.ok());
  INFO(r.error().to_string());
  CHECK((ev::is(r.error(), Errc::Malformed) || ev::is(r.error(), Errc::Truncated)));
}

TEST_CASE("nitro: each corruption class is refused by the check it breaks", "[nitro]") {
  const Bytes doc = vector_document(kPlain);
  REQUIRE(verify_nitro(doc).ok());

  SECTION("signature byte") {
    Bytes bad = doc;
    bad.back() ^= 0x01;
    require_error(verify_nitro(bad), Errc::BadSignature, "nitro COSE signature");
  }
  SECTION("payload byte (PCR0)") {
    auto ok = verify_nitro(doc);
    const Bytes pcr0 = ok->primary_measurement();
    auto it = std::search(doc.begin(), doc.end(), pcr0.begin(), pcr0.end());
    REQUIRE(it != doc.end());
    Bytes bad = doc;
    bad[static_cast<std::size_t>(it - doc.begin()) + 5] ^= 0x80;
    require_error(verify_nitro(bad), Errc::BadSignature, "nitro COSE signature");
  }
  SECTION("chain order") {
    const Bytes bad = edit_payload(doc, [](cbor_item_t* map) {
      cbor_item_t** certs = cbor_array_handle(value_of(map, "cabundle"));
      std::swap(certs[1], certs[2]);
    });
    require_error(verify_nitro(bad), Errc::ChainOrder, "nitro certificate chain");
  }
  SECTION("wrong root") {
    const Bytes intel = pem_to_der(kIntelSgxRootPem).value();
    const Bytes bad = edit_payload(doc, [&](cbor_item_t* map) {
      cbor_item_t** certs = cbor_array_handle(value_of(map, "cabundle"));
      cbor_decref(&certs[0]);
      certs[0] = cbor_build_bytestring(intel.data(), intel.size());
    });
    require_error(verify_nitro(bad), Errc::WrongRoot, "nitro certificate chain");
  }
  SECTION("expired at the given time") {
    VerifyOptions opts;
    opts.at = *verify_nitro(doc)->issued_at + 4 * 3600;
    require_error(verify_nitro(doc, opts), Errc::NotValidAtTime, "nitro certificate chain");
    opts.at = 1700000000;  // before the leaf existed
    require_error(verify_nitro(doc, opts), Errc::NotValidAtTime, "nitro certificate chain");
  }
  SECTION("truncated") {
    for (std::size_t cut : {std::size_t{1}, std::size_t{50}, doc.size() / 2, doc.size() - 1}) {
      auto r = verify_nitro(ByteSpan(doc).first(cut));
      REQUIRE_FALSE(r.ok());
      CHECK((ev::is(r.error(), Errc::Truncated) || ev::is(r.error(), Errc::Malformed)));
    }
  }
  SECTION("declared lengths beyond the input") {
    // An array, a map and a byte string claiming 2^64-1 entries / bytes: refused before any
    // allocation for them.
    for (const Bytes& bad : {Bytes{0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                             Bytes{0x84, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
                             Bytes{0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}) {
      require_error(verify_nitro(bad), Errc::Truncated, "nitro COSE_Sign1");
    }
  }
  SECTION("trailing garbage") {
    Bytes bad = doc;
    bad.push_back(0x00);
    require_error(verify_nitro(bad), Errc::TrailingData, "nitro COSE_Sign1");
  }
  SECTION("digest other than SHA384") {
    const Bytes bad = edit_payload(doc, [](cbor_item_t* map) {
      for (std::size_t i = 0; i < cbor_map_size(map); ++i) {
        cbor_pair& p = cbor_map_handle(map)[i];
        if (cbor_string_length(p.key) == 6 &&
            std::memcmp(cbor_string_handle(p.key), "digest", 6) == 0) {
          cbor_decref(&p.value);
          p.value = cbor_build_string("SHA256");
        }
      }
    });
    require_error(verify_nitro(bad), Errc::Unsupported, "digest");
  }
  SECTION("debug mode") {
    const Bytes dbg =
        vector_document("nitro/blocky-nitrite-2024-09-07-debug/nitro_attestation_debug.b64");
    require_error(verify_nitro(dbg), Errc::DebugMode, "nitro debug mode");
  }
}

TEST_CASE("nitro: the pinned AWS root is the recorded one", "[nitro][roots]") {
  const Bytes pinned = pem_to_der(kAwsNitroRootPem).value();
  CHECK(cert_fingerprint(pinned) == cert_fingerprint(ev::attestation::test::vector_bytes(
                                        "nitro/aws-root/AWS_NitroEnclaves_Root-G1.der")));
}
