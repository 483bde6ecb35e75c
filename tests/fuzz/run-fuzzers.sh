#!/bin/sh
# tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS] - fuzz every target for a
# while with libFuzzer (a build configured with --enable-fuzzing CC=clang).
# New inputs go to a scratch folder, never into the checked-in corpus; a crash
# leaves its input as BUILDDIR/tests/fuzz/crash-<target>-* and fails the run.
# Targets run as many at once as there are cores, each for SECONDS.
set -eu
build=${1:?usage: run-fuzzers.sh BUILDDIR [SECONDS]}
secs=${2:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
targets=$(sed -n 's/^FUZZ_TARGETS = //p' "$top/tests/fuzz/local.mk")
targets="$targets $(sed -n 's/^FUZZ_TARGETS += //p' "$top/tests/fuzz/local.mk")"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
status=0
(cd "$build" && make -s -j"$(nproc)" $(for t in $targets; do echo "tests/fuzz/fuzz_$t"; done)) >/dev/null
# fuzz_one TARGET: its run, its line; a crash leaves a mark for the status
fuzz_one() {
	mkdir -p "$scratch/$1"
	if "$build/tests/fuzz/fuzz_$1" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/tests/fuzz/crash-$1-" \
		"$scratch/$1" "$top/tests/fuzz/corpus/$1" >"$scratch/$1.log" 2>&1; then
		echo "fuzz_$1: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$scratch/$1.log" || tail -n 1 "$scratch/$1.log")" \
			>"$scratch/$1.out"
	else
		{ echo "fuzz_$1: CRASH"; tail -n 40 "$scratch/$1.log"; } >"$scratch/$1.out"
		touch "$scratch/failed"
	fi
}
# each target gets its SECONDS alone on a core: as many at once as there
# are cores, their lines in the targets' order
jobs=$(nproc)
running=0
for t in $targets; do
	fuzz_one "$t" &
	running=$((running + 1))
	if [ "$running" -ge "$jobs" ]; then
		wait
		running=0
	fi
done
wait
for t in $targets; do cat "$scratch/$t.out"; done
[ ! -e "$scratch/failed" ] || status=1
exit $status
