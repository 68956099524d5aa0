#!/usr/bin/env python3
"""Checks that README.md's layout table matches the tree: every folder it names exists, and every
top-level folder and every program folder (a second-level folder with its own CMakeLists.txt or
main.cpp) is named in it.

  scripts/check_layout.py          exit 0 when they match, else 1 with what differs
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IGNORED = {"build", ".git"}


def named_folders(readme):
    text = open(readme, encoding="utf-8").read()
    start = text.find("## Layout")
    if start < 0:
        sys.exit("check_layout: README.md has no '## Layout' section")
    section = text[start:text.find("\n## ", start + 1)]
    names = set()
    for row in section.splitlines():
        if not row.startswith("| `"):
            continue
        first_cell = row.split("|")[1]
        for name in re.findall(r"`([^`]+)/`", first_cell):
            names.add(name)
    return names


def tree_folders():
    out = set()
    for top in os.listdir(ROOT):
        path = os.path.join(ROOT, top)
        if top in IGNORED or top.startswith(".") or not os.path.isdir(path):
            continue
        out.add(top)
        for sub in os.listdir(path):
            sp = os.path.join(path, sub)
            if os.path.isdir(sp) and (os.path.exists(os.path.join(sp, "CMakeLists.txt")) or
                                      os.path.exists(os.path.join(sp, "main.cpp"))):
                out.add(top + "/" + sub)
    return out


def main():
    named = named_folders(os.path.join(ROOT, "README.md"))
    tree = tree_folders()
    problems = [f"README names {n}/, which does not exist" for n in sorted(named)
                if not os.path.isdir(os.path.join(ROOT, n))]
    problems += [f"{t}/ is not in README's layout table" for t in sorted(tree - named)]
    for p in problems:
        print("check_layout: " + p, file=sys.stderr)
    if not problems:
        print(f"README layout table matches the tree ({len(named)} folders)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
