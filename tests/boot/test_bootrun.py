#!/usr/bin/env python3
"""Self-test of tests/boot/bootrun.py against scripted fake emulators.

Each case writes a tiny executable that plays a console (success, wrong
totals, panic, hang, endless output, bad exit, U-Boot prompt, U-Boot reset) and checks the
verdict, its reason and, where the fake never exits by itself, that the
runner killed it. Nothing here depends on the host's speed: a fake that
must be stopped runs forever (a runner that waited for it would hang, and
meson's timeout is the hang guard), the hang and overall timeouts of the
cases that must not hit them are generous, and the ones that must hit them
are hit by a fake that is silent or chatty forever, however slowly it
starts. Needs no guest images, so it runs in the unit suite. Exit status 0
when all pass.
"""
import concurrent.futures
import importlib.util
import os
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location('bootrun', os.path.join(HERE, 'bootrun.py'))
bootrun = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bootrun)

PRELUDE = '''#!%s
import sys, time
def out(s):
    sys.stdout.write(s); sys.stdout.flush()
''' % sys.executable

LINUX_OK = PRELUDE + '''
out("OpenSBI v1.1\\r\\n[    0.000000] Linux version 6.1\\r\\n")
out("Run /init as init process\\r\\nloom-init: cpus online: 2\\r\\n")
out("workload: threads=2 atomic=2000000 (ok) mutex=200000 (ok)\\r\\n")
out("loom-init: PASS\\r\\nreboot: Power down\\r\\n")
sys.exit(%d)
'''

PTY_UBOOT = PRELUDE + '''
import os, termios, tty
saved = termios.tcgetattr(0)
tty.setraw(0)
def until(end):
    got = b""
    while not got.endswith(end):
        got += os.read(0, 1)
    return got
out("U-Boot 2023.01\\r\\nHit any key to stop autoboot:  2 ")
until(b"\\r")
out("\\r\\n=> ")
if until(b"\\r") != b"echo pty-echo-ok\\r":
    sys.exit(3)
out("echo pty-echo-ok\\r\\npty-echo-ok\\r\\n=> ")
until(b"\\x03")
out("abc<INTERRUPT>\\r\\n=> ")
until(b"\\x01x")
if %s:
    termios.tcsetattr(0, termios.TCSANOW, saved)
sys.exit(0)
'''

# Generous bounds for the cases that must not hit them.
T = 120
H = 60

CASES = [
    # name, mode, smp, script, timeout, hang, want_ok, reason substring,
    # whether the runner must kill the fake (it never exits by itself)
    ('linux-pass', 'linux', 2, LINUX_OK % 0, T, H, True, 'powered off', False),
    ('linux-bad-exit', 'linux', 2, LINUX_OK % 1, T, H, False, 'status 1', False),
    ('linux-wrong-smp', 'linux', 4, LINUX_OK % 0, T, H, False, 'wrong totals', False),
    ('linux-bad-total', 'linux', 2, PRELUDE + '''
out("workload: threads=2 atomic=1999999 (ok) mutex=200000 (ok)\\n")
while True:
    time.sleep(1)
''', T, H, False, 'wrong totals', True),
    ('linux-init-fail', 'linux', 1, PRELUDE + '''
out("workload: threads=1 atomic=1000000 (ok) mutex=100000 (ok)\\nloom-init: FAIL\\n")
while True:
    time.sleep(1)
''', T, H, False, 'init reported FAIL', True),
    ('linux-panic', 'linux', 1, PRELUDE + '''
out("Run /init as init process\\n")
out("Kernel panic - not syncing: No working init found.\\n")
out("Call Trace:\\n[<ffffffff8000296e>] 0xffffffff8000296e\\n")
while True:
    time.sleep(1)
''', T, H, False, 'fatal: Kernel panic', True),
    ('sbi-trap', 'linux', 1, PRELUDE + '''
out("reboot: Power down\\n")
out("sbi_trap_error: hart0: trap handler failed (error -2)\\n")
while True:
    time.sleep(1)
''', T, H, False, 'fatal: sbi_trap_error', True),
    ('linux-hang', 'linux', 1, PRELUDE + '''
out("smp: Bringing up secondary CPUs ...\\n")
while True:
    time.sleep(1)
''', T, 1, False, 'hang', True),
    ('linux-timeout', 'linux', 1, PRELUDE + '''
while True:
    out("tick\\n"); time.sleep(0.1)
''', 1.5, H, False, 'timeout', True),
    ('linux-early-exit', 'linux', 1, PRELUDE + '''
out("OpenSBI\\n")
sys.exit(0)
''', T, H, False, 'before the pass marker', False),
    ('uboot-prompt', 'uboot', 4, PRELUDE + '''
out("U-Boot 2023.01\\r\\nHit any key to stop autoboot:  2 ")
if sys.stdin.readline() != "\\n":
    sys.exit(3)
out("\\r\\n=> ")
line = sys.stdin.readline()
sys.exit(0 if line.strip() == "poweroff" else 4)
''', T, H, True, 'prompt', False),
    # --resets 1: "reset" typed at the first prompt; the second one passes.
    ('uboot-reset', 'uboot', 4, PRELUDE + '''
for boot in range(2):
    out("U-Boot 2023.01\\r\\nHit any key to stop autoboot:  2 ")
    if sys.stdin.readline() != "\\n":
        sys.exit(3)
    out("\\r\\n=> ")
    line = sys.stdin.readline().strip()
    if line != ("reset" if boot == 0 else "poweroff"):
        sys.exit(4)
    if boot == 0:
        out("reset\\r\\nresetting ...\\r\\n")
sys.exit(0)
''', T, H, True, 'prompt', False),
    # --pty: the fake goes raw as an emulator does; the second one leaves
    # the terminal raw at exit, which the runner must catch.
    ('uboot-pty', 'uboot', 1, PTY_UBOOT % True, T, H, True, 'Ctrl-A x left', False),
    ('uboot-pty-raw-left', 'uboot', 1, PTY_UBOOT % False, T, H, False,
     'not restored', False),
    ('uboot-no-prompt', 'uboot', 1, PRELUDE + '''
out("U-Boot 2023.01\\r\\n")
while True:
    time.sleep(1)
''', T, 1, False, 'hang', True),
]


