#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Keystroke-to-echo round trip on an interactive pty.

The client (ssh -tt, or the tether viewer) runs on a local pty that this
script drives like a terminal: it types one byte, waits until the same byte
comes back through the remote pty's echo, and keeps the time it took. The
remote side runs `stty -icanon; exec cat >/dev/null`, so every byte that
comes back is the remote line discipline's echo and nothing else.

Standalone:  echo.py [--keys N] [--shell] -- CLIENT-COMMAND...
prints one line: n, median_us, p99_us, min_us, max_us.
"""

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import time

# Typed as a command line when the client gives an interactive shell. The
# marker is split so that the echo of the typed line does not contain it.
REMOTE_CMD = "stty echo -icanon -ixon; printf '%s%s\\n' REA DY; exec cat >/dev/null"
MARKER = b"READY"
KEYS = b"abcdefghijklmnopqrstuvwxyz"


class EchoError(Exception):
    pass


class EchoSession:
    """One client on a local pty. Bounded: every wait has a deadline."""

    def __init__(self, argv, shell=False, env=None, ready_timeout=30.0,
                 spawn=subprocess.Popen):
        self.argv = argv
        self.shell = shell
        self.env = env
        self.ready_timeout = ready_timeout
        self.spawn = spawn
        self.proc = None
        self.master = -1
        self.next_key = 0

    def start(self):
        """Start the client on a new 120x40 pty, as its terminal."""
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ,
                    struct.pack("HHHH", 40, 120, 0, 0))
        # The pty starts cooked, as a terminal would; the client sends these
        # modes to the remote pty and puts the local one in raw mode itself.

        def child_setup():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = self.spawn(
            self.argv, stdin=slave, stdout=slave, stderr=slave,
            preexec_fn=child_setup, close_fds=True, env=self.env)
        os.close(slave)
        self.master = master
        return self

    def open(self):
        """Start the client and wait until the remote cat is running."""
        self.start()
        if self.shell:
            self._wait_quiet(1.0)
            os.write(self.master, REMOTE_CMD.encode() + b"\r")
        self.wait_for(MARKER, self.ready_timeout)
        self._wait_quiet(0.2)
        return self

    def _read(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        r, _, _ = select.select([self.master], [], [], left)
        if not r:
            return None
        try:
            data = os.read(self.master, 65536)
        except OSError:
            data = b""
        if not data:
            raise EchoError("client ended: %r" % (self.proc.poll(),))
        return data

    def wait_for(self, what, timeout):
        deadline = time.monotonic() + timeout
        seen = b""
        while what not in seen:
            data = self._read(deadline)
            if data is None:
                raise EchoError("no %r within %.0f s; last output %r" %
                                (what, timeout, seen[-200:]))
            seen += data

    def _wait_quiet(self, quiet):
        """Drain output until none came for `quiet` seconds (at most 10 s)."""
        end = time.monotonic() + 10.0
        while time.monotonic() < end:
            if self._read(min(end, time.monotonic() + quiet)) is None:
                return

    def keystroke(self, timeout=5.0):
        """Type one key, return the seconds until its echo came back."""
        key = KEYS[self.next_key % len(KEYS):][:1]
        self.next_key += 1
        t0 = time.perf_counter()
        os.write(self.master, key)
        deadline = time.monotonic() + timeout
        while True:
            data = self._read(deadline)
            if data is None:
                raise EchoError("no echo of %r within %.0f s" % (key, timeout))
            if key in data:
                return time.perf_counter() - t0

    def close(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=3)
        if self.master != -1:
            os.close(self.master)
            self.master = -1


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(-(-p * len(s) // 100)) - 1))
    return s[k]


def main():
    args = sys.argv[1:]
    keys, shell = 1000, False
    while args and args[0] != "--":
        if args[0] == "--keys":
            keys = int(args[1])
            args = args[2:]
        elif args[0] == "--shell":
            shell = True
            args = args[1:]
        else:
            sys.exit("usage: echo.py [--keys N] [--shell] -- COMMAND...")
    if not args or len(args) < 2 or not 1 <= keys <= 100000:
        sys.exit("usage: echo.py [--keys N] [--shell] -- COMMAND...")
    s = EchoSession(args[1:], shell=shell).open()
    try:
        t = [s.keystroke() * 1e6 for _ in range(keys)]
    finally:
        s.close()
    print("n=%d median_us=%.1f p99_us=%.1f min_us=%.1f max_us=%.1f" %
          (len(t), percentile(t, 50), percentile(t, 99), min(t), max(t)))


if __name__ == "__main__":
    main()
