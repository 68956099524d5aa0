#!/usr/bin/env bash
# Runs a command against a real S3 server: Ceph RADOS Gateway on a throw-away single-node cluster.
#   tests/interop/with-rgw.sh <command> [args...]
# Installs nothing (scripts/bootstrap.sh installs radosgw ceph-common ceph-mon ceph-osd). Builds,
# under a fresh temporary directory, one monitor, one OSD on memstore (no disk), no manager, and
# radosgw (beast) on a free 127.0.0.1 port with `rgw dns name = localhost`, so both path-style
# and virtual-hosted-style (Host: <bucket>.localhost:PORT) requests work. Creates a user with
# known keys and a bucket, then runs the command with
#   EV_S3_ENDPOINT=http://127.0.0.1:PORT  EV_S3_BUCKET  AWS_ACCESS_KEY_ID  AWS_SECRET_ACCESS_KEY
#   AWS_REGION=us-east-1
# exported (EV_RGW_DIR is the cluster's directory, for logs). Every daemon is killed and the
# directory removed when the script ends, whatever the outcome. Everything listens on loopback.
# Exit code: the command's; 77 ("SKIPPED: reason") if the Ceph binaries are missing; 1 if the
# cluster does not come up (its logs are printed).
set -euo pipefail

if (($# == 0)); then
  echo "usage: $0 <command> [args...]" >&2
  exit 2
fi

for bin in ceph ceph-mon ceph-osd ceph-authtool monmaptool radosgw radosgw-admin curl; do
  if ! command -v "$bin" >/dev/null; then
    echo "SKIPPED: $bin not found (scripts/bootstrap.sh installs radosgw ceph-common ceph-mon ceph-osd)"
    exit 77
  fi
done

dir="$(mktemp -d "${TMPDIR:-/tmp}/ev-rgw.XXXXXX")"
pids=()
cleanup() {
  local rc=$?
  local f
  for f in "$dir"/run/*.pid; do
    [[ -f "$f" ]] && pids+=("$(cat "$f")")
  done
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    local alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    ((alive == 0)) && break
    sleep 0.1
  done
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$dir"
  exit "$rc"
}
child=""
stop() {
  if [[ -n "$child" ]]; then kill "$child" 2>/dev/null || true; fi
  exit "$1"
}
trap cleanup EXIT
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop 129' HUP

fail() {
  echo "with-rgw: $*" >&2
  for f in "$dir"/log/*.log; do
    [[ -f "$f" ]] || continue
    echo "---- $(basename "$f") (last 30 lines)" >&2
    tail -n 30 "$f" >&2
  done
  exit 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

mkdir -p "$dir"/{run,log,mon,osd,rgw}
conf="$dir/ceph.conf"
fsid="$(cat /proc/sys/kernel/random/uuid)"
mon_port="$(free_port)"
rgw_port="$(free_port)"
while [[ "$rgw_port" == "$mon_port" ]]; do rgw_port="$(free_port)"; done

cat >"$conf" <<CONF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
ms bind msgr1 = false
public addr = 127.0.0.1
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $dir/admin.keyring
run dir = $dir/run
admin socket = $dir/run/\$name.asok
pid file = $dir/run/\$name.pid
log file = $dir/log/\$name.log
log to stderr = false
err to stderr = true
mon data = $dir/mon/\$name
osd data = $dir/osd/\$name
osd objectstore = memstore
memstore device bytes = 1073741824
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
osd crush chooseleaf type = 0
auth allow insecure global id reclaim = false

[osd]
keyring = $dir/osd.\$id.keyring

[client.rgw.ev]
keyring = $dir/rgw.keyring
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw dns name = localhost
rgw data = $dir/rgw
rgw enable usage log = false
CONF

ceph_() { ceph -c "$conf" --connect-timeout 10 "$@"; }

# Monitor.
ceph-authtool --create-keyring "$dir/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$dir/admin.keyring" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$dir/mon.keyring" --import-keyring "$dir/admin.keyring" >/dev/null
monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/mon.keyring" \
  || fail "ceph-mon --mkfs failed"
ceph-mon -c "$conf" -i a 2>>"$dir/log/start.log" || fail "ceph-mon did not start"

# OSD on memstore, with its own keyring (--mkkey would otherwise overwrite the admin keyring).
osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
osd_id="$(ceph_ osd new "$osd_uuid")" || fail "ceph osd new failed"
mkdir -p "$dir/osd/osd.$osd_id"
ceph-osd -c "$conf" -i "$osd_id" --mkfs --mkkey --osd-uuid "$osd_uuid" --no-mon-config \
  --keyring "$dir/osd.$osd_id.keyring" >/dev/null 2>&1 || fail "ceph-osd --mkfs failed"
ceph_ auth add "osd.$osd_id" osd 'allow *' mon 'allow profile osd' \
  -i "$dir/osd.$osd_id.keyring" >/dev/null 2>&1 || fail "ceph auth add osd.$osd_id failed"
ceph-osd -c "$conf" -i "$osd_id" 2>>"$dir/log/start.log" || fail "ceph-osd did not start"
up=""
for _ in $(seq 1 120); do
  if ceph_ osd stat 2>/dev/null | grep -q '1 up'; then up=yes; break; fi
  sleep 0.5
done
[[ -n "$up" ]] || fail "the OSD did not come up in 60 s"

# RADOS Gateway.
ceph_ auth get-or-create client.rgw.ev mon 'allow rw' osd 'allow rwx' \
  -o "$dir/rgw.keyring" >/dev/null 2>&1 || fail "creating the radosgw key failed"
radosgw -c "$conf" -n client.rgw.ev 2>>"$dir/log/start.log" || fail "radosgw did not start"
endpoint="http://127.0.0.1:$rgw_port"
ready=""
for _ in $(seq 1 240); do
  if curl -s -o /dev/null "$endpoint/"; then ready=yes; break; fi
  sleep 0.25
done
[[ -n "$ready" ]] || fail "radosgw did not answer on $endpoint in 60 s"

access_key="EVTESTACCESSKEY00001"
secret_key="evtestsecretkey0000000000000000000000001"
radosgw-admin -c "$conf" -n client.admin user create --uid=epochvault --display-name=epochvault \
  --access-key="$access_key" --secret-key="$secret_key" >/dev/null 2>&1 \
  || fail "radosgw-admin user create failed"
bucket="ev-interop"
# curl 7.88 does not add x-amz-content-sha256 itself; RGW requires it (SHA-256 of the empty body).
empty_sha256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
created=""
for _ in $(seq 1 40); do
  code="$(curl -s -o "$dir/bucket.out" -w '%{http_code}' -X PUT -H "x-amz-content-sha256: $empty_sha256" \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$access_key:$secret_key" "$endpoint/$bucket")"
  if [[ "$code" == 200 ]]; then created=yes; break; fi
  sleep 0.25
done
[[ -n "$created" ]] || fail "creating bucket $bucket failed (HTTP $code: $(cat "$dir/bucket.out"))"

export EV_S3_ENDPOINT="$endpoint"
export EV_S3_BUCKET="$bucket"
export AWS_ACCESS_KEY_ID="$access_key"
export AWS_SECRET_ACCESS_KEY="$secret_key"
export AWS_REGION="us-east-1"
export EV_RGW_DIR="$dir"
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_SHARED_CREDENTIALS_FILE AWS_DEFAULT_REGION
echo "radosgw on $endpoint, bucket $bucket (cluster in $dir)" >&2
# The command runs in the background so that a signal to this script is handled at once (bash
# defers traps while a foreground command runs): the command is stopped and the cluster torn down.
set +e
"$@" <&0 &
child=$!
wait "$child"
exit $?
