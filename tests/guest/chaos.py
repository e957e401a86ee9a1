#!/usr/bin/env python3
"""Chaos mode (-accel tcg,thread=multi,chaos=S), docs/stress.md "Chaos mode".

usage: chaos.py LOOM CHAOS_SMP_ELF

1. Bad values are refused: one line on stderr, exit status 2 (a seed that
   is not a decimal number, an empty or overflowing one, chaos= with
   thread=single).
2. For a few seeds, chaos_smp on -smp 4 with chaos=S: exit 0, every exact
   check of the guest passes, stderr is the start line "chaos: seed=S ..."
   and the exit report, and the report counts every kind of perturbation
   at least once (the guest's rounds pass the exec loop at every call, so
   the counts follow its work, not the host's speed: about one
   perturbation per thousand instructions per hart).
3. Informational, never asserted: the lost updates of the guest's racy
   counter with and without chaos (rt output "lost updates: N").

No timeout of its own: meson's is the hang guard.
"""
import re
import subprocess
import sys

KINDS = ['delay', 'yield', 'exit', 'jc', 'tlb', 'sc']


def run(loom, elf, accel):
    cmd = [loom, '-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic',
           '-smp', '4'] + (['-accel', accel] if accel else [])
    print('run: ' + ' '.join(cmd))
    sys.stdout.flush()
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode('latin-1'), p.stderr.decode('latin-1')


def lost(out):
    m = re.search(r'^lost updates: (\d+)$', out, re.M)
    return int(m.group(1)) if m else None


def main():
    loom, elf = sys.argv[1], sys.argv[2]
    fails = 0

    def fail(msg):
        nonlocal fails
        print('FAIL: ' + msg)
        fails += 1

    for accel in ['tcg,chaos=x', 'tcg,chaos=', 'tcg,chaos=-1',
                  'tcg,chaos=18446744073709551616',
                  'tcg,thread=single,chaos=1', 'tcg,chaos=1,thread=single']:
        rc, out, err = run(loom, elf, accel)
        lines = err.splitlines()
        if rc != 2 or len(lines) != 1 or 'chaos' not in lines[0]:
            fail('%s: want exit 2 and one line naming chaos, got %d %r'
                 % (accel, rc, err))

    with_chaos = []
    for seed in [1, 42, 18446744073709551615]:
        rc, out, err = run(loom, elf, 'tcg,thread=multi,chaos=%d' % seed)
        sys.stdout.write(out)
        sys.stdout.write(err)
        if rc != 0 or 'PASS' not in out.splitlines():
            fail('seed %d: exit %d, guest output above' % (seed, rc))
            continue
        lines = err.splitlines()
        if len(lines) != 2 or not lines[0].startswith('chaos: seed=%d ' % seed):
            fail('seed %d: want the start line and the report on stderr' % seed)
            continue
        m = re.fullmatch(r'chaos: seed=%d ' % seed +
                         ' '.join(r'%s=(\d+)' % k for k in KINDS) +
                         r' kicks=(\d+)', lines[1])
        if not m:
            fail('seed %d: report not understood: %r' % (seed, lines[1]))
            continue
        counts = dict(zip(KINDS, map(int, m.groups())))
        for k in KINDS:
            if counts[k] == 0:
                fail('seed %d: no %s perturbation in %r' % (seed, k, lines[1]))
        with_chaos.append(lost(out))

    rc, out, err = run(loom, elf, None)
    if rc != 0 or err.strip():
        fail('without chaos: exit %d, stderr %r' % (rc, err))
    print('lost updates of 80000 (informational): without chaos %s; '
          'with chaos %s' % (lost(out), with_chaos))
    print('FAIL' if fails else 'PASS')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
