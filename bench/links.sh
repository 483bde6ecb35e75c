#!/bin/sh
# bench/links.sh [BUILDDIR] - vaxdesk over slow links, against a generic FHIR
# client doing the same work, printed as one table.
#
# Tasks:
#   front   log in, Basic search for a child, open the record (history and
#           forecast), record one shot; vaxdesk driven by its scripted input
#           (VAXDESK_SCRIPT), the user's typing and reading modelled as
#           pauses that are taken off its time
#   school  open a list of 500 students and run its compliance report
#   sync    1,000 queued shots sent to the registry (`vaxdesk sync`)
# Links: loopback (no shaping), dsl (10 Mbit/s, 30 ms RTT), rural (1 Mbit/s,
# 150 ms RTT, 1% loss), satellite (512 kbit/s, 650 ms RTT), 2g (56 kbit/s,
# 400 ms RTT).
#
# vaxregd runs in a network namespace of its own, each client in the
# namespace of its link, so the traffic counted is only theirs. Links are
# veth pairs shaped with tc netem where the kernel has it; without sch_netem
# two tun devices joined by bench/linkemu, which delays, paces and drops
# packets the same way in user space (the output says which). The meter
# counts round trips, TCP payload bytes each way (HTTP and TLS) and
# connections for each run.
#
# The peer is npm's fhir-kit-client (bench/peer, installed here with npm ci
# like tests/medplum) against the same registry and data.
#
# Needs root (ip netns), iproute2, curl, jq, node and npm. Environment:
# LINKS (default all five), TASKS (default "front school sync"), KEEP=1
# keeps the temp folder, SCHOOL=all runs the school report even when the
# registry would take more than 30 s of CPU for it (timed on 25 students),
# REG_ARGS adds options to the registry's command line (--access-log lists
# each request with its body bytes in the kept folder's reg.err).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
B=$(cd "${1:-$top/build/default}" && pwd)
LINKS=${LINKS:-loopback dsl rural satellite 2g}
TASKS=${TASKS:-front school sync}
DATA=$top/data
PW='Vax!demo2026'
PORT=8443

die() {
	echo "links.sh: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
for t in ip curl jq node npm; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found"
done
make -s -C "$B" vaxdesk vaxregd bench/linkemu tests/cache/cachedrv >/dev/null || die "build failed"

T=$(mktemp -d "${TMPDIR:-/tmp}/vaxlinks.XXXXXX")
ID=$$
NS_S=vxs$ID
PIDS=
REG_PID=
cleanup() {
	for p in $PIDS $REG_PID; do
		kill "$p" 2>/dev/null || :
	done
	wait 2>/dev/null || :
	for n in $(ip netns list 2>/dev/null | sed -n "s/^\(vx[sc]$ID[a-z0-9]*\).*/\1/p"); do
		ip netns del "$n" 2>/dev/null || :
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
START=$(now)

# ---- the links ---------------------------------------------------------------

# link NAME -> index, rate (bit/s, 0 = none), RTT (ms), loss (%)
link_params() {
	case $1 in
	loopback) echo "1 0 0 0" ;;
	dsl) echo "2 10000000 30 0" ;;
	rural) echo "3 1000000 150 1" ;;
	satellite) echo "4 512000 650 0" ;;
	2g) echo "5 56000 400 0" ;;
	*) die "unknown link $1" ;;
	esac
}

netem_works() {
	_p=vxc${ID}probe
	ip netns add "$_p" || return 1
	_ok=1
	ip -n "$_p" link add pa type veth peer name pb 2>/dev/null &&
		ip netns exec "$_p" tc qdisc add dev pa root netem delay 1ms 2>/dev/null && _ok=0
	ip netns del "$_p"
	return $_ok
}
if netem_works; then SHAPER=netem; else SHAPER=linkemu; fi

ip netns add "$NS_S"
ip -n "$NS_S" link set lo up

