#!/bin/sh
# The Debian packages (make deb, then make check-deb runs this): lintian
# finds nothing; one version everywhere; installed with dpkg --root into a
# scratch root (busybox for the maintainer scripts), the files are those the
# manual pages' FILES sections name, the pages are compressed in their
# sections and man finds them, the unit is neither enabled nor started,
# the extracted tetherd -t and tether --version run in that root, GRUB is
# updated only where it is present; purge leaves nothing but the logs.
. "$(dirname "$0")/lib.sh"

DEBS=${DEBS:-$BUILD/deb}
VERSION=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/debian/changelog")
ARCH=$(dpkg-architecture -qDEB_HOST_ARCH)
CHANGES=$DEBS/tether_${VERSION}_$ARCH.changes
if [ ! -f "$CHANGES" ]; then
	not_ok "packages built: no $CHANGES (make deb)"
	finish
fi
deb() { echo "$DEBS/$1_${VERSION}_$ARCH.deb"; }

# lintian: no error and no warning on the .changes and every .deb in it.
lintian --fail-on error,warning "$CHANGES" >"$T/lintian" 2>&1
check_eq "lintian: no errors and no warnings" 0 $?
sed 's/^/# /' "$T/lintian"

# One version: the changelog's is the packages', the programs' and the
# banner's.
for p in tether tetherd tether-rescue; do
	check_eq "$p's package version is debian/changelog's" "$VERSION" \
	    "$(dpkg-deb -f "$(deb $p)" Version)"
done
X=$T/x
for p in tether tetherd; do
	dpkg-deb -x "$(deb $p)" "$X"
done
check_eq "the packaged tetherd -V" "tetherd $VERSION" \
    "$("$X/usr/sbin/tetherd" -V)"
check_eq "the packaged tether --version" "tether $VERSION" \
    "$("$X/usr/bin/tether" --version)"
TETHERD=$X/usr/sbin/tetherd start_agent
banner=$(python3 -c 'import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
print(s.recv(256).split(b"\r\n")[0].decode())' "$PORT")
case $banner in
"SSH-2.0-tether_$VERSION salt="*) ok "the packaged agent's banner says $VERSION" ;;
*) not_ok "the packaged agent's banner says $VERSION"; echo "# got: $banner" ;;
esac

# Dependencies: computed, the catalog's tools recommended, nothing that
# downloads (no maintainer script fetches anything).
check_grep_field() { # what package field pattern
	if dpkg-deb -f "$(deb "$2")" "$3" | grep -q -- "$4"; then
		ok "$1"
	else
		not_ok "$1"
		echo "# $2 $3: $(dpkg-deb -f "$(deb "$2")" "$3")"
	fi
}
check_grep_field "tetherd depends on libssh (shlibs)" tetherd Depends \
    'libssh-4 (>= '
check_grep_field "tether depends on ncurses (shlibs)" tether Depends \
    'libncursesw6 (>= '
for t in testdisk smartmontools gddrescue e2fsprogs fdisk memtester kmod \
    xfsprogs btrfs-progs dosfstools openssh-sftp-server; do
	check_grep_field "tetherd recommends $t" tetherd Recommends "\\<$t\\>"
done
check_grep_field "tether-rescue names the kernel it holds" tether-rescue \
    Built-Using 'linux-signed-amd64 (= \|linux (= '
check_grep_field "and busybox" tether-rescue Built-Using 'busybox (= '
mkdir -p "$T/ctl"
for p in tether tetherd tether-rescue; do
	dpkg-deb -e "$(deb $p)" "$T/ctl/$p"
done
check_eq "no maintainer script downloads" "" \
    "$(grep -l 'wget\|curl\|apt-get\|http' "$T"/ctl/*/*inst "$T"/ctl/*/*rm \
    2>/dev/null)"
check_eq "the configuration files are conffiles" \
    "/etc/tether/tetherd.yaml
/etc/tether/tools.yaml" "$(cat "$T/ctl/tetherd/conffiles")"

