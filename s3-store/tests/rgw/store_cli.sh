#!/usr/bin/env bash
# `epochvault store ...` end to end.
#   s3-store/tests/rgw/store_cli.sh <path to epochvault>
# With EV_S3_ENDPOINT set (tests/interop/with-rgw.sh) it runs against Ceph RGW in both
# addressing styles and checks that a wrong secret prints "AccessDenied: SignatureDoesNotMatch";
# without it, against a directory store in a temporary directory.
set -euo pipefail
ev="${1:?path to epochvault}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_error <fragment> <command...>: the command must fail with one stderr line holding fragment.
expect_error() {
  local fragment="$1"
  shift
  if "$@" >"$work/out" 2>"$work/err"; then
    fail "succeeded: $*"
    return
  fi
  if [[ "$(wc -l <"$work/err")" -ne 1 ]] || ! grep -qF -- "$fragment" "$work/err"; then
    fail "expected one line with '$fragment' from: $* (got: $(cat "$work/err"))"
  fi
}

exercise() {
  local store="$1"
  local ns="cli-$RANDOM$RANDOM"
  head -c 70000 /dev/urandom >"$work/blob"
  local etag
  etag="$("$ev" store put "$ns/blob" "$work/blob" --store "$store")"
  [[ "$etag" == "$(md5sum "$work/blob" | cut -d' ' -f1)" ]] || fail "put printed etag $etag"
  "$ev" store get "$ns/blob" -o "$work/short" --store "$store"
  cmp -s "$work/blob" "$work/short" || fail "get -o returned other bytes"
  "$ev" store get "$ns/blob" --output "$work/long" --store "$store"
  cmp -s "$work/blob" "$work/long" || fail "get --output returned other bytes"
  "$ev" store get "$ns/blob" --store "$store" >"$work/stdout"
  cmp -s "$work/blob" "$work/stdout" || fail "get to stdout returned other bytes"
  printf 'from stdin' | "$ev" store put "$ns/dir/stdin key" - --create-only --store "$store" >/dev/null
  [[ "$("$ev" store get "$ns/dir/stdin key" --store "$store")" == "from stdin" ]] || fail "stdin put"
  "$ev" store head "$ns/blob" --store "$store" >"$work/head"
  grep -qx "size 70000" "$work/head" || fail "head: $(cat "$work/head")"
  grep -qx "etag $etag" "$work/head" || fail "head etag: $(cat "$work/head")"
  printf '%s\n' "$ns/blob" "$ns/dir/stdin key" >"$work/want"
  "$ev" store ls "$ns/" --store "$store" >"$work/ls"
  cmp -s "$work/want" "$work/ls" || fail "ls: $(cat "$work/ls")"
  "$ev" store ls "$ns/dir/" --long --store "$store" | grep -q "^10	" || fail "ls --long"

  expect_error "PreconditionFailed" "$ev" store put "$ns/blob" "$work/blob" --create-only --store "$store"
  expect_error "NotFound" "$ev" store get "$ns/missing" --store "$store"
  expect_error "NotFound" "$ev" store head "$ns/missing" --store "$store"
  expect_error "InvalidKey" "$ev" store put "$ns//bad" "$work/blob" --store "$store"
  expect_error "PreconditionFailed" "$ev" store get "$ns/blob" --if-match 0123 --store "$store"
  expect_error "InvalidKey" "$ev" store rm "$ns/blob" "$ns//bad" --store "$store"
  "$ev" store rm "$ns/dir/stdin key" "$ns/never-there" --store "$store"
  [[ -z "$("$ev" store ls "$ns/" --store "$store")" ]] || fail "rm left keys behind"
}

expect_error "usage" "$ev" store ls
expect_error "unknown parameter 'colour'" "$ev" store ls --store "s3://bucket?colour=red"
expect_error "unsupported scheme" "$ev" store ls --store "ftp://x"
expect_error "cannot open" "$ev" store put k "$work/no-such-file" --store "file://$work/d"

if [[ -n "${EV_S3_ENDPOINT:-}" ]]; then
  port="${EV_S3_ENDPOINT##*:}"
  path_url="s3://$EV_S3_BUCKET/cli-prefix?endpoint=$EV_S3_ENDPOINT&style=path"
  vhost_url="s3://$EV_S3_BUCKET?endpoint=http://localhost:$port&style=virtual"
  exercise "$path_url"
  exercise "$vhost_url"
  expect_error "AccessDenied: SignatureDoesNotMatch" \
    env AWS_SECRET_ACCESS_KEY=wrong-secret "$ev" store ls --store "$path_url"
  expect_error "AccessDenied: SignatureDoesNotMatch" \
    env AWS_SECRET_ACCESS_KEY=wrong-secret "$ev" store put k "$work/blob" --store "$vhost_url"
  expect_error "AccessDenied: InvalidAccessKeyId" \
    env AWS_ACCESS_KEY_ID=NOSUCHKEY0000000000 "$ev" store get k --store "$path_url"
  # Credentials from a shared credentials file profile instead of the environment.
  printf '[cli]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
    "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$work/credentials"
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY "$ev" store ls --store "$path_url" \
    --profile cli --credentials-file "$work/credentials" >/dev/null || fail "profile credentials"
  expect_error "no S3 credentials" env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY HOME="$work" \
    "$ev" store ls --store "$path_url"
  echo "store CLI against RGW: $failures failure(s)"
else
  exercise "file://$work/store"
  echo "store CLI against a directory store: $failures failure(s)"
fi
((failures == 0))