def write_case(tmp, case):
    emu = os.path.join(tmp, case[0])
    with open(emu, 'w') as f:
        f.write(case[3])
    os.chmod(emu, 0o755)


def run_case(tmp, case):
    name, mode, smp, script, timeout, hang, want_ok, why, killed = case
    emu = os.path.join(tmp, name)
    cmd = bootrun.command(emu, mode, smp, 'fw', 'kernel', 'initrd', 'console=ttyS0')
    t0 = time.monotonic()     # reported only, never judged
    if name.startswith('uboot-pty'):
        res = bootrun.boot_pty(cmd, timeout, hang, echo=False)
    else:
        res = bootrun.boot(cmd, mode, smp, timeout, hang, echo=False,
                           resets=1 if name == 'uboot-reset' else 0)
    took = time.monotonic() - t0
    problems = []
    if res.ok != want_ok:
        problems.append('ok=%s, want %s' % (res.ok, want_ok))
    if why not in res.reason:
        problems.append('reason %r lacks %r' % (res.reason, why))
    if killed and res.rc != -signal.SIGKILL:
        problems.append('fake exit status %s, want killed by the runner' % res.rc)
    if name in ('uboot-prompt', 'uboot-reset') and res.rc != 0:
        problems.append('fake U-Boot exit status %s (newline/poweroff not typed)' % res.rc)
    if name == 'linux-panic' and not any('Call Trace' in l for l in res.tail):
        problems.append('backtrace after the panic missing from the tail')
    if name == 'linux-pass' and (res.t_kernel is None or res.t_init is None
                                 or res.maxrss_kb is None):
        problems.append('timings/RSS missing: kernel %s init %s rss %s'
                        % (res.t_kernel, res.t_init, res.maxrss_kb))
    return '%-18s %s  (%s, %.1fs)' % (name, 'FAIL: ' + '; '.join(problems)
                                      if problems else 'ok', res.reason, took), bool(problems)


def main():
    # The cases mostly sleep: run them side by side.  Every script is
    # written and closed before any case starts: a file open for writing in
    # one thread is inherited for a moment by another thread's fork, and
    # executing it then fails with ETXTBSY ("Text file busy").
    with tempfile.TemporaryDirectory() as tmp:
        for c in CASES:
            write_case(tmp, c)
        with concurrent.futures.ThreadPoolExecutor(len(CASES)) as pool:
            results = list(pool.map(lambda c: run_case(tmp, c), CASES))
    for line, _ in results:
        print(line)
    failed = sum(bad for _, bad in results)
    print('%d of %d cases failed' % (failed, len(CASES)))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
