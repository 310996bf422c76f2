#!/bin/sh
# The storage drill (make drill-storage): offline systems behind LUKS, LVM
# and md RAID. This host has no device-mapper, so a first boot of the
# rescue image under qemu builds the test disks with the image's own
# cryptsetup, lvm and mdadm (a set-up script run as the guest's first
# process); a second boot, with one RAID disk removed, is driven from here
# with the viewer under tmux and with stock ssh: the container listed
# locked, wrong passphrases refused and the third locking it, unlock,
# select, the degraded array reported, lock, and no trace of the
# passphrase in any file of the agent's; and a Windows data volume (NTFS,
# made here with mkntfs) listed as Windows and its files read-only. Every wait is bounded; qemu
# sees only its user network, with one port forwarded from 127.0.0.1.
. "$(dirname "$0")/lib.sh"

IMG=$BUILD/rescue
QEMU=${QEMU:-qemu-system-x86_64}
SETUP_WAIT=${DRILL_SETUP_WAIT:-600}	# seconds for the disks to be made
BOOT_WAIT=${DRILL_BOOT_WAIT:-180}	# seconds for the ticket to show
OFF_WAIT=${DRILL_OFF_WAIT:-60}		# seconds for the power-off after end
PASS='drill-Pass-7781-quartz'
WRONG='not-the-passphrase'
qemu_pid=

# shellcheck disable=SC2317 # called by the trap
drill_cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		echo "# killing qemu ($qemu_pid)"
		kill -TERM "$qemu_pid" 2>/dev/null
		sleep 1
		kill -KILL "$qemu_pid" 2>/dev/null
	fi
	cleanup
}
trap drill_cleanup EXIT

t_step=$(date +%s)
step_name=
step() {
	now=$(date +%s)
	[ -n "$step_name" ] && echo "# time: $step_name $((now - t_step))s"
	step_name=$1
	t_step=$now
	[ -n "$1" ] && echo "# step: $1"
}

drill_finish() {
	step ""
	echo "# time: whole drill $(($(date +%s) - t0))s"
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
	exit $?
}

must() {
	if [ "$failures" -gt 0 ]; then
		not_ok "drill stopped: $1"
		drill_finish
	fi
}

passes=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }

view() {
	timeout 120 "$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" "$@"
}

# Stock ssh with the ticket as the password; the command's stdin is ours.
gssh() {
	timeout 120 sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" \
	    tether@127.0.0.1 "$@"
}

# rid ID FIELD: a field of the root with that id in $T/roots.yaml.
rid() {
	_i=0
	while [ $_i -lt 16 ]; do
		_id=$("$YGET" "$T/roots.yaml" "roots.$_i.id" 2>/dev/null) ||
		    return 1
		if [ "$_id" = "$1" ]; then
			"$YGET" "$T/roots.yaml" "roots.$_i.$2" 2>/dev/null
			return
		fi
		_i=$((_i + 1))
	done
	return 1
}

# seek_down TEXT N: move down the list, N lines at most, until the
# screen shows TEXT (the hint of the entry under the cursor).
seek_down() {
	_i=0
	while ! screen | grep -q -- "$1" && [ $_i -lt "$2" ]; do
		keys Down
		sleep 0.3
		_i=$((_i + 1))
	done
}

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A Debian-like root as an ext4 image: $1 file, $2 label, $3 host name.
make_root() {
	_t=$T/tree-$2
	mkdir -p "$_t/etc" "$_t/boot" "$_t/var/lib/dpkg" "$_t/var/log" \
	    "$_t/root" "$_t/dev" "$_t/proc" "$_t/sys" "$_t/run" "$_t/tmp"
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n' \
	    >"$_t/etc/os-release"
	printf 'root:x:0:0:root:/root:/bin/bash\n' >"$_t/etc/passwd"
	printf 'root:x:0:\n' >"$_t/etc/group"
	printf 'root:*:19000:0:99999:7:::\n' >"$_t/etc/shadow"
	printf 'LABEL=%s / ext4 errors=remount-ro 0 1\n' "$2" >"$_t/etc/fstab"
	printf 'Package: base-files\nStatus: install ok installed\nVersion: 12.4+deb12u5\n' \
	    >"$_t/var/lib/dpkg/status"
	echo "$3" >"$_t/etc/hostname"
	touch "$_t/boot/vmlinuz-6.1.0-57-amd64" "$_t/boot/initrd.img-6.1.0-57-amd64"
	mkfs.ext4 -q -F -L "$2" -d "$_t" "$1" 24M >>"$T/mkfs.err" 2>&1
}

