#!/usr/bin/env bash
# Installs every build and test dependency from Debian's packages. Idempotent: packages
# already present are skipped; apt-get update runs first whenever something is missing.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config ccache git ca-certificates
  clang libclang-rt-14-dev clang-format clang-tidy llvm
  libsodium-dev libsecp256k1-dev libssl-dev libxxhash-dev libsimdjson-dev nlohmann-json3-dev
  libcpp-httplib-dev libcbor-dev libsqlite3-dev sqlite3 libpugixml-dev libwebsocketpp-dev libasio-dev
  catch2 libbenchmark-dev python3-mnemonic nettle-dev
  libsystemd-dev systemd
  jq curl prometheus
  radosgw ceph-common ceph-mon ceph-osd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "bootstrap: installing ${missing[*]}"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
