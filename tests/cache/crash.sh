#!/bin/sh
# Crash safety, against a real vaxregd over TLS, from a seed that replays
# the run (printed first; VAXDESK_CRASH_SEED=N runs it again):
#
#  - the store's driver does front-desk work offline (new clients with a
#    visit of 2-3 doses, edits, responsible persons added, re-phoned and
#    removed, consent, a dose's lot changed, a dose deleted; cachedrv work)
#    and syncs, and is killed (SIGKILL) just before its N-th disk write, N
#    from the seed: inside a save, between a save and its "saved", inside
#    the offline password check, while entries are marked as sent, while
#    receipts are stored after the registry committed;
#  - the real vaxdesk, in scripted mode, opens a client, records a visit of
#    two doses, changes one, edits the client (middle name, a responsible
#    person, consent) and deletes a dose, sending by itself meanwhile: once
#    to its end, timed, then killed at a point of that time from the seed.
#
# Then a final sync, and every record the store holds must be on the
# registry once and as the store holds it, every confirmed save must be in
# the store, nothing may wait for a person (a single desk has no real
# conflicts), and no kill may have locked the offline login. The closing
# line gives the counts. VAXDESK_CRASH_POINTS (default 20) and
# VAXDESK_CRASH_TUI_POINTS (default 3) set the number of kill points (the
# vaxdesk runs killed, after one that is not).
set -eu
. "$top_srcdir/tests/tui/lib.sh"
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
trap tui_cleanup EXIT
registry_user CLINICA alice provider
registry_start
cache_init
# vaxdesk and the driver share alice's store on this workstation
DESK=$HOME/.local/share/vaxdesk
tui_conf "registry_url = $REG_URL" "ca_file = $REG_CA" "connect_timeout_seconds = 3"
POINTS=${VAXDESK_CRASH_POINTS:-20}
TUI_POINTS=${VAXDESK_CRASH_TUI_POINTS:-3}
SEED=${VAXDESK_CRASH_SEED:-$(($(od -An -N4 -tu4 /dev/urandom | tr -d ' ') % 1000000000))}
echo "crash: seed $SEED (VAXDESK_CRASH_SEED=$SEED replays this run)"
rng=$SEED
# next N: R = the next number in [0, N) of the run's sequence
next() {
	rng=$(((rng * 1103515245 + 12345) % 2147483648))
	R=$((rng / 65536 % $1))
}

drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login: exit $DRV_RC"
: >"$REG_TMP/log"
kills=0 killed_work=0 killed_sync=0 killed_tui=0
i=0
while [ $i -lt "$POINTS" ]; do
	next 3
	kind=$R
	if [ $kind -lt 2 ]; then
		next 120
		CACHEDRV_KILL_AT=$((1 + R))
		export CACHEDRV_KILL_AT
		drv work --seed $((SEED + i)) --count 6 >>"$REG_TMP/log" 2>"$REG_TMP/work.err"
		what=work
	else
		next 60
		CACHEDRV_KILL_AT=$((1 + R))
		export CACHEDRV_KILL_AT
		drv sync >>"$REG_TMP/sync.log" 2>&1
		what=sync
	fi
	unset CACHEDRV_KILL_AT
	case $DRV_RC in
	137) kills=$((kills + 1)); [ $what = work ] && killed_work=$((killed_work + 1)) ||
		killed_sync=$((killed_sync + 1)) ;;
	0 | 3 | 75) ;;
	*) fail "kill point $i ($what, write $CACHEDRV_KILL_AT): exit $DRV_RC: $(cat "$REG_TMP/work.err" \
		"$REG_TMP/sync.log" 2>/dev/null | tail -3)" ;;
	esac
	i=$((i + 1))
done

# the real vaxdesk, one client each time: run 0 goes to its end and times
# the script, each later run is killed at a point of that span from the seed
# (a fixed delay misses every run a faster machine or link finishes)
span=0
j=0
while [ $j -le "$TUI_POINTS" ]; do
	tok=$(registry_login CLINICA alice)
	fam=Crashley$(printf '%s' "$j" | tr 0-9 a-j)
	reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"'"$fam"'","given":["Ada"]}],
	 "gender":"female","birthDate":"2019-03-15","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
	echo "$PID" >"$REG_TMP/tui-$j.id"
	cat >"$TUI_TMP/s$j" <<EOF2
