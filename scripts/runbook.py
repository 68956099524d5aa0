#!/usr/bin/env python3
"""Runs the operator runbooks (runbooks/*.md) against a throw-away stack, every step in order.

  scripts/runbook.py [--build DIR] [--keep] [-v] [RUNBOOK.md ...]

Each fenced block whose info string is `sh` is one step; other blocks (`text`, output samples)
are not run. The runbooks are run in file-name order (default: every runbooks/*.md), one after
the other against one stack, each step in its own `bash -euo pipefail`, and the run stops at the
first step that fails (exit 1, with the step, its output and the services' log tails).

The stack: a dev node (`epochvault-devnode --dev --tmp`, standing in for the parachain node) on
a free loopback port, and a fresh root directory that stands in for the host's file system. A
runbook is written for a Debian host with systemd; to run it unchanged the runner
- replaces, in every step and in the ExecStart lines of the units the steps install, the host
  paths by directories of that root (/usr/local/bin, /etc/epochvault, /etc/systemd/system,
  /usr/lib/sysusers.d, /var/lib/epochvault, /var/backups/epochvault) and `build/main/` by the
  build directory;
- replaces the default addresses 127.0.0.1:9944 (node), 127.0.0.1:8765 (serve) and
  127.0.0.1:8766 (rotate health) by free loopback ports;
- puts stand-ins first on PATH: `sudo` (runs the command as the current user), `install`
  (drops -o/-g: no user switch without root), `systemd-sysusers` (checks the file was installed),
  `systemctl` (start/stop/restart/kill/is-active/status/enable/disable/daemon-reload: runs the
  installed unit's ExecStart as a child with $NOTIFY_SOCKET and, as for Type=notify, returns
  from `start` only once the service sent READY=1; creates StateDirectory=) and `journalctl -u`
  (the service's stdout and stderr). User=, the sandboxing options, the watchdog and Restart=
  are not emulated.
Steps run in <root>/src, a copy of the checkout's layout (scripts/, docs/ and build/main/ link
to the real ones). Everything is stopped and removed at the end (--keep keeps the root).
"""

import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOST_PATHS = ["/usr/local/bin", "/etc/epochvault", "/etc/systemd/system", "/usr/lib/sysusers.d",
              "/var/lib/epochvault", "/var/backups/epochvault"]
DEFAULT_PORTS = {"node": 9944, "serve": 8765, "health": 8766}


# ---- rewriting ---------------------------------------------------------------------------------

def rewrite(text, env):
    """Host paths and default ports in `text` -> the throw-away root's and the free ports."""
    root = env["RUNBOOK_ROOT"]
    alternatives = [re.escape(p) for p in HOST_PATHS] + [r"(?<![\w/.])build/main/"] + [
        re.escape("127.0.0.1:%d" % p) + r"(?!\d)" for p in DEFAULT_PORTS.values()]
    ports = {"127.0.0.1:%d" % DEFAULT_PORTS[k]: "127.0.0.1:" + env["RUNBOOK_PORT_" + k.upper()]
             for k in DEFAULT_PORTS}

    def sub(m):
        s = m.group(0)
        if s in ports:
            return ports[s]
        if s == "build/main/":
            return env["RUNBOOK_BUILD"] + "/"
        return root + s

    return re.sub("|".join(alternatives), sub, text)


# ---- stand-ins for sudo, install, systemctl, journalctl ----------------------------------------

def unit_path(env, name):
    if "." not in name:
        name += ".service"
    return name, os.path.join(env["RUNBOOK_ROOT"], "etc/systemd/system", name)


def read_unit(path):
    keys = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith(("#", ";", "[")) or "=" not in line:
                continue
            k, v = line.split("=", 1)
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def run_dir(env):
    d = os.path.join(env["RUNBOOK_ROOT"], "run")
    os.makedirs(d, exist_ok=True)
    return d


def log_path(env, name):
    d = os.path.join(env["RUNBOOK_ROOT"], "log")
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name + ".log")


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return False


def unit_pid(env, name):
    try:
        with open(os.path.join(run_dir(env), name + ".pid"), encoding="utf-8") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def unit_state(env, name):
    pid = unit_pid(env, name)
    if pid is None:
        return "inactive"
    return "active" if alive(pid) else "failed"


def seconds(values, default):
    if not values:
        return default
    m = re.fullmatch(r"(\d+)\s*(s|min)?", values[-1])
    if not m:
        return default
    return int(m.group(1)) * (60 if m.group(2) == "min" else 1)


