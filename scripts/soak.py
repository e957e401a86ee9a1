#!/usr/bin/env python3
"""Boot soak: N Linux boots in a row, each judged by tests/boot/bootrun.py.

usage: soak.py [-n N] [-j J] [--smp S] [--emu EMU] [--out DIR] [--slow F]
               [-- extra emulator args]

Each boot runs `bootrun.py linux EMU ... --smp S` (OpenSBI + the project's
kernel + the initramfs whose init runs a workload on every CPU and checks
its exact totals).  Every run is classified:

  pass   init printed the exact totals and PASS, and the emulator exited 0
  wrong  the totals were wrong, init reported FAIL, or a panic/oops
  hang   no console output for --hang seconds (the emulator is then
         stopped; its host thread stacks are saved first, with gdb)
  error  anything else (timeout, early exit, a non-zero status)
  slow   a pass whose time to the pass marker exceeds --slow times the
         median of all passes (decided once every run is done)

The console log of every run that is not a plain pass (and its host stacks
when there are some) is kept in DIR (default build/soak) as run-K.log /
run-K.stacks; logs of plain passes are deleted.  At the end it prints the
counts, the median/max/min times to the pass marker, the slow and failed
runs with their reasons, and exits 1 if any run hung, was wrong, errored or
was slow, 0 otherwise.  Runs go J at a time (default 1: a loaded host makes
timings, hence "slow", meaningless).

`make soak N=500` runs it on the default build (docs/linux.md, "Soak").
"""
import argparse
import concurrent.futures
import os
import re
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BOOTRUN = os.path.join(ROOT, 'tests', 'boot', 'bootrun.py')
FW = '/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin'
SUMMARY_RE = re.compile(r'^bootrun: (PASS|FAIL): (.*) \(first output .*?, pass (\S+),'
                        r' exit (\S+),', re.M)


def one(k, args):
    log = os.path.join(args.out, 'run-%d.log' % k)
    stacks = os.path.join(args.out, 'run-%d.stacks' % k)
    cmd = [sys.executable, BOOTRUN, 'linux', args.emu, '--bios', args.bios,
           '--kernel', args.kernel, '--initrd', args.initrd,
           '--smp', str(args.smp), '--timeout', str(args.timeout),
           '--hang', str(args.hang), '--stacks', stacks]
    with open(log, 'w') as f:
        rc = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode
    with open(log, errors='replace') as f:
        text = f.read()
    m = SUMMARY_RE.search(text)
    if not m:
        return k, 'error', 'no verdict from bootrun (status %d)' % rc, None
    verdict, reason, t_pass = m.group(1), m.group(2), m.group(3)
    t = float(t_pass[:-1]) if t_pass != '-' else None
    if verdict == 'PASS':
        kind = 'pass'
    elif reason.startswith('hang'):
        kind = 'hang'
    elif reason.startswith(('wrong totals', 'init reported FAIL', 'fatal')):
        kind = 'wrong'
    else:
        kind = 'error'
    return k, kind, reason, t


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('-n', type=int, default=20, help='number of boots (20)')
    ap.add_argument('-j', type=int, default=1, help='boots at a time (1)')
    ap.add_argument('--smp', type=int, default=4)
    ap.add_argument('--build', default=os.path.join(ROOT, 'build'))
    ap.add_argument('--emu', help='emulator (default BUILD/src/machine/loom)')
    ap.add_argument('--bios', default=FW)
    ap.add_argument('--kernel', help='default BUILD/linux/Image')
    ap.add_argument('--initrd', help='default BUILD/linux/initramfs.cpio')
    ap.add_argument('--out', help='default BUILD/soak')
    ap.add_argument('--slow', type=float, default=2.0,
                    help='a pass is slow above this times the median (2)')
    ap.add_argument('--timeout', type=float, default=240.0)
    ap.add_argument('--hang', type=float, default=90.0)
    args = ap.parse_args()
    args.emu = args.emu or os.path.join(args.build, 'src', 'machine', 'loom')
    args.kernel = args.kernel or os.path.join(args.build, 'linux', 'Image')
    args.initrd = args.initrd or os.path.join(args.build, 'linux', 'initramfs.cpio')
    args.out = args.out or os.path.join(args.build, 'soak')
    for f in (args.emu, args.bios, args.kernel, args.initrd):
        if not os.path.exists(f):
            print('soak: %s does not exist (make build linux)' % f, file=sys.stderr)
            return 2
    if args.n < 1 or args.j < 1:
        print('soak: -n and -j must be at least 1', file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    print('soak: %d boots of Linux on -smp %d, %d at a time; logs of failures in %s'
          % (args.n, args.smp, args.j, args.out), flush=True)

    results = []
    with concurrent.futures.ThreadPoolExecutor(args.j) as pool:
        futs = [pool.submit(one, k, args) for k in range(args.n)]
        for fut in concurrent.futures.as_completed(futs):
            k, kind, reason, t = fut.result()
            results.append((k, kind, reason, t))
            print('soak: run %d: %s%s (%s)' % (k, kind, '' if t is None else ' %.2fs' % t,
                                              reason), flush=True)

    times = [t for _, kind, _, t in results if kind == 'pass']
    median = statistics.median(times) if times else None
    final = []
    for k, kind, reason, t in sorted(results):
        if kind == 'pass' and t > args.slow * median:
            kind, reason = 'slow', '%.2fs to PASS, %.1fx the median' % (t, t / median)
        final.append((k, kind, reason, t))
        if kind == 'pass':
            for ext in ('log', 'stacks'):
                path = os.path.join(args.out, 'run-%d.%s' % (k, ext))
                if os.path.exists(path):
                    os.remove(path)
    counts = {c: sum(1 for r in final if r[1] == c)
              for c in ('pass', 'slow', 'hang', 'wrong', 'error')}
    print('\nsoak: %d boots: %s' % (args.n, ', '.join('%s %d' % kv for kv in counts.items())))
    if times:
        print('soak: time to PASS: median %.2fs, min %.2fs, max %.2fs (%.2fx the median)'
              % (median, min(times), max(times), max(times) / median))
    for k, kind, reason, t in final:
        if kind != 'pass':
            print('soak: run %d %s: %s; log %s' % (k, kind, reason,
                  os.path.join(args.out, 'run-%d.log' % k)))
    return 0 if counts['pass'] == args.n else 1


if __name__ == '__main__':
    sys.exit(main())
