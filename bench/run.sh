#!/bin/sh
# SPDX-License-Identifier: ISC
#
# Entry point of `make bench` and `make bench-quick`: check the tools, build
# the bench helpers against tether's own common objects, then run
# bench/bench.py, which starts a private sshd and tetherd on 127.0.0.1,
# prints the table and writes the results file.
#
#   sh bench/run.sh [--quick] [--no-whatif] [--out FILE] [--only STEPS]
#
# BUILD (default build) is where tetherd, tether and build/common/*.o are;
# the helpers go to $BUILD/bench.

set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
CC=${CC:-cc}

die() {
	echo "bench: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root: the private sshd needs it"
for f in tetherd tether tests/yget; do
	[ -x "$BUILD/$f" ] || die "$BUILD/$f is missing: run make first"
done
[ -x /usr/sbin/sshd ] || die "/usr/sbin/sshd is missing: make deps (openssh-server)"
[ -x /usr/lib/openssh/sftp-server ] ||
	die "/usr/lib/openssh/sftp-server is missing: make deps"
for c in ssh sftp ssh-keygen pkg-config "$CC"; do
	command -v "$c" >/dev/null 2>&1 || die "$c is missing: make deps"
done
if [ -x /usr/bin/python3 ]; then
	PYTHON=/usr/bin/python3
else
	PYTHON=$(command -v python3) || die "python3 is missing: make deps"
fi

# The helpers: kdfbench links the objects tetherd and tether are made of,
# through an archive so that only the ones it uses are pulled in.
mkdir -p "$BUILD/bench"
objs=$(ls "$BUILD"/common/*.o 2>/dev/null) ||
	die "$BUILD/common/*.o are missing: run make first"
rm -f "$BUILD/bench/libcommon.a"
# shellcheck disable=SC2086
ar rcs "$BUILD/bench/libcommon.a" $objs
pkgs="libssh yaml-0.1 libcrypto"
# common.h wants the version make gives the build.
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$top/debian/changelog")
# shellcheck disable=SC2046,SC2086
$CC -std=c11 -D_GNU_SOURCE -DTETHER_VERSION="\"$version\"" -O2 -Wall \
    -Wextra -Werror -I"$top/common" \
    $(pkg-config --cflags $pkgs) -o "$BUILD/bench/kdfbench" \
    "$top/bench/kdfbench.c" "$BUILD/bench/libcommon.a" \
    $(pkg-config --libs $pkgs)
$CC -std=c11 -O2 -Wall -Wextra -Werror -shared -fPIC \
    -o "$BUILD/bench/nodelay.so" "$top/bench/nodelay.c" -ldl

BUILD=$BUILD sh "$top/bench/psftp.sh" "$@" || echo "bench: the psftp row failed" >&2

# Rows measured by scripts of their own, one line each (bench/README.md,
# "A row from a script"); bench.py runs them after its own measures.
set -- --script "$top/bench/live.py" "$@"
set -- --script "$top/bench/relay.sh" "$@"

exec "$PYTHON" "$top/bench/bench.py" --build "$BUILD" "$@"
