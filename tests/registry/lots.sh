#!/bin/sh
# The organization's lots on hand (Medication) and the clients' registry IDs
# against a real vaxregd: a lot is checked (vaccine, maker of that vaccine,
# lot number, funding), seen by its organization only, kept by a provider,
# counted down by a dose given with its number and up again when that dose
# is deleted; each new client gets a 9-digit ID with a good check digit,
# kept through an update that leaves it out or tries another, and found by
# an identifier search.
set -eu
. "$top_srcdir/tests/lib/registry.sh"
registry_init
registry_user CLINICA alice provider
registry_user CLINICA victor view
registry_user CLINICB bob provider
registry_start
a=$(registry_login CLINICA alice)
v=$(registry_login CLINICA victor)
b=$(registry_login CLINICB bob)

lot_json() { # CVX MVX LOT EXPIRY FUNDING DOSES
	printf '%s' '{"resourceType":"Medication","status":"active",
 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'"$1"'"}]},
 "manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"'"$2"'"}},
 "batch":{"lotNumber":"'"$3"'","expirationDate":"'"$4"'"},"form":{"text":"single-dose vial"},
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/doses-on-hand","valueInteger":'"$6"'},
  {"url":"https://vaxdesk.org/fhir/StructureDefinition/funding-source","valueCodeableConcept":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/funding-source","code":"'"$5"'"}]}}]}'
}

# --- what a lot must be --------------------------------------------------------
reg_json POST /Medication "$a" "$(lot_json 10 PMC IPV26A 2027-03-31 VXC1 10)"
expect 201 "a good lot"
LID=$(jqb .id)
[ "$(jqb '.batch.lotNumber')" = IPV26A ] || fail "lot number kept"
reg_json POST /Medication "$a" "$(lot_json 10 MSD IPV26B 2027-03-31 VXC1 10)"
expect 422 "a maker that does not make the vaccine"
[ "$(jqb '.issue[0].details.coding[0].code')" = V-MVX-MISMATCH ] || fail "maker mismatch code"
reg_json POST /Medication "$a" "$(lot_json 777 PMC IPV26C 2027-03-31 VXC1 10)"
expect 422 "an unknown vaccine"
reg_json POST /Medication "$a" "$(lot_json 10 PMC N/A 2027-03-31 VXC1 10)"
expect 422 "a placeholder lot number"
[ "$(jqb '.issue[0].details.coding[0].code')" = V-LOT-FORMAT ] || fail "lot number code"
reg_json POST /Medication "$a" "$(lot_json 10 PMC IPV26D 2027-03-31 ZZZ 10)"
expect 422 "an unknown funding source"
reg_json POST /Medication "$a" "$(lot_json 10 PMC IPV26E 2027-03-31 VXC1 -1)"
expect 422 "negative doses"
reg_json POST /Medication "$v" "$(lot_json 10 PMC IPV26F 2027-03-31 VXC1 10)"
expect 403 "a view-only user keeps no lots"

# --- the organization's own ----------------------------------------------------
reg_json GET /Medication "$a"
expect 200 "alice's lots"
[ "$(jqb '.total')" = 1 ] || fail "alice sees her organization's lot"
reg_json GET /Medication "$v"
[ "$(jqb '.total')" = 1 ] || fail "victor (same organization) sees it"
reg_json GET /Medication "$b"
[ "$(jqb '.total')" = 0 ] || fail "another organization does not see it"
reg_json GET "/Medication/$LID" "$b"
expect 404 "another organization cannot read it"

# --- registry IDs --------------------------------------------------------------
reg_create_patient "$a" '{"resourceType":"Patient","name":[{"family":"Lotte","given":["Ana"]}],
 "gender":"female","birthDate":"2024-01-15",
 "identifier":[{"type":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0203","code":"SR"}]},
  "system":"https://vaxdesk.org/fhir/sid/registry-id","value":"111111111"}],
 "address":[{"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
RID=$(jqb '.identifier[] | select(.system == "https://vaxdesk.org/fhir/sid/registry-id") | .value')
[ "$(jqb '[.identifier[] | select(.system == "https://vaxdesk.org/fhir/sid/registry-id")] | length')" = 1 ] ||
	fail "one registry ID"
[ "$RID" != 111111111 ] || fail "the registry gives the ID, a sender does not"
printf '%s' "$RID" | grep -Eq '^[1-9][0-9]{8}$' || fail "a 9-digit ID: $RID"
# the Luhn check digit
sum=0
i=0
for d in $(printf '%s' "$RID" | rev | sed 's/./& /g'); do
	if [ $((i % 2)) = 1 ]; then d=$((d * 2)); [ $d -gt 9 ] && d=$((d - 9)); fi
	sum=$((sum + d))
	i=$((i + 1))
done
[ $((sum % 10)) = 0 ] || fail "the check digit of $RID"
reg_create_patient "$a" '{"resourceType":"Patient","name":[{"family":"Lotte","given":["Ben"]}],
 "gender":"male","birthDate":"2024-01-15","address":[{"state":"TX","postalCode":"78701","district":"Travis"}]}'
PID2=$PID
RID2=$(jqb '.identifier[] | select(.system == "https://vaxdesk.org/fhir/sid/registry-id") | .value')
[ "$RID2" != "$RID" ] || fail "two clients, two IDs"
# an update without it, or with another, keeps it
reg_json GET "/Patient/$PID2" "$a"
# (no identifier left: none at all, FHIR has no empty lists)
jq '.identifier = [.identifier[] | select(.system != "https://vaxdesk.org/fhir/sid/registry-id")]
 | if .identifier == [] then del(.identifier) else . end' "$REG_BODY" > "$REG_TMP/upd.json"
reg_json PUT "/Patient/$PID2" "$a" "$(cat "$REG_TMP/upd.json")"
expect 200 "an update without the ID"
reg_json GET "/Patient/$PID2" "$a"
[ "$(jqb '.identifier[] | select(.system == "https://vaxdesk.org/fhir/sid/registry-id") | .value')" = "$RID2" ] ||
	fail "the ID stays through an update that left it out"
reg_json GET "/Patient?identifier=$RID2" "$a"
[ "$(jqb '.total')" = 1 ] && [ "$(jqb '.entry[0].resource.id')" = "$PID2" ] || fail "found by its ID"
reg_json GET "/Patient?identifier=https://vaxdesk.org/fhir/sid/registry-id%7C$RID2" "$a"
[ "$(jqb '.total')" = 1 ] || fail "found by system|ID"

# --- doses count the lot down, and up again when deleted ------------------------
# (each confirmed by a person: the same client's doses of one day would be
# possible duplicates, registry/dedup.h)
dose() { # PATIENT LOT -> the dose's id in DID
	reg_json POST /Immunization "$a" '{"resourceType":"Immunization","status":"completed",
 "meta":{"tag":[{"system":"https://vaxdesk.org/fhir/CodeSystem/review","code":"confirmed-not-duplicate"}]},
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"10"}]},
 "patient":{"reference":"Patient/'"$1"'"},"occurrenceDateTime":"'"$(date +%Y-%m-%d)"'","primarySource":true,
 "lotNumber":"'"$2"'","manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"PMC"}},
 "fundingSource":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/funding-source","code":"VXC1"}]},
 "programEligibility":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v2-0064","code":"V02"}]}]}'
	expect 201 "dose with lot $2"
	DID=$(jqb .id)
}
doses_left() {
	reg_json GET "/Medication/$LID" "$a"
	jqb '.extension[] | select(.url | endswith("/doses-on-hand")) | .valueInteger'
}
lot_rest() { # the lot as kept, less its count and version
	reg_json GET "/Medication/$LID" "$a"
	jq -S 'del(.meta) | .extension |= map(select(.url | endswith("/doses-on-hand") | not))' "$REG_BODY"
}
before=$(lot_rest)
dose "$PID2" ipv-26a
[ "$(lot_rest)" = "$before" ] || fail "counting a dose off changed the lot beyond its count: $(lot_rest)"
[ "$(doses_left)" = 9 ] || fail "a dose with the lot's number (any case, hyphens) counts one off: $(doses_left)"
dose "$PID2" IPV26A
[ "$(doses_left)" = 8 ] || fail "a second dose: $(doses_left)"
reg_json DELETE "/Immunization/$DID" "$a"
expect 204 "delete the dose"
[ "$(doses_left)" = 9 ] || fail "a deleted dose goes back on the shelf: $(doses_left)"
dose "$PID2" OTHER77
[ "$(doses_left)" = 9 ] || fail "another lot number leaves it"
echo "PASS: lots and registry IDs"
