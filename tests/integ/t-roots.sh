#!/bin/sh
# Offline roots: directory roots from roots.extra with their health, select
# (binds and the fstab remap), TETHER_ROOT and the chroot, release, and no
# mount left behind by release, a killed child or shutdown; then the same
# on loop devices holding real ext4 images, and a btrfs root in a subvolume.
. "$(dirname "$0")/lib.sh"

loops=

# Mounts under the test's directory, deepest first.
mounts_under() {
	awk -v t="$T" '$5 == t || index($5, t "/") == 1 { print $5 }' \
	    /proc/self/mountinfo | sort -r
}

# Before the temp dir is removed: end the agents, then make sure nothing
# is mounted inside it, or rm -rf would walk into a bound /dev or /run.
roots_cleanup() {
	# An agent unmounts what it mounted on its way out: give it time.
	end_agents 100
	for m in $(mounts_under); do
		echo "# cleanup: unmounting $m"
		umount -l "$m"
	done
	for l in $loops; do
		losetup -d "$l" 2>/dev/null
	done
	cleanup
}
trap roots_cleanup EXIT

# check_no_mounts "what": nothing of ours is mounted.
check_no_mounts() {
	left=$(mounts_under)
	if [ -z "$left" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "$left" | sed 's/^/#   still mounted: /'
	fi
}

# A Debian-like system in $1.
make_root() {
	mkdir -p "$1/etc" "$1/boot" "$1/var/lib/dpkg" "$1/dev" "$1/proc" \
	    "$1/sys" "$1/run" "$1/home"
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n' \
	    >"$1/etc/os-release"
	printf 'root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n' \
	    >"$1/etc/passwd"
	printf 'root:*:19000:0:99999:7:::\nalice:!:19000:0:99999:7:::\n' \
	    >"$1/etc/shadow"
	printf '# <file system> <mount point> <type> <options> <dump> <pass>\nUUID=00000000-dead-beef-0000-000000000000 / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs defaults 0 0\nUUID=11111111-dead-beef-0000-000000000000 /home ext4 defaults 0 2\n' \
	    >"$1/etc/fstab"
	printf 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\nDescription: base system\n miscellaneous files\n\nPackage: dash\nStatus: install ok installed\n' \
	    >"$1/var/lib/dpkg/status"
}

healthy=$T/healthy
broken=$T/broken
unreadable=$T/unreadable
make_root "$healthy"
make_root "$broken"
rm "$broken/etc/shadow"
printf 'this-is-not-an-fstab\n' >"$broken/etc/fstab"
mkdir -p "$unreadable"
printf 'not a directory\n' >"$unreadable/etc"
touch "$healthy/marker-healthy"
# Two remap entries that must fail: a source that is no disk, and a mount
# point that a symlink would take out of the root.
mkdir -p "$healthy/srv"
ln -s / "$healthy/opt"
printf '/dev/null /srv ext4 defaults 0 2\n/dev/null /opt/x ext4 defaults 0 2\n' \
    >>"$healthy/etc/fstab"

# A shell for the chroot: /bin/sh and the libraries it needs.
chroot_ok=0
copy_sh "$healthy" && chroot_ok=1

cat >"$T/conf.yaml" <<EOF
shell: /bin/sh
audit:
  file: $T/audit.log
roots:
  scan: false
  extra: [$healthy, $broken, $unreadable]
EOF
start_agent -f "$T/conf.yaml"

agent_ssh roots >"$T/scan.yaml" 2>"$T/scan.err"
check_eq "roots exits 0" 0 $?
check "roots answers YAML" "$YGET" "$T/scan.yaml"
y() { "$YGET" "$T/scan.yaml" "$1"; }
check_eq "no root is selected yet" null "$(y current)"
check_eq "first root is extra1" extra1 "$(y roots.0.id)"
check_eq "its path is the directory" "$healthy" "$(y roots.0.path)"
check_eq "a directory root has no device" null "$(y roots.0.device)"
check_eq "os name from os-release" "Debian GNU/Linux" "$(y roots.0.os_name)"
check_eq "os version from os-release" "12 (bookworm)" \
    "$(y roots.0.os_version)"
check_eq "the healthy root is ok" ok "$(y roots.0.health)"
check "size is reported" [ "$(y roots.0.size)" -gt 0 ]
check_eq "the broken root is limited" limited "$(y roots.1.health)"
check_grep "limited names the missing shadow" "etc/shadow missing" \
    "$T/scan.yaml"
check_grep "limited names the broken fstab" \
    "etc/fstab: line 1: expected 4 to 6 fields, got 1" "$T/scan.yaml"
check_eq "the third root is unreadable" unreadable "$(y roots.2.health)"
check_grep "unreadable says why" "etc: Not a directory" "$T/scan.yaml"
agent_ssh roots scan >"$T/scan2.yaml"
check_eq "roots scan is the same list" \
    "$(grep -v used: "$T/scan.yaml")" "$(grep -v used: "$T/scan2.yaml")"

# The viewer's command form prints the same YAML.
view() {
	"$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" roots "$@"
}
view scan >"$T/view.yaml" 2>"$T/view.err"
check_eq "tether roots scan exits 0" 0 $?
check_eq "tether roots scan lists the roots" extra2 \
    "$("$YGET" "$T/view.yaml" roots.1.id)"
view select extra2 >"$T/view.yaml" 2>"$T/view.err"
check_eq "tether roots select selects" extra2 \
    "$("$YGET" "$T/view.yaml" selected)"
view release >"$T/view.yaml" 2>"$T/view.err"
check_eq "tether roots release releases" extra2 \
    "$("$YGET" "$T/view.yaml" released)"
check_no_mounts "nothing mounted after the viewer's release"
view select 'a b' >/dev/null 2>"$T/view.err"
check_eq "tether refuses an id that is not one word" 2 $?
check_grep "with the usage" "usage: roots" "$T/view.err"
view release >/dev/null 2>"$T/view.err"
check_eq "tether passes the agent's exit status" 1 $?
check_grep "and its error" "no root is selected" "$T/view.err"

agent_ssh roots select nosuch >/dev/null 2>"$T/err"
check_eq "select of an unknown id fails" 1 $?
check_grep "and says so" "roots: no such root: nosuch" "$T/err"
agent_ssh roots select extra3 >/dev/null 2>"$T/err"
check_grep "an unreadable root cannot be selected" \
    "root extra3 is unreadable" "$T/err"
agent_ssh roots release >/dev/null 2>"$T/err"
check_grep "release with nothing selected fails" "no root is selected" \
    "$T/err"
agent_ssh roots select >/dev/null 2>"$T/err"
check_eq "select without an id is a usage error" 2 $?
check_grep "with the usage" "usage: roots" "$T/err"

agent_ssh roots select extra1 >"$T/sel.yaml" 2>"$T/err"
check_eq "select extra1 exits 0" 0 $?
check_eq "select says what it selected" extra1 \
    "$("$YGET" "$T/sel.yaml" selected)"
check_eq "/dev is bound first" "$healthy/dev" \
    "$("$YGET" "$T/sel.yaml" binds.0.path)"
check_eq "/run is bound too" mounted "$("$YGET" "$T/sel.yaml" binds.3.status)"
check "/proc is a mount in the root" grep -q " $healthy/proc " \
    /proc/self/mountinfo
check "the root's /dev has the system's null device" \
    [ -c "$healthy/dev/null" ]
check_eq "an fstab entry whose disk is absent is skipped" \
    "skipped: device not found" "$("$YGET" "$T/sel.yaml" remap.0.status)"
check_eq "the remap reports its mount point" /home \
    "$("$YGET" "$T/sel.yaml" remap.0.mountpoint)"
check_eq "a source that is not a block device is refused" \
    "refused: /dev/null is not a block device" \
    "$("$YGET" "$T/sel.yaml" remap.1.status)"
check_eq "a mount point behind a symlink is refused" \
    "error: mount point /opt/x: a symlink on the way" \
    "$("$YGET" "$T/sel.yaml" remap.2.status)"
check "nothing was mounted through the symlink" \
    test -z "$(awk '$5 == "/x"' /proc/self/mountinfo)"
check_grep "the current selection is agent-wide" "id: extra1" \
    "$AGENT_STATE/roots/current.yaml"

out=$(agent_ssh 'echo "root=$TETHER_ROOT"')
check_eq "a later exec sees TETHER_ROOT" "root=$healthy" "$out"
agent_ssh roots >"$T/scan.yaml"
check_eq "roots shows the current root" extra1 "$(y current)"
check_eq "and marks it selected" true "$(y roots.0.selected)"
agent_ssh roots select extra2 >/dev/null 2>"$T/err"
check_grep "a second select is refused" \
    "roots: extra1 is selected; release it first" "$T/err"

if [ $chroot_ok -eq 1 ]; then
	out=$(agent_ssh -o SetEnv=TETHER_CHROOT=1 \
	    'test -e /marker-healthy && echo chrooted; test -c /dev/null && echo dev')
	check_eq "TETHER_CHROOT=1 runs the command in the root" \
	    "chrooted
dev" "$out"
	out=$(printf 'test -e /marker-healthy && echo "in-$TETHER_ROOT"\nexit\n' |
	    agent_ssh -tt -o SetEnv=TETHER_CHROOT=1 2>/dev/null | tr -d '\r')
	case $out in
	*"in-$healthy"*) ok "a chrooted console runs in the root" ;;
	*) not_ok "a chrooted console runs in the root"
	    echo "$out" | sed 's/^/#   /' ;;
	esac