t0=$(date +%s)
step "prerequisites"
for p in "$QEMU" mkfs.ext4 mkntfs ntfscp cpio python3 sshpass tmux sftp; do
	check "$p is installed (make deps)" sh -c 'command -v "$1" >/dev/null' \
	    sh "$p"
done
check "the rescue image is built (make rescue-image)" \
    test -s "$IMG/initramfs.cpio.gz" -a -s "$IMG/vmlinuz"
check "the rescue image has cryptsetup, lvm, mdadm and ntfs-3g" \
    sh -c '[ "$(grep -cx "cryptsetup\|lvm\|mdadm\|ntfs-3g" "$1")" -eq 4 ]' sh \
    "$IMG/programs.txt"
must "missing prerequisites"

# 1. The root filesystems, made here without privileges, and blank disks.
step "make the root images and the blank disks"
make_root "$T/cryptroot.img" cryptroot drill-crypt &&
    make_root "$T/lvmroot.img" lvmroot drill-lvm &&
    make_root "$T/raidroot.img" raidroot drill-raid
check_eq "mkfs.ext4 -d makes three Debian-like roots" 0 $?
for d in luks lvm raida raidb; do
	truncate -s 64M "$T/$d.img"
done
# A Windows data volume: NTFS with one file to rescue, made without
# mounting it.
WINFILE='Quarterly report, do not lose.txt'
printf 'the only copy: %s\n' "$(date +%s)" >"$T/winfile"
truncate -s 16M "$T/windata.img"
mkntfs -F -Q -q -L WINDATA "$T/windata.img" >>"$T/mkfs.err" 2>&1 &&
    ntfscp -f "$T/windata.img" "$T/winfile" "$WINFILE" >>"$T/mkfs.err" 2>&1
check_eq "mkntfs and ntfscp make a Windows data volume" 0 $?
mkdir -p "$T/cfgtree"
printf 'ticket:\n  lifetime: 2h\n' >"$T/cfgtree/tetherd.yaml"
mkfs.ext4 -q -F -L tethercfg -d "$T/cfgtree" "$T/cfg.img" 4M \
    >>"$T/mkfs.err" 2>&1
check_eq "and a configuration disk" 0 $?
must "cannot make the images"

# 2. The first boot: the set-up script is the guest's first process,
# added to the image as a second cpio archive (the kernel unpacks both).
step "first boot: build LUKS2+LVM, plain LVM and RAID1 in the guest"
mkdir -p "$T/setup"
cat >"$T/setup/drill-setup" <<EOF
#!/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin
export PATH
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /run
mkdir -p /run/lock /run/cryptsetup
exec >/dev/console 2>&1
kver=\$(uname -r)
while read -r ko; do
	insmod "/lib/modules/\$kver/\$ko" 2>/dev/null
done <"/lib/modules/\$kver/load.order"
i=0
while [ ! -b /dev/vdg ] && [ \$i -lt 50 ]; do sleep 0.2; i=\$((i + 1)); done
C='activation{udev_sync=0 udev_rules=0} devices{obtain_device_list_from_udev=0} backup{backup=0 archive=0}'
fail() { echo "drill-setup: failed: \$*"; sync; poweroff -f; }
printf '%s' '$PASS' | cryptsetup luksFormat --batch-mode --type luks2 \
    --label drillcrypt --pbkdf argon2id --pbkdf-memory 32768 \
    --pbkdf-parallel 1 --iter-time 250 --key-file=- /dev/vda ||
    fail luksFormat
printf '%s' '$PASS' | cryptsetup open --key-file=- /dev/vda setup ||
    fail "cryptsetup open"
lvm pvcreate --config "\$C" /dev/mapper/setup &&
    lvm vgcreate --config "\$C" vgcrypt /dev/mapper/setup &&
    lvm lvcreate --config "\$C" -Zn -Wn -n root -l 100%FREE vgcrypt ||
    fail "lvm in luks"
dd if=/dev/vde of=/dev/vgcrypt/root bs=1M conv=fsync 2>/dev/null ||
    fail "dd cryptroot"
lvm vgchange --config "\$C" -an vgcrypt && cryptsetup close setup ||
    fail "close luks"
lvm pvcreate --config "\$C" /dev/vdb &&
    lvm vgcreate --config "\$C" vgplain /dev/vdb &&
    lvm lvcreate --config "\$C" -Zn -Wn -n root -l 100%FREE vgplain ||
    fail "plain lvm"