# make_link NAME: namespace vxc$ID$i with 10.211.i.1, the registry at 10.211.i.2
make_link() {
	set -- "$1" $(link_params "$1")
	_i=$2 _rate=$3 _rtt=$4 _loss=$5
	_ns=vxc$ID$_i
	ip netns add "$_ns"
	ip -n "$_ns" link set lo up
	_half=$(awk -v r="$_rtt" 'BEGIN { printf "%g", r / 2 }')
	if [ "$1" = loopback ] || [ "$SHAPER" = netem ]; then
		ip -n "$_ns" link add vc type veth peer name vs$_i netns "$NS_S"
		ip -n "$_ns" addr add 10.211.$_i.1/24 dev vc
		ip -n "$NS_S" addr add 10.211.$_i.2/24 dev vs$_i
		ip -n "$_ns" link set vc up
		ip -n "$NS_S" link set vs$_i up
		if [ "$1" != loopback ]; then
			_q="delay ${_half}ms rate ${_rate}bit limit 10000"
			[ "$_loss" = 0 ] || _q="$_q loss ${_loss}%"
			ip netns exec "$_ns" tc qdisc add dev vc root netem $_q
			ip netns exec "$NS_S" tc qdisc add dev vs$_i root netem $_q
		fi
		"$B/bench/linkemu" sniff "$_ns" vc 10.211.$_i.1 "$T/meter$_i" &
	else
		ip -n "$_ns" tuntap add dev vt mode tun
		ip -n "$NS_S" tuntap add dev vt$_i mode tun
		ip -n "$_ns" addr add 10.211.$_i.1 peer 10.211.$_i.2 dev vt
		ip -n "$NS_S" addr add 10.211.$_i.2 peer 10.211.$_i.1 dev vt$_i
		ip -n "$_ns" link set vt up
		ip -n "$NS_S" link set vt$_i up
		"$B/bench/linkemu" tun "$_ns" "$NS_S" vt vt$_i "$_rate" "$_rate" "$_half" "$_loss" "$T/meter$_i" &
	fi
	PIDS="$PIDS $!"
	eval "METER_$_i=$!"
}

# meter I: the counters since the last call, in M_rt, M_up, M_down, M_conns
meter() {
	eval "_pid=\$METER_$1"
	rm -f "$T/meter$1"
	kill -USR1 "$_pid"
	_n=0
	while [ ! -f "$T/meter$1" ]; do
		_n=$((_n + 1))
		[ $_n -lt 200 ] || die "the meter of link $1 does not answer"
		sleep 0.02
	done
	eval "$(tr ' ' '\n' < "$T/meter$1" | sed -n 's/^\(rt\|up\|down\|conns\)=/M_\1=/p')"
}

SANS=
for l in $LINKS; do
	set -- $(link_params "$l")
	make_link "$l"
	SANS="${SANS:+$SANS,}IP:10.211.$1.2"
done

# ---- the registry ------------------------------------------------------------

MKCA_EXTRA_SAN=$SANS sh "$top/tests/tls/mkca.sh" "$T/tls" || die "mkca.sh failed"
CA=$T/tls/ca.pem
VAXDESK_DATADIR=$DATA
export VAXDESK_DATADIR

reg_start() {
	rm -f "$T/reg.out"
	ip netns exec "$NS_S" "$B/vaxregd" --data "$T/data" --listen 0.0.0.0:$PORT --cert "$T/tls/server.pem" \
		--key "$T/tls/server.key" ${REG_ARGS:-} >"$T/reg.out" 2>>"$T/reg.err" &
	REG_PID=$!
	_n=0
	until grep -q '^vaxregd: serving' "$T/reg.out" 2>/dev/null; do
		kill -0 "$REG_PID" 2>/dev/null || die "vaxregd did not start: $(cat "$T/reg.err")"
		_n=$((_n + 1))
		[ $_n -lt 400 ] || die "vaxregd did not start"
		sleep 0.05
	done
}
reg_stop() {
	kill -TERM "$REG_PID" 2>/dev/null || :
	wait "$REG_PID" 2>/dev/null || :
}
# a fresh copy of the prepared registry for each run that writes
reg_fresh() {
	rm -rf "$T/data"
	cp -a "$T/pristine" "$T/data"
	reg_start
}
# local REQUEST...: curl inside the registry's namespace (never over a link)
local_curl() {
	ip netns exec "$NS_S" curl -sS --compressed --cacert "$CA" "$@"
}
local_token() {
	local_curl "https://127.0.0.1:$PORT/auth/token" -d grant_type=password -d "org_code=$1" \
		-d "username=$2" --data-urlencode "password=$PW" -d confidentiality_accepted=true |
		jq -r .access_token
}