else
	echo "# skip: no /bin/sh with libraries to copy into the root"
fi

agent_ssh roots release >"$T/rel.yaml" 2>"$T/err"
check_eq "release exits 0" 0 $?
check_eq "release names the root" extra1 "$("$YGET" "$T/rel.yaml" released)"
check_eq "release unmounts in reverse: /run first" "$healthy/run" \
    "$("$YGET" "$T/rel.yaml" unmounted.0)"
check_no_mounts "release leaves no mount"
check "the selection is gone" [ ! -e "$AGENT_STATE/roots/current.yaml" ]
out=$(agent_ssh 'echo "root=${TETHER_ROOT-unset}"')
check_eq "no TETHER_ROOT after release" "root=unset" "$out"
agent_ssh -o SetEnv=TETHER_CHROOT=1 true 2>"$T/err"
check_grep "TETHER_CHROOT without a root is refused" \
    "TETHER_CHROOT: no root is selected" "$T/err"

# Select again and end the agent: shutdown unmounts.
agent_ssh roots select extra1 >/dev/null
check "select again mounts" grep -q " $healthy/dev " /proc/self/mountinfo
stop_agent
check_no_mounts "shutdown leaves no mount"
check_grep "the mounts are audited" \
    "event=mount source=/dev target=$healthy/dev type=bind" "$T/audit.log"
