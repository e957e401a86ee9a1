#!/usr/bin/env python3
"""stats-counts.py LOOM STATS_ELF ECHO_ELF — -d stats and -stats FILE
against known counts (docs/stats.md "Tests").

1. stats.elf on -smp 2 (MTTCG, then thread=single): hart 0 runs a fully known instruction stream, so
   its retired count is exact: the boot ROM's 6 instructions, then the
   formula below (the instructions of tests/guest/stats.S, counted by
   hand; ecall and the illegal instruction do not retire).  Exceptions by
   cause, interrupts, AMOs and SCs are exact on both harts; translations,
   lookups and exits get sanity bounds (their exact values depend on TB
   shapes, which are not this test's business).  The -d stats table must
   be on stderr with the same hart-0 count.
2. echo.elf (waits for input): SIGUSR1 makes a live dump (the JSON file
   fills in while the guest runs; the handler only wakes the stats
   thread); then 'q' powers off and the final dump has counted at least
   as many instructions.
Waits end on the emulator's output; the timeouts are hang guards only.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

# tests/guest/stats.S
LOOPN, NECALL, NILL, NIPI = 1000, 5, 3, 4
BOOTROM = 6                  # src/machine/bootrom.c: auipc addi csrr ld ld jalr
HANDLER = 6                  # trap's exception path: csrr bltz csrr addi csrw mret
EXPECT_HART0 = (BOOTROM
                + 8                         # _start .. bnez a0
                + 1 + 2 * LOOPN             # li; addi+bnez per iteration
                + 1 + NECALL * (HANDLER + 2)   # ecall does not retire
                + 1 + NILL * (HANDLER + 2)     # nor the illegal csrw
                + 5                         # la (2), sc.w, lr.w, sc.w
                + 3                         # li, csrw mie, li
                + NIPI * 8                  # li sw wfi lw beqz sw addi bnez
                + 5)  # lui lui addw sw, and the j after the sw: insn_count
                      # is added at TB entry, and the power-off store ends
                      # the run inside that TB (docs/stats.md)

fails = []


def check(what, got, want):
    if got != want:
        fails.append(f'{what}: got {got!r}, want {want!r}')


def check_true(what, cond):
    if not cond:
        fails.append(what)


def base(loom, elf):
    return [loom, '-M', 'virt', '-bios', 'none', '-kernel', elf, '-nographic']


def known_counts(loom, elf, tmp, extra):
    path = os.path.join(tmp, 'stats.json')
    r = subprocess.run(base(loom, elf) + ['-smp', '2', '-d', 'stats',
                                          '-stats', path] + extra,
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    check('stats.elf exit status', r.returncode, 0)
    with open(path) as f:
        st = json.load(f)
    h0, h1 = st['harts']
    m = st['machine']
    check('hart 0 insns', h0['insns'], EXPECT_HART0)
    check('hart 0 exceptions', h0['exceptions'],
          {'2': NILL, '11': NECALL})
    check('hart 0 interrupts', h0['interrupts'], {})
    check('hart 0 sc', h0['sc'], 2)
    check('hart 0 sc_failures', h0['sc_failures'], 1)
    check('hart 0 amos', h0['amos'], 0)
    check('hart 1 interrupts', h1['interrupts'], {'3': NIPI})
    check('hart 1 exceptions', h1['exceptions'], {})
    check('hart 1 amos', h1['amos'], NIPI)
    check('hart 1 sc', h1['sc'], 0)
    # Every exception left generated code by the landing pad.
    check_true('hart 0 exit_trap >= exceptions',
               h0['exit_trap'] >= NECALL + NILL)
    for i, h in enumerate((h0, h1)):
        check_true(f'hart {i} insns > 0', h['insns'] > 0)
        check_true(f'hart {i} translations > 0', h['translations'] > 0)
        check_true(f'hart {i} loop_tbs > 0', h['loop_tbs'] > 0)
        check_true(f'hart {i} tbht_misses <= tbht_lookups',
                   h['tbht_misses'] <= h['tbht_lookups'])
        # Each translation follows a hash miss (or a stale hit).
        check_true(f'hart {i} translations <= tbht_lookups',
                   h['translations'] <= h['tbht_lookups'])
        check_true(f'hart {i} tbht_lookups <= jc_misses',
                   h['tbht_lookups'] <= h['jc_misses'])
        n = h['jc_hits'] + h['jc_misses']
        check_true(f'hart {i} jc_hit_rate', n > 0 and
                   abs(h['jc_hit_rate'] - h['jc_hits'] / n) < 1e-5)
        check_true(f'hart {i} tlb_fills > 0', h['tlb_fills'] > 0)
    check('machine harts', m['harts'], 2)
    check('machine full_flushes', m['full_flushes'], 0)
    check('machine smc_invalidations', m['smc_invalidations'], 0)
    check_true('machine code_regions_used in 1..code_regions',
               1 <= m['code_regions_used'] <= m['code_regions'])
    # -d stats: the table on stderr (the log), hart 0's count in it.
    rows = [l.split() for l in r.stderr.splitlines()
            if l.startswith('stats: insns')]
    check('-d stats table insns row', rows[:1],
          [['stats:', 'insns', str(EXPECT_HART0), str(h1['insns'])]])


def live_dump(loom, elf, tmp):
    path = os.path.join(tmp, 'live.json')
    p = subprocess.Popen(base(loom, elf) + ['-stats', path],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        line = p.stdout.readline()
        check('echo banner', line.strip(), b'echo: ready')
        check('-stats file empty before any dump', os.path.getsize(path), 0)
        p.send_signal(signal.SIGUSR1)
        live = None
        t_end = time.monotonic() + 60        # hang guard
        while live is None and time.monotonic() < t_end:
            try:
                with open(path) as f:
                    live = json.load(f)
            except ValueError:
                time.sleep(0.05)
        check_true('SIGUSR1 wrote the JSON', live is not None)
        p.stdin.write(b'q')
        p.stdin.flush()
        p.wait(timeout=60)
        check('echo exit status', p.returncode, 0)
        with open(path) as f:
            final = json.load(f)
        if live:
            check_true('live insns > 0', live['harts'][0]['insns'] > 0)
            check_true('final insns >= live insns',
                       final['harts'][0]['insns'] >=
                       live['harts'][0]['insns'])
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def bad_path(loom, elf):
    r = subprocess.run(base(loom, elf) + ['-stats', '/nonexistent/dir/x.json'],
                       stdin=subprocess.DEVNULL, capture_output=True,
                       text=True, timeout=60)
    check('-stats unwritable: exit 2', r.returncode, 2)
    check('-stats unwritable: one line', len(r.stderr.splitlines()), 1)


def main():
    loom, stats_elf, echo_elf = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as tmp:
        known_counts(loom, stats_elf, tmp, [])
        # Round-robin mode: one thread runs both harts, same exact counts.
        known_counts(loom, stats_elf, tmp, ['-accel', 'tcg,thread=single'])
        live_dump(loom, echo_elf, tmp)
        bad_path(loom, stats_elf)
    for f in fails:
        print('FAIL:', f)
    print('PASS' if not fails else f'FAIL ({len(fails)})')
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
