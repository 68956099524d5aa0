// `epochvault attest verify`: checks an attestation document or evidence bundle offline against
// the pinned vendor roots (docs/attestation.md), for auditors and agents.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "ev/attestation/evidence.hpp"
#include "ev/attestation/report_data.hpp"
#include "ev/chain/ss58.hpp"
#include "ev/common/bytes.hpp"

namespace ev::cli {
namespace {

namespace at = ev::attestation;

Result<Bytes> read_input(const std::string& path) {
  std::FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) return make_error(Errc::BadInput, "cannot open " + path);
  Bytes data;
  std::uint8_t buf[65536];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0 && data.size() <= at::kMaxEvidence) {
    data.insert(data.end(), buf, buf + n);
  }
  const bool failed = std::ferror(f) != 0;
  if (f != stdin) std::fclose(f);
  if (failed) return make_error(Errc::BadInput, "cannot read " + path);
  if (data.size() > at::kMaxEvidence) {
    return make_error(Errc::BadInput, path + " is larger than 1 MiB");
  }
  return data;
}

std::string utc(std::int64_t t) {
  const auto tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Checks --nonce, --expect-measurement and the commitment options against a verified result.
Result<void> check_expectations(const Args& args, const at::Verified& v) {
  std::optional<Bytes> nonce;
  if (auto n = args.get("nonce")) nonce = EV_TRY_CTX("--nonce", from_hex(*n));
  if (args.has("account") || args.has("genesis")) {
    if (!args.has("account") || !args.has("genesis")) {
      return make_error(Errc::Usage, "--account and --genesis go together");
    }
    at::Commitment c;
    c.account = EV_TRY_CTX("--account", chain::parse_account_id(*args.get("account")));
    c.genesis_hash = EV_TRY_CTX("--genesis", from_hex_fixed<32>(*args.get("genesis")));
    c.purpose = EV_TRY_CTX("--purpose", at::purpose_from_name(args.get_or("purpose", "register")));
    c.nonce = nonce.value_or(Bytes{});
    EV_TRY(at::check_report_data(v.report_data, c));
  } else if (nonce) {
    bool ok = false;
    if (v.platform == at::Platform::Nitro) {
      ok = v.nonce == *nonce;
    } else {
      ok = v.report_data.size() >= nonce->size() &&
           std::equal(nonce->begin(), nonce->end(), v.report_data.begin()) &&
           std::all_of(v.report_data.begin() + static_cast<std::ptrdiff_t>(nonce->size()),
                       v.report_data.end(), [](std::uint8_t b) { return b == 0; });
    }
    if (!ok) {
      return make_error(at::Errc::ReportData,
                        v.platform == at::Platform::Nitro
                            ? "the document's nonce is not the expected one"
                            : "the report data is not the expected nonce (zero-padded)");
    }
  }
  for (const std::string& want : args.all("expect-measurement")) {
    const auto eq = want.find('=');
    const std::string name = eq == std::string::npos ? "" : want.substr(0, eq);
    const Bytes value = EV_TRY_CTX("--expect-measurement",
                                   from_hex(eq == std::string::npos ? want : want.substr(eq + 1)));
    const Bytes* have = name.empty() ? &v.primary_measurement() : v.measurement(name);
    if (have == nullptr) {
      return make_error(at::Errc::Measurement, "the document has no measurement " + name);
    }
    if (*have != value) {
      return make_error(at::Errc::Measurement, (name.empty() ? v.measurements.front().name : name) +
                                                   " is " + to_hex(*have, false) + ", expected " +
                                                   to_hex(value, false));
    }
  }
  return ok();
}

Result<void> verify_cmd(const std::vector<std::string>& argv) {
  auto args = EV_TRY(parse_args(
      argv, {"nonce", "expect-measurement", "at", "output", "account", "genesis", "purpose"},
      {"allow-debug", "allow-no-collateral", "allow-simulated"}));
  if (args.positional.size() != 1)
    return make_error(Errc::Usage, "expected FILE or - (see --help)");
  const std::string output = args.get_or("output", "text");
  if (output != "text" && output != "json") {
    return make_error(Errc::Usage, "--output must be text or json");
  }
  at::VerifyOptions opts;
  opts.at = args.has("at") ? EV_TRY_CTX("--at", at::parse_time(*args.get("at")))
                           : static_cast<std::int64_t>(std::time(nullptr));
  opts.allow_debug = args.has("allow-debug");
  opts.allow_no_collateral = args.has("allow-no-collateral");
  const Bytes file = EV_TRY(read_input(args.positional[0]));
  at::Verified v = EV_TRY(at::verify_evidence(file, opts));
  if (!v.tee_verified && !args.has("allow-simulated")) {
    return make_error(at::Errc::NotHardware,
                      "a simulated attestation proves nothing about hardware "
                      "(--allow-simulated accepts it for development)");
  }
  EV_TRY(check_expectations(args, v));

  if (output == "json") {
    nlohmann::json j;
    j["ok"] = true;
    j["platform"] = std::string(at::platform_name(v.platform));
    j["tee_verified"] = v.tee_verified;
    nlohmann::json m = nlohmann::json::object();
    for (const auto& x : v.measurements) m[x.name] = to_hex(x.value, false);
    j["measurements"] = m;
    j["measurement"] = to_hex(v.primary_measurement(), false);
    j["report_data"] = to_hex(v.report_data, false);
    j["tcb_status"] = v.tcb_status;
    j["debug"] = v.debug;
    j["verified_at"] = v.verified_at;
    if (v.issued_at) j["issued_at"] = *v.issued_at;
    if (v.platform == at::Platform::Nitro) j["nonce"] = to_hex(v.nonce, false);
    j["checks"] = v.checks;
    j["notes"] = v.notes;
    std::printf("%s\n", j.dump(2).c_str());
    return ok();
  }
  std::printf("verified: %s attestation%s\n", std::string(at::platform_name(v.platform)).c_str(),
              v.tee_verified ? "" : " (simulated, not hardware-backed)");
  for (const auto& x : v.measurements) {
    std::printf("  %-12s %s\n", x.name.c_str(), to_hex(x.value, false).c_str());
  }
  std::printf("  %-12s %s\n", "report_data", to_hex(v.report_data, false).c_str());
  std::printf("  %-12s %s\n", "tcb_status", v.tcb_status.c_str());
  std::printf("  %-12s %s\n", "debug", v.debug ? "yes (allowed by --allow-debug)" : "no");
  std::printf("  %-12s %s (%lld)\n", "checked_at", utc(v.verified_at).c_str(),
              static_cast<long long>(v.verified_at));
  if (v.issued_at) std::printf("  %-12s %s\n", "issued_at", utc(*v.issued_at).c_str());
  for (const auto& c : v.checks) std::printf("  check: %s\n", c.c_str());
  for (const auto& n : v.notes) std::printf("  note: %s\n", n.c_str());
  return ok();
}

}  // namespace

void register_attest_commands(std::vector<Command>& out) {
  out.push_back(
      {"attest", "verify", "verify an attestation document or evidence bundle offline",
       "epochvault attest verify FILE|- [--nonce HEX] [--expect-measurement [NAME=]HEX]...\n"
       "    [--at TIME] [--output text|json] [--account SS58|0xHEX --genesis 0xHEX\n"
       "    [--purpose register|session|seed-release]] [--allow-debug] [--allow-no-collateral]\n"
       "    [--allow-simulated]\n"
       "  FILE: a Nitro document, a DCAP quote or a simulated report (binary, hex or base64), or "
       "a\n"
       "  JSON evidence bundle (docs/formats/attestation.md). TIME: Unix seconds or RFC 3339\n"
       "  (default now; Nitro documents are usually checked at their own time, e.g. --at with\n"
       "  their timestamp). --nonce: the Nitro nonce, or the report data (zero-padded); with\n"
       "  --account and --genesis, the nonce inside the report-data commitment. Exit 0 only when\n"
       "  every check passes.",
       verify_cmd});
}

}  // namespace ev::cli