check_grep "and so is the shutdown's unmount" \
    "event=umount target=$healthy/dev" "$T/audit.log"

# kill_mid_select: strace holds the third mount(2) of a select; the
# connection's processes are then killed with SIGKILL. Without strace (or
# ptrace) the select is killed after it finished instead.
kill_mid_select() {
	strace -f -qq -o /dev/null -e trace=mount \
	    -e inject=mount:delay_enter=4000000:when=3 -p "$AGENT_PID" \
	    2>"$T/strace.err" &
	strace_pid=$!
	sleep 1
	if ! kill -0 "$strace_pid" 2>/dev/null; then
		echo "# skip: strace cannot attach; killing after a whole select"
		agent_ssh roots select extra1 >/dev/null
		# shellcheck disable=SC2046
		kill -KILL $(pgrep -P "$AGENT_PID")
		return
	fi
	agent_ssh roots select extra1 >/dev/null 2>&1 &
	ssh_pid=$!
	if wait_for "[ \$(mounts_under | wc -l) -ge 2 ]" 50; then
		# The session child and the verb process below it.
		victims=
		for s in $(pgrep -P "$AGENT_PID"); do
			victims="$victims $s $(pgrep -P "$s")"
		done
		# shellcheck disable=SC2086
		kill -KILL $victims
		ok "a select was killed half way ($(mounts_under | wc -l) mounts made)"
		check "the killed select did not get to /run" \
		    test -z "$(mounts_under | grep "^$healthy/run\$")"
	else
		not_ok "a select was killed half way"
		sed 's/^/#   /' "$T/strace.err"
	fi
	wait "$ssh_pid" 2>/dev/null
	kill "$strace_pid" 2>/dev/null
	wait "$strace_pid" 2>/dev/null
}

# A select killed half way is still the selection, and release undoes it.
start_agent -f "$T/conf.yaml"
kill_mid_select
agent_ssh roots >"$T/scan.yaml"
check_eq "a half-done select is the current root" extra1 "$(y current)"
agent_ssh roots release >/dev/null 2>"$T/err"
check_eq "release of a half-done select exits 0" 0 $?
check_no_mounts "release undoes what a killed child mounted"

# Killed again, and this time the agent's end unmounts.
kill_mid_select
stop_agent
check_no_mounts "the agent's end unmounts what a killed child mounted"

