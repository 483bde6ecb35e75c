# tests/lib/registry.sh - sourced by integration tests: start a real vaxregd
# over TLS on 127.0.0.1:0 in a temporary directory, talk to it with curl,
# stop it on exit.
#
#   . "$top_srcdir/tests/lib/registry.sh"
#   registry_init              # temp dir, throwaway CA, empty registry
#   registry_user ORG USER ROLE [PASSWORD]   # add org (if new) and user
#   registry_start [ARGS...]   # sets REG_URL (no trailing slash), REG_PID
#   tok=$(registry_login ORG USER [PASSWORD])
#   reg GET /Patient?family=x -H "Authorization: Bearer $tok"
#                              # sets REG_STATUS, REG_BODY (file), REG_HEADERS (file)
#   registry_stop              # also runs on exit
#
# Every FHIR body vaxregd answers is kept (vaxregd --record) under
# $top_builddir/tests/fhir-record/<test>/ for the conformance pass of
# tests/fhir/validate.sh, which runs after the other tests; VAXREG_RECORD=no
# turns that off, VAXREG_RECORD_TAG=x keeps them under x-<test>/ instead (a
# test run again by another, as tests/registry/pg.sh does).
#
# Needs curl and jq; a test that sources this is skipped (77) without them.

for _t in curl jq openssl; do
	command -v "$_t" >/dev/null 2>&1 || { echo "skip: $_t not installed"; exit 77; }
done

: "${top_srcdir:=.}"
: "${top_builddir:=.}"
VAXREGD=${VAXREGD:-$top_builddir/vaxregd}
# VAXREG_DATABASE=postgresql://...: the registry lives in that database
# (tests/registry/pg.sh runs the suite so), else in the data directory
REG_DB=${VAXREG_DATABASE:+--database $VAXREG_DATABASE}
REG_PASSWORD='Test!pass2026'
# Passwords the tests make are hashed at a test cost (vaxregd --test-kdf-cost:
# scrypt 2^10, not 2^17), so a login takes milliseconds instead of half a
# second; a test of the real cost sets REG_KDF= before adding users.
REG_KDF=${REG_KDF---test-kdf-cost}
# After 3 failed logins vaxregd makes each next attempt wait; the tests' wait
# is 1 s (doubled each time) unless a test passes its own --login-delay.
REG_PID=
REG_URL=

registry_init() {
	REG_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vaxreg.XXXXXX")
	REG_DIR=$REG_TMP/data
	REG_CA=$REG_TMP/tls/ca.pem
	REG_BODY=$REG_TMP/body
	REG_HEADERS=$REG_TMP/headers
	sh "$top_srcdir/tests/tls/mkca.sh" "$REG_TMP/tls" || fail "mkca.sh failed"
	"$VAXREGD" init --data "$REG_DIR" $REG_DB >/dev/null || fail "vaxregd init failed"
	registry_record_dir
	trap registry_exit EXIT
}

# registry_cleanup: stop the server and remove the temp dir; returns 1 if
# the server had crashed (the reason is on stderr).
registry_cleanup() {
	_reg_ok=0
	registry_reap || _reg_ok=1
	if [ -n "${REG_TMP:-}" ] && [ -z "${REG_KEEP:-}" ]; then
		rm -rf "$REG_TMP"
	fi
	return $_reg_ok
}

# the EXIT trap: a server that crashed fails a test that otherwise passed
registry_exit() {
	_reg_st=$?
	registry_cleanup || _reg_st=1
	exit $_reg_st
}

fail() {
	echo "FAIL: $*" >&2
	if [ -n "${REG_BODY:-}" ] && [ -f "$REG_BODY" ]; then
		echo "last response ($REG_STATUS):" >&2
		head -c 2000 "$REG_BODY" >&2
		echo >&2
	fi
	if [ -n "${REG_TMP:-}" ] && [ -f "$REG_TMP/server.err" ]; then
		echo "server stderr:" >&2
		tail -20 "$REG_TMP/server.err" >&2
	fi
	exit 1
}

registry_org() {
	"$VAXREGD" org add --data "$REG_DIR" $REG_DB --code "$1" --name "${2:-$1 clinic}" >/dev/null ||
		fail "org add $1"
}

# registry_user ORG USER ROLE [PASSWORD]
registry_user() {
	"$VAXREGD" org add --data "$REG_DIR" $REG_DB --code "$1" --name "$1 clinic" >/dev/null 2>&1 || :
	printf '%s\n' "${4:-$REG_PASSWORD}" |
		"$VAXREGD" user add --data "$REG_DIR" $REG_DB --org "$1" --username "$2" --role "$3" \
			--email "$2@example.org" $REG_KDF >/dev/null || fail "user add $2"
}

