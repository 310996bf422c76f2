#!/usr/bin/env python3
# Test helper: a TCP echo server on 127.0.0.1 and a free port, which it
# writes to the file given, then serves up to N connections, each echoed
# until the client's EOF. Exits after N connections or after its deadline
# (seconds), whichever comes first.
import os, socket, sys, threading, time

portfile, count, deadline = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)
srv.settimeout(0.5)
tmp = portfile + ".tmp"
with open(tmp, "w") as f:
    f.write("%d\n" % srv.getsockname()[1])
os.rename(tmp, portfile)

def echo(c):
    c.settimeout(deadline)
    try:
        while True:
            data = c.recv(65536)
            if not data:
                break
            c.sendall(data)
        c.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    c.close()

end = time.monotonic() + deadline
threads = []
while len(threads) < count and time.monotonic() < end:
    try:
        c, _ = srv.accept()
    except socket.timeout:
        continue
    t = threading.Thread(target=echo, args=(c,), daemon=True)
    t.start()
    threads.append(t)
for t in threads:
    t.join(max(0.1, end - time.monotonic()))