dd if=/dev/vdf of=/dev/vgplain/root bs=1M conv=fsync 2>/dev/null ||
    fail "dd lvmroot"
lvm vgchange --config "\$C" -an vgplain || fail "vgchange -an vgplain"
mdadm --create /dev/md0 --run --level=1 --raid-devices=2 --metadata=1.2 \
    --assume-clean --name=drillraid /dev/vdc /dev/vdd || fail "mdadm --create"
dd if=/dev/vdg of=/dev/md0 bs=1M conv=fsync 2>/dev/null || fail "dd raidroot"
mdadm --stop /dev/md0 || fail "mdadm --stop"
echo "drill-setup: cryptsetup \$(cryptsetup --version | cut -d' ' -f2)"
cryptsetup --help | grep -q 'bitlkFormat' ||
    echo "drill-setup: bitlocker: cryptsetup cannot format BITLK volumes"
sync
echo "drill-setup: done"
poweroff -f
EOF
chmod 0755 "$T/setup/drill-setup"
(cd "$T/setup" && echo drill-setup | cpio -o -H newc -R 0:0 --quiet) |
    gzip -1 >"$T/setup.cpio.gz"
cat "$IMG/initramfs.cpio.gz" "$T/setup.cpio.gz" >"$T/setup-initrd.gz"
"$QEMU" -nodefaults -m 768 -smp 1 -no-reboot -display none \
    -kernel "$IMG/vmlinuz" -initrd "$T/setup-initrd.gz" \
    -append "console=ttyS0 panic=-1 rdinit=/drill-setup" \
    -drive "file=$T/luks.img,format=raw,if=virtio" \
    -drive "file=$T/lvm.img,format=raw,if=virtio" \
    -drive "file=$T/raida.img,format=raw,if=virtio" \
    -drive "file=$T/raidb.img,format=raw,if=virtio" \
    -drive "file=$T/cryptroot.img,format=raw,if=virtio,readonly=on" \
    -drive "file=$T/lvmroot.img,format=raw,if=virtio,readonly=on" \
    -drive "file=$T/raidroot.img,format=raw,if=virtio,readonly=on" \
    -serial "file:$T/setup.log" >"$T/qemu-setup.err" 2>&1 &
qemu_pid=$!
wait_for "! kill -0 $qemu_pid 2>/dev/null" $((SETUP_WAIT * 10))
kill -0 "$qemu_pid" 2>/dev/null && kill -KILL "$qemu_pid"
qemu_pid=
if grep -q 'drill-setup: done' "$T/setup.log"; then
	ok "the guest made the disks"
else
	not_ok "the guest made the disks"
	sed 's/^/#   /' "$T/qemu-setup.err" "$T/setup.log" | tail -n 30
fi
must "no test disks"
if grep -q 'drill-setup: bitlocker:' "$T/setup.log"; then
	echo "# skip: BitLocker case: $(sed -n 's/.*drill-setup: bitlocker: //p' \
	    "$T/setup.log" | tr -d '\r')"
fi
check "the LUKS disk starts with a LUKS2 header" \
    sh -c 'head -c 6 "$1" | od -An -c | grep -q "L   U   K   S 272 276"' sh \
    "$T/luks.img"

# 3. The second boot: the rescue image as a technician boots it, with the
# second RAID disk gone.
step "boot the rescue image on the disks (one RAID disk removed)"
PORT=$(free_port)
"$QEMU" -nodefaults -m 768 -smp 1 -no-reboot -display none -vga std \
    -kernel "$IMG/vmlinuz" -initrd "$IMG/initramfs.cpio.gz" \
    -append "console=tty0 console=ttyS0 vga=0x318 panic=-1 tether.nomessage tether.debug tether.config=LABEL=tethercfg:/tetherd.yaml" \
    -drive "file=$T/luks.img,format=raw,if=virtio" \
    -drive "file=$T/lvm.img,format=raw,if=virtio" \
    -drive "file=$T/raida.img,format=raw,if=virtio" \
    -drive "file=$T/cfg.img,format=raw,if=virtio,readonly=on" \
    -drive "file=$T/windata.img,format=raw,if=virtio,readonly=on" \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:7022" \
    -device virtio-net-pci,netdev=n0 \
    -serial "file:$T/serial.log" >"$T/qemu.err" 2>&1 &
