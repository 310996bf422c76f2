#!/bin/sh
# The scan mounts ext4 read-only without replaying its journal (noload):
# a root whose journal needs recovery is not written to, and its health
# says why. On a loop device the test makes; skipped without one.
. "$(dirname "$0")/lib.sh"

fake_root "$T/tree" journal
truncate -s 32M "$T/root.img"
if ! mkfs.ext4 -q -F -L tether-jrnl -d "$T/tree" "$T/root.img" \
    >/dev/null 2>&1 ||
    ! debugfs -w -R "feature needs_recovery" "$T/root.img" >/dev/null 2>&1; then
	echo "# skip: cannot make an ext4 image with a journal to recover"
	exit 77
fi
before=$(md5sum <"$T/root.img")
scan_agent "$T/root.img"
agent_ssh roots >"$T/scan.yaml" 2>"$T/err"
id=$(basename "$dev")
check_eq "the scan finds the root" "$id" "$("$YGET" "$T/scan.yaml" roots.0.id)"
check_eq "its health is limited" limited \
    "$("$YGET" "$T/scan.yaml" roots.0.health)"
check_grep "and says the journal needs recovery" \
    "the journal needs recovery" "$T/scan.yaml"
check "mounted without replaying the journal" awk -v p="$AGENT_STATE/roots/$id" \
    '$5 == p && $0 ~ /norecovery|noload/ { f = 1 } END { exit !f }' \
    /proc/self/mountinfo
stop_agent
losetup -d "$dev"
check_eq "the image was not written to" "$before" "$(md5sum <"$T/root.img")"
finish
