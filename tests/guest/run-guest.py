#!/usr/bin/env python3
"""Run one bare-metal guest program and compare its console output.

usage: run-guest.py [--timeout S] [--no-qemu] LOOM ELF REF [EXTRA_ARGS...]

Runs `LOOM -M virt -bios none -kernel ELF -nographic EXTRA_ARGS` and requires
exit status 0 and stdout identical to REF, byte for byte. When
qemu-system-riscv64 is installed (and LOOM is not QEMU itself) the same ELF
also runs on QEMU under the same rules (exit 0, stdout == REF), so Loom's
and QEMU's stdout are identical byte for byte. On a mismatch a short
unified diff is printed. Exit status: 0 pass, 1 fail.

No timeout by default: under meson, meson's test timeout (scaled by
--timeout-multiplier in the sanitizer jobs) is the one hang guard, so a
slow host makes a run slower, never red; each command is printed before it
runs, so a run meson kills names it. --timeout S adds the runner's own.
"""
import argparse
import difflib
import os
import shutil
import subprocess
import sys


def run(emu, elf, extra, timeout):
    cmd = [emu, '-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic'] + extra
    print('run: ' + ' '.join(cmd))
    sys.stdout.flush()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b'', e.stderr or b'', cmd
    except OSError as e:
        return -1, b'', str(e).encode(), cmd
    return p.returncode, p.stdout, p.stderr, cmd


def show_diff(label_a, a, label_b, b, limit=40):
    lines = list(difflib.unified_diff(
        a.decode('latin-1').splitlines(keepends=True),
        b.decode('latin-1').splitlines(keepends=True),
        fromfile=label_a, tofile=label_b, n=1))
    for line in lines[:limit]:
        sys.stdout.write(line if line.endswith('\n') else line + '\n')
    if len(lines) > limit:
        print('... (%d more diff lines)' % (len(lines) - limit))


def check(name, emu, elf, extra, timeout, want, want_label):
    rc, out, err, cmd = run(emu, elf, extra, timeout)
    ok = True
    if rc is None:
        print('%s: TIMEOUT after %ss: %s' % (name, timeout, ' '.join(cmd)))
        ok = False
    elif rc != 0:
        print('%s: exit status %d (want 0): %s' % (name, rc, ' '.join(cmd)))
        ok = False
    if err.strip():
        sys.stdout.write('%s stderr:\n%s\n' % (name, err.decode('latin-1')[-2000:]))
    if want is not None and out != want:
        print('%s: stdout differs from %s' % (name, want_label))
        show_diff(want_label, want, name, out)
        ok = False
    return ok, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--timeout', type=float, default=None)
    ap.add_argument('--no-qemu', action='store_true',
                    help='do not cross-check against qemu-system-riscv64')
    ap.add_argument('loom')
    ap.add_argument('elf')
    ap.add_argument('ref')
    ap.add_argument('extra', nargs=argparse.REMAINDER)
    a = ap.parse_args()

    with open(a.ref, 'rb') as f:
        ref = f.read()
    ok, out = check(os.path.basename(a.loom), a.loom, a.elf, a.extra,
                    a.timeout, ref, os.path.basename(a.ref))

    qemu = shutil.which('qemu-system-riscv64')
    is_qemu = 'qemu' in os.path.basename(a.loom)
    if qemu and not a.no_qemu and not is_qemu:
        # Both must match REF, hence each other; comparing QEMU with REF
        # (not with Loom's output) tells a stale REF from a Loom bug.
        qok, qout = check('qemu', qemu, a.elf, a.extra, a.timeout, ref,
                          os.path.basename(a.ref))
        if qok and not ok:
            print('qemu matches %s: the difference is Loom\'s' % os.path.basename(a.ref))
        elif qok and out != qout:
            print('loom and qemu outputs differ')
            ok = False
        ok = ok and qok
    print('%s: %s' % (os.path.basename(a.elf), 'ok' if ok else 'FAILED'))
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
