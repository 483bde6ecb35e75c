#!/bin/sh
# Faults during upload, against a real vaxregd over TLS, with front-desk
# work of every kind waiting (new clients with visits, edits, responsible
# persons, consent, dose changes and deletes; cachedrv work, from a seed
# printed first, VAXDESK_FAULT_SEED=N replays it): the registry killed
# mid-upload, maintenance (503 with Retry-After) at login and mid-sync, a
# stalled link, a reset mid-request, a truncated answer after the registry
# committed (changes then come back 412: reconciled, never a conflict);
# and the real vaxdesk sending by itself through a link that loses the
# registry's answer. After recovery every record is on the registry once
# and as the store holds it, nothing is held for a person, and the closing
# line gives the counts.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINICA alice provider
registry_restart
cache_init
DESK=$HOME/.local/share/vaxdesk # vaxdesk's own store, shared with the driver
SEED=${VAXDESK_FAULT_SEED:-$(($(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000000))}
echo "faults: seed $SEED (VAXDESK_FAULT_SEED=$SEED replays this run)"
drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login"
: >"$REG_TMP/log"
faults=0 step=0

# work N: N steps of front-desk work, offline
work() {
	drv_ok work --seed $((SEED + step)) --count "$1" >>"$REG_TMP/log"
	step=$((step + 1))
}
# wait_for_patients N: until the registry holds more than N clients
wait_for_patients() {
	_tok=$(registry_login CLINICA alice)
	_i=0
	while [ $_i -lt 500 ]; do
		reg_json GET '/Patient?_count=1' "$_tok"
		[ "$REG_STATUS" = 200 ] && [ "$(jqb .total)" -gt "$1" ] && return 0
		sleep 0.02
		_i=$((_i + 1))
	done
	fail "no clients arrived"
}
patients() {
	reg_json GET '/Patient?_count=1' "$(registry_login CLINICA alice)"
	jqb .total
}
# recovered WHAT: after the faults, a direct sync sends the rest, nothing waits
recovered() {
	drv_url ""
	drv sync >"$REG_TMP/sync.out" 2>&1
	[ "$DRV_RC" = 0 ] || fail "$1: recovery sync: exit $DRV_RC: $(cat "$REG_TMP/sync.out")"
	grep -q '^outbox: 0 waiting to be sent, 0 waiting for a person' "$REG_TMP/sync.out" ||
		fail "$1: left waiting: $(cat "$REG_TMP/sync.out")"
	grep -q 'conflict 0,' "$REG_TMP/sync.out" || fail "$1: a false conflict: $(cat "$REG_TMP/sync.out")"
	echo "$1: ok"
}
# proxied MODE N [ARM]: one sync through a faultproxy that breaks it
proxied() {
	proxy_start "$@"
	drv_url "$PROXY_URL"
	drv sync >"$REG_TMP/proxied.out" 2>&1
	proxy_stop
	faults=$((faults + 1))
	grep -q 'conflict [1-9]' "$REG_TMP/proxied.out" && fail "a false conflict: $(cat "$REG_TMP/proxied.out")"
	:
}

# 1. the registry dies (SIGKILL) while Bundles are going up (enough work for
# several Bundles of 50)
work 200
before=$(patients)
drv_bg "$REG_TMP/kill.out" sync
wait_for_patients "$before"
kill -KILL "$REG_PID"
faults=$((faults + 1))
wait "$REG_PID" 2>/dev/null || :
REG_PID=
wait "$DRV_PID" && rc=0 || rc=$?
grep -q 'sync offline' "$REG_TMP/kill.out" ||
	fail "the sync ended before the registry was killed (exit $rc): $(cat "$REG_TMP/kill.out")"
[ "$rc" = 75 ] || fail "killed registry: exit $rc, not 75"
registry_restart
recovered "registry killed mid-upload"

# 2. maintenance: 503 + Retry-After from the first request of the sync on
work 6
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 1200 >/dev/null
faults=$((faults + 1))
drv sync >"$REG_TMP/maint.out" 2>&1
[ "$DRV_RC" = 75 ] || fail "sync in maintenance: exit $DRV_RC: $(cat "$REG_TMP/maint.out")"
grep -q 'working offline' "$REG_TMP/maint.out" || fail "maintenance: $(cat "$REG_TMP/maint.out")"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
recovered "maintenance at login"

# ... and maintenance starting while the sync runs: the engine goes offline
# and waits as long as Retry-After says
work 200
before=$(patients)
drv_bg "$REG_TMP/maint2.out" sync
wait_for_patients "$before"
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 1200 >/dev/null
faults=$((faults + 1))
wait "$DRV_PID" && rc=0 || rc=$?
[ "$rc" = 75 ] || fail "the sync ended before maintenance began: $(cat "$REG_TMP/maint2.out")"
grep -q 'next probe in 1[12][0-9][0-9] s' "$REG_TMP/maint2.out" ||
	fail "Retry-After not honoured: $(cat "$REG_TMP/maint2.out")"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
recovered "maintenance mid-sync"

# 3. a stalled link: bytes stop mid-upload, the socket stays open
work 20
proxied stall-up 1000
[ "$DRV_RC" = 75 ] || fail "stalled upload: exit $DRV_RC: $(cat "$REG_TMP/proxied.out")"
recovered "stalled link"

# 4. the connection reset mid-request: the registry never commits
work 20
proxied cut-up 1000
recovered "reset mid-upload"

# 5. a truncated answer: the registry committed, the client never heard
work 20
proxied cut-down 60
recovered "truncated answer"
# ... again with only changes waiting (each comes back 412 on resend)
i=0
while [ $i -lt 3 ]; do
	drv_ok work --seed $((SEED + 1000 + i)) --count 8 >>"$REG_TMP/log"
	# (with the shared dictionary a few changes go up in about 1 kB)
	proxied cut-down 60 "$ARM_EDIT"
	i=$((i + 1))
done
recovered "truncated answers to changes"

# 6. the real vaxdesk sends by itself through a link that loses the answer
tok=$(registry_login CLINICA alice)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Faultley","given":["Ines"]}],
 "gender":"female","birthDate":"2018-04-04","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
vid=$PID
proxy_start cut-down 60 "$ARM_EDIT"
tui_conf "registry_url = $PROXY_URL" "ca_file = $REG_CA" "connect_timeout_seconds = 3"
tui_run <<EOF2
$(tui_login_keys CLINICA alice)
$(tui_open_keys "Faultley, Ines 04/04/2018")
$(keys_visit LOTF1 LOTF2)
$(keys_middle Faye)
<C-w>
:wait-idle
$(keys_change_lot LOTF3)
:save-screen $S/sent.txt
:wait-text 60 Outbox: 0
:save-screen $S/settled.txt
:quit
EOF2
proxy_stop
faults=$((faults + 1))
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has settled 'Outbox: 0'
reg_json GET "/Immunization?patient=$vid" "$tok"
[ "$(jqb '[.entry[].resource.lotNumber] | sort | join(",")')" = LOTF2,LOTF3 ] ||
	fail "vaxdesk's doses through the lossy link: $(cat "$REG_BODY")"
reg_json GET "/Patient/$vid" "$tok"
[ "$(jqb '.name[0].given[1]')" = Faye ] || fail "vaxdesk's edit through the lossy link"
recovered "vaxdesk through a link that loses an answer"

drv verify "$REG_TMP/log" >"$REG_TMP/verify.out" 2>"$REG_TMP/verify.err"
[ "$DRV_RC" = 0 ] || fail "verify: $(cat "$REG_TMP/verify.out" "$REG_TMP/verify.err")"
echo "faults: seed $SEED: $faults faults; $(sed -n 's/^verify: //p' "$REG_TMP/verify.out")"
