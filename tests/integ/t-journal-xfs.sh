#!/bin/sh
# The scan mounts xfs read-only without replaying its log (norecovery), and
# tells from the log itself whether it needs recovery: a root whose log
# was left dirty (the filesystem shut down while mounted) says so, a root
# unmounted cleanly does not, also once the log has wrapped round its end,
# and no image is written to. On loop devices the test makes; skipped
# without them or without xfsprogs.
. "$(dirname "$0")/lib.sh"

if [ "$(id -u)" -ne 0 ] || ! command -v mkfs.xfs >/dev/null ||
    ! command -v xfs_io >/dev/null; then
	echo "# skip: needs root, mkfs.xfs and xfs_io"
	exit 77
fi
fake_root "$T/tree" xfslog
devs=
trap '_x=$?; umount "$T/mnt" 2>/dev/null
    for d in $devs; do losetup -d "$d" 2>/dev/null; done
    (exit $_x); cleanup' EXIT
mkdir "$T/mnt"

# churn N: create N files, remove them, create N more: log traffic.
churn() {
	mkdir -p "$T/mnt/var/tmp" &&
	    (cd "$T/mnt/var/tmp" && seq -f a%g "$1" | xargs touch &&
	    rm -f a* && seq -f b%g "$1" | xargs touch)
}

# make_xfs NAME HOW [WRAP]: an image with the tree, unmounted cleanly, then
# mounted again and written to; with HOW dirty, shut down after forcing
# the log out, so that its last records are on disk with no unmount record
# after them. With WRAP, a log of 1368 blocks (smaller than mkfs.xfs
# allows outside its test suite) written round its end. The loop device
# goes to $devs.
make_xfs() {
	if [ -n "${3-}" ]; then
		truncate -s 96M "$T/$1.img"
		TEST_DIR=$T TEST_DEV=$T/$1.img QA_CHECK_FS=1 \
		    mkfs.xfs -q -L "$1" -l size=1368b "$T/$1.img" \
		    >/dev/null 2>&1
	else
		truncate -s 320M "$T/$1.img"
		mkfs.xfs -q -L "$1" "$T/$1.img" >/dev/null 2>&1
	fi && dev=$(losetup -f --show "$T/$1.img" 2>/dev/null) || return 1
	devs="$devs $dev"
	mount -t xfs "$dev" "$T/mnt" || return 1
	cp -a "$T/tree/." "$T/mnt/" && umount "$T/mnt" || return 1
	mount -t xfs "$dev" "$T/mnt" || return 1
	churn 300 || return 1
	[ -z "${3-}" ] || churn 12000 || return 1
	[ "$2" = clean ] || xfs_io -x -c "shutdown -f" "$T/mnt" || return 1
	umount "$T/mnt"
}
if ! make_xfs dirty dirty || ! make_xfs clean clean; then
	echo "# skip: cannot make and mount xfs images on loop devices"
	exit 77
fi
names="dirty clean"
if make_xfs wrapdirty dirty wrap && make_xfs wrapclean clean wrap; then
	names="$names wrapdirty wrapclean"
else
	echo "# no images with a small log: the wrapped cases are left out"
fi
set -- $devs
for name in $names; do
	eval "dev_$name=$1"
	shift
done
# first_cycle NAME: the cycle in which the first block of the image's log
# was last written (after the magic number of a record header).
first_cycle() {
	_at=$(sed -n 's/.*log device: .* daddr: \([0-9]*\) .*/\1/p' \
	    "$T/$1.lp")
	od -An -tx1 -j $((_at * 512)) -N 8 "$T/$1.img" | tr -d ' \n' |
	    sed 's/^feedbabe//; s/^\(........\).*/\1/' |
	    { read -r _c; echo $((0x$_c)); }
}
if command -v xfs_logprint >/dev/null; then
	for name in $names; do
		eval "xfs_logprint -t \$dev_$name" >"$T/$name.lp" 2>&1
		want=$(echo "$name" | sed 's/^wrap//' | tr a-z A-Z)
		check_grep "$name: xfs_logprint agrees the log is $want" \
		    "state: <$want>" "$T/$name.lp"
		case $name in
		wrap*)	check "$name: the log has wrapped" \
			    test "$(first_cycle "$name")" -ge 2 ;;
		esac
	done
fi
for name in $names; do
	eval "md5_$name=\$(md5sum <\"\$T/\$name.img\")"
done
cat >"$T/conf.yaml" <<EOC
roots:
  scan: true
  devices: [$(echo $devs | sed 's/ /, /g')]
EOC
start_agent -f "$T/conf.yaml"
agent_ssh roots >"$T/scan.yaml" 2>"$T/err"

# root_index ID: which entry of the scan is that root.
root_index() {
	for _i in 0 1 2 3; do
		if [ "$("$YGET" "$T/scan.yaml" "roots.$_i.id" 2>/dev/null)" = \
		    "$1" ]; then
			echo "$_i"
			return
		fi
	done
	echo none
}
for name in $names; do
	eval "dev=\$dev_$name"
	i=$(root_index "$(basename "$dev")")
	check "$name: the scan finds the root" test "$i" != none
	case $name in
	*dirty)
		check_eq "$name: the root is limited" limited \
		    "$("$YGET" "$T/scan.yaml" "roots.$i.health")"
		check_eq "$name: and says its journal needs recovery" \
		    "the journal needs recovery (not replayed here)" \
		    "$("$YGET" "$T/scan.yaml" "roots.$i.problems.0")"
		;;
	*)
		check_eq "$name: the root is ok" ok \
		    "$("$YGET" "$T/scan.yaml" "roots.$i.health")"
		;;
	esac
	check "$name: mounted without log recovery" \
	    awk -v p="$AGENT_STATE/roots/$(basename "$dev")" \
	    '$5 == p && / - xfs / && /norecovery/ { f = 1 } END { exit !f }' \
	    /proc/self/mountinfo
done
check_eq "only the dirty roots are said to need recovery" \
    "$(echo $names | tr ' ' '\n' | grep -c dirty)" \
    "$(grep -c "journal needs recovery" "$T/scan.yaml")"
stop_agent
for dev in $devs; do
	losetup -d "$dev"
done
devs=
for name in $names; do
	eval "before=\$md5_$name"
	check_eq "$name: the image was not written to" "$before" \
	    "$(md5sum <"$T/$name.img")"
done
finish
