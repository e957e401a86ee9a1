#!/usr/bin/env python3
"""Boot a real guest on an emulator and judge the console (docs/linux.md).

usage:
  bootrun.py [options] uboot EMU --bios FW --kernel U-BOOT.BIN
  bootrun.py [options] linux EMU --bios FW --kernel IMAGE --initrd CPIO

Runs `EMU -M virt -smp N -m 512M -bios FW -kernel K [-initrd I -append A]
-nographic` with stdin a pipe, streams the console to stdout as it comes,
and stops at the first verdict:

  uboot  pass: the U-Boot prompt "=> " appeared; "poweroff" is then typed and
         the emulator killed if it has not left within 5 s.  With --resets N,
         "reset" is typed at each of the first N prompts (a machine reset:
         the banner and the prompt must come again), and the pass is the
         prompt after the last one.
  linux  pass: init printed "workload: threads=N atomic=N*1000000 (ok)
         mutex=N*100000 (ok)" with N = -smp, then "loom-init: PASS", and the
         emulator exited with status 0 (the poweroff) after it.
  fail:  "Kernel panic" / an "Oops" / OpenSBI's "sbi_trap_error",
         "loom-init: FAIL", wrong totals, no
         output for --hang seconds, the overall --timeout, or the emulator
         exiting before the pass condition or with a non-zero status.

  uboot --pty  the same boot on a pseudo-terminal (the emulator's controlling
         terminal), typed at as a person would: Enter as CR at the autoboot
         countdown, "echo pty-echo-ok" (its output line must come back),
         "abc" + Ctrl-C at the prompt (U-Boot must print <INTERRUPT>: the
         byte reached the guest instead of killing the emulator), then
         Ctrl-A x.  Pass: exit status 0 and the terminal's termios after
         the exit equal to those before.

On failure it prints the reason and the last 30 console lines, and exits 1
(2 for bad usage). Every path is bounded by --timeout (plus 5 s to reap).
bench/boot imports boot() from this file for its timings.
"""
import argparse
import codecs
import collections
import fcntl
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import termios
import time

ATOMIC_ITERS = 1000000   # keep in step with guest/linux/init.c
MUTEX_ITERS = 100000
TAIL_LINES = 30
WORKLOAD_RE = re.compile(
    r'workload: threads=(\d+) atomic=(\d+) \((\w+)\) mutex=(\d+) \((\w+)\)')
# Fatal for any guest: Linux panics/oopses, OpenSBI's fatal trap report.
PANIC_RE = re.compile(r'Kernel panic|Oops[: ]|Unable to handle kernel|sbi_trap_error')
KERNEL_RE = re.compile(r'Linux version |^\[ *\d+\.\d+\] ')


class Result:
    """What one boot did. times are seconds since the emulator started."""

    def __init__(self):
        self.ok = False
        self.reason = ''
        self.rc = None
        self.maxrss_kb = None
        self.t_first = None     # first console byte
        self.t_kernel = None    # first kernel line (Linux version / [ts])
        self.t_init = None      # init's first line
        self.t_pass = None      # pass marker (prompt or totals line)
        self.t_exit = None      # emulator gone
        self.tail = collections.deque(maxlen=TAIL_LINES)


def command(emu, mode, smp, bios, kernel, initrd=None, append=None, mem='512M',
            extra=()):
    cmd = [emu, '-M', 'virt', '-smp', str(smp), '-m', mem, '-bios', bios,
           '-kernel', kernel]
    if mode == 'linux':
        cmd += ['-initrd', initrd, '-append', append]
    return cmd + ['-nographic'] + list(extra)


def _reap(proc, res, grace):
    """Wait up to grace seconds for proc, then kill it; record status and RSS."""
    deadline = time.monotonic() + grace
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() >= deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    res.rc = os.waitstatus_to_exitcode(status)
    proc.returncode = res.rc
    res.maxrss_kb = usage.ru_maxrss
    if res.t_exit is None:
        res.t_exit = time.monotonic() - res.t0


def host_stacks(pid, path):
    """Write every host thread's backtrace of process pid to path (gdb)."""
    gdb = shutil.which('gdb') or shutil.which('gdb-multiarch')
    with open(path, 'w') as f:
        if not gdb:
            f.write('no gdb installed: no host stacks\n')
            return
        try:
            subprocess.run([gdb, '-p', str(pid), '-batch', '-nx',
                            '-ex', 'thread apply all bt'],
                           stdout=f, stderr=subprocess.STDOUT, timeout=120)
        except subprocess.TimeoutExpired:
            f.write('gdb did not finish in 120 s\n')


