#!/usr/bin/env python3
"""The executables' service notifications and --print-measurement, end to end.

  service_notify_test.py <epochvault> <epochvault-devnode> <epochvault-serve> <epochvault-rotate>

For each of the dev node, serve and rotate: binds a datagram unix socket, starts the executable
with NOTIFY_SOCKET pointing at it (and WATCHDOG_USEC=400000, as systemd's WatchdogSec= sets), and
checks that READY=1 arrives together with a STATUS=, and only once the executable serves (the
node answers JSON-RPC; serve answers HTTP on the port its STATUS names; rotate has registered
on chain), that WATCHDOG=1 then arrives at least twice a second, and that after SIGTERM
STOPPING=1 arrives and the process exits 0. Before the workers start, each worker's
`--print-measurement` output is checked (the measurement is the SHA-384 of the executable) and
the approve command it prints is run as printed against the node; the workers can register only
because it worked. Before that, an unapproved serve worker must exit 1 with that same command in
its log. Also checks that without NOTIFY_SOCKET the node starts
and stops as before. Python 3 standard library only.
"""

import hashlib
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

WATCHDOG_USEC = 400000


class Failed(Exception):
    pass


def log(msg):
    print(msg, flush=True)


class NotifySocket:
    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.messages = []  # (monotonic time, {key: value})

    def poll(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
        self.messages.append((time.monotonic(), fields))
        return fields

    def wait_for(self, key, proc, timeout):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc.poll() is not None:
                raise Failed(f"exited with {proc.returncode} before {key}=1")
            m = self.poll(0.2)
            if m is not None and m.get(key) == "1":
                return m
        raise Failed(f"no {key}=1 within {timeout} s")

    def close(self):
        self.sock.close()


def start(cmd, notify_path, out_path):
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    if notify_path:
        env["NOTIFY_SOCKET"] = notify_path
        env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    out = open(out_path, "w")
    p = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    out.close()
    return p


def rpc(port, method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())["result"]


def check_watchdog_and_stop(name, ns, proc):
    """WATCHDOG=1 at least twice within a second; then SIGTERM -> STOPPING=1 and exit 0."""
    pings = 0
    end = time.monotonic() + 1.0
    while time.monotonic() < end:
        m = ns.poll(0.1)
        if m is not None and m.get("WATCHDOG") == "1":
            pings += 1
    if pings < 2:
        raise Failed(f"{name}: {pings} WATCHDOG=1 in 1 s with WATCHDOG_USEC={WATCHDOG_USEC}")
    proc.send_signal(signal.SIGTERM)
    stopping = ns.wait_for("STOPPING", _Alive(), 30)
    try:
        rc = proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise Failed(f"{name}: did not exit within 60 s of SIGTERM")
    if rc != 0:
        raise Failed(f"{name}: exit code {rc} after SIGTERM")
    readies = sum(1 for _, m in ns.messages if m.get("READY") == "1")
    if readies != 1:
        raise Failed(f"{name}: READY=1 sent {readies} times")
    log(f"ok: {name}: {pings} WATCHDOG=1 read in 1 s, STOPPING=1 "
        f"(STATUS={stopping.get('STATUS')!r}) and exit 0 on SIGTERM")


class _Alive:
    """A process stand-in for wait_for while the real one is stopping (it may exit first)."""

    returncode = None

    def poll(self):
        return None


def ready_status(name, ns, proc, timeout):
    m = ns.wait_for("READY", proc, timeout)
    if not m.get("STATUS"):
        raise Failed(f"{name}: READY=1 without STATUS=: {m}")
    log(f"ok: {name}: READY=1 with STATUS={m['STATUS']!r}")
    return m


def refused_names_command(exe, node_port, work):
    """An unapproved worker gives up after --wait-seconds; its log names the approve command."""
    p = subprocess.run([exe, "--node", f"ws://127.0.0.1:{node_port}", "--data-dir",
                        f"{work}/refused", "--store", f"file://{work}/refused-store",
                        "--wait-seconds", "2"], capture_output=True, text=True, timeout=120)
    if p.returncode != 1:
        raise Failed(f"unapproved {exe}: exit {p.returncode}, expected 1: {p.stderr}")
    printed = subprocess.run([exe, "--print-measurement"], capture_output=True, text=True,
                             timeout=60).stdout.splitlines()
    command = next(ln.strip() for ln in printed if ln.strip().startswith("epochvault "))
    if command not in p.stderr or "MeasurementNotApproved" not in p.stderr:
        raise Failed(f"unapproved {exe}: the log does not name the approve command "
                     f"{command}: {p.stderr}")
    log(f"ok: unapproved {os.path.basename(exe)} exits 1 and its log names the approve command")


def print_measurement(exe, role, cli, node_port):
    p = subprocess.run([exe, "--print-measurement"], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise Failed(f"{exe} --print-measurement: exit {p.returncode}: {p.stderr}")
    lines = p.stdout.splitlines()
    with open(exe, "rb") as f:
        expected = "0x" + hashlib.sha384(f.read()).hexdigest()
    if lines[0] != expected:
        raise Failed(f"{exe} --print-measurement: {lines[0]}, SHA-384 of the file is {expected}")
    if f"role: {role}" not in lines:
        raise Failed(f"{exe} --print-measurement: no 'role: {role}' line: {p.stdout}")
    commands = [ln.strip() for ln in lines if ln.strip().startswith("epochvault ")]
    if len(commands) != 1 or expected not in commands[0]:
        raise Failed(f"{exe} --print-measurement: expected one approve command: {p.stdout}")
    # Run the printed command as printed, with the test's epochvault and node.
    cmd = shlex.split(commands[0])
    cmd[0] = cli
    cmd += ["--url", f"ws://127.0.0.1:{node_port}"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    if r.returncode != 0 or "VaultPointers.MeasurementApproved" not in r.stdout:
        raise Failed(f"the printed approve command failed: exit {r.returncode}: "
                     f"{r.stdout}{r.stderr}")
    approved = rpc_storage(cli, node_port, expected)
    if approved != role:
        raise Failed(f"ApprovedMeasurements[{expected}] = {approved!r}, expected {role!r}")
    log(f"ok: {os.path.basename(exe)} --print-measurement: {expected[:18]}…, its approve "
        f"command approved it for {role}")


def rpc_storage(cli, node_port, measurement):
    r = subprocess.run([cli, "chain", "storage", "VaultPointers", "ApprovedMeasurements",
                        measurement, "--url", f"ws://127.0.0.1:{node_port}"],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise Failed(f"chain storage: {r.stdout}{r.stderr}")
    return json.loads(r.stdout.splitlines()[0])


def main():
    cli, devnode, serve, rotate = sys.argv[1:5]
    work = tempfile.mkdtemp(prefix="ev-notify-")
    procs = []
    try:
        # Without NOTIFY_SOCKET: starts and stops as before.
        p = start([devnode, "--dev", "--tmp", "--rpc-port", "0"], None, f"{work}/plain.log")
        procs.append(p)
        time.sleep(0.5)
        p.send_signal(signal.SIGTERM)
        if p.wait(timeout=30) != 0:
            raise Failed(f"devnode without NOTIFY_SOCKET: exit {p.returncode}")
        log("ok: devnode without NOTIFY_SOCKET starts and exits 0 on SIGTERM")

        # The dev node.
        ns = NotifySocket(f"{work}/devnode.sock")
        node = start([devnode, "--dev", "--tmp", "--rpc-port", "0"], ns.path, f"{work}/node.log")
        procs.append(node)
        m = ready_status("devnode", ns, node, 30)
        port = int(m["STATUS"].rsplit(" ", 1)[-1])
        if "number" not in rpc(port, "chain_getHeader", []):
            raise Failed("devnode: no header over RPC after READY=1")
        log(f"ok: devnode answers JSON-RPC on port {port} once READY=1 was sent")

        refused_names_command(serve, port, work)
        print_measurement(serve, "Serve", cli, port)
        print_measurement(rotate, "Rotate", cli, port)

        common = ["--node", f"ws://127.0.0.1:{port}", "--store", f"file://{work}/store",
                  "--wait-seconds", "30"]
        # serve
        ns_s = NotifySocket(f"{work}/serve.sock")
        sp = start([serve, *common, "--data-dir", f"{work}/serve", "--listen", "127.0.0.1:0"],
                   ns_s.path, f"{work}/serve.log")
        procs.append(sp)
        m = ready_status("serve", ns_s, sp, 60)
        sport = int(m["STATUS"].rsplit(":", 1)[-1])
        with socket.create_connection(("127.0.0.1", sport), timeout=5) as c:
            c.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            head = c.recv(64)
        if not head.startswith(b"HTTP/1."):
            raise Failed(f"serve: no HTTP answer on port {sport} after READY=1: {head!r}")
        log(f"ok: serve answers HTTP on port {sport} once READY=1 was sent")
        check_watchdog_and_stop("serve", ns_s, sp)

        # rotate
        ns_r = NotifySocket(f"{work}/rotate.sock")
        rp = start([rotate, *common, "--data-dir", f"{work}/rotate", "--poll-ms", "100"],
                   ns_r.path, f"{work}/rotate.log")
        procs.append(rp)
        ready_status("rotate", ns_r, rp, 60)
        with open(f"{work}/rotate.log") as f:
            if "registered on chain as a rotate worker" not in f.read():
                raise Failed("rotate: READY=1 before it registered on chain")
        log("ok: rotate sent READY=1 after registering on chain")
        check_watchdog_and_stop("rotate", ns_r, rp)

        check_watchdog_and_stop("devnode", ns, node)
        log("PASS")
        return 0
    except Failed as e:
        log(f"FAIL: {e}")
        for name in ("node", "serve", "rotate"):
            path = f"{work}/{name}.log"
            if os.path.exists(path):
                with open(path) as f:
                    log(f"--- {name}.log\n{f.read()}")
        return 1
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    sys.exit(main())
