#!/bin/sh
# The scan mounts xfs read-only without replaying its log (norecovery), and
# tells from the log itself whether it needs recovery: a root whose log
# was left dirty (the filesystem shut down while mounted) says so, a root
# unmounted cleanly does not, and neither image is written to. On loop
# devices the test makes; skipped without them or without xfsprogs.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v mkfs.xfs >/dev/null ||
    ! command -v xfs_io >/dev/null; then
	echo "# skip: needs root, mkfs.xfs and xfs_io"
	exit 77
fi
fake_root "$T/tree" xfslog
devs=
trap '_x=$?; umount "$T/mnt" 2>/dev/null
    for d in $devs; do losetup -d "$d" 2>/dev/null; done; (exit $_x); cleanup' EXIT
mkdir "$T/mnt"

# make_xfs NAME HOW: an image with the tree, unmounted cleanly, then, if
# HOW is dirty, mounted again, written to and shut down: the files written
# since are in the log, forced out to disk, with no unmount record after
# them. Its loop device in $dev.
make_xfs() {
	truncate -s 320M "$T/$1.img"
	mkfs.xfs -q -L "$1" "$T/$1.img" >/dev/null 2>&1 &&
	    dev=$(losetup -f --show "$T/$1.img" 2>/dev/null) || return 1
	devs="$devs $dev"
	mount -t xfs "$dev" "$T/mnt" || return 1
	cp -a "$T/tree/." "$T/mnt/" && umount "$T/mnt" || return 1
	[ "$2" = dirty ] || return 0
	mount -t xfs "$dev" "$T/mnt" || return 1
	i=0
	while [ $i -lt 300 ]; do
		echo "$i" >"$T/mnt/var/log/f$i"
		i=$((i + 1))
	done
	xfs_io -x -c "shutdown -f" "$T/mnt" && umount "$T/mnt"
}
if ! make_xfs dirty dirty || ! make_xfs clean clean; then
	echo "# skip: cannot make and mount xfs images on loop devices"
	exit 77
fi
set -- $devs
dirty=$1
clean=$2
if command -v xfs_logprint >/dev/null; then
	xfs_logprint -t "$dirty" >"$T/dirty.lp" 2>&1
	xfs_logprint -t "$clean" >"$T/clean.lp" 2>&1
	check_grep "the shut down image's log is dirty, as xfs_logprint says" \
	    "state: <DIRTY>" "$T/dirty.lp"
	check_grep "the other's is clean" "state: <CLEAN>" "$T/clean.lp"
fi
before_dirty=$(md5sum <"$T/dirty.img")
before_clean=$(md5sum <"$T/clean.img")
cat >"$T/conf.yaml" <<EOC
roots:
  scan: true
  devices: [$dirty, $clean]
EOC
start_agent -f "$T/conf.yaml"
agent_ssh roots >"$T/scan.yaml" 2>"$T/err"

# root_index ID: which entry of the scan is that root.
root_index() {
	for _i in 0 1; do
		if [ "$("$YGET" "$T/scan.yaml" "roots.$_i.id")" = "$1" ]; then
			echo "$_i"
			return
		fi
	done
	echo none
}
d=$(root_index "$(basename "$dirty")")
c=$(root_index "$(basename "$clean")")
check "the scan finds both roots" test "$d" != none -a "$c" != none
check_eq "the dirty root is limited" limited \
    "$("$YGET" "$T/scan.yaml" "roots.$d.health")"
check_eq "and says its journal needs recovery" \
    "the journal needs recovery (not replayed here)" \
    "$("$YGET" "$T/scan.yaml" "roots.$d.problems.0")"
check_eq "the clean root is ok" ok \
    "$("$YGET" "$T/scan.yaml" "roots.$c.health")"
check_eq "and it is the only one said to need recovery" 1 \
    "$(grep -c "journal needs recovery" "$T/scan.yaml")"
for dev in $dirty $clean; do
	check "$(basename "$dev") is mounted without log recovery" \
	    awk -v p="$AGENT_STATE/roots/$(basename "$dev")" \
	    '$5 == p && / - xfs / && /norecovery/ { f = 1 } END { exit !f }' \
	    /proc/self/mountinfo
done
stop_agent
for dev in $devs; do
	losetup -d "$dev"
done
devs=
check_eq "the dirty image was not written to" "$before_dirty" \
    "$(md5sum <"$T/dirty.img")"
check_eq "nor the clean one" "$before_clean" "$(md5sum <"$T/clean.img")"
finish
