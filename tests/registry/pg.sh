#!/bin/sh
# The registry's integration suite again, with the registry in PostgreSQL:
# one throwaway cluster (tests/lib/pg.sh), a fresh database for each test,
# the same tests and the same expectations as on SQLite (with the searches,
# the round-trip set and the registry's own rules). Skipped, with the
# reason, where PostgreSQL is not installed; CI installs it.
#
# The tests mostly wait on their servers, so PG_LANES (default 3) of them run
# at once: each lane takes the next test nobody has claimed (mkdir is the
# claim), longest first, so the whole takes about as long as its longest test.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/pg.sh"
pg_start
tests="auth roundtrip oauth demo badinput maintenance fhir metadata search school routes bundle ownrules forecast dedup access"
n=0
for t in $tests; do
	n=$((n + 1))
	pg_newdb "t$n" >"$PG_DIR/$t.url"
done

lane() {
	for t in $tests; do
		mkdir "$PG_DIR/$t.claim" 2>/dev/null || continue
		if VAXREG_DATABASE=$(cat "$PG_DIR/$t.url") VAXREG_RECORD_TAG=pg \
			sh "$top_srcdir/tests/registry/$t.sh" >"$PG_DIR/$t.log" 2>&1; then
			: >"$PG_DIR/$t.ok"
		fi
	done
}
pids=
i=0
while [ "$i" -lt "${PG_LANES:-3}" ]; do
	lane &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do wait "$p"; done

failed=
for t in $tests; do
	if [ -e "$PG_DIR/$t.ok" ]; then
		echo "ok: $t on PostgreSQL"
	else
		echo "FAIL: $t on PostgreSQL:"
		tail -n 30 "$PG_DIR/$t.log" 2>/dev/null || echo "(it did not run)"
		failed="$failed $t"
	fi
done
[ -z "$failed" ] || { echo "FAIL on PostgreSQL:$failed"; exit 1; }
echo "the registry suite passes on PostgreSQL ($n tests, ${PG_LANES:-3} at a time)"
