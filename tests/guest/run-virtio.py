#!/usr/bin/env python3
"""Run a virtio guest program with its devices and check the host side.

usage: run-virtio.py MODE LOOM ELF REF [EXTRA_ARGS...]

MODE picks the devices and the host-side checks:
  blk   a 1 MiB raw image (byte at o = (o + (o >> 9)) & 0xff) as drive d0
        on virtio-blk; after the run the image must hold the guest's
        writes (sectors 100-101: 0xa5 ^ i; 200-203: zero; 300: fn_two's
        code) and nothing else changed.
  rng   one virtio-rng device.
  bad   virtio-blk (as blk) + virtio-rng; stderr must hold exactly the
        guest's count of "device needs reset" warnings (it prints
        "expect-warnings N"), and the image must be unchanged.
  smp   four virtio-rng devices, -smp 4.
  net   virtio-net on -netdev user with hostfwd=udp:127.0.0.1:HPORT-:7777
        (HPORT a free port); when the guest prints "net-ready" the runner
        sends "ping-from-host" to 127.0.0.1:HPORT and must receive
        "pong:ping-from-host" back on the same socket.  Loopback only.
Requires exit status 0 and stdout == REF.  Exit 0 pass, 1 fail.
"""
import os
import re
import socket
import subprocess
import sys
import tempfile

SIZE = 1 << 20


def pattern():
    return bytes(((o + (o >> 9)) & 0xff) for o in range(SIZE))


def expected_image():
    img = bytearray(pattern())
    for i in range(1024):
        img[100 * 512 + i] = (0xa5 ^ i) & 0xff
    img[200 * 512:204 * 512] = bytes(4 * 512)
    code = bytes([0x13, 0x05, 0x20, 0x00, 0x67, 0x80, 0x00, 0x00])
    img[300 * 512:301 * 512] = code + bytes(512 - len(code))
    return bytes(img)


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


NET_PORT = free_udp_port()


def run_net(cmd):
    """Run the net guest, talk to it through hostfwd when it is ready."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = b''
    ok = True
    while True:
        line = p.stdout.readline()
        out += line
        if not line or b'net-ready' in line:
            break
    if b'net-ready' in out:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('127.0.0.1', 0))
        s.sendto(b'ping-from-host', ('127.0.0.1', NET_PORT))
        reply, _ = s.recvfrom(256)
        s.close()
        if reply != b'pong:ping-from-host':
            print('hostfwd reply %r (want pong:ping-from-host)' % reply)
            ok = False
    rest, err = p.communicate()
    out += rest
    return out.decode('latin-1'), err.decode('latin-1'), p.returncode, ok


def main():
    mode, loom, elf, ref = sys.argv[1:5]
    extra = sys.argv[5:]
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, 'disk.img')
        with open(img, 'wb') as f:
            f.write(pattern())
        args = []
        if mode in ('blk', 'bad'):
            args += ['-drive', 'file=%s,format=raw,if=none,id=d0' % img,
                     '-device', 'virtio-blk-device,drive=d0']
        if mode in ('rng', 'bad'):
            args += ['-device', 'virtio-rng-device']
        if mode == 'net':
            args += ['-netdev', 'user,id=n0,hostfwd=udp:127.0.0.1:%d-:7777'
                     % NET_PORT, '-device', 'virtio-net-device,netdev=n0']
        if mode == 'smp':
            args += ['-smp', '4'] + ['-device', 'virtio-rng-device'] * 4
        cmd = [loom, '-M', 'virt', '-bios', 'none', '-kernel', elf,
               '-nographic'] + args + extra
        ok = True
        # No timeout of our own: meson's test timeout is the hang guard.
        if mode == 'net':
            out, err, rc, ok = run_net(cmd)
        else:
            p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out = p.stdout.decode('latin-1')
            err = p.stderr.decode('latin-1')
            rc = p.returncode

        class P:
            returncode = rc
        p = P()
        if p.returncode != 0:
            print('exit status %d: %s' % (p.returncode, ' '.join(cmd)))
            ok = False
        with open(ref) as f:
            want = f.read()
        if out != want:
            print('stdout differs from %s:\n%s' % (ref, out))
            ok = False
        warnings = [l for l in err.splitlines() if 'device needs reset' in l]
        if mode == 'bad':
            m = re.search(r'expect-warnings (\d+)', out)
            n = int(m.group(1)) if m else -1
            if len(warnings) != n:
                print('want %d NEEDS_RESET warnings, got %d' % (n, len(warnings)))
                ok = False
            other = [l for l in err.splitlines() if l and l not in warnings]
            if other:
                print('unexpected stderr:\n' + '\n'.join(other))
                ok = False
        elif err.strip():
            print('unexpected stderr:\n' + err)
            ok = False
        if mode in ('blk', 'bad'):
            with open(img, 'rb') as f:
                got = f.read()
            want_img = expected_image() if mode == 'blk' else pattern()
            if got != want_img:
                bad = [i // 512 for i in range(SIZE) if got[i] != want_img[i]]
                print('image differs in sectors %s' % sorted(set(bad))[:20])
                ok = False
        if err.strip() and not ok:
            print('stderr:\n' + err[-2000:])
        print('PASS' if ok else 'FAIL')
        return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