$(tui_login_keys CLINICA alice)
$(tui_open_keys "$fam, Ada 03/15/2019")
$(keys_visit "LOTA$j" "LOTB$j")
:save-screen $S/visit-$j.txt
$(keys_change_lot "LOTC$j")
:save-screen $S/change-$j.txt
$(keys_middle Jo)
<F7>
<F7>
<F7>
<F7>
<F7>
<F7>
<Tab>
<Tab>
:type $fam
<Tab>
:type Mara
<Tab>
:type MTH
<Tab>
:type 5125550101
<F7>
<C-u>
:type G
<Tab>
<Tab>
:type Y
<Tab>
:type 03/20/2019
<Tab>
:type signed form
<C-w>
:wait-idle
:save-screen $S/edit-$j.txt
<Home>
d
:type Wrong patient
<C-w>
:wait-idle
:save-screen $S/delete-$j.txt
:wait-text 20 Outbox: 0
:quit
EOF2
	if [ $j = 0 ]; then
		t0=$(date +%s%N)
		st=0
		VAXDESK_NO_DISPLAY=1 VAXDESK_SCRIPT="$TUI_TMP/s$j" "$VAXDESK" >"$TUI_TMP/out" 2>"$TUI_TMP/err" || st=$?
		span=$((($(date +%s%N) - t0) / 1000000))
		[ $st = 0 ] || tui_fail "vaxdesk's uncut run: exit status $st"
		echo "crash: vaxdesk's uncut run took $span ms; the kills fall within it"
	else
		next 1000
		VAXDESK_NO_DISPLAY=1 VAXDESK_SCRIPT="$TUI_TMP/s$j" "$VAXDESK" >"$TUI_TMP/out" 2>"$TUI_TMP/err" &
		vd=$!
		sleep_ms $((span * R / 1000))
		if kill -KILL "$vd" 2>/dev/null; then
			kills=$((kills + 1))
			killed_tui=$((killed_tui + 1))
		fi
		wait "$vd" 2>/dev/null || :
	fi
	! grep -qE 'Sanitizer|runtime error' "$TUI_TMP/err" || tui_fail "sanitizer report"
	j=$((j + 1))
done
[ $kills -gt 0 ] || fail "no kill point was reached"

# the rest goes up; nothing waits for a person
tries=0
while :; do
	drv sync >"$REG_TMP/final.out" 2>&1
	[ "$DRV_RC" = 0 ] && break
	tries=$((tries + 1))
	[ $tries -lt 3 ] || fail "final sync (exit $DRV_RC): $(cat "$REG_TMP/final.out")"
done
drv verify "$REG_TMP/log" >"$REG_TMP/verify.out" 2>"$REG_TMP/verify.err"
[ "$DRV_RC" = 0 ] || fail "verify: $(cat "$REG_TMP/verify.out" "$REG_TMP/verify.err")"

# what vaxdesk confirmed is on the registry as confirmed
confirmed_tui=0
j=0
while [ $j -le "$TUI_POINTS" ]; do
	pid=$(cat "$REG_TMP/tui-$j.id")
	reg_json GET "/Immunization?patient=$pid" "$tok"
	lots=$(jqb '[.entry[]?.resource.lotNumber] | sort | join(",")')
	ok=yes
	said() { [ -f "$S/$1-$j.txt" ] && grep -q "$2" "$S/$1-$j.txt"; }
	if said visit '2 doses saved'; then
		confirmed_tui=$((confirmed_tui + 1))
		case ",$lots," in *,LOTB$j,*) ;; *) ok="no MMR LOTB$j" ;; esac
	fi
	if said change 'Change saved'; then
		confirmed_tui=$((confirmed_tui + 1))
		case ",$lots," in *,LOTA$j,*) ok="the change to LOTC$j was lost" ;; esac
	fi
	if said delete 'Deleted (entered in error)'; then
		confirmed_tui=$((confirmed_tui + 1))
		case ",$lots," in *LOTA$j* | *LOTC$j*) ok="the deleted DTaP is there" ;; esac
	fi
	if said edit 'Client saved'; then
		confirmed_tui=$((confirmed_tui + 1))
		reg_json GET "/Patient/$pid" "$tok"
		[ "$(jqb '.name[0].given[1]')" = Jo ] || ok="the middle name is not there"
		reg_json GET "/RelatedPerson?patient=$pid" "$tok"
		[ "$(jqb .total)" = 1 ] || ok="the responsible person is there $(jqb .total) times"
		reg_json GET "/Consent?patient=$pid" "$tok"
		[ "$(jqb .total)" = 1 ] || ok="the consent is there $(jqb .total) times"
	fi
	# the uncut run confirmed all four
	[ $j != 0 ] || [ $confirmed_tui = 4 ] || ok="the uncut run confirmed $confirmed_tui saves of 4"
	[ "$ok" = yes ] || fail "vaxdesk run $j: $ok (doses: $lots)"
	j=$((j + 1))
done
counts=$(sed -n 's/^verify: //p' "$REG_TMP/verify.out")
echo "crash: seed $SEED: $kills kills ($killed_work in driver work, $killed_sync in driver syncs, $killed_tui in" \
	"vaxdesk); $counts; vaxdesk: $confirmed_tui confirmed saves found on the registry"
