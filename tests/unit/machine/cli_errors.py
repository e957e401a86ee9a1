#!/usr/bin/env python3
"""Run the built loom binary with bad command lines and bad images: each must
exit with status 2 and print exactly one line "loom: ..." on stderr (and
nothing on stdout).  Also checks --help, --version and -M help exit 0.
Usage: cli_errors.py path/to/loom"""
import os
import struct
import subprocess
import sys
import tempfile

LOOM = sys.argv[1]
failures = []


def run(args):
    try:
        p = subprocess.run([LOOM] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None, "", "(no exit in 30 s)"
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def expect_error(args, needle):
    rc, out, err = run(args)
    lines = err.splitlines()
    ok = (rc == 2 and out == "" and len(lines) == 1
          and lines[0].startswith("loom: ") and needle in lines[0])
    if not ok:
        failures.append(f"{args}: rc={rc} stdout={out!r} stderr={err!r} "
                        f"(wanted exit 2 and one line containing {needle!r})")


def expect_ok(args, needle):
    rc, out, err = run(args)
    if rc != 0 or needle not in out or err:
        failures.append(f"{args}: rc={rc} stdout={out!r} stderr={err!r}")


def elf(machine=243, paddr=0x80000000, payload=b"\x13\x00\x00\x00" * 4,
        entry=None):
    """A minimal ELF64 LE executable with one PT_LOAD at paddr (entry:
    default paddr)."""
    ehsize, phsize = 64, 56
    off = ehsize + phsize
    eh = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0,
                     2, machine, 1, paddr if entry is None else entry,
                     ehsize, 0, 0, ehsize, phsize, 1, 0, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, off, paddr, paddr, len(payload),
                     len(payload), 4)
    return eh + ph + payload


