#!/bin/sh
# Boot the rescue media under qemu (software emulation) and check each
# route reaches the ticket on the serial console, and a technician can
# log in through it (make boot-test, make boot-test-all).
#   sh tests/integ/boot.sh [ci | all | ROUTE...]
# ci (the default) boots the ISO from a CD under SeaBIOS and under OVMF
# with Secure Boot enforced; all boots every route. BOOT_ROUNDS=N boots
# each route N times and gives the minimum, median and maximum of the
# times /init prints. The guest sees only qemu's user network; the one
# port forwarded to its tetherd is on 127.0.0.1 and picked at run time.
. "$(dirname "$0")/lib.sh"

IMG=$BUILD/rescue
ISO=$IMG/tether-rescue.iso
QEMU=${QEMU:-qemu-system-x86_64}
OVMF=${OVMF:-/usr/share/OVMF}
BOOT_WAIT=${BOOT_WAIT:-240}	# seconds for a boot to get connectable
ROUNDS=${BOOT_ROUNDS:-1}
PROBE="python3 $top/tests/integ/bootprobe.py"
probe_pid=
UNTIL='connectable at\|tetherd ended'
passes=0
ok() { echo "ok - $*"; passes=$((passes + 1)); }

case ${1:-ci} in
ci) routes="iso-cd-bios iso-cd-secureboot" ;;
all) routes="iso-cd-bios iso-cd-secureboot iso-disk-bios iso-disk-uefi
    iso-nonet iso-static netboot-bios netboot-uefi recovery" ;;
*) routes=$* ;;
esac

# shellcheck disable=SC2317 # called by the trap
boot_cleanup() {
	_brc=$?
	[ -n "$probe_pid" ] && kill -TERM "$probe_pid" 2>/dev/null
	# cleanup keeps the directory of a test that failed, by $?.
	(exit $_brc)
	cleanup
}
trap boot_cleanup EXIT

