#!/usr/bin/env python3
"""gdb on a 4-hart Linux guest, through the raw protocol (docs/gdb.md).

usage: gdb-linux.py LOOM FW_JUMP IMAGE INITRAMFS

Boots OpenSBI + Linux with `-gdb tcp::0` and attaches once init runs, so
every hart has paging on (satp: Sv39 or Sv48, as Linux picks):
  - attach stops all four harts; each one's pc reads through its MMU;
  - a breakpoint at stvec (Linux's handle_exception, entered by every
    interrupt and system call on every hart) is hit: breakpoint changes
    while harts page flush every translation (docs/gdb.md), so old TBs of
    the trap entry never run again;
  - a single step there moves one instruction (handle_exception starts
    with csrrw, not a jump);
  - D lets Linux finish: init's workload passes and the machine powers off.
Hang guards only; the runner's own --timeout style deadlines are not used.
"""
import os
import re
import select
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                '..', 'guest'))
from gdbrsp import HANG, Client, le64, read_to_eof, wait_stdout  # noqa: E402

BOOT_HANG = 600      # a guard for the boot itself on a loaded host
fails = []


def check(what, cond, detail=''):
    print(('ok:   ' if cond else 'FAIL: ') + what +
          ('' if cond or not detail else ' (%s)' % (detail,)))
    if not cond:
        fails.append(what)


def main():
    loom, fw, image, initrd = sys.argv[1:5]
    cmd = [loom, '-M', 'virt', '-smp', '4', '-m', '512M', '-bios', fw,
           '-kernel', image, '-initrd', initrd, '-append', 'console=ttyS0',
           '-gdb', 'tcp::0']
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    err = b''
    try:
        r, _, _ = select.select([p.stderr], [], [], HANG)
        line = p.stderr.readline() if r else b''
        m = re.search(rb'listening on tcp:127\.0\.0\.1:(\d+)', line)
        if not m:
            check('loom printed its gdb port', False, line)
            return 1
        port = int(m.group(1))
        wait_stdout(p, b'Run /init', BOOT_HANG)
        c = Client(port)
        stop = c.cmd('?')
        check('attach stops the booted machine', stop.startswith('T02thread:'),
              stop)
        for t in range(1, 5):
            c.cmd('Hg%d' % t)
            pc = le64(c.cmd('p20'))
            satp = le64(c.cmd('p%x' % (65 + 0x180)))
            mem = c.cmd('m%x,4' % pc)
            check('hart %d: paging on (Sv39/Sv48), its pc 0x%x reads through its MMU'
                  % (t - 1, pc), satp >> 60 in (8, 9) and
                  re.fullmatch(r'[0-9a-f]{8}', mem) is not None, (hex(satp), mem))
        c.cmd('Hg1')
        stvec = le64(c.cmd('p%x' % (65 + 0x105))) & ~3
        check('stvec is a kernel address', stvec >= 0xffffffff80000000,
              hex(stvec))
        check('Z0 at handle_exception', c.cmd('Z0,%x,2' % stvec) == 'OK')
        c.send('vCont;c')
        stop = c.reply()
        m = re.fullmatch(r'T05thread:(\d+);swbreak:;', stop)
        check('the trap entry stops a hart at the breakpoint', m is not None,
              stop)
        if m:
            t = int(m.group(1))
            c.cmd('Hg%d' % t)
            check('its pc is stvec', le64(c.cmd('p20')) == stvec)
            c.cmd('z0,%x,2' % stvec)
            c.send('vCont;s:%d' % t)
            stop = c.reply()
            pc = le64(c.cmd('p20'))
            check('a step from there moves one instruction',
                  stop == 'T05thread:%d;' % t and pc - stvec in (2, 4),
                  (stop, hex(pc)))
        check('D', c.cmd('D') == 'OK')
        c.close()
        out = read_to_eof(p, BOOT_HANG)
        try:
            p.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            pass
        check('after D Linux finishes: init PASS, power-off, exit 0',
              p.returncode == 0 and b'loom-init: PASS' in out,
              (p.returncode, out[-300:]))
    except (OSError, EOFError, RuntimeError) as e:
        check('the session ran to its end', False, repr(e))
    finally:
        if p.poll() is None:
            p.kill()
        p.wait()
        err = p.stderr.read()
    if fails:
        print('--- loom stderr ---\n' + err.decode(errors='replace'))
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
