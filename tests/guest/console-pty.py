#!/usr/bin/env python3
"""The serial console as a person meets it: Loom on a pseudo-terminal.

usage: console-pty.py LOOM ECHO_ELF PLAIN_ELF

ECHO_ELF (tests/guest/echo.c) prints "got 0xNN" for every byte it receives;
PLAIN_ELF is any guest that prints and powers off (for -serial file/null).
Each case starts Loom with the pty's slave as its controlling terminal and
checks, through the master side:
  - raw mode while it runs (no canonical mode, no echo, CR not mapped; ISIG
    off for -nographic, on for -serial stdio), bytes delivered as typed;
  - the Ctrl-A keys (h, t, x, C-a C-a, C-a a), Ctrl-C to the guest;
  - the terminal's termios after every exit path equals the one before:
    guest power-off from hart 0 and from hart 1, an exit status, C-a x (also
    while the guest has stopped reading), a user error during a machine
    reset, SIGTERM/SIGINT/SIGHUP/SIGABRT/SIGSEGV from outside, Ctrl-C with
    -serial stdio; and while stopped by SIGTSTP (raw again after SIGCONT);
  - a pipe is not a terminal: bytes (even Ctrl-A x) pass untouched;
  - -serial pty, file:PATH, null.
Waits are bounded only as hang guards (TIMEOUT); nothing depends on speed.
"""
import fcntl
import os
import pty
import re
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import termios
import time

LOOM, ECHO, PLAIN = sys.argv[1:4]
TIMEOUT = 60.0
failures = []
# The sig11 case sends SIGSEGV from outside to check that Loom's own fatal
# signal handler restores the terminal; under ASan, ASan's SEGV handler would
# take the signal instead and exit 1 with a report.
os.environ['ASAN_OPTIONS'] = ':'.join(
    o for o in (os.environ.get('ASAN_OPTIONS', ''), 'handle_segv=0') if o)


def fail(case, why):
    failures.append(f"{case}: {why}")
    print(f"FAIL {case}: {why}", flush=True)


