#!/usr/bin/env python3
"""Run qemu with its serial port on a unix socket and act as the person at
the console: copy everything to a log, press keys at the boot menu, answer
the consent question, and leave when qemu ends or the time is up.

usage: bootprobe.py LOG TIMEOUT [--menu KEYS] [--answer] -- QEMU ARGS...

KEYS is a comma list sent once GRUB's menu shows: down, up, enter, e,
ctrl-k, ctrl-x, text:WORDS (typed as is) or wait:WORDS (go on once WORDS
have shown). --answer types "y" at the consent question. qemu's own output goes to LOG.qemu. qemu is killed when
TIMEOUT seconds have passed or this script is signalled."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

KEYS = {"down": b"\x1b[B", "up": b"\x1b[A", "enter": b"\r", "e": b"e",
        "ctrl-k": b"\x0b", "ctrl-x": b"\x18"}
MENU_MARK = b"to edit the commands"
CONSENT_MARK = b"Allow remote connection?"


def main():
    argv = sys.argv[1:]
    if "--" not in argv or len(argv) < 3:
        sys.exit(__doc__)
    cut = argv.index("--")
    opts, qemu = argv[:cut], argv[cut + 1:]
    log, timeout = opts[0], float(opts[1])
    menu, answer = [], False
    i = 2
    while i < len(opts):
        if opts[i] == "--menu":
            menu = opts[i + 1].split(",")
            i += 2
        elif opts[i] == "--answer":
            answer = True
            i += 1
        else:
            sys.exit("bootprobe: unknown option " + opts[i])
    keys = [("wait", MENU_MARK)] if menu else []
    for k in menu:
        if k.startswith("text:"):
            keys.append(("key", k[5:].encode()))
        elif k.startswith("wait:"):
            keys.append(("wait", k[5:].encode()))
        elif k in KEYS:
            keys.append(("key", KEYS[k]))
        else:
            sys.exit("bootprobe: unknown key " + k)

    d = tempfile.mkdtemp(prefix="bootprobe.")
    path = os.path.join(d, "serial")
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    err = open(log + ".qemu", "wb")
    proc = subprocess.Popen(qemu + ["-chardev",
                                    "socket,id=ser0,path=" + path,
                                    "-serial", "chardev:ser0"],
                            stdin=subprocess.DEVNULL, stdout=err, stderr=err)

    def stop(*_):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
        os.unlink(path)
        os.rmdir(d)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    end = time.monotonic() + timeout
    srv.settimeout(max(1.0, min(30.0, timeout)))
    try:
        conn, _ = srv.accept()
    except socket.timeout:
        stop()
    conn.settimeout(0.5)
    seen = b""
    out = open(log, "ab", buffering=0)
    while time.monotonic() < end and proc.poll() is None:
        try:
            b = conn.recv(4096)
            if not b:
                break
        except socket.timeout:
            b = b""
        out.write(b)
        seen = (seen + b)[-4096:]
        while keys:
            what, k = keys[0]
            if what == "wait":
                if k not in seen:
                    break
                seen = b""
            else:
                time.sleep(0.3)
                conn.sendall(k)
            keys.pop(0)
        if answer and CONSENT_MARK in seen:
            time.sleep(0.2)
            conn.sendall(b"y\r")
            answer = False
            seen = b""
    stop()


if __name__ == "__main__":
    main()
