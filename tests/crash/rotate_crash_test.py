#!/usr/bin/env python3
"""Crash consistency of epochvault-rotate, and a plaintext scan of everything the stack wrote.

  rotate_crash_test.py <path to epochvault> [--worker-dir DIR] [--kills N] [--per-identity N]
                       [--seed S]

The three executables (epochvault, and epochvault-serve and epochvault-rotate from --worker-dir,
by default the build tree's enclave-worker/bin) are copied into the test's directory first:
a rebuild during the test can then neither break a restart nor change the measurement the dev
stack approved.

Starts `epochvault dev` (scheduled rotation every 3 s, poll 100 ms) in a fresh directory, lets
//Dave's wallet hold credentials of the wallet itself and of three agents (//Eve ecdsa, //Ferdie
ed25519, //Charlie ecdsa), then kills the rotate worker with SIGKILL at random moments (most of
them inside sweeps and destructions), restarting it each time with the same arguments, while
credentials are written and read through the serve worker and //Charlie is revoked halfway.
Afterwards it proves:
  - every credential of //Dave, //Eve and //Ferdie reads back byte-identical; //Charlie gets 403,
    and what //Charlie wrote stays with the wallet: its pointers are on chain and in the mirror
    and //Dave reads every one of them back byte-identical (a revocation deletes nothing);
  - no epoch was destroyed while a pointer referenced it (the pointer history replayed from the
    mirror's events, LiveBlobs read on chain just before each EpochDestroyed, and no current
    pointer at an epoch without a DEK);
  - chain, mirror and store agree (`epochvault mirror verify` on the mirror; every pointer's
    object exists with the SHA-256 the chain records; no object under a destroyed epoch);
  - no file the stack wrote (store, mirrors, chain database, rotate state, sealed seed, logs)
    contains any credential's plaintext, in clear, base64 or hex.
Exit 0 when all of this held, 1 otherwise (the data directory is then kept and printed).
Python 3 standard library only.
"""

import base64
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

MARKER = "ev-secret-"


class Failed(Exception):
    pass


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------
# HTTP and CLI helpers


