#!/bin/sh
# A client's responsible persons against a real vaxregd over TLS, while
# another organization changes and deletes them at the registry: the normal
# edit path lands once (two offline edits of one person in a row too); a
# person changed elsewhere is a conflict, never overwritten, resolved by
# sending ours over it; a person deleted elsewhere does not block other
# changes, leaves our copy at the next read, and an edit of it is a
# conflict in words, resolved by keeping theirs or by sending ours as new.
# The consent the same way when changed elsewhere.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
. "$top_srcdir/tests/cache/lib.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICB bob provider
registry_start
cache_init
drv sync >/dev/null
[ "$DRV_RC" = 0 ] || fail "first online login"
tok=$(registry_login CLINICA alice)
btok=$(registry_login CLINICB bob)
outbox() { drv outbox --json >"$REG_TMP/ob.json"; jq -r "$1" "$REG_TMP/ob.json"; }
synced() { # EXPECTED-SUMMARY WHAT: exit 0, or 3 while a conflict waits for a person
	drv sync >"$REG_TMP/sync.out"
	_want=0
	[ "$(drv outbox --json >"$REG_TMP/ob.json"; jq '[.[] | select(.state == "conflict")] | length' "$REG_TMP/ob.json")" = 0 ] ||
		_want=3
	[ "$DRV_RC" = "$_want" ] || fail "$2: sync exit $DRV_RC (not $_want): $(cat "$REG_TMP/sync.out")"
	grep -q "$1" "$REG_TMP/sync.out" || fail "$2: $(cat "$REG_TMP/sync.out")"
}
# persons FAMILY: how many responsible persons of that name the registry
# holds for the client; phone FAMILY: the phone of the one there
persons() {
	reg_json GET "/RelatedPerson?patient=$pid&_count=50" "$tok"
	expect 200 "RelatedPerson search"
	jqb "[.entry[]?.resource | select(.name[0].family == \"$1\")] | length"
}
phone() {
	reg_json GET "/RelatedPerson?patient=$pid&_count=50" "$tok"
	jqb ".entry[]?.resource | select(.name[0].family == \"$1\") | .telecom[0].value"
}
# has LINE-REGEX: the cached client (as `cachedrv show` prints it) has such a line
has() {
	drv_ok show --rid "$pid" >"$REG_TMP/show.out"
	grep -q "$1" "$REG_TMP/show.out"
}
# their_change ID PHONE: another organization changes a person's phone
their_change() {
	reg_json GET "/RelatedPerson/$1" "$btok"
	expect 200 "their read"
	reg_json PUT "/RelatedPerson/$1" "$btok" "$(jq -c ".telecom = [{\"system\":\"phone\",\"value\":\"$2\"}]" "$REG_BODY")"
	expect 200 "their change"
}
their_delete() {
	reg_json DELETE "/RelatedPerson/$1" "$btok"
	expect 204 "their delete"
}

reg_json POST /Patient "$tok" '{"resourceType":"Patient","name":[{"family":"Echeverria","given":["Paloma"]}],
 "gender":"female","birthDate":"2018-06-07","address":[{"district":"Travis","state":"TX","postalCode":"78701"}]}'
expect 201 "create patient"
pid=$(jqb .id)
add_person() { # FAMILY GIVEN REL PHONE
	reg_json POST /RelatedPerson "$tok" '{"resourceType":"RelatedPerson","patient":{"reference":"Patient/'"$pid"'"},
	 "relationship":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0063","code":"'"$3"'"}]}],
	 "name":[{"family":"'"$1"'","given":["'"$2"'"]}],"telecom":[{"system":"phone","value":"'"$4"'"}]}'
	expect 201 "create $1"
	jqb .id
}
mid=$(add_person Alvarado Marta MTH 5125550100)
fid=$(add_person Benavides Hugo FTH 5125550200)
gid=$(add_person Cardenas Irma GRD 5125550300)
reg_json POST /Consent "$tok" '{"resourceType":"Consent","patient":{"reference":"Patient/'"$pid"'"},"dateTime":"2018-06-08",
 "status":"active","scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"patient-privacy"}]},
 "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
 "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]},
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/consent-minor","valueCode":"granted"}]}'
expect 201 "create consent"
csid=$(jqb .id)
drv_ok prefetch "$pid" >/dev/null
has "^resp Alvarado 5125550100 id=$mid version=1$" || fail "prefetch keeps the version: $(cat "$REG_TMP/show.out")"

