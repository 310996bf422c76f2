#!/bin/sh
# Run the cmocka unit tests and the integration scripts, count every check,
# and end with "N passed, N failed". Exit non-zero if anything failed.
#   sh tests/run.sh [unit|integ|all] [script...]

BUILD=${BUILD:-build}
what=${1:-all}
[ $# -gt 0 ] && shift
top=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) ;; *) BUILD=$top/$BUILD ;; esac
export BUILD
pass=0
fail=0
failed=
log=$(mktemp /tmp/tether-run.XXXXXX)
trap 'rm -f "$log"' EXIT

count() {
	# $1 name, $2 exit status, $3 passes seen, $4 failures seen
	pass=$((pass + $3))
	if [ "$4" -gt 0 ] || { [ "$2" -ne 0 ] && [ "$2" -ne 77 ]; }; then
		n=$4
		[ "$n" -eq 0 ] && n=1
		fail=$((fail + n))
		failed="$failed $1"
		echo "FAIL: $1 (exit $2)"
		# Each failed check once, with what it printed after it; when
		# none failed, the script itself ended early: its last lines.
		if [ "$4" -gt 0 ]; then
			awk '/^not ok / { print; n = 12; next }
			    /^ok / { n = 0; next }
			    /^# kept for inspection/ { next }
			    n > 0 { print; n-- }' "$log" | sed 's/^/    /'
		else
			tail -n 15 "$log" | sed 's/^/    /'
		fi
		grep '^# kept for inspection' "$log" | sed 's/^/    /'
	elif [ "$2" -eq 77 ]; then
		echo "SKIP: $1"
	else
		echo "PASS: $1 ($3)"
	fi
}

if [ "$what" = unit ] || [ "$what" = all ]; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		"$t" >"$log" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
		count "unit/$(basename "$t")" "$rc" "${p:-0}" "${f:-0}"
	done
fi

if [ "$what" = integ ] || [ "$what" = all ]; then
	if [ $# -gt 0 ]; then
		scripts="$*"
	else
		scripts=$(ls "$top"/tests/integ/t-*.sh)
	fi
	for s in $scripts; do
		timeout 300 sh "$s" >"$log" 2>&1
		rc=$?
		p=$(grep -c '^ok ' "$log")
		f=$(grep -c '^not ok ' "$log")
		count "integ/$(basename "$s" .sh)" "$rc" "$p" "$f"
	done
fi

[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
