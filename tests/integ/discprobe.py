#!/usr/bin/env python3
# Test helper: send COUNT discovery requests of LEN bytes to ADDR:PORT (a
# unicast or broadcast address), then collect replies for WAIT seconds.
# Prints "replies=N" and the first reply. Bounded in count and time; only
# loopback or 10.x addresses, which the tests make inside their own
# network namespaces.
import socket, sys, time

addr, port, length, count, wait = (sys.argv[1], int(sys.argv[2]),
    int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]))
if not (addr.startswith("127.") or addr.startswith("10.")) or count > 100:
    sys.exit("discprobe: loopback or 10.x only, at most 100 requests")
nonce = "0123456789abcdef0123456789abcdef"
req = ("TETHER/1 DISCOVER nonce=%s\n" % nonce).encode().ljust(length, b"\0")
req = req[:length]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for i in range(count):
    s.sendto(req, (addr, port))
replies = []
end = time.monotonic() + wait
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    s.settimeout(left)
    try:
        replies.append(s.recv(2048))
    except socket.timeout:
        break
print("replies=%d" % len(replies))
if replies:
    print("size=%d" % len(replies[0]))
    sys.stdout.write(replies[0].decode("utf-8", "replace"))
