#!/usr/bin/env python3
"""Trusted-computing-base inventory of the enclave executables (docs/tcb.md).

For each enclave executable, lists the first-party source files actually compiled into it, read
from the binary's DWARF debug info (compile units for .cpp files, line tables for the headers
whose code was inlined), with their line counts per module. Build with debug info
(RelWithDebInfo) first.

  scripts/tcb.py --build build/main            print the inventory
  scripts/tcb.py --build build/main --write    rewrite docs/tcb.md (budgets and baseline kept)
  scripts/tcb.py --build build/main --check    fail when an executable exceeds its budget in
                                               docs/tcb.md, or when a link rule is broken

Link rules (checked with --check): the host CLI `epochvault` and the dev node
`epochvault-devnode` contain no compile unit of the enclave library (enclave-worker/), and
`epochvault-rotate` contains none of serve's request handling (enclave-worker/serve/).
"""

import argparse
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENCLAVE_EXECUTABLES = ["epochvault-serve", "epochvault-rotate"]
HOST_EXECUTABLES = ["epochvault", "epochvault-devnode"]
# Modules whose second folder level names a program or library of its own.
SPLIT_MODULES = {"enclave-worker", "vault-pointers"}
NOT_A_SUBMODULE = {"include", "src", "tests", "fuzz"}
BEGIN_KEPT = "<!-- tcb:kept:begin -->"
END_KEPT = "<!-- tcb:kept:end -->"


def fail(msg):
    print("tcb: " + msg, file=sys.stderr)
    sys.exit(1)


def find_binary(build, name):
    for dirpath, _, files in os.walk(build):
        if name in files:
            path = os.path.join(dirpath, name)
            if os.access(path, os.X_OK) and not dirpath.endswith("CMakeFiles"):
                return path
    fail(f"{name} not found under {build}: build it first")
    return None


def top_dirs():
    return {d for d in os.listdir(ROOT)
            if os.path.isdir(os.path.join(ROOT, d)) and not d.startswith(".") and d != "build"}


def repo_path(path, tops):
    """The repository-relative path of a file named in debug info, or None if not first-party.

    Objects may come from a compiler cache shared by several checkouts, so the path is matched
    by its tail: the longest suffix starting at a top-level folder of this repository that names
    an existing file here."""
    parts = os.path.normpath(path).split(os.sep)
    for i, p in enumerate(parts):
        if p in tops:
            rel = os.path.join(*parts[i:])
            if os.path.isfile(os.path.join(ROOT, rel)):
                return rel
    return None


def dwarf(binary, *args):
    out = subprocess.run(["llvm-dwarfdump", *args, binary], capture_output=True, text=True)
    if out.returncode != 0:
        fail(f"llvm-dwarfdump {' '.join(args)} {binary}: {out.stderr.strip()}")
    return out.stdout


def compile_units(binary):
    """(name, comp_dir) of every compile unit."""
    units = []
    name = comp_dir = None
    for line in dwarf(binary, "--debug-info", "--recurse-depth=0").splitlines():
        line = line.strip()
        if "DW_TAG_compile_unit" in line:
            if name:
                units.append((name, comp_dir or ""))
            name = comp_dir = None
        m = re.match(r'DW_AT_(name|comp_dir)\s*\("(.*)"\)', line)
        if m:
            if m.group(1) == "name":
                name = m.group(2)
            else:
                comp_dir = m.group(2)
    if name:
        units.append((name, comp_dir or ""))
    return units


def line_table_files(binary):
    """Every file named in the line tables' headers (include directory joined with the name)."""
    proc = subprocess.Popen(["llvm-dwarfdump", "--debug-line", binary], stdout=subprocess.PIPE,
                            text=True)
    dirs = {}
    files = set()
    name = None
    inc = re.compile(r'include_directories\[\s*(\d+)\] = "(.*)"')
    for line in proc.stdout:
        if line.startswith("debug_line["):
            dirs = {}
        elif line.startswith("include_directories"):
            m = inc.match(line)
            if m:
                dirs[int(m.group(1))] = m.group(2)
        elif line.startswith("           name: "):
            name = line.split('"')[1]
        elif line.startswith("      dir_index: ") and name is not None:
            d = dirs.get(int(line.split(":")[1]), "")
            files.add(os.path.join(dirs.get(0, ""), d, name))
            name = None
    if proc.wait() != 0:
        fail(f"llvm-dwarfdump --debug-line {binary} failed")
    return files


def line_count(rel):
    with open(os.path.join(ROOT, rel), "rb") as f:
        return f.read().count(b"\n")


def module_of(rel):
    parts = rel.split(os.sep)
    if parts[0] in SPLIT_MODULES and len(parts) > 2 and parts[1] not in NOT_A_SUBMODULE:
        return parts[0] + "/" + parts[1]
    return parts[0]


def inventory(binary):
    """{'cpp': set(rel), 'headers': set(rel)} of the first-party files in `binary`."""
    tops = top_dirs()
    cpp = set()
    for name, comp_dir in compile_units(binary):
        rel = repo_path(os.path.join(comp_dir, name), tops)
        if rel:
            cpp.add(rel)
    files = set()
    for path in line_table_files(binary):
        rel = repo_path(path, tops)
        if rel:
            files.add(rel)
    headers = {f for f in files - cpp if not f.endswith(".cpp")}
    return {"cpp": cpp, "headers": headers}


