#!/bin/sh
# Faults during upload, against a real vaxregd over TLS: the registry killed
# mid-upload, maintenance (503 with Retry-After), a stalled link, a reset
# mid-request and a truncated answer. After recovery the registry holds
# exactly what was recorded, once.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_restart
cache_init
drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login"
: >"$REG_TMP/saved"

# wait_for_shots N: until the registry holds more than N DTaP shots
wait_for_shots() {
	_tok=$(registry_login CLINICA alice)
	_i=0
	while [ $_i -lt 500 ]; do
		reg_json GET '/Immunization?vaccine-code=20&_count=1' "$_tok"
		[ "$REG_STATUS" = 200 ] && [ "$(jqb .total)" -gt "$1" ] && return 0
		sleep 0.02
		_i=$((_i + 1))
	done
	fail "no shots arrived"
}

# record N clients (3 entries each)
rec() {
	drv_ok record --count "$1" >>"$REG_TMP/saved"
	[ "$DRV_RC" = 0 ] || fail "record"
}
final_sync() {
	drv_url ""
	drv sync >"$REG_TMP/sync.out" 2>&1
	[ "$DRV_RC" = 0 ] || fail "$1: recovery sync: $(cat "$REG_TMP/sync.out")"
	grep -q 'pending 0$' "$REG_TMP/sync.out" || fail "$1: left pending: $(cat "$REG_TMP/sync.out")"
	drv_ok verify "$REG_TMP/saved" >/dev/null
	echo "$1: ok"
}

# 1. the registry dies (SIGKILL) while Bundles are going up
rec 120
drv_bg "$REG_TMP/kill.out" sync
# kill it as soon as the first Bundle is in (7 more are to come)
wait_for_shots 1
kill -KILL "$REG_PID"
wait "$REG_PID" 2>/dev/null || :
REG_PID=
wait "$DRV_PID" && rc=0 || rc=$?
grep -q 'sync offline' "$REG_TMP/kill.out" ||
	fail "the sync ended before the registry was killed (exit $rc): $(cat "$REG_TMP/kill.out")"
registry_restart
final_sync "registry killed mid-upload"

# 2. maintenance: 503 + Retry-After from the first request of the sync on
rec 2
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 1200 >/dev/null
drv sync >"$REG_TMP/maint.out" 2>&1
[ "$DRV_RC" = 75 ] || fail "sync in maintenance: exit $DRV_RC: $(cat "$REG_TMP/maint.out")"
grep -q 'working offline' "$REG_TMP/maint.out" || fail "maintenance: $(cat "$REG_TMP/maint.out")"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
final_sync "maintenance at login"

# ... and maintenance starting while the sync runs: the engine goes offline
# and waits as long as Retry-After says
shots=$(reg_json GET '/Immunization?vaccine-code=20&_count=1' "$(registry_login CLINICA alice)"; jqb .total)
rec 120
drv_bg "$REG_TMP/maint2.out" sync
wait_for_shots "$shots"
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 1200 >/dev/null
wait "$DRV_PID" && rc=0 || rc=$?
[ "$rc" = 75 ] || fail "the sync ended before maintenance began: $(cat "$REG_TMP/maint2.out")"
grep -q 'next probe in 1[12][0-9][0-9] s' "$REG_TMP/maint2.out" ||
	fail "Retry-After not honoured: $(cat "$REG_TMP/maint2.out")"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
final_sync "maintenance mid-sync"

# 3. a stalled link: bytes stop mid-upload, the socket stays open
rec 30
proxy_start stall-up 2000
drv_url "$PROXY_URL"
drv sync >"$REG_TMP/stall.out" 2>&1
proxy_stop
[ "$DRV_RC" = 75 ] || fail "stalled upload: exit $DRV_RC: $(cat "$REG_TMP/stall.out")"
final_sync "stalled link"

# 4. the connection reset mid-request: the registry never commits
rec 30
proxy_start cut-up 3000
drv_url "$PROXY_URL"
drv sync >"$REG_TMP/cut.out" 2>&1
proxy_stop
final_sync "reset mid-upload"

# 5. a truncated answer: the registry committed, the client never heard
rec 30
proxy_start cut-down 60
drv_url "$PROXY_URL"
drv sync >"$REG_TMP/trunc.out" 2>&1
proxy_stop
final_sync "truncated answer"
echo ok
