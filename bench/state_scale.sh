#!/bin/sh
# bench/state_scale.sh - vaxregd at state scale: seed a registry of N
# clients (about 10 doses each) with `vaxregd init --demo`, serve it over
# TLS, and drive it with wrk (2 threads, 50 keep-alive connections) one kind
# of request at a time: requests/s and p50/p99 latency per kind, and the
# seeding time, one table per size.
#
#   bench/state_scale.sh [SIZE...]        (default: 10000)
#   make bench-state BENCH_SIZES="10000 100000 1000000"
#
# Environment:
#   BENCH_SECONDS  seconds per request kind (default 15)
#   BENCH_DOSES    doses per client (default 10)
#   BENCH_DIR      where the registries go (default $TMPDIR or /tmp); each
#                  is removed when the next one is seeded, and the last at
#                  the end, unless BENCH_KEEP=1
#   BENCH_THREADS  vaxregd worker threads (default: vaxregd's own)
# Needs wrk (Debian package; `tools/setup --bench` installs it). Machine
# load skews every figure: each row prints the load average before it, and
# the server's own CPU time per request (from /proc), which load skews
# least. A last table runs Basic search from 1 and from 2 connections.
set -eu
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=.}"
VAXREGD=${VAXREGD:-$top_builddir/vaxregd}
SAMPLE=${SAMPLE:-$top_builddir/bench/registry_sample}
# the code tables of this tree, unless installed ones are asked for
[ -n "${VAXDESK_DATADIR:-}" ] || export VAXDESK_DATADIR="$top_srcdir/data"
secs=${BENCH_SECONDS:-15}
doses=${BENCH_DOSES:-10}
base=${BENCH_DIR:-${TMPDIR:-/tmp}}
command -v wrk >/dev/null 2>&1 || { echo "state_scale: wrk is not installed (tools/setup --bench)" >&2; exit 1; }
[ $# -gt 0 ] || set -- ${BENCH_SIZES:-10000}

work=$(mktemp -d "$base/vaxscale.XXXXXX")
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ "${BENCH_KEEP:-}" = 1 ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
last=
sh "$top_srcdir/tests/tls/mkca.sh" "$work/tls"
pw='Vax!demo2026'

# start_server DATA [ARGS...]: vaxregd on a free port; sets pid and url
start_server() {
	_d=$1
	shift
	"$VAXREGD" --data "$_d" --listen 127.0.0.1:0 --cert "$work/tls/server.pem" --key "$work/tls/server.key" \
		--token-ttl 7200 ${BENCH_THREADS:+--threads "$BENCH_THREADS"} "$@" >"$work/server.out" 2>"$work/server.err" &
	pid=$!
	url=
	_i=0
	while [ -z "$url" ] && [ $_i -lt 600 ]; do
		url=$(sed -n 's|^vaxregd: serving \(https://[^ ]*\)/$|\1|p' "$work/server.out" 2>/dev/null || :)
		kill -0 "$pid" 2>/dev/null || { cat "$work/server.err" >&2; exit 1; }
		sleep 0.1
		_i=$((_i + 1))
	done
}

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }

# run KIND THREADS CONNECTIONS: one wrk run; prints req/s p50 p99 errors
# and the server's CPU ms per request
run() {
	c0=$(cpu)
	r=$(wrk -t"$2" -c"$3" -d"${secs}s" --timeout 10s -s "$top_srcdir/bench/state_scale.lua" "$url" \
		-- "$1" "$token" "$work" | sed -n 's/^RESULT //p')
	c1=$(cpu)
	echo "$r $c0 $c1" | awk -v hz="$(getconf CLK_TCK)" \
		'{ printf "%10.0f %9.2f %9.2f %8s %9.3f", $1 * 1e6 / $2, $3, $4, $5, ($7 - $6) / hz * 1000 / ($1 ? $1 : 1) }'
}

for n in "$@"; do
	data=$work/data-$n
	printf '\nvaxregd at state scale: %s clients, %s doses each (SQLite, 1 server)\n' "$n" "$doses"
	printf 'load average before seeding: %s; %s cores\n' "$(load)" "$(nproc)"
	t0=$(now)
	"$VAXREGD" init --data "$data" --demo --clients "$n" --doses "$doses" >/dev/null
	t1=$(now)
	size=$(du -sk "$data" | cut -f1)
	awk -v a="$t0" -v b="$t1" -v k="$size" \
		'BEGIN { printf "seeding: %.1f s; registry on disk: %.2f GiB\n", b - a, k / 1048576 }'

	"$SAMPLE" "$data" "$work" 2000 >/dev/null
	start_server "$data"
	token=$(curl -sS --cacert "$work/tls/ca.pem" "$url/auth/token" --data-urlencode grant_type=password \
		--data-urlencode org_code=HILLPEDS --data-urlencode username=frontdesk \
		--data-urlencode "password=$pw" --data-urlencode confidentiality_accepted=true | jq -r .access_token)
	printf 'wrk -t2 -c50 -d%ss over TLS keep-alive, %s\n' "$secs" "$url"
	printf '%-34s %10s %9s %9s %8s %9s  %s\n' request req/s "p50 ms" "p99 ms" errors "CPU ms" "load before"
	for kind in read search match history post mix; do
		case $kind in
		read) what='GET /Patient/{id}' ;;
		search) what='Basic search (family, given, DOB)' ;;
		match) what='POST /Patient/$match' ;;
		history) what='Immunization?patient=&_count=500' ;;
		post) what='POST /Immunization (conditional)' ;;
		mix) what='front-desk mix' ;;
		esac
		l=$(load)
		printf '%-34s %s  %s\n' "$what" "$(run "$kind" 2 50)" "$l"
	done
	printf 'Basic search by connections (wrk -tN -cN)\n'
	for c in 1 2; do
		l=$(load)
		printf '%-34s %s  %s\n' "search, $c connection(s)" "$(run search "$c" "$c")" "$l"
	done
	printf 'a new TLS connection per request (Connection: close, 20 connections)\n'
	l=$(load)
	printf '%-34s %s  %s\n' "GET /metadata, resumed by ticket" "$(run connect 2 20)" "$l"
	kill "$pid"
	wait "$pid" || :
	pid=
	# keep only the newest registry (the last row needs one); disk is short
	[ -n "$last" ] && [ "${BENCH_KEEP:-}" != 1 ] && rm -rf "$last"
	last=$data
done
# the same without session tickets: what resumption saves
start_server "$last" --no-session-tickets
l=$(load)
printf '%-34s %s  %s\n' "GET /metadata, full handshake each" "$(run connect 2 20)" "$l"
