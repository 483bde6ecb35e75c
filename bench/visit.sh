#!/bin/sh
# bench/visit.sh BENCH_VISIT - the common visit against a throwaway vaxregd
# (tests/lib/registry.sh): a nurse at CLINPENA, a child (William O'Brien,
# 3 years 7 months old today) whose history leaves polio and varicella
# overdue, and the clinic's lots on hand (IPV, varicella, an expired
# varicella lot). BENCH_VISIT drives vaxdesk through the visit; then the
# registry must hold the two doses, from the lots on hand, once each.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
. "$top_srcdir/tests/lib/registry.sh"
pw='Bench!pass2026'
registry_init
registry_user CLINPENA nurse1 provider "$pw"
registry_start
tok=$(registry_login CLINPENA nurse1 "$pw")

ago() { date -u -d "$1" +%Y-%m-%d; }
DOB=$(ago '3 years ago 7 months ago')
after() { date -u -d "$DOB + $1" +%Y-%m-%d; } # the child's age then
reg_create_patient "$tok" '{"resourceType":"Patient","name":[{"family":"O'"'"'Brien","given":["William"]}],
 "gender":"male","birthDate":"'"$DOB"'",
 "address":[{"line":["1 Main St"],"city":"Austin","state":"TX","postalCode":"78701","district":"Travis"}]}'
WPID=$PID
hist() { # CVX AGE
	reg_json POST /Immunization "$tok" '{"resourceType":"Immunization","status":"completed",
 "vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'"$1"'"}]},
 "patient":{"reference":"Patient/'"$WPID"'"},"occurrenceDateTime":"'"$(after "$2")"'","primarySource":false,
 "reportOrigin":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/info-source","code":"01"}]}}'
	[ "$REG_STATUS" = 201 ] || fail "history $1 at $2: $REG_STATUS"
}
for t in '1 day' '2 months' '6 months'; do hist 08 "$t"; done
for t in '2 months' '4 months' '6 months' '15 months'; do hist 20 "$t"; hist 49 "$t"; hist 133 "$t"; done
for t in '2 months' '4 months'; do hist 10 "$t"; done
hist 03 '12 months'
for t in '12 months' '18 months'; do hist 83 "$t"; done
lot() { # CVX MVX LOT EXPIRY FUNDING DOSES
	reg_json POST /Medication "$tok" '{"resourceType":"Medication","status":"active",
 "code":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"'"$1"'"}]},
 "manufacturer":{"identifier":{"system":"http://hl7.org/fhir/sid/mvx","value":"'"$2"'"}},
 "batch":{"lotNumber":"'"$3"'","expirationDate":"'"$4"'"},
 "extension":[{"url":"https://vaxdesk.org/fhir/StructureDefinition/doses-on-hand","valueInteger":'"$6"'},
  {"url":"https://vaxdesk.org/fhir/StructureDefinition/funding-source","valueCodeableConcept":{"coding":[{"system":"https://vaxdesk.org/fhir/CodeSystem/funding-source","code":"'"$5"'"}]}}]}'
	[ "$REG_STATUS" = 201 ] || fail "lot $3: $REG_STATUS"
}
lot 10 PMC IPV26A "$(ago '+1 year')" VXC1 10
lot 21 MSD VAR26B "$(ago '+6 months')" VXC1 5
lot 21 MSD VAR25X "$(ago '1 month ago')" VXC1 3
export VAXDESK_DATADIR="${VAXDESK_DATADIR:-$top_srcdir/data}"
"$1" "$REG_URL" "$REG_CA" CLINPENA nurse1 "$pw" "$(date -u -d "$DOB" +%m%d%Y)" || fail "the visit did not go through"
reg_json GET "/Immunization?patient=$WPID&_count=100" "$tok"
given=$(jqb '[.entry[].resource | select(.primarySource == true) | .vaccineCode.coding[0].code + "/" + .lotNumber] | sort | join(",")')
[ "$given" = "10/IPV26A,21/VAR26B" ] || fail "the registry should hold IPV and varicella from the lots on hand once each, has: $given"
reg_json GET /Medication "$tok"
echo "registry: the doses are in ($given); lots on hand now: $(jqb '[.entry[].resource | .batch.lotNumber + " " + (.extension[] | select(.url | endswith("doses-on-hand")) | .valueInteger | tostring)] | join(", ")')"
