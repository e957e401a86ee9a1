#!/usr/bin/env python3
"""fpu-diff.py: the FP JIT differential test (docs/backend.md "Floating point").

usage: fpu-diff.py LOOM [--modes jit,nofma,fallback] ELF...

Runs each fpu_diff guest program (fpu_diff.h: random ops over every F/D op,
rounding mode and edge-biased operand, with random starting fflags) on LOOM
with LOOM_FP=helper -- the exact helpers, the oracle -- and then with each
JIT mode, and requires the same output, line for line: one hash of result
bits and fflags per (op, rounding mode).  On a difference it prints the
first differing lines (which op and mode) and exits 1.  Hang guard only:
the timeout never depends on host speed in a way a correct run could hit.
"""
import argparse
import os
import subprocess
import sys


def run(loom, elf, mode, timeout):
    env = dict(os.environ, LOOM_FP=mode)
    p = subprocess.run([loom, '-M', 'virt', '-bios', 'none', '-kernel', elf,
                        '-nographic'], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env, timeout=timeout)
    out = p.stdout.decode('latin-1').splitlines()
    if p.returncode != 0 or not out or out[-1] != 'PASS':
        sys.exit('%s, LOOM_FP=%s: exit %d, last line %r\n%s' % (
            elf, mode, p.returncode, out[-1] if out else '',
            p.stderr.decode('latin-1')[-2000:]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('loom')
    ap.add_argument('elfs', nargs='+')
    ap.add_argument('--modes', default='jit,nofma,fallback')
    ap.add_argument('--timeout', type=float, default=3600)
    a = ap.parse_args()
    bad = 0
    for elf in a.elfs:
        ref = run(a.loom, elf, 'helper', a.timeout)
        ops = sum(int(l.split()[3]) for l in ref if ' n ' in l)
        for mode in a.modes.split(','):
            out = run(a.loom, elf, mode, a.timeout)
            diff = [(r, o) for r, o in zip(ref, out) if r != o]
            if len(out) != len(ref) or diff:
                bad += 1
                print('%s: LOOM_FP=%s differs from LOOM_FP=helper:' % (
                    os.path.basename(elf), mode))
                for r, o in diff[:10]:
                    print('  helper: %s\n  %-6s: %s' % (r, mode, o))
            else:
                print('%s: LOOM_FP=%s == helper over %d ops (%d hashes)' % (
                    os.path.basename(elf), mode, ops,
                    sum(1 for l in ref if ' hash ' in l)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