"$B/vaxregd" init --data "$T/pristine" --demo --clients 2000 >/dev/null || die "vaxregd init failed"
rm -rf "$T/data"
mv "$T/pristine" "$T/data"
reg_start
base=https://127.0.0.1:$PORT
# the school list: 500 children of school age, made by the school nurse
tok=$(local_token AUSTINISD nurse)
for off in 0 200 400; do
	local_curl -H "Authorization: Bearer $tok" "$base/Patient?birthdate=ge2012-01-01&birthdate=le2021-08-31&_count=200&_offset=$off&_elements=id" |
		jq -r '.entry[].resource.id'
done | head -500 > "$T/students"
[ "$(wc -l < "$T/students")" = 500 ] || die "the demo registry has fewer than 500 students"
jq -R '{entity: {reference: ("Patient/" + .)}}' "$T/students" |
	jq -s '{resourceType: "Group", type: "person", actual: true, name: "Bench school list", member: .}' > "$T/group.json"
GID=$(local_curl -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	--data-binary @"$T/group.json" "$base/Group" | jq -r .id)
[ -n "$GID" ] && [ "$GID" != null ] || die "could not make the school list"
# how long the registry takes for a report: 25 of the students, timed here,
# not over a link (the report is CPU in the registry; a 500-student one
# that would take minutes does not fit this bench's five, see run_school)
head -25 "$T/students" | jq -R '{entity: {reference: ("Patient/" + .)}}' |
	jq -s '{resourceType: "Group", type: "person", actual: true, name: "Bench probe list", member: .}' > "$T/group25.json"
gid25=$(local_curl -H "Authorization: Bearer $tok" -H 'Content-Type: application/fhir+json' \
	--data-binary @"$T/group25.json" "$base/Group" | jq -r .id)