# mkroot DIR: a scratch root dpkg --root can install into and run the
# maintainer scripts in (chrooted): busybox's shell and tools, merged /usr,
# an empty dpkg database, and the libraries the two programs use.
mkroot() {
	r=$1
	mkdir -p "$r/usr/bin" "$r/usr/sbin" "$r/usr/lib64" "$r/etc" "$r/tmp" \
	    "$r/run" "$r/var/log" "$r/var/lib/dpkg/info" \
	    "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers"
	for d in bin sbin lib lib64; do
		[ -e "$r/usr/$d" ] || mkdir -p "$r/usr/$d"
		ln -s "usr/$d" "$r/$d"
	done
	: >"$r/var/lib/dpkg/status"
	: >"$r/var/lib/dpkg/available"
	cp "$(command -v busybox)" "$r/usr/bin/busybox"
	for a in sh rm rmdir mkdir chmod cat ls echo test [ cp mv; do
		ln -s busybox "$r/usr/bin/$a"
	done
	echo scratch >"$r/etc/hostname"
	mkdir -p "$r/dev"
	mknod -m 0666 "$r/dev/null" c 1 3
	# The directories belong to a base package, as on a real system, so
	# that purging ours does not take them (nor the /lib symlink).
	rm -rf "$T/base"
	(cd "$r" && find . -path ./var/lib/dpkg -prune -o -type d -print) |
	    (cd "$T" && mkdir -p base && cd base && xargs mkdir -p)
	for d in bin sbin lib lib64; do
		mkdir -p "$T/base/$d"
	done
	mkdir -p "$T/base/DEBIAN"
	printf 'Package: scratch-base\nVersion: 1\nArchitecture: all\nMaintainer: test <test@localhost>\nDescription: the scratch root\n' \
	    >"$T/base/DEBIAN/control"
	dpkg-deb --root-owner-group -b "$T/base" "$T/base.deb" >/dev/null &&
	    dpkg --root="$r" -i "$T/base.deb" >/dev/null ||
	    not_ok "a base package in the scratch root $r"
	for b in "$X/usr/sbin/tetherd" "$X/usr/bin/tether"; do
		ldd "$b" | awk '{ for (i = 1; i <= NF; i++)
		    if ($i ~ /^\//) print $i }' | while read -r l; do
			[ -e "$r$l" ] && continue
			mkdir -p "$r$(dirname "$l")"
			cp -L "$l" "$r$l"
		done
	done
}
# tree DIR: every path in DIR but dpkg's own database.
tree() {
	(cd "$1" && find . ! -path './var/lib/dpkg/*' | LC_ALL=C sort)
}

R=$T/root
mkroot "$R"
# GRUB here: a stand-in update-grub that notes each call.
mkdir -p "$R/boot/grub"
: >"$R/boot/grub/grub.cfg"
printf '#!/bin/sh\necho "update-grub $*" >>/grub.log\n' >"$R/usr/sbin/update-grub"
chmod 0755 "$R/usr/sbin/update-grub"
tree "$R" >"$T/before"
dpkg --root="$R" --force-depends -i "$(deb tether)" "$(deb tetherd)" \
    "$(deb tether-rescue)" >"$T/dpkg.out" 2>&1
check_eq "dpkg --root installs the three packages" 0 $?
# Only what the maintainer scripts said, not the dependencies that this
# root lacks on purpose.
check_eq "the maintainer scripts say nothing but what dpkg does" "" \
    "$(grep -v '^\(Selecting\|Preparing\|Unpacking\|Setting up\|(Reading\|dpkg: .*configuring anyway\| .* depends on \|  Package .* is not installed\|$\)' \
    "$T/dpkg.out" | grep -v 'deb-systemd-helper: not found')"

# Each package's files, by dpkg, then against the man pages.
for p in tether tetherd tether-rescue; do
	dpkg --root="$R" -L "$p" | while read -r f; do
		[ -d "$R$f" ] || echo "$f"
	done | LC_ALL=C sort >"$T/files.$p"
done

# man_files PAGE: the paths in the FILES section of a page, one a line.
man_files() {
	sed -n '/^\.Sh FILES/,/^\.Sh /p' "$top/man/$1" |
	    sed -n 's/^\.It Pa \([^ ]*\).*/\1/p; s/^\.It Pa .* , Pa \([^ ]*\)$/\1/p'
}
# What a page's FILES says the package holds: every path but those made
# at run time, or by the administrator (a relay's keys), or by another
# package, or inside the rescue image.
runtime='^[^/]\|^/run/\|^/var/log/\|^/etc/tether/host_key$\|^/etc/tether/relay_\(host_\)\{0,1\}key$\|^/init$\|^/usr/lib/openssh/\|^/boot/grub/'
man_files tetherd.8 | grep -v "$runtime" | LC_ALL=C sort -u >"$T/man.tetherd"
man_files tether.1 | grep -v "$runtime" | LC_ALL=C sort -u >"$T/man.tether"
# The package files a page must name: all but the programs themselves,
# the manual pages and the documentation directory.
shipped() {
	cat "$@" | grep -v \
	    '^/usr/share/doc/\|^/usr/share/man/\|^/usr/share/lintian/\|^/usr/s\{0,1\}bin/'
}
for f in $(cat "$T/man.tetherd"); do
	case $f in
	*'*'*) d=$(dirname "$f"); [ -d "$R$d" ] ;;
	*) [ -e "$R$f" ] ;;
	esac
	check_eq "tetherd(8) FILES: $f is installed" 0 $?