qemu_pid=$!
if wait_for "grep -q 'Ticket: *[0-9]' '$T/serial.log' 2>/dev/null || ! kill -0 $qemu_pid 2>/dev/null" \
    $((BOOT_WAIT * 10)) && grep -q 'Ticket: *[0-9]' "$T/serial.log"; then
	ok "the guest shows a ticket"
else
	not_ok "the guest shows a ticket"
	sed 's/^/#   /' "$T/qemu.err" "$T/serial.log" 2>/dev/null | tail -n 40
fi
must "no ticket"
TICKET=$(sed -n 's/.*Ticket: *\([0-9-]*\).*/\1/p' "$T/serial.log" | head -n 1)
wait_for "view info >/dev/null 2>&1" 300

# 4. The list: the container locked, LVM and the degraded array found.
step "roots: locked container, plain LVM, degraded RAID1"
view roots >"$T/roots.yaml" 2>"$T/view.err"
check_eq "tether roots exits 0" 0 $?
check_eq "the LUKS disk is listed locked" locked "$(rid vda state)"
check_eq "with health locked" locked "$(rid vda health)"
check_eq "with its label" drillcrypt "$(rid vda label)"
check "with its UUID" sh -c '[ "$(printf %s "$1" | wc -c)" -eq 36 ]' sh \
    "$(rid vda uuid)"
check_eq "and its size" 67108864 "$(rid vda size)"
check_eq "the plain LVM root is found" "Debian GNU/Linux" \
    "$(rid vgplain-root os_name)"
check_eq "and says it is on vgplain/root" vgplain/root \
    "$(rid vgplain-root on)"
check_eq "the RAID1 root is found, degraded" \
    "RAID1 md127 (degraded: 1 of 2 disks)" "$(rid md127 on)"
check_eq "the degraded array is a health problem" \
    "RAID1 md127 degraded: 1 of 2 disks" "$(rid md127 problems.0)"
check_eq "so its health is limited" limited "$(rid md127 health)"
gssh cat /sys/block/md127/md/array_state >"$T/array_state" 2>&1
check_eq "the array is assembled read-only" readonly "$(tr -d '\r' <"$T/array_state")"
check "nothing on the locked disk is listed as a root yet" \
    sh -c '! grep -q "id: vgcrypt-root" "$1"' sh "$T/roots.yaml"
must "the layers were not found"

# 4b. The Windows volume: listed as Windows, not selectable, its files
# read-only where the list says (ntfs-3g: Debian's kernel has no ntfs3).
step "the Windows volume: listed, read-only, its file fetched with sftp"
win=/run/tether/roots/vde
check_eq "the NTFS disk is listed as Windows" "Windows (NTFS)" \
    "$(rid vde os_name)"
check_eq "with its label" WINDATA "$(rid vde label)"
check_eq "its files are at its path" "$win" "$(rid vde path)"
check_eq "and it says it is no root to select" \
    "Windows is not a root to select; its files are read-only at $win" \
    "$(rid vde problems.0)"
check "its size is known" [ "$(rid vde size)" -gt 0 ]
# sftp -b would forbid password authentication: commands on stdin.
printf 'get "%s/%s" %s\n' "$win" "$WINFILE" "$T/winfile.got" |
    timeout 120 sshpass -p "$TICKET" sftp $SSHOPTS -P "$PORT" \
    tether@127.0.0.1 >"$T/sftp.out" 2>&1
check_eq "sftp fetches its file" 0 $?
check "byte for byte" cmp -s "$T/winfile" "$T/winfile.got"
gssh "touch $win/new 2>&1; echo rc=\$?" >"$T/wintouch" 2>&1
check_grep "nothing can be written there" "Read-only file system" \
    "$T/wintouch"
gssh "grep ' $win ' /proc/mounts" >"$T/winmount" 2>&1
check_grep "it is mounted read-only with ntfs-3g" "fuseblk ro," \
    "$T/winmount"
view roots select vde >/dev/null 2>"$T/winsel.err"
check_eq "selecting it is refused" 1 $?
check_grep "and says why" \
    "vde is a Windows volume: Windows is not a root to select" \
    "$T/winsel.err"

# 5. Wrong passphrases with stock ssh: refused, and the third locks.
step "wrong passphrases (stock ssh)"
printf '%s\n' "$WRONG" | gssh roots unlock vda >"$T/u1.out" 2>"$T/u1.err"
check_eq "a wrong passphrase exits 1" 1 $?
check_grep "and says so" "roots: unlock vda: wrong passphrase for vda" \
    "$T/u1.err"
