#!/usr/bin/env python3
"""Self-modifying code needs no full flush (docs/concurrency.md S1-S5).

usage: smc-noflush.py LOOM ELF [EXTRA_ARGS...]

Used for the guest suite's smc/smp_smc and for tests/stress/smc-race.c.
Runs the guest with LOOM_TB_STATS=1 (src/vcpu/tb_maint.c reports full
flushes and code-write invalidations on stderr) and requires: exit status 0,
no full flush, and at least one TB invalidated by a code write (the guest
really modified translated code).  Exit status: 0 pass, 1 fail.
"""
import os
import subprocess
import sys


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    loom, elf, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    cmd = [loom, '-M', 'virt', '-bios', 'none', '-kernel', elf,
           '-nographic'] + extra
    env = dict(os.environ, LOOM_TB_STATS='1')
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env)  # meson: hang guard
    err = p.stderr.decode('latin-1')
    flushes = [l for l in err.splitlines() if 'full flush' in l]
    smc = [l for l in err.splitlines() if 'invalidated by code writes' in l]
    ok = p.returncode == 0 and not flushes and smc
    print('%s: exit %d, %d full flushes, %s' % (
        os.path.basename(elf), p.returncode, len(flushes),
        smc[-1].split(': ', 1)[-1] if smc else 'no code-write invalidation'))
    if not ok:
        sys.stdout.write(err[-2000:])
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
