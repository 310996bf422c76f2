#!/bin/sh
# Catalog paths stay inside the offline system: edit, crash, logs and
# history refuse to run when a symbolic link of the root takes their file
# out of it (etc/motd pointing to the rescue system's /etc/hostname), and
# run when it stays inside.
. "$(dirname "$0")/lib.sh"

R=$T/sys
fake_root "$R" linked
ln -s /etc/hostname "$R/etc/motd"
ln -s ../etc/passwd "$R/etc/inside"
mkdir -p "$R/var/log"
ln -s /etc/shadow "$R/var/log/syslog"
cat >"$T/conf.yaml" <<EOC
tools: [$top/config/tools.yaml]
roots:
  scan: false
  extra: [$R]
EOC
start_agent -f "$T/conf.yaml"
agent_ssh roots select extra1 >/dev/null 2>"$T/sel.err"
check_eq "the root is selected" 0 $?
agent_ssh run edit etc/motd >"$T/edit.out" 2>"$T/edit.err" </dev/null
check "edit through an absolute link fails" [ $? -ne 0 ]
check_grep "and says the path leaves the root" \
    "edit cannot run: etc/motd leaves the root" "$T/edit.err"
agent_ssh run logs >"$T/logs.out" 2>"$T/logs.err"
check_grep "logs through a link to /etc/shadow is refused" \
    "logs cannot run: var/log/syslog leaves the root" "$T/logs.err"
check_no_grep "and no line of the rescue system's shadow came out" \
    "^root:" "$T/logs.out"
agent_ssh run crash >/dev/null 2>"$T/crash.err"
check_grep "so is crash" "crash cannot run: var/log/syslog leaves the root" \
    "$T/crash.err"
agent_ssh run history >/dev/null 2>"$T/hist.err"
check_no_grep "history, whose files are not links, is not refused" \
    "leaves the root" "$T/hist.err"
agent_ssh run edit etc/inside >/dev/null 2>"$T/inside.err" </dev/null
check_no_grep "a link that stays inside is not refused" "leaves the root" \
    "$T/inside.err"
agent_ssh roots release >/dev/null 2>&1
stop_agent
finish
