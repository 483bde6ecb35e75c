#!/bin/sh
# Help forgives, against a real vaxregd over TLS: F1 in every form opens the
# keys of that form over it, and Esc returns to the form as it was, with
# what was typed; also after going back and forth between the outbox and a
# record many times (which used to fill the stack, so help pushed the form
# off it), and the way back to the main menu stays short.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
tui_registry_alice "auto_sync = no"

tok=$(registry_login CLINPENA alice)
tui_client "$tok" Quintero Marisol 2019-04-12

# help NAME: F1, the help screen, Esc, the form again (NAME-help, NAME-back)
help() {
	printf '<F1>\n:save-screen %s/%s-help.txt\n<Esc>\n:save-screen %s/%s-back.txt\n' "$S" "$1" "$S" "$1"
}

{
	# the login form, before anyone is in
	echo ':wait-idle'
	echo ':type QQLOGINORG'
	help login
	echo '<C-u>'
	# Forgot Password
	echo '<F3>'
	echo '<Tab>'
	echo ':type QQFORGOT'
	help forgot
	echo '<Esc>'
	echo 'y'
	tui_login_keys CLINPENA alice
	# Change Password
	echo 'p'
	echo ':type QQOLDPW1'
	help password
	echo '<Esc>'
	echo 'y'
	# the three searches
	echo 's'
	echo ':type QQQUICK'
	help quick
	echo '<F7>'
	echo ':type QQBASIC'
	help basic
	echo '<F8>'
	echo ':type QQSMART'
	help smart
	echo '<F3>'
	echo '<C-u>'
	echo ':type Quintero, Marisol 04/12/2019'
	echo '<Enter>'
	echo ':wait-idle'
	# Edit Client, two tabs
	echo 'e'
	echo '<End>'
	echo ':type QQEDIT'
	help edit
	echo '<F7>'
	echo ':type QQSTREET'
	help edit2
	echo '<Esc>'
	echo 'y'
	# the shot forms: Add New, Add Historical, a refusal
	echo 'a'
	echo ':type QQLOT'
	help addnew
	echo '<Esc>'
	echo 'y'
	echo 'h'
	echo ':type 08'
	help hist
	echo '<Tab>'
	echo ':type 05/01/2019'
	echo '<Tab>'
	echo ':type 01'
	echo '<C-w>'
	echo ':wait-idle'
	echo 'r'
	echo ':type 03'
	help refusal
	echo '<Esc>'
	echo 'y'
	# changing and deleting the dose
	echo 'c'
	echo '<C-u>'
	echo ':type 20'
	help change
	echo '<Esc>'
	echo 'y'
	echo 'd'
	echo ':type QQWHY'
	help delete
	echo '<Esc>'
	echo 'y'
	# the outbox's discard reason
	echo '<C-o>'
	echo ':wait-idle'
	echo 'd'
	echo 'y'
	echo ':type QQREASON'
	help discard
	echo '<Esc>'
	# deep: the record opened from the outbox, again and again
	i=0
	while [ $i -lt 9 ]; do
		echo '<Enter>'
		echo ':wait-idle'
		echo '<C-o>'
		echo ':wait-idle'
		i=$((i + 1))
	done
	echo '<Enter>'
	echo ':wait-idle'
	echo 'e'
	echo '<Tab>'
	echo ':type QQDEEP'
	help deep
	echo ":save-screen $S/deep-end.txt"
	# back: the edit, the record, the outbox, the first record, the
	# results, the search, the menu
	echo '<Esc>'
	echo 'y'
	for k in 1 2 3 4 5; do
		echo '<Esc>'
		echo ':wait-idle'
	done
	echo ":save-screen $S/home.txt"
} > "$TUI_TMP/helpkeys"
tui_run < "$TUI_TMP/helpkeys"
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"

# each form: its own keys in help, then the form again with what was typed
check() { # NAME TITLE TYPED
	tui_has "$1-help" "Keys for: $2"
	tui_lacks "$1-help" "$3"
	tui_has "$1-back" "$3"
	tui_lacks "$1-back" 'Keys for:'
}
check login 'Log in' QQLOGINORG
check forgot 'Forgot password' QQFORGOT
check password 'Change password' '********'
check quick 'Find a client' QQQUICK
check basic 'Find a client' QQBASIC
check smart 'Find a client' QQSMART
check edit 'Client details' QuinteroQQEDIT
check edit2 'Client details' QQSTREET
tui_has edit2-back '[Address]'
check addnew 'Immunization' QQLOT
tui_has addnew-back 'Add New (given here) for Quintero, Marisol'
check hist 'Immunization' 'Add Historical for Quintero, Marisol'
check refusal 'Immunization' 'Record a refusal for Quintero, Marisol'
check change 'Immunization' 'Change a historical dose for Quintero, Marisol'
check delete 'Immunization' QQWHY
check discard 'Discard' QQREASON
check deep 'Client details' QQDEEP
tui_lacks deep-end 'Too many screens'
tui_has home 'Main menu'
echo "ok: help over every form returns to it unchanged"
