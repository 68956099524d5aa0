// The worker's master seed: 32 bytes from the platform RNG at first start, sealed into the data
// directory as <data_dir>/master-seed.sealed (docs/formats/sealed-seed.md).
#pragma once

#include <filesystem>

#include "ev/common/result.hpp"
#include "ev/common/secret.hpp"
#include "ev/enclave/platform.hpp"

namespace ev::enclave {

inline constexpr std::string_view kMasterSeedFile = "master-seed.sealed";
using MasterSeed = Secret<32>;

// Loads the sealed seed from `data_dir`, or, when the file does not exist, draws a new seed
// from `platform`, seals it under `policy` and writes it atomically (temporary file, fsync,
// rename, fsync of the directory). An existing seed is unsealed with `policy` as the accept
// check: a seed sealed under another measurement is refused with PolicyRefused unless `policy`
// is kSigner and the seal is signer-bound within the floor.
// REQUIRES: data_dir exists.
// Errors: Io, PolicyRefused, AuthFailed, Malformed, InvalidArgument (sealed size is not 32).
[[nodiscard]] Result<MasterSeed> load_or_create_master_seed(Platform& platform,
                                                            const std::filesystem::path& data_dir,
                                                            const SealPolicy& policy);

// Writes `data` to `path` atomically: `path`.tmp-<random>, fsync, rename over `path`, fsync of
// the parent directory. The file is created with mode 0600.
[[nodiscard]] Result<void> write_file_atomic(const std::filesystem::path& path, ByteSpan data);

}  // namespace ev::enclave
