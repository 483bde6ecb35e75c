#!/bin/sh
# Two users on one workstation (one HOME, one vaxdesk run), against a real
# vaxregd over TLS. Every login is a login: the confidentiality statement
# comes after the right password, for alice and then for bob, and again for
# alice. Logging out clears every trace of the session: bob sees none of
# alice's search terms, counters, messages, outbox or name. A message that
# is no longer true is not shown. q asks before leaving what has not
# reached the registry.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINPENA alice provider
registry_user CLINPENA bob provider
# the registry no longer takes CVX 141 (this workstation's tables still do),
# so one of alice's doses is refused and waits for a person
tui_registry_start_retired 141
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"

tok=$(registry_login CLINPENA alice)
tui_client "$tok" Quintero Marisol 2019-04-12

# log in as USER and save the statement as NAME
login() { # USER NAME
	printf ':wait-idle\n:type CLINPENA\n<Tab>\n:type %s\n<Tab>\n:type %s\n<Enter>\n:wait-idle\n' "$1" "$REG_PASSWORD"
	printf ':save-screen %s/%s.txt\n<Enter>\n:wait-idle\n' "$S" "$2"
}

{
	login alice alicestmt
	cat <<EOF2
$(tui_open_keys "Quintero, Marisol 04/12/2019")
$(tui_hist_keys 08 05/01/2019)
:wait-text 30 Sent 1
:save-screen $S/alicesent.txt
a
<S-Tab>
:type V02
<Tab>
:type 141
<Tab>
:type LOTE5
<Tab>
<Tab>
:type 12/31/2030
<Tab>
:type VXC1
<C-w>
:wait-idle
:wait-text 30 Some records need a person
:save-screen $S/alice.txt
<F9>
x
:wait-idle
:save-screen $S/loggedout.txt
EOF2
	login bob bobstmt
	cat <<EOF2
:save-screen $S/bob.txt
<F2>
:save-screen $S/bobsearch.txt
<C-o>
:wait-idle
:save-screen $S/boboutbox.txt
<F9>
x
:wait-idle
EOF2
	login alice alicestmt2
	cat <<EOF2
:save-screen $S/aliceagain.txt
q
:save-screen $S/quitask.txt
n
:save-screen $S/stayed.txt
q
y
EOF2
} > "$TUI_TMP/userkeys"
tui_run < "$TUI_TMP/userkeys"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"

# alice's session: a dose accepted, one refused and held for a person
tui_has alicestmt 'Confidentiality statement'
tui_has alicesent 'Sent 1'
tui_has alice 'Some records need a person: see the outbox.'
tui_has alice 'Outbox: 1'
# after logout: the login form is empty, nothing of alice's session shows
tui_has loggedout 'Log in to the immunization registry'
for t in alice CLINPENA Quintero 'Sent 1' 'need a person' 'Outbox' 'Used'; do
	tui_lacks loggedout "$t"
done
# bob: the statement after his right password, though alice accepted it in this run
tui_has bobstmt 'Confidentiality statement'
tui_has bobstmt 'I Agree'
tui_has bob 'Main menu'
tui_has bob 'User: bob'
tui_has bob 'Outbox: 0'
for t in alice Quintero 'Sent 1' 'need a person'; do
	tui_lacks bob "$t"
	tui_lacks bobsearch "$t"
	tui_lacks boboutbox "$t"
done
tui_has bobsearch 'Quick search'
tui_has boboutbox 'Nothing is waiting'
# alice again: the statement again, and her own store with her refused dose
tui_has alicestmt2 'Confidentiality statement'
tui_has aliceagain 'User: alice'
tui_has aliceagain 'Outbox: 1'
tui_lacks aliceagain 'need a person'
# q with a record that has not reached the registry asks first
tui_has quitask '1 record not sent yet (kept here until you log in again). Quit?'
tui_has stayed 'Main menu'
# a logout ends the session at the registry too: the token is no use after
[ "$(reg_audit_count User alice logout)" -ge 1 ] || tui_fail "alice's logout did not end her token at the registry"
[ "$(reg_audit_count User bob logout)" -ge 1 ] || tui_fail "bob's logout did not end his token at the registry"

# a statement declined: no login, and the registry ends the token it gave
# with the statement (a copy of it would serve whoever sent the version)
declined=$(reg_audit_count User bob logout)
tui_run <<EOF
:wait-idle
:type CLINPENA
<Tab>
:type bob
<Tab>
:type $REG_PASSWORD
<Enter>
:wait-idle
:save-screen $S/bobdecline.txt
<Esc>
:wait-idle
:save-screen $S/bobdeclined.txt
:quit
EOF
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has bobdecline 'I Agree'
tui_has bobdeclined 'You must accept the statement to log in.'
tui_has bobdeclined 'Log in to the immunization registry'
tui_lacks bobdeclined 'User: bob'
[ "$(reg_audit_count User bob logout)" -gt "$declined" ] || tui_fail "the declined login's token was not ended at the registry"
echo "ok: every login shows the statement; a second user sees nothing of the first"