printf '%s\n' "$WRONG" | gssh roots unlock vda >/dev/null 2>"$T/u2.err"
printf '%s\n' "$WRONG" | gssh roots unlock vda >/dev/null 2>"$T/u3.err"
check_grep "the third wrong try within a minute locks the container" \
    "that was the third try within a minute: locked for 60 s" "$T/u3.err"
printf '%s\n' "$PASS" | gssh roots unlock vda >/dev/null 2>"$T/u4.err"
check_grep "then even the right passphrase is refused" \
    "vda is locked after 3 wrong passphrases: try again in" "$T/u4.err"
must "the wrong-passphrase checks failed"
left=$(sed -n 's/.*try again in \([0-9]*\) s.*/\1/p' "$T/u4.err")
echo "# waiting ${left}s for the container's lock to end"
sleep "$((${left:-60} + 1))"

# 6. The viewer: Roots, the locked entry, a hidden passphrase.
step "unlock and select with the viewer"
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "the viewer connects" "key ✔ ticket" 300
keys Down Down
wait_screen "Roots" 50
keys Enter
check_screen "Roots lists the locked container" "vda .*encrypted (LUKS).*locked" 600
check_screen "and the Windows volume" "vde .*Windows (NTFS)"
seek_down 'Windows: its files are on' 8
check_screen "which says where its files are" \
    "Windows: its files are on the Files screen, read-only, at its path."
keys Up Up Up Up Up Up Up Up
sleep 0.3
seek_down 'Enter unlocks it' 8
check_screen "the locked entry says Enter unlocks it" \
    "Enter unlocks it (asks for the passphrase)"
keys Enter
check_screen "Enter asks for the passphrase" "Passphrase for vda (not shown"
keys "$WRONG" Enter
check_screen "a wrong one is refused on the note line" \
    "wrong passphrase for vda" 600
keys Enter
check_screen "it asks again" "Passphrase for vda (not shown"
keys "$PASS"
check "the passphrase is not shown as it is typed" \
    sh -c '! tmux -L "$1" capture-pane -p -t viewer | grep -q "$2"' sh \
    "$TMUX_SOCK" "$PASS"
keys Enter
check_screen "the right one unlocks" "unlocked vda: its roots are listed" 900
check_screen "the root inside is listed" "vgcrypt-ro .*Debian GNU/Linux .*ok .*/dev/mapper/vgcrypt-root" 300
keys Up Up Up Up Up Up Up Up
sleep 0.3
seek_down 'vgcrypt-root: root on' 10
check_screen "and says what it sits on" \
    "vgcrypt-root: root on vgcrypt/root on luks vda (unlocked)"
keys Enter
check_screen "Enter selects it" "selected vgcrypt-root" 600
keys Escape
must "the viewer could not unlock and select"

# 7. The selection, through the CLI: its health, and Startup Repair's
# diagnosis of the root inside the container.
step "the selected root"
view roots >"$T/roots.yaml" 2>"$T/view.err"
check_eq "vgcrypt-root is selected" vgcrypt-root \
    "$("$YGET" "$T/roots.yaml" current)"
check_eq "its health is ok" ok "$(rid vgcrypt-root health)"
check_eq "it is the Debian root inside the container" drill-crypt \
    "$(gssh cat /run/tether/roots/vgcrypt-root/etc/hostname 2>/dev/null)"
check_eq "the container is listed unlocked" unlocked "$(rid vda state)"
if view tools 2>/dev/null | grep -q 'name: diagnose'; then
	view run diagnose </dev/null >"$T/diag.out" 2>&1
	st=$?
	sed 's/^/#   /' "$T/diag.out" | head -n 30
	check "run diagnose runs on the unlocked root (0 or 1: findings)" \
	    [ "$st" -eq 0 -o "$st" -eq 1 ]
	check_grep "its report is about the LV inside the container" \
	    "device: /dev/mapper/vgcrypt-root" "$T/diag.out"
	check_no_grep "and its fstab's LABEL= resolves through LUKS and LVM" \
	    "check: fstab" "$T/diag.out"
else
	echo "# skip: run diagnose: no diagnose tool in this build's catalog"
fi
gssh cat /var/log/tether/audit.log >"$T/audit.log" 2>/dev/null
check_grep "the audit has the wrong tries" "event=unlock id=vda result=wrong" \
    "$T/audit.log"
check_grep "the lockout" "event=unlock-lockout id=vda" "$T/audit.log"
check_grep "the refused try" "event=unlock id=vda result=locked-out" \
    "$T/audit.log"
