#!/usr/bin/env python3
"""The gdbstub at the protocol level, with a raw client (docs/gdb.md "Tests").

usage: gdb-proto.py LOOM ECHO_ELF GDB_SMP_ELF

What gdb-test.py cannot show from gdb's side:
  - attach stops a running machine; Ctrl-C (0x03) stops it again (T02);
  - a breakpoint inserted at the pc of a hot, chained loop is hit: the TBs
    translated before it (linked, in the jump cache) are not run again;
    after z0 the loop runs on (the breakpoint's TB is gone too);
  - Z1 (hardware breakpoint), Z3/Z4 (read/access watchpoints on the MMIO
    register the loop polls) stop before the instruction, with hwbreak /
    rwatch / awatch in the stop reply;
  - Z0 never writes guest memory (m shows the original bytes);
  - vCont;s:1 steps hart 0 alone, the other hart stays stopped;
  - minstret is exact across Z0/Z1/Z3 stops and steps (read with 'p');
  - registers P/p, memory M/m and X, unmapped memory (E14, no crash), a
    missing register (E0e), bad checksums ('-'), oversized packets,
    garbage, the target description (well-formed XML with the GPRs, pc,
    FPRs, fflags/frm/fcsr, the CSRs and priv);
  - D lets the machine run on (the guest powers off by itself), a second
    client can attach, k ends the emulator.
Timeouts are hang guards only (no deadline on speed).
"""
import os
import re
import select
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gdbrsp import HANG, Client, le64, read_to_eof, wait_stdout  # noqa: E402
fails = []
stderr_seen = []      # each loom's stderr, shown when something failed


def check(what, cond, detail=''):
    print(('ok:   ' if cond else 'FAIL: ') + what +
          ('' if cond or not detail else ' (%s)' % (detail,)))
    if not cond:
        fails.append(what)


def start(loom, elf, extra):
    cmd = [loom, '-M', 'virt', '-m', '128M', '-bios', 'none', '-kernel', elf,
           '-gdb', 'tcp::0'] + extra
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    while True:
        r, _, _ = select.select([p.stderr], [], [], HANG)
        line = p.stderr.readline() if r else b''
        if not line:
            raise RuntimeError('loom gave no port line')
        m = re.search(rb'listening on tcp:127\.0\.0\.1:(\d+)', line)
        if m:
            return p, int(m.group(1))


