#!/bin/sh
# Sync integrity across workstations, against a real vaxregd over TLS:
#  1. the same dose recorded offline at two desks: one lands, the registry
#     holds the other for review with the dose it matches; discarded (or,
#     for a real second dose, confirmed) by a person;
#  2. a three-way merge: a middle name added at desk A survives desk B's
#     phone change made on the version before it; a field changed at both
#     desks waits for a person, who sees base, ours and theirs, and keeping
#     ours never erases what only the other desk changed;
#  3. a lost answer (the registry committed, the reply never came) is
#     reconciled, not called a conflict; the next edit builds on it; the
#     same for a responsible person and for a dose's delete.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_restart
cache_init
tok=$(registry_login CLINICA alice)
A=$REG_TMP/deskA
B=$REG_TMP/deskB
at() { DESK=$1; } # the workstation the next drv commands run on
outbox() { drv outbox --json >"$REG_TMP/ob.json"; jq -r "$1" "$REG_TMP/ob.json"; }
synced() { # EXPECTED-SUMMARY WHAT: and the exit says what waits (0 nothing, 3 a person)
	drv sync >"$REG_TMP/sync.out" 2>&1
	grep -q "$1" "$REG_TMP/sync.out" || fail "$2: $(cat "$REG_TMP/sync.out")"
	_want=0
	grep -q 'waiting for a person (0 rejected, 0 in conflict, 0 for review)' "$REG_TMP/sync.out" || _want=3
	[ "$DRV_RC" = "$_want" ] || fail "$2: sync exit $DRV_RC, not $_want: $(cat "$REG_TMP/sync.out")"
}
doses() { # PATIENT-ID CVX: how many the registry holds
	reg_json GET "/Immunization?patient=$1&vaccine-code=$2" "$tok"
	expect 200 "dose search"
	jqb .total
}
patient() { # FAMILY GIVEN DOB: create on the registry, id in PID
	reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"'"$1"'","given":["'"$2"'"]}],
	 "gender":"female","birthDate":"'"$3"'","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
}
for d in "$A" "$B"; do
	at "$d"
	drv sync >/dev/null
	[ "$DRV_RC" = 0 ] || fail "first online login at $d"
done

# 1. the same flu shot for the same child, offline at two desks
patient Abernathy Wren 2019-03-15
wren=$PID
at "$A"
drv_ok shot --rid "$wren" --shot 150:2024-10-01 >/dev/null
at "$B"
drv_ok shot --rid "$wren" --shot 150:2024-10-01 >/dev/null
at "$A"
synced 'accepted 1, rejected 0, conflict 0, needs review 0;' "desk A's flu shot"
at "$B"
synced 'accepted 0, rejected 0, conflict 0, needs review 1;' "desk B's flu shot"
[ "$(doses "$wren" 150)" = 1 ] || fail "two flu shots on the registry"
first=$(reg_json GET "/Immunization?patient=$wren&vaccine-code=150" "$tok"; jqb '.entry[0].resource.id')
seq=$(outbox '.[] | select(.state == "needs-review") | .seq')
outbox ".[] | select(.seq == $seq) | .message" | grep -q "Possible duplicate.*Immunization/$first" ||
	fail "review message: $(outbox ".[] | select(.seq == $seq) | .message")"
# both doses side by side for the person who decides
drv_ok pair --seq "$seq" >"$REG_TMP/pair.out"
grep -q '^ours CVX 150 given 10/01/2024$' "$REG_TMP/pair.out" || fail "pair: $(cat "$REG_TMP/pair.out")"
grep -q "^theirs Immunization/$first CVX 150 given 10/01/2024 by CLINICA$" "$REG_TMP/pair.out" ||
	fail "pair: $(cat "$REG_TMP/pair.out")"
# resolved: it is the same shot
drv_ok discard --seq "$seq" --reason "Desk A recorded this shot already" >/dev/null
synced 'accepted 0, rejected 0, conflict 0, needs review 0;' "after the discard"
[ "$(doses "$wren" 150)" = 1 ] || fail "the discarded shot reached the registry"
[ "$(outbox ".[] | select(.seq == $seq) | .state")" = discarded ] || fail "not discarded"
# a real second dose (HepB at birth and again) is confirmed and goes
at "$A"
drv_ok shot --rid "$wren" --shot 08:2024-11-01 >/dev/null
synced 'accepted 1,' "desk A's HepB"
at "$B"
drv_ok shot --rid "$wren" --shot 08:2024-11-03 >/dev/null
synced 'needs review 1;' "desk B's HepB"
seq=$(outbox '.[] | select(.state == "needs-review") | .seq')
drv_ok approve --seq "$seq"
synced 'accepted 1, rejected 0, conflict 0, needs review 0;' "the confirmed HepB"
[ "$(doses "$wren" 08)" = 2 ] || fail "the confirmed dose is not on the registry"
echo "two desks, one shot: ok"