freeport() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# boot NAME PROBE-OPTIONS... -- QEMU-ARGS...: start qemu under the probe,
# wait until the log has $UNTIL (by default: /init says the machine is
# connectable, or tetherd ended) or qemu ended, and set TICKET, SHOWN and
# CONNECTABLE from the serial log.
boot() {
	name=$1
	shift
	LOG=$T/$name.log
	rm -f "$LOG"
	t_start=$(date +%s)
	$PROBE "$LOG" "$BOOT_WAIT" "$@" &
	probe_pid=$!
	wait_for "grep -aq '$UNTIL' '$LOG' 2>/dev/null || ! kill -0 $probe_pid 2>/dev/null" \
	    $((BOOT_WAIT * 10))
	# The rest of the screen after the line, for the address checks.
	sleep 1
	t_wall=$(($(date +%s) - t_start))
	TICKET=$(sed -n 's/.*Ticket: *\([0-9-]*\).*/\1/p' "$LOG" | head -n 1)
	SHOWN=$(sed -n 's/.*tether-init: ticket shown at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n 1)
	CONNECTABLE=$(sed -n 's/.*tether-init: connectable at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n 1)
	INIT=$(sed -n 's/.*tether-init: started at \([0-9.]*\) s.*/\1/p' "$LOG" | head -n 1)
	echo "# $name: /init at ${INIT:-?} s, ticket shown at ${SHOWN:-?} s," \
	    "connectable at ${CONNECTABLE:-?} s of uptime; ${t_wall} s wall"
	echo "$name ${INIT:-x} ${SHOWN:-x} ${CONNECTABLE:-x} $t_wall" >>"$T/times"
}

# The serial log, without terminal escapes, for a failed check.
show_log() {
	sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g' "$LOG" | tr -d '\r' | tr -c '[:print:]\n' ' ' |
	    grep -v '^ *$' | tail -n "${1:-25}" | sed 's/^/#   /'
	sed 's/^/#   qemu: /' "$LOG.qemu" 2>/dev/null
}

# End the boot; its serial log stays in BUILD/rescue/boot-logs.
unboot() {
	kill -TERM "$probe_pid" 2>/dev/null
	wait "$probe_pid" 2>/dev/null
	probe_pid=
	mkdir -p "$IMG/boot-logs"
	cp "$LOG" "$IMG/boot-logs/$name.log"
}

# guest COMMAND: run it in the guest over SSH, the ticket as password.
guest() {
	timeout 60 sshpass -p "$TICKET" ssh $SSHOPTS -p "$PORT" tether@127.0.0.1 "$1"
}

check_ticket() {
	if [ -n "$TICKET" ]; then
		ok "$1: the ticket is on the serial console"
	else
		not_ok "$1: the ticket is on the serial console"
		show_log
	fi
}

check_login() {
	out=$(guest 'cat /proc/cmdline; uname -r' 2>&1)
	if echo "$out" | grep -q "$2"; then
		ok "$1: a login with the ticket runs a command in the guest"
	else
		not_ok "$1: a login with the ticket runs a command in the guest"
		echo "$out" | sed 's/^/#   /'
		show_log 10
	fi
}

check_menu() {
	check_grep "$1: the menu has the default entry" \
	    "tether remote rescue $VERSION" "$LOG"
	check_grep "$1: the menu has a no network entry" \
	    "tether remote rescue, no network" "$LOG"
	check_grep "$1: the menu has a static address entry" \
	    "static address (press e to set it)" "$LOG"
	check_grep "$1: the default boots after 3 s" \
	    "executed automatically in 3s" "$LOG"
}

# Which piece of the signed chain stopped, from what the firmware, shim,
# GRUB and the kernel say when a signature is refused.
sb_culprit() {
	if grep -aq 'Access Denied' "$LOG"; then
		echo "shim (EFI/BOOT/BOOTX64.EFI) refused by the firmware"
	elif grep -aq 'Verification failed\|Security Violation' "$LOG"; then
		echo "GRUB (EFI/BOOT/grubx64.efi) refused by shim"
	elif grep -aq 'bad shim signature\|invalid signature' "$LOG"; then
		echo "the kernel (/tether/vmlinuz) refused by GRUB"
	elif grep -aq 'Loading of unsigned module\|Key was rejected' "$LOG"; then
		echo "a kernel module refused by the kernel"
	else
		echo "no signature error in the log"
	fi
}

base_args() {
	echo "-nodefaults -m 512 -smp 1 -no-reboot -display none -vga std"
}
# net [GUEST-ADDRESS [NETDEV-OPTIONS [DEVICE-OPTIONS]]]
net() {
	echo "-netdev user,id=n0,restrict=on,hostfwd=tcp:127.0.0.1:$PORT-${1:-}:7022${2:-} -device virtio-net-pci,netdev=n0${3:-}"
}

route_iso_cd_bios() {
	PORT=$(freeport)
	# shellcheck disable=SC2046
	boot iso-cd-bios --answer -- $QEMU $(base_args) -cdrom "$ISO" $(net)
	check_menu iso-cd-bios
	check_ticket iso-cd-bios
	check_login iso-cd-bios 'console=ttyS0'
	unboot
}

route_iso_cd_secureboot() {
	cp "$OVMF/OVMF_VARS_4M.ms.fd" "$T/vars.fd"
	PORT=$(freeport)
	# shellcheck disable=SC2046
	boot iso-cd-secureboot --answer -- $QEMU $(base_args) \
	    -machine q35,smm=on \
	    -global driver=cfi.pflash01,property=secure,value=on \
	    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF/OVMF_CODE_4M.secboot.fd" \
	    -drive if=pflash,format=raw,unit=1,file="$T/vars.fd" \
	    -cdrom "$ISO" $(net)
	if [ -n "$TICKET" ]; then
		ok "iso-cd-secureboot: the ticket is on the serial console"
	else
		not_ok "iso-cd-secureboot: the ticket is on the serial console"
		echo "# the chain stopped at: $(sb_culprit)"
		show_log
	fi
	check_menu iso-cd-secureboot
	out=$(guest 'od -An -tu1 /sys/firmware/efi/efivars/SecureBoot-*; cat /sys/kernel/security/lockdown' 2>&1)
	sb=$(echo "$out" | head -n 1 | awk '{ print $NF }')
	check_eq "iso-cd-secureboot: the guest's SecureBoot variable reads 1" 1 "$sb"
	if echo "$out" | grep -q '\[integrity\]\|\[confidentiality\]'; then
		ok "iso-cd-secureboot: the kernel is locked down ($(echo "$out" | tail -n 1))"
	else
		not_ok "iso-cd-secureboot: the kernel is locked down"
		echo "$out" | sed 's/^/#   /'
	fi
	unboot
}

# A USB stick is the same bytes as the ISO, seen as a disk.
route_iso_disk_bios() {
	PORT=$(freeport)
	# shellcheck disable=SC2046
	boot iso-disk-bios --answer -- $QEMU $(base_args) \
	    -drive file="$ISO",format=raw,snapshot=on $(net)
	check_ticket iso-disk-bios
	check_login iso-disk-bios 'console=ttyS0'
	unboot
}

route_iso_disk_uefi() {
	cp "$OVMF/OVMF_VARS_4M.fd" "$T/vars.fd"
	PORT=$(freeport)
	# shellcheck disable=SC2046
	boot iso-disk-uefi --answer -- $QEMU $(base_args) -machine q35 \
	    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF/OVMF_CODE_4M.fd" \
	    -drive if=pflash,format=raw,unit=1,file="$T/vars.fd" \
	    -drive file="$ISO",format=raw,snapshot=on $(net)
	check_ticket iso-disk-uefi
	check_login iso-disk-uefi 'console=ttyS0'
	unboot
}

# The menu's "no network" entry: the ticket shows all the same, and the
# status screen says there is no address and how to set one.
route_iso_nonet() {
	PORT=$(freeport)
	UNTIL='(ready)\|tetherd ended'
	# shellcheck disable=SC2046
	boot iso-nonet --answer --menu down,enter -- $QEMU $(base_args) \
	    -cdrom "$ISO" $(net)
	UNTIL='connectable at\|tetherd ended'
	check_ticket iso-nonet
	check_grep "iso-nonet: /init leaves the network alone" \
	    "tether-init: no network (tether.network=none" "$LOG"
	check_grep "iso-nonet: the status screen says there is no address yet" \
	    "no address yet" "$LOG"
	check_grep "iso-nonet: and how to set one" \
	    "ip=ADDRESS::GATEWAY:NETMASK::INTERFACE:off" "$LOG"
	check_no_grep "iso-nonet: no DHCP" "from DHCP" "$LOG"
	unboot
}

# The menu's "static address" entry: chosen as it is, it explains; edited
# as it says, the guest has that address and is reached on it.
route_iso_static() {
	PORT=$(freeport)
	addr='10.0.2.50::10.0.2.2:255.255.255.0::eth0:off'
	# shellcheck disable=SC2046
	boot iso-static --answer --menu \
	    "down,down,enter,wait:press Ctrl-x to boot,enter,wait:to edit the commands,up,up,down,down,e,down,ctrl-k,text:set addr=\"$addr\",ctrl-x" \
	    -- $QEMU $(base_args) -cdrom "$ISO" $(net 10.0.2.50)
	check_grep "iso-static: the entry explains how to set ip=" \
	    "A static address is set on the kernel command line with ip=" "$LOG"
	check_ticket iso-static
	check_grep "iso-static: /init sets the address from ip=" \
	    "eth0: 10.0.2.50/24 from ip= on the kernel command line" "$LOG"
	check_no_grep "iso-static: no DHCP" "from DHCP" "$LOG"
	check_login iso-static 'ip=10.0.2.50::10.0.2.2:255.255.255.0::eth0:off'
	unboot
}

# PXE under SeaBIOS: qemu's network ROM is iPXE, which runs boot.ipxe
# from qemu's TFTP server.
route_netboot_bios() {
	PORT=$(freeport)
	# shellcheck disable=SC2046
	boot netboot-bios --answer -- $QEMU $(base_args) -boot n \
	    $(net "" ",tftp=$IMG/netboot,bootfile=boot.ipxe")
	check_ticket netboot-bios
	# initrd= is on boot.ipxe's kernel line alone.
	check_login netboot-bios 'initrd=initramfs.cpio.gz console=tty0'
	unboot
}

# PXE under OVMF with Secure Boot on: the firmware's own network driver
# (qemu's iPXE ROM is not signed), shim as the boot file, which loads the
# network GRUB from the same server, which reads grub/grub.cfg there.
route_netboot_uefi() {
	cp "$OVMF/OVMF_VARS_4M.ms.fd" "$T/vars.fd"
	PORT=$(freeport)
	# shellcheck disable=SC2046
	boot netboot-uefi --answer -- $QEMU $(base_args) -boot n \
	    -machine q35,smm=on \
	    -global driver=cfi.pflash01,property=secure,value=on \
	    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF/OVMF_CODE_4M.secboot.fd" \
	    -drive if=pflash,format=raw,unit=1,file="$T/vars.fd" \
	    $(net "" ",tftp=$IMG/netboot,bootfile=bootx64.efi" ",romfile=")
	check_menu netboot-uefi
	if [ -n "$TICKET" ]; then
		ok "netboot-uefi: the ticket is on the serial console"
	else
		not_ok "netboot-uefi: the ticket is on the serial console"
		echo "# the chain stopped at: $(sb_culprit)"
		show_log
	fi
	out=$(guest 'cat /sys/kernel/security/lockdown' 2>&1)
	if echo "$out" | grep -q '\[integrity\]\|\[confidentiality\]'; then
		ok "netboot-uefi: Secure Boot on: the kernel is locked down"
	else
		not_ok "netboot-uefi: Secure Boot on: the kernel is locked down"
		echo "$out" | sed 's/^/#   /'
	fi
	unboot
}

# The recovery entry on the machine's own disk, as a package installs it:
# the rescue system in /boot/tether, grub.cfg made of GRUB's own header
# (/etc/grub.d/00_header), a system's entry first and the entry of
# 42_tether-rescue; tetherd rescue-next-boot sets it for the next boot
# in the disk's grubenv. The ESP (mkfs.vfat, mcopy) holds Debian's signed
# shim and GRUB, as grub-install puts them; the root is made by
# mkfs.ext4 -d: no loop device, no mount. It boots under OVMF with Secure
# Boot on, into the recovery entry, and that only once.
route_recovery() {
	d=$T/recovery
	tree=$d/root
	rm -rf "$d"
	mkdir -p "$tree/boot/tether" "$tree/boot/grub" "$tree/etc/default"
	cp "$IMG/vmlinuz" "$IMG/initramfs.cpio.gz" "$tree/boot/tether/"
	# The serial console is for this test to read the screen.
	printf 'TETHER_RESCUE_NOMESSAGE=yes\nTETHER_RESCUE_CMDLINE="console=ttyS0,115200"\n' \
	    >"$tree/etc/default/tether-rescue"
	uuid=$(python3 -c 'import uuid; print(uuid.uuid4())')
	{
		pkgdatadir=/usr/share/grub GRUB_TERMINAL=console GRUB_DEFAULT=0 \
		    GRUB_TIMEOUT=2 sh /etc/grub.d/00_header
		printf "menuentry 'Debian GNU/Linux' --id debian {\n\techo 'the system of this disk (none here)'\n\tsleep 600\n}\n"
		TETHER_RESCUE_DIR=$tree/boot/tether \
		    TETHER_RESCUE_DEFAULTS=$tree/etc/default/tether-rescue \
		    sh "$top/config/rescue/42_tether-rescue"
	} >"$tree/boot/grub/grub.cfg" 2>"$d/mkconfig.err"
	check_grep "recovery: 42_tether-rescue adds the entry" \
	    "menuentry 'tether remote recovery' --id tether-recovery" \
	    "$tree/boot/grub/grub.cfg"
	check_grep "recovery: with the words of /etc/default/tether-rescue" \
	    "quiet tether.nomessage console=ttyS0,115200" "$tree/boot/grub/grub.cfg"
	"$TETHERD" rescue-next-boot --boot-directory "$tree/boot" \
	    >"$d/next.out" 2>"$d/next.err"
	check_eq "recovery: tetherd rescue-next-boot exits 0" 0 $?
	check_eq "recovery: and sets next_entry in grubenv" \
	    "next_entry=tether-recovery" \
	    "$(grub-editenv "$tree/boot/grub/grubenv" list 2>/dev/null)"
	mkfs.ext4 -q -F -U "$uuid" -L tetherroot -d "$tree" "$d/root.img" 96M \
	    >"$d/mkfs.err" 2>&1
	check_eq "recovery: mkfs.ext4 -d makes the root" 0 $?
	mkfs.vfat -C -n ESP "$d/esp.img" 16384 >/dev/null 2>&1
	printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n' \
	    "$uuid" >"$d/esp-grub.cfg"
	mmd -i "$d/esp.img" ::/EFI ::/EFI/BOOT ::/EFI/debian &&
	    mcopy -i "$d/esp.img" /usr/lib/shim/shimx64.efi.signed ::/EFI/BOOT/BOOTX64.EFI &&
	    mcopy -i "$d/esp.img" /usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed ::/EFI/BOOT/grubx64.efi &&
	    mcopy -i "$d/esp.img" "$d/esp-grub.cfg" ::/EFI/debian/grub.cfg
	check_eq "recovery: mkfs.vfat and mcopy make the ESP" 0 $?
	esz=$(($(wc -c <"$d/esp.img") / 512))
	rsz=$(($(wc -c <"$d/root.img") / 512))
	truncate -s $(((2048 + esz + rsz + 2048) * 512)) "$d/disk.img"
	printf 'label: gpt\nstart=2048, size=%d, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B\nstart=%d, size=%d, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n' \
	    "$esz" $((2048 + esz)) "$rsz" | sfdisk -q "$d/disk.img" >"$d/sfdisk.err" 2>&1
	dd if="$d/esp.img" of="$d/disk.img" bs=512 seek=2048 conv=notrunc status=none
	dd if="$d/root.img" of="$d/disk.img" bs=512 seek=$((2048 + esz)) conv=notrunc status=none
	cp "$OVMF/OVMF_VARS_4M.ms.fd" "$T/vars.fd"
	PORT=$(freeport)
	# shellcheck disable=SC2046
	boot recovery -- $QEMU $(base_args) -machine q35,smm=on \
	    -global driver=cfi.pflash01,property=secure,value=on \
	    -drive if=pflash,format=raw,unit=0,readonly=on,file="$OVMF/OVMF_CODE_4M.secboot.fd" \
	    -drive if=pflash,format=raw,unit=1,file="$T/vars.fd" \
	    -drive file="$d/disk.img",format=raw,if=virtio $(net)
	check_grep "recovery: GRUB starts the recovery entry" \
	    "loading tether remote recovery" "$LOG"
	check_ticket recovery
	check_no_grep "recovery: no consent question (tether.nomessage)" \
	    "Allow remote connection" "$LOG"
	check_login recovery 'tether.nomessage'
	unboot
	# The next boot is the system's again: GRUB cleared next_entry.
	dd if="$d/disk.img" of="$d/root.after" bs=512 skip=$((2048 + esz)) \
	    count="$rsz" status=none
	debugfs -R 'cat /boot/grub/grubenv' "$d/root.after" >"$d/grubenv.after" 2>/dev/null
	check "recovery: the boot cleared next_entry (once only)" \
	    grep -q '^next_entry=$' "$d/grubenv.after"
}

# min/median/max of column $2 of the times file for route $1.
spread() {
	awk -v r="$1" -v c="$2" '$1 == r && $c != "x" { print $c }' "$T/times" |
	    sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) { print "none"; exit }
	    printf "%s/%s/%s (%d boots)", v[1], v[int((NR + 1) / 2)], v[NR], NR }'
}

