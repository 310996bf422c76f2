#!/bin/sh
# Startup Repair reads the last boot from the root's own journal: real
# journal files, written by systemd-journald itself in a mount and PID
# namespace of the test's (its own /run, machine id, boot id and config,
# /dev/kmsg a plain empty file: nothing of this host's log goes in). The
# journal's last boot is read, not an earlier one, and the journal is
# preferred to /var/log/syslog.
. "$(dirname "$0")/lib.sh"

JOURNALD=/usr/lib/systemd/systemd-journald
for p in "$JOURNALD" journalctl systemd-cat unshare; do
	check "$p is installed (make deps)" sh -c 'command -v "$1" >/dev/null' \
	    sh "$p"
done

# journal DIR BOOT_ID < "PRIORITY TAG TEXT" lines: one boot's messages.
journal() {
	mkdir -p "$1"
	cat >"$T/messages"
	timeout 60 unshare -m -p -f --mount-proc sh -c '
	mount -t tmpfs tmpfs /run || exit 1
	mkdir -p /run/systemd/journal /run/fix /var/log/journal
	echo 0123456789abcdef0123456789abcdef >/run/fix/machine-id
	echo "$2" >/run/fix/boot_id
	: >/run/fix/kmsg
	printf "[Journal]\nStorage=persistent\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nForwardToConsole=no\n" \
	    >/run/fix/journald.conf
	for m in "$1 /var/log/journal" "/run/fix/machine-id /etc/machine-id" \
	    "/run/fix/boot_id /proc/sys/kernel/random/boot_id" \
	    "/run/fix/kmsg /dev/kmsg" \
	    "/run/fix/journald.conf /etc/systemd/journald.conf"; do
		# shellcheck disable=SC2086 # two words: from, to
		mount --bind $m || exit 1
	done
	"$4" &
	jd=$!
	i=0
	while [ ! -S /run/systemd/journal/io.systemd.journal ] &&
	    [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	journalctl --flush || exit 1
	while read -r prio tag text; do
		printf "%s\n" "$text" | systemd-cat -t "$tag" -p "$prio" ||
		    exit 1
	done <"$3"
	journalctl --sync || exit 1
	kill "$jd"
	wait "$jd"
	exit 0
	' sh "$1" "$2" "$T/messages" "$JOURNALD"
}

# A root with a journal and, in /var/log/syslog, a crash of its own.
root() {
	fake_root "$1" "Debian GNU/Linux"
	printf 'Nov 25 10:00:00 host kernel: BUG: planted in syslog only\n' \
	    >"$1/var/log/syslog"
}

crashed=$T/crashed
root "$crashed"
journal "$crashed/var/log/journal" 11111111-1111-1111-1111-111111111111 <<EOF
info systemd Started ssh.service - OpenBSD Secure Shell server.
err kernel Oops: 0002 [#1] PREEMPT SMP NOPTI
err systemd Failed to start drill.service - Drill.
EOF
check_eq "journald writes the crashed system's journal" 0 $?
journalctl -D "$crashed/var/log/journal" -q --no-pager >"$T/j1.txt" 2>&1
check_grep "which journalctl reads" "Failed to start drill.service" \
    "$T/j1.txt"
check_no_grep "and which holds nothing of this host's kernel log" \
    "kernel: [^O]" "$T/j1.txt"

"$TETHERD" diagnose "$crashed" >"$T/d1.yaml" 2>"$T/d1.err"
check_eq "tetherd diagnose exits 1: the last boot crashed" 1 $?
sed 's/^/#   /' "$T/d1.yaml"
check_grep "the crash is the journal's" \
    "evidence: .journalctl -D var/log/journal -b: .* kernel\[[0-9]*\]: Oops: 0002" \
    "$T/d1.yaml"
check_grep "as a lastboot error" "what: the kernel crashed in the last boot" \
    "$T/d1.yaml"
check_grep "the failed unit is named" \
    "what: drill.service - Drill failed in the last boot" "$T/d1.yaml"
check_no_grep "syslog is not read when the journal is" "planted in syslog" \
    "$T/d1.yaml"

# A crash in the boot before the last, and a clean last boot: no crash.
earlier=$T/earlier
root "$earlier"
journal "$earlier/var/log/journal" 22222222-2222-2222-2222-222222222222 <<EOF
err kernel Oops: 0002 [#1] PREEMPT SMP NOPTI
EOF
journal "$earlier/var/log/journal" 33333333-3333-3333-3333-333333333333 <<EOF
info systemd Started ssh.service - OpenBSD Secure Shell server.
warning kernel ACPI: a warning, not a crash
EOF
check_eq "journald writes two boots" 2 \
    "$(journalctl -D "$earlier/var/log/journal" --list-boots --no-pager \
    2>/dev/null | grep -c -E '^ *-?[0-9]+ [0-9a-f]{32} ')"
"$TETHERD" diagnose "$earlier" >"$T/d2.yaml" 2>"$T/d2.err"
sed 's/^/#   /' "$T/d2.yaml"
check_no_grep "a crash in an earlier boot is not the last boot's" \
    "the kernel crashed" "$T/d2.yaml"
check_no_grep "nor is syslog's, with a journal there" "planted in syslog" \
    "$T/d2.yaml"

# Without a journal, syslog is what tells.
nojournal=$T/nojournal
root "$nojournal"
"$TETHERD" diagnose "$nojournal" >"$T/d3.yaml" 2>"$T/d3.err"
check_grep "with no journal, the crash in syslog is found" \
    "evidence: 'var/log/syslog:1: .*BUG: planted in syslog only" "$T/d3.yaml"

finish
