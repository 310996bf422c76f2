#!/bin/sh
# Build the hybrid rescue ISO (make rescue-iso): BUILD/rescue/tether-rescue.iso
# from the rescue image (mkimage.sh). The same bytes boot
#   - as a CD under BIOS (El Torito, GRUB for i386-pc),
#   - as a disk under BIOS (a USB stick written with dd: GRUB's hybrid MBR),
#   - under UEFI from either, with Secure Boot on: an El Torito EFI image,
#     also a partition of the disk, holding Debian's signed shim as
#     BOOTX64.EFI and Debian's signed GRUB for optical media (gcdx64) as
#     grubx64.efi; the kernel is Debian's signed one.
# Debian's signed GRUB has a built-in prefix of /boot/grub and an early
# config in its memdisk that, when $prefix does not exist on the boot
# device, searches for the file /.disk/info and uses ($root)/boot/grub;
# then it sources $prefix/x86_64-efi/grub.cfg, else $prefix/grub.cfg.
# The EFI image carries a /boot/grub/grub.cfg that finds this ISO by its
# UUID, so another disk with a /.disk/info cannot take over.
# usage: mkiso.sh BUILD VERSION
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
VERSION=${2:-0}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
out=$BUILD/rescue
tree=$out/iso
iso=$out/tether-rescue.iso

SHIM=/usr/lib/shim/shimx64.efi.signed
MOK=/usr/lib/shim/mmx64.efi.signed
GRUBEFI=/usr/lib/grub/x86_64-efi-signed/gcdx64.efi.signed
GRUBPC=/usr/lib/grub/i386-pc

die() { echo "mkiso: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "no $1 (apt-get install $2, or make deps)"; }
needfile() { [ -e "$1" ] || die "no $1 (apt-get install $2, or make deps)"; }

need xorriso xorriso
need mcopy mtools
need mmd mtools
need mkfs.vfat dosfstools
need grub-mkimage grub-common
needfile "$GRUBPC/boot_hybrid.img" grub-pc-bin
needfile "$SHIM" shim-signed
needfile "$MOK" shim-signed
needfile "$GRUBEFI" grub-efi-amd64-signed
for f in vmlinuz initramfs.cpio.gz; do
	[ -s "$out/$f" ] || die "$out/$f: build it first (make rescue-image)"
done

# The ISO's UUID as GRUB reads it comes from its modification date, so fix
# that date and derive the UUID from it (as grub-mkrescue does).
stamp=$(date -u +%Y%m%d%H%M%S)00
uuid=$(echo "$stamp" | sed 's/^\(....\)\(..\)\(..\)\(..\)\(..\)\(..\)\(..\)$/\1-\2-\3-\4-\5-\6-\7/')

rm -rf "$tree"
mkdir -p "$tree/.disk" "$tree/boot/grub/i386-pc" "$tree/tether"
echo "tether rescue $VERSION" >"$tree/.disk/info"
cp "$out/vmlinuz" "$out/initramfs.cpio.gz" "$tree/tether/"
sed -e "s|@KERNEL@|/tether/vmlinuz|g" -e "s|@INITRD@|/tether/initramfs.cpio.gz|g" \
    -e "s|@VERSION@|$VERSION|g" "$top/config/rescue/grub.cfg" \
    >"$tree/boot/grub/grub.cfg"

# BIOS: GRUB's El Torito core finds this ISO by UUID whether it was
# started from the CD or from the hybrid MBR of a stick.
cp "$GRUBPC"/*.mod "$GRUBPC"/*.lst "$tree/boot/grub/i386-pc/"
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\n' \
    "$uuid" >"$out/load.cfg"
grub-mkimage -O i386-pc-eltorito -d "$GRUBPC" -p /boot/grub \
    -c "$out/load.cfg" -o "$tree/boot/grub/i386-pc/eltorito.img" \
    biosdisk iso9660 part_msdos part_gpt search search_fs_uuid configfile \
    normal

# UEFI: the EFI system partition image, made without mounting anything.
esp=$tree/boot/grub/efi.img
printf 'search --no-floppy --fs-uuid --set=root %s\nset prefix=($root)/boot/grub\nconfigfile $prefix/grub.cfg\n' \
    "$uuid" >"$out/efi-grub.cfg"
kb=$(( ($(wc -c <"$SHIM") + $(wc -c <"$MOK") + $(wc -c <"$GRUBEFI")) / 1024 + 1024 ))
rm -f "$esp"
mkfs.vfat -C -n TETHER_EFI "$esp" "$kb" >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT ::/boot ::/boot/grub
mcopy -i "$esp" "$SHIM" ::/EFI/BOOT/BOOTX64.EFI
mcopy -i "$esp" "$GRUBEFI" ::/EFI/BOOT/grubx64.efi
mcopy -i "$esp" "$MOK" ::/EFI/BOOT/mmx64.efi
mcopy -i "$esp" "$out/efi-grub.cfg" ::/boot/grub/grub.cfg

xorriso -as mkisofs -quiet -graft-points --modification-date="$stamp" \
    -V TETHER_RESCUE \
    -b boot/grub/i386-pc/eltorito.img -no-emul-boot -boot-load-size 4 \
    -boot-info-table --grub2-boot-info \
    --grub2-mbr "$GRUBPC/boot_hybrid.img" \
    --efi-boot boot/grub/efi.img -efi-boot-part --efi-boot-image \
    --protective-msdos-label \
    -o "$iso.tmp" -r "$tree" 2>"$out/xorriso.log" ||
    { cat "$out/xorriso.log" >&2; die "xorriso failed"; }
mv "$iso.tmp" "$iso"
echo "rescue ISO: $iso ($(wc -c <"$iso") bytes, UUID $uuid)"
