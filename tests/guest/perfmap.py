#!/usr/bin/env python3
"""-perfmap and -jitdump (docs/cli.md "perf"): parse what Loom wrote.

usage: perfmap.py LOOM ECHO_ELF SMP_ELF NM

1. The echo guest (-smp 2) waits for input after "echo: ready": while it
   waits, /proc/PID/maps of the running Loom is read, and every perf-map
   entry must lie inside one executable mapping of the process (real host
   code), entries must not overlap, and every name "SYM+0xOFF [guest 0xPC]"
   must name a symbol of the ELF (nm) with PC = its address + OFF.  Some
   entries must name main and rt_puts.  The jitdump must parse: header
   (magic, version 1, x86-64, Loom's pid), JIT_CODE_LOAD records ending
   exactly at the end of the file, unique code indexes, and the same
   (address, size, name) set as the map.
2. A 4-hart guest translating on every hart at once: every map line is
   well formed (no interleaved writes) and the jitdump parses to the end.
The files are removed afterwards.  Exit 0 pass, 1 fail.
"""
import os
import re
import struct
import subprocess
import sys

LOOM, ECHO, SMP, NM = sys.argv[1:5]
failures = []
LINE = re.compile(r'^([0-9a-f]+) ([0-9a-f]+) (?:(\S+)\+0x([0-9a-f]+) )?'
                  r'\[guest 0x([0-9a-f]+)\]$')


def fail(msg):
    failures.append(msg)


def nm_symbols(elf):
    out = subprocess.run([NM, elf], capture_output=True, text=True,
                         check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms.setdefault(parts[2], set()).add(int(parts[0], 16))
    return syms


def parse_map(path):
    entries = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            m = LINE.match(line.rstrip('\n'))
            if not m:
                fail('%s:%d: malformed line %r' % (path, n, line))
                continue
            entries.append((int(m.group(1), 16), int(m.group(2), 16),
                            m.group(3), int(m.group(4) or '0', 16),
                            int(m.group(5), 16),
                            line.rstrip('\n').split(' ', 2)[2]))
    return entries


def parse_jitdump(path, pid):
    with open(path, 'rb') as f:
        data = f.read()
    recs = []
    if len(data) < 40:
        fail('%s: shorter than the header' % path)
        return recs
    magic, ver, size, mach, _pad, dpid, _ts, _flags = \
        struct.unpack_from('<IIIIIIQQ', data, 0)
    if (magic, ver, size, mach, dpid) != (0x4A695444, 1, 40, 62, pid):
        fail('%s: bad header %r' % (path, (hex(magic), ver, size, mach, dpid)))
    off, indexes = 40, set()
    while off < len(data):
        if off + 16 > len(data):
            fail('%s: truncated record header at %d' % (path, off))
            break
        rid, total, _ts = struct.unpack_from('<IIQ', data, off)
        if rid != 0 or total < 56 or off + total > len(data):
            fail('%s: bad record at %d: id %d size %d' % (path, off, rid, total))
            break
        rpid, _tid, vma, addr, csize, index = \
            struct.unpack_from('<IIQQQQ', data, off + 16)
        name_end = data.index(b'\0', off + 56)
        name = data[off + 56:name_end].decode()
        if name_end + 1 + csize != off + total or vma != addr or rpid != pid:
            fail('%s: record at %d: sizes/pid inconsistent' % (path, off))
        if index in indexes:
            fail('%s: code index %d repeated' % (path, index))
        indexes.add(index)
        recs.append((addr, csize, name))
        off += total
    return recs


def exec_ranges(pid):
    ranges = []
    with open('/proc/%d/maps' % pid) as f:
        for line in f:
            addr, perms = line.split()[:2]
            if 'x' in perms:
                lo, hi = (int(x, 16) for x in addr.split('-'))
                ranges.append((lo, hi))
    return ranges


def files_of(pid):
    return '/tmp/perf-%d.map' % pid, '/tmp/jit-%d.dump' % pid


def check_names(entries, syms, what):
    named = set()
    for start, size, sym, off, pc, _name in entries:
        if size == 0:
            fail('%s: empty entry at %#x' % (what, start))
        if sym is None:
            continue
        named.add(sym)
        if sym not in syms:
            fail('%s: %s is not a symbol of the ELF' % (what, sym))
        elif pc - off not in syms[sym]:
            fail('%s: %s+%#x at guest %#x, but %s is at %s' % (
                what, sym, off, pc, sym, [hex(a) for a in syms[sym]]))
    return named


def echo_case():
    cmd = [LOOM, '-M', 'virt', '-bios', 'none', '-kernel', ECHO, '-smp', '2',
           '-nographic', '-serial', 'stdio', '-perfmap', '-jitdump']
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    mpath, dpath = files_of(p.pid)
    try:
        line = p.stdout.readline()          # hang guard: the meson timeout
        if b'echo: ready' not in line:
            fail('echo guest: first line %r' % line)
            return
        # The guest now spins reading the UART.  The TBs that printed the
        # line were named before they ran, so main and rt_puts are in the
        # map already; the code buffer stays mapped while Loom runs.
        ranges = exec_ranges(p.pid)
        entries = parse_map(mpath)
        p.stdin.write(b'q')
        p.stdin.flush()
        out, err = p.communicate(timeout=60)
        if p.returncode != 0:
            fail('echo guest: exit %d, stderr %r' % (p.returncode, err))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    if not entries:
        fail('echo guest: empty perf map')
    spans = sorted((s, s + n) for s, n, *_ in entries)
    for (a0, a1), (b0, _b1) in zip(spans, spans[1:]):
        if b0 < a1:
            fail('entries overlap: %#x..%#x and %#x' % (a0, a1, b0))
    for s, e in spans:
        if not any(lo <= s and e <= hi for lo, hi in ranges):
            fail('entry %#x..%#x is not inside an executable mapping' % (s, e))
            break
    named = check_names(entries, nm_symbols(ECHO), 'echo map')
    for want in ('main', 'rt_puts'):
        if want not in named:
            fail('echo map: no TB named after %s (named: %s)' % (
                want, sorted(named)))
    recs = parse_jitdump(dpath, p.pid)
    # The map was read while running; the dump at exit may hold more.
    if not set((s, n, name) for s, n, _, _, _, name in entries) <= set(recs):
        fail('jitdump records do not contain every map entry')
    for path in (mpath, dpath):
        os.unlink(path)


def smp_case():
    cmd = [LOOM, '-M', 'virt', '-bios', 'none', '-kernel', SMP, '-smp', '4',
           '-nographic', '-perfmap', '-jitdump']
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = p.communicate(timeout=120)
    mpath, dpath = files_of(p.pid)
    if p.returncode != 0:
        fail('smp guest: exit %d, stderr %r' % (p.returncode, err))
    entries = parse_map(mpath)
    check_names(entries, nm_symbols(SMP), 'smp map')
    recs = parse_jitdump(dpath, p.pid)
    if len(recs) != len(entries):
        fail('smp: %d map entries but %d jitdump records' % (
            len(entries), len(recs)))
    for path in (mpath, dpath):
        os.unlink(path)


echo_case()
smp_case()
for f in failures:
    print('FAIL', f)
print('perfmap: %s' % ('FAILED' if failures else 'ok'))
sys.exit(1 if failures else 0)
