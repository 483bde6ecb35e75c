#!/bin/sh
# What vaxdesk writes to a real terminal (a pty, 80x24) per keystroke, for
# a 9600-baud line: a typed character repaints its field's change, never the
# screen (bench/ttybytes.py counts; bench/links.sh prints the whole task).
set -eu
. "$top_srcdir/tests/tui/lib.sh"
[ -x /usr/bin/python3 ] || { echo "skip: /usr/bin/python3 missing"; exit 77; }
tui_conf "workstation = desk-1"
cat > "$TUI_TMP/keys" <<'EOF'
settle 300
type CLINPENA
key Tab
type alice
key Tab
type Secret!pass1
key Tab
type ñ
EOF
VAXDESK_DATADIR=${VAXDESK_DATADIR:-$top_srcdir/data} /usr/bin/python3 "$top_srcdir/bench/ttybytes.py" \
	"$TUI_TMP/keys" -- "$VAXDESK" > "$TUI_TMP/bytes" 2>"$TUI_TMP/err" || tui_fail "ttybytes.py failed"
eval "$(tr ' ' '\n' < "$TUI_TMP/bytes" | sed -n 's/^\([a-z_]*\)=\([0-9]*\)$/B_\1=\2/p')"
[ "${B_typed:-0}" = 26 ] || tui_fail "typed $B_typed characters, not 26: $(cat "$TUI_TMP/bytes")"
# the login screen once, whole (it is the first screen)
[ "$B_start" -gt 300 ] || tui_fail "the first screen took only $B_start bytes"
# a character: its echo (or a star), the cursor and its colour; the whole
# screen would be ~1 kB
[ "$B_typed_max" -le 120 ] || tui_fail "a typed character wrote $B_typed_max bytes: a repaint?"
[ "$B_key_max" -le 400 ] || tui_fail "Tab to the next field wrote $B_key_max bytes"
echo "ok: $(cat "$TUI_TMP/bytes")"
