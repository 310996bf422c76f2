#!/bin/sh
# make check-valgrind: every unit test, then one whole agent session (log
# in, shell, tool, snapshot, sftp both ways, the viewer's info, get and
# snapshot, end) with
# tetherd and tether under valgrind. Every process, the agent's forked
# children included, must end with no error and no definite leak.
# Ends with "N passed, N failed".
. "$(dirname "$0")/lib.sh"

VG="valgrind --leak-check=full --show-leak-kinds=definite"
VG="$VG --errors-for-leak-kinds=definite --error-exitcode=99"

# vg_clean "what" log...: no errors and no definite leak in any log.
vg_clean() {
	what=$1
	shift
	bad=0
	for f in "$@"; do
		[ -s "$f" ] || continue
		if grep -q "ERROR SUMMARY: [1-9]" "$f" ||
		    grep -q "definitely lost: [1-9]" "$f"; then
			bad=1
			sed 's/^/#   /' "$f" | head -n 60
		fi
	done
	if [ $bad -eq 0 ]; then ok "$what"; else not_ok "$what"; fi
}

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	# shellcheck disable=SC2086
	$VG --log-file="$T/$name.vg" "$t" >"$T/$name.out" 2>&1
	check_eq "$name passes under valgrind" 0 $?
	vg_clean "$name: no error, no definite leak" "$T/$name.vg"
done

# The agent and the viewer under valgrind, through wrappers so that
# lib.sh runs them as usual. %p: one log per process, forks included.
mkdir -p "$T/vg"
cat >"$T/tetherd" <<EOF2
#!/bin/sh
exec $VG --log-file=$T/vg/tetherd.%p "$BUILD/tetherd" "\$@"
EOF2
cat >"$T/tether" <<EOF2
#!/bin/sh
exec $VG --log-file=$T/vg/tether.%p "$BUILD/tether" "\$@"
EOF2
chmod +x "$T/tetherd" "$T/tether"
TETHERD=$T/tetherd
TETHER=$T/tether

cat >"$T/tools.yaml" <<EOF2
tools:
  - name: hello
    title: Say hello
    command: [echo, hello, "{who}"]
    args:
      - {name: who, prompt: Who, pattern: "^[a-z]+\$"}
EOF2
cat >"$T/tetherd.yaml" <<EOF2
snapshot:
$(fake_fb)
ticket:
  kdf_cost: 14
tools: [$T/tools.yaml]
audit:
  file: $T/audit.log
recording:
  dir: $T/rec
limits:
  login_grace_time: 2m
EOF2
start_agent -f "$T/tetherd.yaml"
SSHOPTS="$SSHOPTS -o ConnectTimeout=60"

check_eq "exec" hi "$(agent_ssh echo hi)"
# shellcheck disable=SC2086
out=$( (sleep 2; echo 'echo in-$((6*7))'; sleep 2; echo exit) |
    sshpass -p "$TICKET" ssh $SSHOPTS -tt -p "$PORT" tether@127.0.0.1 2>&1 |
    tr -d '\r')
echo "$out" >"$T/pty.out"
check_grep "a pty shell" "in-42" "$T/pty.out"
check_eq "a tool" "hello there" "$(agent_ssh run hello there)"
check_eq "a refused tool" 2 "$(agent_ssh run hello There 2>/dev/null; echo $?)"
agent_ssh snapshot >"$T/shot.png"
check_eq "a snapshot" "" \
    "$(python3 "$top/tests/integ/pngcheck.py" "$T/shot.png" "$T/fb.rgb" 37 23)"
head -c 300000 /dev/urandom >"$T/blob"
# shellcheck disable=SC2086
printf 'put %s %s\nget %s %s\n' "$T/blob" "$T/blob.up" "$T/blob.up" \
    "$T/blob.down" | sshpass -p "$TICKET" sftp $SSHOPTS -P "$PORT" \
    tether@127.0.0.1 >/dev/null 2>&1
check "sftp put and get" cmp -s "$T/blob" "$T/blob.down"
V="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"
check_eq "the viewer's info" "$PORT" "$($V info </dev/null | "$YGET" - port)"
$V get "$T/blob.up" "$T/blob.viewer" </dev/null
check "the viewer's get" cmp -s "$T/blob" "$T/blob.viewer"
$V snapshot -o "$T/shot2.png" </dev/null
check_eq "the viewer's snapshot" "" \
    "$(python3 "$top/tests/integ/pngcheck.py" "$T/shot2.png" "$T/fb.rgb" 37 23)"
agent_ssh end >/dev/null
check "end stops the agent" wait_for "! kill -0 $AGENT_PID 2>/dev/null" 300
wait "$AGENT_PID"
check_eq "the agent exits 0" 0 $?

n=$(ls "$T/vg" | grep -c '^tetherd\.')
check "valgrind saw the listener and its children ($n processes)" \
    [ "$n" -ge 5 ]
vg_clean "tetherd: no error, no definite leak in any process" \
    "$T"/vg/tetherd.*
vg_clean "tether: no error, no definite leak" "$T"/vg/tether.*

finish