done
for f in $(cat "$T/man.tether"); do
	check "tether(1) FILES: $f is installed" [ -e "$R$f" ]
done
missing=$(shipped "$T/files.tetherd" "$T/files.tether-rescue" |
    while read -r f; do grep -qxF "$f" "$T/man.tetherd" || echo "$f"; done)
check_eq "tetherd(8) FILES names every file of tetherd and tether-rescue" "" \
    "$missing"
missing=$(shipped "$T/files.tether" |
    while read -r f; do grep -qxF "$f" "$T/man.tether" || echo "$f"; done)
check_eq "tether(1) FILES names every file of tether" "" "$missing"

# Manual pages: compressed, in their sections, found and shown by man.
for m in man1/tether.1 man5/tetherd.yaml.5 man5/tether-tools.5 man8/tetherd.8; do
	check "$m is installed gzipped" gzip -t "$R/usr/share/man/$m.gz"
done
check_eq "no uncompressed page" "" \
    "$(find "$R/usr/share/man" -type f ! -name '*.gz')"
for s in "1 tether" "8 tetherd" "5 tetherd.yaml" "5 tether-tools"; do
	set -- $s
	check_eq "man -w $1 $2 finds the packaged page" \
	    "$R/usr/share/man/man$1/$2.$1.gz" \
	    "$(MANPATH=$R/usr/share/man man -w "$1" "$2" 2>&1)"
done
MANPATH=$R/usr/share/man MANWIDTH=80 man 1 tether 2>/dev/null >"$T/man.txt"
check_grep "man tether shows the page" "remote rescue viewer" "$T/man.txt"

# tetherd: the log directory mode 0700, the unit neither enabled nor
# started, README.Debian saying how, and the completions in place.
check_eq "/var/log/tether is mode 0700" 700 "$(stat -c %a "$R/var/log/tether")"
check "the unit is installed" [ -f "$R/lib/systemd/system/tetherd.service" ]
check_grep "it runs the packaged tetherd" \
    "^ExecStart=/usr/sbin/tetherd --no-message -f /etc/tether/tetherd.yaml$" \
    "$R/lib/systemd/system/tetherd.service"
check_eq "and not enabled" "" "$(find "$R/etc" -name 'tetherd.service' \
    -path '*systemd*')"
check_grep "README.Debian says how to enable it" \
    "systemctl enable --now tetherd.service" \
    "$R/usr/share/doc/tetherd/README.Debian"
check "bash completion for tether" \
    [ -f "$R/usr/share/bash-completion/completions/tether" ]
check "zsh completion for tetherd" \
    [ -f "$R/usr/share/zsh/vendor-completions/_tetherd" ]

# The installed programs, in the scratch root: tetherd -t reads the
# installed configuration and catalog (and fails on a broken catalog).
check "tetherd -t passes on the installed configuration" \
    chroot "$R" /usr/sbin/tetherd -t
check_eq "tether --version in the root" "tether $VERSION" \
    "$(chroot "$R" /usr/bin/tether --version)"
cp "$R/etc/tether/tools.yaml" "$T/tools.yaml"
echo "tools: [" >>"$R/etc/tether/tools.yaml"
chroot "$R" /usr/sbin/tetherd -t >/dev/null 2>"$T/t.err"
check_eq "and fails on a broken installed catalog" 1 $?
check_grep "naming the installed file" "/etc/tether/tools.yaml:" "$T/t.err"
cp "$T/tools.yaml" "$R/etc/tether/tools.yaml"

# tether-rescue: the image in place, GRUB updated where it is present.
for f in vmlinuz initramfs.cpio.gz; do
	check "tether-rescue: /usr/lib/tether-rescue/$f" \
	    [ -s "$R/usr/lib/tether-rescue/$f" ]
done
kpkg=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
    sed -n 's/^\(linux-image-[0-9][^ ,]*\).*/\1/p')
check "its kernel is the installed linux-image-amd64's (${kpkg:-none})" \
    cmp -s "/boot/vmlinuz-${kpkg#linux-image-}" \
    "$R/usr/lib/tether-rescue/vmlinuz"
