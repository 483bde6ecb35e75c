#!/bin/sh
# Several vaxregd servers, one registry in PostgreSQL: a client's requests
# are spread over three servers while servers are killed (SIGKILL) and
# restarted under them; a request that met a dead server is sent again to
# another, as vaxdesk's outbox does. Afterwards every dose is in the
# registry exactly once: 0 lost, 0 duplicated. Also across servers: a login
# on one is a session on all, failed logins count on all, the same create
# sent to two servers at once makes one record, two desks' records of one
# shot at two servers at once store one of them, and maintenance switched on
# in the database stops every server. Skipped where PostgreSQL is missing.
set -eu
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/pg.sh"
pg_start
VAXREG_DATABASE=$(pg_newdb multi)
export VAXREG_DATABASE
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICA carol provider

SERVERS=3
# start_slot N: a server in slot N (its own data dir, the shared database);
# its URL goes to $REG_TMP/url.N once it serves
start_slot() {
	rm -f "$REG_TMP/url.$1" "$REG_TMP/out.$1"
	"$VAXREGD" --data "$REG_TMP/srv$1" --database "$VAXREG_DATABASE" --listen 127.0.0.1:0 \
		--cert "$REG_TMP/tls/server.pem" --key "$REG_TMP/tls/server.key" \
		>"$REG_TMP/out.$1" 2>>"$REG_TMP/err.$1" &
	echo $! >"$REG_TMP/pid.$1"
	_i=0
	while [ $_i -lt 600 ]; do
		_u=$(sed -n 's|^vaxregd: serving \(https://[^ ]*\)/$|\1|p' "$REG_TMP/out.$1" 2>/dev/null || :)
		if [ -n "$_u" ]; then
			echo "$_u" >"$REG_TMP/url.$1.new" && mv "$REG_TMP/url.$1.new" "$REG_TMP/url.$1"
			return 0
		fi
		sleep 0.05
		_i=$((_i + 1))
	done
	fail "server $1 did not start"
}

kill_slot() {
	rm -f "$REG_TMP/url.$1"
	kill -9 "$(cat "$REG_TMP/pid.$1")" 2>/dev/null || :
	wait "$(cat "$REG_TMP/pid.$1")" 2>/dev/null || :
}

# The killer stops at a file, never by a signal: a signal could land
# between a server's start and its pid file, and leave that server running
# after the test.
stop_killer() {
	: >"$REG_TMP/stop"
	[ -z "${KILLER:-}" ] || wait "$KILLER" 2>/dev/null || :
	KILLER=
}
stop_all() {
	stop_killer
	for s in $(seq 1 $SERVERS); do
		[ -f "$REG_TMP/pid.$s" ] && kill -9 "$(cat "$REG_TMP/pid.$s")" 2>/dev/null || :
	done
	wait 2>/dev/null || :
}
on_exit() {
	_st=$?
	stop_all
	registry_cleanup || _st=1
	pg_stop
	exit $_st
}
trap on_exit EXIT

for s in $(seq 1 $SERVERS); do start_slot "$s"; done
url() { cat "$REG_TMP/url.$1" 2>/dev/null || :; }

# a session made on one server is good on the others
REG_URL=$(url 1)
tok=$(registry_login CLINICA alice)
for s in 2 3; do
	REG_URL=$(url "$s")
	reg_json GET /Patient?_count=1 "$tok"
	expect 200 "the token of server 1 on server $s"
done
REG_URL=$(url 1)
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"Okafor","given":["Chidi"]}],"gender":"male",
 "birthDate":"2020-02-02","address":[{"district":"Travis","state":"TX","postalCode":"78741"}]}'
pid=$PID

# dose UUID [CVX]: an MMR dose a person confirmed is no duplicate of the
# others (registry/dedup.h); with CVX, a dose of that vaccine unconfirmed
dose() {
	_tag='"meta":{"tag":[{"system":"https://vaxdesk.org/fhir/CodeSystem/review","code":"confirmed-not-duplicate"}]},'
	[ -z "${2:-}" ] || _tag=
	cat <<JSON
{"resourceType":"Immunization",$_tag"identifier":[{"system":"urn:ietf:rfc:3986","value":"urn:uuid:$1"}],
 "status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"${2:-03}"}]},
 "patient":{"reference":"Patient/$pid"},"occurrenceDateTime":"2021-03-10","primarySource":false,
 "reportOrigin":{"coding":[{"code":"01"}]}}
JSON
}

# send UUID: the dose to some server, again to the next after a failure
# (connection refused or reset, 5xx) until one answers 200 or 201
send() {
	_n=0
	while [ $_n -lt 200 ]; do
		_s=$(( (_n + $2) % SERVERS + 1 ))
		_u=$(url "$_s")
		if [ -n "$_u" ]; then
			_c=$(curl -sS --cacert "$REG_CA" -o /dev/null -w '%{http_code}' -m 20 -X POST \
				-H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
				-H "If-None-Exist: identifier=urn:ietf:rfc:3986|urn:uuid:$1" \
				--data-binary "$(dose "$1")" "$_u/Immunization" 2>/dev/null || echo 000)
			case $_c in
			200 | 201) echo "$1 $_c" >>"$REG_TMP/sent"; return 0 ;;
			4*) echo "FAIL: dose $1 refused with $_c" >&2; return 1 ;;
			esac
		fi
		_n=$((_n + 1))
		sleep 0.05
	done
	echo "FAIL: dose $1 never stored" >&2
	return 1
}

