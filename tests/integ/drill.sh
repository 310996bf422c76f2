#!/bin/sh
# The recovery drill (make drill): a broken Debian disk made without root
# privileges, the rescue image booted on it under qemu (software
# emulation), and a repair from this host through the viewer: roots, two
# drivers loaded for disks the boot left without one (by name, and from a
# .ko file on a stick), select and its diagnosis, the crash log, a new
# password for alice, end; then the disk is read back. Every wait is bounded and qemu is killed on any way out.
# The guest sees only qemu's user network, which forwards one port on
# 127.0.0.1 to its tetherd: nothing reaches or leaves the host otherwise.
. "$(dirname "$0")/lib.sh"

IMG=$BUILD/rescue
QEMU=${QEMU:-qemu-system-x86_64}
BOOT_WAIT=${DRILL_BOOT_WAIT:-180}	# seconds for the ticket to show
OFF_WAIT=${DRILL_OFF_WAIT:-60}		# seconds for the power-off after end
# shellcheck disable=SC2016 # a crypt hash, not an expansion
OLD_HASH='$6$drillsalt0123456$ttqVFZ3B7UddDFGhA9ub/dS/FUOSlYR0xbBPZn/JuQf3vGdpUZw1Pd0tU2gj3PB7I4.fZuPbAFwnAipV1jzwc/'
BAD_UUID=0bad0bad-dead-beef-0000-000000000000
OOPS='BUG: unable to handle page fault for address: ffffdead0000beef'
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

# Time per step, on stdout as comments.
t_step=$(date +%s)
step_name=
step() {
	now=$(date +%s)
	[ -n "$step_name" ] && echo "# time: $step_name $((now - t_step))s"
	step_name=$1
	t_step=$now
	[ -n "$1" ] && echo "# step: $1"
}

# The summary line, and the status: as finish does, plus the count.
drill_finish() {
	step ""
	echo "# time: whole drill $(($(date +%s) - t0))s"
	echo "$passes passed, $failures failed"
	[ "$failures" -eq 0 ]
	exit $?
}

# Stop at once when a step cannot go on: the rest would only time out.
must() {
	if [ "$failures" -gt 0 ]; then
		not_ok "drill stopped: $1"
		drill_finish
	fi
}

view() {
	timeout 120 "$TETHER" --ticket "$TICKET" --ip 127.0.0.1 --port "$PORT" "$@"
}

# make drill runs this outside tests/run.sh, so it counts for itself.
passes=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }

t0=$(date +%s)
step "prerequisites"
for p in "$QEMU" mkfs.ext4 sfdisk debugfs python3; do
	check "$p is installed (make deps)" sh -c 'command -v "$1" >/dev/null' \
	    sh "$p"
done
check "the rescue image is built (make rescue-image)" \
    test -s "$IMG/initramfs.cpio.gz" -a -s "$IMG/vmlinuz"
must "missing prerequisites"

# 1. A Debian-like root with a known hash for alice and a planted oops,
# as ext4 made by mkfs.ext4 -d, then put on a DOS partition table.
step "make the broken disk (no root privileges)"
tree=$T/tree
mkdir -p "$tree/etc" "$tree/boot" "$tree/var/lib/dpkg" "$tree/var/log" \
    "$tree/var/crash" "$tree/home/alice" "$tree/dev" "$tree/proc" \
    "$tree/sys" "$tree/run" "$tree/tmp"
printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION="12 (bookworm)"\nID=debian\n' \
    >"$tree/etc/os-release"
printf 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\nbob:x:1001:1001::/home/bob:/bin/bash\n' \
    >"$tree/etc/passwd"
printf 'root:x:0:\nalice:x:1000:\nbob:x:1001:\n' >"$tree/etc/group"
printf 'root:*:19000:0:99999:7:::\nalice:%s:19000:0:99999:7:::\nbob:!:19000:0:99999:7:::\n' \
    "$OLD_HASH" >"$tree/etc/shadow"
# The fault diagnose must name: /home on a UUID that is on no disk, as a
# disk swapped or reformatted leaves it; the boot stops waiting for it.
printf 'LABEL=drillroot / ext4 errors=remount-ro 0 1\ntmpfs /tmp tmpfs defaults 0 0\nUUID=%s /home ext4 defaults 0 2\n' \
    "$BAD_UUID" >"$tree/etc/fstab"