zcat "$R/usr/lib/tether-rescue/initramfs.cpio.gz" | cpio -t --quiet \
    >"$T/initramfs.list" 2>/dev/null
check_grep "its initramfs holds tetherd" "^usr/sbin/tetherd$" \
    "$T/initramfs.list"
check_grep "and the modules of that kernel" \
    "^usr/lib/modules/${kpkg#linux-image-}/" "$T/initramfs.list"
check "and the ISO, an ISO 9660 image" [ "$(dd \
    if="$R/usr/lib/tether-rescue/tether-rescue.iso" bs=1 skip=32769 count=5 \
    2>/dev/null)" = CD001 ]
check_eq "the boot entry's files are conffiles" \
    "/etc/default/tether-rescue
/etc/grub.d/42_tether-rescue" "$(LC_ALL=C sort "$T/ctl/tether-rescue/conffiles")"
check "/etc/grub.d/42_tether-rescue is executable" \
    [ -x "$R/etc/grub.d/42_tether-rescue" ]
for f in vmlinuz initramfs.cpio.gz; do
	check "where GRUB is, the image is copied to /boot/tether/$f" \
	    cmp -s "$R/usr/lib/tether-rescue/$f" "$R/boot/tether/$f"
done
# The grub.d script as update-grub runs it, on this root's files.
entry() {
	TETHER_RESCUE_DIR=$R/boot/tether \
	    TETHER_RESCUE_DEFAULTS=$R/etc/default/tether-rescue \
	    sh "$R/etc/grub.d/42_tether-rescue" 2>/dev/null
}
entry >"$T/entry"
check_grep "the grub.d script adds the entry" \
    "^menuentry 'tether remote recovery' --id tether-recovery" "$T/entry"
check_eq "installing tether-rescue ran update-grub" "update-grub " \
    "$(cat "$R/grub.log" 2>&1)"

# What tetherd makes at run time, which purge must take or leave.
echo "key" >"$R/etc/tether/host_key"
mkdir -p "$R/run/tether" "$R/var/log/tether/sessions"
echo "state" >"$R/run/tether/connection.yaml"
echo "audit" >"$R/var/log/tether/audit.log"
echo "# site change" >>"$R/etc/tether/tetherd.yaml"

# Installing again (as an upgrade does) keeps a site's change, unasked.
dpkg --root="$R" --force-depends -i "$(deb tetherd)" </dev/null \
    >"$T/dpkg.out" 2>&1
check_eq "installing tetherd again works unattended" 0 $?
check_grep "and keeps the changed conffile" "^# site change" \
    "$R/etc/tether/tetherd.yaml"
check_eq "and the host key" "key" "$(cat "$R/etc/tether/host_key")"

dpkg --root="$R" --force-depends -r tether tetherd tether-rescue \
    >"$T/dpkg.out" 2>&1
check_eq "dpkg -r removes them" 0 $?
check_grep "a changed conffile stays on remove" "^# site change" \
    "$R/etc/tether/tetherd.yaml"
check "removing takes the copy in /boot/tether" [ ! -e "$R/boot/tether" ]
check_eq "and the grub.d script, still there, adds no entry" "" "$(entry)"
check_eq "removing tether-rescue ran update-grub again" \
    "update-grub 
update-grub " "$(cat "$R/grub.log" 2>&1)"
dpkg --root="$R" --force-depends -P tether tetherd tether-rescue \
    >"$T/dpkg.out" 2>&1
check_eq "dpkg -P purges them" 0 $?
rm -f "$R/grub.log"
tree "$R" >"$T/after"
check_eq "purge leaves only the logs" "./var/log/tether
./var/log/tether/audit.log
./var/log/tether/sessions" \
    "$(LC_ALL=C comm -13 "$T/before" "$T/after")"
check_eq "and takes nothing that was there" "" \
    "$(LC_ALL=C comm -23 "$T/before" "$T/after")"

# Without GRUB nothing calls update-grub, and the install still works.
R2=$T/root2
mkroot "$R2"
dpkg --root="$R2" --force-depends -i "$(deb tether-rescue)" >"$T/dpkg.out" 2>&1
check_eq "tether-rescue installs where there is no GRUB" 0 $?
check "without calling update-grub" [ ! -e "$R2/grub.log" ]
check "or copying to /boot" [ ! -e "$R2/boot/tether" ]
dpkg --root="$R2" --force-depends -P tether-rescue >"$T/dpkg.out" 2>&1
check_eq "and purges" 0 $?

finish
