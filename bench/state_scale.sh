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
#   BENCH_KINDS    the request kinds measured (default "read search match
#                  history post mix"); a set of them leaves out the last
#                  tables (by connections, new connections) too
#   BENCH_SEEDED   (sqlite) a registry seeded before, e.g. kept with
#                  BENCH_KEEP=1: measured as it is, for one SIZE (the number
#                  it was seeded with), never removed; a 1M registry takes
#                  minutes to seed. Measured again, it holds the new doses of
#                  the last run: BENCH_DAYS_BACK=400 (800 the time after)
#                  dates this run's before them
#   BENCH_BACKEND  sqlite (default) or pg: the registry in a throwaway
#                  PostgreSQL cluster (tests/lib/pg.sh), served by
#                  BENCH_SERVERS vaxregd servers (1 or 2; wrk's
#                  connections split between them). The CPU column then
#                  adds PostgreSQL's own processes.
#   BENCH_REPLICA  1 (with pg): a streaming replica of the seeded database
#                  (pg_basebackup), and the servers read their searches
#                  from it (vaxregd --replica); its processes count in the
#                  CPU column too. On one machine it shares the same cores:
#                  what it shows is the cost of the rule, not the scale
#                  another machine would add.
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

backend=${BENCH_BACKEND:-sqlite}
servers=${BENCH_SERVERS:-1}
replica=${BENCH_REPLICA:-}
[ "$backend" = pg ] || { servers=1; replica=; }
work=$(mktemp -d "$base/vaxscale.XXXXXX")
pid=
pid2=
url2=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$pid2" ] && kill "$pid2" 2>/dev/null && wait "$pid2" 2>/dev/null
	[ "$backend" != pg ] || pg_stop
	[ "${BENCH_KEEP:-}" = 1 ] || rm -rf "$work"
}
if [ "$backend" = pg ]; then
	. "$top_srcdir/tests/lib/pg.sh"
	pg_start
fi
trap cleanup EXIT INT TERM
last=
sh "$top_srcdir/tests/tls/mkca.sh" "$work/tls"
pw='Vax!demo2026'

# start_server DATA [ARGS...]: vaxregd on a free port (two with
# BENCH_SERVERS=2); sets pid and url (pid2 and url2)
start_one() {
	_d=$1
	_o=$2
	shift 2
	# wrk's connections all come from one address: above the per-address
	# limit a client machine would have (16)
	"$VAXREGD" --data "$_d" ${db:+--database "$db"} --listen 127.0.0.1:0 --cert "$work/tls/server.pem" \
		--key "$work/tls/server.key" --token-ttl 7200 --per-ip 200 ${BENCH_THREADS:+--threads "$BENCH_THREADS"} "$@" \
		>"$work/$_o.out" 2>"$work/$_o.err" &
	_p=$!
	_u=
	_i=0
	while [ -z "$_u" ] && [ $_i -lt 600 ]; do
		_u=$(sed -n 's|^vaxregd: serving \(https://[^ ]*\)/$|\1|p' "$work/$_o.out" 2>/dev/null || :)
		kill -0 "$_p" 2>/dev/null || { cat "$work/$_o.err" >&2; exit 1; }
		sleep 0.1
		_i=$((_i + 1))
	done
}
start_server() {
	_sd=$1
	shift
	start_one "$_sd" server "$@"
	pid=$_p
	url=$_u
	if [ "$servers" = 2 ]; then
		start_one "$_sd.2" server2 "$@"
		pid2=$_p
		url2=$_u
	fi
}