t0=$(date +%s)
check "the ISO is built (make rescue-iso)" test -s "$ISO"
case $routes in *netboot*)
	check "the netboot tree is built (make rescue-netboot)" \
	    test -s "$IMG/netboot/boot.ipxe" ;;
esac
for p in "$QEMU" sshpass python3; do
	check "$p is installed (make deps)" sh -c 'command -v "$1" >/dev/null' \
	    sh "$p"
done
VERSION=$(sed -n 's/^tether rescue //p' "$IMG/iso/.disk/info" 2>/dev/null)
if [ "$failures" -eq 0 ]; then
	for r in $routes; do
		fn=route_$(echo "$r" | tr - _)
		if ! command -v "$fn" >/dev/null 2>&1; then
			not_ok "no route $r"
			continue
		fi
		i=0
		while [ $i -lt "$ROUNDS" ]; do
			"$fn"
			i=$((i + 1))
		done
		echo "# time: $r: /init $(spread "$r" 2), ticket $(spread "$r" 3)," \
		    "connectable $(spread "$r" 4) s uptime (min/median/max);" \
		    "wall $(spread "$r" 5) s"
	done
fi
echo "# time: boot test $(($(date +%s) - t0))s"
echo "$passes passed, $failures failed"
[ "$failures" -eq 0 ]
