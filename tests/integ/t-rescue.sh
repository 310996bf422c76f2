#!/bin/sh
# The rescue system's pieces that need no virtual machine: the recovery
# entry's grub.d script and tetherd rescue-next-boot against a boot
# directory of the test's own; the ticket before the host key ("starting"
# in connection.yaml); an address that comes after the start, in a network
# namespace the test makes, reaching connection.yaml and the status screen.
. "$(dirname "$0")/lib.sh"

GRUBD=$top/config/rescue/42_tether-rescue

# 1. 42_tether-rescue.
mkdir -p "$T/boot/tether" "$T/boot/grub"
TETHER_RESCUE_DIR=$T/boot/tether TETHER_RESCUE_DEFAULTS=/dev/null \
    sh "$GRUBD" >"$T/none.cfg" 2>"$T/none.err"
check_eq "without the rescue system, no entry" "" "$(cat "$T/none.cfg")"
check_grep "and it says why" "no .*/vmlinuz or initramfs.cpio.gz" "$T/none.err"
: >"$T/boot/tether/vmlinuz"
: >"$T/boot/tether/initramfs.cpio.gz"
TETHER_RESCUE_DIR=$T/boot/tether TETHER_RESCUE_DEFAULTS=/dev/null \
    sh "$GRUBD" >"$T/entry.cfg" 2>/dev/null
check_grep "with it, the entry" \
    "menuentry 'tether remote recovery' --id tether-recovery" "$T/entry.cfg"
check_no_grep "which asks for consent by default" "tether.nomessage" \
    "$T/entry.cfg"
printf 'TETHER_RESCUE_NOMESSAGE=yes\nTETHER_RESCUE_CMDLINE="ip=192.0.2.9:::255.255.255.0::eth0:off"\n' \
    >"$T/defaults"
TETHER_RESCUE_DIR=$T/boot/tether TETHER_RESCUE_DEFAULTS=$T/defaults \
    sh "$GRUBD" >"$T/nomsg.cfg" 2>/dev/null
check_grep "/etc/default/tether-rescue sets tether.nomessage and more words" \
    "linux \$tether_dir/vmlinuz .* tether.nomessage ip=192.0.2.9:::255.255.255.0::eth0:off" \
    "$T/nomsg.cfg"
printf 'TETHER_RESCUE_ENABLE=no\n' >"$T/off"
TETHER_RESCUE_DIR=$T/boot/tether TETHER_RESCUE_DEFAULTS=$T/off \
    sh "$GRUBD" >"$T/off.cfg" 2>/dev/null
check_eq "and TETHER_RESCUE_ENABLE=no leaves it out" "" "$(cat "$T/off.cfg")"

# 2. tetherd rescue-next-boot.
printf "menuentry 'Debian GNU/Linux' --id debian {\n}\n" >"$T/boot/grub/grub.cfg"
"$TETHERD" rescue-next-boot --boot-directory "$T/boot" >"$T/n1.out" 2>&1
check_eq "rescue-next-boot without the entry exits 1" 1 $?
check_grep "and says to run update-grub" \
    "no tether remote recovery entry in $T/boot/grub/grub.cfg.*update-grub" \
    "$T/n1.out"
check "and leaves grubenv alone" test ! -e "$T/boot/grub/grubenv"
cat "$T/entry.cfg" >>"$T/boot/grub/grub.cfg"
"$TETHERD" rescue-next-boot --boot-directory "$T/boot" >"$T/n2.out" 2>&1
check_eq "rescue-next-boot with the entry exits 0" 0 $?
check_grep "and says to restart" "Restart the computer now" "$T/n2.out"
check_eq "grubenv names the entry for the next boot" \
    "next_entry=tether-recovery" \
    "$(grub-editenv "$T/boot/grub/grubenv" list 2>&1)"
mkdir -p "$T/emptybin"
PATH=$T/emptybin "$TETHERD" rescue-next-boot --boot-directory "$T/boot" \
    >"$T/n3.out" 2>&1
check_eq "without grub-reboot it exits 1" 1 $?
check_grep "naming the package" "no grub-reboot (apt-get install grub2-common)" \
    "$T/n3.out"
"$TETHERD" rescue-next-boot --boot-directory "$T/nosuch" >"$T/n4.out" 2>&1
check_eq "a boot directory without grub.cfg: exit 1" 1 $?
check_grep "naming the file" "$T/nosuch/grub/grub.cfg" "$T/n4.out"
"$TETHERD" rescue-next-boot extra >"$T/n5.out" 2>&1
check_eq "a stray argument: usage, exit 2" 2 $?

# 3. The ticket first, and an address that comes late, in a network
# namespace of this test's own with one veth interface and no address.
S=$T/ns/state
mkdir -p "$T/ns"
unshare -n sh -c 'ip link set lo up && ip link add v0 type veth peer name v1 &&
    ip link set v0 up && exec "$0" -p 0 --no-message --state-dir "$1" \
    --log-dir "$2"' "$TETHERD" "$S" "$T/ns/logs" \
    >"$T/ns/out" 2>"$T/ns/log" </dev/null &
NSPID=$!
agents="$agents $NSPID"
wait_for "grep -q '^state: waiting' '$S/connection.yaml' 2>/dev/null" 100
check_grep "the agent in the namespace is up" "^state: waiting" \
    "$S/connection.yaml"
check_grep "the status screen showed the ticket before the host key" \
    "Host key: *being made" "$T/ns/out"
check_grep "then the key" "Host key: *SHA256:.* (ready)" "$T/ns/out"
check_grep "with no address yet, it says so" "IP address: *no address yet" \
    "$T/ns/out"
check_grep "and how to set one" \
    "ip=ADDRESS::GATEWAY:NETMASK::INTERFACE:off on the kernel command line" \
    "$T/ns/out"
check_eq "connection.yaml has no address" "" \
    "$("$YGET" "$S/connection.yaml" ips.0 2>/dev/null)"
# The child of unshare is tetherd itself (exec): enter its namespace.
nsenter -t "$NSPID" -n ip addr add 192.0.2.77/24 dev v0
check "an address comes to v0 after the start" \
    wait_for "[ \"\$('$YGET' '$S/connection.yaml' ips.0 2>/dev/null)\" = 192.0.2.77 ]" 100
# connection.yaml is written before the screen is drawn again.
check "and the status screen shows it" \
    wait_for "grep -q 'IP address: *192.0.2.77' '$T/ns/out'" 50
nsenter -t "$NSPID" -n ip addr del 192.0.2.77/24 dev v0
check "it goes from connection.yaml when the address goes" \
    wait_for "[ -z \"\$('$YGET' '$S/connection.yaml' ips.0 2>/dev/null)\" ]" 100
kill -TERM "$NSPID"
check "the agent ends on SIGTERM" wait_for "! kill -0 $NSPID 2>/dev/null" 100

finish