# Real block devices: a root and a /boot on loop devices, found by libblkid.
img_ok=1
truncate -s 32M "$T/root.img" "$T/boot.img" || img_ok=0
if [ $img_ok -eq 0 ] || ! mkdir -p "$T/tree-root" "$T/tree-boot" ||
    ! make_root "$T/tree-root" ||
    ! printf 'LABEL=tether-boot /boot ext4 defaults 0 2\nUUID=22222222-dead-beef-0000-000000000000 /home ext4 defaults,nofail 0 2\n' \
    >"$T/tree-root/etc/fstab" ||
    ! touch "$T/tree-boot/vmlinuz-test" ||
    ! mkfs.ext4 -q -F -L tether-root -d "$T/tree-root" "$T/root.img" \
    >/dev/null 2>&1 ||
    ! mkfs.ext4 -q -F -L tether-boot -d "$T/tree-boot" "$T/boot.img" \
    >/dev/null 2>&1; then
	img_ok=0
	echo "# skip: cannot make ext4 images (mkfs.ext4 -d)"
fi
rootdev=
bootdev=
if [ $img_ok -eq 1 ] && [ "$(id -u)" -eq 0 ] &&
    rootdev=$(losetup -f --show "$T/root.img" 2>/dev/null) &&
    loops="$rootdev" &&
    bootdev=$(losetup -f --show "$T/boot.img" 2>/dev/null); then
	loops="$rootdev $bootdev"
	rid=$(basename "$rootdev")
	cat >"$T/conf2.yaml" <<EOF
roots:
  scan: true
  devices: [$rootdev, $bootdev]
EOF
	start_agent -f "$T/conf2.yaml"
	agent_ssh roots >"$T/scan.yaml" 2>"$T/err"
	check_eq "roots scan finds the loop root" "$rid" "$(y roots.0.id)"
	check_eq "only the root: /boot holds no system" "" "$(y roots.1.id)"
	check_eq "device" "$rootdev" "$(y roots.0.device)"
	check_eq "fstype from libblkid" ext4 "$(y roots.0.fstype)"
	check_eq "label from libblkid" tether-root "$(y roots.0.label)"
	check "uuid from libblkid" [ -n "$(y roots.0.uuid)" ]
	check "size of the filesystem" [ "$(y roots.0.size)" -gt 20000000 ]
	check "used space" [ "$(y roots.0.used)" -gt 0 ]
	check_eq "mounted under the state dir" "$AGENT_STATE/roots/$rid" \
	    "$(y roots.0.path)"
	check_eq "health of the loop root" ok "$(y roots.0.health)"
	check "mounted read-only" awk -v p="$AGENT_STATE/roots/$rid" \
	    '$5 == p && $6 ~ /^ro,/ { f = 1 } END { exit !f }' \
	    /proc/self/mountinfo
	agent_ssh roots select "$rid" --rw >"$T/sel.yaml" 2>"$T/err"
	check_eq "select --rw of the loop root" "$rid" \
	    "$("$YGET" "$T/sel.yaml" selected)"
	check_eq "the remap resolves LABEL= with libblkid" "$bootdev" \
	    "$("$YGET" "$T/sel.yaml" remap.0.device)"
	check_eq "and mounts /boot" mounted \
	    "$("$YGET" "$T/sel.yaml" remap.0.status)"
	check_eq "a missing UUID= is skipped" "skipped: device not found" \
	    "$("$YGET" "$T/sel.yaml" remap.1.status)"
	out=$(agent_ssh 'ls "$TETHER_ROOT/boot"; touch "$TETHER_ROOT/etc/rw-test" && echo written')
	check_eq "the root's /boot is the boot image, the root is writable" \
	    "lost+found
vmlinuz-test
written" "$out"
	agent_ssh roots release >/dev/null
	check "after release the root is read-only again" awk \
	    -v p="$AGENT_STATE/roots/$rid" \
	    '$5 == p && $6 ~ /^ro,/ { f = 1 } END { exit !f }' \
	    /proc/self/mountinfo
	check "after release /boot is unmounted" [ ! -e \
	    "$AGENT_STATE/roots/$rid/boot/vmlinuz-test" ]
	agent_ssh roots select "$rid" >/dev/null
	stop_agent
	check_no_mounts "shutdown unmounts the loop root and its remap"
	check "the root's directory is removed" [ ! -e "$AGENT_STATE/roots/$rid" ]
	cat >"$T/conf3.yaml" <<EOF
roots:
  scan: false
  devices: [$rootdev]
  extra: [$healthy]
EOF
	start_agent -f "$T/conf3.yaml"
	agent_ssh roots >"$T/scan.yaml"
	check_eq "scan: false lists only the directories" "extra1 " \
	    "$(y roots.0.id) $(y roots.1.id)"
	check_no_mounts "scan: false mounts no device"
	stop_agent