def http(method, url, body=None, token=None, timeout=60):
    """(status, decoded JSON or text); raises OSError when nothing answers."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            raw = r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        raw = e.read()
        status = e.code
    try:
        return status, json.loads(raw) if raw else None
    except ValueError:
        return status, raw.decode(errors="replace")


def rpc(node_http, method, params):
    st, j = http("POST", node_http, {"jsonrpc": "2.0", "id": 1, "method": method,
                                     "params": params})
    if st != 200 or not isinstance(j, dict) or "result" not in j:
        raise Failed(f"{method}: HTTP {st}: {j}")
    return j["result"]


class Cli:
    def __init__(self, exe, node_rpc=None):
        self.exe = exe
        self.node_rpc = node_rpc

    def run(self, *args, check=True, url=False):
        cmd = [self.exe, *args] + (["--url", self.node_rpc] if url else [])
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if check and p.returncode != 0:
            raise Failed(f"{' '.join(cmd)}: exit {p.returncode}: {p.stdout}{p.stderr}")
        return p

    def account(self, suri, scheme):
        out = self.run("key", "inspect", suri, "--scheme", scheme, "--output", "json").stdout
        return json.loads(out)["accountId"]

    def sign(self, suri, scheme, message_hex):
        out = self.run("key", "sign", "--suri", suri, "--scheme", scheme,
                       "--message", message_hex).stdout.strip()
        return out.split()[-1]

    def call(self, call, args, suri, scheme):
        p = self.run("chain", "call", "VaultPointers", call, json.dumps(args), "--suri", suri,
                     "--scheme", scheme, "--output", "json", url=True)
        if '"success":true' not in p.stdout.replace(" ", ""):
            raise Failed(f"{call}: {p.stdout}{p.stderr}")

    def storage(self, item, *keys, at=None):
        extra = ["--at", at] if at else []
        p = self.run("chain", "storage", "VaultPointers", item, *keys, *extra, url=True)
        return json.loads(p.stdout)


# ---------------------------------------------------------------------------------------------
# Identities and the serve API


class Identity:
    def __init__(self, name, suri, scheme, account):
        self.name, self.suri, self.scheme, self.account = name, suri, scheme, account
        self.token = None
        self.lock = threading.Lock()


class Serve:
    def __init__(self, url, cli, wallet):
        self.url, self.cli, self.wallet = url, cli, wallet

    def login(self, ident):
        st, c = http("POST", self.url + "/v1/auth/challenge",
                     {"wallet": self.wallet, "agent": ident.account})
        if st != 200:
            return st, c
        # The signRaw form (docs/api.md): <Bytes> + message + </Bytes>, checked first.
        msg = c["message"]
        if not (msg.startswith("epochvault-auth/v1\n")
                and ("\nwallet: " + self.wallet + "\n") in msg
                and ("\nagent: " + ident.account + "\n") in msg):
            raise RuntimeError("not our challenge: %r" % msg)
        wrapped = b"<Bytes>" + msg.encode() + b"</Bytes>"
        sig = self.cli.sign(ident.suri, ident.scheme, "0x" + wrapped.hex())
        st, t = http("POST", self.url + "/v1/auth/token",
                     {"challenge_id": c["challenge_id"], "scheme": ident.scheme,
                      "signature": sig})
        if st == 200:
            ident.token = t["token"]
        return st, t

    def request(self, ident, method, path, body=None, tries=12):
        """Retries connection trouble, 401 (new token) and 503; returns (status, json)."""
        last = None
        for attempt in range(tries):
            with ident.lock:
                if ident.token is None:
                    st, j = self.login(ident)
                    if st != 200:
                        return st, j
                token = ident.token
            try:
                st, j = http(method, self.url + path, body, token)
            except OSError as e:
                last = (0, str(e))
                time.sleep(0.2)
                continue
            if st == 401:
                with ident.lock:
                    if ident.token == token:
                        ident.token = None
                last = (st, j)
                continue
            if st == 503:
                last = (st, j)
                time.sleep(0.1 + 0.1 * attempt)
                continue
            return st, j
        return last

    def put(self, ident, service, value):
        return self.request(ident, "PUT", f"/v1/credentials/{self.wallet}/{service}",
                            {"data": base64.b64encode(value).decode()})

    def get(self, ident, service):
        return self.request(ident, "GET", f"/v1/credentials/{self.wallet}/{service}")

    def status(self, ident):
        return self.request(ident, "GET", f"/v1/wallets/{self.wallet}/status")


def new_value():
    return (MARKER + os.urandom(32).hex()).encode()


# ---------------------------------------------------------------------------------------------
# The rotate worker's process


def find_rotate(rotate_dir):
    """pid of the epochvault-rotate whose --data-dir is rotate_dir, or None."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/cmdline", "rb") as f:
                argv = [a.decode() for a in f.read().split(b"\0") if a]
        except OSError:
            continue
        if (argv and os.path.basename(argv[0]) == "epochvault-rotate" and
                "--data-dir" in argv and argv[argv.index("--data-dir") + 1] == rotate_dir):
            return int(d), argv
    return None


def tail(path, n):
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 16384))
        lines = f.read().decode(errors="replace").splitlines()
    return lines[-n:]


def phase_of(lines):
    """What the worker was doing when its last log line was written."""
    for line in reversed(lines):
        if line.startswith("rotate: sweeping ") or line.startswith("rotate: blob "):
            return "sweep"
        if line.startswith("rotate: sweep wallet "):
            done, total = line.rsplit(" ", 1)[1].split("/")
            return "sweep" if done != total else "destroy"
        if line.startswith("rotate: deleting "):
            return "destroy"
        if line.startswith("rotate: destroyed "):
            return "idle"
        if line.startswith("rotate: rotated "):
            return "rotate"
        if line.startswith("rotate: running") or line.startswith("rotate: registered"):
            return "startup"
    return "startup"


# ---------------------------------------------------------------------------------------------
# The test


