#!/bin/sh
# The registry's integration suite again, with the registry in PostgreSQL:
# one throwaway cluster (tests/lib/pg.sh), a fresh database for each test,
# the same tests and the same expectations as on SQLite (with the searches,
# the round-trip set and the registry's own rules). Skipped, with the
# reason, where PostgreSQL is not installed; CI installs it.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/pg.sh"
pg_start
failed=
n=0
for t in metadata auth oauth fhir bundle access maintenance badinput demo forecast school routes search roundtrip ownrules dedup; do
	n=$((n + 1))
	url=$(pg_newdb "t$n")
	if VAXREG_DATABASE=$url VAXREG_RECORD_TAG=pg sh "$top_srcdir/tests/registry/$t.sh" >"$PG_DIR/$t.log" 2>&1; then
		echo "ok: $t on PostgreSQL"
	else
		echo "FAIL: $t on PostgreSQL:"
		tail -n 30 "$PG_DIR/$t.log"
		failed="$failed $t"
	fi
done
[ -z "$failed" ] || { echo "FAIL on PostgreSQL:$failed"; exit 1; }
echo "the registry suite passes on PostgreSQL ($n tests)"