# 2. a three-way merge
patient Okafor Chidi 2018-06-07
chidi=$PID
for d in "$A" "$B"; do
	at "$d"
	drv_ok prefetch "$chidi" >/dev/null
done
at "$A"
drv_ok edit --rid "$chidi" --middle Emeka
synced 'accepted 1, rejected 0, conflict 0,' "desk A's middle name"
at "$B"
drv_ok edit --rid "$chidi" --home 5125550100
synced 'accepted 1, rejected 0, conflict 0, needs review 0; merged 1,' "desk B's phone on the older version"
reg_json GET "/Patient/$chidi" "$tok"
[ "$(jqb '.name[0].given[1]')" = Emeka ] || fail "desk A's middle name was lost: $(cat "$REG_BODY")"
[ "$(jqb '.telecom[0].value')" = 5125550100 ] || fail "desk B's phone is missing: $(cat "$REG_BODY")"
drv_ok show --rid "$chidi" >"$REG_TMP/show.out"
grep -q '^middle Emeka$' "$REG_TMP/show.out" || fail "desk B's copy: $(cat "$REG_TMP/show.out")"
# both desks change the given name, from version 3; A also writes a note
for d in "$A" "$B"; do
	at "$d"
	drv_ok prefetch "$chidi" >/dev/null
done
at "$A"
drv_ok edit --rid "$chidi" --given Chidera --note "prefers Chi"
synced 'accepted 1,' "desk A's given name"
at "$B"
drv_ok edit --rid "$chidi" --given Chidiebere --email okafor@example.org
synced 'accepted 0, rejected 0, conflict 1,' "the given name at both desks"
seq=$(outbox '.[] | select(.state == "conflict") | .seq')
outbox ".[] | select(.seq == $seq) | .message" | grep -q 'and here too: Given name.' ||
	fail "conflict words: $(outbox ".[] | select(.seq == $seq) | .message")"
drv_ok merge --seq "$seq" >"$REG_TMP/merge.out"
grep -q '^Given name|conflict|Chidi|Chidiebere|Chidera$' "$REG_TMP/merge.out" || fail "merge: $(cat "$REG_TMP/merge.out")"
grep -q '^E-mail|ours||okafor@example.org|$' "$REG_TMP/merge.out" || fail "merge: $(cat "$REG_TMP/merge.out")"
grep -q '^Note|theirs|||prefers Chi$' "$REG_TMP/merge.out" || fail "merge: $(cat "$REG_TMP/merge.out")"
# nothing undecided goes
drv resolve --seq "$seq" 2>"$REG_TMP/res.err"
[ "$DRV_RC" != 0 ] && grep -q CACHE-UNDECIDED "$REG_TMP/res.err" || fail "an undecided merge was sent"
# keep ours for the given name: the note only A wrote stays
drv_ok resolve --seq "$seq" --pick "Given name=ours"
synced 'accepted 1, rejected 0, conflict 0,' "the resolved merge"
reg_json GET "/Patient/$chidi" "$tok"
[ "$(jqb '.name[0].given[0]')" = Chidiebere ] || fail "our given name: $(cat "$REG_BODY")"
jqb '.extension[] | select(.url | endswith("/note")) | .valueString' | grep -q '^prefers Chi$' ||
	fail "the note desk A wrote was erased: $(cat "$REG_BODY")"
jqb '.telecom[] | select(.system == "email") | .value' | grep -q '^okafor@example.org$' ||
	fail "our e-mail: $(cat "$REG_BODY")"
[ "$(jqb '.name[0].given[1]')" = Emeka ] || fail "the middle name went: $(cat "$REG_BODY")"
echo "three-way merge: ok"

