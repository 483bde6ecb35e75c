#!/bin/sh
# Crash safety: the store's command line is killed with SIGKILL at random
# points while it records offline and while it syncs; after a final sync,
# every record confirmed as saved is on the registry exactly once, and so is
# every other record the outbox holds. VAXDESK_CRASH_POINTS sets the number
# of kill points (default 20; CI runs 100+).
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_start
cache_init
POINTS=${VAXDESK_CRASH_POINTS:-20}

drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login"
: >"$REG_TMP/saved"
killed_record=0
killed_sync=0
i=0
while [ $i -lt "$POINTS" ]; do
	if [ $((i % 2)) = 0 ]; then
		# mid-save: the process dies between (or inside) transactions.
		# Wait for its first save: a kill inside the slow password check
		# counts as a failed offline login (so killing cannot buy guesses),
		# and five of those in a row would lock the offline login.
		: >"$REG_TMP/saving"
		drv_bg "$REG_TMP/saving" record --count 100000
		w=0
		while [ ! -s "$REG_TMP/saving" ] && [ $w -lt 200 ] && kill -0 "$DRV_PID" 2>/dev/null; do
			sleep 0.02
			w=$((w + 1))
		done
		sleep_ms "$(random_ms 0 150)"
		if kill -KILL "$DRV_PID" 2>/dev/null; then killed_record=$((killed_record + 1)); fi
		wait "$DRV_PID" 2>/dev/null || :
		cat "$REG_TMP/saving" >>"$REG_TMP/saved"
	else
		# mid-sync: entries SENDING, a Bundle in flight, receipts half stored
		drv_bg "$REG_TMP/sync.log" sync
		sleep_ms "$(random_ms 60 450)"
		if kill -KILL "$DRV_PID" 2>/dev/null; then killed_sync=$((killed_sync + 1)); fi
	fi
	wait "$DRV_PID" 2>/dev/null || :
	i=$((i + 1))
done
[ $killed_record -gt 0 ] && [ $killed_sync -gt 0 ] ||
	fail "kills missed their targets ($killed_record recording, $killed_sync syncing)"
# a torn last line is a save that was never confirmed
n=$(grep -c '^saved [A-Za-z]* [0-9a-f-]\{36\}$' "$REG_TMP/saved" || :)
[ "$n" -gt 0 ] || fail "nothing was saved before the kills"
tries=0
while :; do
	drv sync >"$REG_TMP/final.out" 2>&1
	[ "$DRV_RC" = 0 ] && break
	tries=$((tries + 1))
	[ $tries -lt 3 ] || fail "final sync: $(cat "$REG_TMP/final.out")"
done
grep '^saved [A-Za-z]* [0-9a-f-]\{36\}$' "$REG_TMP/saved" >"$REG_TMP/confirmed"
drv_ok verify "$REG_TMP/confirmed"
echo "ok: $POINTS kill points ($killed_record while recording, $killed_sync while syncing), $n confirmed saves"