mkdir -p "$tree/sbin" "$tree/bin"
printf '#!/bin/sh\n' >"$tree/bin/bash"
chmod 755 "$tree/bin/bash"
ln -s /bin/bash "$tree/sbin/init"
: >"$tree/boot/vmlinuz-6.1.0-13-amd64"
: >"$tree/boot/initrd.img-6.1.0-13-amd64"
printf 'Package: base-files\nStatus: install ok installed\nVersion: 12.4+deb12u5\n\nPackage: passwd\nStatus: install ok installed\nVersion: 1:4.13+dfsg1-1\n' \
    >"$tree/var/lib/dpkg/status"
printf 'Nov 25 23:59:01 drill kernel: [  812.004211] %s\nNov 25 23:59:01 drill kernel: [  812.004230] Oops: 0002 [#1] PREEMPT SMP NOPTI\nNov 25 23:59:01 drill kernel: [  812.004262] RIP: 0010:drill_planted+0x1d/0x40\n' \
    "$OOPS" >"$tree/var/log/syslog"
cp "$tree/etc/shadow" "$T/shadow.before"
mkfs.ext4 -q -F -L drillroot -d "$tree" "$T/part.img" 24M >"$T/mkfs.err" 2>&1
check_eq "mkfs.ext4 -d makes the root filesystem" 0 $?
sectors=$(($(wc -c <"$T/part.img") / 512))
truncate -s $(((2048 + sectors) * 512)) "$T/disk.img"
printf 'label: dos\nstart=2048, size=%d, type=83\n' "$sectors" |
    sfdisk -q "$T/disk.img" >"$T/sfdisk.err" 2>&1
check_eq "sfdisk writes a partition table on the image" 0 $?
dd if="$T/part.img" of="$T/disk.img" bs=512 seek=2048 conv=notrunc \
    status=none
check_eq "the filesystem is the first partition" \
    "$(sfdisk -d "$T/disk.img" | grep -c 'start= *2048, size= *'"$sectors")" 1
# A second disk holds the configuration that tether.config= names.
mkdir -p "$T/cfgtree"
printf 'ticket:\n  lifetime: 2h\n' >"$T/cfgtree/tetherd.yaml"
mkfs.ext4 -q -F -L tethercfg -d "$T/cfgtree" "$T/cfg.img" 4M \
    >>"$T/mkfs.err" 2>&1
check_eq "and a configuration disk" 0 $?
# A third disk on a virtio-scsi controller whose module the boot leaves
# out (tether.noload=virtio_scsi): its root shows only after Load Drivers.
mkdir -p "$T/scsitree/etc"
printf 'NAME="SCSI Linux"\nVERSION_ID="1"\n' >"$T/scsitree/etc/os-release"
mkfs.ext4 -q -F -L scsiroot -d "$T/scsitree" "$T/scsi.img" 4M \
    >>"$T/mkfs.err" 2>&1
check_eq "and a disk for the virtio-scsi controller" 0 $?
# A fourth on a VMware PVSCSI controller, whose module the image does not
# have at all, and a stick with that module as a file: Load Drivers from
# a .ko, as a technician brings one. The module is the host kernel's, which
# is the image's (make rescue-image takes its modules from /lib/modules).
mkdir -p "$T/pvtree/etc" "$T/stick"
printf 'NAME="PV Linux"\nVERSION_ID="1"\n' >"$T/pvtree/etc/os-release"
mkfs.ext4 -q -F -L pvroot -d "$T/pvtree" "$T/pv.img" 4M \
    >>"$T/mkfs.err" 2>&1
check_eq "and a disk for the PVSCSI controller" 0 $?
PVKO=/lib/modules/$(cat "$IMG/kernel.version" 2>/dev/null)/kernel/drivers/scsi/vmw_pvscsi.ko
cp "$PVKO" "$T/stick/" 2>>"$T/mkfs.err"
check "the image's kernel has vmw_pvscsi.ko on this host" test -s \
    "$T/stick/vmw_pvscsi.ko"
