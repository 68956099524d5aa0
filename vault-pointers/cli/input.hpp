// What a person has, turned into what the chain wants, and back: the node URL (--url or
// EPOCHVAULT_URL), secret URIs (--suri, --suri-file, EPOCHVAULT_SURI or a no-echo prompt),
// accounts (SS58 or hex), service names (text or hex), blob ids (UUID or hex). And the one
// printed form: SS58 accounts, UUID blob ids, text service names.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "ev/chain/client.hpp"
#include "ev/chain/keys.hpp"
#include "ev/chain/metadata.hpp"
#include "ev/common/bytes.hpp"

namespace ev::cli {

inline constexpr const char* kDefaultUrl = "ws://127.0.0.1:9944";
inline constexpr const char* kUrlEnv = "EPOCHVAULT_URL";
inline constexpr const char* kSuriEnv = "EPOCHVAULT_SURI";

// --url, else $EPOCHVAULT_URL, else ws://127.0.0.1:9944.
[[nodiscard]] std::string node_url(const Args& args);
[[nodiscard]] Result<std::unique_ptr<chain::ChainClient>> connect_node(const Args& args);

// --output text|json (text when absent).
[[nodiscard]] Result<bool> json_output_of(const Args& args);

// A secret URI held only as long as needed and wiped afterwards.
class SecretUri {
 public:
  explicit SecretUri(std::string s) : s_(std::move(s)) {}
  SecretUri(const SecretUri&) = delete;
  SecretUri& operator=(const SecretUri&) = delete;
  SecretUri(SecretUri&&) noexcept = default;
  SecretUri& operator=(SecretUri&&) noexcept = default;
  ~SecretUri();
  [[nodiscard]] std::string_view view() const { return s_; }

 private:
  std::string s_;
};

// The signer's secret URI, from the first of: --suri, --suri-file FILE (its first line),
// $EPOCHVAULT_SURI, a prompt without echo when stdin is a terminal. `what` names the key in
// the prompt and the error ("wallet").
[[nodiscard]] Result<SecretUri> secret_uri(const Args& args, std::string_view what);

// --scheme, or the CLI's default signing scheme when absent.
[[nodiscard]] Result<chain::Scheme> scheme_or_default(const Args& args);
[[nodiscard]] Result<chain::KeyPair> signer_of(const Args& args, std::string_view what);

// An account as SS58 (any network) or 0x + 64 hex digits; errors name `what`.
[[nodiscard]] Result<ByteArray<32>> parse_account(std::string_view text, std::string_view what);
[[nodiscard]] std::string ss58(const ByteArray<32>& account, std::uint16_t prefix = 42);

// Service names: text ("github.com") or 0x-hex of the text; the text is checked.
[[nodiscard]] Result<std::string> parse_service(std::string_view text);
// Blob ids: UUID text (8-4-4-4-12, any case) or 0x + 32 hex digits.
[[nodiscard]] Result<ByteArray<16>> parse_blob_id(std::string_view text);
[[nodiscard]] std::string uuid_text(ByteSpan id16);

// Rewrites user JSON for registry type `type` before encoding: a string that does not start
// with 0x, where bytes are due, is taken as text (a service name, a remark) or, for 16 bytes, as
// a UUID. Anything else is left for the codec to judge.
[[nodiscard]] nlohmann::json prepare_input(const chain::Metadata& md, std::uint32_t type,
                                           const nlohmann::json& value);
// The same for a call's arguments (array or object), by the call's fields.
[[nodiscard]] Result<nlohmann::json> prepare_call_args(const chain::Metadata& md,
                                                       std::string_view pallet,
                                                       std::string_view call,
                                                       const nlohmann::json& args);

// Rewrites decoded JSON of registry type `type` for people: fields typed ServiceName or
// ServiceList as text, 16-byte arrays (BlobId) as UUIDs. Accounts are already SS58.
[[nodiscard]] nlohmann::json humanize(const chain::Metadata& md, std::uint32_t type,
                                      const nlohmann::json& value);
// The same for an event's fields, by the event's variant.
[[nodiscard]] nlohmann::json humanize_event(const chain::Metadata& md, std::string_view pallet,
                                            std::string_view name, const nlohmann::json& fields);

}  // namespace ev::cli
