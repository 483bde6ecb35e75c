#!/bin/sh
# The real program in a real terminal (tmux): draws the login screen,
# logs in against a real vaxdesk over TLS, resizes mid-form to 120x40 and
# back to 80x24, help, monochrome under NO_COLOR, and leaves nothing on the
# screen after F10 or SIGTERM (no PHI in the scrollback), with its exit
# status; a closed terminal ends it.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
command -v tmux >/dev/null 2>&1 || { echo "skip: tmux not installed"; exit 77; }
[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINPENA alice provider
registry_org CLINPENA 'Clínica Peña Nguyễn'
registry_start
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA"

# the server's socket lives in the test's own directory, removed with it
TMUX_TMPDIR=$TUI_TMP
export TMUX_TMPDIR
unset TMUX
SOCK=vaxtui-$$
T() { tmux -L "$SOCK" -f /dev/null "$@"; }
tmux_cleanup() {
	_st=$?
	T kill-server 2>/dev/null || :
	tui_cleanup $_st
}
trap tmux_cleanup EXIT

# start SESSION [ENV...]: vaxdesk in a fresh 80x24 pane; the pane stays
# after it exits and prints its status
start() {
	_s=$1
	shift
	T new-session -d -s "$_s" -x 80 -y 24 \
		"sh -c 'echo \$\$ > $TUI_TMP/$_s.pid; exec env TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC HOME=$HOME $* $VAXDESK'; echo EXITED:\$?; sleep 60"
	T set-option -t "$_s" -g remain-on-exit on >/dev/null 2>&1 || :
}
cap() { T capture-pane -p -t "$1"; }
# wait_for SESSION TEXT: up to 10 s
wait_for() {
	_i=0
	while [ $_i -lt 100 ]; do
		cap "$1" > "$S/$1.txt" 2>/dev/null || :
		grep -qF -- "$2" "$S/$1.txt" && return 0
		sleep 0.1
		_i=$((_i + 1))
	done
	TUI_LAST=$1
	tui_fail "tmux pane $1 never showed '$2'"
}

start a
wait_for a 'Log in to the immunization registry'
# nothing is asked before the login (a slow link pays every request)
wait_for a 'NOT ASKED YET'
# colour when the terminal has it (so the NO_COLOR check below means something)
T capture-pane -e -p -t a > "$S/a_esc.txt"
grep -q "$(printf '\033')\[[0-9;]*4[0-7]m" "$S/a_esc.txt" || tui_fail "no colour on a colour terminal"
T send-keys -t a CLINPENA Tab alice Tab "$REG_PASSWORD" Enter
wait_for a 'I Agree'
T send-keys -t a Enter
wait_for a 'Main menu'
wait_for a 'ONLINE'
wait_for a 'Clínica Peña Nguyễn'
# a form, half typed, then resize up and down
T send-keys -t a p
wait_for a 'Current password'
T send-keys -t a 'Half!typ'
wait_for a '********'
T resize-window -t a -x 120 -y 40
wait_for a 'Current password:   ********'
[ "$(cap a | wc -l)" -ge 40 ] || tui_fail "pane did not grow"
T resize-window -t a -x 80 -y 24
sleep 0.3
wait_for a 'Current password:   ********'
tui_has a 'F1/^G Help'
! grep -q '.\{81\}' "$S/a.txt" || tui_fail "wider than 80 after resize"
T send-keys -t a F1
wait_for a 'Keys for: Change password'
T send-keys -t a Escape
wait_for a 'Current password:   ********'
# leave: F10 asks first (a half-typed form); nothing of the session stays
T send-keys -t a F10
wait_for a 'Quit and lose what you typed (Change password)?'
T send-keys -t a y
wait_for a 'EXITED:0'
tui_lacks a 'Clínica'
tui_lacks a 'Current password'
tui_lacks a 'alice'

# monochrome: no colour escapes at all under NO_COLOR
start m NO_COLOR=1
wait_for m 'Log in to the immunization registry'
T capture-pane -e -p -t m > "$S/m_esc.txt"
! grep -q "$(printf '\033')\[[0-9;]*3[0-7]m" "$S/m_esc.txt" || tui_fail "colour under NO_COLOR"
! grep -q "$(printf '\033')\[[0-9;]*4[0-7]m" "$S/m_esc.txt" || tui_fail "background colour under NO_COLOR"
grep -q "$(printf '\033')\[[0-9;]*7m" "$S/m_esc.txt" || tui_fail "no reverse video in monochrome"
T send-keys -t m F10
wait_for m 'EXITED:0'

# SIGTERM: the terminal is restored and the screen cleared
start k
wait_for k 'Log in to the immunization registry'
T send-keys -t k CLINPENA
wait_for k 'CLINPENA'
pid=$(cat "$TUI_TMP/k.pid")
[ -n "$pid" ] || tui_fail "no pid for vaxdesk"
kill -TERM "$pid"
wait_for k 'EXITED:143'
tui_lacks k 'CLINPENA'

# a closed terminal (window closed, link dropped) ends vaxdesk even when its
# parent holds the hang-up back, as demo.sh does: the terminal then reads as
# ready for ever, and a vaxdesk that kept going would spin on a core
T new-session -d -s h -x 80 -y 24 \
	"sh -c 'trap \"exit 130\" HUP; sh -c \"echo \\\$\\\$ > $TUI_TMP/h.pid; exec env TERM=screen LANG=C.UTF-8 LC_ALL=C.UTF-8 HOME=$HOME $VAXDESK\"'"
wait_for h 'Log in to the immunization registry'
vd=$(cat "$TUI_TMP/h.pid")
[ -n "$vd" ] && kill -0 "$vd" 2>/dev/null || tui_fail "no vaxdesk in the pane"
T kill-session -t h
i=0
while kill -0 "$vd" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 "$vd" 2>/dev/null; then
	kill -KILL "$vd" 2>/dev/null || :
	tui_fail "vaxdesk kept running 10 s after its terminal closed"
fi
exit 0