def boot(cmd, mode, smp, timeout=120.0, hang=30.0, echo=True, resets=0,
         stacks=None):
    """Run cmd and return a Result; never raises for guest misbehaviour.
    stacks: a file to write the emulator's host thread stacks to when the run
    fails while the emulator is still running (a hang, a panic)."""
    res = Result()
    res.t0 = time.monotonic()
    try:
        # Same process group as ours: when meson (or ^C) kills the runner's
        # group on its own timeout, the emulator goes with it.
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
    except OSError as e:
        res.reason = 'cannot start %s: %s' % (cmd[0], e)
        return res
    fd = proc.stdout.fileno()
    partial = ''
    last_out = res.t0
    deadline = res.t0 + timeout
    verdict = None          # (ok, reason) once decided
    workload_seen = False
    eof = False
    key_sent = False

    def line_done(line):
        nonlocal verdict, workload_seen
        now = time.monotonic() - res.t0
        res.tail.append(line)
        if res.t_kernel is None and KERNEL_RE.search(line):
            res.t_kernel = now
        if res.t_init is None and line.startswith('loom-init:'):
            res.t_init = now
        if PANIC_RE.search(line):
            verdict = (False, 'fatal: ' + line.strip())
        if mode != 'linux' or verdict:
            return
        m = WORKLOAD_RE.search(line)
        if m:
            workload_seen = True
            n, atomic, mutex = int(m.group(1)), int(m.group(2)), int(m.group(4))
            want = (smp, smp * ATOMIC_ITERS, smp * MUTEX_ITERS)
            if (n, atomic, mutex) != want or m.group(3) != 'ok' or m.group(5) != 'ok':
                verdict = (False, 'wrong totals: %r, want threads=%d atomic=%d mutex=%d'
                           % (line.strip(), *want))
        elif 'loom-init: FAIL' in line:
            verdict = (False, 'init reported FAIL')
        elif 'loom-init: PASS' in line:
            if not workload_seen:
                verdict = (False, 'PASS without a workload line')
            else:
                res.t_pass = now

    decoder = codecs.getincrementaldecoder('utf-8')('replace')

    def feed(data):
        nonlocal partial
        text = decoder.decode(data).replace('\r', '')
        if echo:
            sys.stdout.write(text)
            sys.stdout.flush()
        *lines, partial = (partial + text).split('\n')
        for line in lines:
            if verdict:             # after a verdict: only keep the tail
                res.tail.append(line)
            else:
                line_done(line)

    while verdict is None:
        now = time.monotonic()
        if now >= deadline:
            verdict = (False, 'timeout: no verdict after %gs' % timeout)
            break
        if now - last_out >= hang:
            verdict = (False, 'hang: no console output for %gs' % hang)
            break
        wait = min(deadline - now, hang - (now - last_out), 0.5)
        ready, _, _ = select.select([fd], [], [], max(wait, 0.01))
        if not ready:
            continue
        data = os.read(fd, 65536)
        if not data:
            eof = True
            break
        now = time.monotonic()
        last_out = now
        if res.t_first is None:
            res.t_first = now - res.t0
        feed(data)
        if mode == 'uboot' and not key_sent and 'Hit any key to stop autoboot' in partial:
            # Stop the autoboot countdown: 2 s less, and no network probing.
            key_sent = True
            try:
                proc.stdin.write(b'\n')
                proc.stdin.flush()
            except OSError:
                pass
        if verdict is None and mode == 'uboot' and partial.endswith('=> ') \
                and resets:
            # Reset the machine from the prompt; the next boot is judged.
            resets -= 1
            key_sent = False
            partial = ''
            try:
                proc.stdin.write(b'reset\n')
                proc.stdin.flush()
            except OSError:
                pass
        elif verdict is None and mode == 'uboot' and partial.endswith('=> '):
            res.t_pass = now - res.t0
            verdict = (True, 'U-Boot prompt reached')

    if eof or (mode == 'linux' and verdict is None):
        # The emulator closed its console: it has exited (or is about to).
        _reap(proc, res, 5.0)
        if mode == 'linux' and res.t_pass is not None:
            verdict = (res.rc == 0, 'init passed and powered off' if res.rc == 0
                       else 'init passed but the emulator exited with status %d' % res.rc)
        elif verdict is None:
            verdict = (False, 'emulator exited (status %s) before the pass marker'
                       % res.rc)
    elif verdict[0] and mode == 'uboot':
        try:
            proc.stdin.write(b'poweroff\n')
            proc.stdin.flush()
        except OSError:
            pass
        _reap(proc, res, 5.0)
    else:
        # Failure decided while running: keep one more second of output for
        # the tail (a panic's backtrace), then kill.
        # Host stacks first, as found at the verdict.  waitid with WNOWAIT:
        # look without reaping (_reap takes the status).
        if stacks and os.waitid(os.P_PID, proc.pid,
                                os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            host_stacks(proc.pid, stacks)
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                data = os.read(fd, 65536)
                if not data:
                    break
                feed(data)
        _reap(proc, res, 0.0)
    if partial:
        res.tail.append(partial)
    proc.stdout.close()
    proc.stdin.close()
    res.ok, res.reason = verdict
    return res


# uboot --pty: (text to wait for, bytes to type then).
PTY_STEPS = [
    ('Hit any key to stop autoboot', b'\r'),
    ('=> ', b'echo pty-echo-ok\r'),
    ('\npty-echo-ok\n', b''),
    ('=> ', b'abc\x03'),
    ('<INTERRUPT>', b''),
    ('=> ', b'\x01x'),
]


def boot_pty(cmd, timeout=120.0, hang=30.0, echo=True):
    """U-Boot on a pty, typed at (see the module doc); a Result."""
    res = Result()
    res.t0 = time.monotonic()
    master, slave = pty.openpty()
    before = termios.tcgetattr(slave)
    try:
        proc = subprocess.Popen(
            cmd, stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
    except OSError as e:
        res.reason = 'cannot start %s: %s' % (cmd[0], e)
        return res
    decoder = codecs.getincrementaldecoder('utf-8')('replace')
    text, pos, step = '', 0, 0
    last_out, deadline = res.t0, res.t0 + timeout
    verdict = None
    gone = []               # [(status, rusage)] once the emulator is reaped

    def exited():
        if not gone:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                gone.append((status, usage))
                res.rc = os.waitstatus_to_exitcode(status)
                res.maxrss_kb = usage.ru_maxrss
                res.t_exit = time.monotonic() - res.t0
        return bool(gone)

    while verdict is None:
        now = time.monotonic()
        if step < len(PTY_STEPS):
            want, typed = PTY_STEPS[step]
            i = text.find(want, pos)
            if i >= 0:
                pos = i + len(want)
                step += 1
                os.write(master, typed)
                continue
        elif exited():
            break
        if now >= deadline:
            verdict = (False, 'timeout at step %d' % step)
        elif now - last_out >= hang:
            verdict = (False, 'hang at step %d (waiting for %r)'
                       % (step, PTY_STEPS[min(step, len(PTY_STEPS) - 1)][0]))
        elif select.select([master], [], [], 0.2)[0]:
            data = os.read(master, 65536)
            last_out = time.monotonic()
            if res.t_first is None:
                res.t_first = last_out - res.t0
            chunk = decoder.decode(data).replace('\r', '')
            if echo:
                sys.stdout.write(chunk)
                sys.stdout.flush()
            text += chunk
        elif exited() and step < len(PTY_STEPS):
            verdict = (False, 'emulator exited (status %s) at step %d'
                       % (res.rc, step))
    if verdict is None:
        res.t_pass = time.monotonic() - res.t0
        verdict = (True, 'typed at U-Boot, Ctrl-C reached it, Ctrl-A x left')
    if not gone:
        _reap(proc, res, 5.0)
    after = termios.tcgetattr(slave)
    if verdict[0] and res.rc != 0:
        verdict = (False, 'Ctrl-A x: exit status %s, want 0' % res.rc)
    elif verdict[0] and after != before:
        verdict = (False, 'terminal mode not restored: before %s after %s'
                   % (before, after))
    res.tail.extend(text.split('\n')[-TAIL_LINES:])
    os.close(master)
    os.close(slave)
    res.ok, res.reason = verdict
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('mode', choices=['uboot', 'linux'])
    ap.add_argument('emu')
    ap.add_argument('--bios', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--initrd')
    ap.add_argument('--append', default='console=ttyS0 earlycon')
    ap.add_argument('--smp', type=int, default=1)
    ap.add_argument('--mem', default='512M')
    ap.add_argument('--timeout', type=float, default=120.0)
    ap.add_argument('--hang', type=float, default=30.0)
    ap.add_argument('--quiet', action='store_true', help='do not stream the console')
    ap.add_argument('--stacks', metavar='FILE',
                    help='on a failure with the emulator still running, write its '
                         'host thread stacks (gdb) to FILE')
    ap.add_argument('--resets', type=int, default=0,
                    help='uboot: type "reset" at the first N prompts')
    ap.add_argument('--pty', action='store_true',
                    help='uboot: on a pseudo-terminal, typed at (see above)')
    args = ap.parse_args()
    if args.mode == 'linux' and not args.initrd:
        ap.error('linux needs --initrd')
    args.emu = shutil.which(args.emu) or args.emu
    for f in (args.emu, args.bios, args.kernel, args.initrd):
        if f and f != 'none' and not os.path.exists(f):
            print('bootrun: %s does not exist' % f)
            return 1
    cmd = command(args.emu, args.mode, args.smp, args.bios, args.kernel,
                  args.initrd, args.append, args.mem)
    print('bootrun: ' + ' '.join(cmd), flush=True)
    if args.pty:
        if args.mode != 'uboot':
            ap.error('--pty is for uboot')
        res = boot_pty(cmd, args.timeout, args.hang, not args.quiet)
    else:
        res = boot(cmd, args.mode, args.smp, args.timeout, args.hang,
                   not args.quiet, args.resets, args.stacks)
    fmt = lambda t: '-' if t is None else '%.2fs' % t
    print('\nbootrun: %s: %s (first output %s, kernel %s, init %s, pass %s, exit %s,'
          ' status %s, peak RSS %s MiB)'
          % ('PASS' if res.ok else 'FAIL', res.reason, fmt(res.t_first),
             fmt(res.t_kernel), fmt(res.t_init), fmt(res.t_pass), fmt(res.t_exit),
             res.rc, '-' if res.maxrss_kb is None else res.maxrss_kb // 1024))
    if not res.ok:
        print('bootrun: last %d console lines:' % len(res.tail))
        for line in res.tail:
            print('  | ' + line)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
