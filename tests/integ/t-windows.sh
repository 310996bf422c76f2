#!/bin/sh
# A Windows volume (NTFS) is listed as Windows, cannot be selected, and
# its files are read-only at its path, for sftp and the Files screen; the
# agent unmounts it when it ends, and the image is not written to. On a
# loop device the test makes; skipped without one. This host's kernel
# decides between ntfs3 and ntfs-3g; the storage drill runs Debian's,
# which has only ntfs-3g.
. "$(dirname "$0")/lib.sh"

if ! command -v mkntfs >/dev/null || ! command -v ntfscp >/dev/null; then
	echo "# skip: no mkntfs or ntfscp (apt-get install ntfs-3g)"
	exit 77
fi
if [ ! -c /dev/fuse ] && ! modinfo ntfs3 >/dev/null 2>&1; then
	echo "# skip: neither FUSE (/dev/fuse) nor ntfs3 in this kernel"
	exit 77
fi
name='Quarterly report, do not lose.txt'
printf 'the only copy\n' >"$T/file"
truncate -s 16M "$T/win.img"
if ! mkntfs -F -Q -q -L WINDATA "$T/win.img" >"$T/mkntfs.err" 2>&1 ||
    ! ntfscp -f "$T/win.img" "$T/file" "$name" >>"$T/mkntfs.err" 2>&1; then
	sed 's/^/#   /' "$T/mkntfs.err"
	not_ok "mkntfs and ntfscp make an NTFS image"
	finish
fi
before=$(md5sum <"$T/win.img")
scan_agent "$T/win.img"
id=$(basename "$dev")
path=$AGENT_STATE/roots/$id

agent_ssh roots >"$T/scan.yaml" 2>"$T/err"
check_eq "roots exits 0" 0 $?
check_eq "the scan lists the volume" "$id" "$("$YGET" "$T/scan.yaml" roots.0.id)"
check_eq "as Windows" "Windows (NTFS)" \
    "$("$YGET" "$T/scan.yaml" roots.0.os_name)"
check_eq "with its label" WINDATA "$("$YGET" "$T/scan.yaml" roots.0.label)"
check_eq "and its path" "$path" "$("$YGET" "$T/scan.yaml" roots.0.path)"
check_eq "its health is limited" limited \
    "$("$YGET" "$T/scan.yaml" roots.0.health)"
check_eq "and it says it is no root to select" \
    "Windows is not a root to select; its files are read-only at $path" \
    "$("$YGET" "$T/scan.yaml" roots.0.problems.0)"
check "its used size is known" [ "$("$YGET" "$T/scan.yaml" roots.0.used)" -gt 0 ]
type=$(awk -v p="$path" '$5 == p { for (i = 7; $i != "-"; i++); print $(i + 1) }' \
    /proc/self/mountinfo)
echo "# mounted with: $type"
check "it is mounted with ntfs3 or ntfs-3g (fuseblk)" \
    sh -c '[ "$1" = ntfs3 ] || [ "$1" = fuseblk ]' sh "$type"
check "read-only" awk -v p="$path" '$5 == p && $6 ~ /^ro(,|$)/ { f = 1 } END { exit !f }' \
    /proc/self/mountinfo

# sftp -b would forbid password authentication: commands on stdin.
printf 'get "%s/%s" %s\n' "$path" "$name" "$T/got" |
    sshpass -p "$TICKET" sftp $SSHOPTS -P "$PORT" tether@127.0.0.1 \
    >"$T/sftp.out" 2>&1
check_eq "sftp fetches its file" 0 $?
check "byte for byte" cmp -s "$T/file" "$T/got"
agent_ssh "touch '$path/new'" >"$T/touch.out" 2>&1
check "nothing can be written there" [ $? -ne 0 ]
check_grep "the file system says it is read-only" "Read-only file system" \
    "$T/touch.out"

agent_ssh roots select "$id" >/dev/null 2>"$T/sel.err"
check_eq "roots select refuses it" 1 $?
check_grep "and says why" \
    "$id is a Windows volume: Windows is not a root to select; its files are read-only at its path" \
    "$T/sel.err"
agent_ssh roots >"$T/scan2.yaml" 2>/dev/null
check_eq "a second scan keeps the mount it made" 1 \
    "$(awk -v p="$path" '$5 == p' /proc/self/mountinfo | wc -l)"
check_grep "the mount is audited" \
    "event=mount source=$dev target=$path type=ntfs" \
    "$AGENT_DIR/logs/audit.log"

stop_agent
check "the agent unmounts it when it ends" \
    sh -c '! awk -v p="$1" "\$5 == p { f = 1 } END { exit !f }" /proc/self/mountinfo' \
    sh "$path"
check "no ntfs-3g is left running for it" \
    wait_for "! pgrep -f 'ntfs-3g.*$dev' >/dev/null" 50
losetup -d "$dev"
check_eq "the image was not written to" "$before" "$(md5sum <"$T/win.img")"
finish
