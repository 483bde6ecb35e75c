#!/bin/sh
# Maintenance: the flag file (vaxregd maintenance on|off), the signals and a
# daily window all make every endpoint answer 503 with Retry-After and an
# OperationOutcome; a request already in flight still completes.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_start
tok=$(registry_login CLINICA alice)

is_maint() {
	expect 503 "$1"
	[ -n "$(header Retry-After)" ] || fail "$1: no Retry-After"
	jqb '.issue[0].diagnostics' | grep -q 'scheduled maintenance; records can be entered offline' || fail "$1: message"
}

registry_maintenance on --retry 1200
reg GET /metadata
is_maint "metadata in maintenance"
[ "$(header Retry-After)" = 1200 ] || fail "Retry-After from the flag"
reg_json GET /Patient "$tok"
is_maint "search in maintenance"
reg POST /auth/token --data grant_type=password
is_maint "login in maintenance"
reg_json POST / "$tok" '{"resourceType":"Bundle","type":"transaction","entry":[]}'
is_maint "transaction in maintenance"
registry_maintenance off
reg_json GET /Patient "$tok"
expect 200 "after maintenance"

kill -USR1 "$REG_PID"
sleep 0.3
reg GET /metadata
is_maint "maintenance by SIGUSR1"
kill -USR2 "$REG_PID"
sleep 0.3
reg GET /metadata
expect 200 "SIGUSR2 ends it"

# a request in flight when maintenance starts completes: send a large body
# slowly, switch maintenance on meanwhile
big=$REG_TMP/big.json
{
	printf '{"resourceType":"Bundle","type":"batch","entry":['
	i=0
	while [ $i -lt 300 ]; do
		[ $i -gt 0 ] && printf ','
		printf '{"request":{"method":"GET","url":"Patient?family=nobody%d"}}' $i
		i=$((i + 1))
	done
	printf ']}'
} > "$big"
curl -sS --cacert "$REG_CA" -o "$REG_TMP/slow.out" -w '%{http_code}' --limit-rate 4k \
	-H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' --data-binary "@$big" \
	"$REG_URL/" > "$REG_TMP/slow.code" &
cpid=$!
sleep 0.5
registry_maintenance on
wait $cpid
registry_maintenance off
code=$(cat "$REG_TMP/slow.code")
# the request began before maintenance: it is answered as usual
[ "$code" = 200 ] || fail "in-flight request got $code"
[ "$(jq '.entry | length' "$REG_TMP/slow.out")" = 300 ] || fail "in-flight answer incomplete"

# a daily window that covers now
registry_stop
now=$(date -u +%H:%M)
end=$(date -u -d '+2 minutes' +%H:%M)
start=$(date -u -d '-1 minutes' +%H:%M)
registry_start --maintenance-window "$start-$end"
reg GET /metadata
is_maint "maintenance window $start-$end at $now"
echo "ok (in-flight request: $code)"
