#!/bin/sh
# make install into a DESTDIR: the tree it makes, the systemd unit with the
# prefix's paths, configuration files that a second install leaves alone;
# then make uninstall, which removes all but the configuration.
. "$(dirname "$0")/lib.sh"

D=$T/dest
mk() {
	make -s -C "$top" BUILD="$BUILD" PREFIX=/usr DESTDIR="$D" "$@" \
	    >"$T/make.out" 2>&1
}

mk install
check_eq "make install exits 0" 0 $?
(cd "$D" && find . \( -type f -o -type d \) | LC_ALL=C sort) >"$T/tree"
sed 's/^/# /' "$T/tree"
check_eq "the installed tree" "\
.
./etc
./etc/tether
./etc/tether/tetherd.yaml
./etc/tether/tools.d
./etc/tether/tools.yaml
./usr
./usr/bin
./usr/bin/tether
./usr/lib
./usr/lib/systemd
./usr/lib/systemd/system
./usr/lib/systemd/system/tetherd.service
./usr/sbin
./usr/sbin/tetherd
./usr/share
./usr/share/bash-completion
./usr/share/bash-completion/completions
./usr/share/bash-completion/completions/tether
./usr/share/bash-completion/completions/tetherd
./usr/share/man
./usr/share/man/man1
./usr/share/man/man1/tether.1
./usr/share/man/man5
./usr/share/man/man5/tether-tools.5
./usr/share/man/man5/tetherd.yaml.5
./usr/share/man/man8
./usr/share/man/man8/tetherd.8
./usr/share/zsh
./usr/share/zsh/site-functions
./usr/share/zsh/site-functions/_tether
./usr/share/zsh/site-functions/_tetherd" "$(cat "$T/tree")"

mode() { stat -c %a "$D/$1"; }
check_eq "tetherd is executable" 755 "$(mode usr/sbin/tetherd)"
check_eq "the unit is not" 644 "$(mode usr/lib/systemd/system/tetherd.service)"
check_eq "the configuration is the shipped one" "" \
    "$(cmp "$top/config/tetherd.yaml" "$D/etc/tether/tetherd.yaml")"
check "the installed tetherd runs" "$D/usr/sbin/tetherd" -V
check_grep "the unit starts the prefix's tetherd" \
    "^ExecStart=/usr/sbin/tetherd --no-message -f /etc/tether/tetherd.yaml$" \
    "$D/usr/lib/systemd/system/tetherd.service"
check_no_grep "and names no other" "/usr/local" \
    "$D/usr/lib/systemd/system/tetherd.service"

# A site's changes survive a second install.
echo "# site change" >>"$D/etc/tether/tetherd.yaml"
echo "# site tools" >"$D/etc/tether/tools.yaml"
mk install
check_eq "a second install exits 0" 0 $?
check_grep "it leaves tetherd.yaml alone" "^# site change$" \
    "$D/etc/tether/tetherd.yaml"
check_eq "and tools.yaml" "# site tools" "$(cat "$D/etc/tether/tools.yaml")"

mk uninstall
check_eq "make uninstall exits 0" 0 $?
left=$(cd "$D" && find . -type f | LC_ALL=C sort)
check_eq "uninstall leaves only the configuration" "\
./etc/tether/tetherd.yaml
./etc/tether/tools.yaml" "$left"

finish
