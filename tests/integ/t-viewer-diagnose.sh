#!/bin/sh
# The diagnosis on the viewer's Roots screen: after a select, the findings
# worst first with the chosen one's evidence; Tab moves into them and
# Enter on a finding with a fix opens that tool's form with its argument
# filled in, for the technician to run or leave.
. "$(dirname "$0")/lib.sh"

bad=$T/bad
fake_root "$bad" "Test Linux"
copy_sh "$bad" || not_ok "copy /bin/sh into the root"
mkdir -p "$bad/sbin"
ln -s /bin/sh "$bad/sbin/init"
: >"$bad/boot/vmlinuz-6.1.0-13-amd64"
: >"$bad/boot/initrd.img-6.1.0-13-amd64"
printf 'Nov 25 10:00:00 host systemd[1]: Failed to start nginx.service - A web server.\n' \
    >"$bad/var/log/syslog"
printf 'UUID=0bad0bad-dead-beef-0000-000000000000 /home ext4 defaults 0 2\n' \
    >"$bad/etc/fstab"

cat >"$T/tetherd.yaml" <<EOF2
shell: /bin/sh
tools: [$top/config/tools.yaml]
roots:
  scan: false
  extra: [$bad]
EOF2
start_agent -f "$T/tetherd.yaml"

viewer_start "-ticket=$TICKET -ipaddress=127.0.0.1 -port=$PORT"
check_screen "connected" "key ✔ ticket"
keys Down Down Enter
check_screen "Roots lists the offline system" "extra1 *Test Linux 12"
keys Enter
check_screen "Enter selects it, saying an fstab entry was not mounted" \
    "selected extra1, but 1 fstab entry was not mounted: see below"
check_screen "the diagnosis follows" "Why it may not boot"
check_screen "the error first" \
    "error   fstab .*UUID=0bad0bad-dead-beef-0000-000000000000 (/home) is not on any disk.*\[fix\]"
check_screen "then the warning" \
    "warning lastboot .*nginx.service - A web server failed in the last boot"
check_screen "with the first finding's evidence" \
    "evidence: etc/fstab:1: UUID=0bad0bad-dead-beef-0000-000000000000 /home ext4 defaults"
check_screen "and its fix" "fix: *run edit etc/fstab"
keys Tab Down Down
check_screen "Tab and Down choose another finding, with its evidence" \
    "evidence: var/log/syslog:1: Nov 25 10:00:00 host systemd\[1\]: Failed to start"
keys Up Up Enter
check_screen "Enter opens the fix's tool with its argument filled in" \
    "edit: A path inside the selected system, like etc/fstab: etc/fstab"
keys Escape
check_screen "Esc leaves the form unrun" "Enter runs it"
check_no_grep "nothing ran" "event=tool session=[0-9a-f]* name=edit" "$AGENT_DIR/logs/audit.log"

keys q
finish
