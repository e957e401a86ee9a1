#!/usr/bin/env python3
"""Layering lint (DESIGN.md §3): a folder's sources may include only headers
of the folders its library is allowed to depend on.  Exits non-zero and names
every violating #include."""
import os
import re
import sys

ALLOWED = {
    "util": {"util"},
    "rcu": {"rcu", "util"},
    "tbht": {"tbht", "rcu", "util"},
    "translate": {"translate", "util"},
    "backend": {"backend", "translate", "util"},
    "softmmu": {"softmmu", "rcu", "util"},
    "chardev": {"chardev", "util"},
    "target": {"target", "translate", "softmmu", "util"},
    "vcpu": {"vcpu", "target", "backend", "tbht", "softmmu", "translate", "rcu", "util"},
    "hw": {"hw", "chardev", "vcpu", "target", "backend", "tbht", "softmmu", "translate",
           "rcu", "util"},
    "gdbstub": {"gdbstub", "vcpu", "target", "softmmu", "translate", "util"},
    "machine": {"machine", "gdbstub", "hw", "chardev", "vcpu", "target", "backend", "tbht", "softmmu",
                "translate", "rcu", "util"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main(src):
    bad = []
    checked = 0
    for root, _, files in os.walk(src):
        folder = os.path.relpath(root, src).split(os.sep)[0]
        if folder not in ALLOWED:
            continue
        for name in files:
            if not name.endswith((".c", ".h", ".def")):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8", errors="replace") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m or "/" not in m.group(1):
                        continue
                    checked += 1
                    dep = m.group(1).split("/")[0]
                    if dep in ALLOWED and dep not in ALLOWED[folder]:
                        bad.append(f"{path}:{lineno}: {folder} may not include {m.group(1)}")
    for b in bad:
        print(b)
    print(f"layering: {checked} includes checked, {len(bad)} violations")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))
