# A client that opens a 1 GiB window, runs "cat /dev/zero" and then stops
# reading (the test stops this process with SIGSTOP after "ready").
# Usage: bigwindow.py PORT TICKET; it ends itself after 60 s.
import sys
import time

import paramiko

c = paramiko.SSHClient()
c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", port=int(sys.argv[1]), username="tether",
          password=sys.argv[2], look_for_keys=False, allow_agent=False,
          timeout=10)
ch = c.get_transport().open_session(window_size=1 << 30,
                                    max_packet_size=32768)
ch.exec_command("cat /dev/zero")
ch.recv(1)
print("ready", flush=True)
time.sleep(60)