t0=$(now)
local_curl -H "Authorization: Bearer $tok" "$base/Group/$gid25/\$school-compliance?grade=K" -o /dev/null
SCHOOL_EST=$(awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%d", (b - a) * 20 }')
# the probe list goes: the school screen shows the demo's list and the bench's
local_curl -X DELETE -H "Authorization: Bearer $tok" "$base/Group/$gid25" -o /dev/null
SCHOOL_SLOW=
[ "${SCHOOL:-}" = all ] || [ "$SCHOOL_EST" -le 30 ] || SCHOOL_SLOW=$SCHOOL_EST
# the child: a 4-5 year old with a history, whom a Basic search finds alone
tok=$(local_token HILLPEDS frontdesk)
local_curl -H "Authorization: Bearer $tok" "$base/Patient?birthdate=ge2021-06-01&birthdate=le2022-06-01&_count=50" |
	jq -r '.entry[].resource | [.id, .name[0].family, .name[0].given[0], .birthDate] | @tsv' > "$T/kids"
CHILD=
while IFS='	' read -r id fam giv dob; do
	n=$(local_curl -G -H "Authorization: Bearer $tok" "$base/Patient" --data-urlencode "family=$fam" \
		--data-urlencode "given=$giv" --data-urlencode "birthdate=$dob" | jq '.total')
	d=$(local_curl -H "Authorization: Bearer $tok" "$base/Immunization?patient=$id&_count=0" | jq '.total')
	if [ "$n" = 1 ] && [ "$d" -ge 15 ]; then
		CHILD="$id" FAMILY="$fam" GIVEN="$giv" DOB="$dob" DOSES="$d"
		break
	fi
done < "$T/kids"
[ -n "$CHILD" ] || die "no child in the demo data fits the front-desk task"
reg_stop
mv "$T/data" "$T/pristine"
# 1,000 historical flu doses, two a student a year apart: vaxdesk queues
# them with tests/cache/cachedrv; the peer sends the same as a transaction
jq -R -s --arg vax https://vaxdesk.org/fhir '
	split("\n") | map(select(length > 0)) as $ids | [range(0; 1000)] | map(
		{fullUrl: ("urn:uuid:00000000-0000-4000-8000-" + (100000000000 + .|tostring)),
		 resource: {resourceType: "Immunization", status: "completed",
			identifier: [{system: "urn:ietf:rfc:3986",
				value: ("urn:uuid:00000000-0000-4000-8000-" + (100000000000 + .|tostring))}],
			vaccineCode: {coding: [{system: "http://hl7.org/fhir/sid/cvx", code: "141"}]},
			patient: {reference: ("Patient/" + $ids[. % 500])},
			occurrenceDateTime: (if . < 500 then "2024-10-01" else "2025-10-01" end),
			primarySource: false,
			reportOrigin: {coding: [{system: ($vax + "/CodeSystem/info-source"), code: "01"}]}},
		 request: {method: "POST", url: "Immunization",
			ifNoneExist: ("identifier=urn:ietf:rfc:3986|urn:uuid:00000000-0000-4000-8000-" + (100000000000 + .|tostring))}})
	| {resourceType: "Bundle", type: "transaction", entry: .}' "$T/students" > "$T/sync-bundle.json"

# ---- the peer ------------------------------------------------------------------

mkdir -p "$T/peer"
cp "$top/bench/peer/package.json" "$top/bench/peer/package-lock.json" "$top/bench/peer/peer.mjs" "$T/peer/"
(cd "$T/peer" && npm ci --no-audit --no-fund --loglevel=error >/dev/null 2>&1) || die "npm ci for the peer failed"

# ---- the terminal side ------------------------------------------------------------
# What vaxdesk writes to an 80x24 terminal through the front-desk task,
# keystroke by keystroke (bench/ttybytes.py), against a registry of its own
# on 127.0.0.1 in this namespace, while the links are measured.
tty_run() {
	cp -a "$T/pristine" "$T/ttydata"
	"$B/vaxregd" --data "$T/ttydata" --listen 127.0.0.1:0 --cert "$T/tls/server.pem" \
		--key "$T/tls/server.key" >"$T/tty-reg.out" 2>/dev/null &
	_rp=$!
	_n=0
	until grep -q '^vaxregd: serving' "$T/tty-reg.out" 2>/dev/null; do
		_n=$((_n + 1))
		[ $_n -lt 400 ] || { kill $_rp; return 1; }
		sleep 0.05
	done
	_url=$(sed -n 's|^vaxregd: serving \(https://[^ ]*\)/$|\1|p' "$T/tty-reg.out")
	mkdir -p "$T/ttyhome/.config/vaxdesk"
	printf 'registry_url = %s\nca_file = %s\n' "$_url" "$CA" > "$T/ttyhome/.config/vaxdesk/vaxdesk.conf"
	{
		printf 'settle 150\ntype HILLPEDS\nkey Tab\ntype frontdesk\nkey Tab\ntype %s\n' "$PW"
		printf 'settle 1500\nkey Enter Enter\nsettle 300\nkey s F7\nsettle 150\ntype %s\nkey Tab\n' "$FAMILY"
		printf 'type %s\nkey Tab\ntype %s\n' "$GIVEN" "$(echo "$DOB" | awk -F- '{ print $2 "/" $3 "/" $1 }')"
		printf 'settle 1500\nkey Enter Enter\nsettle 300\nkey a S-Tab\nsettle 150\ntype V02\n'
		printf 'key Tab\ntype 141\nkey Tab\ntype BENCH1\nkey Tab Tab\ntype 12/31/2030\nkey Tab\ntype VXC1\n'
		printf 'settle 2000\nkey C-w\n'
	} > "$T/tty.keys"
	env HOME="$T/ttyhome" TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC VAXDESK_DATADIR="$DATA" \
		/usr/bin/python3 "$top/bench/ttybytes.py" "$T/tty.keys" -- "$B/vaxdesk" > "$T/tty.out" 2>&1
	kill -TERM $_rp 2>/dev/null
	wait $_rp 2>/dev/null || :
}
TTY_PID=
if [ -x /usr/bin/python3 ]; then
	tty_run &
	TTY_PID=$!
fi

# ---- running a task ------------------------------------------------------------

RESULTS=$T/results
: > "$RESULTS"
# record TASK LINK CLIENT SECONDS NOTE: one row, from the meter just read
record() {
	printf '%s %s %s %s %s %s %s %s\n' "$1" "$2" "$3" "$M_rt" "$M_up" "$M_down" "$4" "${5:--}" >> "$RESULTS"
}
record_na() {
	printf '%s %s %s - - - - %s\n' "$1" "$2" "$3" "$4" >> "$RESULTS"
}

# vaxdesk_home LINK_INDEX: a workstation that has never run vaxdesk
vaxdesk_home() {
	H=$T/home$1
	rm -rf "$H"
	mkdir -p "$H/.config/vaxdesk"
	printf 'registry_url = https://10.211.%s.2:%s\nca_file = %s\n' "$1" "$PORT" "$CA" \
		> "$H/.config/vaxdesk/vaxdesk.conf"
}

# in_client LINK_INDEX CMD...: run CMD on the client side of the link
in_client() {
	_i=$1
	shift
	ip netns exec "vxc$ID$_i" env HOME="$H" TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 TZ=UTC \
		COLUMNS=80 LINES=24 VAXDESK_DATADIR="$DATA" NODE_EXTRA_CA_CERTS="$CA" "$@"
}

# The user's pauses (seconds): typing the login, reading the statement,
# typing the search, reading the list, reading the record, typing the shot.
# Short for people (so little is hidden in them); what vaxdesk does meanwhile
# (the record of the first client found, fetched while the list is read)
# is not waited for.
PAUSES="1 1 1 2 1 1"
PAUSED=$(echo $PAUSES | awk '{ s = 0; for (i = 1; i <= NF; i++) s += $i; print s }')
front_script() {
	set -- $PAUSES
	cat <<EOF
:wait-text $1 @@never@@
:type HILLPEDS
<Tab>
:type frontdesk
<Tab>
:type $PW
<Enter>
:wait-idle
:wait-text $2 @@never@@
<Enter>
:wait-idle
s
<F7>
:wait-text $3 @@never@@
:type $FAMILY
<Tab>
:type $GIVEN
<Tab>
:type $(echo "$DOB" | awk -F- '{ print $2 "/" $3 "/" $1 }')
<Enter>
:wait-idle
:wait-text $4 @@never@@
<Enter>
:wait-idle
:save-screen $T/front-record.txt
:wait-text $5 @@never@@
a
<S-Tab>
:type V02
<Tab>
:type 141
<Tab>
:type BENCH1
<Tab>
<Tab>
:type 12/31/2030
<Tab>
:type VXC1
:wait-text $6 @@never@@
<C-w>
:wait-text 300 Sent 1
:save-screen $T/front-end.txt
:quit
EOF
}

# vaxdesk_scripted LINK_INDEX LINK SCRIPT: vaxdesk on the client side of the
# link, in a fresh home, driven by SCRIPT; the meter read before and after,
# t0 and t1 its start and end
vaxdesk_scripted() {
	vaxdesk_home "$1"
	meter "$1"
	t0=$(now)
	in_client "$1" env VAXDESK_NO_DISPLAY=1 VAXDESK_SCRIPT="$3" "$B/vaxdesk" \
		>"$T/vaxdesk.out" 2>"$T/vaxdesk.err" || die "vaxdesk failed on $2: $(cat "$T/vaxdesk.err")"
	t1=$(now)
	meter "$1"
}

run_front() {
	_l=$1 _i=$2
	reg_fresh
	front_script > "$T/front.script"
	vaxdesk_scripted "$_i" "$_l" "$T/front.script"
	grep -q "$FAMILY, $GIVEN" "$T/front-record.txt" 2>/dev/null || die "vaxdesk did not open the record on $_l"
	grep -q 'Sent 1' "$T/front-end.txt" 2>/dev/null || die "vaxdesk did not send the shot on $_l"
	record front "$_l" vaxdesk "$(awk -v a="$t0" -v b="$t1" -v p="$PAUSED" 'BEGIN { printf "%.2f", b - a - p }')"
	reg_stop
	reg_fresh
	meter "$_i"
	t0=$(now)
	out=$(in_client "$_i" node "$T/peer/peer.mjs" front "https://10.211.$_i.2:$PORT" HILLPEDS frontdesk "$PW" \
		"$FAMILY" "$GIVEN" "$DOB") || die "the peer failed on $_l: $out"
	t1=$(now)
	meter "$_i"
	record front "$_l" peer "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	reg_stop
}

# the school nurse: log in, the school lists, the bench's list (the last:
# the demo registry has one of its own) and its report for grade K as of
# today
school_script() {
	cat <<EOF
:type AUSTINISD
<Tab>
:type nurse
<Tab>
:type $PW
<Enter>
:wait-idle
<Enter>
:wait-idle
:save-screen $T/school-menu.txt
k
:wait-text 120 Bench school list
:save-screen $T/school-lists.txt
<End>
g
:wait-idle
<C-u>
:type K
:save-screen $T/school-form.txt
<Enter>
:wait-text 600 students compliant
:save-screen $T/school-end.txt
:quit
EOF
}

run_school() {
	_l=$1 _i=$2
	if [ -n "$SCHOOL_SLOW" ]; then
		record_na school "$_l" vaxdesk "skipped:the-registry-needs-about-${SCHOOL_SLOW}s-of-CPU-per-report-(SCHOOL=all-runs-it)"
		record_na school "$_l" peer "skipped:the-registry-needs-about-${SCHOOL_SLOW}s-of-CPU-per-report-(SCHOOL=all-runs-it)"
		return
	fi
	reg_fresh
	school_script > "$T/school.script"
	vaxdesk_scripted "$_i" "$_l" "$T/school.script"
	grep -q 'students compliant' "$T/school-end.txt" 2>/dev/null || die "vaxdesk did not show the school report on $_l"
	record school "$_l" vaxdesk "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	reg_stop
	reg_fresh
	meter "$_i"
	t0=$(now)
	out=$(in_client "$_i" node "$T/peer/peer.mjs" school "https://10.211.$_i.2:$PORT" AUSTINISD nurse "$PW" \
		"$GID" K) || die "the peer failed on $_l: $out"
	t1=$(now)
	meter "$_i"
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	record school "$_l" peer "$secs"
	reg_stop
}

run_sync() {
	_l=$1 _i=$2 _rate=$3
	reg_fresh
	vaxdesk_home "$_i"
	echo "$PW" > "$T/pw"
	common="--data-dir $H/store --org HILLPEDS --user frontdesk"
	# the workstation has logged in once (the store exists), then 1,000
	# doses were typed offline
	in_client "$_i" "$B/vaxdesk" sync $common --password-fd 3 3<"$T/pw" >/dev/null 2>&1 ||
		die "vaxdesk's first login failed on $_l"
	in_client "$_i" "$B/tests/cache/cachedrv" shot $common --password-fd 3 --rid-file "$T/students" \
		--count 1000 --shot 141:2024-10-01 3<"$T/pw" >/dev/null || die "queueing the shots failed"
	meter "$_i"
	t0=$(now)
	in_client "$_i" "$B/vaxdesk" sync $common --password-fd 3 3<"$T/pw" >"$T/sync.out" 2>&1 ||
		die "vaxdesk sync failed on $_l: $(cat "$T/sync.out")"
	t1=$(now)
	meter "$_i"
	grep -q 'accepted 1000,' "$T/sync.out" || die "vaxdesk sync on $_l: $(cat "$T/sync.out")"
	record sync "$_l" vaxdesk "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	reg_stop
	# the peer sends its 680 kB uncompressed: at 56 kbit/s that alone is
	# minutes, more than this whole bench may take
	if [ "$_rate" != 0 ] && [ "$_rate" -lt 200000 ]; then
		record_na sync "$_l" peer "skipped:its-uncompressed-upload-is-minutes-at-this-rate"
		return
	fi
	reg_fresh
	meter "$_i"
	t0=$(now)
	out=$(in_client "$_i" node "$T/peer/peer.mjs" sync "https://10.211.$_i.2:$PORT" HILLPEDS frontdesk "$PW" \
		"$T/sync-bundle.json") || die "the peer failed on $_l: $out"
	t1=$(now)
	meter "$_i"
	record sync "$_l" peer "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	reg_stop
}

for task in $TASKS; do
	for l in $LINKS; do
		set -- $(link_params "$l")
		case $task in
		front) run_front "$l" "$1" ;;
		school) run_school "$l" "$1" ;;
		sync) run_sync "$l" "$1" "$2" ;;
		*) die "unknown task $task" ;;
		esac
	done
