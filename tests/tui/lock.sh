#!/bin/sh
# The idle lock keeps the work going, against a real vaxregd over TLS: a shot
# saved while the registry is in maintenance waits; the screen locks (nothing
# of the record shows); the registry comes back and the outbox sends the shot
# under the lock; the password brings the record back as it was, the shot
# accepted. The registry holds it once.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice

tok=$(registry_login CLINPENA alice)
tui_client "$tok" Quintero Marisol 2019-04-12

(
	cat > "$TUI_TMP/lockkeys" <<EOF2
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Quintero, Marisol 04/12/2019")
:save-screen $S/ready.txt
:wait-file $TUI_TMP/maint-on
$(tui_hist_keys 08 05/01/2019)
:wait-text 30 OFFLINE
:save-screen $S/waiting.txt
:idle-timeout
:wait-idle
:save-screen $S/locked.txt
:wait-file $TUI_TMP/maint-off
:probe
:wait-idle
:wait-text 40 Sent 1
:save-screen $S/sent.txt
:type $REG_PASSWORD
<Enter>
:wait-idle
:save-screen $S/unlocked.txt
EOF2
	tui_run < "$TUI_TMP/lockkeys"
	echo "$TUI_STATUS" > "$TUI_TMP/status"
) &
child=$!
tui_wait_screen ready
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 2 >/dev/null
touch "$TUI_TMP/maint-on"
tui_wait_screen locked $child
# nothing reached the registry during maintenance
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '.total // (.entry | length)')" = 0 ] || fail "a dose reached the registry during maintenance"
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
touch "$TUI_TMP/maint-off"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"
tui_has waiting 'Waiting to send'
tui_has locked 'SCREEN LOCKED'
tui_lacks locked 'Quintero'
# sent under the lock, nothing of the record shown
tui_has sent 'SCREEN LOCKED'
tui_has sent 'Sent 1'
tui_lacks sent 'Quintero'
# the password: the record as it was, the shot accepted
tui_has unlocked 'Quintero, Marisol'
tui_has unlocked 'Accepted'
tui_lacks unlocked 'SCREEN LOCKED'
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '[.entry[].resource | select(.vaccineCode.coding[0].code == "08")] | length')" = 1 ] ||
	fail "the shot sent under the lock should be in the registry once"
echo "ok: the outbox goes on under the idle lock; the password brings the screen back"
