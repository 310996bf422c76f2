#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Bounded connection flood against 127.0.0.1 only.

flood.py PORT [--count N] [--parallel P] [--seconds S] [--seed X]
         [--source 127.0.0.X]

Makes N TCP connections to 127.0.0.1:PORT from the loopback address given
(127.0.0.2 by default, so that a per-source limit can tell the flood from
the legitimate client on 127.0.0.1), at most P open at a time, and stops
after S seconds whatever happened. Each connection does one of:
  - nothing: connect, hold 0-300 ms, close;
  - junk: send 1-1024 random bytes, close;
  - half: send an SSH identification line and 1-1024 random bytes, close.
It prints one summary line: count, connected, refused, reset, elapsed.
"""

import errno
import os
import random
import selectors
import socket
import sys
import time


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    port = int(args.pop(0))
    opts = {"--count": 2000, "--parallel": 50, "--seconds": 60, "--seed": 1}
    source = "127.0.0.2"
    while args:
        key = args.pop(0)
        if key == "--source" and args:
            source = args.pop(0)
            continue
        if key not in opts or not args:
            sys.exit(__doc__)
        opts[key] = int(args.pop(0))
    if not source.startswith("127."):
        sys.exit("flood.py: the source must be a loopback address")
    count = max(1, min(opts["--count"], 100000))
    parallel = max(1, min(opts["--parallel"], 500))
    seconds = max(1, min(opts["--seconds"], 600))
    if not 0 < port < 65536:
        sys.exit("flood.py: bad port")
    rng = random.Random(opts["--seed"])
    sel = selectors.DefaultSelector()
    # fd -> [sock, kind, close_at, payload]
    live = {}
    started = connected = refused = reset = 0
    t0 = time.monotonic()
    deadline = t0 + seconds

    def finish(fd):
        sock = live.pop(fd)[0]
        try:
            sel.unregister(sock)
        except (KeyError, ValueError):
            pass
        sock.close()

    while (started < count or live) and time.monotonic() < deadline:
        while started < count and len(live) < parallel:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.bind((source, 0))
            kind = rng.choice(("nothing", "junk", "half"))
            payload = os.urandom(rng.randint(1, 1024))
            if kind == "half":
                payload = b"SSH-2.0-flood_0\r\n" + payload
            rc = sock.connect_ex(("127.0.0.1", port))
            started += 1
            if rc not in (0, errno.EINPROGRESS):
                refused += 1
                sock.close()
                continue
            live[sock.fileno()] = [sock, kind, None, payload]
            sel.register(sock, selectors.EVENT_WRITE)
        now = time.monotonic()
        for fd, ent in list(live.items()):
            if ent[2] is not None and now >= ent[2]:
                finish(fd)
        for key, _ in sel.select(timeout=0.01):
            fd = key.fd
            if fd not in live:
                continue
            sock, kind, close_at, payload = live[fd]
            if close_at is not None:
                continue
            err = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err != 0:
                refused += 1
                finish(fd)
                continue
            connected += 1
            sel.unregister(sock)
            if kind == "nothing":
                live[fd][2] = time.monotonic() + rng.uniform(0, 0.3)
                continue
            try:
                sock.send(payload)
            except OSError:
                reset += 1
            finish(fd)
    for fd in list(live):
        finish(fd)
    print("count=%d connected=%d refused=%d reset=%d elapsed_s=%.2f" %
          (started, connected, refused, reset, time.monotonic() - t0))


if __name__ == "__main__":
    main()
