#!/bin/sh
# Replay every fuzz target's corpus once (a regression test for every input
# that ever crashed a parser). Each target must exist and accept its corpus.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
status=0
for t in $FUZZ_TARGETS; do
	bin="$top_builddir/tests/fuzz/fuzz_$t"
	corpus="$top_srcdir/tests/fuzz/corpus/$t"
	if [ ! -d "$corpus" ] || [ -z "$(ls -A "$corpus")" ]; then
		echo "fuzz_$t: no corpus in $corpus" >&2
		status=1
		continue
	fi
	# files, not the folder: a libFuzzer binary given a folder starts fuzzing
	# it, given files it runs each once
	"$bin" "$corpus"/* || { echo "fuzz_$t: FAILED" >&2; status=1; }
done
exit $status
