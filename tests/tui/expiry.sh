#!/bin/sh
# The registry's token and the people who work past it, against a real
# vaxregd over TLS with short token lifetimes:
#   - someone who keeps working is never stopped: vaxdesk renews the token
#     while keys are pressed, and the registry keeps answering;
#   - someone who stops, with a shot half typed, finds the password asked
#     over the screen once the token has run out; after it the form is as it
#     was, the store is open, the shot saves, and the outbox sends it: the
#     registry has it;
#   - when the token runs out during maintenance, the password lets the
#     work go on offline (the registry cannot take a login then), and the
#     session signs in once the registry is back; the shot recorded in the
#     meantime reaches the registry once.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINPENA alice provider
registry_start --token-ttl 8
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"

tok=$(registry_login CLINPENA alice)
tui_client "$tok" Quintero Marisol 2019-04-12

# --- working: a key every 2 s for 20 s (the token lives 8 s) ------------------
{
	tui_login_keys CLINPENA alice
	echo '<F2>'
	echo ':wait-idle'
	i=0
	while [ $i -lt 10 ]; do
		# a pause as a person takes between keys (nothing shows this text)
		echo ':wait-text 2 NOTHING-SHOWS-THIS'
		echo ':type Q'
		echo '<Backspace>'
		echo ":save-screen $S/working$i.txt"
		i=$((i + 1))
	done
	echo ':type Quintero, Marisol 04/12/2019'
	echo '<Enter>'
	echo ':wait-idle'
	echo ":save-screen $S/found.txt"
} > "$TUI_TMP/script1"
tui_run < "$TUI_TMP/script1"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
i=0
while [ $i -lt 10 ]; do
	tui_lacks "working$i" 'SESSION ENDED'
	tui_lacks "working$i" 'Your registry session has ended'
	i=$((i + 1))
done
# 20 s after login the registry still answers this session
tui_has found 'Quintero, Marisol'
tui_has found '| ONLINE |'
tui_lacks found 'could not send this client'

# --- stopping: a shot half typed, the token runs out, the password ------------
tui_run <<EOF2
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Quintero, Marisol 04/12/2019")
h
:type 08
<Tab>
:type 05/01/2019
:save-screen $S/halftyped.txt
:wait-text 40 Your registry session has ended
:save-screen $S/expired.txt
<Tab>
:save-screen $S/expiredkey.txt
:type $REG_PASSWORD
<Enter>
:wait-idle
:save-screen $S/renewed.txt
<Tab>
:type 01
<C-w>
:wait-idle
:save-screen $S/saved.txt
:wait-text 40 Accepted
:save-screen $S/sent.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has halftyped 'Add Historical for Quintero, Marisol'
tui_has expired 'Your registry session has ended'
# the lock hides the form and takes no key for it
tui_lacks expired 'Quintero'
tui_lacks expiredkey 'Quintero'
tui_has renewed 'Session renewed'
# the half-typed form is still there, as it was
tui_has renewed 'Add Historical for Quintero, Marisol'
tui_has renewed '05/01/2019'
tui_lacks renewed 'SESSION ENDED'
# the store is open: the shot saves, and the outbox sends it by itself
tui_has saved 'saved; waiting to send'
tui_lacks saved 'store is not open'
tui_lacks saved 'store is locked'
tui_has sent 'Accepted'
tok=$(registry_login CLINPENA alice) # the first one has long run out
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '[.entry[].resource | select(.vaccineCode.coding[0].code == "08") | .occurrenceDateTime[0:10]] | join(",")')" = 2019-05-01 ] ||
	fail "the shot typed across the expiry should be in the registry once"

# --- the token runs out while the registry is in maintenance ------------------
(
	cat > "$TUI_TMP/script3" <<EOF2
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Quintero, Marisol 04/12/2019")
:save-screen $S/m-ready.txt
:wait-file $TUI_TMP/m-on
:probe
:wait-idle
:wait-text 40 Your registry session has ended
:save-screen $S/m-expired.txt
:type $REG_PASSWORD
<Enter>
:wait-idle
:save-screen $S/m-offline.txt
$(tui_hist_keys 20 07/01/2019)
:save-screen $S/m-saved.txt
:wait-file $TUI_TMP/m-off
:probe
:wait-idle
:wait-text 30 The registry is back
<F5>
:wait-idle
:type $REG_PASSWORD
<Enter>
:wait-idle
<Enter>
:wait-idle
:wait-text 40 1 accepted
:save-screen $S/m-signedin.txt
EOF2
	tui_run < "$TUI_TMP/script3"
	echo "$TUI_STATUS" > "$TUI_TMP/m-status"
) &
child=$!
tui_wait_screen m-ready
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 2 >/dev/null
touch "$TUI_TMP/m-on"
tui_wait_screen m-saved $child
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
touch "$TUI_TMP/m-off"
wait $child
[ "$(cat "$TUI_TMP/m-status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/m-status")"
tui_has m-expired 'Your registry session has ended'
# the registry cannot take the login: the work goes on offline, as it was
tui_has m-offline 'Working offline: the registry cannot be reached.'
tui_has m-offline 'Quintero, Marisol'
tui_has m-offline 'OFFLINE'
tui_lacks m-offline 'SESSION ENDED'
tui_has m-saved 'saved; waiting to send'
tui_has m-signedin '| ONLINE |'
tok=$(registry_login CLINPENA alice)
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '[.entry[].resource | select(.vaccineCode.coding[0].code == "20")] | length')" = 1 ] ||
	fail "the shot recorded after the expiry, offline, should be in the registry once"
echo "ok: working renews the token; after expiry the password keeps the form, the store and the outbox, online or not"
