# Test helper (Debian's python3 with python3-paramiko): wrong logins to an
# agent on loopback, in the ways a guesser would try them.
#   guess.py preopen PORT N TRIES PASSWORD
#       open N connections first, then try TRIES wrong passwords on each
#       in turn; prints "answered=A closed=C" (answers that were a refusal,
#       attempts that found the connection closed)
#   guess.py probes PORT
#       on one connection: "none" twice, then keyboard-interactive
# Bounded: every socket has a 10 s timeout.
import socket
import sys

import paramiko


def transport(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    t = paramiko.Transport(s)
    t.start_client(timeout=10)
    return t


def preopen(port, n, tries, password):
    ts = [transport(port) for _ in range(n)]
    answered = closed = 0
    for t in ts:
        for _ in range(tries):
            if not t.is_active():
                closed += 1
                continue
            try:
                t.auth_password("tether", password)
            except paramiko.AuthenticationException:
                answered += 1
            except (paramiko.SSHException, EOFError, OSError):
                closed += 1
        t.close()
    print("answered=%d closed=%d" % (answered, closed))


def probes(port):
    t = transport(port)
    for _ in range(2):
        try:
            t.auth_none("tether")
        except paramiko.BadAuthenticationType:
            pass
    try:
        t.auth_interactive("tether", lambda title, instr, prompts: [])
    except (paramiko.AuthenticationException, paramiko.SSHException):
        pass
    t.close()
    print("done")


if sys.argv[1] == "preopen":
    preopen(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
else:
    probes(int(sys.argv[2]))