def log_tail(env, name, n):
    try:
        with open(log_path(env, name), encoding="utf-8", errors="replace") as f:
            return f.readlines()[-n:]
    except OSError:
        return []


def start_unit(env, name):
    name, path = unit_path(env, name)
    if unit_state(env, name) == "active":
        return 0
    if not os.path.exists(path):
        print("Failed to start %s: Unit %s not found." % (name, name), file=sys.stderr)
        return 5
    unit = read_unit(path)
    for d in " ".join(unit.get("StateDirectory", [])).split():
        os.makedirs(os.path.join(env["RUNBOOK_ROOT"], "var/lib", d), mode=0o700, exist_ok=True)
    for d in " ".join(unit.get("ConfigurationDirectory", [])).split():
        os.makedirs(os.path.join(env["RUNBOOK_ROOT"], "etc", d), exist_ok=True)
    argv = shlex.split(rewrite(unit["ExecStart"][0], env))
    notify_path = os.path.join(run_dir(env), name + ".notify")
    if os.path.exists(notify_path):
        os.unlink(notify_path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    child_env = dict(os.environ, NOTIFY_SOCKET=notify_path)
    with open(log_path(env, name), "ab") as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                env=child_env, start_new_session=True)
    with open(os.path.join(run_dir(env), name + ".pid"), "w", encoding="utf-8") as f:
        f.write(str(proc.pid))
    deadline = time.monotonic() + seconds(unit.get("TimeoutStartSec"), 90)
    sock.settimeout(0.2)
    ready = unit.get("Type", ["simple"])[-1] != "notify"
    while not ready:
        try:
            msg = sock.recv(4096).decode("utf-8", "replace")
        except socket.timeout:
            msg = ""
        for line in msg.splitlines():
            if line.startswith("STATUS="):
                with open(os.path.join(run_dir(env), name + ".status"), "w",
                          encoding="utf-8") as f:
                    f.write(line[len("STATUS="):])
            if line == "READY=1":
                ready = True
        if ready:
            break
        if proc.poll() is not None or time.monotonic() > deadline:
            why = ("exited with code %d" % proc.returncode if proc.returncode is not None
                   else "no READY=1 within TimeoutStartSec")
            if proc.returncode is None:
                proc.kill()
                proc.wait()
            print("Job for %s failed (%s). Its log:" % (name, why), file=sys.stderr)
            sys.stderr.write("".join(log_tail(env, name, 20)))
            return 1
    sock.close()
    os.unlink(notify_path)
    return 0


def stop_unit(env, name, sig=signal.SIGTERM, forget=True):
    name, path = unit_path(env, name)
    pid = unit_pid(env, name)
    if pid is not None and alive(pid):
        timeout = seconds(read_unit(path).get("TimeoutStopSec"), 90) if os.path.exists(path) else 90
        os.kill(pid, sig)
        deadline = time.monotonic() + timeout
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
            while alive(pid):
                time.sleep(0.05)
    if forget:
        for ext in (".pid", ".status"):
            p = os.path.join(run_dir(env), name + ext)
            if os.path.exists(p):
                os.unlink(p)
    return 0


def systemctl(env, args):
    opts = [a for a in args if a.startswith("-")]
    words = [a for a in args if not a.startswith("-")]
    sig = "TERM"
    for i, a in enumerate(args):
        if a in ("-s", "--signal") and i + 1 < len(args):
            sig = args[i + 1]
            words.remove(sig)
        elif a.startswith("--signal="):
            sig = a.split("=", 1)[1]
    if not words:
        print("systemctl (runbook stand-in): a command is needed", file=sys.stderr)
        return 1
    cmd, units = words[0], words[1:]
    now = "--now" in opts
    rc = 0
    if cmd == "daemon-reload":
        return 0
    for u in units:
        name, path = unit_path(env, u)
        if cmd in ("start", "restart") or (cmd == "enable" and now):
            if cmd == "restart":
                stop_unit(env, name)
            rc = rc or start_unit(env, name)
        elif cmd == "enable":
            if not os.path.exists(path):
                print("Failed to enable unit: Unit file %s does not exist." % name, file=sys.stderr)
                rc = rc or 1
        elif cmd == "stop" or (cmd == "disable" and now):
            stop_unit(env, name)
        elif cmd == "disable":
            pass
        elif cmd == "kill":
            pid = unit_pid(env, name)
            if pid is not None and alive(pid):
                signame = sig.upper()
                os.kill(pid, getattr(signal, signame if signame.startswith("SIG") else "SIG" + signame))
                if signame in ("KILL", "SIGKILL"):
                    while alive(pid):
                        time.sleep(0.05)
        elif cmd == "is-active":
            state = unit_state(env, name)
            if "--quiet" not in opts and "-q" not in opts:
                print(state)
            rc = rc or (0 if state == "active" else 3)
        elif cmd == "status":
            state = unit_state(env, name)
            desc = read_unit(path).get("Description", [""])[-1] if os.path.exists(path) else ""
            print("* %s - %s" % (name, desc))
            print("     Active: %s" % {"active": "active (running)",
                                        "failed": "failed (Result: signal or exit-code)",
                                        "inactive": "inactive (dead)"}[state])
            if state == "active":
                print("   Main PID: %d" % unit_pid(env, name))
                try:
                    with open(os.path.join(run_dir(env), name + ".status"),
                              encoding="utf-8") as f:
                        print("     Status: \"%s\"" % f.read())
                except OSError:
                    pass
            sys.stdout.write("".join(log_tail(env, name, 10)))
            rc = rc or (0 if state == "active" else 3)
        else:
            print("systemctl (runbook stand-in): '%s' is not emulated" % cmd, file=sys.stderr)
            return 1
    return rc


