// The dev runtime's metadata model: FRAME type paths and shapes, pallets System, Utility, Sudo
// and VaultPointers, extrinsic v4 with the modern signed-extension order, runtime APIs.
#include <string>
#include <utility>
#include <vector>

#include "ev/chain/metadata_builder.hpp"
#include "ev/chain/storage_key.hpp"
#include "ev/devnode/runtime.hpp"
#include "ev/vault/calls.hpp"
#include "ev/vault/errors.hpp"
#include "ev/vault/events.hpp"
#include "ev/vault/registry.hpp"

namespace ev::devnode {

using chain::Hasher;
using chain::Primitive;
using chain::StorageEntry;
using chain::StorageModifier;
using chain::TypeField;
using chain::TypeParam;
using chain::TypeVariant;

namespace {

TypeField named(std::string name, std::uint32_t type, std::string type_name) {
  return TypeField{std::move(name), type, std::move(type_name)};
}
TypeField unnamed(std::uint32_t type, std::string type_name) {
  return TypeField{std::nullopt, type, std::move(type_name)};
}
TypeVariant unit_variant(std::string name, std::uint8_t index) {
  return TypeVariant{std::move(name), {}, index};
}

StorageEntry plain(std::string name, std::uint32_t value, StorageModifier m, Bytes def = {}) {
  StorageEntry e;
  e.name = std::move(name);
  e.modifier = m;
  e.value_type = value;
  e.default_value = std::move(def);
  return e;
}
StorageEntry map(std::string name, std::vector<Hasher> hashers, std::uint32_t key,
                 std::uint32_t value, StorageModifier m, Bytes def = {}) {
  StorageEntry e;
  e.name = std::move(name);
  e.modifier = m;
  e.is_map = true;
  e.hashers = std::move(hashers);
  e.key_type = key;
  e.value_type = value;
  e.default_value = std::move(def);
  return e;
}

}  // namespace

Result<chain::Metadata> build_runtime_metadata(const RuntimeVersion& version) {
  chain::TypeRegistryBuilder b;
  const auto u8 = b.primitive(Primitive::U8);
  const auto u16 = b.primitive(Primitive::U16);
  const auto u32 = b.primitive(Primitive::U32);
  const auto u64 = b.primitive(Primitive::U64);
  const auto t_u128 = b.primitive(Primitive::U128);
  const auto str = b.primitive(Primitive::Str);
  const auto unit = b.unit();
  const auto bytes = b.bytes();
  const auto account = b.account_id32();
  const auto h256 = b.h256();
  const auto u8x4 = b.array(u8, 4);
  const auto u8x8 = b.array(u8, 8);
  const auto u8x16 = b.array(u8, 16);
  const auto compact_u64 = b.compact(u64);
  const auto compact_u128 = b.compact(t_u128);

  // ---- sp_runtime / frame_support / frame_system shared types ----
  const auto weight =
      b.composite({"sp_weights", "weight_v2", "Weight"},
                  {named("ref_time", compact_u64, "u64"), named("proof_size", compact_u64, "u64")});
  const auto dispatch_class = b.variant(
      {"frame_support", "dispatch", "DispatchClass"},
      {unit_variant("Normal", 0), unit_variant("Operational", 1), unit_variant("Mandatory", 2)});
  const auto pays = b.variant({"frame_support", "dispatch", "Pays"},
                              {unit_variant("Yes", 0), unit_variant("No", 1)});
  const auto dispatch_info = b.composite(
      {"frame_support", "dispatch", "DispatchInfo"},
      {named("weight", weight, "Weight"), named("class", dispatch_class, "DispatchClass"),
       named("pays_fee", pays, "Pays")});
  const auto module_error = b.composite(
      {"sp_runtime", "ModuleError"},
      {named("index", u8, "u8"), named("error", u8x4, "[u8; MAX_MODULE_ERROR_ENCODED_SIZE]")});
  const auto token_error =
      b.variant({"sp_runtime", "TokenError"},
                {unit_variant("FundsUnavailable", 0), unit_variant("OnlyProvider", 1),
                 unit_variant("BelowMinimum", 2), unit_variant("CannotCreate", 3),
                 unit_variant("UnknownAsset", 4), unit_variant("Frozen", 5),
                 unit_variant("Unsupported", 6), unit_variant("CannotCreateHold", 7),
                 unit_variant("NotExpendable", 8), unit_variant("Blocked", 9)});
  const auto arithmetic_error =
      b.variant({"sp_arithmetic", "ArithmeticError"},
                {unit_variant("Underflow", 0), unit_variant("Overflow", 1),
                 unit_variant("DivisionByZero", 2)});
  const auto transactional_error =
      b.variant({"sp_runtime", "TransactionalError"},
                {unit_variant("LimitReached", 0), unit_variant("NoLayer", 1)});
  std::vector<TypeVariant> trie_variants;
  {
    const char* names[] = {"InvalidStateRoot",      "IncompleteDatabase", "ValueAtIncompleteKey",
                           "DecoderError",          "InvalidHash",        "DuplicateKey",
                           "ExtraneousNode",        "ExtraneousValue",    "ExtraneousHashReference",
                           "InvalidChildReference", "ValueMismatch",      "IncompleteProof",
                           "RootMismatch",          "DecodeError"};
    std::uint8_t i = 0;
    for (const char* n : names) trie_variants.push_back(unit_variant(n, i++));
  }
  const auto trie_error = b.variant({"sp_runtime", "proving_trie", "TrieError"}, trie_variants);
  const auto dispatch_error = b.variant(
      {"sp_runtime", "DispatchError"},
      {unit_variant("Other", 0), unit_variant("CannotLookup", 1), unit_variant("BadOrigin", 2),
       TypeVariant{"Module", {unnamed(module_error, "ModuleError")}, 3},
       unit_variant("ConsumerRemaining", 4), unit_variant("NoProviders", 5),
       unit_variant("TooManyConsumers", 6),
       TypeVariant{"Token", {unnamed(token_error, "TokenError")}, 7},
       TypeVariant{"Arithmetic", {unnamed(arithmetic_error, "ArithmeticError")}, 8},
       TypeVariant{"Transactional", {unnamed(transactional_error, "TransactionalError")}, 9},
       unit_variant("Exhausted", 10), unit_variant("Corruption", 11),
       unit_variant("Unavailable", 12), unit_variant("RootNotAllowed", 13),
       TypeVariant{"Trie", {unnamed(trie_error, "TrieError")}, 14}});
  const auto dispatch_result = b.result(unit, dispatch_error);
  const auto account_data =
      b.composite({"pallet_balances", "types", "AccountData"},
                  {named("free", t_u128, "Balance"), named("reserved", t_u128, "Balance"),
                   named("frozen", t_u128, "Balance"), named("flags", t_u128, "ExtraFlags")},
                  {TypeParam{"Balance", t_u128}});
  const auto account_info =
      b.composite({"frame_system", "AccountInfo"},
                  {named("nonce", u32, "Nonce"), named("consumers", u32, "RefCount"),
                   named("providers", u32, "RefCount"), named("sufficients", u32, "RefCount"),
                   named("data", account_data, "AccountData")},
                  {TypeParam{"Nonce", u32}, TypeParam{"AccountData", account_data}});
  const auto multi_address = b.multi_address(account, unit);
  const auto multi_signature = b.multi_signature();
  const auto api_tuple = b.tuple({u8x8, u32});
  const auto runtime_version_t = b.composite(
      {"sp_version", "RuntimeVersion"},
      {named("spec_name", str, "Cow<'static, str>"), named("impl_name", str, "Cow<'static, str>"),
       named("authoring_version", u32, "u32"), named("spec_version", u32, "u32"),
       named("impl_version", u32, "u32"), named("apis", b.sequence(api_tuple), "ApisVec"),
       named("transaction_version", u32, "u32"), named("system_version", u8, "u8")});

  // ---- VaultPointers types ----
  const auto bounded_u8 = b.bounded_vec(u8);
  const auto role = b.variant({"pallet_vault_pointers", "types", "Role"},
                              {unit_variant("Serve", 0), unit_variant("Rotate", 1)});
  const auto service_list = b.bounded_vec(bounded_u8);
  const auto reason = b.variant(
      {"pallet_vault_pointers", "types", "RotationReason"},
      {unit_variant("Scheduled", 0), TypeVariant{"Revocation", {unnamed(account, "AccountId")}, 1},
       unit_variant("Operator", 2)},
      {TypeParam{"AccountId", account}});
  const auto option_u32 = b.option(u32);
  const auto access = b.variant({"pallet_vault_pointers", "types", "Access"},
                                {unit_variant("Read", 0), unit_variant("ReadWrite", 1)});
  const auto reader_list = b.bounded_vec(account);
  const auto vault_pointer = b.composite(
      {"pallet_vault_pointers", "types", "VaultPointer"},
      {named("service", bounded_u8, "ServiceName"), named("agent", account, "AccountId"),
       named("epoch", u32, "Epoch"), named("ciphertext_hash", h256, "H256"),
       named("size", u32, "u32"), named("created_at", u32, "BlockNumber"),
       named("updated_at", u32, "BlockNumber"), named("name", bounded_u8, "CredentialName"),
       named("readers", reader_list, "ReaderList")});
  const auto epoch_info =
      b.composite({"pallet_vault_pointers", "types", "EpochInfo"},
                  {named("current", u32, "Epoch"), named("rotated_at", u32, "BlockNumber"),
                   named("reason", reason, "RotationReason")});
  const auto epoch_dek = b.composite(
      {"pallet_vault_pointers", "types", "EpochDek"},
      {named("wrapped_dek", bounded_u8, "WrappedDek"), named("created_at", u32, "BlockNumber")});
  const auto agent_grant = b.composite(
      {"pallet_vault_pointers", "types", "AgentGrant"},
      {named("services", service_list, "ServiceList"), named("granted_at", u32, "BlockNumber"),
       named("revoked_at", option_u32, "Option<BlockNumber>"), named("access", access, "Access")});
  const auto attestation_platform =
      b.variant({"pallet_vault_pointers", "types", "AttestationPlatform"},
                {unit_variant("Simulated", 0), unit_variant("Nitro", 1), unit_variant("SevSnp", 2),
                 unit_variant("Sgx", 3), unit_variant("Tdx", 4)});
  const auto worker_info = b.composite(
      {"pallet_vault_pointers", "types", "WorkerInfo"},
      {named("role", role, "Role"), named("measurement", bounded_u8, "Measurement"),
       named("attestation_hash", h256, "H256"), named("registered_at", u32, "BlockNumber"),
       named("platform", attestation_platform, "AttestationPlatform"),
       named("tcb_status", bounded_u8, "TcbStatus"), named("attested_at", u64, "u64"),
       named("expires_at", u64, "u64")});
  const auto attestation_config = b.composite(
      {"pallet_vault_pointers", "types", "AttestationConfig"},
      {named("dev_mode", b.primitive(Primitive::Bool), "bool"), named("max_age_secs", u64, "u64"),
       named("trusted_roots", b.bounded_vec(h256), "BoundedVec<H256, ConstU32<8>>")});

  const auto vault_call = b.variant(
      {"pallet_vault_pointers", "pallet", "Call"},
      {TypeVariant{"approve_measurement",
                   {named("measurement", bounded_u8, "Measurement"), named("role", role, "Role")},
                   0},
       TypeVariant{"revoke_measurement", {named("measurement", bounded_u8, "Measurement")}, 1},
       TypeVariant{"register_worker",
                   {named("role", role, "Role"), named("measurement", bounded_u8, "Measurement"),
                    named("attestation", bytes, "Vec<u8>")},
                   2},
       TypeVariant{
           "authorize_agent",
           {named("agent", account, "AccountId"), named("services", service_list, "ServiceList"),
            named("access", access, "Access")},
           3},
       TypeVariant{"revoke_agent", {named("agent", account, "AccountId")}, 4},
       TypeVariant{
           "open_epoch",
           {named("wallet", account, "AccountId"), named("wrapped_dek", bounded_u8, "WrappedDek")},
           5},
       TypeVariant{
           "register_blob",
           {named("wallet", account, "AccountId"), named("blob_id", u8x16, "BlobId"),
            named("service", bounded_u8, "ServiceName"), named("agent", account, "AccountId"),
            named("epoch", u32, "Epoch"), named("ciphertext_hash", h256, "H256"),
            named("size", u32, "u32"), named("name", bounded_u8, "CredentialName"),
            named("readers", reader_list, "ReaderList")},
           6},
       TypeVariant{"reencrypt_blob",
                   {named("wallet", account, "AccountId"), named("blob_id", u8x16, "BlobId"),
                    named("from_epoch", u32, "Epoch"), named("to_epoch", u32, "Epoch"),
                    named("ciphertext_hash", h256, "H256"), named("size", u32, "u32")},
                   7},
       TypeVariant{"remove_blob",
                   {named("wallet", account, "AccountId"), named("blob_id", u8x16, "BlobId")},
                   8},
       TypeVariant{"rotate_epoch",
                   {named("wallet", account, "AccountId"), named("from_epoch", u32, "Epoch"),
                    named("wrapped_dek", bounded_u8, "WrappedDek"),
                    named("reason", reason, "RotationReason")},
                   9},
       TypeVariant{"destroy_epoch",
                   {named("wallet", account, "AccountId"), named("epoch", u32, "Epoch"),
                    named("objects_deleted", u32, "u32"), named("deletion_digest", h256, "H256")},
                   10}},
      {TypeParam{"T", std::nullopt}});
  const auto vault_event = b.variant(
      {"pallet_vault_pointers", "pallet", "Event"},
      {TypeVariant{"MeasurementApproved",
                   {named("measurement", bounded_u8, "Measurement"), named("role", role, "Role")},
                   0},
       TypeVariant{"MeasurementRevoked", {named("measurement", bounded_u8, "Measurement")}, 1},
       TypeVariant{"WorkerRegistered",
                   {named("worker", account, "AccountId"), named("role", role, "Role"),
                    named("measurement", bounded_u8, "Measurement"),
                    named("platform", attestation_platform, "AttestationPlatform"),
                    named("tcb_status", bounded_u8, "TcbStatus"), named("attested_at", u64, "u64"),
                    named("expires_at", u64, "u64")},
                   2},
       TypeVariant{
           "AgentAuthorized",
           {named("wallet", account, "AccountId"), named("agent", account, "AccountId"),
            named("services", service_list, "ServiceList"), named("access", access, "Access")},
           3},
       TypeVariant{"AgentRevoked",
                   {named("wallet", account, "AccountId"), named("agent", account, "AccountId")},
                   4},
       TypeVariant{
           "BlobWritten",
           {named("wallet", account, "AccountId"), named("blob_id", u8x16, "BlobId"),
            named("service", bounded_u8, "ServiceName"), named("agent", account, "AccountId"),
            named("epoch", u32, "Epoch"), named("ciphertext_hash", h256, "H256"),
            named("name", bounded_u8, "CredentialName")},
           5},
       TypeVariant{"BlobReencrypted",
                   {named("wallet", account, "AccountId"), named("blob_id", u8x16, "BlobId"),
                    named("from_epoch", u32, "Epoch"), named("to_epoch", u32, "Epoch"),
                    named("ciphertext_hash", h256, "H256")},
                   6},
       TypeVariant{"BlobRemoved",
                   {named("wallet", account, "AccountId"), named("blob_id", u8x16, "BlobId"),
                    named("epoch", u32, "Epoch")},
                   7},
       TypeVariant{"EpochRotated",
                   {named("wallet", account, "AccountId"), named("from_epoch", u32, "Epoch"),
                    named("to_epoch", u32, "Epoch"), named("reason", reason, "RotationReason")},
                   8},
       TypeVariant{"EpochDestroyed",
                   {named("wallet", account, "AccountId"), named("epoch", u32, "Epoch"),
                    named("objects_deleted", u32, "u32"), named("deletion_digest", h256, "H256")},
                   9}},
      {TypeParam{"T", std::nullopt}});
  std::vector<TypeVariant> vault_error_variants;
  for (std::uint8_t i = 0; i < vault::kPalletErrorCount; ++i) {
    vault_error_variants.push_back(
        unit_variant(std::string(vault::error_name(static_cast<vault::PalletError>(i))), i));
  }
  const auto vault_error = b.variant({"pallet_vault_pointers", "pallet", "Error"},
                                     vault_error_variants, {TypeParam{"T", std::nullopt}});

  // ---- RuntimeCall (recursive through Utility and Sudo) ----
  const auto runtime_call = b.reserve();
  const auto system_call =
      b.variant({"frame_system", "pallet", "Call"},
                {TypeVariant{"remark", {named("remark", bytes, "Vec<u8>")}, 0},
                 TypeVariant{"remark_with_event", {named("remark", bytes, "Vec<u8>")}, 7}},
                {TypeParam{"T", std::nullopt}});
  const auto utility_call = b.variant(
      {"pallet_utility", "pallet", "Call"},
      {TypeVariant{"batch_all",
                   {named("calls", b.sequence(runtime_call), "Vec<<T as Config>::RuntimeCall>")},
                   2}},
      {TypeParam{"T", std::nullopt}});
  const auto sudo_call = b.variant(
      {"pallet_sudo", "pallet", "Call"},
      {TypeVariant{"sudo", {named("call", runtime_call, "Box<<T as Config>::RuntimeCall>")}, 0},
       TypeVariant{"set_key", {named("new", multi_address, "AccountIdLookupOf<T>")}, 2}},
      {TypeParam{"T", std::nullopt}});
  chain::TypeDef rc;
  rc.path = {"epochvault_dev_runtime", "RuntimeCall"};
  rc.kind = chain::TypeKind::Variant;
  rc.variants = {
      TypeVariant{"System",
                  {unnamed(system_call,
                           "self::sp_api_hidden_includes_construct_runtime::hidden_include::"
                           "dispatch::CallableCallFor<System, Runtime>")},
                  kSystemIndex},
      TypeVariant{"Utility",
                  {unnamed(utility_call,
                           "self::sp_api_hidden_includes_construct_runtime::hidden_include::"
                           "dispatch::CallableCallFor<Utility, Runtime>")},
                  kUtilityIndex},
      TypeVariant{"Sudo",
                  {unnamed(sudo_call,
                           "self::sp_api_hidden_includes_construct_runtime::hidden_include::"
                           "dispatch::CallableCallFor<Sudo, Runtime>")},
                  kSudoIndex},
      TypeVariant{"VaultPointers",
                  {unnamed(vault_call,
                           "self::sp_api_hidden_includes_construct_runtime::hidden_include::"
                           "dispatch::CallableCallFor<VaultPointers, Runtime>")},
                  kVaultIndex}};
  b.define(runtime_call, rc);

  // ---- Events ----
  const auto system_event = b.variant(
      {"frame_system", "pallet", "Event"},
      {TypeVariant{"ExtrinsicSuccess", {named("dispatch_info", dispatch_info, "DispatchInfo")}, 0},
       TypeVariant{"ExtrinsicFailed",
                   {named("dispatch_error", dispatch_error, "DispatchError"),
                    named("dispatch_info", dispatch_info, "DispatchInfo")},
                   1},
       unit_variant("CodeUpdated", 2),
       TypeVariant{"NewAccount", {named("account", account, "T::AccountId")}, 3},
       TypeVariant{"KilledAccount", {named("account", account, "T::AccountId")}, 4},
       TypeVariant{"Remarked",
                   {named("sender", account, "T::AccountId"), named("hash", h256, "T::Hash")},
                   5}},
      {TypeParam{"T", std::nullopt}});
  const auto utility_event = b.variant(
      {"pallet_utility", "pallet", "Event"},
      {TypeVariant{"BatchInterrupted",
                   {named("index", u32, "u32"), named("error", dispatch_error, "DispatchError")},
                   0},
       unit_variant("BatchCompleted", 1), unit_variant("BatchCompletedWithErrors", 2),
       unit_variant("ItemCompleted", 3),
       TypeVariant{"ItemFailed", {named("error", dispatch_error, "DispatchError")}, 4},
       TypeVariant{"DispatchedAs", {named("result", dispatch_result, "DispatchResult")}, 5}},
      {TypeParam{"T", std::nullopt}});
  const auto option_account = b.option(account);
  const auto sudo_event = b.variant(
      {"pallet_sudo", "pallet", "Event"},
      {TypeVariant{"Sudid", {named("sudo_result", dispatch_result, "DispatchResult")}, 0},
       TypeVariant{"KeyChanged",
                   {named("old", option_account, "Option<T::AccountId>"),
                    named("new", account, "T::AccountId")},
                   1},
       unit_variant("KeyRemoved", 2),
       TypeVariant{"SudoAsDone", {named("sudo_result", dispatch_result, "DispatchResult")}, 3}},
      {TypeParam{"T", std::nullopt}});
  const auto runtime_event = b.variant(
      {"epochvault_dev_runtime", "RuntimeEvent"},
      {TypeVariant{"System", {unnamed(system_event, "frame_system::Event<Runtime>")}, kSystemIndex},
       TypeVariant{"Utility", {unnamed(utility_event, "pallet_utility::Event")}, kUtilityIndex},
       TypeVariant{"Sudo", {unnamed(sudo_event, "pallet_sudo::Event<Runtime>")}, kSudoIndex},
       TypeVariant{"VaultPointers",
                   {unnamed(vault_event, "pallet_vault_pointers::Event<Runtime>")},
                   kVaultIndex}});
  const auto phase =
      b.variant({"frame_system", "Phase"},
                {TypeVariant{"ApplyExtrinsic", {unnamed(u32, "u32")}, 0},
                 unit_variant("Finalization", 1), unit_variant("Initialization", 2)});
  const auto event_record =
      b.composite({"frame_system", "EventRecord"},
                  {named("phase", phase, "Phase"), named("event", runtime_event, "E"),
                   named("topics", b.sequence(h256), "Vec<T>")},
                  {TypeParam{"E", runtime_event}, TypeParam{"T", h256}});
  const auto events_vec = b.sequence(event_record);

  // ---- Errors ----
  const auto system_error = b.variant(
      {"frame_system", "pallet", "Error"},
      {unit_variant("InvalidSpecName", 0), unit_variant("SpecVersionNeedsToIncrease", 1),
       unit_variant("FailedToExtractRuntimeVersion", 2), unit_variant("NonDefaultComposite", 3),
       unit_variant("NonZeroRefCount", 4), unit_variant("CallFiltered", 5)},
      {TypeParam{"T", std::nullopt}});
  const auto utility_error =
      b.variant({"pallet_utility", "pallet", "Error"}, {unit_variant("TooManyCalls", 0)},
                {TypeParam{"T", std::nullopt}});
  const auto sudo_error =
      b.variant({"pallet_sudo", "pallet", "Error"}, {unit_variant("RequireSudo", 0)},
                {TypeParam{"T", std::nullopt}});
  const auto runtime_error = b.variant(
      {"epochvault_dev_runtime", "RuntimeError"},
      {TypeVariant{"System", {unnamed(system_error, "frame_system::Error<Runtime>")}, kSystemIndex},
       TypeVariant{
           "Utility", {unnamed(utility_error, "pallet_utility::Error<Runtime>")}, kUtilityIndex},
       TypeVariant{"Sudo", {unnamed(sudo_error, "pallet_sudo::Error<Runtime>")}, kSudoIndex},
       TypeVariant{"VaultPointers",
                   {unnamed(vault_error, "pallet_vault_pointers::Error<Runtime>")},
                   kVaultIndex}});

  // ---- Extrinsic ----
  const auto era = b.variant({"sp_runtime", "generic", "era", "Era"}, [&] {
    std::vector<TypeVariant> v;
    v.push_back(unit_variant("Immortal", 0));
    for (std::uint32_t i = 1; i < 256; ++i) {
      v.push_back(TypeVariant{
          "Mortal" + std::to_string(i), {unnamed(u8, "")}, static_cast<std::uint8_t>(i)});
    }
    return v;
  }());
  const auto ext_empty = [&](std::string crate, std::string module, std::string name) {
    return b.composite({std::move(crate), std::move(module), std::move(name)}, {},
                       {TypeParam{"T", std::nullopt}});
  };
  const auto check_non_zero = ext_empty("frame_system", "extensions", "CheckNonZeroSender");
  const auto check_spec =
      b.composite({"frame_system", "extensions", "check_spec_version", "CheckSpecVersion"}, {},
                  {TypeParam{"T", std::nullopt}});
  const auto check_tx =
      b.composite({"frame_system", "extensions", "check_tx_version", "CheckTxVersion"}, {},
                  {TypeParam{"T", std::nullopt}});
  const auto check_genesis =
      b.composite({"frame_system", "extensions", "check_genesis", "CheckGenesis"}, {},
                  {TypeParam{"T", std::nullopt}});
  const auto check_mortality =
      b.composite({"frame_system", "extensions", "check_mortality", "CheckMortality"},
                  {unnamed(era, "Era")}, {TypeParam{"T", std::nullopt}});
  const auto check_nonce =
      b.composite({"frame_system", "extensions", "check_nonce", "CheckNonce"},
                  {unnamed(b.compact(u32), "T::Nonce")}, {TypeParam{"T", std::nullopt}});
  const auto check_weight =
      b.composite({"frame_system", "extensions", "check_weight", "CheckWeight"}, {},
                  {TypeParam{"T", std::nullopt}});
  const auto charge =
      b.composite({"pallet_transaction_payment", "ChargeTransactionPayment"},
                  {unnamed(compact_u128, "BalanceOf<T>")}, {TypeParam{"T", std::nullopt}});
  const auto mode = b.variant({"frame_metadata_hash_extension", "Mode"},
                              {unit_variant("Disabled", 0), unit_variant("Enabled", 1)});
  const auto check_md = b.composite({"frame_metadata_hash_extension", "CheckMetadataHash"},
                                    {named("mode", mode, "Mode")}, {TypeParam{"T", std::nullopt}});
  const auto option_h256 = b.option(h256);
  const auto extra = b.tuple({check_non_zero, check_spec, check_tx, check_genesis, check_mortality,
                              check_nonce, check_weight, charge, check_md});
  const auto unchecked = b.unchecked_extrinsic(multi_address, runtime_call, multi_signature, extra);

  // ---- Runtime API types ----
  const auto opaque_metadata =
      b.composite({"sp_core", "OpaqueMetadata"}, {unnamed(bytes, "Vec<u8>")});
  const auto option_opaque = b.option(opaque_metadata);
  const auto vec_u32 = b.sequence(u32);
  const auto acc_blob = b.tuple({account, u8x16});
  const auto acc_u32 = b.tuple({account, u32});
  const auto acc_acc = b.tuple({account, account});
  const auto runtime_marker = b.composite({"epochvault_dev_runtime", "Runtime"}, {});

  chain::Metadata m;
  m.version = 14;
  m.types = EV_TRY_CTX("dev runtime types", std::move(b).finish());

  // System
  chain::Pallet system;
  system.name = "System";
  system.index = kSystemIndex;
  system.calls_type = system_call;
  system.events_type = system_event;
  system.errors_type = system_error;
  system.storage_prefix = "System";
  system.storage = {
      map("Account", {Hasher::Blake2_128Concat}, account, account_info, StorageModifier::Default,
          scale::encode(AccountInfo{})),
      plain("ExtrinsicCount", u32, StorageModifier::Optional),
      plain("Number", u32, StorageModifier::Default, Bytes(4, 0)),
      plain("ParentHash", h256, StorageModifier::Default, Bytes(32, 0)),
      map("BlockHash", {Hasher::Twox64Concat}, u32, h256, StorageModifier::Default, Bytes(32, 0)),
      plain("Events", events_vec, StorageModifier::Default, Bytes{0}),
      plain("EventCount", u32, StorageModifier::Default, Bytes(4, 0)),
  };
  system.constants = {chain::Constant{"Version", runtime_version_t, version.encode()},
                      chain::Constant{"SS58Prefix", u16, scale::encode(kSs58Prefix)}};
  m.pallets.push_back(std::move(system));

  chain::Pallet utility;
  utility.name = "Utility";
  utility.index = kUtilityIndex;
  utility.calls_type = utility_call;
  utility.events_type = utility_event;
  utility.errors_type = utility_error;
  m.pallets.push_back(std::move(utility));

  chain::Pallet sudo;
  sudo.name = "Sudo";
  sudo.index = kSudoIndex;
  sudo.calls_type = sudo_call;
  sudo.events_type = sudo_event;
  sudo.errors_type = sudo_error;
  sudo.storage_prefix = "Sudo";
  sudo.storage = {plain("Key", account, StorageModifier::Optional)};
  m.pallets.push_back(std::move(sudo));

  chain::Pallet vp;
  vp.name = std::string(vault::kPalletName);
  vp.index = kVaultIndex;
  vp.calls_type = vault_call;
  vp.events_type = vault_event;
  vp.errors_type = vault_error;
  vp.storage_prefix = std::string(vault::kPalletName);
  const auto b128 = Hasher::Blake2_128Concat;
  const auto t64 = Hasher::Twox64Concat;
  // Double maps take the tuple of their keys as key type.
  vp.storage = {
      map("Pointers", {b128, b128}, acc_blob, vault_pointer, StorageModifier::Optional),
      map("Epochs", {b128}, account, epoch_info, StorageModifier::Optional),
      map("EpochDeks", {b128, t64}, acc_u32, epoch_dek, StorageModifier::Optional),
      map("LiveBlobs", {b128, t64}, acc_u32, u32, StorageModifier::Default, Bytes(4, 0)),
      map("Agents", {b128, b128}, acc_acc, agent_grant, StorageModifier::Optional),
      map("Workers", {b128}, account, worker_info, StorageModifier::Optional),
      map("ApprovedMeasurements", {b128}, bounded_u8, role, StorageModifier::Optional),
      plain(std::string(vault::kAttestationConfigItem), attestation_config,
            StorageModifier::Optional),
  };
  m.pallets.push_back(std::move(vp));

  m.extrinsic.versions = {4};
  m.extrinsic.address_type = multi_address;
  m.extrinsic.call_type = runtime_call;
  m.extrinsic.signature_type = multi_signature;
  m.extrinsic.extra_type = extra;
  m.extrinsic.extrinsic_type = unchecked;
  m.extrinsic.signed_extensions = {{"CheckNonZeroSender", check_non_zero, unit},
                                   {"CheckSpecVersion", check_spec, u32},
                                   {"CheckTxVersion", check_tx, u32},
                                   {"CheckGenesis", check_genesis, h256},
                                   {"CheckMortality", check_mortality, h256},
                                   {"CheckNonce", check_nonce, unit},
                                   {"CheckWeight", check_weight, unit},
                                   {"ChargeTransactionPayment", charge, unit},
                                   {"CheckMetadataHash", check_md, option_h256}};
  m.runtime_type = runtime_marker;
  m.outer_enums = chain::OuterEnums{runtime_call, runtime_event, runtime_error};

  const auto api = [](std::string name, std::vector<chain::RuntimeApiMethod> methods) {
    return chain::RuntimeApi{std::move(name), std::move(methods)};
  };
  m.apis = {
      api("Core", {chain::RuntimeApiMethod{"version", {}, runtime_version_t}}),
      api("Metadata",
          {chain::RuntimeApiMethod{"metadata", {}, opaque_metadata},
           chain::RuntimeApiMethod{"metadata_at_version", {{"version", u32}}, option_opaque},
           chain::RuntimeApiMethod{"metadata_versions", {}, vec_u32}}),
      api("AccountNonceApi",
          {chain::RuntimeApiMethod{"account_nonce", {{"account", account}}, u32}}),
  };
  return m;
}

}  // namespace ev::devnode