mkfs.ext4 -q -F -L drvstick -d "$T/stick" "$T/stick.img" 8M \
    >>"$T/mkfs.err" 2>&1
check_eq "and a stick with the module on it" 0 $?
must "cannot make the disk images"

# 2. Boot. -nodefaults: no NIC, disk or serial but those given here.
step "boot the rescue image under qemu"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$QEMU" -nodefaults -m 512 -smp 1 -no-reboot -display none -vga std \
    -kernel "$IMG/vmlinuz" -initrd "$IMG/initramfs.cpio.gz" \
    -append "console=tty0 console=ttyS0 vga=0x318 panic=-1 tether.nomessage tether.noload=virtio_scsi tether.keymap=us tether.config=LABEL=tethercfg:/tetherd.yaml" \
    -drive "file=$T/disk.img,format=raw,if=virtio" \
    -drive "file=$T/cfg.img,format=raw,if=virtio,readonly=on" \
    -drive "file=$T/stick.img,format=raw,if=virtio,readonly=on" \
    -device virtio-scsi-pci,id=scsi0 \
    -drive "file=$T/scsi.img,format=raw,if=none,id=sd0" \
    -device scsi-hd,drive=sd0,bus=scsi0.0 \
    -device pvscsi,id=pv0 \
    -drive "file=$T/pv.img,format=raw,if=none,id=pd0" \
    -device scsi-hd,drive=pd0,bus=pv0.0 \
    -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$PORT-:7022" \
    -device virtio-net-pci,netdev=n0 \
    -serial "file:$T/serial.log" >"$T/qemu.err" 2>&1 &
qemu_pid=$!

# 3. The ticket, from the serial console.
step "read the ticket from the serial console"
if wait_for "grep -q 'Ticket: *[0-9]' '$T/serial.log' 2>/dev/null || ! kill -0 $qemu_pid 2>/dev/null" \
    $((BOOT_WAIT * 10)) && grep -q 'Ticket: *[0-9]' "$T/serial.log"; then
	ok "the guest shows a ticket on its serial console"
else
	not_ok "the guest shows a ticket on its serial console"
	sed 's/^/#   /' "$T/qemu.err" "$T/serial.log" 2>/dev/null | tail -n 40
fi
must "no ticket"
TICKET=$(sed -n 's/.*Ticket: *\([0-9-]*\).*/\1/p' "$T/serial.log" | head -n 1)
check_grep "the agent says where its configuration came from" \
    "configuration from /dev/vdb:/tetherd.yaml" "$T/serial.log"
check_grep "and uses it (tether.config=): the ticket lasts 2h" "(in 2h)" \
    "$T/serial.log"
check_grep "NetStart got a DHCP lease" "eth0: 10.0.2.15/24 from DHCP" \
    "$T/serial.log"
check_grep "tether.keymap=us set the console's layout with loadkmap" \
    "tetherd: keyboard: console layout us" "$T/serial.log"

# 4. The repair, from the host, with the viewer's command forms.
step "tether roots"
view roots >"$T/roots.yaml" 2>"$T/view.err"
check_eq "tether roots exits 0" 0 $?
y() { "$YGET" "$T/roots.yaml" "$1" 2>/dev/null; }
check_eq "the disk's root is vda1" vda1 "$(y roots.0.id)"
check_eq "it is Debian" "Debian GNU/Linux" "$(y roots.0.os_name)"
check_eq "its health is ok" ok "$(y roots.0.health)"
check_eq "the configuration disk is no root" "" "$(y roots.1.id)"
must "the root was not found"

step "tether run drivers, then drivers-load virtio_scsi"
check_no_grep "the disk on virtio-scsi is no root yet" "id: sda" \
    "$T/roots.yaml"
view run drivers </dev/null >"$T/drivers.yaml" 2>&1
check_eq "run drivers exits 0" 0 $?
sed 's/^/#   /' "$T/drivers.yaml"
check_grep "it lists the controller with the module that binds it" \
    "module: virtio_scsi" "$T/drivers.yaml"