now() { date +%s.%N; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# CPU seconds * CLK_TCK of the servers, and of PostgreSQL's processes
# (the postmaster with the backends it reaped, and the live ones)
cpu() {
	_t=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	[ -z "$pid2" ] || _t=$((_t + $(awk '{ print $14 + $15 }' "/proc/$pid2/stat")))
	if [ "$backend" = pg ]; then
		_pm=$(head -1 "$PG_DIR/data/postmaster.pid")
		_t=$((_t + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$_pm/stat")))
		for _c in $(cat "/proc/$_pm/task/$_pm/children" 2>/dev/null); do
			_t=$((_t + $(awk '{ print $14 + $15 }' "/proc/$_c/stat" 2>/dev/null || echo 0)))
		done
		if [ "$replica" = 1 ]; then
			_pm=$(head -1 "$PG_DIR/replica/postmaster.pid")
			_t=$((_t + $(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$_pm/stat")))
			for _c in $(cat "/proc/$_pm/task/$_pm/children" 2>/dev/null); do
				_t=$((_t + $(awk '{ print $14 + $15 }' "/proc/$_c/stat" 2>/dev/null || echo 0)))
			done
		fi
	fi
	echo "$_t"
}

# days_back KIND: where a run's new doses start, in days before today: the
# mix's well before the post row's (a second dose of a vaccine group within
# 4 days is refused as a duplicate), and both further back with
# BENCH_DAYS_BACK when a BENCH_SEEDED registry is measured again
days_back() {
	case $1 in
	mix) echo $((${BENCH_DAYS_BACK:-0} + 200)) ;;
	*) echo "${BENCH_DAYS_BACK:-0}" ;;
	esac
}

# run KIND THREADS CONNECTIONS: one wrk run (split over two servers with
# BENCH_SERVERS=2); prints req/s p50 p99 errors and CPU ms per request
run() {
	c0=$(cpu)
	if [ "$servers" = 2 ]; then
		_t=$(( $2 > 1 ? $2 / 2 : 1 ))
		_c=$(( $3 > 1 ? $3 / 2 : 1 ))
		wrk -t"$_t" -c"$_c" -d"${secs}s" --timeout 10s -s "$top_srcdir/bench/state_scale.lua" "$url2" \
			-- "$1" "$token" "$work" "$_t" $((_t * 2)) "$(days_back "$1")" | sed -n 's/^RESULT //p' >"$work/wrk2" &
		_w=$!
		r=$(wrk -t"$_t" -c"$_c" -d"${secs}s" --timeout 10s -s "$top_srcdir/bench/state_scale.lua" "$url" \
			-- "$1" "$token" "$work" 0 $((_t * 2)) "$(days_back "$1")" | sed -n 's/^RESULT //p')
		wait "$_w"
		# both: requests added, the slower latencies
		r=$(echo "$r $(cat "$work/wrk2")" | awk '{ printf "%d %d %s %s %d", $1 + $6, ($2 > $7 ? $2 : $7),
			($3 > $8 ? $3 : $8), ($4 > $9 ? $4 : $9), $5 + $10 }')
	else
		r=$(wrk -t"$2" -c"$3" -d"${secs}s" --timeout 10s -s "$top_srcdir/bench/state_scale.lua" "$url" \
			-- "$1" "$token" "$work" 0 "$2" "$(days_back "$1")" | sed -n 's/^RESULT //p')
	fi
	c1=$(cpu)
	echo "$r $c0 $c1" | awk -v hz="$(getconf CLK_TCK)" \
		'{ printf "%10.0f %9.2f %9.2f %8s %9.3f", $1 * 1e6 / $2, $3, $4, $5, ($7 - $6) / hz * 1000 / ($1 ? $1 : 1) }'
}

for n in "$@"; do
	data=$work/data-$n
	db=
	[ "$backend" = sqlite ] || db=$(pg_newdb "scale$n")
	printf '\nvaxregd at state scale: %s clients, %s doses each (%s, %s server%s%s)\n' "$n" "$doses" \
		"$([ "$backend" = pg ] && echo PostgreSQL || echo SQLite)" "$servers" "$([ "$servers" = 1 ] || echo s)" \
		"$([ "$replica" = 1 ] && echo ', searches from a read replica')"
	printf 'load average before seeding: %s; %s cores\n' "$(load)" "$(nproc)"
	t0=$(now)
	if [ -n "${BENCH_SEEDED:-}" ] && [ "$backend" = sqlite ]; then
		data=$BENCH_SEEDED
		[ -f "$data/registry.db" ] || { echo "state_scale: no registry in $data" >&2; exit 1; }
		echo "seeding: skipped, the registry in $data as it is"
	else
		"$VAXREGD" init --data "$data" ${db:+--database "$db"} --demo --clients "$n" --doses "$doses" >/dev/null
	fi
	t1=$(now)
	if [ -n "$db" ]; then
		size=$(psql -X -A -t "$db" -c "SELECT pg_database_size(current_database()) / 1024")
	else
		size=$(du -sk "$data" | cut -f1)
	fi
	[ "$data" = "${BENCH_SEEDED:-}" ] || awk -v a="$t0" -v b="$t1" -v k="$size" \
		'BEGIN { printf "seeding: %.1f s; registry on disk: %.2f GiB\n", b - a, k / 1048576 }'

	"$SAMPLE" "${db:-$data}" "$work" 2000 >/dev/null
	if [ "$replica" = 1 ]; then
		[ ! -d "$PG_DIR/replica" ] || { pg_replica_stop; rm -rf "$PG_DIR/replica" "$PG_DIR/rrun"; }
		t0=$(now)
		pg_replica 0
		pg_replica_wait "$db" "$(pg_replica_url "scale$n")"
		awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "replica made and caught up: %.1f s\n", b - a }'
		start_server "$data" --tls-tickets --replica "$(pg_replica_url "scale$n")"
	else
		start_server "$data" --tls-tickets
	fi
	token=$(curl -sS --cacert "$work/tls/ca.pem" "$url/auth/token" --data-urlencode grant_type=password \
		--data-urlencode org_code=HILLPEDS --data-urlencode username=frontdesk \
		--data-urlencode "password=$pw" --data-urlencode confidentiality_accepted=true | jq -r .access_token)
	printf 'wrk -t2 -c50 -d%ss over TLS keep-alive, %s%s\n' "$secs" "$url" "${url2:+ and $url2 (half each)}"
	printf '%-34s %10s %9s %9s %8s %9s  %s\n' request req/s "p50 ms" "p99 ms" errors "CPU ms" "load before"
	for kind in ${BENCH_KINDS:-read search match history post mix}; do
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
	if [ -z "${BENCH_KINDS:-}" ]; then
		printf 'Basic search by connections (wrk -tN -cN)\n'
		for c in 1 2; do
			l=$(load)
			printf '%-34s %s  %s\n' "search, $c connection(s)" "$(run search "$c" "$c")" "$l"
		done
		printf 'a new TLS connection per request (Connection: close, 20 connections)\n'
		l=$(load)
		printf '%-34s %s  %s\n' "GET /metadata, resumed by ticket" "$(run connect 2 20)" "$l"
	fi
	kill "$pid"
	wait "$pid" || :
	pid=
	if [ -n "$pid2" ]; then
		kill "$pid2"
		wait "$pid2" || :
		pid2=
	fi
	# keep only the newest registry (the last row needs one); disk is short
	[ -n "$last" ] && [ "${BENCH_KEEP:-}" != 1 ] && [ "$last" != "${BENCH_SEEDED:-}" ] && rm -rf "$last"
	last=$data
done
# the same without session tickets: what resumption saves
[ "$backend" = sqlite ] || exit 0
start_server "$last"
l=$(load)
printf '%-34s %s  %s\n' "GET /metadata, full handshake each" "$(run connect 2 20)" "$l"