with tempfile.TemporaryDirectory() as d:
    def put(name, data):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    wrong_arch = put("x86.elf", elf(machine=62))
    outside = put("outside.elf", elf(paddr=0x40000000))
    truncated = put("trunc.elf", elf()[:100])
    empty = put("empty.bin", b"")
    missing = os.path.join(d, "missing.elf")
    big_raw = put("big.bin", b"\0" * (17 << 20))

    expect_error(["-foo"], "unknown option '-foo'")
    expect_error(["stray"], "unexpected argument")
    expect_error(["-kernel"], "needs an argument")
    expect_error(["-smp", "0", "-kernel", "k"], "-smp")
    expect_error(["-smp", "many"], "-smp")
    expect_error(["-m", "1X"], "-m")
    expect_error(["-m", "8M"], "out of range")
    expect_error(["-M", "sifive_u"], "unknown machine")
    expect_error(["-d", "nonsense"], "unknown log item 'nonsense'")
    expect_error(["-accel", "kvm"], "only tcg")
    expect_error(["-serial", "tcp::4444"], "-serial")
    expect_error(["-serial", "file:" + os.path.join(d, "no/such/out"),
                  "-bios", "none", "-kernel", outside], "cannot open")
    # gdbstub (docs/gdb.md): bad specs, -S alone, thread=single, a busy port.
    expect_error(["-gdb", "tcp::99999", "-kernel", "k"], "invalid port '99999'")
    expect_error(["-gdb", "tcp::", "-kernel", "k"], "invalid port")
    expect_error(["-gdb", "udp::1234", "-kernel", "k"], "expected tcp:[HOST]:PORT")
    expect_error(["-gdb", "tcp:1234", "-kernel", "k"], "expected tcp:[HOST]:PORT")
    expect_error(["-gdb", "tcp::1234,bogus", "-kernel", "k"],
                 "unsupported option 'bogus'")
    expect_error(["-gdb"], "needs an argument")
    expect_error(["-S", "-kernel", "k"], "-S needs -s or -gdb")
    expect_error(["-s", "-accel", "tcg,thread=single", "-kernel", "k"],
                 "thread=multi")
    import socket
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        expect_error(["-gdb", "tcp:127.0.0.1:%d" % port, "-bios", "none",
                      "-kernel", outside],
                     "tcp:127.0.0.1:%d: cannot listen: Address already in use"
                     % port)
    # Any address but loopback only when asked, with a warning.
    rc, out, err = run(["-gdb", "tcp:0.0.0.0:0", "-bios", "none", "-kernel",
                        missing])
    if rc != 2 or "warning: gdbstub listening on 0.0.0.0:" not in err:
        failures.append(f"-gdb tcp:0.0.0.0:0: rc={rc} stderr={err!r} "
                        "(wanted the non-loopback warning)")
    rc, out, err = run(["-gdb", "tcp::0", "-bios", "none", "-kernel", missing])
    if rc != 2 or "warning" in err or "listening on tcp:127.0.0.1:" not in err:
        failures.append(f"-gdb tcp::0: rc={rc} stderr={err!r} (wanted "
                        "loopback, no warning, the chosen port printed)")
    expect_error(["-bios", "none", "-initrd", "rd"], "-initrd")
    expect_error(["-bios", "fw", "-append", "x"], "-append")
    expect_error([], "no firmware or kernel given")
    expect_error(["-bios", "none"], "no firmware or kernel given")
    expect_error(["-D", os.path.join(d, "no/such/dir/log"), "-kernel", "k"],
                 "cannot open")
    expect_error(["-stats", os.path.join(d, "no/such/dir/s.json"), "-kernel",
                  "k"], "cannot open")
    expect_error(["-bios", "none", "-kernel", missing], missing)
    expect_error(["-bios", "none", "-kernel", wrong_arch], "wrong architecture")
    expect_error(["-bios", "none", "-kernel", outside], "outside guest RAM")
    expect_error(["-bios", "none", "-kernel", truncated], "truncated")
    expect_error(["-bios", empty], "empty image")
    expect_error(["-bios", d], "not a regular file")
    expect_error(["-m", "16M", "-bios", big_raw], "does not fit")
    expect_ok(["--help"], "usage: loom")
    expect_ok(["-h"], "usage: loom")
    expect_ok(["--version"], "loom ")
    expect_ok(["-M", "help"], "virt")
    # QEMU's listings: every log item with its meaning, the accelerators.
    rc, out, err = run(["-d", "help"])
    items = [l.split()[0] for l in out.splitlines()[1:] if l.strip()]
    if rc != 0 or err or not out.startswith("Log items") or \
            sorted(items) != ["exec", "in_asm", "int", "op", "out_asm", "stats"]:
        failures.append(f"-d help: rc={rc} stdout={out!r} stderr={err!r}")
    expect_ok(["-accel", "help"], "tcg")
    expect_error(["-accel", "tcg,tb-size=4096", "-kernel", "k"], "1..2048")
    expect_error(["-M", "virt,dumpdtb=" + os.path.join(d, "no/such/x.dtb")],
                 "cannot write")
    # -M virt,dumpdtb=FILE writes a valid blob (FDT magic, total size) and
    # exits 0 without running anything.
    dtb = os.path.join(d, "virt.dtb")
    rc, out, err = run(["-M", "virt,dumpdtb=" + dtb, "-smp", "4"])
    blob = open(dtb, "rb").read() if os.path.exists(dtb) else b""
    if (rc != 0 or out or err or len(blob) < 40
            or struct.unpack(">II", blob[:8]) != (0xd00dfeed, len(blob))
            or b"sifive,plic-1.0.0" not in blob
            or b"google,goldfish-rtc" not in blob):
        failures.append(f"dumpdtb: rc={rc} stdout={out!r} stderr={err!r} "
                        f"blob={blob[:8]!r} ({len(blob)} bytes)")

# Issue 7's small defects, each a regression case.
# Guest: print '@' on the UART, power off (0x5555 to the test device).
POWEROFF = struct.pack("<8I", 0x100002b7, 0x04000313, 0x00628023,
                       0x001002b7, 0x00005337, 0x55530313, 0x0062a023,
                       0x0000006f)
# Guest for -smp 64: every hart adds 1 to a counter (amoadd.w at +128);
# hart 0 powers off only when all 64 checked in, so a hart whose thread
# never started keeps the guest running and Loom's own exit decides.
ALL64 = struct.pack("<16I", 0x00000297, 0x08028293, 0x00100313, 0x0062a02f,
                    0x02051663, 0x04000e13, 0x0002a383, 0xffc3cee3,
                    0x100002b7, 0x04000313, 0x00628023, 0x001002b7,
                    0x00005337, 0x55530313, 0x0062a023, 0x0000006f) + \
    b"\0" * 68


