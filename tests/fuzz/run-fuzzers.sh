#!/bin/sh
# tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS] - fuzz every target for a
# while with libFuzzer (a build configured with --enable-fuzzing CC=clang).
# New inputs go to a scratch folder, never into the checked-in corpus; a crash
# leaves its input as BUILDDIR/tests/fuzz/crash-<target>-* and fails the run.
set -eu
build=${1:?usage: run-fuzzers.sh BUILDDIR [SECONDS]}
secs=${2:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
targets=$(sed -n 's/^FUZZ_TARGETS = //p' "$top/tests/fuzz/local.mk")
targets="$targets $(sed -n 's/^FUZZ_TARGETS += //p' "$top/tests/fuzz/local.mk")"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
for t in $targets; do
	bin="$build/tests/fuzz/fuzz_$t"
	(cd "$build" && make -s "tests/fuzz/fuzz_$t") >/dev/null
	mkdir -p "$scratch/$t"
	if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$build/tests/fuzz/crash-$t-" \
		"$scratch/$t" "$top/tests/fuzz/corpus/$t" >"$scratch/$t.log" 2>&1; then
		echo "fuzz_$t: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$scratch/$t.log" || tail -n 1 "$scratch/$t.log")"
	else
		echo "fuzz_$t: CRASH"; tail -n 40 "$scratch/$t.log"; status=1
	fi
done
exit $status
