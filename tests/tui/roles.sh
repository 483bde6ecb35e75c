#!/bin/sh
# Roles on screen, against a real vaxregd over TLS. The registry names the
# user's role at the organization with the token:
#   - a view-only user and a school user see their role, are offered no
#     write (the record's key line, the bar, help, the menu), and a write key
#     pressed anyway says why, in the registry's terms;
#   - a record typed while the user could write, sent after the registry
#     made them view-only, is refused for permission: it shows as rejected
#     with the registry's reason, never as waiting, and the registry has
#     nothing of it.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice "auto_sync = no"
registry_user CLINPENA viewer view
registry_user CLINPENA nurse school

tok=$(registry_login CLINPENA alice)
tui_client "$tok" Quintero Marisol 2019-04-12

# one user of a role that may not write: screens NAME-*.txt
look() { # USER NAME
	tui_run <<EOF2
$(tui_login_keys CLINPENA "$1")
:save-screen $S/$2-menu.txt
a
:save-screen $S/$2-menuadd.txt
s
:wait-idle
:type Quintero
<Enter>
:wait-idle
:save-screen $S/$2-results.txt
a
:save-screen $S/$2-resultsadd.txt
<Enter>
:wait-idle
:save-screen $S/$2-record.txt
a
:save-screen $S/$2-add.txt
e
:save-screen $S/$2-edit.txt
h
:save-screen $S/$2-hist.txt
<F1>
:save-screen $S/$2-help.txt
<Esc>
:save-screen $S/$2-back.txt
EOF2
	[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
}

for who in viewer:view-only nurse:school; do
	user=${who%%:*} role=${who#*:}
	look "$user" "$user"
	tui_has "$user-menu" "User: $user ($role)"
	# a school nurse's menu is the school's: no clinic tasks
	if [ "$user" = nurse ]; then
		tui_lacks "$user-menu" 'Add a client'
		tui_has "$user-menu" 'School lists'
	else
		tui_has "$user-menu" 'Add a client  - not for your role'
	fi
	tui_has "$user-menuadd" "Your role at CLINPENA is $role"
	tui_has "$user-results" 'Quintero, Marisol'
	tui_lacks "$user-results" 'Add Client'
	tui_lacks "$user-results" 'Add client'
	tui_has "$user-resultsadd" "Your role at CLINPENA is $role"
	# the record: read, and no write offered on its key line or bar
	tui_has "$user-record" 'Quintero, Marisol'
	tui_has "$user-record" "Your role at CLINPENA is $role"
	tui_lacks "$user-record" 'a Add'
	tui_lacks "$user-record" 'F3 Add'
	tui_lacks "$user-record" 'Historical'
	tui_lacks "$user-record" 'e Edit'
	# pressed anyway: refused, with the reason, and no form opens
	for k in add edit hist; do
		tui_has "$user-$k" "Your role at CLINPENA is $role"
		tui_lacks "$user-$k" 'Add New'
		tui_lacks "$user-$k" 'Edit Client'
		tui_lacks "$user-$k" 'Add Historical for'
	done
	tui_lacks "$user-help" 'Record a shot given today'
	tui_has "$user-help" 'Keys for: Client record'
	tui_has "$user-back" 'Quintero, Marisol'
done

# --- a write the registry refuses for permission: rejected, with the reason ----
tui_run <<EOF2
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Quintero, Marisol 04/12/2019")
$(tui_hist_keys 08 05/01/2019)
:save-screen $S/typed.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has typed 'Waiting to send'
# the registry makes alice view-only here before the dose is sent
registry_user CLINPENA alice view
tui_run <<EOF2
$(tui_login_keys CLINPENA alice)
:save-screen $S/viewalice.txt
<F5>
:wait-idle
:wait-text 30 refused
:save-screen $S/synced.txt
<C-o>
:wait-idle
:save-screen $S/refused.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has viewalice 'User: alice (view-only)'
tui_has synced '1 refused'
tui_has refused 'Rejected'
tui_has refused 'may not change'
tui_lacks refused 'Waiting to send'
reg_json GET "/Immunization?patient=$PID" "$tok"
[ "$(jqb '.total // (.entry | length)')" = 0 ] || fail "the registry should have refused the dose"
echo "ok: roles are shown, writes not offered and refused with the reason; a 403 is rejected, not waiting"