def journalctl(env, args):
    units, n, i = [], None, 0
    while i < len(args):
        a = args[i]
        if a in ("-u", "--unit"):
            units.append(unit_path(env, args[i + 1])[0])
            i += 1
        elif a.startswith("--unit="):
            units.append(unit_path(env, a.split("=", 1)[1])[0])
        elif a in ("-n", "--lines"):
            n = int(args[i + 1])
            i += 1
        elif a in ("--no-pager", "-q", "--quiet", "-o", "cat", "--output=cat", "-b"):
            pass
        else:
            print("journalctl (runbook stand-in): '%s' is not emulated" % a, file=sys.stderr)
            return 1
        i += 1
    lines = []
    for u in units:
        lines += log_tail(env, u, 10 ** 9)
    sys.stdout.write("".join(lines if n is None else lines[-n:]))
    return 0


def shim(name, args):
    env = os.environ
    if name == "systemctl":
        return systemctl(env, args)
    if name == "journalctl":
        return journalctl(env, args)
    if name == "systemd-sysusers":
        d = os.path.join(env["RUNBOOK_ROOT"], "usr/lib/sysusers.d")
        ok = os.path.isdir(d) and any(f.endswith(".conf") for f in os.listdir(d))
        if not ok:
            print("systemd-sysusers (runbook stand-in): no file in /usr/lib/sysusers.d",
                  file=sys.stderr)
        return 0 if ok else 1
    if name == "sudo":
        while args and args[0].startswith("-"):
            args = args[2:] if args[0] in ("-u", "-g") else args[1:]
        os.execvp(args[0], args)
    if name == "install":
        out, i = [], 0
        while i < len(args):
            if args[i] in ("-o", "-g", "--owner", "--group"):
                i += 2
                continue
            if not args[i].startswith(("--owner=", "--group=")):
                out.append(args[i])
            i += 1
        os.execv("/usr/bin/install", ["install"] + out)
    return 1


# ---- the runner --------------------------------------------------------------------------------

