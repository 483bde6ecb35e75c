#!/bin/sh
# Signing in on another device (OAuth 2.0 device grant, RFC 8628) against a
# real vaxregd, with this script playing the person who approves on a phone:
# it reads the code off vaxdesk's screen and posts the registry's approval
# page with their own login, as a browser would.
#   - the code and the address are shown; the registry's slow_down makes
#     vaxdesk poll less often, and it says so; a wrong password on the phone
#     is refused there; the approval signs vaxdesk in as that person;
#   - their first such sign-in here chooses a passphrase, which opens their
#     records: a shot recorded reaches the registry; the token runs out while
#     nobody works and the passphrase renews it by the refresh token (no
#     password typed anywhere); the idle lock opens with it too;
#   - with the registry down, the passphrase logs in offline;
#   - a code nobody approves expires, a refused one says so, and a new code
#     approved asks for the passphrase they chose (a wrong one is counted).
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice
tok=$(registry_login CLINPENA alice)
tui_client "$tok" Fuentes Lucia 2020-02-02
registry_stop

PASS='correct horse battery'

# approve CODE [ACTION [PASSWORD]]: the person's answer on the registry's page
approve() {
	reg GET "/auth/activate?user_code=$1"
	[ "$REG_STATUS" = 200 ] || fail "activation page: $REG_STATUS"
	reg POST /auth/activate --data-urlencode "user_code=$1" --data-urlencode org_code=CLINPENA \
		--data-urlencode username=alice --data-urlencode "password=${3:-$REG_PASSWORD}" \
		--data confidentiality_accepted=true --data "action=${2:-approve}"
}
# code_on SCREEN: the user code vaxdesk shows there
code_on() {
	grep -oE '[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}' "$S/$1.txt" | head -1
}

# --- first sign-in: slow_down, a wrong password on the phone, the passphrase -----
registry_start --device-interval 1 --test-device-slow-down 1 --token-ttl 12
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "idle_lock_minutes = 30"
(
	tui_run <<EOF
:wait-idle
:save-screen $S/login.txt
<F4>
:wait-text 20 type this code
:save-screen $S/device.txt
:wait-text 30 every 6 seconds
:save-screen $S/slow.txt
:wait-text 60 Choose a passphrase
:save-screen $S/setpass.txt
:type short
<Tab>
:type short
<Enter>
:save-screen $S/tooshort.txt
<C-u>
:type $PASS
<Tab>
<C-u>
:type $PASS
<Enter>
:wait-idle
:save-screen $S/menu.txt
$(tui_open_keys "FUENTES, LUCIA 02/02/2020")
:wait-text 20 the registry's rules
:save-screen $S/opened.txt
$(tui_hist_keys 08 02/03/2020)
<F5>
:wait-idle
:wait-text 20 Accepted
:save-screen $S/sent.txt
:wait-text 40 SESSION ENDED
:save-screen $S/ended.txt
:type $PASS
<Enter>
:wait-idle
:save-screen $S/renewed.txt
<F12>
:save-screen $S/locked.txt
:type $PASS
<Enter>
:save-screen $S/unlocked.txt
EOF
	echo "$TUI_STATUS" >"$TUI_TMP/status"
) &
child=$!
tui_wait_screen device $child
code=$(code_on device)
[ -n "$code" ] || tui_fail "no code on the device screen"
approve "$code" approve 'Wrong!pass2026'
[ "$REG_STATUS" = 400 ] || fail "a wrong password on the phone was taken: $REG_STATUS"
grep -q "not right" "$REG_BODY" || fail "the page does not say the password was wrong"
tui_wait_screen slow $child
approve "$code"
[ "$REG_STATUS" = 200 ] || fail "approval: $REG_STATUS"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"
tui_has login 'Or sign in on your phone or computer: press F4.'
tui_has device "$REG_URL/auth/activate"
tui_has device "$code"
tui_has device 'Waiting for you to approve the sign-in on the other device.'
tui_has slow 'checking every 6 seconds now'
tui_has setpass 'Signed in as alice'
tui_has tooshort 'Use at least 10 characters'
tui_has menu 'Org: CLINPENA'
tui_has menu 'User: alice'
tui_has menu 'ONLINE'
tui_has sent 'Accepted'
# the device's login named the registry's forecast rules, the ones vaxdesk
# holds: the record shows the forecast computed here, and says whose rules,
# with the dose given since as well
tui_has opened "ACIP schedule, by the registry's rules"
tui_has sent "ACIP schedule, by the registry's rules"
# the shot reached the registry under the device's login
reg_json GET "/Immunization?patient=Patient/$PID" "$tok"
[ "$(jqb '.entry | length')" = 1 ] || fail "the shot did not reach the registry"
tui_has ended 'Type the passphrase for alice'
tui_lacks renewed 'SESSION ENDED'
tui_has renewed 'Session renewed'
tui_has renewed 'ONLINE'
tui_has locked 'SCREEN LOCKED'
tui_has locked 'Passphrase'
tui_lacks unlocked 'SCREEN LOCKED'
tui_lacks unlocked "$PASS"
# the registry's audit: approved on the phone, the device's own login, and
# renewals by the refresh token (no password went anywhere)
[ "$(reg_audit_count User alice device-approved)" = 1 ] || fail "device approval not audited"
[ "$(reg_audit_count User alice login-device)" = 1 ] || fail "device login not audited"
[ "$(reg_audit_count User alice refresh)" -ge 1 ] || fail "no renewal by the refresh token"

# --- the registry is down: the passphrase opens the records offline ---------------
registry_stop
tui_run <<EOF
:wait-idle
:type CLINPENA
<Tab>
:type alice
<Tab>
:type $PASS
<Enter>
:wait-idle
:save-screen $S/offline.txt
EOF
tui_has offline 'Logged in OFFLINE'
tui_has offline 'User: alice'

# --- expiry, refusal, and a second device sign-in: the passphrase opens the store ---
registry_start --device-interval 1 --device-code-ttl 6
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"
(
	tui_run <<EOF
:wait-idle
<F4>
:wait-text 20 type this code
:wait-text 30 expired
:save-screen $S/expired.txt
<Enter>
:wait-text 20 type this code
:save-screen $S/device2.txt
:wait-text 30 refused
:save-screen $S/refused.txt
<Enter>
:wait-text 20 type this code
:save-screen $S/device3.txt
:wait-text 30 Your passphrase
:save-screen $S/unlock.txt
:type wrong passphrase
<Enter>
:save-screen $S/wrongpass.txt
:type $PASS
<Enter>
:wait-idle
:save-screen $S/menu2.txt
EOF
	echo "$TUI_STATUS" >"$TUI_TMP/status"
) &
child=$!
tui_wait_screen device2 $child
approve "$(code_on device2)" deny
[ "$REG_STATUS" = 200 ] || fail "refusal: $REG_STATUS"
tui_wait_screen device3 $child
code3=$(code_on device3)
approve "$code3"
[ "$REG_STATUS" = 200 ] || fail "second approval: $REG_STATUS"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"
tui_has expired 'The code expired before the sign-in was approved.'
tui_has expired 'for a new code'
tui_has refused 'The sign-in was refused on the other device.'
[ "$code3" != "$(code_on device2)" ] || fail "a new code was not asked for"
tui_has unlock 'Signed in as alice'
tui_has wrongpass 'Wrong passphrase (4 attempts left)'
tui_has menu2 'User: alice'
tui_has menu2 'ONLINE'
echo ok
