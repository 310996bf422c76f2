#!/bin/sh
# Startup Repair: roots select reports why the selected system does not
# boot (a wrong UUID in fstab, with its line), run diagnose gives the same
# report through the catalog (audited, exit 1 on an error finding), and
# a sound system gets no error.
. "$(dirname "$0")/lib.sh"

good=$T/good
bad=$T/bad
for r in "$good" "$bad"; do
	fake_root "$r" "Debian GNU/Linux"
	copy_sh "$r" || not_ok "copy /bin/sh into $r"
	mkdir -p "$r/sbin" "$r/boot/grub"
	ln -s /bin/sh "$r/sbin/init"
	: >"$r/boot/vmlinuz-6.1.0-13-amd64"
	: >"$r/boot/initrd.img-6.1.0-13-amd64"
	printf 'Nov 25 10:00:00 host systemd[1]: Started ssh.service.\n' \
	    >"$r/var/log/syslog"
done
printf '/dev/null /dev/null ext4 noauto 0 0\n' >"$good/etc/fstab"
bad_uuid=0bad0bad-dead-beef-0000-000000000000
printf '# /etc/fstab\nUUID=%s /home ext4 defaults 0 2\n' "$bad_uuid" \
    >"$bad/etc/fstab"

cat >"$T/conf.yaml" <<EOF2
tools: [$top/config/tools.yaml]
roots:
  scan: false
  extra: [$good, $bad]
EOF2
start_agent -f "$T/conf.yaml"

agent_ssh roots select extra2 >"$T/sel.yaml" 2>"$T/sel.err"
check_eq "roots select extra2 exits 0" 0 $?
y() { "$YGET" "$T/sel.yaml" "$1" 2>/dev/null; }
check_eq "the selection is there as before" extra2 "$(y selected)"
check_eq "and the diagnosis follows it, for that root" "$bad" \
    "$(y diagnosis.root)"
check_eq "its worst finding is an error" error \
    "$(y diagnosis.findings.0.severity)"
check_eq "of the fstab check" fstab "$(y diagnosis.findings.0.check)"
check_eq "naming the UUID that is on no disk" \
    "UUID=$bad_uuid (/home) is not on any disk: the boot stops waiting for it (nofail would let it go on)" \
    "$(y diagnosis.findings.0.what)"
check_eq "with the fstab line as evidence" \
    "etc/fstab:2: UUID=$bad_uuid /home ext4 defaults" \
    "$(y diagnosis.findings.0.evidence)"
check_eq "and the catalog call that fixes it" "run edit etc/fstab" \
    "$(y diagnosis.findings.0.fix.command)"
check_eq "one error in all" 1 "$(y diagnosis.errors)"

agent_ssh run diagnose >"$T/run.yaml" 2>"$T/run.err"
check_eq "run diagnose exits 1: the system has an error" 1 $?
check_eq "run diagnose reports the same finding" \
    "etc/fstab:2: UUID=$bad_uuid /home ext4 defaults" \
    "$("$YGET" "$T/run.yaml" diagnosis.findings.0.evidence 2>/dev/null)"
check_grep "the catalog's audit has the diagnose tool" "event=tool session=[0-9a-f]* name=diagnose" \
    "$AGENT_DIR/logs/audit.log"
agent_ssh roots release >/dev/null

agent_ssh roots select extra1 >"$T/sel1.yaml" 2>&1
check_eq "the sound system has no error" 0 \
    "$("$YGET" "$T/sel1.yaml" diagnosis.errors 2>/dev/null)"
agent_ssh run diagnose >"$T/run1.yaml" 2>&1
check_eq "and run diagnose exits 0 on it" 0 $?
agent_ssh roots release >/dev/null

"$TETHERD" diagnose relative/path >"$T/usage.out" 2>&1
check_eq "tetherd diagnose wants an absolute path (exit 2)" 2 $?
check_grep "and says how to call it" "usage: tetherd diagnose" "$T/usage.out"

finish