else
	echo "# skip: loop devices are not available here (need root and losetup)"
fi

# A btrfs whose system is in a subvolume, as Fedora installs it: "root"
# holds the system, "home" the homes; a hidden ".snap" holds a copy that is
# never chosen.
btr=
if [ "$(id -u)" -eq 0 ] && command -v mkfs.btrfs >/dev/null &&
    grep -qw btrfs /proc/filesystems && truncate -s 128M "$T/btrfs.img" &&
    mkfs.btrfs -q -L tether-btrfs "$T/btrfs.img" >/dev/null 2>&1 &&
    btr=$(losetup -f --show "$T/btrfs.img" 2>/dev/null); then
	loops="$loops $btr"
	mkdir -p "$T/btrfs-top"
	mount "$btr" "$T/btrfs-top"
	for v in root home .snap; do
		btrfs -q subvolume create "$T/btrfs-top/$v" >/dev/null
	done
	make_root "$T/btrfs-top/root"
	make_root "$T/btrfs-top/.snap"
	buuid=$(blkid -o value -s UUID "$btr")
	printf 'UUID=%s / btrfs subvol=root 0 0\nUUID=%s /home btrfs subvol=home 0 0\n' \
	    "$buuid" "$buuid" >"$T/btrfs-top/root/etc/fstab"
	echo in-home >"$T/btrfs-top/home/marker"
	umount "$T/btrfs-top"
	bid=$(basename "$btr")
	printf 'roots:\n  scan: true\n  devices: [%s]\n' "$btr" >"$T/conf4.yaml"
	start_agent -f "$T/conf4.yaml"
	agent_ssh roots >"$T/scan.yaml" 2>"$T/err"
	check_eq "a btrfs root in a subvolume is found" "$bid" "$(y roots.0.id)"
	check_eq "its subvolume is named" root "$(y roots.0.subvolume)"
	check_eq "its system is read" "Debian GNU/Linux" "$(y roots.0.os_name)"
	check_eq "and healthy" ok "$(y roots.0.health)"
	check "the subvolume is what is mounted, read-only" awk \
	    -v p="$AGENT_STATE/roots/$bid" \
	    '$4 == "/root" && $5 == p && $6 ~ /^ro,/ { f = 1 } END { exit !f }' \
	    /proc/self/mountinfo
	agent_ssh roots >"$T/scan.yaml" 2>"$T/err"
	check_eq "a second scan names it again" root "$(y roots.0.subvolume)"
	agent_ssh roots select "$bid" --rw >"$T/sel.yaml" 2>"$T/err"
	check_eq "select --rw of the subvolume root" "$bid" \
	    "$("$YGET" "$T/sel.yaml" selected)"
	check_eq "the remap mounts the home subvolume" mounted \
	    "$("$YGET" "$T/sel.yaml" remap.0.status)"
	out=$(agent_ssh 'cat "$TETHER_ROOT/home/marker"; touch "$TETHER_ROOT/etc/rw" && echo written')
	check_eq "its /home is the home subvolume, the root writable" \
	    "in-home
written" "$out"
	stop_agent
	check_no_mounts "shutdown unmounts the subvolume root and its remap"
	# As openSUSE has it: the system is the default subvolume, which a
	# mount without subvol= gives.
	mount "$btr" "$T/btrfs-top"
	btrfs subvolume set-default "$T/btrfs-top/root" >/dev/null
	umount "$T/btrfs-top"
	start_agent -f "$T/conf4.yaml"
	agent_ssh roots >"$T/scan.yaml" 2>"$T/err"
	check_eq "the default subvolume's system is found, and named" \
	    "$bid root" "$(y roots.0.id) $(y roots.0.subvolume)"
	stop_agent
	# No system in any visible subvolume: no root, and nothing mounted.
	mount -o subvolid=5 "$btr" "$T/btrfs-top"
	btrfs subvolume set-default 5 "$T/btrfs-top" >/dev/null
	btrfs -q subvolume delete "$T/btrfs-top/root" >/dev/null
	umount "$T/btrfs-top"
	start_agent -f "$T/conf4.yaml"
	agent_ssh roots >"$T/scan.yaml" 2>"$T/err"
	check_eq "a btrfs with no system in a subvolume is no root" "" \
	    "$(y roots.0.id 2>/dev/null)"
	check_no_mounts "and is left unmounted"
	stop_agent
else
	echo "# skip: cannot make a btrfs image on a loop device here"
fi

finish
