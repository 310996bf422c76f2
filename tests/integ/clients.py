# Test helper (Debian's python3): log in to an agent on loopback with the
# ticket as password through paramiko or asyncssh and run "echo NAME-ok".
#   clients.py paramiko|asyncssh PORT TICKET
#   clients.py stall PORT TICKET DEADPORT
#       on one connection, open a forward to 127.0.0.1:DEADPORT (a port
#       that does not answer) and meanwhile run "echo"; prints the seconds
#       the echo took
# Bounded: 20 s timeouts.
import asyncio
import sys
import warnings

warnings.simplefilter("ignore")
which, port, ticket = sys.argv[1], int(sys.argv[2]), sys.argv[3]

if which == "stall":
    import threading
    import time

    import paramiko
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=port, username="tether", password=ticket,
              look_for_keys=False, allow_agent=False, timeout=20)
    t = c.get_transport()

    def opener():
        try:
            t.open_channel("direct-tcpip", ("127.0.0.1", int(sys.argv[4])),
                           ("127.0.0.1", 1), timeout=20)
        except Exception:
            pass
    threading.Thread(target=opener, daemon=True).start()
    time.sleep(0.1)
    t0 = time.monotonic()
    _, out, _ = c.exec_command("echo x", timeout=20)
    out.read()
    print("%.2f" % (time.monotonic() - t0))
    c.close()
elif which == "paramiko":
    import paramiko
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect("127.0.0.1", port=port, username="tether", password=ticket,
              look_for_keys=False, allow_agent=False, timeout=20)
    _, out, _ = c.exec_command("echo paramiko-ok", timeout=20)
    print(out.read().decode().strip())
    c.close()
else:
    import asyncssh

    async def run():
        async with asyncssh.connect("127.0.0.1", port=port,
                                    username="tether", password=ticket,
                                    known_hosts=None, client_keys=None,
                                    login_timeout=20) as conn:
            r = await conn.run("echo asyncssh-ok", timeout=20)
            print(r.stdout.strip())
    asyncio.run(run())
