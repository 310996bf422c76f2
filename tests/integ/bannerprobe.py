#!/usr/bin/env python3
# Test helper: N TCP connects to HOST:PORT, each waiting up to 2 s for an
# SSH banner. Prints "banners=B closed=C" and the wall time. Bounded in
# count (argv) and in time (deadline argv, seconds); loopback only.
import socket, sys, time

host, port, count, deadline = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
if not (host.startswith("127.") or host == "::1"):
    sys.exit("bannerprobe: loopback only")
banners = closed = 0
start = time.monotonic()
for i in range(count):
    if time.monotonic() - start > deadline:
        break
    s = socket.create_connection((host, port), timeout=2)
    try:
        data = s.recv(64)
    except (ConnectionResetError, socket.timeout):
        data = b""
    s.close()
    if data.startswith(b"SSH-"):
        banners += 1
    else:
        closed += 1
print("banners=%d closed=%d seconds=%.2f" % (banners, closed, time.monotonic() - start))
