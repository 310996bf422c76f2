#!/bin/sh
# The viewer keeps the key a ticket gives between runs: one private file
# per agent salt, without the ticket in it; the next run skips scrypt; a
# different ticket for the same agent is still refused; a broken entry is
# derived again; "none" keeps nothing, and a directory others can write
# to is not used.
. "$(dirname "$0")/lib.sh"

# scrypt at cost 17 takes half a second or more: a run without it shows.
printf 'ticket:\n  kdf_cost: 17\n' >"$T/conf.yaml"
start_agent -f "$T/conf.yaml"
KC=$T/kc
export TETHER_KEY_CACHE="$KC"
V="$TETHER --ticket $TICKET --ip 127.0.0.1 --port $PORT"
ms() { echo $(($(date +%s%N) / 1000000)); }

t0=$(ms)
check_eq "the first run derives and answers" "$PORT" \
    "$($V info </dev/null | "$YGET" - port)"
first=$(($(ms) - t0))
check_eq "one entry is kept" 1 "$(ls "$KC" | wc -l)"
f=$KC/$(ls "$KC")
check_eq "the directory is private" 700 "$(stat -c %a "$KC")"
check_eq "the entry is private" 600 "$(stat -c %a "$f")"
digits=$(echo "$TICKET" | tr -d -)
check "the entry does not hold the ticket" \
    eval "! grep -q -e '$digits' -e '$TICKET' '$f'"
t0=$(ms)
check_eq "the next run answers" "$PORT" "$($V info </dev/null | "$YGET" - port)"
second=$(($(ms) - t0))
check "and skips scrypt (${first} ms, then ${second} ms)" \
    [ "$second" -lt $((first / 2)) ]

other=$(echo "$digits" | tr 0123456789 5678901234)
"$TETHER" --ticket "$other" --ip 127.0.0.1 --port "$PORT" info \
    </dev/null >/dev/null 2>"$T/other.err"
check_eq "another ticket for the same agent is refused" 255 $?
check_grep "as an impersonation" "does not hold that ticket" "$T/other.err"

head -c 68 /dev/urandom >"$f"
check_eq "a broken entry is derived again" "$PORT" \
    "$($V info </dev/null | "$YGET" - port)"
check "and written afresh" eval "head -c 4 '$f' | grep -q TKC1"

rm -rf "$KC"
TETHER_KEY_CACHE=none $V info </dev/null >/dev/null
check "none keeps nothing" [ ! -e "$KC" ]
mkdir -m 0770 "$KC"
$V info </dev/null >/dev/null
check_eq "a directory others can write to is not used" 0 "$(ls "$KC" | wc -l)"
stop_agent
finish