def session_echo(loom, echo):
    p, port = start(loom, echo, ['-smp', '2'])
    try:
        wait_stdout(p, b'echo: ready\n')   # hart 0 now polls the UART forever
        c = Client(port)
        sup = c.cmd('qSupported:multiprocess+;swbreak+;xmlRegisters=riscv')
        check('qSupported offers PacketSize, target.xml, vCont, swbreak',
              all(x in sup for x in ('PacketSize=', 'qXfer:features:read+',
                                     'vContSupported+', 'swbreak+')), sup)
        stop = c.cmd('?')
        check('attach stops the running machine (T02, SIGINT)',
              re.fullmatch(r'T02thread:[12];', stop) is not None, stop)
        check('qfThreadInfo lists both harts', c.cmd('qfThreadInfo') == 'm1,2')
        check('qsThreadInfo ends the list', c.cmd('qsThreadInfo') == 'l')
        check('qAttached: attached (detach on quit)', c.cmd('qAttached') == '1')
        check('T for a live thread', c.cmd('T2') == 'OK')
        check('T for a missing thread', c.cmd('T3').startswith('E'))
        check('vCont? offers c C s S', c.cmd('vCont?') == 'vCont;c;C;s;S')
        check('Hg1', c.cmd('Hg1') == 'OK')
        check('qC is the Hg thread', c.cmd('qC') == 'QC1')

        # Target description.
        xml, off = '', 0
        while True:
            r = c.cmd('qXfer:features:read:target.xml:%x,200' % off)
            xml += r[1:]
            off += len(r) - 1
            if r[0] == 'l':
                break
            if r[0] != 'm':
                check('qXfer reply', False, r)
                break
        root = ET.fromstring(xml)
        regs = {e.get('name'): int(e.get('regnum')) for e in root.iter('reg')}
        feats = [f.get('name') for f in root.iter('feature')]
        check('target.xml: cpu, fpu, csr, virtual features',
              feats == ['org.gnu.gdb.riscv.cpu', 'org.gnu.gdb.riscv.fpu',
                        'org.gnu.gdb.riscv.csr', 'org.gnu.gdb.riscv.virtual'],
              feats)
        check('target.xml: x0-x31 and pc at 0-32',
              regs.get('zero') == 0 and regs.get('t6') == 31 and
              regs.get('pc') == 32)
        check('target.xml: f0-f31, fflags/frm/fcsr',
              regs.get('ft0') == 33 and regs.get('ft11') == 64 and
              regs.get('fflags') == 66 and regs.get('frm') == 67 and
              regs.get('fcsr') == 68)
        check('target.xml: CSRs at 65 + number, priv',
              regs.get('mstatus') == 65 + 0x300 and
              regs.get('mhartid') == 65 + 0xf14 and
              regs.get('satp') == 65 + 0x180 and regs.get('priv') == 4161)

        # Registers.
        g = c.cmd('g')
        check('g: 33 registers of 8 bytes', len(g) == 33 * 16, len(g))
        pc = le64(g[32 * 16:])
        check('p pc agrees with g', le64(c.cmd('p20')) == pc)
        check('p mhartid of hart 0', le64(c.cmd('p%x' % (65 + 0xf14))) == 0)
        c.cmd('Hg2')
        check('p mhartid of hart 1 (Hg2)',
              le64(c.cmd('p%x' % (65 + 0xf14))) == 1)
        pc1 = le64(c.cmd('p20'))
        c.cmd('Hg1')
        check('p of a missing register', c.cmd('p%x' % (65 + 0x7ff)) == 'E0e')
        check('P t6 then p t6', c.cmd('P1f=efbeadde00000000') == 'OK' and
              le64(c.cmd('p1f')) == 0xdeadbeef)
        check('P f3 then p f3', c.cmd('P24=0100000000000080') == 'OK' and
              le64(c.cmd('p24')) == 0x8000000000000001)

        # Memory.
        check('m of unmapped memory: E14, no crash', c.cmd('m0,8') == 'E14')
        check('m of MMIO is refused (reads have side effects)',
              c.cmd('m10000000,1') == 'E14')
        scratch = 0x80100000
        check('M then m', c.cmd('M%x,4:11223344' % scratch) == 'OK' and
              c.cmd('m%x,4' % scratch) == '11223344')
        check('X (binary, escaped) then m',
              c.cmd(b'X%x,2:}\x03}\x04' % (scratch + 8)) == 'OK' and
              c.cmd('m%x,2' % (scratch + 8)) == '2324')
        check('M of unmapped memory', c.cmd('M0,1:00').startswith('E'))

        # Framing robustness.
        c.raw(b'$g#00')
        check('bad checksum is refused with -', c.ack() == b'-')
        c.raw(b'$' + b'm' * 20000 + b'#00')
        check('an oversized packet is refused', c.ack() == b'-')
        check('garbage packet: empty reply', c.cmd('\x01\x02zz') == '')
        check('still answering', c.cmd('qC') == 'QC1')

        # Hart 0 may still be finishing rt_puts when "ready" was read (a
        # loaded host): step it alone until a pc repeats.  The first code
        # after the output that runs twice is the UART polling loop; its
        # head is the cycle's lowest pc (the status load), pc2 the
        # instruction after it.
        cur, seen = le64(c.cmd('p20')), []
        while cur not in seen and len(seen) < 5000:
            seen.append(cur)
            c.send('vCont;s:1')
            c.reply()
            cur = le64(c.cmd('p20'))
        cycle = sorted(seen[seen.index(cur):]) if cur in seen else []
        check('stepping hart 0 reaches the polling loop',
              2 <= len(cycle) <= 8, [hex(x) for x in seen[-8:]])
        pc, pc2 = (cycle + [0, 0])[:2]
        # Breakpoints in the hot polling loop (its TBs are translated,
        # linked to each other and in the jump cache by now).
        orig = c.cmd('m%x,8' % pc)
        check('Z0 at the loop\'s head', c.cmd('Z0,%x,2' % pc) == 'OK')
        check('Z0 does not write guest memory', c.cmd('m%x,8' % pc) == orig)
        c.send('vCont;c')
        stop = c.reply()
        check('the loop stops at its head',
              stop == 'T05thread:1;swbreak:;' and le64(c.cmd('p20')) == pc,
              stop)
        c.send('vCont;c')
        stop = c.reply()
        check('resuming at a breakpoint stops there at once (the old TB at '
              'pc is not run)', stop == 'T05thread:1;swbreak:;', stop)
        check('hart 0 is at the breakpoint', le64(c.cmd('p20')) == pc)
        check('z0 removes it', c.cmd('z0,%x,2' % pc) == 'OK')
        check('z0 of a missing breakpoint', c.cmd('z0,%x,2' % pc) == 'E02')
        check('Z0 inside the TB', c.cmd('Z0,%x,2' % pc2) == 'OK')
        c.send('vCont;c')
        stop = c.reply()
        check('a breakpoint inside a translated TB is hit',
              stop == 'T05thread:1;swbreak:;' and le64(c.cmd('p20')) == pc2,
              stop)
        c.cmd('z0,%x,2' % pc2)
        c.cmd('Z0,%x,2' % pc)
        c.send('vCont;c')
        stop = c.reply()
        check('the loop, chained back to its head, stops there',
              stop == 'T05thread:1;swbreak:;' and le64(c.cmd('p20')) == pc,
              stop)
        c.cmd('z0,%x,2' % pc)

        # Hardware breakpoints and watchpoints (Z1-Z4, the Sdtrig debugger
        # slots): stop before the instruction, nothing of it executed.
        check('Z1 inside the loop', c.cmd('Z1,%x,2' % pc2) == 'OK')
        c.send('vCont;c')
        stop = c.reply()
        check('Z1 hit (T05 hwbreak) at its pc',
              stop == 'T05thread:1;hwbreak:;' and le64(c.cmd('p20')) == pc2,
              stop)
        check('z1 removes it', c.cmd('z1,%x,2' % pc2) == 'OK')
        check('z1 of a missing one', c.cmd('z1,%x,2' % pc2) == 'E02')
        lsr = 0x10000005                  # the UART status the loop polls
        for z, kind in ((3, 'rwatch'), (4, 'awatch')):
            check('Z%d on the UART status register' % z,
                  c.cmd('Z%d,%x,1' % (z, lsr)) == 'OK')
            c.send('vCont;c')
            stop = c.reply()
            check('Z%d hit: T05 %s at the register, hart 0 at its load'
                  % (z, kind),
                  stop == 'T05thread:1;%s:%x;' % (kind, lsr) and
                  le64(c.cmd('p20')) == pc, (stop, hex(le64(c.cmd('p20')))))
            check('z%d removes it' % z, c.cmd('z%d,%x,1' % (z, lsr)) == 'OK')
        check('Z2 of length 0 is refused', c.cmd('Z2,%x,0' % scratch) == 'E16')

        # minstret (CSR 0xb02: register 65 + 0xb02) is exact across the
        # debugger's stops: a stop before an instruction takes back what
        # the TB's entry counted for it and the rest, a breakpoint TB
        # counts nothing, a step counts one (docs/riscv.md "Counters").
        # The loop's length n comes from single steps; then, for each kind
        # of stop, two stops one iteration apart must be n apart.
        minstret = 'p%x' % (65 + 0xb02)

        def step():
            c.send('vCont;s:1')
            c.reply()

        c.cmd('Z1,%x,2' % pc2)
        c.send('vCont;c')
        c.reply()                          # at pc2
        c.cmd('z1,%x,2' % pc2)
        n, i0 = 0, le64(c.cmd(minstret))
        while n < 64:
            step()
            n += 1
            if le64(c.cmd(minstret)) != i0 + n:
                break
            if le64(c.cmd('p20')) == pc2:
                break
        check('steps count one instruction each, around the loop',
              le64(c.cmd('p20')) == pc2 and le64(c.cmd(minstret)) == i0 + n,
              (n, le64(c.cmd(minstret)) - i0))
        for ins, rem in (('Z0,%x,2' % pc2, 'z0,%x,2' % pc2),
                         ('Z1,%x,2' % pc2, 'z1,%x,2' % pc2),
                         ('Z3,%x,1' % lsr, 'z3,%x,1' % lsr)):
            c.cmd(ins)
            c.send('vCont;c')
            c.reply()
            a = le64(c.cmd(minstret))
            c.cmd(rem)                     # step off the stop point
            step()
            c.cmd(ins)
            c.send('vCont;c')
            c.reply()
            b = le64(c.cmd(minstret))
            c.cmd(rem)
            check('minstret across one loop between two %s stops: %d'
                  % (ins[:2], n), b - a == n, b - a)

        # Step hart 0 alone.
        c.cmd('Hg2')
        pc1a = le64(c.cmd('p20'))
        c.cmd('Hg1')
        c.send('vCont;s:1')
        stop = c.reply()
        check('vCont;s:1 stops hart 0 after one step (T05)',
              stop == 'T05thread:1;', stop)
        pc_s = le64(c.cmd('p20'))
        # The loop's head is a load (the UART status), not a jump.
        check('the step moved hart 0 by exactly one instruction',
              pc_s == pc2, (hex(pc), hex(pc_s)))
        c.cmd('Hg2')
        check('hart 1 stayed stopped', le64(c.cmd('p20')) == pc1a)
        c.cmd('Hg1')

        # Continue without the breakpoint: the loop runs on; Ctrl-C.
        c.send('vCont;c')
        c.raw(b'\x03')
        stop = c.reply()
        check('Ctrl-C stops the machine (T02)', stop.startswith('T02thread:'),
              stop)
        check('D detaches', c.cmd('D') == 'OK')
        c.close()
        # A second client: k ends the emulator.
        c = Client(port)
        c.cmd('?')
        c.send('k')
        try:
            rc = p.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            rc = None
        check('k ends the emulator with status 0', rc == 0, rc)
        c.close()
    finally:
        finish(p)


