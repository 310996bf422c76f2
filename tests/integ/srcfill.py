#!/usr/bin/env python3
# Test helper: from N different loopback source addresses 127.B.x.y in
# turn, one TCP connect to 127.0.0.1:PORT that waits up to 2 s for the SSH
# banner and closes without logging in. Prints "banners=B closed=C" and the
# wall time. Bounded in count (at most 60000) and in time (deadline, s).
#   srcfill.py PORT N B DEADLINE
import socket, sys, time

port, count, b, deadline = (int(sys.argv[1]), int(sys.argv[2]),
                            int(sys.argv[3]), float(sys.argv[4]))
if not (1 <= b <= 255 and 0 < count <= 60000):
    sys.exit("srcfill: 127.B with B 1 to 255, N 1 to 60000")
banners = closed = 0
start = time.monotonic()
for i in range(count):
    if time.monotonic() - start > deadline:
        break
    src = "127.%d.%d.%d" % (b, i // 250, i % 250 + 1)
    s = socket.socket()
    s.settimeout(2)
    try:
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        data = s.recv(64)
    except OSError:
        data = b""
    s.close()
    if data.startswith(b"SSH-"):
        banners += 1
    else:
        closed += 1
print("banners=%d closed=%d seconds=%.2f" %
      (banners, closed, time.monotonic() - start))
