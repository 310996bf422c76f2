#!/bin/sh
# A hostile discovery reply asking for a costly key derivation (scrypt
# cost 20: a GiB and many seconds) is not derived: the viewer accepts at
# most the agent's default cost from discovery, and says at once that no
# reply holds the ticket.
. "$(dirname "$0")/lib.sh"

start_agent
# A reply of the real agent's, as the template of the hostile one.
python3 "$top/tests/integ/discprobe.py" 127.0.0.1 "$PORT" 512 1 1 \
    | sed '1,2d' >"$T/template"
check_grep "the template names a kdf" "^kdf: scrypt:15:8:1" "$T/template"
python3 - "$T/template" "$T/fake.port" <<'EOF_FAKE' &
import re, socket, sys, time
tpl = open(sys.argv[1]).read().replace("scrypt:15:8:1", "scrypt:20:8:1")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
open(sys.argv[2], "w").write("%d\n" % s.getsockname()[1])
s.settimeout(1)
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        req, peer = s.recvfrom(2048)
    except socket.timeout:
        continue
    m = re.search(rb"nonce=([0-9a-f]{32})", req)
    if m:
        s.sendto(re.sub(r"nonce: [0-9a-f]{32}", "nonce: " +
                        m.group(1).decode(), tpl).encode(), peer)
EOF_FAKE
fake=$!
wait_for "[ -s '$T/fake.port' ]" 50
FPORT=$(cat "$T/fake.port")

viewer_start "--discover-on lo 2>$T/viewer.err"
check_screen "the form is up" "remote rescue viewer"
keys "$(echo "$TICKET" | tr -d -)" Tab Tab C-u "$FPORT" Enter
check_screen "the costly reply is judged at once (within 5 s)" \
    "discovery: 1 agent in 1 reply, 0 holding the ticket" 50
kill "$fake" 2>/dev/null
stop_agent
finish
