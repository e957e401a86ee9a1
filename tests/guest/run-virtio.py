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
  snap  virtio_blk's program with snapshot=on: the same output, and the
        image must be unchanged afterwards.
  direct  virtio_blk's program with cache=none (O_DIRECT; the image is
        made in the current directory, the build tree, as tmpfs has no
        O_DIRECT): the same output and image as blk.
  kill  virtio-blk (as blk); when the guest prints "flushed" the runner
        kills Loom with SIGKILL; sectors 500-507 must then hold the
        guest's pattern (0x3c ^ i ^ (i >> 8)) in the image.
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


def run_kill(cmd):
    """Run until the guest says its write is flushed, then SIGKILL."""
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    out = b''
    while True:
        line = p.stdout.readline()
        out += line
        if not line or b'flushed' in line:
            break
    p.kill()
    rest, err = p.communicate()
    out += rest
    # Killed by us is the expected end.
    rc = 0 if p.returncode == -9 and b'flushed' in out else p.returncode
    return out.decode('latin-1'), err.decode('latin-1'), rc, True


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
    with tempfile.TemporaryDirectory(dir='.' if mode == 'direct' else None) as tmp:
        img = os.path.join(tmp, 'disk.img')
        with open(img, 'wb') as f:
            f.write(pattern())
        args = []
        opts = {'snap': ',snapshot=on', 'direct': ',cache=none'}.get(mode, '')
        if mode in ('blk', 'bad', 'kill', 'snap', 'direct'):
            args += ['-drive', 'file=%s,format=raw,if=none,id=d0%s' % (img, opts),
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
        elif mode == 'kill':
            out, err, rc, ok = run_kill(cmd)
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
        if mode in ('blk', 'bad', 'kill', 'snap', 'direct'):
            with open(img, 'rb') as f:
                got = f.read()
            want_img = expected_image() if mode in ('blk', 'direct') else pattern()
            if mode == 'kill':
                w = bytearray(want_img)
                w[500 * 512:508 * 512] = bytes(
                    (0x3c ^ i ^ (i >> 8)) & 0xff for i in range(4096))
                want_img = bytes(w)
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
