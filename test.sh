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
make -j"$(nproc)" check || status=$?
# Check's own summary line for each runner, then the suite's, last.
for log in $(find tests -name 'check_all.log' 2>/dev/null); do
	grep -E '^[0-9]+%: Checks:' "$log" || true
done
if [ $status -ne 0 ]; then
	for log in $(find . -name '*.log' ! -name 'config.log' ! -name 'test-suite.log'); do
		if grep -qE '^(FAIL|ERROR)' "${log%.log}.trs" 2>/dev/null; then
			echo "=== $log"; tail -n 40 "$log"
		fi
	done
fi
awk '/^# PASS:/{p=$3} /^# FAIL:/{f=$3} /^# ERROR:/{e=$3} END{printf "%d passed, %d failed\n", p, f+e}' test-suite.log
exit $status