def summarize(inv):
    mods = defaultdict(lambda: {"cpp_files": 0, "cpp": 0, "hdr_files": 0, "hdr": 0})
    for f in inv["cpp"]:
        m = mods[module_of(f)]
        m["cpp_files"] += 1
        m["cpp"] += line_count(f)
    for f in inv["headers"]:
        m = mods[module_of(f)]
        m["hdr_files"] += 1
        m["hdr"] += line_count(f)
    cpp = sum(m["cpp"] for m in mods.values())
    hdr = sum(m["hdr"] for m in mods.values())
    return mods, cpp, hdr


def read_kept(path):
    if not os.path.exists(path):
        return None
    text = open(path, encoding="utf-8").read()
    a, b = text.find(BEGIN_KEPT), text.find(END_KEPT)
    if a < 0 or b < 0:
        fail(f"{path}: the {BEGIN_KEPT} ... {END_KEPT} section is missing")
    return text[a:b + len(END_KEPT)]


def read_budgets(kept):
    budgets = {}
    for m in re.finditer(r"^\| `([\w-]+)` \| budget \| ([\d,]+) \|", kept, re.M):
        budgets[m.group(1)] = int(m.group(2).replace(",", ""))
    return budgets


def render(build, results, kept):
    out = ["# Trusted computing base of the enclave executables", "",
           "Generated by `scripts/tcb.py --write` from the debug info of a RelWithDebInfo build",
           "(compile units for `.cpp` files, line tables for the headers whose code was compiled",
           "in); do not edit outside the kept section. `scripts/tcb.py --check` (ctest",
           "`tcb: ...`) fails when an executable exceeds its budget below, or when the host CLI or",
           "the dev node links the enclave library, or when `epochvault-rotate` holds serve's",
           "request handling. Raising a budget is an edit of this file, reviewed like code.", "",
           kept, "", "## Today's inventory", "",
           "| executable | `.cpp` files | `.cpp` lines | header files | header lines | total |",
           "|---|---:|---:|---:|---:|---:|"]
    for exe, (inv, mods, cpp, hdr) in results.items():
        out.append(f"| `{exe}` | {len(inv['cpp'])} | {cpp:,} | {len(inv['headers'])} | "
                   f"{hdr:,} | {cpp + hdr:,} |")
    for exe, (inv, mods, cpp, hdr) in results.items():
        out += ["", f"### `{exe}` by module", "",
                "| module | `.cpp` files | `.cpp` lines | header files | header lines |",
                "|---|---:|---:|---:|---:|"]
        for name in sorted(mods):
            m = mods[name]
            out.append(f"| {name} | {m['cpp_files']} | {m['cpp']:,} | {m['hdr_files']} | "
                       f"{m['hdr']:,} |")
        out += ["", "<details><summary>files</summary>", ""]
        for f in sorted(inv["cpp"]) + sorted(inv["headers"]):
            out.append(f"- `{f}` ({line_count(f):,})")
        out += ["", "</details>"]
    return "\n".join(out) + "\n"


def link_rules(build):
    problems = []
    tops = top_dirs()
    for exe in HOST_EXECUTABLES:
        for name, comp_dir in compile_units(find_binary(build, exe)):
            rel = repo_path(os.path.join(comp_dir, name), tops)
            if rel and rel.startswith("enclave-worker" + os.sep):
                problems.append(f"{exe} links enclave code: {rel}")
    for name, comp_dir in compile_units(find_binary(build, "epochvault-rotate")):
        rel = repo_path(os.path.join(comp_dir, name), tops)
        if rel and rel.startswith(os.path.join("enclave-worker", "serve") + os.sep):
            problems.append(f"epochvault-rotate links serve's request handling: {rel}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "main"))
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "tcb.md"))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()

    results = {}
    for exe in ENCLAVE_EXECUTABLES:
        inv = inventory(find_binary(args.build, exe))
        if not inv["cpp"]:
            fail(f"{exe}: no first-party compile units in its debug info (build with -g)")
        results[exe] = (inv, *summarize(inv))
    for exe, (inv, mods, cpp, hdr) in results.items():
        print(f"{exe}: {len(inv['cpp'])} .cpp files, {cpp} lines; {len(inv['headers'])} headers, "
              f"{hdr} lines; total {cpp + hdr}")

    kept = read_kept(args.doc)
    if args.write:
        if kept is None:
            fail(f"{args.doc} has no kept section (budgets) to start from")
        with open(args.doc, "w", encoding="utf-8") as f:
            f.write(render(args.build, results, kept))
        print(f"wrote {args.doc}")
    if args.check:
        if kept is None:
            fail(f"{args.doc} is missing")
        budgets = read_budgets(kept)
        status = 0
        for exe, (inv, mods, cpp, hdr) in results.items():
            if exe not in budgets:
                print(f"tcb: {exe} has no budget in {args.doc}", file=sys.stderr)
                status = 1
            elif cpp + hdr > budgets[exe]:
                print(f"tcb: {exe} has {cpp + hdr} first-party lines, over its budget of "
                      f"{budgets[exe]} ({args.doc})", file=sys.stderr)
                status = 1
            else:
                print(f"{exe}: within its budget of {budgets[exe]}")
        for p in link_rules(args.build):
            print("tcb: " + p, file=sys.stderr)
            status = 1
        if status == 0:
            print("link rules hold: the CLI and the dev node hold no enclave code; "
                  "epochvault-rotate holds no serve request handling")
        sys.exit(status)


if __name__ == "__main__":
    main()