# 1. the normal path: an edit and a new person land once; two offline edits
# of one person in a row build on each other
drv_ok resp --rid "$pid" --family Alvarado --phone 5125550101 >/dev/null
drv_ok resp --rid "$pid" --family Dominguez --given Rosa --rel GRD --add >/dev/null
synced 'accepted 2, rejected 0, conflict 0,' "edit and add"
[ "$(phone Alvarado)" = 5125550101 ] || fail "edit not on the registry"
[ "$(persons Dominguez)" = 1 ] || fail "added person on the registry $(persons Dominguez) times"
[ "$(jqb '.total')" = 4 ] || fail "the client has $(jqb .total) responsible persons, not 4"
synced 'accepted 0,' "resend"
[ "$(persons Dominguez)" = 1 ] || fail "added person sent twice"
has "^resp Alvarado 5125550101 id=$mid version=2$" || fail "receipt version: $(cat "$REG_TMP/show.out")"
drv_ok resp --rid "$pid" --family Alvarado --phone 5125550102 >/dev/null
drv_ok resp --rid "$pid" --family Alvarado --phone 5125550103 >/dev/null
synced 'accepted 2, rejected 0, conflict 0,' "two edits of one person"
[ "$(phone Alvarado)" = 5125550103 ] || fail "last edit not applied: $(phone Alvarado)"
# a client change that leaves the persons alone does not send them again
drv_ok edit --rid "$pid" --given Palomita
synced 'accepted 1, rejected 0, conflict 0,' "client-only edit"
reg_json GET "/RelatedPerson/$mid" "$tok"
[ "$(jqb .meta.versionId)" = 4 ] || fail "an unchanged person got a new version: $(jqb .meta.versionId)"

# 2. changed elsewhere meanwhile: a conflict, their change kept, until a
# person sends ours over it
their_change "$fid" 5125550222
drv_ok resp --rid "$pid" --family Benavides --phone 5125550299 >/dev/null
synced 'accepted 0, rejected 0, conflict 1,' "concurrent change"
[ "$(phone Benavides)" = 5125550222 ] || fail "their change was overwritten"
seq=$(outbox '.[] | select(.state == "conflict") | .seq')
outbox '.[] | select(.state == "conflict") | .message' |
	grep -q 'This responsible person (Benavides, Hugo, FTH) was changed at the registry' ||
	fail "conflict message: $(outbox '.[] | select(.state == "conflict") | .message')"
drv_ok approve --seq "$seq"
synced 'accepted 1, rejected 0, conflict 0,' "send ours over theirs"
[ "$(phone Benavides)" = 5125550299 ] || fail "ours not sent over theirs: $(phone Benavides)"
[ "$(persons Benavides)" = 1 ] || fail "Benavides twice"

# the consent too: their change kept, ours a conflict in words until sent
# over it; the consent stays one record
reg_json GET "/Consent/$csid" "$btok"
reg_json PUT "/Consent/$csid" "$btok" "$(jq -c '.extension += [{"url":"https://vaxdesk.org/fhir/StructureDefinition/consent-source","valueString":"signed form"}]' "$REG_BODY")"
expect 200 "their consent change"
drv_ok consent --rid "$pid" --minor refused --dob 2024-05-05
synced 'accepted 0, rejected 0, conflict 1,' "concurrent consent change"
reg_json GET "/Consent/$csid" "$tok"
[ "$(jqb '.status')" = active ] || fail "their consent was overwritten"
outbox '.[] | select(.state == "conflict") | .message' |
	grep -q "This client's registry consent was changed at the registry" ||
	fail "consent conflict message: $(outbox '.[] | select(.state == "conflict") | .message')"
