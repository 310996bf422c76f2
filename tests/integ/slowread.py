# A slow reader: 16 KiB from stdin every 10 ms until EOF or a time limit,
# then the byte count on stdout. Bounded: it stops itself after $1 seconds.
import os
import sys
import time

limit = time.monotonic() + float(sys.argv[1])
total = 0
while time.monotonic() < limit:
    b = os.read(0, 16384)
    if not b:
        break
    total += len(b)
    time.sleep(0.01)
print(total)
