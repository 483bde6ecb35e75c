# tests/tui/lib.sh - sourced by the terminal tests: a pinned environment
# (TERM, locale, time zone, an empty HOME) and helpers to run vaxdesk in
# scripted mode (VAXDESK_SCRIPT + VAXDESK_NO_DISPLAY) and read its screens.
#
#   . "$top_srcdir/tests/tui/lib.sh"
#   tui_conf "registry_url = ..."     # write $HOME/.config/vaxdesk/vaxdesk.conf
#   tui_run [ARGS...] <<EOF           # run a script; screens land in $S/NAME.txt
#   :save-screen $S/login.txt
#   EOF
#   tui_has login 'Org code'          # the screen shows the text (fixed string)
#   tui_lacks login 'secret'

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
VAXDESK=${VAXDESK:-$top_builddir/vaxdesk}
TERM=xterm-256color
LANG=C.UTF-8
LC_ALL=C.UTF-8
TZ=UTC
COLUMNS=80
LINES=24
export TERM LANG LC_ALL TZ COLUMNS LINES
unset NO_COLOR XDG_CONFIG_HOME VAXDESK_SCRIPT VAXDESK_NO_DISPLAY || :

TUI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vaxtui.XXXXXX")
S=$TUI_TMP/screens
HOME=$TUI_TMP/home
export HOME
mkdir -p "$S" "$HOME/.config/vaxdesk"

# the EXIT trap [STATUS, default $?]; a registry that crashed
# (tests/lib/registry.sh) fails the test
tui_cleanup() {
	_tui_st=${1:-$?}
	if command -v registry_cleanup >/dev/null 2>&1; then
		registry_cleanup || _tui_st=1
	fi
	[ -n "${TUI_KEEP:-}" ] || rm -rf "$TUI_TMP"
	exit $_tui_st
}
trap tui_cleanup EXIT

tui_fail() {
	echo "FAIL: $*" >&2
	if [ -n "${TUI_LAST:-}" ] && [ -f "$S/$TUI_LAST.txt" ]; then
		echo "--- screen $TUI_LAST:" >&2
		cat "$S/$TUI_LAST.txt" >&2
	fi
	[ -s "$TUI_TMP/err" ] && { echo "--- stderr:" >&2; cat "$TUI_TMP/err" >&2; }
	exit 1
}

tui_conf() {
	printf '%s\n' "$@" > "$HOME/.config/vaxdesk/vaxdesk.conf"
}

# tui_run [ARGS...]: the script comes on stdin; exit status in TUI_STATUS
tui_run() {
	cat > "$TUI_TMP/script"
	TUI_STATUS=0
	VAXDESK_NO_DISPLAY=1 VAXDESK_SCRIPT="$TUI_TMP/script" "$VAXDESK" "$@" \
		>"$TUI_TMP/out" 2>"$TUI_TMP/err" || TUI_STATUS=$?
	# a sanitizer build reports here
	! grep -qE 'Sanitizer|runtime error' "$TUI_TMP/err" || tui_fail "sanitizer report"
}

tui_has() {
	TUI_LAST=$1
	[ -f "$S/$1.txt" ] || tui_fail "screen $1 was not saved"
	grep -qF -- "$2" "$S/$1.txt" || tui_fail "screen $1 does not show '$2'"
}

tui_lacks() {
	TUI_LAST=$1
	[ -f "$S/$1.txt" ] || tui_fail "screen $1 was not saved"
	! grep -qF -- "$2" "$S/$1.txt" || tui_fail "screen $1 shows '$2'"
}

# tui_login_keys ORG USER [no-statement]: the script lines that log USER in
# with $REG_PASSWORD and accept the confidentiality statement; with
# no-statement they stop before it (an offline login has none, or the test
# looks at it). Use in an unquoted here-document: $(tui_login_keys ORG USER)
tui_login_keys() {
	printf ':wait-idle\n:type %s\n<Tab>\n:type %s\n<Tab>\n:type %s\n<Enter>\n:wait-idle\n' \
		"$1" "$2" "$REG_PASSWORD"
	[ "${3:-}" = no-statement ] || printf '<Enter>\n:wait-idle\n'
}

