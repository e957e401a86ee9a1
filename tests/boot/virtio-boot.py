#!/usr/bin/env python3
"""Linux on a virtio root disk, with network and entropy (issue 8).

usage: virtio-boot.py EMU --bios FW --kernel IMAGE --rootfs EXT4
                      [--smp N] [--e2fsck PATH] [--qemu]

Boots EMU -M virt -smp N -m 512M with a copy of EXT4 as virtio-blk
(root=/dev/vda rw init=/init), virtio-rng and virtio-net on -netdev user
with hostfwd=tcp:127.0.0.1:HPORT-:8080, twice on the same copy:

  boot 1  the init checks epoll/eventfd/timerfd/signalfd, writes boot 1
          to /loom-boots on the root and fsyncs it, reads /dev/hwrng,
          configures eth0, fetches a payload over TCP from a server this
          runner has on 127.0.0.1 (through slirp's gateway 10.0.2.2: the
          fnv hash must match), then serves one connection on guest port
          8080, which this runner makes through the hostfwd port and must
          read "hello from the guest"; then the multithreaded workload
          with exact totals on every CPU, PASS, power-off, exit 0;
  boot 2  the init must read back "boot 1" and write boot 2.

Afterwards `e2fsck -fn` of the image must be clean.  Every socket is on
loopback.  No timeout of its own: meson's test timeout is the hang guard.
--qemu adds -global virtio-mmio.force-legacy=false (QEMU 7.2 defaults to
legacy virtio-mmio).  Exit 0 pass, 1 fail.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

BAD = ('Kernel panic', 'Oops', 'Unable to handle kernel', 'sbi_trap_error',
       'loom-init: FAIL')
PAYLOAD = bytes((i * 7 + (i >> 8)) & 0xff for i in range(200 * 1024))


def fnv(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xffffffff
    return '%08x' % h


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    p = s.getsockname()[1]
    s.close()
    return p


def payload_server():
    """A one-shot TCP server on loopback sending PAYLOAD."""
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(('127.0.0.1', 0))
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        c.sendall(PAYLOAD)
        c.close()
        srv.close()
    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def boot(a, img, append, hport, on_line):
    cmd = [a.emu, '-M', 'virt', '-smp', str(a.smp), '-m', '512M',
           '-bios', a.bios, '-kernel', a.kernel, '-append', append,
           '-drive', 'file=%s,format=raw,if=none,id=d0' % img,
           '-device', 'virtio-blk-device,drive=d0',
           '-device', 'virtio-rng-device',
           '-netdev', 'user,id=n0,hostfwd=tcp:127.0.0.1:%d-:8080' % hport,
           '-device', 'virtio-net-device,netdev=n0', '-nographic']
    if a.qemu:
        cmd += ['-global', 'virtio-mmio.force-legacy=false']
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    lines = []
    for raw in p.stdout:
        line = raw.decode('latin-1').rstrip('\r\n')
        lines.append(line)
        sys.stdout.write(line + '\n') if a.verbose else None
        if any(b in line for b in BAD):
            p.kill()
            break
        on_line(line)
    p.wait()
    return p.returncode, lines


def check(lines, rc, want, tag):
    problems = []
    text = '\n'.join(lines)
    for w in want:
        if not re.search(w, text, re.M):
            problems.append('%s: no line matching %r' % (tag, w))
    if rc != 0:
        problems.append('%s: exit status %d' % (tag, rc))
    for b in BAD:
        if b in text:
            problems.append('%s: %r on the console' % (tag, b))
    if problems:
        print('\n'.join(problems))
        print('--- last console lines (%s)' % tag)
        print('\n'.join(lines[-30:]))
    return not problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('emu')
    ap.add_argument('--bios', required=True)
    ap.add_argument('--kernel', required=True)
    ap.add_argument('--rootfs', required=True)
    ap.add_argument('--smp', type=int, default=4)
    ap.add_argument('--e2fsck', default=shutil.which('e2fsck') or '/usr/sbin/e2fsck')
    ap.add_argument('--qemu', action='store_true')
    ap.add_argument('--verbose', action='store_true')
    a = ap.parse_args()
    n = a.smp
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        img = os.path.join(tmp, 'root.ext4')
        shutil.copyfile(a.rootfs, img)
        hport = free_port()
        fport = payload_server()
        got = {}

        def on_line(line):
            if 'loom-init: serving on 8080' in line:
                s = socket.create_connection(('127.0.0.1', hport))
                data = b''
                while True:
                    k = s.recv(4096)
                    if not k:
                        break
                    data += k
                s.close()
                got['hostfwd'] = data
        base = 'console=ttyS0 earlycon root=/dev/vda rw init=/init'
        rc, lines = boot(a, img, base + ' loom.root=1 loom.hwrng=1 loom.net=1 '
                         'loom.fetch=%d loom.serve=8080' % fport, hport, on_line)
        ok &= check(lines, rc, [
            r'^loom-init: epoll eventfd timerfd signalfd: ok$',
            r'^loom-init: root rw, boot 1, last: none$',
            r'^loom-init: hwrng: 64 bytes$',
            r'^loom-init: fetched %d bytes, fnv %s$' % (len(PAYLOAD), fnv(PAYLOAD)),
            r'^loom-init: served one connection$',
            r'^workload: threads=%d atomic=%d \(ok\) mutex=%d \(ok\)$'
            % (n, n * 1000000, n * 100000),
            r'^loom-init: PASS$'], 'boot 1')
        if got.get('hostfwd') != b'hello from the guest\n':
            print('hostfwd: read %r from 127.0.0.1:%d' % (got.get('hostfwd'), hport))
            ok = False
        rc, lines = boot(a, img, base + ' loom.root=1', hport, lambda l: None)
        ok &= check(lines, rc, [r'^loom-init: root rw, boot 2, last: boot 1$',
                                r'^loom-init: PASS$'], 'boot 2')
        fsck = subprocess.run([a.e2fsck, '-fn', img], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
        if fsck.returncode != 0:
            print('e2fsck -fn: status %d\n%s' % (fsck.returncode,
                                                 fsck.stdout.decode()[-2000:]))
            ok = False
    print('PASS' if ok else 'FAIL')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
