#!/bin/sh
# vaxdesk is not dumpable (prctl PR_SET_DUMPABLE 0): no core file, and no
# other process of the same user may read its memory (ptrace, /proc/PID/mem).
# Seen from outside: the kernel gives a non-dumpable process's /proc/PID
# files (environ, mem) to root instead of the process's user. So vaxdesk
# runs as a user who is not root (nobody, when the test runs as root) and
# waits in scripted mode while the owner of /proc/PID/environ is read; a
# sleep run the same way is the control (its files are its user's).
set -eu
. "$top_srcdir/tests/tui/lib.sh"
as=
if [ "$(id -u)" = 0 ]; then
	command -v setpriv >/dev/null 2>&1 || { echo "skip: setpriv missing"; exit 77; }
	id nobody >/dev/null 2>&1 || { echo "skip: no user nobody"; exit 77; }
	as="setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups --"
	chmod 755 "$TUI_TMP"
	chown -R nobody "$HOME" "$S"
fi
uid_of() { sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$1/status"; }

$as sleep 60 &
ctl=$!
cat >"$TUI_TMP/script" <<EOF2
:save-screen $S/started.txt
:wait-file $TUI_TMP/go
:quit
EOF2
VAXDESK_NO_DISPLAY=1 VAXDESK_SCRIPT="$TUI_TMP/script" $as "$VAXDESK" >"$TUI_TMP/out" 2>"$TUI_TMP/err" &
pid=$!
i=0
while [ ! -f "$S/started.txt" ] && [ $i -lt 600 ] && kill -0 $pid 2>/dev/null; do
	sleep 0.1
	i=$((i + 1))
done
[ -f "$S/started.txt" ] || tui_fail "vaxdesk did not start"
user=$(uid_of $pid)
[ "$user" != 0 ] || tui_fail "vaxdesk runs as root: the test cannot tell"
[ "$(uid_of $ctl)" = "$user" ] || tui_fail "the control runs as another user"
[ "$(stat -c %u /proc/$ctl/environ)" = "$user" ] || tui_fail "the control's /proc files are not its user's"
owner=$(stat -c %u /proc/$pid/environ)
touch "$TUI_TMP/go"
kill $ctl 2>/dev/null || :
st=0
wait $pid || st=$?
[ "$owner" = 0 ] || tui_fail "vaxdesk is dumpable: /proc/$pid/environ belongs to uid $owner, not root"
[ "$st" = 0 ] || tui_fail "vaxdesk exit status $st"
echo ok
