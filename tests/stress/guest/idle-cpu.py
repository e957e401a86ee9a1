#!/usr/bin/env python3
"""G9: with every hart idle, Loom uses no host CPU.

usage: idle-cpu.py EMU ELF [EXTRA_ARGS...]

Runs the idle guest (every hart in wfi for one second, see idle.c) and reads
the child's user+system CPU time from the kernel (getrusage).  A hart that
polled instead of sleeping would burn about one second of CPU per hart; the
limit, 0.25 s, leaves room for start-up and translation and is far below
that.  This measures work done, not speed: a slow or loaded machine raises
the wall time, not the CPU time.
"""
import resource
import subprocess
import sys

LIMIT_S = 0.25


def main():
    emu, elf, extra = sys.argv[1], sys.argv[2], sys.argv[3:]
    cmd = [emu, '-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic'] + extra
    print('replay: ' + ' '.join(cmd))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)   # meson's timeout is the hang guard
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = p.stdout.decode('latin-1')
    sys.stdout.write(out)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = [l for l in out.splitlines() if l.strip()]
    passed = p.returncode == 0 and lines and lines[-1] == 'PASS'
    print('host CPU time while idle: %.3f s (limit %.2f s)' % (cpu, LIMIT_S))
    ok = passed and cpu < LIMIT_S
    print('G9 idle harts use no host CPU: %s' % ('ok' if ok else 'FAILED'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
