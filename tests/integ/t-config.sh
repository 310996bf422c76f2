#!/bin/sh
# tetherd.yaml and the tool catalog through the real `tetherd -t`: every
# broken fixture gives its exact file:line:col error, the shipped files
# pass, -T reads back unchanged, and the command line wins over the file.
. "$(dirname "$0")/lib.sh"

fx=$top/tests/fixtures

# expect_errors "what" file-given-to-tetherd fixture-path expected.err
expect_errors() {
	"$TETHERD" -t -f "$2" >"$T/out" 2>"$T/err"
	rc=$?
	sed "s|$3|@F@|g" "$T/err" >"$T/got"
	if [ "$rc" -eq 1 ] && [ ! -s "$T/out" ] && cmp -s "$4" "$T/got"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   exit $rc; expected:"
		sed 's/^/#     /' "$4"
		echo "#   got:"
		sed 's/^/#     /' "$T/got"
	fi
}

for f in "$fx"/config/*.yaml; do
	expect_errors "config $(basename "$f" .yaml)" "$f" "$f" "${f%.yaml}.err"
done
for f in "$fx"/tools/*.yaml; do
	printf 'tools: [%s]\n' "$f" >"$T/tools-wrapper.yaml"
	expect_errors "catalog $(basename "$f" .yaml)" "$T/tools-wrapper.yaml" \
	    "$f" "${f%.yaml}.err"
done

# Files that are not YAML text at all.
printf 'welcome: "caf\351"\n' >"$T/latin1.yaml"
"$TETHERD" -t -f "$T/latin1.yaml" 2>"$T/err"
check_eq "a non-UTF-8 file fails" 1 $?
check_grep "a non-UTF-8 file is named with line and column" \
    "latin1.yaml:1:.*: invalid" "$T/err"
"$TETHERD" -t -f "$T" 2>"$T/err"
check_grep "a directory given as the file" "$T: is a directory, not a file" \
    "$T/err"
head -c 1048577 /dev/zero | tr '\0' '#' >"$T/big.yaml"
"$TETHERD" -t -f "$T/big.yaml" 2>"$T/err"
check_grep "a file over 1 MiB" "big.yaml: file is larger than 1 MiB" "$T/err"
"$TETHERD" -t -f "$T/nonexistent.yaml" 2>"$T/err"
check_grep "a missing -f file" "nonexistent.yaml: No such file or directory" \
    "$T/err"
printf 'tools: [%s/nowhere.yaml]\n' "$T" >"$T/c.yaml"
"$TETHERD" -t -f "$T/c.yaml" 2>"$T/err"
check_grep "a missing catalog the file names" \
    "nowhere.yaml: No such file or directory" "$T/err"

# Several errors are all reported, in file order.
printf 'port: 99999\nconsent: maybe\n' >"$T/two.yaml"
"$TETHERD" -t -f "$T/two.yaml" 2>"$T/err"
check_eq "every error is reported" 2 "$(grep -c '^tetherd: ' "$T/err")"

# The shipped files are valid; -t says nothing when all is well.
# Without an installed catalog (a build tree), only the warning that says
# so, naming where it looked.
out=$("$TETHERD" -t -f "$top/config/tetherd.yaml" 2>&1)
if [ -e /etc/tether/tools.yaml ] || [ -e /etc/tether/tools.d ]; then
	check_eq "config/tetherd.yaml passes -t silently" "" "$out"
else
	check_eq "config/tetherd.yaml passes -t with only the catalog warning" \
	    "tetherd: warning: the tool catalog is empty: no tool in /etc/tether/tools.yaml, /etc/tether/tools.d (tools: in tetherd.yaml)" \
	    "$out"
fi
printf 'tools: [%s/config/tools.yaml]\n' "$top" >"$T/shipped.yaml"
out=$("$TETHERD" -t -f "$T/shipped.yaml" 2>&1)
check_eq "config/tools.yaml passes -t silently" "" "$out"
"$TETHERD" -T -f "$T/shipped.yaml" >"$T/t1.yaml"
check_grep "-T shows the catalog" "^# tool catalog: 2[0-9] tools" "$T/t1.yaml"
check_grep "-T shows a DaRT tool" "^#   - name: passwd" "$T/t1.yaml"

# The shipped tetherd.yaml holds every key at its built-in default.
"$TETHERD" -T >"$T/builtin.yaml"
"$TETHERD" -T -f "$top/config/tetherd.yaml" >"$T/shipped-T.yaml"
check "config/tetherd.yaml states the built-in defaults" \
    cmp -s "$T/builtin.yaml" "$T/shipped-T.yaml"

# -T output fed back through -f gives the same -T output.
cat >"$T/custom.yaml" <<EOC
listen: ["127.0.0.1:2222", "[::1]"]
port: 0
ticket: {lifetime: 90m, kdf_cost: 14}
welcome: "Rescue bench 3: call 555-0100 first."
limits:
  max_startups: 5:50:20
  per_source: {failures: 3, window: 2m, penalty: 1h}
  idle_timeout: 45s
network: {mode: none, interfaces: [eth0, enp0s3]}
tools: [$top/config/tools.yaml]
relay:
  - {host: relay.example.org, port: 2222, user: agent, identity: /etc/k,
     host_key: "SHA256:AAAAC3NzaC1lZDI1NTE5AAAAIBNpGfjizwVdAZY/li6"}
require_reason: true
EOC
"$TETHERD" -T -f "$T/custom.yaml" >"$T/rt1.yaml"
check_eq "-T of a custom file exits 0" 0 $?
"$TETHERD" -T -f "$T/rt1.yaml" >"$T/rt2.yaml"
check "-T output reads back to the same -T output" cmp -s "$T/rt1.yaml" \
    "$T/rt2.yaml"
check_eq "-T keeps the file's values" 90m "$("$YGET" "$T/rt1.yaml" ticket.lifetime)"
check_eq "-T prints durations in their largest unit" 1h \
    "$("$YGET" "$T/rt1.yaml" limits.per_source.penalty)"
check_eq "-T keeps a relay" "relay.example.org 2222 agent" \
    "$("$YGET" "$T/rt1.yaml" relay.0.host) $("$YGET" "$T/rt1.yaml" relay.0.port) $("$YGET" "$T/rt1.yaml" relay.0.user)"
check_eq "and require_reason" true "$("$YGET" "$T/rt1.yaml" require_reason)"

# Command line over file over defaults.
"$TETHERD" -T -f "$T/custom.yaml" -p 4000 -b 127.0.0.2 --no-message \
    --state-dir "$T/st" >"$T/cli.yaml"
check_eq "-p wins over port" 4000 "$("$YGET" "$T/cli.yaml" port)"
check_eq "-b replaces listen" 127.0.0.2 "$("$YGET" "$T/cli.yaml" listen.0)"
check_eq "--no-message turns consent off" false \
    "$("$YGET" "$T/cli.yaml" consent)"
check_eq "--state-dir wins" "$T/st" "$("$YGET" "$T/cli.yaml" state_dir)"
check_eq "the file still sets the rest" 45s \
    "$("$YGET" "$T/cli.yaml" limits.idle_timeout)"

# The file's listen entries are used: an agent on 127.0.0.1 from YAML.
cat >"$T/listen.yaml" <<EOC
listen: ["127.0.0.1"]
port: 0
consent: false
welcome: "hello from the file"
EOC
nagent=$((nagent + 1))
"$TETHERD" -f "$T/listen.yaml" --state-dir "$T/lst" >"$T/lst.out" \
    2>"$T/lst.log" </dev/null &
AGENT_PID=$!
agents="$agents $AGENT_PID"
AGENT_STATE=$T/lst
check "an agent starts from the file alone" \
    wait_for "[ -s '$T/lst/connection.yaml' ]"
TICKET=$("$YGET" "$T/lst/connection.yaml" ticket)
PORT=$("$YGET" "$T/lst/connection.yaml" port)
check_eq "it listens where the file says" 127.0.0.1 \
    "$("$YGET" "$T/lst/connection.yaml" ips.0)"
agent_ssh info >"$T/info.yaml"
check_eq "info carries the welcome text" "hello from the file" \
    "$("$YGET" "$T/info.yaml" welcome)"

finish