view run drivers-load virtio_scsi </dev/null >"$T/load.yaml" 2>&1
check_eq "run drivers-load virtio_scsi exits 0" 0 $?
sed 's/^/#   /' "$T/load.yaml"
check_grep "and names the disk that appeared" "device: /dev/sda" \
    "$T/load.yaml"
view roots >"$T/roots2.yaml" 2>"$T/view.err"
check_grep "the next roots scan has its root" "id: sda" "$T/roots2.yaml"
check_grep "with its system" "os_name: SCSI Linux" "$T/roots2.yaml"

step "tether run drivers-load /run/stick/vmw_pvscsi.ko, from a stick"
# The listing's entry for the PVSCSI controller (VMware 15ad:07c0).
grep -A2 'modalias: pci:v000015ADd000007C0' "$T/drivers.yaml" >"$T/pv.yaml"
check_grep "the PVSCSI controller was listed with the module that binds it" \
    "module: vmw_pvscsi" "$T/pv.yaml"
check_grep "and that the image does not have it" "in_image: false" \
    "$T/pv.yaml"
check_no_grep "and its disk is no root yet" "PV Linux" "$T/roots2.yaml"
# The stick is mounted in the console, as the technician would.
SSHPASS=$TICKET timeout 60 sshpass -e ssh -F /dev/null \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o PubkeyAuthentication=no -o LogLevel=ERROR -p "$PORT" \
    tether@127.0.0.1 'mkdir -p /run/stick &&
    mount -t ext4 -o ro /dev/vdc /run/stick && ls /run/stick' \
    >"$T/stick.out" 2>&1
check_grep "stock ssh mounts the stick in the console" "vmw_pvscsi.ko" \
    "$T/stick.out"
view run drivers-load /run/stick/nothing.ko </dev/null >"$T/ko0.out" 2>&1
check_eq "a .ko path that is not there is refused (exit 1)" 1 $?
check_grep "and says so" "nothing.ko: No such file" "$T/ko0.out"
view run drivers-load /run/stick/vmw_pvscsi.ko </dev/null >"$T/ko.yaml" 2>&1
check_eq "run drivers-load PATH.ko exits 0" 0 $?
sed 's/^/#   /' "$T/ko.yaml"
check_grep "it loaded the file" "loaded: /run/stick/vmw_pvscsi.ko" \
    "$T/ko.yaml"
check_grep "and names the disk that appeared" "device: /dev/sdb" \
    "$T/ko.yaml"
view roots >"$T/roots3.yaml" 2>"$T/view.err"
check_grep "the next roots scan has its system" "os_name: PV Linux" \
    "$T/roots3.yaml"

step "tether roots select vda1 --rw"
view roots select vda1 --rw >"$T/sel.yaml" 2>"$T/view.err"
check_eq "roots select exits 0" 0 $?
check_eq "and selects vda1" vda1 "$("$YGET" "$T/sel.yaml" selected)"

step "the diagnosis that follows the selection"
d() { "$YGET" "$T/sel.yaml" "diagnosis.$1" 2>/dev/null; }
sed -n '/^diagnosis:/,$p' "$T/sel.yaml" | sed 's/^/#   /'
check_eq "diagnose names the fault: /home's UUID is on no disk" \
    "UUID=$BAD_UUID (/home) is not on any disk: the boot stops waiting for it (nofail would let it go on)" \
    "$(d findings.0.what)"
check_eq "with its fstab line" \
    "etc/fstab:3: UUID=$BAD_UUID /home ext4 defaults" \
    "$(d findings.0.evidence)"
check_eq "and the fix: the edit tool on etc/fstab" "run edit etc/fstab" \
    "$(d findings.0.fix.command)"
check_grep "and the planted oops as the last boot's crash" \
    "evidence: 'var/log/syslog:2: .*Oops: 0002 \[#1\]" "$T/sel.yaml"
view run diagnose </dev/null >"$T/diag.out" 2>&1
check_eq "run diagnose exits 1 (an error found)" 1 $?
check_grep "and names the same fault" "UUID=$BAD_UUID /home" "$T/diag.out"

step "tether run keyboard"
view run keyboard us </dev/null >"$T/kb.out" 2>&1
check_eq "run keyboard us exits 0" 0 $?
check_grep "and says the layout is us" "the local console's layout is now us" \
    "$T/kb.out"