done

# ---- the table -------------------------------------------------------------------

[ -z "$TTY_PID" ] || wait "$TTY_PID" || :
END=$(now)
echo "vaxdesk over slow links ($(date -u +%Y-%m-%d), $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?'))"
if [ "$SHAPER" = netem ]; then
	echo "links: veth pairs between network namespaces, shaped by tc netem"
else
	echo "links: tc netem is not available in this kernel; tun devices between network namespaces," \
		"delayed, paced and dropped per packet by bench/linkemu (user space)"
fi
echo "front task: $FAMILY, $GIVEN ($DOB, $DOSES doses); vaxdesk's time leaves out ${PAUSED} s of modelled" \
	"typing and reading ($PAUSES s); the peer (fhir-kit-client $(jq -r '.dependencies["fhir-kit-client"]' "$top/bench/peer/package.json")," \
	"Node $(node --version)) awaits each request"
echo "RT: round trips; up/down: TCP payload bytes (HTTP + TLS); time: seconds the user waits"
echo
awk '
	{ key = $1 " " $2; row[NR] = $0; if ($3 == "peer") peer[key] = $7 }
	END {
		printf "%-7s %-10s %-8s %5s %9s %9s %9s %8s %7s  %s\n", "task", "link", "client", "RT", "up B", "down B", "total B", "time s", "vs peer", "note"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			key = f[1] " " f[2]
			tot = (f[5] == "-") ? "-" : f[5] + f[6]
			ratio = "-"
			if (f[3] == "vaxdesk" && f[7] != "-" && (key in peer) && peer[key] != "-" && peer[key] > 0)
				ratio = sprintf("%.2f", f[7] / peer[key])
			note = (f[8] == "-") ? "" : f[8]
			gsub(/[-:]/, " ", note)
			printf "%-7s %-10s %-8s %5s %9s %9s %9s %8s %7s  %s\n", f[1], f[2], f[3], f[4], f[5], f[6], tot, f[7], ratio, note
		}
	}' "$RESULTS"
