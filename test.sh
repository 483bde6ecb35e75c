#!/bin/sh
# test.sh - build everything and run the whole test suite.
#   ./test.sh                 (what CI and developers run)
#   ./test.sh --sanitizers    (the same under AddressSanitizer + UBSan)
# Installs missing Debian packages first (needs root or sudo), so it works on
# a fresh machine; safe to run again.
set -eu
top=$(cd "$(dirname "$0")" && pwd)
"$top/tools/setup" "$@"
flavour=default
for a in "$@"; do
	case "$a" in --sanitizers) flavour=asan ;; --fuzzing) flavour=fuzz ;; esac
done
cd "$top/build/$flavour"
status=0
# Build on every core, then run twice as many tests as there are cores: most
# tests wait on a server or a terminal, not the processor.
# (VAX_TEST_JOBS sets the number.)
jobs=${VAX_TEST_JOBS:-$(($(nproc) * 2))}
make -j"$(nproc)" all && make -j"$jobs" check || status=$?
# Check's own summary line for each runner, then the suite's, last.
for log in $(find tests -name 'check_all.log' 2>/dev/null); do
	grep -E '^[0-9]+%: Checks:' "$log" || true
done
if [ $status -ne 0 ]; then
	for log in $(find . -name '*.log' ! -name 'config.log' ! -name 'test-suite.log'); do
		if grep -qE '^:test-result: (FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
			echo "=== $log"; tail -n 40 "$log"
		fi
	done
fi
# One closing line: every Check test, plus every other test program.
checks=$(cat tests/check_all.log 2>/dev/null | awk -F'[:,] *' '/^[0-9]+%: Checks:/ {n=$3; f=$5+$7} END {printf "%d %d", n-f, f}')
set -- $checks
awk -v cp="${1:-0}" -v cf="${2:-0}" '
	/^# PASS:/ {p=$3} /^# FAIL:/ {f=$3} /^# ERROR:/ {e=$3}
	END {
		# check_all counts once in the automake totals; count its tests instead
		if (cf > 0) { f -= 1 } else { p -= 1 }
		printf "%d passed, %d failed\n", p + cp, f + e + cf
	}' test-suite.log
exit $status
