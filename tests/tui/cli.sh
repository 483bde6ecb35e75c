#!/bin/sh
# Command line: --help, --version, the local store's subcommands,
# scripted mode without a terminal, refusing to run without one.
set -eu
. "$top_srcdir/tests/tui/lib.sh"

"$VAXDESK" --help | grep -q -- '--check-keys' || tui_fail "--help"
"$VAXDESK" --version | grep -q '^vaxdesk ' || tui_fail "--version"
st=0
"$VAXDESK" --no-such-option 2>/dev/null || st=$?
[ "$st" = 2 ] || tui_fail "unknown option gave $st"
# the store's subcommands reach cache/ (which asks who is working)
st=0
"$VAXDESK" sync 2>"$TUI_TMP/err" || st=$?
[ "$st" != 0 ] || tui_fail "sync without a user succeeded"
grep -q -- '--org' "$TUI_TMP/err" || tui_fail "sync message"
st=0
VAXDESK_NO_DISPLAY=1 "$VAXDESK" 2>"$TUI_TMP/err" || st=$?
[ "$st" = 2 ] || tui_fail "no display without a script gave $st"
st=0
"$VAXDESK" </dev/null >/dev/null 2>"$TUI_TMP/err" || st=$?
[ "$st" = 1 ] && grep -q 'needs a terminal' "$TUI_TMP/err" || tui_fail "ran without a terminal"
# a bad config line is reported, not fatal
tui_conf 'idle_lock_minutes = never'
tui_run <<EOF2
:save-screen $S/conf.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "bad config was fatal"
tui_has conf 'vaxdesk.conf:1'
# except a pin that cannot be read: never connect without it, say so, stop
for cmd in '' sync; do
	tui_conf 'pinned_pubkey = sha256//not-a-pin'
	st=0
	tui_run $cmd <<EOF2
:save-screen $S/pin.txt
EOF2
	[ "$TUI_STATUS" = 2 ] || tui_fail "vaxdesk $cmd started with a malformed pinned_pubkey ($TUI_STATUS)"
	grep -q 'vaxdesk.conf:1: pinned_pubkey is not sha256//' "$TUI_TMP/err" ||
		tui_fail "vaxdesk $cmd: no message for the malformed pin: $(cat "$TUI_TMP/err")"
done
exit 0