def no_core():
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Loom keeps a signal its parent ignored (nohup's SIGHUP) ignored, by
    # design; the sig1 case needs the default, whoever started this test.
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


class Console:
    """Loom on a fresh pty (its controlling terminal); stderr to a pipe."""

    def __init__(self, args, elf=ECHO, smp=2):
        self.master, self.slave = pty.openpty()
        self.before = termios.tcgetattr(self.slave)

        def child():
            no_core()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            [LOOM, '-M', 'virt', '-smp', str(smp), '-bios', 'none', '-kernel', elf]
            + args, stdin=self.slave, stdout=self.slave, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=child)
        self.out = b''
        self.pos = 0

    def expect(self, pattern):
        """Wait for pattern (bytes regex) after the last match; its match."""
        rx = re.compile(pattern)
        end = time.monotonic() + TIMEOUT
        while True:
            m = rx.search(self.out, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = end - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._ready(0):
                return None
            if self._ready(min(left, 0.5)):
                self.out += os.read(self.master, 4096)

    def _ready(self, t):
        return bool(select.select([self.master], [], [], t)[0])

    def type(self, data):
        os.write(self.master, data)

    def mode(self):
        return termios.tcgetattr(self.slave)

    def wait(self):
        """Exit status (negative: the signal), stderr text."""
        try:
            rc = self.proc.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = 'hang'
        err = self.proc.stderr.read().decode(errors='replace')
        while self._ready(0):
            try:
                self.out += os.read(self.master, 4096)
            except OSError:
                break
        return rc, err

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc.stderr.close()
        os.close(self.master)
        os.close(self.slave)


# A job-control shell in miniature: session leader of the pty, it puts Loom
# in its own foreground process group.  (A stop signal to a process group
# with no parent in its session — Loom started as a session leader — is
# discarded by the kernel, so SIGTSTP needs this.)  It reports Loom's pid
# and then its exit status on fd REPORT.
JOB_SHELL = r"""
import fcntl, os, signal, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
report = int(sys.argv[1])
go_r, go_w = os.pipe()
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.read(go_r, 1)
    os.execv(sys.argv[2], sys.argv[2:])
os.setpgid(pid, pid)
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
os.tcsetpgrp(0, pid)
os.write(go_w, b'g')
os.write(report, b'%d\n' % pid)
_, st = os.waitpid(pid, 0)
os.write(report, b'%d\n' % os.waitstatus_to_exitcode(st))
"""


class JobConsole(Console):
    """Loom as the foreground job of a shell on the pty."""

    def __init__(self, args, elf=ECHO, smp=2):
        self.master, self.slave = pty.openpty()
        self.before = termios.tcgetattr(self.slave)
        rep_r, rep_w = os.pipe()
        self.proc = subprocess.Popen(
            [sys.executable, '-c', JOB_SHELL, str(rep_w), LOOM, '-M', 'virt',
             '-smp', str(smp), '-bios', 'none', '-kernel', elf] + args,
            stdin=self.slave, stdout=self.slave, stderr=subprocess.PIPE,
            start_new_session=True, preexec_fn=no_core, pass_fds=[rep_w])
        os.close(rep_w)
        self.report = os.fdopen(rep_r, 'rb')
        self.loom_pid = int(self.report.readline())
        self.out = b''
        self.pos = 0

    def close(self):
        try:
            os.kill(self.loom_pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        Console.close(self)

    def wait(self):
        line = self.report.readline()
        self.proc.wait(TIMEOUT)
        self.report.close()
        err = self.proc.stderr.read().decode(errors='replace')
        return (int(line) if line else 'hang'), err


def proc_state(pid):
    with open(f'/proc/{pid}/stat') as f:
        return f.read().rsplit(')', 1)[1].split()[0]


def is_raw(mode, isig):
    iflag, lflag = mode[0], mode[3]
    return (not lflag & (termios.ICANON | termios.ECHO)
            and not iflag & (termios.ICRNL | termios.IXON)
            and bool(lflag & termios.ISIG) == isig)


def run_case(case, args, steps, want_rc, want_err=None, isig=False, elf=ECHO,
             console=Console):
    """Start, wait for the guest, check raw mode, run steps(c) (returns
    False after a failure it reported), then check status and termios."""
    c = console(args, elf)
    try:
        if not c.expect(rb'echo: ready\r\n'):
            return fail(case, f"no ready line; output {c.out[-300:]!r}")
        if not is_raw(c.mode(), isig):
            return fail(case, f"terminal not in raw mode (isig={isig}): {c.mode()}")
        if steps(c) is False:
            return
        rc, err = c.wait()
        if rc != want_rc:
            return fail(case, f"exit status {rc}, want {want_rc}; stderr {err!r}; "
                        f"output {c.out[-300:]!r}")
        if want_err and want_err not in err:
            return fail(case, f"stderr {err!r} lacks {want_err!r}")
        if c.mode() != c.before:
            return fail(case, f"terminal mode not restored:\n  before {c.before}\n"
                        f"  after  {c.mode()}")
        print(f"ok   {case}", flush=True)
    finally:
        c.close()


def want_lines(case, c, lines):
    for line in lines:
        if not c.expect(re.escape(line.encode()) + rb'\r\n'):
            fail(case, f"missing {line!r}; output {c.out[-400:]!r}")
            return False
    return True


def typed_bytes(c):
    # CR stays CR, Ctrl-C is the guest's, C-a C-a and C-a a send one C-a,
    # and the host echoes nothing: the output is exactly the guest's lines.
    c.type(b'a\r\x03\x01\x01\x01a')
    if not want_lines('typed', c, ['got 0x61', 'got 0x0d', 'got 0x03',
                                   'got 0x01', 'got 0x01']):
        return False
    tail = c.out[c.out.index(b'echo: ready'):c.pos]
    if tail != b'echo: ready\r\ngot 0x61\r\ngot 0x0d\r\ngot 0x03\r\n' \
               b'got 0x01\r\ngot 0x01\r\n':
        fail('typed', f"output is not only the guest's lines: {tail!r}")
        return False
    c.type(b'q')
    return want_lines('typed', c, ['got 0x71', 'bye'])


def keys(c):
    c.type(b'\x01h')
    if not c.expect(rb'C-a x +exit Loom'):
        fail('keys', f"no help text: {c.out[-300:]!r}")
        return False
    c.type(b'\x01tb')
    if not c.expect(rb'\[\d\d:\d\d:\d\d\.\d{3}\] got 0x62\r\n'):
        fail('keys', f"no timestamp: {c.out[-300:]!r}")
        return False
    c.type(b'\x01tc')
    if not c.expect(rb'(?<=\n)got 0x63\r\n'):
        fail('keys', f"timestamps not off again: {c.out[-300:]!r}")
        return False
    c.type(b'\x01x')
    if not c.expect(rb'terminated'):
        fail('keys', f"no 'terminated' line: {c.out[-300:]!r}")
        return False
    return True


def hold_then_quit(c):
    # The guest stops reading; far more than the FIFO and the backend hold
    # is typed; C-a x must still quit.
    c.type(b'h')
    if not want_lines('hold', c, ['got 0x68', 'holding']):
        return False
    c.type(b'x' * 1000 + b'\x01x')
    return True


def send(sig):
    def steps(c):
        c.proc.send_signal(sig)
    return steps


def tstp(c):
    pid = c.loom_pid
    os.kill(pid, signal.SIGTSTP)
    end = time.monotonic() + TIMEOUT
    while proc_state(pid) != 'T':
        if time.monotonic() > end:
            fail('sigtstp', f"not stopped: state {proc_state(pid)}")
            return False
        time.sleep(0.01)
    if c.mode() != c.before:
        fail('sigtstp', f"terminal raw while stopped: {c.mode()}")
        return False
    os.kill(pid, signal.SIGCONT)
    end = time.monotonic() + TIMEOUT
    while not is_raw(c.mode(), False):
        if time.monotonic() > end:
            fail('sigtstp', "not raw again after SIGCONT")
            return False
        time.sleep(0.01)
    c.type(b'zq')
    return want_lines('sigtstp', c, ['got 0x7a', 'got 0x71', 'bye'])


def stdio_ctrl_c(c):
    # Plain -serial stdio: no mux (C-a is a byte), Ctrl-C ends Loom.
    c.type(b'\x01')
    if not want_lines('stdio', c, ['got 0x01']):
        return False
    c.type(b'\x03')
    return True


def tstp_only():
    run_case('sigtstp', ['-nographic'], tstp, 0, console=JobConsole)


def run_pty_cases():
    run_case('typed', ['-nographic'], typed_bytes, 0)
    run_case('keys', ['-serial', 'mon:stdio'], keys, 0)
    run_case('poweroff-hart1', ['-nographic'],
             lambda c: c.type(b'p') and None, 0)
    run_case('exit-status', ['-nographic'], lambda c: c.type(b'e') and None, 5)
    run_case('hold', ['-nographic'], hold_then_quit, 0)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        run_case('sig%d' % sig, ['-nographic'], send(sig), -sig,
                 'terminating on signal %d from pid' % sig)
    for sig in (signal.SIGABRT, signal.SIGSEGV):
        run_case('sig%d' % sig, ['-nographic'], send(sig), -sig)
    run_case('sigtstp', ['-nographic'], tstp, 0, console=JobConsole)
    run_case('stdio', ['-serial', 'stdio'], stdio_ctrl_c, -signal.SIGINT,
             'terminating on signal 2', isig=True)
    # A user error on a vCPU thread at run time: the machine reset reads
    # the image again, and it is gone.
    with tempfile.TemporaryDirectory() as d:
        elf = os.path.join(d, 'echo.elf')
        shutil.copy(ECHO, elf)

        def gone(c):
            os.unlink(elf)
            c.type(b'r')
        run_case('reset-error', ['-nographic'], gone, 2, 'cannot open', elf=elf)


def run_pipe_cases():
    # Not a terminal: bytes pass untouched, C-a x included.
    p = subprocess.run([LOOM, '-bios', 'none', '-kernel', ECHO, '-nographic'],
                       input=b'\x01xq', capture_output=True, timeout=TIMEOUT)
    want = b'echo: ready\ngot 0x01\ngot 0x78\ngot 0x71\nbye\n'
    if p.returncode != 0 or p.stdout != want:
        fail('pipe', f"rc {p.returncode} stdout {p.stdout!r} (want {want!r})")
    else:
        print('ok   pipe', flush=True)
    # -serial file:PATH and null: the guest's output goes there / nowhere.
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, 'serial.txt')
        p = subprocess.run([LOOM, '-bios', 'none', '-kernel', PLAIN, '-serial',
                            'file:' + out], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=TIMEOUT)
        text = open(out, 'rb').read() if os.path.exists(out) else b''
        if p.returncode != 0 or p.stdout or b'PASS' not in text:
            fail('file', f"rc {p.returncode} stdout {p.stdout!r} file {text[-100:]!r}")
        else:
            print('ok   file', flush=True)
    p = subprocess.run([LOOM, '-bios', 'none', '-kernel', PLAIN, '-serial', 'null'],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    if p.returncode != 0 or p.stdout or p.stderr:
        fail('null', f"rc {p.returncode} stdout {p.stdout!r} stderr {p.stderr!r}")
    else:
        print('ok   null', flush=True)


def run_serial_pty():
    p = subprocess.Popen([LOOM, '-bios', 'none', '-kernel', ECHO, '-serial', 'pty'],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    fd = None
    try:
        line = b''
        end = time.monotonic() + TIMEOUT
        while not line.endswith(b'\n') and time.monotonic() < end:
            if select.select([p.stderr], [], [], 0.5)[0]:
                b = os.read(p.stderr.fileno(), 1)
                if not b:
                    break
                line += b
        m = re.search(rb'char device redirected to (\S+) \(label serial0\)', line)
        if not m:
            return fail('serial-pty', f"no pty name on stderr: {line!r}")
        fd = os.open(m.group(1), os.O_RDWR | os.O_NOCTTY)
        got = b''
        for typed, want in ((b'', b'echo: ready\n'), (b'a', b'got 0x61\n'),
                            (b'q', b'bye\n')):
            os.write(fd, typed)
            end = time.monotonic() + TIMEOUT
            while want not in got and time.monotonic() < end:
                if select.select([fd], [], [], 0.5)[0]:
                    got += os.read(fd, 4096)
            if want not in got:
                return fail('serial-pty', f"missing {want!r}: {got!r}")
        rc = p.wait(TIMEOUT)
        if rc != 0:
            return fail('serial-pty', f"exit status {rc}")
        print('ok   serial-pty', flush=True)
    finally:
        if fd is not None:
            os.close(fd)
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdout.close()
        p.stderr.close()


if len(sys.argv) > 4:          # one case by name, for debugging
    globals()[sys.argv[4]]()
else:
    run_pty_cases()
    run_pipe_cases()
    run_serial_pty()
print(f"console-pty: {len(failures)} failures")
sys.exit(1 if failures else 0)