def run_with(args, preexec, timeout=60):
    """run() with a preexec hook; (rc, stdout, stderr) or None on timeout."""
    try:
        p = subprocess.run([LOOM] + args, stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=timeout,
                           preexec_fn=preexec)
    except subprocess.TimeoutExpired:
        return None
    return p.returncode, p.stdout.decode(errors="replace"), \
        p.stderr.decode(errors="replace")


def sanitized(err):
    return "Sanitizer" in err


with tempfile.TemporaryDirectory() as d:
    def put(name, data):
        path = os.path.join(d, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    # The entry point outside every segment, or outside RAM: refused (it
    # used to loop on fetch faults, silently).
    expect_error(["-bios", "none", "-kernel",
                  put("e1.elf", elf(entry=0x80001000))],
                 "entry point 0x80001000 lies outside")
    expect_error(["-bios", put("e2.elf", elf(entry=0x40000000))],
                 "entry point 0x40000000 lies outside")
    # A segment over the boot ROM's reset vector (QEMU refuses it too).
    expect_error(["-bios", "none", "-kernel",
                  put("rom.elf", elf(paddr=0x1000))], "reset vector")
    # No room for the device tree: one line (and, under ASan, no leak of
    # the blob: LeakSanitizer would change the exit status).
    expect_error(["-m", "16M", "-bios",
                  put("full.bin", b"\0" * ((16 << 20) - 4096))],
                 "not enough RAM")
    # -kernel on a FIFO: refused at once, not blocked in open().
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    r = run_with(["-bios", "none", "-kernel", fifo], None, timeout=20)
    if r is None:
        failures.append("-kernel FIFO: blocked (no exit in 20 s)")
    elif not (r[0] == 2 and "not a regular file" in r[2]
              and len(r[2].splitlines()) == 1):
        failures.append(f"-kernel FIFO: rc={r[0]} stderr={r[2]!r}")
    # stdout closed: the -D log must not become fd 1 and get the UART.
    good = put("poweroff.elf", elf(payload=POWEROFF))
    log = os.path.join(d, "log.txt")
    r = run_with(["-bios", "none", "-kernel", good, "-d", "int", "-D", log],
                 lambda: os.close(1))
    text = open(log, errors="replace").read() if os.path.exists(log) else ""
    if r is None or r[0] != 0 or "@" in text or "virt: start" not in text:
        failures.append(f"stdout closed: {r!r}, log {text[:200]!r}")
    # Host limits: a vCPU thread that cannot start (its stack does not fit
    # under ulimit -v; ulimit -u does not bind root) is one line and exit 2,
    # and so is every other allocation failing along a sweep of limits —
    # never SIGABRT or "internal error".  Sanitizer builds cannot run under
    # a small RLIMIT_AS: skipped there.
    import resource

    def limit(kib):
        def f():
            resource.setrlimit(resource.RLIMIT_AS, (kib << 10, kib << 10))
            resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))
        return f
    all64 = put("all64.elf", elf(payload=ALL64))
    r = run_with(["-bios", "none", "-kernel", all64, "-smp", "64"],
                 limit(600000))
    if r is not None and not sanitized(r[2]):
        if not (r[0] == 2 and len(r[2].splitlines()) == 1 and
                "cannot start vCPU thread" in r[2]):
            failures.append(f"ulimit -v 600000 -smp 64: rc={r[0]} "
                            f"stderr={r[2]!r}")
    for kib in range(100000, 1000001, 50000):
        r = run_with(["-bios", "none", "-kernel", all64, "-smp", "64"],
                     limit(kib))
        if r is None:
            failures.append(f"ulimit -v {kib}: hung")
        elif sanitized(r[2]):
            break
        elif r[0] not in (0, 2) or "internal error" in r[2] or \
                (r[0] == 2 and len(r[2].splitlines()) != 1):
            failures.append(f"ulimit -v {kib}: rc={r[0]} stderr={r[2]!r}")

for f in failures:
    print("FAIL:", f)
print(f"cli_errors: {len(failures)} failures")
sys.exit(1 if failures else 0)