class Test:
    def __init__(self, exe, worker_dir, kills, per_identity, seed):
        self.exe = exe
        self.worker_dir = worker_dir
        self.kills = kills
        self.per_identity = per_identity
        self.rng = random.Random(seed)
        self.tmp = tempfile.mkdtemp(prefix="ev-rotate-crash-")
        self.dir = os.path.join(self.tmp, "data")
        self.dev = None
        self.rotate = None        # our Popen of the restarted worker
        self.rotate_pid = None
        self.rotate_argv = None
        self.creds = {}           # (identity name, service) -> value bytes
        self.blob_ids = {}        # (identity name, service) -> blob id of the PUT
        self.creds_lock = threading.Lock()
        self.errors = []
        self.charlie_revoking = False
        self.status_note = None
        self.revocation_note = None
        self.stats = {"kills": 0, "phase": {}, "traffic_gets": 0, "traffic_puts": 0,
                      "traffic_reencrypted": 0, "traffic_errors": 0}

    def fail(self, msg):
        self.errors.append(msg)
        log("FAIL: " + msg)

    # -- stack ------------------------------------------------------------------------------

    def copy_binaries(self):
        bindir = os.path.join(self.tmp, "bin")
        os.mkdir(bindir)
        env = dict(os.environ)
        for name, var in (("epochvault-serve", "EPOCHVAULT_SERVE_BIN"),
                          ("epochvault-rotate", "EPOCHVAULT_ROTATE_BIN")):
            src = os.environ.get(var) or os.path.join(self.worker_dir, name)
            if not os.path.isfile(src):
                raise Failed(f"no {name} at {src} (--worker-dir or ${var})")
            dst = os.path.join(bindir, name)
            shutil.copy2(src, dst)
            env[var] = dst
        dst = os.path.join(bindir, "epochvault")
        shutil.copy2(self.exe, dst)
        self.exe = dst
        return env

    def start(self):
        env = self.copy_binaries()
        self.dev_log = open(os.path.join(self.tmp, "dev.log"), "wb")
        self.dev = subprocess.Popen(
            [self.exe, "dev", "--data-dir", self.dir, "--rpc-port", "0", "--serve-port", "0",
             "--rotation-period", "3", "--poll-ms", "100"],
            stdout=self.dev_log, stderr=subprocess.STDOUT, env=env)
        ep = os.path.join(self.dir, "endpoints.json")
        deadline = time.time() + 90
        while not os.path.exists(ep):
            if self.dev.poll() is not None:
                raise Failed(f"epochvault dev exited with {self.dev.returncode}")
            if time.time() > deadline:
                raise Failed("no endpoints.json after 90 s")
            time.sleep(0.1)
        time.sleep(0.2)
        with open(ep) as f:
            self.ep = json.load(f)
        self.wait_healthy(self.ep["serve"], 60, want_ok=True)
        self.cli = Cli(self.exe, self.ep["node_rpc"])
        found = find_rotate(os.path.join(self.dir, "rotate"))
        if not found:
            raise Failed("no epochvault-rotate process for " + self.dir)
        self.rotate_pid, self.rotate_argv = found
        log(f"stack up in {self.dir}; rotate pid {self.rotate_pid}: "
            f"{' '.join(self.rotate_argv[1:])}")

    def wait_healthy(self, base, timeout, want_ok):
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            try:
                st, j = http("GET", base + "/healthz", timeout=5)
                if st == 200 or (not want_ok and st == 503):
                    return st, j
                last = (st, j)
            except OSError as e:
                last = str(e)
            time.sleep(0.05)
        raise Failed(f"{base}/healthz: no answer in {timeout} s ({last})")

    def kill_rotate(self):
        os.kill(self.rotate_pid, signal.SIGKILL)
        if self.rotate is not None:
            self.rotate.wait(timeout=30)
        else:  # the dev process's child: it reaps it; wait until it is gone
            deadline = time.time() + 10
            while time.time() < deadline:
                try:
                    with open(f"/proc/{self.rotate_pid}/stat") as f:
                        if f.read().split(") ", 1)[1][0] == "Z":
                            time.sleep(0.05)
                            continue
                except OSError:
                    break
                time.sleep(0.05)

    def start_rotate(self):
        out = open(self.ep["rotate_log"], "ab")
        self.rotate = subprocess.Popen(self.rotate_argv, stdout=out, stderr=out,
                                       stdin=subprocess.DEVNULL)
        out.close()
        self.rotate_pid = self.rotate.pid
        return self.wait_healthy(self.ep["rotate_health"], 60, want_ok=False)

    def stop(self):
        if self.rotate is not None and self.rotate.poll() is None:
            self.rotate.send_signal(signal.SIGTERM)
            try:
                self.rotate.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.rotate.kill()
                self.rotate.wait()
        if self.dev is not None and self.dev.poll() is None:
            self.dev.send_signal(signal.SIGTERM)
            try:
                self.dev.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.dev.kill()
                self.dev.wait()
        if getattr(self, "dev_log", None):
            self.dev_log.close()

    # -- setup ------------------------------------------------------------------------------

    def setup(self):
        acct = self.cli.account
        self.dave = Identity("dave", "//Dave", "ed25519", acct("//Dave", "ed25519"))
        self.eve = Identity("eve", "//Eve", "ecdsa", acct("//Eve", "ecdsa"))
        self.ferdie = Identity("ferdie", "//Ferdie", "ed25519", acct("//Ferdie", "ed25519"))
        self.charlie = Identity("charlie", "//Charlie", "ecdsa", acct("//Charlie", "ecdsa"))
        self.ids = [self.dave, self.eve, self.ferdie, self.charlie]
        self.wallet = self.dave.account
        self.serve = Serve(self.ep["serve"], self.cli, self.wallet)
        for a in (self.eve, self.ferdie, self.charlie):
            self.cli.call("authorize_agent", [a.account, [], "ReadWrite"], "//Dave", "ed25519")
        for i in self.ids:
            st, j = self.serve.login(i)
            if st != 200:
                raise Failed(f"token for {i.suri}: {st} {j}")
        jobs = [(i, f"{i.name}-svc-{n:02d}") for i in self.ids for n in range(self.per_identity)]
        t0 = time.time()
        self.parallel(lambda job: self.put_new(*job), jobs, 4)
        missing = [j for j in jobs if (j[0].name, j[1]) not in self.creds]
        if missing:
            raise Failed(f"{len(missing)} credentials could not be stored (first: {missing[0][1]})")
        log(f"stored {len(self.creds)} credentials of {len(self.ids)} identities in "
            f"{time.time() - t0:.1f} s")

    def parallel(self, fn, items, n):
        items = list(items)
        lock = threading.Lock()

        def worker():
            while True:
                with lock:
                    if not items:
                        return
                    item = items.pop()
                fn(item)
        ts = [threading.Thread(target=worker) for _ in range(n)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()

    def put_new(self, ident, service):
        value = new_value()
        for _ in range(5):
            st, j = self.serve.put(ident, service, value)
            if st == 201:
                with self.creds_lock:
                    self.creds[(ident.name, service)] = value
                    self.blob_ids[(ident.name, service)] = j["blob_id"]
                return True
            if st == 403 and ident.name == "charlie" and self.charlie_revoking:
                return False
        self.fail(f"PUT {ident.name}/{service}: {st} {j}")
        return False

    def check_get(self, ident, service, value):
        st, j = self.serve.get(ident, service)
        if st != 200:
            return st, j
        got = base64.b64decode(j["data"])
        if got != value:
            self.fail(f"GET {ident.name}/{service}: got {len(got)} bytes that differ from the "
                      f"stored credential (blob {j.get('blob_id')}, epoch {j.get('epoch')})")
        return st, j

    # -- churn ------------------------------------------------------------------------------

    def traffic(self, stop_evt):
        """PUTs of new credentials and GETs of known ones while the worker is being killed."""
        n = 0
        while not stop_evt.is_set():
            n += 1
            live = [i for i in self.ids if i is not self.charlie or not self.charlie_revoking]
            ident = self.rng.choice(live)
            try:
                if n % 4 == 0:
                    if self.put_new(ident, f"{ident.name}-new-{n:04d}"):
                        self.stats["traffic_puts"] += 1
                else:
                    with self.creds_lock:
                        mine = [(s, v) for (name, s), v in self.creds.items()
                                if name == ident.name]
                    service, value = self.rng.choice(mine)
                    st, j = self.check_get(ident, service, value)
                    if st == 200:
                        self.stats["traffic_gets"] += 1
                        self.stats["traffic_reencrypted"] += bool(j.get("reencrypted"))
                    elif st == 403 and ident is self.charlie and self.charlie_revoking:
                        pass
                    else:
                        self.stats["traffic_errors"] += 1
                        if st == 502 or st == 404:
                            self.fail(f"GET {ident.name}/{service} during the crashes: {st} {j}")
                        else:
                            log(f"GET {ident.name}/{service}: {st} {j} (transient)")
            except Exception as e:  # noqa: BLE001 - reported, the loop goes on
                self.stats["traffic_errors"] += 1
                log(f"traffic: {e!r}")
            stop_evt.wait(self.rng.uniform(0.02, 0.15))

    def crash_loop(self):
        stop_evt = threading.Event()
        th = threading.Thread(target=self.traffic, args=(stop_evt,))
        th.start()
        revoke_after = max(1, min(8, self.kills // 2))
        try:
            for k in range(1, self.kills + 1):
                time.sleep(self.rng.uniform(0.05, 2.0))
                self.kill_rotate()
                lines = tail(self.ep["rotate_log"], 4)
                ph = phase_of(lines)
                self.stats["kills"] += 1
                self.stats["phase"][ph] = self.stats["phase"].get(ph, 0) + 1
                log(f"kill #{k} of pid {self.rotate_pid} during {ph}; last log line: "
                    f"{lines[-1] if lines else '(none)'}")
                st, _ = self.start_rotate()
                log(f"  restarted as pid {self.rotate_pid} (/healthz {st})")
                if k == revoke_after:
                    self.charlie_revoking = True
                    self.cli.call("revoke_agent", [self.charlie.account], "//Dave", "ed25519")
                    log("  revoked //Charlie")
        finally:
            stop_evt.set()
            th.join()

    def wait_drained(self, timeout):
        """Until the wallet has no draining epoch: only the current epoch's DEK is on chain.

        Judged from the dev stack's mirror (checked against the chain by `mirror verify` later),
        not from the serve worker's status, whose "draining" list comes from a DEK cache that
        never forgets a destroyed epoch (see the note printed when the two disagree)."""
        deadline = time.time() + timeout
        db = self.ep["mirror_db"]
        last = None
        while time.time() < deadline:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                row = con.execute("SELECT current FROM epochs WHERE wallet = ?",
                                  (self.wallet,)).fetchone()
                deks = sorted(r[0] for r in con.execute(
                    "SELECT epoch FROM epoch_deks WHERE wallet = ?", (self.wallet,)))
                block = con.execute("SELECT v FROM meta WHERE k = 'last_number'").fetchone()[0]
            finally:
                con.close()
            last = (block, row, deks)
            if row and deks == [row[0]]:
                st, j = self.serve.status(self.dave)
                if st == 200 and j["draining"]:
                    self.status_note = (
                        f"serve status at block {j['block']} lists {len(j['draining'])} draining "
                        f"epochs ({', '.join(str(d['epoch']) for d in j['draining'][:5])}, ...) "
                        f"although only epoch {row[0]}'s DEK is on chain at mirror block {block}")
                    log("NOTE: " + self.status_note)
                return {"current_epoch": row[0], "block": block}
            time.sleep(0.1)
        raise Failed(f"the wallet kept draining epochs for {timeout} s (mirror block, epoch, "
                     f"DEKs: {last})")

    # -- verification -------------------------------------------------------------------------

    def verify_reads(self, label):
        bad = 0
        ok = 0
        for (name, service), value in sorted(self.creds.items()):
            ident = next(i for i in self.ids if i.name == name)
            st, j = self.check_get(ident, service, value)
            if ident is self.charlie:
                if st != 403:
                    bad += 1
                    self.fail(f"GET charlie/{service} after the revocation: {st} {j}")
                # What the revoked agent wrote stays with the wallet.
                st, j = self.check_get(self.dave, service, value)
                if st != 200:
                    bad += 1
                    self.fail(f"GET charlie/{service} by the wallet after the revocation: {st} {j}")
                else:
                    ok += 1
            elif st != 200:
                bad += 1
                self.fail(f"GET {name}/{service} ({label}): {st} {j}")
            else:
                ok += 1
        log(f"{label}: {ok} credentials read back byte-identical (//Charlie's by the wallet), "
            f"{sum(1 for k in self.creds if k[0] == 'charlie')} //Charlie reads refused; "
            f"{bad} problems")
        return ok

    def wait_mirror(self, db):
        best = int(rpc(self.ep["node_http"], "chain_getHeader", [])["number"], 16)
        deadline = time.time() + 60
        while time.time() < deadline:
            con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
            try:
                n = int(con.execute("SELECT v FROM meta WHERE k = 'last_number'").fetchone()[0])
            finally:
                con.close()
            if n >= best:
                return best
            time.sleep(0.2)
        raise Failed(f"{db} did not reach block {best}")

    def audit(self):
        best = self.wait_mirror(self.ep["mirror_db"])
        con = sqlite3.connect(f"file:{self.ep['mirror_db']}?mode=ro", uri=True)
        w = self.wallet
        events = con.execute(
            "SELECT block, event_index, name, fields FROM events WHERE wallet = ? "
            "ORDER BY block, event_index", (w,)).fetchall()
        pointers = {r[0]: r[1:] for r in con.execute(
            "SELECT blob_id, service, agent, epoch, ciphertext_hash FROM pointers WHERE wallet = ?",
            (w,))}
        deks = {r[0] for r in con.execute("SELECT epoch FROM epoch_deks WHERE wallet = ?", (w,))}
        current = con.execute("SELECT current FROM epochs WHERE wallet = ?", (w,)).fetchone()[0]
        block_hash = dict(con.execute("SELECT number, hash FROM blocks"))
        con.close()

        # b. Replay the pointer history from the events: at every EpochDestroyed, no pointer of
        #    the wallet may be at that epoch; LiveBlobs just before it must be 0.
        live = {}      # blob id -> epoch
        destroyed = []
        rotations = 0
        revoked_at = None
        epoch_now = 0
        epoch_at_revocation = None
        after_revocation = None   # the first EpochRotated after AgentRevoked
        removed = 0
        for block, idx, name, fields in events:
            f = json.loads(fields)
            if name == "BlobWritten":
                live[f["blob_id"]] = f["epoch"]
            elif name == "BlobReencrypted":
                if live.get(f["blob_id"]) != f["from_epoch"]:
                    self.fail(f"#{block}: BlobReencrypted {f['blob_id']} from {f['from_epoch']}, "
                              f"history says {live.get(f['blob_id'])}")
                live[f["blob_id"]] = f["to_epoch"]
            elif name == "BlobRemoved":
                live.pop(f["blob_id"], None)
                removed += 1
            elif name == "AgentRevoked":
                revoked_at = block
                epoch_at_revocation = epoch_now
            elif name == "EpochRotated":
                rotations += 1
                epoch_now = f["to_epoch"]
                if revoked_at is not None and after_revocation is None:
                    after_revocation = (block, f["from_epoch"], f["reason"])
            elif name == "EpochDestroyed":
                e = f["epoch"]
                refs = [b for b, be in live.items() if be == e]
                if refs:
                    self.fail(f"#{block}: epoch {e} destroyed while {len(refs)} pointers "
                              f"referenced it (first {refs[0]})")
                if e >= current:
                    self.fail(f"#{block}: EpochDestroyed for epoch {e}, current is {current}")
                destroyed.append((block, e))
        if {b: e for b, e in live.items()} != {b: p[2] for b, p in pointers.items()}:
            self.fail("the pointer set replayed from events differs from the mirror's pointers")
        for block, e in destroyed:
            before = self.cli.storage("LiveBlobs", w, str(e), at=block_hash[block - 1])
            now = self.cli.storage("LiveBlobs", w, str(e))
            if before not in (None, 0) or now not in (None, 0):
                self.fail(f"epoch {e} destroyed in #{block} with LiveBlobs {before} before, "
                          f"{now} now")
            if e in deks:
                self.fail(f"epoch {e}: EpochDestroyed in #{block} but its DEK is in the mirror")
            if self.cli.storage("EpochDeks", w, str(e)) is not None:
                self.fail(f"epoch {e}: EpochDestroyed in #{block} but its DEK is on chain")
        for b, (service, agent, epoch, h) in pointers.items():
            if epoch not in deks:
                self.fail(f"pointer {b} ({service}) at epoch {epoch}, whose DEK is destroyed")
        if len({e for _, e in destroyed}) != len(destroyed):
            self.fail("an epoch was destroyed twice")
        # The revocation: the epoch current at AgentRevoked is rotated away and, with every
        # epoch below it, destroyed.
        if revoked_at is None or after_revocation is None:
            self.fail(f"no rotation after the revocation (AgentRevoked in #{revoked_at})")
        else:
            if after_revocation[1] != epoch_at_revocation:
                self.fail(f"the first rotation after AgentRevoked (#{revoked_at}) starts at epoch "
                          f"{after_revocation[1]}, the current one was {epoch_at_revocation}")
            gone = {e for _, e in destroyed}
            missing = [e for e in range(1, epoch_at_revocation + 1) if e not in gone]
            if missing:
                self.fail(f"epochs {missing} (current at the revocation or older) not destroyed")
            if "Revocation" not in json.dumps(after_revocation[2]):
                self.revocation_note = (
                    f"AgentRevoked in #{revoked_at} was followed by a {after_revocation[2]} "
                    f"rotation in #{after_revocation[0]} (epoch {after_revocation[1]} -> "
                    f"{after_revocation[1] + 1}), not a Revocation one: the worker chose the "
                    f"reason from a mirror one block behind, so the 24 h revocation deadline "
                    f"was not applied")
                log("NOTE: " + self.revocation_note)
        log(f"events: {len(events)} of the wallet up to #{best}, {rotations} rotations "
            f"(after the revocation in #{revoked_at}: {after_revocation}), {removed} blobs "
            f"removed, "
            f"{len(destroyed)} EpochDestroyed checked; current epoch {current}, "
            f"DEKs on chain for {sorted(deks)}")

        # a. Every pointer is there (mirror and chain), the revoked //Charlie's included: a
        #    revocation removes none; they still name //Charlie as their writer.
        charlie_ptrs = [b for b, p in pointers.items() if p[1] == self.charlie.account]
        charlie_creds = sum(1 for k in self.blob_ids if k[0] == "charlie")
        if len(charlie_ptrs) < charlie_creds:
            self.fail(f"{len(charlie_ptrs)} pointers written by the revoked //Charlie remain of "
                      f"{charlie_creds} it stored: a revocation must delete none")
        for (name, service), blob in sorted(self.blob_ids.items()):
            hexid = "0x" + blob.replace("-", "")
            on_chain = self.cli.storage("Pointers", w, hexid)
            if on_chain is None or hexid not in pointers:
                self.fail(f"pointer {blob} of {name}/{service} missing (chain {on_chain})")
            elif on_chain["epoch"] != pointers[hexid][2]:
                self.fail(f"pointer {blob}: chain epoch {on_chain['epoch']}, mirror "
                          f"{pointers[hexid][2]}")

        # c. mirror verify, store against pointers, nothing under a destroyed epoch.
        # (The rotate worker keeps no mirror: it reads the chain each pass.)
        for db in (self.ep["mirror_db"],):
            p = self.cli.run("mirror", "verify", "--db", db, check=False, url=True)
            if p.returncode != 0:
                self.fail(f"mirror verify --db {db}: exit {p.returncode}: "
                          f"{(p.stdout + p.stderr).strip()[:2000]}")
            else:
                log(f"mirror verify {os.path.basename(db)}: {p.stdout.strip()}")
        objects = self.store_objects()
        mine = {k: v for k, v in objects.items() if k.startswith(w + "/")}
        by_blob = {}
        for key, digest in mine.items():
            _, service, epoch, name = key.split("/")
            by_blob[(service, int(epoch), name[:-4])] = (key, digest)
            if int(epoch) not in deks:
                self.fail(f"object {key} remains under epoch {int(epoch)}, whose DEK is "
                          f"destroyed")
        checked = 0
        for b, (service, agent, epoch, h) in pointers.items():
            h = h.lower()
            u = b[2:]
            uuid = f"{u[0:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:]}"
            obj = by_blob.get((service, epoch, uuid))
            if obj is None:
                self.fail(f"pointer {uuid} ({service}, epoch {epoch}): no object in the store")
            elif "0x" + obj[1] != h:
                self.fail(f"{obj[0]}: SHA-256 0x{obj[1]}, the pointer says {h}")
            else:
                checked += 1
        orphans = len(mine) - checked
        # The CLI's listing agrees with the files.
        p = self.cli.run("store", "ls", w + "/", "--store", self.ep["store_url"])
        listed = set(p.stdout.split())
        if listed != set(mine):
            self.fail(f"epochvault store ls lists {len(listed)} keys, the directory holds "
                      f"{len(mine)}")
        log(f"store: {len(mine)} objects of the wallet, {checked} pointers matched by SHA-256, "
            f"{orphans} unreferenced objects (all under live epochs)")
        return len(destroyed), len(events), checked

    def store_objects(self):
        """key -> sha256 hex of the content, read from the directory store's files."""
        root = os.path.join(self.dir, "store", "objects")
        out = {}
        for d, _, files in os.walk(root):
            rel = os.path.relpath(d, root)
            parts = [] if rel == "." else rel.split(os.sep)
            for fn in files:
                if fn.startswith("%t"):
                    continue
                segs = [s[:-3] if s.endswith("%2F") else s for s in parts] + [fn]
                key = "/".join(s.replace("%2F", "/").replace("%25", "%") for s in segs)
                with open(os.path.join(d, fn), "rb") as f:
                    data = f.read()
                length = int.from_bytes(data[8:16], "little")
                if data[:8] != b"EVDSOBJ1" or length != len(data) - 32:
                    self.fail(f"store file {os.path.join(d, fn)} is not a valid object file")
                    continue
                out[key] = hashlib.sha256(data[32:]).hexdigest()
        return out

    def scan(self):
        """Every credential contains MARKER, so its clear text, base64 and hex contain the
        marker's; the random part of each credential is also looked up on its own."""
        generic = [MARKER.encode(), base64.b64encode(b"ev-secret"),
                   MARKER.encode().hex().encode(), MARKER.encode().hex().upper().encode()]
        tails = {v[len(MARKER):].lower() for v in self.creds.values()}
        hexrun = re.compile(rb"[0-9a-fA-F]{64,}")
        files = 0
        total = 0
        hits = []
        paths = [os.path.join(self.tmp, "dev.log")]
        for d, _, fns in os.walk(self.dir):
            paths += [os.path.join(d, fn) for fn in fns]
        for path in sorted(paths):
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            with open(path, "rb") as f:
                data = f.read()
            files += 1
            total += len(data)
            found = next((n for n in generic if n in data), None)
            if found is None:
                for m in hexrun.finditer(data):
                    run = m.group().lower()
                    found = next((run[i:i + 64] for i in range(len(run) - 63)
                                  if run[i:i + 64] in tails), None)
                    if found:
                        break
            if found:
                hits.append((path, found[:40]))
        for path, n in hits:
            self.fail(f"plaintext found in {path}: {n!r}")
        log(f"plaintext scan: {files} files, {total} bytes, {len(tails)} credentials, "
            f"{len(hits)} hits")
        return files, total

    # -- all of it ------------------------------------------------------------------------------

    def run(self):
        t0 = time.time()
        self.start()
        self.setup()
        self.crash_loop()
        log("crash loop over; waiting for the restarted worker to drain the wallet")
        self.wait_healthy(self.ep["rotate_health"], 60, want_ok=True)
        st = self.wait_drained(120)
        log(f"drained: current epoch {st['current_epoch']} is the only one with a DEK "
            f"(mirror block {st['block']})")
        self.verify_reads("reads while rotations go on")
        # Freeze the state for the audit: stop the worker cleanly between two passes.
        self.rotate.send_signal(signal.SIGTERM)
        rc = self.rotate.wait(timeout=60)
        if rc != 0:
            self.fail(f"the rotate worker exited with {rc} on SIGTERM")
        verified = self.verify_reads("reads at rest")
        destroyed, events, matched = self.audit()
        self.stop()
        files, nbytes = self.scan()
        ph = self.stats["phase"]
        print("== rotate crash test summary ==")
        print(f"kills: {self.stats['kills']} (phases: "
              + ", ".join(f"{k} {v}" for k, v in sorted(ph.items())) + ")")
        print(f"kills during sweep/destroy: {ph.get('sweep', 0)} sweep + "
              f"{ph.get('destroy', 0)} destroy = {ph.get('sweep', 0) + ph.get('destroy', 0)}")
        print(f"traffic during the kills: {self.stats['traffic_gets']} GETs "
              f"({self.stats['traffic_reencrypted']} lazily re-encrypted), "
              f"{self.stats['traffic_puts']} PUTs, {self.stats['traffic_errors']} retried errors")
        print(f"credentials verified: {verified} byte-identical "
              f"(of {len(self.creds)} stored; "
              f"{sum(1 for k in self.creds if k[0] == 'charlie')} of revoked //Charlie refused)")
        print(f"events checked: {events} wallet events, {destroyed} EpochDestroyed; "
              f"{matched} pointers matched to store objects")
        print(f"files scanned: {files} ({nbytes} bytes)")
        for note in (self.status_note, self.revocation_note):
            if note:
                print("note: " + note)
        print(f"time: {time.time() - t0:.0f} s")
        if ph.get("sweep", 0) + ph.get("destroy", 0) == 0:
            self.fail("no kill landed during a sweep or a destruction")
        return not self.errors


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    exe = os.path.abspath(args[0])
    opts = {"--kills": 24, "--per-identity": 40, "--seed": None,
            "--worker-dir": os.path.join(os.path.dirname(exe), "..", "..", "enclave-worker", "bin")}
    i = 1
    while i < len(args):
        if args[i] not in opts or i + 1 >= len(args):
            print(f"unknown or incomplete option {args[i]}", file=sys.stderr)
            return 2
        opts[args[i]] = args[i + 1] if args[i] == "--worker-dir" else int(args[i + 1])
        i += 2
    seed = opts["--seed"] if opts["--seed"] is not None else int.from_bytes(os.urandom(4), "big")
    log(f"seed {seed}")
    t = Test(exe, os.path.abspath(opts["--worker-dir"]), opts["--kills"], opts["--per-identity"],
             seed)
    ok = False
    try:
        ok = t.run()
    except Failed as e:
        t.fail(str(e))
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        t.fail(repr(e))
    finally:
        t.stop()
    if ok and not t.errors:
        shutil.rmtree(t.tmp, ignore_errors=True)
        print("rotate crash test: all checks held")
        return 0
    print(f"rotate crash test: {len(t.errors)} failures; data kept in {t.tmp}", file=sys.stderr)
    for e in t.errors[:50]:
        print("  - " + e, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