check_grep "and the unlock" "event=unlock id=vda result=ok" "$T/audit.log"
check_grep "the Windows volume's mount is audited" \
    "event=mount source=/dev/vde target=$win type=ntfs-3g options=ro" \
    "$T/audit.log"
gssh cat /run/tether/roots/layers.yaml >"$T/layers.yaml" 2>/dev/null
check_grep "the layer journal has the container" "crypt luks-" \
    "$T/layers.yaml"
check_grep "its volume group" "lvm vgcrypt" "$T/layers.yaml"
check_grep "and the array" "md md127" "$T/layers.yaml"

# 8. Lock: refused while selected; then release, lock, unlock again
# with the CLI reading the passphrase from stdin.
step "lock and unlock again (CLI)"
view roots lock vda >/dev/null 2>"$T/lock1.err"
check_grep "lock is refused while a root on it is selected" \
    "the selected root sits on vda: release it first" "$T/lock1.err"
view roots release >/dev/null 2>&1
view roots lock vda >"$T/lock.out" 2>"$T/lock2.err"
check_eq "then lock exits 0" 0 $?
view roots >"$T/roots.yaml" 2>/dev/null
check_eq "the container is locked again" locked "$(rid vda state)"
check "and the root inside is gone" \
    sh -c '! grep -q "id: vgcrypt-root" "$1"' sh "$T/roots.yaml"
printf '%s\n' "$PASS" | view roots unlock vda >"$T/unlock.yaml" 2>"$T/unlock.err"
check_eq "tether roots unlock reads the passphrase from stdin" 0 $?
check_eq "and names the root inside" vgcrypt-root \
    "$("$YGET" "$T/unlock.yaml" roots.0)"

# 8b. A root on the array, selected read-write: the array, assembled
# read-only, is switched to read-write first.
step "select the RAID1 root read-write"
view roots select md127 --rw >/dev/null 2>"$T/selrw.err"
check_eq "roots select md127 --rw exits 0" 0 $?
gssh cat /sys/block/md127/md/array_state >"$T/array_state" 2>&1
check "the array is read-write now" \
    sh -c '! grep -q "readonly" "$1" && grep -q "clean\|active" "$1"' sh \
    "$T/array_state"
view roots release >/dev/null 2>&1
check_eq "and released" 0 $?

# 9. A console session, so a recording exists; then no file of the
# agent's holds the passphrase: the log dir, the recordings, the state.
step "the passphrase is in no file of the agent's"
viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "the viewer connects again" "key ✔ ticket" 300
keys Enter
shell_line 'echo console-was-$((1 + 1))-here'
check_screen "a console session runs" "console-was-2-here" 300
shell_line 'exit'
wait_screen "the shell ended" 100
gssh 'ls /var/log/tether/sessions' >"$T/sessions" 2>&1
check "a recording was made" test -s "$T/sessions"
printf '%s\n' "$PASS" | gssh 'grep -rlF -f /proc/self/fd/0 /var/log/tether /run/tether /etc/tether; echo "grep=$?"' \
    >"$T/grep.out" 2>&1
check_grep "grep ran over the log dir, recordings and state" "grep=1" \
    "$T/grep.out"
check_eq "and found the passphrase in no file" "grep=1" "$(cat "$T/grep.out")"
check "nor is it on the guest's console (debug log included)" \
    sh -c '! grep -qF "$1" "$2"' sh "$PASS" "$T/serial.log"

# 10. End: the agent closes the container, the volume groups and the
# array after the mounts, and the guest powers off.
step "end: every layer closed, power-off"
view end >"$T/end.out" 2>&1
check_eq "tether end exits 0" 0 $?
if wait_for "! kill -0 $qemu_pid 2>/dev/null" $((OFF_WAIT * 10)); then
	ok "the guest powered off"
	qemu_pid=
else
	not_ok "the guest powered off"
fi
check_grep "the agent closed the container at the end" "closed crypt luks-" \
    "$T/serial.log"
check_grep "its volume group" "closed lvm vgcrypt" "$T/serial.log"
check_grep "and the array" "closed md md127" "$T/serial.log"
check "the container closed after its volume group" sh -c '
	a=$(grep -n "closed lvm vgcrypt" "$1" | head -n 1 | cut -d: -f1)
	b=$(grep -n "closed crypt luks-" "$1" | head -n 1 | cut -d: -f1)
	[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]' sh "$T/serial.log"
check "the passphrase never reached the console" \
    sh -c '! grep -qF "$1" "$2"' sh "$PASS" "$T/serial.log"
drill_finish