# tui_registry_alice [CONF...]: the usual frame of a test against a real
# vaxregd: a fresh registry over TLS with CLINPENA/alice (provider), started,
# cleaned up on exit; vaxdesk configured for it, plus any vaxdesk.conf lines
# given (e.g. "auto_sync = no").
tui_registry_alice() {
	[ -f "$top_srcdir/tests/lib/registry.sh" ] || { echo "skip: tests/lib/registry.sh missing"; exit 77; }
	. "$top_srcdir/tests/lib/registry.sh"
	registry_init
	trap tui_cleanup EXIT
	registry_user CLINPENA alice provider
	registry_start
	tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "$@"
}

# tui_sync ORG USER: `vaxdesk sync` as USER with $REG_PASSWORD; fails the
# test if it fails
tui_sync() {
	printf '%s\n' "$REG_PASSWORD" > "$TUI_TMP/pw"
	VAXDESK_ORG=$1 VAXDESK_USER=$2 "$VAXDESK" sync --password-fd 3 3<"$TUI_TMP/pw" \
		>"$TUI_TMP/sync.out" 2>&1 || { cat "$TUI_TMP/sync.out" >&2; tui_fail "vaxdesk sync failed"; }
}

# tui_client TOKEN FAMILY GIVEN YYYY-MM-DD: a client in the registry, living
# in Travis County (so every rule is met); its id in PID
tui_client() {
	reg_create_patient "$1" '{"resourceType":"Patient","name":[{"family":"'"$2"'","given":["'"$3"'"]}],
 "gender":"female","birthDate":"'"$4"'",
 "address":[{"line":["1 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
}

# $(tui_open_keys "LAST, FIRST MM/DD/YYYY"): the script lines that find a
# client from the main menu by Quick search and open the record
tui_open_keys() {
	printf 's\n:wait-idle\n:type %s\n<Enter>\n:wait-idle\n' "$1"
}

# $(tui_hist_keys CVX MM/DD/YYYY): on a record, add a historical dose
# (record source 01) and save it
tui_hist_keys() {
	printf 'h\n:type %s\n<Tab>\n:type %s\n<Tab>\n:type 01\n<C-w>\n:wait-idle\n' "$1" "$2"
}

# tui_registry_start_retired CVX [ARGS...]: start the registry (after
# registry_init and its users) with CVX marked inactive in its code table,
# as if it had heard the vaccine was withdrawn and this workstation had not:
# an administered dose of it is saved here and refused there
tui_registry_start_retired() {
	_cvx=$1
	shift
	mkdir -p "$TUI_TMP/regdata"
	cp -R "${VAXDESK_DATADIR:-$top_srcdir/data}/." "$TUI_TMP/regdata/"
	chmod -R u+w "$TUI_TMP/regdata"
	sed "s/^$_cvx,\(.*\),Active,/$_cvx,\1,Inactive,/" "${VAXDESK_DATADIR:-$top_srcdir/data}/codes/cvx.csv" \
		> "$TUI_TMP/regdata/codes/cvx.csv"
	grep -q "^$_cvx,.*,Inactive," "$TUI_TMP/regdata/codes/cvx.csv" || fail "could not mark CVX $_cvx inactive"
	_saved_datadir=${VAXDESK_DATADIR:-}
	VAXDESK_DATADIR=$TUI_TMP/regdata
	export VAXDESK_DATADIR
	registry_start "$@"
	VAXDESK_DATADIR=$_saved_datadir
	[ -n "$VAXDESK_DATADIR" ] || unset VAXDESK_DATADIR
}

# tui_wait_screen NAME [PID]: wait (up to 90 s) until a vaxdesk running in
# the background has saved screen NAME, or the process PID has ended
tui_wait_screen() {
	_i=0
	while [ ! -f "$S/$1.txt" ] && [ $_i -lt 900 ]; do
		[ -z "${2:-}" ] || kill -0 "$2" 2>/dev/null || break
		sleep 0.1
		_i=$((_i + 1))
	done
}
