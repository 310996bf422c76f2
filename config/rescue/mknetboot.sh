#!/bin/sh
# Build the network boot tree (make rescue-netboot): BUILD/rescue/netboot/,
# for any TFTP server's root.
#   boot.ipxe           the iPXE script (BIOS, or any iPXE client)
#   undionly.kpxe       iPXE for a BIOS PXE ROM that is not iPXE (from
#                       Debian's ipxe package, when installed)
#   bootx64.efi         UEFI: Debian's signed shim, which loads
#   grubx64.efi         Debian's signed GRUB for the network
#                       (grubnetx64.efi.signed); it reads grub/grub.cfg
#                       from the same server (its built-in prefix is /grub)
#   tether/vmlinuz, tether/initramfs.cpio.gz  the rescue system
# usage: mknetboot.sh BUILD VERSION
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
VERSION=${2:-0}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
out=$BUILD/rescue
tree=$out/netboot

SHIM=/usr/lib/shim/shimx64.efi.signed
MOK=/usr/lib/shim/mmx64.efi.signed
GRUBNET=/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed
UNDI=/usr/lib/ipxe/undionly.kpxe

die() { echo "mknetboot: $*" >&2; exit 1; }
needfile() { [ -e "$1" ] || die "no $1 (apt-get install $2, or make deps)"; }

needfile "$SHIM" shim-signed
needfile "$MOK" shim-signed
needfile "$GRUBNET" grub-efi-amd64-signed
for f in vmlinuz initramfs.cpio.gz; do
	[ -s "$out/$f" ] || die "$out/$f: build it first (make rescue-image)"
done

rm -rf "$tree"
mkdir -p "$tree/grub" "$tree/tether"
cp "$out/vmlinuz" "$out/initramfs.cpio.gz" "$tree/tether/"
cp "$SHIM" "$tree/bootx64.efi"
cp "$GRUBNET" "$tree/grubx64.efi"
cp "$MOK" "$tree/mmx64.efi"
if [ -e "$UNDI" ]; then
	cp "$UNDI" "$tree/"
else
	echo "mknetboot: no $UNDI: a BIOS PXE ROM that is not iPXE needs it" \
	    "(apt-get install ipxe)" >&2
fi
sed -e "s|@KERNEL@|/tether/vmlinuz|g" -e "s|@INITRD@|/tether/initramfs.cpio.gz|g" \
    -e "s|@VERSION@|$VERSION|g" "$top/config/rescue/grub.cfg" \
    >"$tree/grub/grub.cfg"
# iPXE fetches the files from where it found the script.
cat >"$tree/boot.ipxe" <<EOF
#!ipxe
# tether rescue $VERSION: the rescue system over TFTP or HTTP. Add
# tether.nomessage, tether.network=none or ip=... to the kernel line.
echo loading the tether rescue system
kernel tether/vmlinuz initrd=initramfs.cpio.gz console=tty0 console=ttyS0,115200 vga=0x318 quiet
initrd tether/initramfs.cpio.gz
boot
EOF
echo "rescue netboot tree: $tree"