view run keyboard zz </dev/null >"$T/kb2.out" 2>&1
check_eq "run keyboard of a layout the image lacks exits 1" 1 $?
check_grep "and names those it has" 'no keymap "zz" (this system has: .*us' \
    "$T/kb2.out"

step "tether run crash"
view run crash </dev/null >"$T/crash.out" 2>&1
check_eq "run crash exits 0" 0 $?
check_grep "run crash shows the planted oops" "$OOPS" "$T/crash.out"

step "tether run setpass alice"
printf 'New-Passw0rd\n' | view run setpass alice >"$T/setpass.out" 2>&1
check_eq "run setpass alice exits 0" 0 $?
printf 'x\n' | view run setpass nosuchuser >"$T/setpass2.out" 2>&1
check "run setpass of an unknown user fails" [ $? -ne 0 ]

# 5. The framebuffer (vesafb, 1024x768 at 24 bpp) and the text console.
step "tether snapshot"
view snapshot -o "$T/fb.png" </dev/null >"$T/snap.out" 2>&1
check_eq "snapshot exits 0" 0 $?
check "the snapshot is a PNG of 1024x768" python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read(24)
assert b[:8] == b"\x89PNG\r\n\x1a\n"
assert struct.unpack(">II", b[16:24]) == (1024, 768)' "$T/fb.png"
view snapshot vc1 --format txt -o "$T/vc1.txt" </dev/null >>"$T/snap.out" 2>&1
check_eq "snapshot vc1 exits 0" 0 $?
sed 's/^/#   /' "$T/snap.out"
sed 's/^/#   vc1: /' "$T/vc1.txt" | grep -v '^#   vc1: *$' | tail -n 5
check "the text console has the kernel's lines" \
    grep -q 'EXT4-fs (vda1)' "$T/vc1.txt"

# 6. End: the agent stops, the guest's tetherd wait had returned, and
# /init powers the machine off.
step "tether end, and the guest powers off"
view end >"$T/end.out" 2>&1
check_eq "tether end exits 0" 0 $?
check_grep "and the agent says it ends the session" "ending the remote session" \
    "$T/end.out"
if wait_for "! kill -0 $qemu_pid 2>/dev/null" $((OFF_WAIT * 10)); then
	ok "the guest powered off"
	qemu_pid=
else
	not_ok "the guest powered off"
	tail -n 20 "$T/serial.log" | sed 's/^/#   /'
fi
check_grep "the guest's tetherd wait returned 0" "tetherd wait: 0" \
    "$T/serial.log"
check_grep "and /init powered off when tetherd ended" \
    "tetherd ended (0); powering off" "$T/serial.log"
must "the guest did not end"

# 7. The disk, read back on the host: alice's hash, and nothing else.
step "read /etc/shadow back with debugfs"
dd if="$T/disk.img" of="$T/after.img" bs=512 skip=2048 count="$sectors" \
    status=none
debugfs -R 'cat /etc/shadow' "$T/after.img" >"$T/shadow.after" 2>"$T/debugfs.err"
check_eq "debugfs reads /etc/shadow" 3 "$(wc -l <"$T/shadow.after")"
new=$(awk -F: '$1 == "alice" { print $2 }' "$T/shadow.after")
check "alice's hash has changed" [ "$new" != "$OLD_HASH" ]
check "to a SHA-512 crypt of the new password" python3 -c '
import crypt, sys, warnings
warnings.simplefilter("ignore")
sys.exit(crypt.crypt("New-Passw0rd", sys.argv[1]) != sys.argv[1])' "$new" \
    2>/dev/null
# chpasswd sets the day of the last change too, as passwd does.
check_eq "nothing else in the file has changed" \
    "$(awk -F: -v OFS=: '$1 == "alice" { $2 = "H"; $3 = "D" } 1' "$T/shadow.before")" \
    "$(awk -F: -v OFS=: '$1 == "alice" { $2 = "H"; $3 = "D" } 1' "$T/shadow.after")"
check "the filesystem is clean" e2fsck -fn "$T/after.img" >/dev/null 2>&1

drill_finish