# 3. lost answers
at "$A"
patient Lindqvist Tova 2019-05-05
tova=$PID
drv_ok prefetch "$tova" >/dev/null
drv_ok edit --rid "$tova" --given Tove
# lost SUMMARY WHAT: sync through a proxy that lets the registry commit and
# cuts its reply after 60 bytes, then again directly; the change is
# accepted (found on the registry), never a conflict
lost() {
	proxy_start cut-down 60 "$1"
	drv_url "$PROXY_URL"
	drv sync >"$REG_TMP/lost.out" 2>&1 || :
	proxy_stop
	drv_url ""
	drv sync >>"$REG_TMP/lost.out" 2>&1 || :
	grep -q 'conflict [1-9]' "$REG_TMP/lost.out" && fail "$2: a conflict: $(cat "$REG_TMP/lost.out")"
	outbox '.[-1] | .state + " " + .message' | grep -q "^accepted $3" ||
		fail "$2: $(cat "$REG_TMP/lost.out"; cat "$REG_TMP/ob.json")"
}
lost "$ARM_EDIT" "an edit's lost answer" "The registry already had this change"
reg_json GET "/Patient/$tova" "$tok"
[ "$(jqb .meta.versionId)" = 2 ] || fail "the lost answer was applied twice"
[ "$(outbox '[.[] | select(.state == "accepted")] | .[-1].receipt_version')" = 2 ] || fail "receipt"
# the next edit in the same session builds on our accepted change
drv_ok edit --rid "$tova" --middle Maj
synced 'accepted 1, rejected 0, conflict 0,' "the second edit"
drv_ok edit --rid "$tova" --email tova@example.org
synced 'accepted 1, rejected 0, conflict 0,' "the third edit"
reg_json GET "/Patient/$tova" "$tok"
[ "$(jqb '.name[0].given | join(" ")')" = "Tove Maj" ] || fail "edits: $(cat "$REG_BODY")"
# a responsible person's change whose answer is lost
reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'"$tova"'"},
 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0063","code":"MTH"}]}],
 "name":[{"family":"Lindqvist","given":["Eva"]}],"telecom":[{"system":"phone","value":"5125550300"}]}'
expect 201 "mother"
drv_ok prefetch "$tova" >/dev/null
drv_ok resp --rid "$tova" --family Lindqvist --phone 5125550301 >/dev/null
lost "$ARM_EDIT" "a responsible person's lost answer" "The registry already had this change"
reg_json GET "/RelatedPerson?patient=$tova" "$tok"
[ "$(jqb '.entry[0].resource.telecom[0].value')" = 5125550301 ] || fail "the phone: $(cat "$REG_BODY")"
# five clients' changes in one Bundle whose answer is lost: on resend the
# registry refuses each in turn (412), and each is found there, not split
# down to its own Bundle
kids=
for k in 1 2 3 4 5; do
	patient "Batchelor$(printf '%s' $k | tr 1-5 a-e)" Kit 2019-06-0$k
	kids="$kids $PID"
	drv_ok prefetch "$PID" >/dev/null
done
for kid in $kids; do
	drv_ok edit --rid "$kid" --given Kitty
done
lost "$ARM_EDIT" "five changes in one lost answer" "The registry already had this change"
grep -q 'already on the registry 5;' "$REG_TMP/lost.out" || fail "five lost answers: $(cat "$REG_TMP/lost.out")"
# a responsible person added, its answer lost, then changed: the change
# reaches the person the registry made (no second one, nothing kept back)
drv_ok resp --rid "$tova" --family Holm --given Nils --rel FTH --add >/dev/null
drv_ok resp --rid "$tova" --family Holm --phone 5125550777 >/dev/null
lost "$ARM_EDIT" "a new person's lost answer" ""
reg_json GET "/RelatedPerson?patient=$tova" "$tok"
[ "$(jqb '[.entry[].resource | select(.name[0].family == "Holm")] | length')" = 1 ] || fail "Holm: $(cat "$REG_BODY")"
[ "$(jqb '.entry[].resource | select(.name[0].family == "Holm") | .telecom[0].value')" = 5125550777 ] ||
	fail "the change of the person whose create was lost: $(cat "$REG_BODY")"
# a dose's delete whose answer is lost
drv_ok shot --rid "$tova" --shot 20:2019-07-05 >/dev/null
synced 'accepted 1,' "the DTaP"
drv_ok prefetch "$tova" >/dev/null
drv_ok dose --rid "$tova" --cvx 20 --delete >/dev/null
# (with an edit of the client in the same Bundle: a delete alone is smaller
# than the proxy's first TLS record)
drv_ok edit --rid "$tova" --email tova.l@example.org
lost "$ARM_EDIT" "a delete's lost answer" "The registry already had this change"
[ "$(doses "$tova" 20)" = 0 ] || fail "the deleted dose is still there"
[ "$(outbox '[.[] | select(.state != "accepted" and .state != "discarded")] | length')" = 0 ] ||
	fail "left waiting: $(cat "$REG_TMP/ob.json")"
echo "lost answers: ok"
echo ok
