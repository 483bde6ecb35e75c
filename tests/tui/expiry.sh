#!/bin/sh
# The registry's token runs out mid-session: vaxdesk asks for the password
# over the screen (the lock), logs in again, and the screen below keeps what
# was typed.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINPENA alice provider
registry_start --token-ttl 8
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"

(
	sleep 10
	touch "$TUI_TMP/expired"
) &
tui_run <<EOF2
$(tui_login_keys CLINPENA alice)
:save-screen $S/menu.txt
<F2>
:wait-idle
:type QQZEBRA, anna
:wait-file $TUI_TMP/expired
<Enter>
:wait-idle
:save-screen $S/expired.txt
:type $REG_PASSWORD
<Enter>
:wait-idle
:save-screen $S/renewed.txt
<Enter>
:wait-idle
:save-screen $S/again.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has menu 'Main menu'
tui_has expired 'Your registry session has ended'
tui_lacks expired 'QQZEBRA'
tui_has renewed 'Session renewed'
# the key pressed after the token ran out locked the screen and was not acted
# on; the half-typed search is still there, and now goes through
tui_has renewed 'QQZEBRA, anna'
tui_lacks again 'Your registry session has ended'
tui_lacks again 'SCREEN LOCKED'
echo "ok: session expiry asks for the password and keeps the screen's work"