echo
if [ -s "$T/tty.out" ] && grep -q '^start=' "$T/tty.out"; then
	eval "$(tr ' ' '\n' < "$T/tty.out" | sed -n 's/^\([a-z_]*\)=\([0-9]*\)$/TT_\1=\2/p')"
	echo "terminal (front-desk task, 80x24, TERM=xterm-256color; 9600 baud = 960 B/s):"
	awk -v s="$TT_start" -v t="$TT_typed" -v tb="$TT_typed_bytes" -v tm="$TT_typed_max" -v k="$TT_keys" \
		-v kb="$TT_key_bytes" -v km="$TT_key_max" -v tot="$TT_total" 'BEGIN {
		printf "  first screen %d B; %d typed characters: %.1f B each, at most %d B;", s, t, tb / t, tm
		printf " %d other keys: %.0f B each, at most %d B (%.2f s at 9600 baud)\n", k, kb / k, km, km / 960
		printf "  whole task %d B: %.1f s of painting at 9600 baud\n", tot, tot / 960 }'
else
	echo "terminal: not measured ($(head -c 200 "$T/tty.out" 2>/dev/null || echo 'no /usr/bin/python3'))"
fi
echo "harness: $(awk -v a="$START" -v b="$END" 'BEGIN { printf "%.0f", b - a }') s; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
