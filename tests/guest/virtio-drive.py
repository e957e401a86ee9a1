#!/usr/bin/env python3
"""-drive host-side errors and locking (docs/devices.md "virtio-blk").

usage: virtio-drive.py LOOM ECHO_ELF

Each bad image is one line on stderr and exit status 2, before the guest
runs: a missing file, an unreadable one (when not root), a size that is
not a multiple of 512, a directory.  Locking: while one Loom has the
image open read-write (the echo guest waits on stdin), a second one on
the same image fails with exit 2 and says it is locked; readonly=on and
snapshot=on are refused too while a writer holds it; two readonly=on
instances share it.  -netdev user: a malformed hostfwd rule and a host
port already in use are one line and exit 2 too.  Exit 0 pass, 1 fail.
"""
import os
import socket
import subprocess
import sys
import tempfile

LOOM, ECHO = sys.argv[1], sys.argv[2]
fails = []


def base_cmd(drive):
    return [LOOM, '-M', 'virt', '-bios', 'none', '-kernel', ECHO,
            '-nographic', '-drive', drive + ',format=raw,if=none,id=d0',
            '-device', 'virtio-blk-device,drive=d0']


def expect_error(what, drive, needle, cmd=None):
    p = subprocess.run(cmd or base_cmd(drive), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = p.stderr.decode().strip().splitlines()
    if p.returncode != 2 or len(err) != 1 or needle not in err[0]:
        fails.append('%s: status %d, stderr %r (want 2 and one line with %r)'
                     % (what, p.returncode, err, needle))
    else:
        print('ok   %s: %s' % (what, err[0]))


def start_holder(drive):
    """A Loom that keeps the image open: the echo guest waits for input."""
    p = subprocess.Popen(base_cmd(drive), stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The image is opened (and locked) before the guest prints anything:
    # wait for the guest's first output.
    p.stdout.read1(1)
    return p


with tempfile.TemporaryDirectory() as tmp:
    img = os.path.join(tmp, 'disk.img')
    with open(img, 'wb') as f:
        f.write(bytes(64 * 1024))
    odd = os.path.join(tmp, 'odd.img')
    with open(odd, 'wb') as f:
        f.write(bytes(1000))
    expect_error('missing', 'file=' + os.path.join(tmp, 'nope.img'),
                 'No such file')
    expect_error('odd size', 'file=' + odd, 'not a multiple of 512')
    expect_error('directory', 'file=' + tmp, 'directory')
    if os.geteuid() != 0:
        unreadable = os.path.join(tmp, 'unreadable.img')
        with open(unreadable, 'wb') as f:
            f.write(bytes(512))
        os.chmod(unreadable, 0)
        expect_error('unreadable', 'file=' + unreadable, 'Permission denied')

    holder = start_holder('file=' + img)
    try:
        expect_error('second writer', 'file=' + img, 'locked')
        expect_error('reader while written', 'file=%s,readonly=on' % img,
                     'locked')
        expect_error('snapshot while written', 'file=%s,snapshot=on' % img,
                     'locked')
    finally:
        holder.kill()
        holder.wait()
    r1 = start_holder('file=%s,readonly=on' % img)
    try:
        # start_holder returns once the guest printed: the image is open.
        r2 = start_holder('file=%s,readonly=on' % img)
        if r2.poll() is not None:
            fails.append('two readonly=on: the second exited with %d'
                         % r2.returncode)
        else:
            print('ok   two readonly=on instances share the image')
        r2.kill()
        r2.wait()
    finally:
        r1.kill()
        r1.wait()

def net_cmd(rule):
    return [LOOM, '-M', 'virt', '-bios', 'none', '-kernel', ECHO,
            '-nographic', '-netdev', 'user,id=n0,hostfwd=' + rule,
            '-device', 'virtio-net-device,netdev=n0']


expect_error('bad hostfwd', None, 'expected tcp:', net_cmd('tcp:abc'))
busy = socket.socket()
busy.bind(('127.0.0.1', 0))
busy.listen(1)
port = busy.getsockname()[1]
expect_error('hostfwd port in use', None, 'cannot listen',
             net_cmd('tcp:127.0.0.1:%d-:80' % port))
busy.close()

for f in fails:
    print('FAIL ' + f)
print('PASS' if not fails else 'FAIL')
sys.exit(1 if fails else 0)
