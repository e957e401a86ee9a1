"""A small GDB remote-protocol client for Loom's gdbstub tests
(tests/guest/gdb-proto.py, tests/boot/gdb-linux.py): framing, acks,
escapes; every socket read has a hang guard (HANG seconds), never a
deadline on speed."""
import select
import socket

HANG = 120


class Client:
    def __init__(self, port):
        self.s = socket.create_connection(('127.0.0.1', port), timeout=HANG)
        self.buf = b''

    def raw(self, data):
        self.s.sendall(data)

    def read_byte(self):
        while not self.buf:
            d = self.s.recv(4096)
            if not d:
                raise EOFError('stub closed the connection')
            self.buf += d
        b, self.buf = self.buf[:1], self.buf[1:]
        return b

    def send(self, payload):
        if isinstance(payload, str):
            payload = payload.encode('latin-1')
        csum = sum(payload) & 0xff
        self.raw(b'$' + payload + b'#%02x' % csum)
        return self.ack()

    def ack(self):
        while True:
            b = self.read_byte()
            if b in (b'+', b'-'):
                return b

    def reply(self):
        while self.read_byte() != b'$':
            pass
        data = b''
        while True:
            b = self.read_byte()
            if b == b'#':
                break
            if b == b'}':
                b = bytes([self.read_byte()[0] ^ 0x20])
            data += b
        self.read_byte()
        self.read_byte()
        self.raw(b'+')
        return data.decode('latin-1')

    def cmd(self, payload):
        self.send(payload)
        return self.reply()

    def close(self):
        self.s.close()


def le64(hexstr):
    return int.from_bytes(bytes.fromhex(hexstr), 'little')


def read_to_eof(p, hang=HANG):
    """All of p's stdout until it closes (the guest powered off)."""
    out = b''
    while True:
        r, _, _ = select.select([p.stdout], [], [], hang)
        d = p.stdout.read1(4096) if r else b''
        if not d:
            return out
        out += d


def wait_stdout(p, needle, hang=HANG):
    """p's stdout up to and including needle."""
    out = b''
    while needle not in out:
        r, _, _ = select.select([p.stdout], [], [], hang)
        d = p.stdout.read1(4096) if r else b''
        if not d:
            raise RuntimeError('guest output ended before %r' % needle)
        out += d
    return out

