# An SFTP client that uploads as PuTTY's psftp does: write requests sent
# as fast as the channel's window allows, with no limit on how many are
# outstanding, replies read as they come.
# Usage: sftpflood.py PORT TICKET DIR KIB BLOCK
#   uploads KIB KiB to DIR/flood.dst in write requests of BLOCK bytes;
#   prints "open" once the file is open, waits for DIR/go, uploads,
#   prints "done SECONDS SHA256" (the SHA-256 of all it wrote), then waits
#   for DIR/end before it closes.
# Bounded: every wait gives up after 60 s.
import hashlib
import os
import struct
import sys
import time

import paramiko

FXP_INIT, FXP_VERSION, FXP_OPEN, FXP_CLOSE, FXP_WRITE = 1, 2, 3, 4, 6
FXP_STATUS, FXP_HANDLE = 101, 102
WRITE, CREAT, TRUNC = 0x02, 0x08, 0x10


def sstr(b):
    return struct.pack(">I", len(b)) + b


def packet(ptype, body):
    return struct.pack(">IB", len(body) + 1, ptype) + body


class Replies:
    """Reads length-prefixed replies from the channel."""

    def __init__(self, ch):
        self.ch = ch
        self.buf = b""

    def pending(self):
        while self.ch.recv_ready():
            self.buf += self.ch.recv(65536)

    def take(self):
        """One reply (type, body), or None when none is complete."""
        if len(self.buf) < 4:
            return None
        n = struct.unpack(">I", self.buf[:4])[0]
        if len(self.buf) < 4 + n:
            return None
        r = self.buf[4:4 + n]
        self.buf = self.buf[4 + n:]
        return r[0], r[1:]

    def wait(self):
        limit = time.monotonic() + 60
        while time.monotonic() < limit:
            r = self.take()
            if r is not None:
                return r
            b = self.ch.recv(65536)
            if not b:
                break
            self.buf += b
        sys.exit("no reply from the server")


def status_ok(r):
    return r[0] == FXP_STATUS and struct.unpack(">II", r[1][:8])[1] == 0


def wait_file(path):
    limit = time.monotonic() + 60
    while not os.path.exists(path) and time.monotonic() < limit:
        time.sleep(0.05)


def main():
    port, ticket, tdir, kib, block = sys.argv[1:6]
    total, block = int(kib) * 1024, int(block)
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=int(port), username="tether",
              password=ticket, look_for_keys=False, allow_agent=False,
              timeout=10)
    ch = c.get_transport().open_session()
    ch.settimeout(60)
    ch.invoke_subsystem("sftp")
    rd = Replies(ch)
    ch.sendall(packet(FXP_INIT, struct.pack(">I", 3)))
    if rd.wait()[0] != FXP_VERSION:
        sys.exit("no version")
    path = os.path.join(tdir, "flood.dst").encode()
    ch.sendall(packet(FXP_OPEN, struct.pack(">I", 1) + sstr(path) +
                      struct.pack(">II", WRITE | CREAT | TRUNC, 0)))
    r = rd.wait()
    if r[0] != FXP_HANDLE:
        sys.exit("open failed")
    handle = r[1][8:8 + struct.unpack(">I", r[1][4:8])[0]]
    print("open", flush=True)
    wait_file(os.path.join(tdir, "go"))

    t0 = time.monotonic()
    sent = answered = 0
    rid = 2
    sha = hashlib.sha256()
    while sent < total:
        # Many small requests go out in one channel write, as a client's
        # SSH layer would pack them.
        out = []
        while sent < total and len(out) * block < 32768:
            n = min(block, total - sent)
            data = bytes([rid & 0xff]) * n
            sha.update(data)
            out.append(packet(FXP_WRITE, struct.pack(">I", rid) +
                              sstr(handle) + struct.pack(">Q", sent) +
                              sstr(data)))
            sent += n
            rid += 1
        ch.sendall(b"".join(out))
        rd.pending()
        while (r := rd.take()) is not None:
            if not status_ok(r):
                sys.exit("a write failed")
            answered += 1
    while answered < rid - 2:
        if not status_ok(rd.wait()):
            sys.exit("a write failed")
        answered += 1
    print("done %.2f %s" % (time.monotonic() - t0, sha.hexdigest()),
          flush=True)

    wait_file(os.path.join(tdir, "end"))
    ch.sendall(packet(FXP_CLOSE, struct.pack(">I", rid) + sstr(handle)))
    rd.wait()
    ch.close()
    c.close()


main()
