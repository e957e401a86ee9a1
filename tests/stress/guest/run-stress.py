#!/usr/bin/env python3
"""Run one guest stress program and judge it by its own verdict.

usage: run-stress.py [--timeout S] EMU ELF [EXTRA_ARGS...]

Runs `EMU -M virt -bios none -kernel ELF -nographic EXTRA_ARGS` (EMU is
Loom, or qemu-system-riscv64 to validate a program) and passes when the
emulator exits 0 and the last output line is PASS. The stress programs
print their parameters first and "info:" lines whose numbers vary from run
to run, so there is no reference output to compare with. The command line
is printed first so a failure can be replayed by hand. Exit: 0 pass, 1 fail.
"""
import argparse
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--timeout', type=float, default=60.0)
    ap.add_argument('emu')
    ap.add_argument('elf')
    ap.add_argument('extra', nargs=argparse.REMAINDER)
    a = ap.parse_args()

    cmd = [a.emu, '-M', 'virt', '-bios', 'none', '-kernel', a.elf,
           '-nographic'] + a.extra
    print('replay: ' + ' '.join(cmd))
    sys.stdout.flush()
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=a.timeout)
        rc, out = p.returncode, p.stdout
    except subprocess.TimeoutExpired as e:
        rc, out = None, e.stdout or b''
    except OSError as e:
        rc, out = -1, str(e).encode()
    wall = time.monotonic() - start
    text = out.decode('latin-1')
    sys.stdout.write(text if text.endswith('\n') or not text else text + '\n')

    lines = [l for l in text.splitlines() if l.strip()]
    ok = rc == 0 and bool(lines) and lines[-1].strip() == 'PASS'
    if rc is None:
        print('TIMEOUT after %.0f s' % a.timeout)
    elif rc != 0:
        print('exit status %d (want 0)' % rc)
    elif not ok:
        print('last line is not PASS')
    print('%s: %s (%.2f s)' % (a.elf.split('/')[-1], 'ok' if ok else 'FAILED', wall))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