# REG_RECORD: this test's folder of recorded bodies, emptied once per test
# (a test may call registry_init more than once).
registry_record_dir() {
	REG_RECORD=
	[ "${VAXREG_RECORD:-yes}" = no ] && return 0
	_rec_name=${VAXREG_RECORD_TAG:+$VAXREG_RECORD_TAG-}$(basename "$(dirname "$0")")-$(basename "$0" .sh)
	REG_RECORD=$(cd "$top_builddir" && pwd)/tests/fhir-record/$_rec_name
	if [ -z "${_reg_record_done:-}" ]; then
		rm -rf "$REG_RECORD"
		_reg_record_done=1
	fi
	mkdir -p "$REG_RECORD" || REG_RECORD=
}

registry_start() {
	# a restart must not read the URL of the previous server
	rm -f "$REG_TMP/server.out"
	REG_URL=
	_rec=
	if [ -n "${REG_RECORD:-}" ]; then
		_rec=$REG_RECORD/$$-$(date +%s%N)
		mkdir -p "$_rec" || _rec=
	fi
	"$VAXREGD" --data "$REG_DIR" $REG_DB --listen 127.0.0.1:0 --cert "$REG_TMP/tls/server.pem" \
		--key "$REG_TMP/tls/server.key" ${_rec:+--record "$_rec"} $REG_KDF --login-delay 1 "$@" \
		>"$REG_TMP/server.out" 2>"$REG_TMP/server.err" &
	REG_PID=$!
	_i=0
	while [ $_i -lt 200 ]; do
		REG_URL=$(sed -n 's|^vaxregd: serving \(https://[^ ]*\)/$|\1|p' "$REG_TMP/server.out" 2>/dev/null || :)
		[ -n "$REG_URL" ] && return 0
		kill -0 "$REG_PID" 2>/dev/null || fail "vaxregd exited at start"
		sleep 0.05
		_i=$((_i + 1))
	done
	fail "vaxregd did not print its URL"
}

# registry_reap: stop vaxregd (TERM) and collect its exit status. It stops
# with 0; anything else - killed by a signal, a sanitizer report - is a
# crash: say so on stderr, with the end of its stderr, and return 1.
registry_reap() {
	[ -n "${REG_PID:-}" ] || return 0
	kill -TERM "$REG_PID" 2>/dev/null || :
	_reg_rc=0
	wait "$REG_PID" 2>/dev/null || _reg_rc=$?
	REG_PID=
	_reg_why=
	if [ "$_reg_rc" -gt 128 ]; then
		_reg_why="vaxregd was killed by signal $((_reg_rc - 128)) (exit status $_reg_rc)"
	elif [ "$_reg_rc" != 0 ]; then
		_reg_why="vaxregd ended with exit status $_reg_rc instead of stopping cleanly"
	elif grep -qE 'Sanitizer|runtime error' "$REG_TMP/server.err" 2>/dev/null; then
		_reg_why="vaxregd wrote a sanitizer report"
	fi
	[ -n "$_reg_why" ] || return 0
	echo "FAIL: $_reg_why" >&2
	if [ -f "$REG_TMP/server.err" ]; then
		echo "server stderr:" >&2
		tail -40 "$REG_TMP/server.err" >&2
	fi
	return 1
}

registry_stop() {
	registry_reap || exit 1
}

# reg METHOD PATH [curl args...]: one request; status in REG_STATUS.
# A failed request says whether curl, the server or the temp dir is to
# blame: curl 7.88 itself crashes (SIGSEGV) when the folder of its -D file
# is missing, so a temp dir removed under a running test looked like a
# crash.
reg() {
	_m=$1
	_p=$2
	shift 2
	[ -d "$REG_TMP" ] || fail "curl $_m $_p: $(registry_tmp_gone)"
	_reg_curl=0
	REG_STATUS=$(curl -sS --cacert "$REG_CA" -X "$_m" -o "$REG_BODY" -D "$REG_HEADERS" \
		-w '%{http_code}' "$@" "$REG_URL$_p") || _reg_curl=$?
	[ "$_reg_curl" = 0 ] && return 0
	[ -d "$REG_TMP" ] || fail "curl $_m $_p failed (exit $_reg_curl): $(registry_tmp_gone)"
	if [ -n "${REG_PID:-}" ] && ! kill -0 "$REG_PID" 2>/dev/null; then
		registry_reap || :
		fail "curl $_m $_p failed (exit $_reg_curl): vaxregd is gone"
	fi
	[ "$_reg_curl" -gt 128 ] && fail "curl $_m $_p: curl was killed by signal $((_reg_curl - 128))"
	fail "curl $_m $_p failed (exit $_reg_curl)"
}

registry_tmp_gone() {
	echo "the test's temp dir $REG_TMP was removed while the test ran (by something outside the test:" \
		"a cleanup of ${TMPDIR:-/tmp})"
}

