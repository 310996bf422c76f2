# A watcher that tries everything a view-only watcher must not do: it
# watches the console ID on a 100x30 pty, then changes its window to 50x10,
# sends SIGINT and types a command, and leaves. It prints what it saw.
# Usage: watchsig.py PORT TICKET ID COMMAND; it ends itself within 20 s.
import sys
import time

import paramiko
from paramiko.common import cMSG_CHANNEL_REQUEST
from paramiko.message import Message

c = paramiko.SSHClient()
c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", port=int(sys.argv[1]), username="tether",
          password=sys.argv[2], look_for_keys=False, allow_agent=False,
          timeout=10)
ch = c.get_transport().open_session()
ch.get_pty(term="xterm", width=100, height=30)
ch.exec_command("watch " + sys.argv[3])
ch.settimeout(10)
seen = b""
while b"view only" not in seen:
    seen += ch.recv(4096)
print("watching", flush=True)
ch.resize_pty(width=50, height=10)
# paramiko has no call for RFC 4254 6.9's "signal" request.
m = Message()
m.add_byte(cMSG_CHANNEL_REQUEST)
m.add_int(ch.remote_chanid)
m.add_string("signal")
m.add_boolean(False)
m.add_string("INT")
c.get_transport()._send_user_message(m)
ch.sendall((sys.argv[4] + "\r").encode())
print("sent", flush=True)
end = time.time() + 2
ch.settimeout(0.2)
while time.time() < end:
    try:
        seen += ch.recv(4096)
    except Exception:
        pass
ch.close()
c.close()
sys.stdout.write(seen.decode(errors="replace"))
