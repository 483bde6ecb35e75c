#!/bin/sh
# An offline session when the registry comes back, against a real vaxregd
# over TLS: alice logs in online once (so this workstation's store knows
# her), then logs in OFFLINE during maintenance and records a shot. When
# maintenance ends, vaxdesk says the registry is back and what to press;
# that key asks the password over the screen she is on (her half-typed
# second shot stays as it was). A wrong password is refused by the registry,
# in words, and she stays offline with the shot waiting; the right one
# brings the confidentiality statement (every login shows it, after the
# password), then makes the session an ordinary online one, and the outbox
# goes by itself. The registry then holds each dose once.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice

registry_login CLINPENA alice > "$TUI_TMP/tok"
tok=$(cat "$TUI_TMP/tok")
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Okonkwo","given":["Adaeze"]}],
 "gender":"female","birthDate":"2018-06-02",
 "address":[{"line":["4 Oak St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'

# --- once online: the store learns alice and caches the client ----------------
tui_run <<EOF2
$(tui_login_keys CLINPENA alice)
s
:wait-idle
:type Okonkwo, Adaeze 06/02/2018
<Enter>
:wait-idle
:save-screen $S/online.txt
:quit
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has online 'Okonkwo, Adaeze'
tui_has online '| ONLINE |'

# --- maintenance: offline login, a shot, then the registry comes back ---------
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 2 >/dev/null
(
	cat > "$TUI_TMP/script2" <<EOF2
$(tui_login_keys CLINPENA alice no-statement)
:save-screen $S/offline.txt
s
:wait-idle
:type Okonkwo, Adaeze 06/02/2018
<Enter>
:wait-idle
h
:type 08
<Tab>
:type 06/03/2018
<Tab>
:type 01
<C-w>
:wait-idle
:save-screen $S/recorded.txt
h
:type 20
<Tab>
:type 08/02/2018
:save-screen $S/halftyped.txt
:save-screen $S/ready.txt
:wait-file $TUI_TMP/maint_off
:wait-text 30 The registry is back
:save-screen $S/back.txt
<F5>
:wait-idle
:save-screen $S/prompt.txt
:type Wrong!pass2026
<Enter>
:wait-idle
:save-screen $S/wrong.txt
:type Wrong!pass2026
<Enter>
:wait-idle
:type Wrong!pass2026
<Enter>
:wait-idle
:save-screen $S/challenge.txt
:wait-file $TUI_TMP/waited
:type $REG_PASSWORD
<Enter>
:wait-idle
:save-screen $S/statement.txt
<Enter>
:wait-idle
:wait-text 30 1 accepted
:save-screen $S/signedin.txt
<Tab>
:type 01
<C-w>
:wait-idle
:wait-text 30 Accepted        1 of 5
:save-screen $S/second.txt
:quit
EOF2
	tui_run < "$TUI_TMP/script2"
	echo "$TUI_STATUS" > "$TUI_TMP/status"
) &
child=$!
tui_wait_screen ready
# nothing reached the registry while it was in maintenance
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '.total // (.entry | length)')" = 0 ] || fail "a dose reached the registry during maintenance"
touch "$TUI_TMP/maint_off"
# after three wrong passwords the registry makes the next attempt wait (1 s
# in tests): the person waits, as the screen says, then types the password
tui_wait_screen challenge $child
sleep 2
touch "$TUI_TMP/waited"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"

tui_has offline 'Logged in OFFLINE'
tui_has recorded 'Okonkwo, Adaeze'
tui_has recorded 'OFFLINE (maintenance)'
tui_has recorded 'Outbox: 1'
tui_has halftyped '08/02/2018'
# back: said in words on the status line, the banner and the message line
tui_has back 'OFFLINE (registry back)'
tui_has back 'The registry is back: press F5 to sign in and send 1 record.'
tui_has back 'Outbox: 1'
tui_has back 'OFFLINE SESSION - the registry is back: press F5 to sign in'
tui_lacks back '| ONLINE |'
tui_has prompt 'SIGN IN TO THE REGISTRY'
tui_has prompt 'Type the password for alice'
tui_lacks prompt 'Okonkwo'
# a wrong password: the registry's words and its lockout, still offline
tui_has wrong 'Not signed in:'
tui_has wrong 'Not signed in; still offline (Esc goes back to work).'
tui_has wrong 'not right'
tui_has wrong 'more wrong password'
tui_has wrong 'OFFLINE (registry back)'
tui_has wrong 'Outbox: 1'
tui_lacks wrong 'Wrong!pass2026'
tui_lacks wrong "$REG_PASSWORD"
# the third: the registry makes the next attempt wait, and says how close
# the account is to a reset; no challenge word
tui_has challenge 'Wait'
tui_has challenge '1 second before the next attempt.'
tui_has challenge '3 more wrong passwords and the account needs'
tui_has challenge 'OFFLINE (registry back)'
tui_lacks challenge 'Challenge'
# the right one, after the wait: an ordinary online session, the outbox sent by itself, and
# the half-typed shot form is still there
# the statement after the right password (not before, not for a wrong one)
tui_lacks wrong 'Confidentiality statement'
tui_has statement 'Confidentiality statement'
tui_has signedin '| ONLINE |'
tui_has signedin 'Org: CLINPENA'
tui_has signedin 'User: alice'
tui_has signedin 'Sync: 1 accepted'
tui_has signedin '08/02/2018'
tui_lacks signedin 'OFFLINE SESSION'
tui_has second '| ONLINE |'
tui_has second 'Outbox: 0'
tui_has second 'Accepted        1 of 5'
! grep -qF "$REG_PASSWORD" "$TUI_TMP/err" || tui_fail "the password reached stderr"

# the registry holds each dose exactly once
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '[.entry[] | .resource.vaccineCode.coding[0].code] | sort | join(",")')" = 08,20 ] ||
	fail "the registry should hold CVX 08 and 20 once each: $(jqb '[.entry[] | .resource.vaccineCode.coding[0].code] | join(",")')"
echo "ok: an offline session signs in when the registry is back and sends its outbox once"