# reg_json METHOD PATH TOKEN [JSON]: a FHIR request with a bearer token.
reg_json() {
	if [ $# -ge 4 ]; then
		reg "$1" "$2" -H "Authorization: Bearer $3" -H 'Content-Type: application/fhir+json' \
			--data-binary "$4" ${REG_EXTRA:+"$@"}
	else
		reg "$1" "$2" -H "Authorization: Bearer $3"
	fi
}

# registry_login ORG USER [PASSWORD]: prints the token
registry_login() {
	reg POST /auth/token --data-urlencode grant_type=password --data-urlencode "org_code=$1" \
		--data-urlencode "username=$2" --data-urlencode "password=${3:-$REG_PASSWORD}" \
		--data-urlencode confidentiality_accepted=true
	[ "$REG_STATUS" = 200 ] || fail "login $1/$2 got $REG_STATUS"
	jq -r .access_token "$REG_BODY"
}

# registry_attempt ORG USER PASSWORD [curl args]: one login attempt that
# counts: after failed logins vaxregd makes the next attempt wait (the
# answer says "wait N more seconds" and gives retry_after); such answers are
# waited out, as the registry asks, and the attempt made again.
registry_attempt() {
	_ra_i=0
	while :; do
		reg POST /auth/token --data-urlencode grant_type=password --data-urlencode "org_code=$1" \
			--data-urlencode "username=$2" --data-urlencode "password=$3" \
			--data-urlencode confidentiality_accepted=true
		_ra_wait=$(jq -r 'if (.error_description // "" | test("more seconds? before")) then .retry_after else 0 end' "$REG_BODY")
		[ "$_ra_wait" -gt 0 ] 2>/dev/null || return 0
		_ra_i=$((_ra_i + 1))
		[ $_ra_i -lt 20 ] || fail "login $1/$2 still told to wait after $_ra_i attempts"
		sleep "$_ra_wait"
	done
}

# expect STATUS: the last response had that status
expect() {
	[ "$REG_STATUS" = "$1" ] || fail "${2:-request}: expected HTTP $1, got $REG_STATUS"
}

# jqb FILTER: run jq on the last body
jqb() {
	jq -r "$@" "$REG_BODY"
}

# reg_create_patient TOKEN JSON: POST the Patient and fail unless the
# registry created it; its id is left in PID.
reg_create_patient() {
	reg_json POST /Patient "$1" "$2"
	[ "$REG_STATUS" = 201 ] || [ "$REG_STATUS" = 200 ] || fail "create patient: $REG_STATUS"
	PID=$(jqb .id)
	[ -n "$PID" ] || fail "no patient id"
}

# registry_maintenance on|off [ARGS]: switch maintenance. In a database
# (several servers) a server sees the switch within a second: wait until
# this one does.
registry_maintenance() {
	_m=$1
	shift
	"$VAXREGD" maintenance "$_m" --data "$REG_DIR" $REG_DB "$@" >/dev/null || fail "maintenance $_m"
	[ -n "$REG_DB" ] && [ -n "$REG_URL" ] || return 0
	_want=200
	[ "$_m" = on ] && _want=503
	_i=0
	until [ "$(curl -sS --cacert "$REG_CA" -o /dev/null -w '%{http_code}' "$REG_URL/metadata" 2>/dev/null)" = $_want ]; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || fail "maintenance $_m not seen by the server"
		sleep 0.05
	done
}

# reg_audit_where CONDITION: the audit rows that meet an SQL condition
# (columns at, username, org, action, type, id), wherever the audit is
reg_audit_where() {
	if [ -n "${VAXREG_DATABASE:-}" ]; then
		psql -X -q -A -t "$VAXREG_DATABASE" -c "SELECT count(*) FROM audit WHERE $1"
	else
		sqlite3 "$REG_DIR/audit.db" "SELECT count(*) FROM audit WHERE $1"
	fi
}

# reg_audit_count TYPE ID [ACTION]: the audit rows about a resource
reg_audit_count() {
	reg_audit_where "type='$1' AND id='$2'${3:+ AND action='$3'}"
}

# reg_params_tree: the last body, a Parameters resource, read back into the
# operation's plain tree in place, as fhir_parameters_to_tree() does (a
# parameter with parts becomes an object of the array "<name>s")
reg_params_tree() {
	[ "$(jqb .resourceType)" = Parameters ] || fail "not a Parameters resource: $(head -c 300 "$REG_BODY")"
	jq 'def tree: reduce .[] as $p ({};
	      if $p.part then .[$p.name + "s"] += [($p.part | tree)]
	      else .[$p.name] = ([$p | to_entries[] | select(.key | startswith("value")) | .value][0]
	                         | if type == "object" then .reference else . end) end);
	    .parameter | tree' "$REG_BODY" >"$REG_BODY.tree" && mv "$REG_BODY.tree" "$REG_BODY"
}

header() {
	tr -d '\r' < "$REG_HEADERS" | sed -n "s/^$1: //Ip" | tail -1
}
