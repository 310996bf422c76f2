#!/bin/sh
# Load Drivers through the real binary: tetherd drivers on a sysfs tree
# made here lists the unbound devices with the module that binds each;
# drivers load refuses a bad name, a file that is no module, and, when
# the kernel is locked down, a module without a signature, saying why.
# Nothing is loaded into this machine's kernel. (The drill loads
# virtio_scsi for real under qemu.)
. "$(dirname "$0")/lib.sh"

sys=$T/sys
mod=$T/mod
mkdir -p "$sys/bus/virtio/devices/virtio1" "$sys/bus/pci/devices/0000:00:03.0" \
    "$sys/class/block/vda" "$sys/kernel/security" "$mod/kernel/drivers/scsi"
echo 'virtio:d00000008v00001AF4' >"$sys/bus/virtio/devices/virtio1/modalias"
echo 'pci:v00001AF4d00001004sv00001AF4sd00000008bc01sc00i00' \
    >"$sys/bus/pci/devices/0000:00:03.0/modalias"
ln -s ../../../bus/pci/drivers/virtio-pci "$sys/bus/pci/devices/0000:00:03.0/driver"
printf 'alias virtio:d00000008v* virtio_scsi\nalias pci:v00001AF4d00001004sv*sd*bc*sc*i* virtio_pci\n' \
    >"$mod/modules.alias"
printf 'kernel/drivers/scsi/virtio_scsi.ko: kernel/drivers/scsi/scsi_mod.ko\n' \
    >"$mod/modules.dep"
: >"$mod/kernel/drivers/scsi/virtio_scsi.ko"

"$TETHERD" drivers -s "$sys" -m "$mod" >"$T/list.yaml" 2>"$T/list.err"
check_eq "tetherd drivers exits 0" 0 $?
y() { "$YGET" "$T/list.yaml" "$1" 2>/dev/null; }
check_eq "it lists the one unbound device" virtio1 "$(y unbound.0.device)"
check_eq "on its bus" virtio "$(y unbound.0.bus)"
check_eq "with the module that would bind it" virtio_scsi "$(y unbound.0.module)"
check_eq "which the image has" true "$(y unbound.0.in_image)"
check_eq "and not the bound PCI device" "" "$(y unbound.1.device)"
rm "$mod/kernel/drivers/scsi/virtio_scsi.ko"
"$TETHERD" drivers -s "$sys" -m "$mod" >"$T/list.yaml" 2>&1
check_eq "a module the image lacks is said so" false "$(y unbound.0.in_image)"

"$TETHERD" drivers -s "$sys" load 'virtio scsi' >"$T/bad.out" 2>&1
check_eq "a bad module name is a usage error (exit 2)" 2 $?
check_grep "and says so" 'bad module name "virtio scsi"' "$T/bad.out"
echo 'not a module' >"$T/fake.ko"
"$TETHERD" drivers -s "$sys" load "$T/fake.ko" >"$T/fake.out" 2>&1
check_eq "a .ko that is no module is refused (exit 1)" 1 $?
check_grep "as modinfo says" "is not a kernel module" "$T/fake.out"

# A real module of some Debian kernel, and a copy with its signature cut.
ko=$(find /lib/modules "$BUILD/rescue/kernel" -name 'virtio_scsi.ko' 2>/dev/null | head -n 1)
if [ -n "$ko" ] && tail -c 28 "$ko" | grep -q 'Module signature appended'; then
	python3 - "$ko" "$T/unsigned.ko" <<'EOF_PY'
import sys
data = open(sys.argv[1], "rb").read()
siglen = int.from_bytes(data[-40:-28][8:12], "big")
open(sys.argv[2], "wb").write(data[:-(40 + siglen)])
EOF_PY
	echo 'none [integrity] confidentiality' >"$sys/kernel/security/lockdown"
	"$TETHERD" drivers -s "$sys" load "$T/unsigned.ko" >"$T/lock.out" 2>&1
	check_eq "locked down, an unsigned module is refused (exit 1)" 1 $?
	check_grep "and the tool says so plainly" \
	    "unsigned.ko is not signed, and the kernel is locked down (Secure Boot): it loads only modules signed with a key it trusts" \
	    "$T/lock.out"
	magic=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	if [ "$magic" != "$(uname -r)" ]; then
		"$TETHERD" drivers -s "$sys" load "$ko" >"$T/signed.out" 2>&1
		check_eq "the signed one passes that check, and is refused for another kernel" \
		    1 $?
		check_grep "with the kernel it is for" \
		    "is built for kernel $magic, and this one is $(uname -r)" \
		    "$T/signed.out"
		# Only for another kernel: nothing may load into this one.
		echo '[none] integrity confidentiality' \
		    >"$sys/kernel/security/lockdown"
		"$TETHERD" drivers -s "$sys" load "$T/unsigned.ko" \
		    >"$T/nolock.out" 2>&1
		check_grep "not locked down, the signature is not asked for" \
		    "is built for kernel $magic" "$T/nolock.out"
	fi
else
	echo "# no signed virtio_scsi.ko on this machine: the lockdown checks need one (make rescue-image fetches a kernel)"
	not_ok "a signed kernel module to test the lockdown refusal with"
fi

# Through the catalog.
cat >"$T/conf.yaml" <<EOF2
tools: [$top/config/tools.yaml]
roots:
  scan: false
EOF2
start_agent -f "$T/conf.yaml"
agent_ssh run drivers >"$T/run.yaml" 2>"$T/run.err"
check_eq "run drivers exits 0" 0 $?
check_grep "and lists this machine's unbound devices" "^unbound:" "$T/run.yaml"
agent_ssh run drivers-load "'../x'" >"$T/run2.out" 2>&1
check_eq "drivers-load checks its argument against its pattern (exit 2)" 2 $?
check_grep "the audit has the drivers tool" "event=tool session=[0-9a-f]* name=drivers" \
    "$AGENT_DIR/logs/audit.log"

finish
