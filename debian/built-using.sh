#!/bin/sh
# The Built-Using field of tether-rescue: the source package and version of
# every file the rescue image took from this machine (the kernel, its
# modules, busybox, sftp-server, the catalog's programs, their libraries and
# the terminfo entries), as Debian policy 7.8 asks of a package that ships
# other packages' binaries.
# usage: built-using.sh BUILD/rescue [FILE...]  (prints tether:Built-Using=...)
# where each FILE is one more file of this machine that went into the
# package (the boot loaders of an ISO, say).
set -eu
out=$1
shift
kver=$(cat "$out/kernel.version")
# Each file of the image but tetherd and what the source tree gives, by
# the path dpkg knows it under: merged /usr means a file copied from
# /usr/lib may be registered as /lib, and the reverse.
paths=$(cd "$out/root" && find . -type f ! -path ./init ! -path ./etc/\* \
    ! -path ./usr/sbin/tetherd ! -path ./usr/share/udhcpc/\* |
    sed 's|^\.||' | while read -r p; do
	echo "$p"
	case $p in /usr/*) echo "${p#/usr}" ;; *) echo "/usr$p" ;; esac
    done)
# shellcheck disable=SC2086 # one path a word
pkgs=$({ dpkg -S /boot/vmlinuz-"$kver" $paths "$@" 2>/dev/null || :; } |
    sed -n 's/^\([^:,]*\)\(:[a-z0-9]*\)\{0,1\}: .*/\1/p' | sort -u)
[ -n "$pkgs" ] || { echo "built-using: no package owns the image's files" >&2; exit 1; }
# shellcheck disable=SC2086
list=$(dpkg-query -W -f='${source:Package} (= ${source:Version})\n' $pkgs |
    sort -u | paste -sd, - | sed 's/,/, /g')
echo "tether:Built-Using=$list"
