#!/bin/sh
# The frame without a registry: the login form (required marks, masked
# password, accents), help from the live keymaps (a user's rebinding shows),
# keys-file errors shown as file:line and never fatal, the vi keymap,
# resizing mid-form down to 80x24 and up, monochrome, an ASCII locale.
set -eu
. "$top_srcdir/tests/tui/lib.sh"

tui_run <<EOF2
:save-screen $S/login.txt
:type HILLPEDS
<Tab>
:type Peña-Nguyễn
<Tab>
:type Sekret!word1
:save-screen $S/typed.txt
<F1>
:save-screen $S/help.txt
<PgDown>
:save-screen $S/help_p2.txt
<Esc>
:save-screen $S/back.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "exit status $TUI_STATUS"
tui_has login 'Log in to the immunization registry'
tui_has login '* Org code:'
tui_has login '* Username:'
tui_has login '* Password:'
tui_has login '* required'
tui_has login 'No registry is set up'
tui_has login 'F1/^G Help'
tui_has login 'NO REGISTRY'
tui_has login '────────'
tui_has typed 'HILLPEDS'
tui_has typed 'Peña-Nguyễn'
tui_has typed '************'
tui_lacks typed 'Sekret'
tui_has help 'Keys for: Log in'
tui_has help 'Move to the next field'
tui_has help_p2 'Show the keys for this screen'
tui_has help_p2 'Log out and leave vaxdesk'
# the draft is still there after help
tui_has back 'Peña-Nguyễn'
tui_has back '************'
# the password never reaches a screen dump, the output or stderr
! grep -rqF Sekret "$S" "$TUI_TMP/out" "$TUI_TMP/err" || tui_fail "password leaked"

# a user's keys file: a rebinding shows in help, a bad line is reported
# as file:line and the rest still applies
cat > "$HOME/.config/vaxdesk/keys" <<'EOF2'
bind generic <F11> help
bind generic <F7> no-such-action
EOF2
tui_run <<EOF2
:save-screen $S/notes.txt
<F11>
<PgDown>
:save-screen $S/help2.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "bad keys file was fatal"
tui_has notes "$HOME/.config/vaxdesk/keys:2"
tui_has help2 'F1 ^G F11'
tui_has help2 'Problems in your keys or configuration files'
tui_has help2 "keys:2"
rm "$HOME/.config/vaxdesk/keys"

# --check-keys: clean file 0, bad file 1 with file:line
printf 'bind generic <F11> help\n' > "$TUI_TMP/good.keys"
printf 'bind generic <F11> help\nbind nowhere x help\n' > "$TUI_TMP/bad.keys"
"$VAXDESK" --check-keys "$TUI_TMP/good.keys" || tui_fail "--check-keys on a good file"
st=0
"$VAXDESK" --check-keys "$TUI_TMP/bad.keys" 2>"$TUI_TMP/check.err" || st=$?
[ "$st" = 1 ] || tui_fail "--check-keys on a bad file gave $st"
grep -q "bad.keys:2:" "$TUI_TMP/check.err" || tui_fail "no file:line from --check-keys"

# the shipped vi keymap: j moves down in help
tui_run --keys vi <<EOF2
<F1>
:save-screen $S/vihelp.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "--keys vi"
tui_lacks vihelp 'vi.keys'

# resize mid-form: down to 80x24, up to 132x43, back; the draft survives
tui_run <<EOF2
:resize 132 43
:type RGVFAM
<Tab>
:type José
:save-screen $S/big.txt
:resize 80 24
:save-screen $S/small.txt
:resize 100 30
<Tab>
:type x
:save-screen $S/mid.txt
EOF2
tui_has big 'José'
[ "$(wc -l < "$S/big.txt")" = 43 ] || tui_fail "big screen rows"
grep -q '.\{100\}' "$S/big.txt" || tui_fail "big screen not wider"
tui_has small 'José'
tui_has small 'RGVFAM'
[ "$(wc -l < "$S/small.txt")" = 24 ] || tui_fail "small screen rows"
! grep -q '.\{81\}' "$S/small.txt" || tui_fail "line wider than 80 at 80x24"
tui_has mid 'José'
tui_has mid '* Password:           *'

# monochrome: every cue is text
NO_COLOR=1 tui_run <<EOF2
<Enter>
:save-screen $S/mono.txt
EOF2
tui_has mono 'Error: Org code: Required.'
tui_has mono '<- Required.'
tui_has mono '_____'
tui_has mono '* required'

# leaving a form with changes asks first: n stays, y leaves
tui_run <<EOF2
:type RGVFAM
<F3>
:save-screen $S/forgot.txt
<Tab>
<Tab>
:type someone@example.org
<Esc>
:save-screen $S/ask.txt
n
:save-screen $S/stayed.txt
<Esc>
y
:save-screen $S/left.txt
EOF2
tui_has forgot 'Forgot password - step 1 of 2'
tui_has forgot 'RGVFAM'
tui_has ask 'Leave the password reset?'
tui_has ask '(y = yes'
tui_has stayed 'someone@example.org'
tui_has left 'Log in to the immunization registry'

# a registry that cannot be reached: the offline banner, an honest message
tui_conf "registry_url = https://127.0.0.1:1" "connect_timeout_seconds = 2"
tui_run <<EOF2
:wait-idle
:type RGVFAM
<Tab>
:type ana
<Tab>
:type Whatever!1
<Enter>
:wait-idle
:save-screen $S/offline.txt
EOF2
tui_has offline 'OFFLINE - REGISTRY NOT REACHABLE'
tui_has offline '| OFFLINE |'
tui_has offline 'Offline login needs one online login on this'
rm "$HOME/.config/vaxdesk/vaxdesk.conf"

# a keymap name that is neither shipped nor a file: reported, not fatal
tui_run --keys nosuch <<EOF2
:save-screen $S/nokeys.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "--keys nosuch was fatal"
tui_has nokeys 'nosuch'

# an ASCII terminal: still usable
LANG=C LC_ALL=C tui_run <<EOF2
:type ABC
:save-screen $S/ascii.txt
EOF2
[ "$TUI_STATUS" = 0 ] || tui_fail "ASCII locale"
tui_has ascii 'ABC'
tui_has ascii '--------'
tui_lacks ascii '─'
exit 0
