#!/usr/bin/env python3
"""Run one guest stress program and judge it by its own verdict.

usage: run-stress.py [--timeout S] [--storm SPEC] EMU ELF [EXTRA_ARGS...]

Runs `EMU -M virt -bios none -kernel ELF -nographic EXTRA_ARGS` (EMU is
Loom, or qemu-system-riscv64 to validate a program) and passes when the
emulator exits 0 and the last output line is PASS. The stress programs
print their parameters first and "info:" lines whose numbers vary from run
to run, so there is no reference output to compare with. The command line
is printed first so a failure can be replayed by hand. Exit: 0 pass, 1 fail.

--storm SPEC runs Loom with LOOM_STORM=SPEC (src/vcpu/storm.c: flush, TLB,
exclusive-section and kick storms while the guest runs; the vCPU invariants
V1/V2/V4/V5 are asserted on every event). Loom then prints one "storm:" line
at power-off; it is left out of the verdict, and the run passes only if it is
there and counts at least one event. Likewise an -accel ...,chaos=S run
(chaos mode, docs/stress.md) must print its two "chaos:" lines, the report
counting at least one perturbation; they are left out of the verdict.

No timeout by default: under meson, meson's test timeout (scaled by
--timeout-multiplier, e.g. x4 in the sanitizer jobs) is the one hang guard,
so a slow host or a sanitizer build makes a run slower, never red. The
guest's output is passed through as it comes, so a run that meson kills
still shows the replay line and everything the guest printed. --timeout S
adds a guard of the runner's own (for runs by hand).
"""
import os
import re
import argparse
import subprocess
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--timeout', type=float, default=None)
    ap.add_argument('--storm', default=None)
    ap.add_argument('emu')
    ap.add_argument('elf')
    ap.add_argument('extra', nargs=argparse.REMAINDER)
    a = ap.parse_args()

    cmd = [a.emu, '-M', 'virt', '-bios', 'none', '-kernel', a.elf,
           '-nographic'] + a.extra
    env = dict(os.environ)
    if a.storm:
        env['LOOM_STORM'] = a.storm
    print('replay: ' + ('LOOM_STORM=' + a.storm + ' ' if a.storm else '') +
          ' '.join(cmd))
    sys.stdout.flush()
    start = time.monotonic()         # reported only, never judged
    timed_out = []
    chunks = []
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=env)
        guard = None
        if a.timeout:
            def kill():
                timed_out.append(True)
                p.kill()
            guard = threading.Timer(a.timeout, kill)
            guard.start()
        for line in p.stdout:
            chunks.append(line)
            sys.stdout.write(line.decode('latin-1'))
            sys.stdout.flush()
        rc = p.wait()
        if guard:
            guard.cancel()
        if timed_out:
            rc = None
    except OSError as e:
        rc = -1
        chunks.append(str(e).encode())
    wall = time.monotonic() - start
    text = b''.join(chunks).decode('latin-1')
    if text and not text.endswith('\n'):
        sys.stdout.write('\n')

    lines = [l for l in text.splitlines() if l.strip()]
    storm = [l for l in lines if l.startswith('storm: ')]
    chaos = [l for l in lines if l.startswith('chaos: ')]
    lines = [l for l in lines
             if not l.startswith('storm: ') and not l.startswith('chaos: ')]
    ok = rc == 0 and bool(lines) and lines[-1].strip() == 'PASS'
    # -accel ...,chaos=S: the start line and an exit report that counts
    # at least one perturbation (src/vcpu/chaos.c).
    if any('chaos=' in x for x in a.extra):
        report = [l for l in chaos if ' delay=' in l]
        events = sum(int(n) for n in re.findall(r'=(\d+)', report[0])[1:-1]) if report else 0
        if len(chaos) != 2 or len(report) != 1 or events == 0:
            print('chaos report missing or no perturbation done')
            ok = False
    if a.storm:
        events = sum(int(n) for n in re.findall(r'=(\d+)', storm[0])[1:]) if storm else 0
        if len(storm) != 1 or events == 0:
            print('storm report missing or no storm event ran')
            ok = False
    if rc is None:
        print('TIMEOUT after %g s' % a.timeout)
    elif rc != 0:
        print('exit status %d (want 0)' % rc)
    elif not ok:
        print('last line is not PASS')
    print('%s: %s (%.2f s)' % (a.elf.split('/')[-1], 'ok' if ok else 'FAILED', wall))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
