#!/bin/sh
# The access screens against a real vaxregd over TLS: confidentiality and
# login, an organization name with accents, Switch Organization, the idle
# lock keeping a half-typed form, the registry going into maintenance
# mid-session (banner, no freeze); wrong password x3 -> a wait before each
# next attempt, x3 more (each after its wait)
# -> reset with the token from the registry's mail spool -> log in with the
# new password.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINPENA alice provider
registry_user CLINICB alice view
registry_user CLINPENA bob provider
# (org add again renames; registry_user names new orgs "<code> clinic")
registry_org CLINPENA 'Clínica Peña Nguyễn'
registry_start
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"

# --- alice: statement, login, org name, switch, lock, maintenance ---------
(
	tui_run <<EOF2
$(tui_login_keys CLINPENA alice no-statement)
:save-screen $S/confid.txt
<Enter>
:wait-idle
:save-screen $S/chooser.txt
<Enter>
:wait-idle
:save-screen $S/menu.txt
w
:wait-idle
:save-screen $S/portal.txt
<Up>
<Enter>
:wait-idle
:save-screen $S/switched.txt
<F2>
:type QQDRAFT
:idle-timeout
:save-screen $S/locked.txt
:type Wrong!one1
<Enter>
:save-screen $S/lockwrong.txt
:type $REG_PASSWORD
<Enter>
:save-screen $S/unlocked.txt
:save-screen $S/ready.txt
:wait-file $TUI_TMP/maint
:probe
:wait-idle
:save-screen $S/maint.txt
<Tab>
:type X
:save-screen $S/maint2.txt
EOF2
	echo "$TUI_STATUS" > "$TUI_TMP/alice.status"
) &
child=$!
tui_wait_screen ready
"$VAXREGD" maintenance on --data "$REG_DIR" --retry 600 >/dev/null
touch "$TUI_TMP/maint"
wait $child
[ "$(cat "$TUI_TMP/alice.status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/alice.status")"
tui_has confid 'Confidentiality statement'
tui_has confid 'I Agree'
# a user of several organizations chooses one first (the current is marked)
tui_has chooser 'Choose the organization to work for'
tui_has chooser 'CLINICB'
tui_has chooser 'Clínica Peña Nguyễn  (current)'
tui_has menu 'Main menu'
tui_has menu 'Org: CLINPENA'
tui_has menu 'User: alice'
tui_has menu 'Clínica Peña Nguyễn'
tui_has menu 'ONLINE'
tui_lacks menu 'Find a client  - not available in this version'
tui_has portal 'CLINICB clinic'
tui_has switched 'Org: CLINICB'
tui_has locked 'SCREEN LOCKED'
tui_lacks locked QQDRAFT
tui_lacks locked 'Quick search'
tui_has lockwrong 'Wrong password (1 of 5 tries)'
tui_has unlocked 'Quick search'
tui_has unlocked QQDRAFT
tui_has maint 'OFFLINE - REGISTRY IN MAINTENANCE'
tui_has maint 'OFFLINE (maintenance)'
tui_has maint '(back in about 10 min)'
# still answering keys
tui_has maint2 QQDRAFTX
"$VAXREGD" maintenance off --data "$REG_DIR" >/dev/null

# --- bob: 3 wrong -> a wait, 3 more (after the waits) -> reset via the mail spool -
(
	tui_run <<EOF2
:wait-idle
:type CLINPENA
<Tab>
:type bob
<Tab>
:type Wrong!pass1
<Enter>
:wait-idle
:save-screen $S/wrong1.txt
:type Wrong!pass1
<Enter>
:wait-idle
:type Wrong!pass1
<Enter>
:wait-idle
:save-screen $S/challenge.txt
:wait-file $TUI_TMP/waited1
:type Wrong!pass1
<Enter>
:wait-idle
:save-screen $S/try4.txt
:wait-file $TUI_TMP/waited2
:type Wrong!pass1
<Enter>
:wait-idle
:save-screen $S/try5.txt
:wait-file $TUI_TMP/waited3
:type Wrong!pass1
<Enter>
:wait-idle
:save-screen $S/reset.txt
:type bob@example.org
<Enter>
:wait-idle
:save-screen $S/step2.txt
:wait-file $TUI_TMP/token
:type-file $TUI_TMP/token
<Tab>
:type Fresh!word42
<Tab>
:type Fresh!word42
<Enter>
:wait-idle
:save-screen $S/updated.txt
:type Fresh!word42
<Enter>
:wait-idle
:save-screen $S/bobconfid.txt
<Enter>
:wait-idle
:save-screen $S/bobin.txt
EOF2
	echo "$TUI_STATUS" > "$TUI_TMP/bob.status"
) &
child=$!
# each attempt after the third waits as the registry asks (1 s, 2 s, 4 s in
# tests): the person reads the screen, waits a little longer, types again
k=1
delay=1
for f in challenge try4 try5; do
	tui_wait_screen $f $child
	sleep $((delay + 1))
	touch "$TUI_TMP/waited$k"
	k=$((k + 1))
	delay=$((delay * 2))
done
tui_wait_screen step2
mail=$(ls "$REG_DIR/mail/new" 2>/dev/null | head -1)
if [ -n "$mail" ]; then
	sed -n 's/^Reset token (valid [0-9]* hours): //p' "$REG_DIR/mail/new/$mail" > "$TUI_TMP/token.t"
	mv "$TUI_TMP/token.t" "$TUI_TMP/token"
else
	touch "$TUI_TMP/token"
fi
wait $child
[ "$(cat "$TUI_TMP/bob.status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/bob.status")"
tui_has wrong1 'is not right.'
tui_has wrong1 'left: 5.'
# the statement comes after the right password only, at this login too
tui_lacks wrong1 'Confidentiality statement'
tui_has bobconfid 'Confidentiality statement'
tui_has challenge 'Wait 1'
tui_has challenge 'before the next attempt. Attempts left: 3.'
tui_lacks challenge 'Challenge'
tui_has try4 'Wait 2'
tui_has try4 'Attempts left: 2.'
tui_has try5 'Wait 4'
tui_has try5 'Attempts left: 1.'
tui_has reset 'Forgot password - step 1 of 2'
tui_has reset 'bob'
tui_has step2 'step 2 of 2'
tui_has step2 'Passwords: 8 to 16 characters'
[ -n "$mail" ] || tui_fail "no reset mail in the spool"
tui_has updated 'Password Updated'
tui_has bobin 'Main menu'
tui_has bobin 'User: bob'

# --- the registry unreachable: offline login from the local store ----------
# (bob was the last to log in online here, so his password opens the store;
# a first login of a user new to the workstation re-keys the cache)
registry_stop
tui_run <<EOF2
:wait-idle
:type CLINPENA
<Tab>
:type bob
<Tab>
:type Wrong!pass9
<Enter>
:wait-idle
:save-screen $S/offwrong.txt
:type Fresh!word42
<Enter>
:wait-idle
:save-screen $S/offline.txt
<Down>
<Enter>
:save-screen $S/offmenu.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "offline run exit status $TUI_STATUS"
tui_has offwrong 'Offline login:'
tui_has offwrong 'OFFLINE - REGISTRY NOT REACHABLE'
tui_has offline 'Main menu'
tui_has offline 'Logged in OFFLINE'
tui_has offline 'OFFLINE - REGISTRY NOT REACHABLE'
tui_has offline 'User: bob'
tui_has offline 'Outbox: 0'
tui_has offline 'needs the registry (offline)'
# never a user the store does not know
tui_run <<EOF2
:type CLINPENA
<Tab>
:type carol
<Tab>
:type $REG_PASSWORD
<Enter>
:wait-idle
:save-screen $S/offnew.txt
EOF2
tui_has offnew 'Offline login needs one online login on this'
exit 0
