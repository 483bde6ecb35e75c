#!/bin/sh
# What waits for a person after a sync with another desk, in the real
# vaxdesk against a real vaxregd over TLS:
#  1. the same flu shot recorded at another desk first: the registry holds
#     ours as a possible duplicate; the outbox opens both doses side by
#     side; "the same shot" discards ours (audited), and the registry keeps
#     one; a second time, "another dose" sends it, confirmed;
#  2. the given name changed here and at another desk, which also wrote a
#     note: the outbox opens the merge, base, ours and the registry's field
#     by field; the note merges by itself, the given name waits for a
#     choice (ours); the merged record reaches the registry with the other
#     desk's note kept.
set -eu
. "$top_srcdir/tests/tui/lib.sh"
# the outbox is read before anything is sent: vaxdesk sends only when asked
tui_registry_alice "auto_sync = no"
CACHEDRV=${CACHEDRV:-$top_builddir/tests/cache/cachedrv}
[ -x "$CACHEDRV" ] || { echo "skip: $CACHEDRV not built"; exit 77; }
tok=$(registry_login CLINPENA alice)
tui_client "$tok" Marchetti Lia 2019-05-05
lia=$PID
# the other desk: the store's driver with a data directory of its own
printf '%s\n' "$REG_PASSWORD" >"$TUI_TMP/pw"
other() {
	"$CACHEDRV" "$@" --data-dir "$TUI_TMP/desk-a" --registry "$REG_URL" --ca-file "$REG_CA" \
		--org CLINPENA --user alice --password-fd 3 3<"$TUI_TMP/pw" >>"$TUI_TMP/desk-a.out" 2>&1 ||
		[ $? = 3 ] || tui_fail "the other desk: $1: $(cat "$TUI_TMP/desk-a.out")"
}
doses() { # CVX: on the registry for Lia
	reg_json GET "/Immunization?patient=$lia&vaccine-code=$1" "$tok"
	jqb .total
}

# --- 1. the same shot from two desks -----------------------------------------
other sync # its first online login
# this desk reads Lia before the other desk's shot reaches the registry
(
	tui_run <<EOF
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Marchetti, Lia 05/05/2019")
:save-screen $S/lia.txt
:wait-file $TUI_TMP/recorded
$(tui_hist_keys 150 10/01/2024)
<C-o>
:wait-idle
s
:wait-text 30 Held: duplicate?
:save-screen $S/held.txt
<Enter>
:wait-idle
:save-screen $S/pair.txt
l
:wait-idle
:save-screen $S/same.txt
<Esc>
:wait-idle
$(tui_hist_keys 08 05/06/2019)
<C-o>
:wait-idle
s
:wait-text 30 Nothing is waiting
:quit
EOF
	echo "$TUI_STATUS" >"$TUI_TMP/status"
) &
child=$!
tui_wait_screen lia "$child"
other shot --rid "$lia" --shot 150:2024-10-01
other sync
[ "$(doses 150)" = 1 ] || fail "the other desk's flu shot"
touch "$TUI_TMP/recorded"
wait $child
TUI_STATUS=$(cat "$TUI_TMP/status")
[ "$TUI_STATUS" = 0 ] || tui_fail "vaxdesk exit status $TUI_STATUS"
tui_has held 'Held: duplicate?'
tui_has held 'Possible duplicate: the registry already has a dose'
tui_lacks held 'Nothing in this transaction was saved'
tui_has pair 'Possible duplicate dose for Marchetti, Lia'
tui_has pair 'Typed here'
tui_has pair 'On the registry'
tui_has pair 'Vaccine (CVX)'
tui_has pair '10/01/2024'
tui_has pair 'the same shot (discard ours)'
tui_has pair 'another dose (send it)'
tui_has same 'The same shot: ours is discarded (audited) and never sent.'
[ "$(doses 150)" = 1 ] || fail "the discarded shot reached the registry: $(doses 150)"
# the other desk records the Hep B of the same visit too late; this desk's is
# on the registry: the other desk's waits, and is another dose after all
other shot --rid "$lia" --shot 08:2019-05-07
other sync
grep -q 'needs review 1;' "$TUI_TMP/desk-a.out" || tui_fail "the other desk's Hep B: $(cat "$TUI_TMP/desk-a.out")"
"$CACHEDRV" outbox --json --data-dir "$TUI_TMP/desk-a" --org CLINPENA --user alice --password-fd 3 \
	3<"$TUI_TMP/pw" >"$TUI_TMP/ob.json"
seq=$(jq '.[] | select(.state == "needs-review") | .seq' "$TUI_TMP/ob.json")
other approve --seq "$seq"
other sync
[ "$(doses 08)" = 2 ] || fail "the confirmed dose: $(doses 08)"

# --- 2. the same client changed at two desks ---------------------------------
tui_client "$tok" Okafor Chidi 2018-06-07
chidi=$PID
(
	tui_run <<EOF
$(tui_login_keys CLINPENA alice)
$(tui_open_keys "Okafor, Chidi 06/07/2018")
:save-screen $S/read.txt
:wait-file $TUI_TMP/changed
e
:wait-idle
<Tab>
<C-u>
:type Chidiebere
<C-w>
:wait-idle
<C-o>
:wait-idle
s
:wait-text 30 Conflict
:save-screen $S/conflict.txt
<Enter>
:wait-idle
:save-screen $S/merge.txt
<Enter>
:save-screen $S/undecided.txt
o
:save-screen $S/picked.txt
<Enter>
:wait-idle
:save-screen $S/merged.txt
s
:wait-idle
:wait-text 30 Nothing is waiting
:save-screen $S/sent.txt
:quit
EOF
	echo "$TUI_STATUS" >"$TUI_TMP/status"
) &
child=$!
tui_wait_screen read "$child"
# meanwhile, at the other desk (the registry directly): a given name and a note
reg_json GET "/Patient/$chidi" "$tok"
reg_json PUT "/Patient/$chidi" "$tok" "$(jq -c '.name[0].given = ["Chidera"] |
	.extension += [{"url":"https://vaxdesk.org/fhir/StructureDefinition/note","valueString":"prefers Chi"}]' "$REG_BODY")"
expect 200 "the other desk's change"
touch "$TUI_TMP/changed"
wait $child
[ "$(cat "$TUI_TMP/status")" = 0 ] || tui_fail "vaxdesk exit status $(cat "$TUI_TMP/status")"
tui_has conflict 'registry meanwhile, and here too: Given'
tui_has conflict 'compare field by field'
tui_has merge 'Merge: Client change for Okafor, Chidi'
tui_has merge 'Before'
tui_has merge 'Registry'
tui_has merge 'Given name'
tui_has merge 'CHOOSE'
tui_has merge 'Chidiebere'
tui_has merge 'Chidera'
tui_has merge 'Note'
tui_has merge 'prefers Chi'
tui_has undecided '1 field changed on both sides still needs a choice (CHOOSE).'
tui_has picked 'here*'
tui_has merged 'Merged with the registry'
tui_has sent 'Nothing is waiting'
reg_json GET "/Patient/$chidi" "$tok"
[ "$(jqb '.name[0].given[0]')" = Chidiebere ] || fail "our given name, chosen: $(cat "$REG_BODY")"
jqb '.extension[] | select(.url | endswith("/note")) | .valueString' | grep -q '^prefers Chi$' ||
	fail "the other desk's note was erased: $(cat "$REG_BODY")"
echo ok