def finish(p):
    """Stop loom if it still runs; show its stderr (an INV_ASSERT names
    the broken invariant there) when something failed."""
    if p.poll() is None:
        p.kill()
    p.wait()
    stderr_seen.append(p.stderr.read().decode(errors='replace'))


def session_detach(loom, smp_elf):
    p, port = start(loom, smp_elf, ['-smp', '4', '-S'])
    try:
        c = Client(port)
        stop = c.cmd('?')
        check('-S: the machine is held at reset (T05, hart 0)',
              stop == 'T05thread:1;', stop)
        check('-S: hart 3 at the reset vector',
              c.cmd('Hg4') == 'OK' and le64(c.cmd('p20')) == 0x1000)
        # Let hart 1 alone run through the boot ROM into the image (its
        # TBs, _start's among them, are then in the TB hash), then step
        # hart 0 through the ROM: every step is one instruction, and the
        # ROM's final `jr` lands exactly on the jump target, although a
        # translated TB is waiting there (a step never runs on into it).
        c.send('vCont;c:2')
        c.raw(b'\x03')
        stop = c.reply()
        check('vCont;c:2 then Ctrl-C', stop.startswith('T02thread:'), stop)
        c.cmd('Hg1')
        pcs = [le64(c.cmd('p20'))]
        while 0x1000 <= pcs[-1] < 0x2000 and len(pcs) < 32:
            c.send('vCont;s:1')
            stop = c.reply()
            if stop != 'T05thread:1;':
                check('a ROM step reports T05 on hart 0', False, stop)
                break
            pcs.append(le64(c.cmd('p20')))
        steps = [b - a for a, b in zip(pcs, pcs[1:-1])]
        check('steps through the boot ROM move one instruction each',
              len(steps) >= 3 and all(d in (2, 4) for d in steps),
              [hex(x) for x in pcs])
        check('the step over the ROM\'s jr stops at its target 0x80000000',
              pcs[-1] == 0x80000000, hex(pcs[-1]))
        check('QStartNoAckMode', c.cmd('QStartNoAckMode') == 'OK')
        c.raw(b'$D#44')                   # no-ack mode: no '+' comes back
        check('D in no-ack mode', c.reply() == 'OK')
        out = read_to_eof(p)              # the guest powers off
        try:
            p.wait(timeout=HANG)
        except subprocess.TimeoutExpired:
            pass
        check('after D the guest runs to power-off and passes',
              p.returncode == 0 and b'PASS' in out, (p.returncode, out))
        c.close()
    finally:
        finish(p)


def main():
    loom, echo, smp_elf = sys.argv[1:4]
    for session, elf in ((session_echo, echo), (session_detach, smp_elf)):
        try:
            session(loom, elf)
        except (OSError, EOFError, RuntimeError) as e:
            check('%s ran to its end' % session.__name__, False, repr(e))
    if fails:
        for err in stderr_seen:
            print('--- loom stderr ---\n' + err)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
