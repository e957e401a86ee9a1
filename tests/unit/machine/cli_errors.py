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
    p = subprocess.run([LOOM] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
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


def elf(machine=243, paddr=0x80000000, payload=b"\x13\x00\x00\x00" * 4):
    """A minimal ELF64 LE executable with one PT_LOAD at paddr."""
    ehsize, phsize = 64, 56
    off = ehsize + phsize
    eh = struct.pack("<4sBBBBB7xHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0,
                     2, machine, 1, paddr, ehsize, 0, 0, ehsize, phsize, 1,
                     0, 0, 0)
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
            sorted(items) != ["exec", "in_asm", "int", "op", "out_asm"]:
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

for f in failures:
    print("FAIL:", f)
print(f"cli_errors: {len(failures)} failures")
sys.exit(1 if failures else 0)
