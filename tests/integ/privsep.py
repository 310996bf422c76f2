# Connections held at each stage, for t-privsep to inspect the process
# that holds the agent's end. Usage: privsep.py STAGE PORT TICKET, with
# STAGE one of (busy takes a fourth argument, the file to upload to):
#   banner  TCP connected, versions exchanged, key exchange not finished
#   failed  one wrong password, the connection kept open
#   busy    logged in, with a shell on a pty, an sftp upload under way and
#           a live snapshot stream, all at once
# It prints "ready" when the stage is reached, then holds it until its
# standard input closes (at most 60 s), and exits.
import select
import socket
import sys
import threading
import time

import paramiko

stage, port, ticket = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def hold():
    print("ready", flush=True)
    select.select([sys.stdin], [], [], 60)


def banner():
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"SSH-2.0-privsep_test\r\n")
    if not s.recv(256).startswith(b"SSH-2.0-"):
        sys.exit("no server version")
    hold()


def transport():
    t = paramiko.Transport(("127.0.0.1", port))
    t.start_client(timeout=10)
    return t


def failed():
    t = transport()
    try:
        t.auth_password("tether", "0000-0000-0000")
        sys.exit("a wrong ticket was accepted")
    except paramiko.AuthenticationException:
        pass
    hold()


def upload(sftp, stop):
    with sftp.open(sys.argv[4], "wb") as f:
        while not stop.is_set():
            f.write(b"x" * 4096)
            time.sleep(0.05)


def busy():
    t = transport()
    t.auth_password("tether", ticket)
    sh = t.open_session()
    sh.get_pty()
    sh.exec_command("sleep 120")
    snap = t.open_session()
    snap.exec_command("snapshot --tiles")
    snap.send(b"r")
    if len(snap.recv(16)) == 0:
        sys.exit("no snapshot stream")
    sftp = paramiko.SFTPClient.from_transport(t)
    stop = threading.Event()
    up = threading.Thread(target=upload, args=(sftp, stop))
    up.start()
    time.sleep(0.5)
    hold()
    stop.set()
    up.join()


{"banner": banner, "failed": failed, "busy": busy}[stage]()
