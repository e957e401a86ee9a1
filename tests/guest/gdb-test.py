#!/usr/bin/env python3
"""gdb-multiarch attached to a 4-hart Loom (docs/gdb.md "Tests").

usage: gdb-test.py LOOM GDB_SMP_ELF

Starts `LOOM -smp 4 -gdb tcp::0 -S` on the gdb_smp guest (Loom picks a free
port and prints it, so parallel tests never collide), runs gdb-multiarch in
batch mode through a session — break at a function hit on hart 2, continue,
info threads, switch threads, bt, print an argument and a CSR, next, print a
global, watch a global (hardware watchpoint, Z2), step, a read watchpoint
(Z3) hit on hart 0, a hardware breakpoint (Z1), continue to power-off — and
checks what gdb printed and that
the guest passed its own checks.  next/step run with `scheduler-locking
step` (vCont;s:3 alone): with the other harts running, hart 0 could finish
the program during the step.  Exit 77 (meson: skipped) when
gdb-multiarch is not installed.  The timeouts are hang guards only.
"""
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile

HANG = 240      # seconds; a guard, never a deadline on speed

SCRIPT = """\
set pagination off
set confirm off
target remote 127.0.0.1:{port}
echo @@threads-at-reset\\n
info threads
break on_hart2
continue
echo @@threads-at-break\\n
info threads
echo @@bt-hart2\\n
bt
print value
print/x $mhartid
print $priv
thread 1
echo @@bt-hart0\\n
bt
print/x $mhartid
thread 3
set scheduler-locking step
watch watched
continue
delete 2
next
print watched
step
echo @@after-step\\n
info registers pc
set scheduler-locking off
rwatch results[1]
continue
delete
hbreak rt_finish
continue
echo @@at-finish\\n
continue
"""

CHECKS = [
    ('reset: 4 threads, every hart at the reset vector',
     r'@@threads-at-reset\n(?:.*\n)*?.*Thread 1 \(hart 0\) 0x0+1000 '
     r'(?:.*\n)*?.*Thread 4 \(hart 3\) 0x0+1000'),
    ('breakpoint hit on hart 2 (gdb thread 3) with its argument',
     r'Thread 3 hit Breakpoint 1, on_hart2 \(value=9900\)'),
    ('info threads lists every hart, thread 3 current',
     r'@@threads-at-break\n(?:.*\n)*?.*Thread 1 \(hart 0\)(?:.*\n)*?.*'
     r'Thread 2 \(hart 1\)(?:.*\n)*?\* 3 +Thread 3 \(hart 2\) on_hart2'
     r'(?:.*\n)*?.*Thread 4 \(hart 3\)'),
    ('bt on hart 2: on_hart2 <- run_hart(hart=2) <- rt_secondary_main',
     r'@@bt-hart2\n#0 +on_hart2 \(value=9900\)[^\n]*\n#1 [^\n]*run_hart '
     r'\(hart=2\)[^\n]*\n#2 [^\n]*rt_secondary_main'),
    ('print value', r'\$1 = 9900\n'),
    ('mhartid of hart 2 (a CSR from the target description)', r'\$2 = 0x2\n'),
    ('priv of hart 2 (M mode)', r'\$3 = 3\n'),
    # Hart 0 may be anywhere in main by then (in work(), or waiting): only
    # the outermost frame is certain.
    ('switched to hart 0: its bt ends in main',
     r'@@bt-hart0\n(?:#\d+ [^\n]*\n)*?#\d+ [^\n]*main \(\)'),
    ('mhartid of hart 0', r'\$4 = 0x0\n'),
    ('hardware watchpoint (Z2) on a global: hit by hart 2\'s first store',
     r'Hardware watchpoint 2: watched\n(?:.*\n)*?Thread 3 hit Hardware watchpoint '
     r'2: watched\n\nOld value = 0\nNew value = 9901\n'
     r'on_hart2 \(value=9900\) at [^\n]*gdb_smp\.c:28\n'),
    ('next: past the second store, back in the caller',
     r'New value = 9901\n(?:.*\n){2}run_hart \(hart=2\) at [^\n]*gdb_smp\.c:37\n'),
    ('print a global after next', r'\$5 = 19802\n'),
    ('step: out of run_hart into rt_secondary_main',
     r'\$5 = 19802\nrt_secondary_main \(hart=[^)]*\) at [^\n]*gdb_smp\.c:4\d\n'
     r'(?:.*\n)?@@after-step'),
    ('read watchpoint (Z3): hart 0 reads results[1] in main',
     r'Hardware read watchpoint 3: results\[1\]\n(?:.*\n)*?Thread 1 hit Hardware '
     r'read watchpoint 3: results\[1\]\n\nValue = 4950\n[^\n]* in main \(\)'),
    ('hardware breakpoint (Z1) at rt_finish, hit by hart 0',
     r'Hardware assisted breakpoint 4 at [^\n]*\n(?:.*\n)*?Thread 1 hit '
     r'Breakpoint 4, [^\n]*rt_finish \(\)[^\n]*\n(?:.*\n)*?@@at-finish'),
    ('continue to power-off', r'\[Inferior 1 \(Remote target\) exited normally\]'),
]


def main():
    loom, elf = sys.argv[1], sys.argv[2]
    gdb = shutil.which('gdb-multiarch')
    if not gdb:
        print('SKIP: gdb-multiarch is not installed '
              '(apt-get install gdb-multiarch)')
        return 77
    cmd = [loom, '-M', 'virt', '-smp', '4', '-m', '128M', '-bios', 'none',
           '-kernel', elf, '-gdb', 'tcp::0', '-S']
    emu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        port = None
        err = b''
        while port is None:
            r, _, _ = select.select([emu.stderr], [], [], HANG)
            if not r:
                print('FAIL: no "listening" line from loom (hang guard)')
                return 1
            line = emu.stderr.readline()
            if not line:
                print('FAIL: loom exited: %s' % err.decode(errors='replace'))
                return 1
            err += line
            m = re.search(rb'gdbstub listening on tcp:127\.0\.0\.1:(\d+)', line)
            if m:
                port = int(m.group(1))
        with tempfile.NamedTemporaryFile('w', suffix='.gdb',
                                         delete=False) as f:
            f.write(SCRIPT.format(port=port))
            script = f.name
        try:
            g = subprocess.run([gdb, '-batch', '-nx', '-x', script, elf],
                               stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=HANG)
        finally:
            os.unlink(script)
        out = g.stdout.decode(errors='replace')
        try:
            out_emu, err_emu = emu.communicate(timeout=HANG)
        except subprocess.TimeoutExpired:
            emu.kill()
            out_emu, err_emu = emu.communicate()
            print('FAIL: loom did not power off after gdb continued')
            print(out)
            return 1
    finally:
        if emu.poll() is None:
            emu.kill()
            emu.wait()
    fails = 0
    for what, rx in CHECKS:
        if re.search(rx, out):
            print('ok:   ' + what)
        else:
            print('FAIL: ' + what)
            fails += 1
    guest = out_emu.decode(errors='replace')
    if emu.returncode != 0 or 'PASS' not in guest:
        print('FAIL: guest exit %s, output: %r, stderr: %r'
              % (emu.returncode, guest, (err + err_emu).decode(errors='replace')))
        fails += 1
    else:
        print('ok:   guest passed its own checks and exited 0')
    if fails:
        print('--- gdb output ---')
        print(out)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