# servers die and come back while three clients send their doses
(
	while [ ! -e "$REG_TMP/stop" ]; do
		for s in $(seq 1 $SERVERS); do
			[ ! -e "$REG_TMP/stop" ] || break
			sleep 0.4
			kill_slot "$s"
			sleep 0.2
			start_slot "$s"
		done
	done
) &
KILLER=$!
N=30
: >"$REG_TMP/sent"
for c in 1 2 3; do
	(
		for i in $(seq 1 $N); do
			send "$(printf '5e1f0000-0000-4000-8000-%04d%08d' "$c" "$i")" "$c" || exit 1
		done
	) &
	eval "client$c=\$!"
done
ok=0
for c in 1 2 3; do
	eval "wait \$client$c" || ok=1
done
stop_killer
[ $ok = 0 ] || fail "a client could not store its doses"
for s in $(seq 1 $SERVERS); do [ -n "$(url "$s")" ] || start_slot "$s"; done

# every dose once: counted on each server, and each UUID found once
sent=$(wc -l <"$REG_TMP/sent")
[ "$sent" = $((3 * N)) ] || fail "the clients sent $sent doses, not $((3 * N))"
for s in $(seq 1 $SERVERS); do
	REG_URL=$(url "$s")
	reg_json GET "/Immunization?patient=$pid&_summary=count" "$tok"
	expect 200 "count on server $s"
	[ "$(jqb .total)" = $((3 * N)) ] || fail "server $s holds $(jqb .total) doses, not $((3 * N)): lost or doubled"
done
for c in 1 2 3; do
	for i in 1 $N; do
		u=$(printf '5e1f0000-0000-4000-8000-%04d%08d' "$c" "$i")
		reg_json GET "/Immunization?identifier=urn:ietf:rfc:3986%7Curn:uuid:$u&_summary=count" "$tok"
		[ "$(jqb .total)" = 1 ] || fail "dose $u stored $(jqb .total) times"
	done
done

# the same create at two servers at once: one record
u=5e1f0000-0000-4000-8000-999999999999
racers=
for s in 1 2; do
	curl -sS --cacert "$REG_CA" -o "$REG_TMP/race.$s" -w '%{http_code}\n' -X POST \
		-H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
		--data-binary "$(dose "$u")" "$(url "$s")/Immunization" >"$REG_TMP/race.code.$s" &
	racers="$racers $!"
done
# shellcheck disable=SC2086
wait $racers
for s in 1 2; do
	grep -qx '20[01]' "$REG_TMP/race.code.$s" || fail "racing create on server $s: $(cat "$REG_TMP/race.code.$s")"
done
[ "$(jq -r .id "$REG_TMP/race.1")" = "$(jq -r .id "$REG_TMP/race.2")" ] || fail "two records from one create"
REG_URL=$(url 3)
reg_json GET "/Immunization?identifier=urn:ietf:rfc:3986%7Curn:uuid:$u&_summary=count" "$tok"
[ "$(jqb .total)" = 1 ] || fail "the raced dose is there $(jqb .total) times"

# two desks' records of one shot at two servers at once: the duplicate
# check runs under the registry's one writer lock, so one is stored and the
# other is answered 422 naming it
racers=
for s in 1 2; do
	curl -sS --cacert "$REG_CA" -o "$REG_TMP/dup.$s" -w '%{http_code}\n' -X POST \
		-H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
		--data-binary "$(dose "5e1f0000-0000-4000-8000-77777777777$s" 08)" "$(url "$s")/Immunization" \
		>"$REG_TMP/dup.code.$s" &
	racers="$racers $!"
done
# shellcheck disable=SC2086
wait $racers
[ "$(sort "$REG_TMP/dup.code.1" "$REG_TMP/dup.code.2" | tr '\n' ' ')" = "201 422 " ] ||
	fail "one shot from two desks at two servers: $(cat "$REG_TMP/dup.code.1" "$REG_TMP/dup.code.2")"
for s in 1 2; do
	grep -qx 201 "$REG_TMP/dup.code.$s" && kept=$(jq -r .id "$REG_TMP/dup.$s")
	grep -qx 422 "$REG_TMP/dup.code.$s" && held=$REG_TMP/dup.$s
done
[ "$(jq -r '.issue[0].extension[0].valueReference.reference' "$held")" = "Immunization/$kept" ] ||
	fail "the 422 does not name the stored dose: $(cat "$held")"

# failed logins count on every server: three, each on another server,
# and the next attempt must wait
for s in 1 2 3; do
	REG_URL=$(url "$s")
	reg POST /auth/token --data-urlencode grant_type=password --data-urlencode org_code=CLINICA \
		--data-urlencode username=carol --data-urlencode 'password=Wrong!pass1' \
		--data-urlencode confidentiality_accepted=true
	expect 400 "wrong password on server $s"
done
[ "$(jqb .attempts_remaining)" = 3 ] && [ "$(jqb '.retry_after // 0')" -gt 0 ] ||
	fail "three failures on three servers did not count as three: $(cat "$REG_BODY")"

# maintenance switched on in the database stops every server
"$VAXREGD" maintenance on --database "$VAXREG_DATABASE" --retry 900 >/dev/null
for s in $(seq 1 $SERVERS); do
	REG_URL=$(url "$s")
	_i=0
	while :; do
		reg_json GET /Patient?_count=1 "$tok"
		[ "$REG_STATUS" = 503 ] && break
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "server $s not in maintenance"
		sleep 0.1
	done
	[ "$(header Retry-After)" = 900 ] || fail "Retry-After on server $s"
done
"$VAXREGD" maintenance off --database "$VAXREG_DATABASE" >/dev/null
REG_URL=$(url 2)
_i=0
until reg_json GET /Patient?_count=1 "$tok" && [ "$REG_STATUS" = 200 ]; do
	_i=$((_i + 1))
	[ $_i -lt 100 ] || fail "maintenance did not end"
	sleep 0.1
done
echo "ok: $((3 * N)) doses through $SERVERS servers killed and restarted under them, none lost or doubled"
