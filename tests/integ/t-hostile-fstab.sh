#!/bin/sh
# A hostile offline system's fstab cannot reach the rescue system: the
# remap refuses overlay and pseudo filesystems, sources that are no disk,
# and mount options outside its list (an overlay with lowerdir=/etc put
# the rescue system's /etc, and its shadow file, inside the root).
. "$(dirname "$0")/lib.sh"

R=$T/evil
fake_root "$R" evil
mkdir -p "$R/mnt/a" "$R/mnt/b" "$R/mnt/c" "$R/mnt/d" "$R/mnt/e" "$R/work" "$R/up"
cat >"$R/etc/fstab" <<EOF2
overlay /mnt/a overlay lowerdir=/etc,upperdir=$R/up,workdir=$R/work 0 0
none /mnt/b binfmt_misc defaults 0 0
mqueue /mnt/c mqueue defaults 0 0
/dev/null /mnt/d ext4 lowerdir=/etc 0 0
overlay /mnt/e overlay ro 0 0
EOF2
cat >"$T/conf.yaml" <<EOC
roots:
  scan: false
  extra: [$R]
EOC
start_agent -f "$T/conf.yaml"
agent_ssh roots select extra1 >"$T/sel.yaml" 2>"$T/sel.err"
check_eq "the root is selected" 0 $?
st() { "$YGET" "$T/sel.yaml" "remap.$1.status"; }
check_eq "the overlay of /etc is refused" "refused: option lowerdir=/etc" "$(st 0)"
check_eq "an overlay is refused by its type too" \
    "refused: filesystem type overlay" "$(st 4)"
check_eq "binfmt_misc is refused" "refused: filesystem type binfmt_misc" "$(st 1)"
check_eq "mqueue is refused" "refused: filesystem type mqueue" "$(st 2)"
check_eq "an option outside the list is refused" \
    "refused: option lowerdir=/etc" "$(st 3)"
check "nothing was mounted under the root's /mnt" \
    test -z "$(awk -v p="$R/mnt" 'index($5, p) == 1' /proc/self/mountinfo)"
check "the rescue system's shadow file is not in the root" \
    [ ! -e "$R/mnt/a/shadow" ]
agent_ssh roots release >/dev/null 2>&1
stop_agent
finish