seq=$(outbox '.[] | select(.state == "conflict") | .seq')
drv_ok approve --seq "$seq"
synced 'accepted 1, rejected 0, conflict 0,' "send our consent over theirs"
reg_json GET "/Consent?patient=$pid" "$tok"
[ "$(jqb .total)" = 1 ] || fail "consent records: $(jqb .total)"
[ "$(jqb '.entry[0].resource.status')" = rejected ] || fail "our consent not sent over theirs"
has "^consent Refused id=$csid version=3$" || fail "consent receipt: $(cat "$REG_TMP/show.out")"

# 3. deleted elsewhere: other changes still go, the next read drops it
their_delete "$gid"
drv_ok edit --rid "$pid" --given Paloma
synced 'accepted 1, rejected 0, conflict 0,' "client edit after their delete"
reg_json GET "/Patient/$pid" "$tok"
[ "$(jqb '.name[0].given[0]')" = Paloma ] || fail "client edit not applied"
has '^resp Cardenas' || fail "the cached copy lost Cardenas before any read"
drv_ok prefetch "$pid" >/dev/null
! has '^resp Cardenas' || fail "the next read kept a person deleted at the registry"
[ "$(persons Cardenas)" = 0 ] || fail "Cardenas came back"

# 4. an edit of a person deleted elsewhere: a conflict in words; keep theirs
their_delete "$(reg_json GET "/RelatedPerson?patient=$pid&_count=50" "$tok"
	jqb '.entry[].resource | select(.name[0].family == "Dominguez") | .id')"
drv_ok resp --rid "$pid" --family Dominguez --phone 5125550404 >/dev/null
synced 'accepted 0, rejected 0, conflict 1,' "edit of a person deleted elsewhere"
seq=$(outbox '.[] | select(.state == "conflict") | .seq')
outbox '.[] | select(.state == "conflict") | .message' |
	grep -q 'This responsible person (Dominguez, Rosa, GRD) was removed at the registry' ||
	fail "removed message: $(outbox '.[] | select(.state == "conflict") | .message')"
[ "$(persons Dominguez)" = 0 ] || fail "the deleted person came back"
drv_ok theirs --seq "$seq"
! has '^resp Dominguez' || fail "keep theirs kept the deleted person"
has "^resp Benavides 5125550299 id=$fid" || fail "keep theirs lost the others: $(cat "$REG_TMP/show.out")"
[ "$(outbox ".[] | select(.seq == $seq) | .state")" = discarded ] || fail "kept theirs, entry not discarded"
synced 'accepted 0, rejected 0, conflict 0,' "after keep theirs"
[ "$(persons Dominguez)" = 0 ] || fail "Dominguez sent after keep theirs"

# 5. the same, resolved by sending ours as new; a removal here of a person
# removed there too simply lands
their_delete "$mid"
drv_ok resp --rid "$pid" --family Alvarado --phone 5125550505 >/dev/null
synced 'accepted 0, rejected 0, conflict 1,' "edit of a person deleted elsewhere (2)"
seq=$(outbox '.[] | select(.state == "conflict") | .seq')
drv_ok approve --seq "$seq"
synced 'accepted 1, rejected 0, conflict 0,' "send ours as new"
[ "$(persons Alvarado)" = 1 ] || fail "Alvarado on the registry $(persons Alvarado) times"
[ "$(phone Alvarado)" = 5125550505 ] || fail "ours not sent as new"
nid=$(reg_json GET "/RelatedPerson?patient=$pid&_count=50" "$tok"
	jqb '.entry[].resource | select(.name[0].family == "Alvarado") | .id')
[ "$nid" != "$mid" ] || fail "the deleted record was revived instead of a new one"
has "^resp Alvarado 5125550505 id=$nid version=1$" || fail "new id not cached: $(cat "$REG_TMP/show.out")"
synced 'accepted 0,' "resend after send as new"
[ "$(persons Alvarado)" = 1 ] || fail "Alvarado sent twice"
their_delete "$fid"
drv_ok resp --rid "$pid" --family Benavides --remove >/dev/null
synced 'accepted 1, rejected 0, conflict 0,' "removal of a person removed elsewhere"
! has '^resp Benavides' || fail "removed person still cached"
[ "$(outbox '[.[] | select(.state != "accepted" and .state != "discarded")] | length')" = 0 ] ||
	fail "entries left: $(cat "$REG_TMP/ob.json")"
echo ok
