#!/bin/sh
# Build the rescue image (make rescue-image): BUILD/rescue/initramfs.cpio.gz
# and the kernel next to it as BUILD/rescue/vmlinuz. The kernel and its
# modules come from Debian's linux-image-amd64, unpacked under BUILD/rescue
# (never installed) unless that kernel is the installed one; busybox-static
# gives the shell and the small tools; tetherd, sftp-server and the catalog's
# tools come from this machine with the libraries ldd names.
# usage: mkimage.sh BUILD
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
out=$BUILD/rescue
stage=$out/root
YGET=$BUILD/tests/yget

# Modules the image loads (their dependencies come along): virtio disks and
# network for virtual machines; SATA, NVMe, USB storage and common NICs
# for real ones; the filesystems a Linux root lives on, and vfat for a
# tether.config stick; device-mapper, dm-crypt with XTS and the kernel
# crypto API that cryptsetup uses, and md RAID1, for roots on LVM, LUKS
# and software RAID; fuse, for ntfs-3g, which reads Windows volumes
# (Debian's kernel has no ntfs3); efivarfs, to read and repair boot
# entries and to see Secure Boot's state. The framebuffer console needs none: vesafb and
# fbcon are built into Debian's kernel.
MODULES=${RESCUE_MODULES:-"virtio_pci virtio_blk virtio_net virtio_scsi
    ext4 crc32c_generic crc32c_intel xfs btrfs vfat nls_cp437 nls_ascii
    nls_utf8 ahci sd_mod nvme xhci_pci ehci_pci usb_storage uas
    e1000 e1000e r8169 igb efivarfs
    dm_mod dm_crypt ecb xts algif_skcipher md_mod raid1 fuse"}
# Programs beyond the catalog's that repair work wants, when present.
EXTRA="e2fsck fsck.ext2 fsck.ext3 fsck.ext4 fsck.vfat xfs_repair chpasswd
    blkid lsblk wipefs sfdisk findmnt journalctl dumpe2fs cryptsetup lvm
    mdadm ntfs-3g"
TERMS="linux vt100 vt102 vt220 xterm xterm-256color screen screen-256color
    tmux tmux-256color"

# Console keymaps built in, for tether.keymap= and the keyboard tool:
# layout and the console-data names to look for, first found wins.
KEYMAPS="us:us uk:uk,gb de:de-latin1-nodeadkeys,de-latin1,de fr:fr-latin9,fr-latin1,fr
    es:es it:it dk:dk-latin1,dk no:no-latin1,no se:se-latin1,sv-latin1
    fi:fi-latin1,fi"

die() { echo "mkimage: $*" >&2; exit 1; }

# The kernel: that of the installed linux-image-amd64 (the package build
# depends on it, so it never downloads), else apt's linux-image-amd64,
# installed or unpacked under $out/kernel (downloaded once).
kernel() {
	kpkg=$(dpkg-query -W -f='${db:Status-Abbrev} ${Depends}\n' \
	    linux-image-amd64 2>/dev/null | sed -n 's/^ii *//p' | tr ',' '\n' |
	    sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n 1)
	[ -n "$kpkg" ] || kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	    awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$kpkg" ] || die "apt-cache knows no linux-image-amd64 (apt-get update?)"
	kver=${kpkg#linux-image-}
	if [ -f "/boot/vmlinuz-$kver" ] && [ -d "/lib/modules/$kver/kernel" ]; then
		kroot=
		return
	fi
	kroot=$out/kernel
	if [ ! -f "$kroot/boot/vmlinuz-$kver" ]; then
		# The package build (debian/rules) downloads nothing.
		[ -z "${RESCUE_OFFLINE:-}" ] ||
		    die "$kpkg is not installed, and RESCUE_OFFLINE is set"
		rm -rf "$kroot" "$out/deb"
		mkdir -p "$out/deb"
		(cd "$out/deb" && apt-get download "$kpkg") ||
		    die "cannot download $kpkg"
		dpkg-deb -x "$out/deb/${kpkg}"_*.deb "$kroot"
		rm -rf "$out/deb"
	fi
	# The package leaves modules.dep to depmod at installation.
	if [ ! -s "$kroot/lib/modules/$kver/modules.dep" ]; then
		if command -v depmod >/dev/null; then
			depmod -b "$kroot" "$kver"
		else
			busybox depmod -b "$kroot" "$kver"
		fi
	fi
}

# Each module of $MODULES after its dependencies, as paths relative to
# the module directory: a depth-first walk over modules.dep.
module_order() {
	awk -v want="$(echo "$MODULES" | tr '\n' ' ')" '
	function name(p) { sub(/.*\//, "", p); sub(/\.ko.*$/, "", p)
	    gsub(/-/, "_", p); return p }
	function visit(m,   n, d, i) {
		if (m in done) return
		done[m] = 1
		n = split(deps[m], d, " ")
		for (i = 1; i <= n; i++) visit(name(d[i]))
		print path[m]
	}
	{ p = $1; sub(/:$/, "", p); m = name(p); path[m] = p
	  $1 = ""; deps[m] = $0 }
	END { n = split(want, w, " ")
	    for (i = 1; i <= n; i++) {
		m = w[i]; gsub(/-/, "_", m)
		if (m in path) visit(m)
		else print "mkimage: no module " m > "/dev/stderr"
	    } }' "$1/modules.dep"
}

modules() {
	mdir=$kroot/lib/modules/$kver
	dst=$stage/lib/modules/$kver
	mkdir -p "$dst"
	module_order "$mdir" >"$dst/load.order"
	while read -r ko; do
		mkdir -p "$dst/$(dirname "$ko")"
		cp "$mdir/$ko" "$dst/$ko"
	done <"$dst/load.order"
	# The indexes too (modules.alias for "drivers" and for /init, which
	# loads the modules of the devices present; the .bin ones for kmod's
	# modprobe).
	cp "$mdir"/modules.* "$dst/" 2>/dev/null || :
}

# copy_bin SRC [DEST]: a program and every library ldd names, each at the
# path it has here (so the dynamic loader finds them where ldd did).
copy_bin() {
	dst=$stage${2:-$1}
	mkdir -p "$(dirname "$dst")"
	rm -f "$dst"
	cp -L "$1" "$dst"
	ldd "$1" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++)
	    if ($i ~ /^\//) print $i }' | while read -r lib; do
		[ -e "$stage$lib" ] && continue
		mkdir -p "$stage$(dirname "$lib")"
		cp -L "$lib" "$stage$lib"
	done
}

# which NAME: the program here, with sbin in the path as root has it.
which_bin() {
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	    command -v "$1" 2>/dev/null | grep '^/' || return 1
}

# The programs the catalog runs: every needs: entry and every command's
# first word, read with yget (the project's own YAML reader).
catalog_programs() {
	i=0
	while [ $i -lt 256 ]; do
		"$YGET" "$top/config/tools.yaml" "tools.$i.name" >/dev/null \
		    2>&1 || break
		"$YGET" "$top/config/tools.yaml" "tools.$i.needs" 2>/dev/null || :
		"$YGET" "$top/config/tools.yaml" "tools.$i.command.0"
		i=$((i + 1))
	done | sort -u
}

layout() {
	rm -rf "$stage"
	mkdir -p "$stage/usr/bin" "$stage/usr/sbin" "$stage/usr/lib" \
	    "$stage/usr/lib64" "$stage/usr/share/udhcpc" "$stage/etc/tether/tools.d" \
	    "$stage/proc" "$stage/sys" "$stage/dev" "$stage/run" "$stage/tmp" \
	    "$stage/root" "$stage/var/log" "$stage/mnt"
	# Debian's merged /usr, so ldd's paths and the image's agree.
	for d in bin sbin lib lib64; do
		ln -s "usr/$d" "$stage/$d"
	done
	chmod 1777 "$stage/tmp"
	chmod 0700 "$stage/root"
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$stage/etc/passwd"
	printf 'root:x:0:\ntty:x:5:\n' >"$stage/etc/group"
	printf 'root:*:0:0:99999:7:::\n' >"$stage/etc/shadow"
	chmod 0600 "$stage/etc/shadow"
	echo tether-rescue >"$stage/etc/hostname"
	ln -s ../proc/self/mounts "$stage/etc/mtab"
	: >"$stage/etc/resolv.conf"
	# shellcheck disable=SC2016 # expanded by the image's shell
	printf 'export PS1="rescue# "\nexport TERM=${TERM:-linux}\n' \
	    >"$stage/etc/profile"
}

busybox_applets() {
	bb=$(which_bin busybox) || die "no busybox (apt-get install busybox-static)"
	ldd "$bb" >/dev/null 2>&1 && die "$bb is not static: install busybox-static"
	cp "$bb" "$stage/usr/bin/busybox"
	for a in $("$bb" --list-full); do
		a=/${a#/}
		case $a in /bin/* | /sbin/*) a=/usr$a ;; esac
		[ -e "$stage$a" ] || [ -L "$stage$a" ] ||
		    ln -s /usr/bin/busybox "$stage$a"
	done
}

programs() {
	copy_bin "$BUILD/tetherd" /usr/sbin/tetherd
	sftp=
	for p in /usr/lib/openssh/sftp-server /usr/libexec/openssh/sftp-server; do
		[ -x "$p" ] && { sftp=$p; break; }
	done
	[ -n "$sftp" ] || die "no sftp-server (apt-get install openssh-sftp-server)"
	copy_bin "$sftp" /usr/lib/openssh/sftp-server
	# shellcheck disable=SC2086
	for p in $({ catalog_programs; printf "%s\n" $EXTRA; } | awk '!s[$0]++'); do
		# The shell stays busybox's: it runs /init.
		[ "$p" = sh ] && continue
		if bin=$(which_bin "$p") && [ "$(readlink -f "$bin")" != \
		    "$(readlink -f "$(which_bin busybox)")" ]; then
			case $bin in /bin/* | /sbin/*) bin=/usr$bin ;; esac
			copy_bin "$(which_bin "$p")" "$bin"
			echo "$p" >>"$out/programs.txt"
		elif [ -L "$stage/usr/bin/$p" ] || [ -L "$stage/usr/sbin/$p" ]; then
			echo "$p (busybox)" >>"$out/programs.txt"
		else
			echo "$p (missing)" >>"$out/programs.txt"
		fi
	done
}

# busybox loadkmap's binary maps, made by kbd's loadkeys -b from the
# maps of console-data (make deps installs both).
keymaps() {
	kdir=$stage/usr/share/tether/keymaps
	mkdir -p "$kdir"
	if ! command -v loadkeys >/dev/null || [ ! -d /usr/share/keymaps ]; then
		echo "mkimage: no keymaps (apt-get install kbd console-data):" \
		    "the console keeps the kernel's US layout" >&2
		return
	fi
	for km in $KEYMAPS; do
		src=
		for n in $(echo "${km#*:}" | tr , ' '); do
			src=$(find /usr/share/keymaps -name "$n.kmap.gz" | head -n 1)
			[ -n "$src" ] && break
		done
		if [ -z "$src" ] || ! loadkeys -q -b "$src" \
		    >"$kdir/${km%%:*}.bmap" 2>>"$out/keymaps.err"; then
			rm -f "$kdir/${km%%:*}.bmap"
			echo "mkimage: no keymap for ${km%%:*}" >&2
		fi
	done
}

configs() {
	cp "$top/config/tetherd.yaml" "$top/config/tools.yaml" "$stage/etc/tether/"
	install -m 0755 "$top/config/rescue/init" "$stage/init"
	install -m 0755 "$top/config/rescue/udhcpc.script" \
	    "$stage/usr/share/udhcpc/default.script"
	for t in $TERMS; do
		for d in /lib/terminfo /usr/share/terminfo; do
			f=$d/$(echo "$t" | cut -c1)/$t
			[ -f "$f" ] || continue
			mkdir -p "$stage/usr/share/terminfo/$(echo "$t" | cut -c1)"
			cp -L "$f" "$stage/usr/share/terminfo/$(echo "$t" | cut -c1)/"
			break
		done
	done
}

[ -x "$BUILD/tetherd" ] || die "$BUILD/tetherd: build it first (make all)"
[ -x "$YGET" ] || die "$YGET: build it first (make all)"
command -v cpio >/dev/null || die "no cpio (apt-get install cpio)"
mkdir -p "$out"
rm -f "$out/programs.txt"
kernel
layout
busybox_applets
modules
programs
keymaps
configs
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
    gzip -9 >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
cp "$kroot/boot/vmlinuz-$kver" "$out/vmlinuz"
echo "$kver" >"$out/kernel.version"
size=$(wc -c <"$out/initramfs.cpio.gz")
[ "$size" -lt $((64 * 1024 * 1024)) ] ||
    die "initramfs.cpio.gz is $size bytes, over the 64 MiB limit"
nmod=$(wc -l <"$stage/lib/modules/$kver/load.order")
echo "rescue image: $out/initramfs.cpio.gz ($size bytes, $nmod modules)," \
    "kernel $kver"
