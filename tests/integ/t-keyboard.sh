#!/bin/sh
# The local console's layout: keyboard: in tetherd.yaml sets it when the
# agent starts, run keyboard LAYOUT changes it later, and a layout the
# image has no map for is refused with the list of those it has. The
# maps are the test's own (TETHER_KEYMAPS) and loadkmap is a stand-in on
# PATH that keeps what it was fed: this machine's console is not touched.
. "$(dirname "$0")/lib.sh"

maps=$T/keymaps
mkdir -p "$maps" "$T/bin"
for k in de fr us; do
	# "bkeymap", the 256 flags of the keymaps used, then 128 keys each.
	{ printf 'bkeymap'; printf '\001'; head -c 255 /dev/zero
	  printf '%s-map' "$k"; head -c 249 /dev/zero; } >"$maps/$k.bmap"
done
printf 'not a keymap\n' >"$maps/xx.bmap"
cat >"$T/bin/loadkmap" <<EOF2
#!/bin/sh
cat >"$T/loaded"
echo "\$\$" >>"$T/loadkmap.calls"
EOF2
chmod 755 "$T/bin/loadkmap"
PATH=$T/bin:$PATH
TETHER_KEYMAPS=$maps
export PATH TETHER_KEYMAPS

cat >"$T/conf.yaml" <<EOF2
tools: [$top/config/tools.yaml]
keyboard: de
roots:
  scan: false
EOF2
start_agent -f "$T/conf.yaml"
check "keyboard: de loads the de map when the agent starts" \
    cmp -s "$maps/de.bmap" "$T/loaded"
check_grep "and the audit says so" "keyboard layout=de" \
    "$AGENT_DIR/logs/audit.log"

agent_ssh run keyboard fr >"$T/fr.out" 2>&1
check_eq "run keyboard fr exits 0" 0 $?
check "and feeds loadkmap the fr map" cmp -s "$maps/fr.bmap" "$T/loaded"
check_grep "and says so" "the local console's layout is now fr" "$T/fr.out"

agent_ssh run keyboard sv >"$T/sv.out" 2>&1
check_eq "a layout without a map fails (exit 1)" 1 $?
check_grep "naming the ones there are" \
    'no keymap "sv" (this system has: de, fr, us, xx)' "$T/sv.out"
agent_ssh run keyboard xx >"$T/xx.out" 2>&1
check_eq "a file that is no keymap is refused" 1 $?
check_grep "as such" "xx.bmap: not a loadkmap keymap" "$T/xx.out"
agent_ssh run keyboard "'../us'" >"$T/dots.out" 2>&1
check_eq "a name with a path in it does not pass the pattern (exit 2)" 2 $?
check "loadkmap ran twice in all" \
    test "$(wc -l <"$T/loadkmap.calls")" -eq 2

printf 'keyboard: de_CH latin1\n' >"$T/bad.yaml"
"$TETHERD" -t -f "$T/bad.yaml" >"$T/bad.out" 2>&1
check_eq "a bad keyboard: value is a configuration error" 1 $?
check_grep "with file, line and column" \
    'bad.yaml:1:11: keyboard: bad layout name "de_CH latin1"' "$T/bad.out"

finish