def steps_of(path):
    """(heading, code) for each ```sh block of a Markdown file."""
    steps, heading, block, lang = [], "", None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            if block is None:
                if line.startswith("#"):
                    heading = line.strip("# \n")
                m = re.match(r"^```(\S*)\s*$", line)
                if m:
                    block, lang = [], m.group(1)
            elif line.startswith("```"):
                if lang == "sh":
                    steps.append((heading, "".join(block)))
                block = None
            else:
                block.append(line)
    return steps


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds_=30):
    deadline = time.monotonic() + seconds_
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--shim":
        return shim(sys.argv[2], sys.argv[3:])
    ap = argparse.ArgumentParser(description="Run the runbooks' steps against a throw-away stack.")
    ap.add_argument("--build", default=os.path.join(ROOT, "build/main"))
    ap.add_argument("--keep", action="store_true", help="keep the throw-away root")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every step's output")
    ap.add_argument("runbooks", nargs="*")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    books = a.runbooks or sorted(
        os.path.join(ROOT, "runbooks", f) for f in os.listdir(os.path.join(ROOT, "runbooks"))
        if f.endswith(".md") and f != "README.md")
    exes = {"epochvault-devnode": "vault-pointers/node/epochvault-devnode",
            "epochvault-serve": "enclave-worker/bin/epochvault-serve",
            "epochvault-rotate": "enclave-worker/bin/epochvault-rotate",
            "epochvault": "vault-pointers/cli/epochvault"}
    for exe, rel in exes.items():
        if not os.access(os.path.join(build, rel), os.X_OK):
            print("runbook: %s not built (%s)" % (exe, os.path.join(build, rel)), file=sys.stderr)
            return 1

    # A timeout's SIGTERM (ctest) still stops the stack and removes the root (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("runbook: terminated"))
    root = tempfile.mkdtemp(prefix="runbook-")
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    env.pop("EPOCHVAULT_SURI", None)
    ports = {}
    while len(set(ports.values())) < len(DEFAULT_PORTS):
        ports = {k: free_port() for k in DEFAULT_PORTS}
    env.update({"RUNBOOK_ROOT": root, "RUNBOOK_BUILD": build})
    env.update({"RUNBOOK_PORT_" + k.upper(): str(v) for k, v in ports.items()})
    shims = os.path.join(root, "runbook-bin")
    os.makedirs(shims)
    for name in ("sudo", "install", "systemctl", "journalctl", "systemd-sysusers"):
        with open(os.path.join(shims, name), "w", encoding="utf-8") as f:
            f.write('#!/bin/sh\nexec "%s" "%s" --shim %s "$@"\n'
                    % (sys.executable, os.path.abspath(__file__), name))
        os.chmod(os.path.join(shims, name), 0o755)
    for p in HOST_PATHS:
        os.makedirs(root + p, exist_ok=True)
    env["PATH"] = shims + os.pathsep + root + "/usr/local/bin" + os.pathsep + env["PATH"]
    env["EPOCHVAULT_URL"] = "ws://127.0.0.1:%d" % ports["node"]
    src = os.path.join(root, "src")
    os.makedirs(os.path.join(src, "build"))
    for d in ("scripts", "docs"):
        os.symlink(os.path.join(ROOT, d), os.path.join(src, d))
    os.symlink(build, os.path.join(src, "build/main"))

    node_log = open(os.path.join(root, "devnode.log"), "wb")
    node = subprocess.Popen([os.path.join(build, exes["epochvault-devnode"]), "--dev", "--tmp",
                             "--rpc-port", str(ports["node"])],
                            stdout=node_log, stderr=node_log, start_new_session=True)
    failed = None
    total = 0
    try:
        if not wait_port(ports["node"], node):
            failed = "the dev node did not answer on port %d" % ports["node"]
        for book in books:
            if failed:
                break
            steps = steps_of(book)
            if not steps:
                failed = "%s has no ```sh step" % book
                break
            print("== %s (%d steps)" % (os.path.relpath(book, ROOT), len(steps)), flush=True)
            for i, (heading, code) in enumerate(steps, 1):
                t0 = time.monotonic()
                r = subprocess.run(["bash", "-euo", "pipefail", "-c", rewrite(code, env)],
                                   cwd=src, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, timeout=600, check=False)
                total += 1
                out = r.stdout.decode("utf-8", "replace")
                status = "ok" if r.returncode == 0 else "FAILED (exit %d)" % r.returncode
                print("  %2d. %-60s %s (%.1f s)" % (i, heading[:60], status, time.monotonic() - t0),
                      flush=True)
                if a.verbose and r.returncode == 0:
                    sys.stdout.write(out)
                if r.returncode != 0:
                    failed = "%s step %d (%s)" % (os.path.relpath(book, ROOT), i, heading)
                    print("---- step:\n%s---- output:\n%s" % (code, out))
                    for name in sorted(os.listdir(os.path.join(root, "log"))
                                       if os.path.isdir(os.path.join(root, "log")) else []):
                        print("---- %s (last 20 lines):" % name)
                        sys.stdout.write("".join(log_tail(env, name[:-4], 20)))
                    break
    finally:
        for f in os.listdir(run_dir(env)):
            if f.endswith(".pid"):
                stop_unit(env, f[:-4], forget=True)
        node.terminate()
        try:
            node.wait(10)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait()
        node_log.close()
        if a.keep:
            print("runbook: kept %s" % root)
        else:
            shutil.rmtree(root, ignore_errors=True)
    if failed:
        print("runbook: FAILED at %s" % failed)
        return 1
    print("runbook: %d runbook(s), %d steps, all passed" % (len(books), total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
